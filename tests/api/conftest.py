"""API clients: anonymous, or authenticated with a real JWT obtained from the API."""

import sys

import pytest
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(db):
    """`api_as(user)`: a client carrying a bearer token that `user` obtained from the API."""

    def client_for(user):
        client = APIClient()
        if user is None:
            return client
        response = client.post(
            "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        return client

    return client_for


def pytest_terminal_summary(terminalreporter):
    """After a run that included it, schemathesis' totals by identity and check."""
    module = sys.modules.get("tests.api.test_schemathesis")
    totals = getattr(module, "CHECK_TOTALS", None)
    if not totals:
        return
    for who, summary in sorted(module.RUN_SUMMARIES.items()):
        terminalreporter.write_line(
            f"schemathesis ({who}): {summary['operations']} operations, "
            f"{summary['cases']} cases in {summary['seconds']:.0f} s, phases {summary['phases']}, "
            f"stateful {summary['links']}"
        )
    for (who, check), counts in sorted(totals.items()):
        terminalreporter.write_line(
            f"  {who:9} {check:30} {sum(counts.values()):6} responses, "
            f"{counts.get('FAILURE', 0)} failures"
        )
