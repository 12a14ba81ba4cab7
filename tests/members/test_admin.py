"""Members in the admin: search, filters, counts, editing, deleting, and the chart of
members over time on the admin home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members import events
from members.charts import members_over_time
from members.models import Member
from newsletters.models import Delivery, Issue, Newsletter
from tests.factories import AuthorFactory, ContributorFactory, EditorFactory

from .conftest import make_member

pytestmark = pytest.mark.django_db
LIST = "/admin/members/member/"


@pytest.fixture
def editor_client(client_for):
    return client_for(EditorFactory(username="member-editor"))


@pytest.fixture
def listed(weekly, extra):
    make_member("ada@example.com", name="Ada Lovelace", newsletters=[weekly])
    make_member("grace@example.com", name="Grace Hopper", newsletters=[weekly, extra])
    make_member("pending@example.com", status=Member.Status.PENDING)
    make_member(
        "bounced@example.com",
        email_disabled_at=timezone.now(),
        email_disabled_reason="hard bounce",
        source=Member.Source.IMPORT,
    )


def shown(response) -> list[str]:
    return sorted(str(member) for member in response.context["cl"].result_list)


def test_search_by_address_or_name(editor_client, listed):
    assert shown(editor_client.get(LIST, {"q": "grace"})) == ["grace@example.com"]
    assert shown(editor_client.get(LIST, {"q": "Lovelace"})) == ["ada@example.com"]


def test_filters_by_status_newsletter_mail_and_source(editor_client, listed, weekly, extra):
    assert shown(editor_client.get(LIST, {"status__exact": "pending"})) == ["pending@example.com"]
    assert shown(editor_client.get(LIST, {"newsletter": extra.pk})) == ["grace@example.com"]
    assert shown(editor_client.get(LIST, {"newsletter": weekly.pk})) == [
        "ada@example.com", "grace@example.com",
    ]  # fmt: skip
    assert shown(editor_client.get(LIST, {"newsletter": "none"})) == [
        "bounced@example.com", "pending@example.com",
    ]  # fmt: skip
    assert shown(editor_client.get(LIST, {"mail": "disabled"})) == ["bounced@example.com"]
    assert shown(editor_client.get(LIST, {"source__exact": "import"})) == ["bounced@example.com"]
    year = timezone.localdate().year
    assert len(shown(editor_client.get(LIST, {"created_at__year": year}))) == 4


def test_counts_of_what_is_listed(editor_client, listed, weekly):
    page = editor_client.get(LIST)
    assert page.context["member_counts"] == {"active": 3, "pending": 1, "disabled": 1}
    text = page.content.decode()
    assert "4 members" in text  # Django's own count
    assert "<strong>3</strong> active" in text and "<strong>1</strong> with mail disabled" in text
    filtered = editor_client.get(LIST, {"newsletter": weekly.pk})
    assert filtered.context["member_counts"] == {"active": 2, "pending": 0, "disabled": 0}
    assert "Export these 2 as CSV" in filtered.content.decode()


def test_an_editor_changes_name_note_and_status_not_the_address(editor_client):
    member = make_member("wait@example.com", status=Member.Status.PENDING)
    url = f"{LIST}{member.pk}/change/"
    form = editor_client.get(url)
    assert b'name="email"' not in form.content and b'name="note"' in form.content
    response = editor_client.post(
        url,
        {
            "name": "Waited", "status": "active", "note": "By phone", "email": "x@example.com",
            "subscription_set-TOTAL_FORMS": "0", "subscription_set-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert (member.email, member.name, member.note, member.status) == (
        "wait@example.com", "Waited", "By phone", "active",
    )  # fmt: skip
    assert member.confirmed_at is not None


def test_an_editor_adds_a_member(editor_client):
    heard = []

    def listener(sender, member, **kwargs):
        heard.append(member.email)

    events.member_created.connect(listener, dispatch_uid="test-admin-add")
    try:
        response = editor_client.post(
            f"{LIST}add/",
            {
                "email": "New@Example.com", "name": "New", "status": "active", "note": "",
                "subscription_set-TOTAL_FORMS": "0", "subscription_set-INITIAL_FORMS": "0",
            },
        )  # fmt: skip
    finally:
        events.member_created.disconnect(dispatch_uid="test-admin-add")
    assert response.status_code == 302, response.content
    member = Member.objects.get()
    assert (member.email, member.source) == ("new@example.com", "admin")
    assert "new@example.com" in heard


def test_deleting_goes_through_delete_member(editor_client, weekly):
    member = make_member("gone@example.com", newsletters=[weekly])
    issue = Issue.objects.create(newsletter=weekly, subject="Hello")
    Delivery.objects.create(issue=issue, member=member, email=member.email, status="sent")
    heard = []

    def listener(sender, member, **kwargs):
        heard.append((member.pk, member.email))

    events.member_deleted.connect(listener, dispatch_uid="test-admin-delete")
    try:
        response = editor_client.post(
            LIST, {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"}
        )
    finally:
        events.member_deleted.disconnect(dispatch_uid="test-admin-delete")
    assert response.status_code == 302
    assert not Member.objects.exists() and heard == [(member.pk, "gone@example.com")]
    delivery = Delivery.objects.get()
    assert (delivery.member, delivery.email, delivery.status) == (None, "", "sent")


@pytest.mark.parametrize("factory", [AuthorFactory, ContributorFactory])
def test_authors_and_contributors_see_no_members(client_for, factory, listed):
    client = client_for(factory())
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}import/").status_code == 403
    assert client.get(f"{LIST}export/").status_code == 403
    home = client.get("/admin/")
    assert b"members-chart" not in home.content and b"Members" not in home.content


def test_editors_hold_members_and_newsletters_permissions():
    editor = EditorFactory()
    for perm in ("view", "add", "change", "delete"):
        assert editor.has_perm(f"members.{perm}_member")
        assert editor.has_perm(f"newsletters.{perm}_newsletter")
    assert editor.has_perm("newsletters.view_delivery")
    assert not editor.has_perm("newsletters.delete_delivery")  # the record of what was sent


# --- the chart --------------------------------------------------------------------------


def joined_weeks_ago(weeks: int, count: int = 1) -> None:
    for n in range(count):
        member = make_member(f"w{weeks}-{n}@example.com")
        Member.objects.filter(pk=member.pk).update(
            created_at=timezone.now() - timedelta(weeks=weeks)
        )


def test_the_chart_counts_members_per_week_in_one_query(django_assert_num_queries):
    joined_weeks_ago(30, 2)  # before the window: counted in the first total
    joined_weeks_ago(5)
    joined_weeks_ago(0, 3)
    with django_assert_num_queries(1):
        chart = members_over_time()
    assert len(chart.weeks) == 12
    assert [w.total for w in chart.weeks][:6] == [2] * 6  # 11 to 6 weeks ago
    assert (chart.weeks[6].total, chart.weeks[6].joined) == (3, 1)  # 5 weeks ago
    assert (chart.last.total, chart.last.joined, chart.top) == (6, 3, 6)
    assert chart.last.height > chart.first.height > 0


def test_a_young_list_is_charted_since_its_first_member():
    joined_weeks_ago(2)
    joined_weeks_ago(0)
    chart = members_over_time()
    assert [(w.total, w.joined) for w in chart.weeks] == [(1, 1), (1, 0), (2, 1)]


def test_the_chart_is_on_the_admin_home_for_editors(editor_client):
    assert b"No members yet." in editor_client.get("/admin/").content
    joined_weeks_ago(1, 2)
    joined_weeks_ago(0)
    html = editor_client.get("/admin/").content.decode()
    assert '<svg role="img" aria-labelledby="members-chart-title members-chart-desc"' in html
    assert '<title id="members-chart-title">Members over time</title>' in html
    assert "from 2 to 3." in html  # the description says what the bars show
    assert '<th scope="col">Members</th>' in html  # the same numbers as a table
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # nothing from another host


def test_newsletter_admin_filter_lists_newsletters(editor_client, listed):
    page = editor_client.get(LIST)
    names = [n.name for n in Newsletter.objects.all()]
    for name in names:
        assert name in page.content.decode()


def inline(*rows: dict, initial: int = 0) -> dict:
    """The newsletters inline's POST data: `rows` of {"newsletter": pk, ...}."""
    data = {
        "subscription_set-TOTAL_FORMS": str(len(rows)),
        "subscription_set-INITIAL_FORMS": str(initial),
    }
    for n, row in enumerate(rows):
        data.update({f"subscription_set-{n}-{key}": value for key, value in row.items()})
    return data


