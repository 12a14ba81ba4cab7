"""Two editors adding the same tag or category at the same moment (issue 13's residual):
the slower one gets a form error, never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from blog.models import Category, Tag

pytestmark = pytest.mark.django_db(transaction=True)


# Two transactions inserting at once: SQLite lets one writer in at a time, so the race
# (and the answer to it) exists only on PostgreSQL.
@pytest.mark.postgresql
@pytest.mark.parametrize("model", [Tag, Category])
def test_concurrent_adds_of_one_name_give_the_slower_editor_a_form_error(
    model, admin_user, monkeypatch
):
    # Both requests pass validation before either inserts: the race, every time.
    both_validated = threading.Barrier(2, timeout=30)
    save = model.save

    def save_after_both_validated(self, *args, **kwargs):
        both_validated.wait()
        return save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save_after_both_validated)
    url = reverse(f"admin:blog_{model._meta.model_name}_add")
    responses, errors = [], []

    def add(name: str) -> None:
        client = Client()
        client.force_login(admin_user)
        try:
            responses.append(client.post(url, {"name": name, "slug": "", "_save": "Save"}))
        except BaseException as error:  # the test client re-raises a view's exception
            errors.append(error)
        finally:
            connection.close()

    names = ("Race", "race") if model is Tag else ("Race", "Race")  # tags ignore case
    threads = [threading.Thread(target=add, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "already exists" in refused.content.decode()
    assert model.objects.count() == 1
