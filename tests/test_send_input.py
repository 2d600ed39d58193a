"""The send tag and the client-side send rules, without a server."""

from __future__ import annotations

import base64

import pytest

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError
from airflow_provider_legalesign.send_input import MAX_TAG_LENGTH, send_tag, validate_send_input


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


VALID = {
    "groupId": encoded("grp1"),
    "templateId": encoded("tpl1"),
    "title": "NDA",
    "recipients": [{"email": "a@example.com", "order": 0}],
}


def test_tag_same_on_every_try():
    assert send_tag("dag", "run", "task", -1) == send_tag("dag", "run", "task", -1)


@pytest.mark.parametrize(
    "other",
    [
        ("dag2", "run", "task", -1),
        ("dag", "run2", "task", -1),
        ("dag", "run", "task2", -1),
        ("dag", "run", "task", 0),
    ],
)
def test_tag_differs_per_task_instance(other):
    assert send_tag(*other) != send_tag("dag", "run", "task", -1)


def test_tag_within_length_limit():
    tag = send_tag("d" * 250, "r" * 250, "t" * 250, 12)

    assert len(tag) <= MAX_TAG_LENGTH
    assert tag.startswith("airflow:ddd")


def test_tag_readable():
    assert send_tag("contracts", "manual__1", "send", 3).startswith("airflow:contracts.send[3]:")


def test_valid_input_passes():
    validate_send_input(VALID)


def test_role_ids_start_at_order_one():
    recipients = [{"email": "a@example.com", "order": 1, "roleId": encoded("rol1")}]

    validate_send_input({**VALID, "recipients": recipients})


def test_every_problem_listed():
    with pytest.raises(LegalesignConfigurationError) as caught:
        validate_send_input({"recipients": [{"order": "first"}]})

    message = str(caught.value)
    for expected in (
        "groupId is missing",
        "templateId is missing",
        "title is missing",
        "recipients[0].email is missing",
        "recipients[0].order must be a whole number",
    ):
        assert expected in message