def test_adding_an_active_member_confirms_them_as_every_door_does(editor_client, weekly, extra):
    confirmed = []

    def listener(sender, member, **kwargs):
        confirmed.append(member.email)

    events.member_confirmed.connect(listener, dispatch_uid="test-admin-confirm")
    try:
        response = editor_client.post(
            f"{LIST}add/",
            {"email": "on@example.com", "name": "On", "status": "active", "note": "", **inline()},
        )
    finally:
        events.member_confirmed.disconnect(dispatch_uid="test-admin-confirm")
    assert response.status_code == 302, response.content
    member = Member.objects.get()
    assert confirmed == ["on@example.com"]
    assert member.confirmed_at is not None
    assert list(member.newsletters.all()) == [weekly]  # the default ones, not "extra"


def test_switching_pending_to_active_activates(editor_client, weekly):
    member = make_member("wait@example.com", status=Member.Status.PENDING)
    confirmed = []
    events.member_confirmed.connect(
        lambda sender, member, **kw: confirmed.append(member.email),
        dispatch_uid="t-switch",
        weak=False,
    )
    try:
        response = editor_client.post(
            f"{LIST}{member.pk}/change/",
            {"name": "", "status": "active", "note": "", **inline()},
        )
    finally:
        events.member_confirmed.disconnect(dispatch_uid="t-switch")
    assert response.status_code == 302, response.content
    assert confirmed == ["wait@example.com"]
    assert list(member.newsletters.all()) == [weekly]


