"""
Bad inputs: each fails with a clear error that names the field and the fix, or works as expected.

The cases are in ``bad_input_cases.py``, shared with the table in ``docs/reliability.md``.
"""

from __future__ import annotations

import pytest

from tests.reliability.bad_input_cases import BAD_INPUTS, BadInput, Harness

pytestmark = pytest.mark.integration

# An error of this provider that only repeats a library's words would start like these.
LIBRARY_MESSAGES = ("Traceback", "jinja2.", "TemplateNotFound", "TemplateSyntaxError", "UndefinedError")


@pytest.fixture
def harness(sandbox, set_connection, tmp_path, caplog, capsys) -> Harness:
    sandbox.reset_counts()

    def logged_text() -> str:
        output = capsys.readouterr()
        return caplog.text + output.out + output.err

    return Harness(sandbox=sandbox, folder=tmp_path, set_connection=set_connection, logged_text=logged_text)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[f"{case.area}-{case.name}" for case in BAD_INPUTS])
def test_bad_input(case: BadInput, harness: Harness) -> None:
    if not case.error:
        result = case.run(harness)
        assert case.check is not None
        case.check(result, harness)
        logged = harness.logged_text()
        for part in case.message:
            assert part in logged
        return

    with pytest.raises(Exception) as failure:  # noqa: PT011 - the class is checked by name below
        case.run(harness)

    message = str(failure.value)
    assert type(failure.value).__name__ == case.error
    for part in case.message:
        assert part in message
    for library_text in LIBRARY_MESSAGES:
        assert library_text not in message


def test_table_size() -> None:
    assert len(BAD_INPUTS) >= 25


def test_config_errors_send_nothing(harness: Harness) -> None:
    configuration_cases = [
        case
        for case in BAD_INPUTS
        if case.area == "connection" and case.error == "LegalesignConfigurationError"
    ]
    for case in configuration_cases:
        with pytest.raises(Exception):  # noqa: PT011, B017 - each case's class is checked in test_bad_input
            case.run(harness)

    assert harness.sandbox.request_counts()["totals"] == {"cognito": 0, "graphql": 0, "files": 0}
