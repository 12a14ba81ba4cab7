"""Tag names are unique whatever their case, also when created at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from blog.models import Tag

pytestmark = pytest.mark.django_db(transaction=True)


def test_case_variants_are_one_tag():
    first = Tag.objects.get_or_create_named("Race")
    assert Tag.objects.get_or_create_named("race") == first
    assert Tag.objects.get_or_create_named("RACE") == first
    with pytest.raises(IntegrityError):
        Tag.objects.create(name="rAcE")  # the database itself refuses a case variant
    assert Tag.objects.count() == 1


def test_a_form_reports_a_case_variant_instead_of_failing():
    Tag.objects.create(name="Django")
    with pytest.raises(ValidationError, match="A tag with this name already exists"):
        Tag(name="django").full_clean()


def test_concurrent_case_variant_creates_leave_one_tag_per_name():
    names = [f"Race-{n}" for n in range(10)]
    variants = [str.upper, str.lower, str.title, lambda name: name.replace("-", " ")]
    start = threading.Barrier(len(variants))
    made: list[Tag] = []
    errors: list[BaseException] = []

    def create(variant) -> None:
        try:
            start.wait()
            for name in names:
                made.append(Tag.objects.get_or_create_named(variant(name)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(v,)) for v in variants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    lowered = sorted(tag.name.lower() for tag in Tag.objects.all())
    # "Race 0" is another name (a space, not a hyphen) with its own slug, race-0-2.
    assert lowered == sorted(
        [n.lower() for n in names] + [n.lower().replace("-", " ") for n in names]
    )
    assert len({tag.pk for tag in made}) == 2 * len(names)
    assert Tag.objects.values("slug").distinct().count() == Tag.objects.count()