def test_the_newsletters_inline_keeps_archived_ones_and_adds_none(editor_client, weekly):
    old = Newsletter.objects.create(name="Old", slug="old", active=False)
    gone = Newsletter.objects.create(name="Gone", slug="gone", active=False)
    member = make_member("ada@example.com", newsletters=[old])
    rows = member.subscription_set.order_by("pk")
    data = inline(
        # the archived subscription, deleted by the editor: kept (set_subscriptions)
        {"id": rows[0].pk, "member": member.pk, "newsletter": old.pk, "DELETE": "on"},
        {"member": member.pk, "newsletter": weekly.pk},
        {"member": member.pk, "newsletter": gone.pk},  # archived: never added
        initial=1,
    )
    response = editor_client.post(
        f"{LIST}{member.pk}/change/", {"name": "", "status": "active", "note": "", **data}
    )
    assert response.status_code == 302, response.content
    assert set(member.newsletters.values_list("slug", flat=True)) == {"old", "weekly"}


@pytest.mark.parametrize("address", ["user@[127.0.0.1]", "a@localhost", "not an address"])
def test_the_add_form_checks_addresses_by_the_one_rule(editor_client, address):
    response = editor_client.post(
        f"{LIST}add/", {"email": address, "name": "", "status": "active", "note": "", **inline()}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Enter a valid email address." in response.content.decode()
    assert not Member.objects.exists()


def test_adding_an_address_that_exists_in_another_case_says_so(editor_client):
    Member.objects.create(email="ada@example.com", status=Member.Status.ACTIVE)
    response = editor_client.post(
        f"{LIST}add/",
        {"email": "ADA@Example.com", "name": "", "status": "active", "note": "", **inline()},
    )
    assert response.status_code == 200  # the form again, with the error
    html = response.content.decode()
    assert "A member with this address already exists." in html
    assert "member_email_unique_ci" not in html
    assert Member.objects.count() == 1


def test_the_add_form_makes_an_active_member_by_default_and_says_why(editor_client):
    html = editor_client.get(f"{LIST}add/").content.decode()
    assert '<option value="active" selected>' in html
    assert "you vouch for the address" in html


def test_the_admin_home_names_every_model_in_english(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert ">Deliveries<" in html and "Deliverys" not in html
