"""API clients: anonymous, or authenticated with a real JWT obtained from the API."""

import sys
from collections import Counter

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
    """After a run that included it, the schemathesis totals: operations, cases, failures."""
    module = sys.modules.get("tests.api.test_schema")
    totals = getattr(module, "TOTALS", None)
    if not totals:
        return
    operations = {operation for operation, _, _ in totals}
    calls = sum(n for (_, _, outcome), n in totals.items() if outcome != "failure")
    failures = sum(n for (_, _, outcome), n in totals.items() if outcome == "failure")
    by_class = Counter()
    for (_, _, outcome), n in totals.items():
        if outcome != "failure":
            by_class[f"{outcome}xx"] += n
    if terminalreporter.config.option.verbose > 0:
        for key, n in sorted(totals.items(), key=str):
            terminalreporter.write_line(f"  {key}: {n}")
    terminalreporter.write_line(
        f"schemathesis: {len(operations)} operations, {calls // 2} cases "
        f"({calls} calls, anonymous and editor), {failures} failures; "
        f"responses {dict(sorted(by_class.items()))}"
    )
