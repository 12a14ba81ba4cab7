"""The API clients of tests/api (a real token obtained from the API)."""

from tests.api.conftest import api, api_as  # noqa: F401


def pytest_terminal_summary(terminalreporter):
    """After a run that included it, the fuzz test's totals per area and status class."""
    import sys

    module = sys.modules.get("tests.security.test_fuzz")
    totals = getattr(module, "TOTALS", None)
    if totals:
        line = ", ".join(f"{key}: {value}" for key, value in sorted(totals.items()))
        terminalreporter.write_line(f"fuzz (hypothesis): {line}")
