"""Comparison of a document's status with the statuses a caller waits for or fails on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError

if TYPE_CHECKING:
    from collections.abc import Sequence

SUCCESS = "success"
FAILURE = "failure"


def normalise_statuses(statuses: Sequence[str] | str, name: str) -> tuple[str, ...]:
    """
    Return ``statuses`` lower-cased, as a tuple.

    :raises LegalesignConfigurationError: ``statuses`` is empty or contains something other than strings.
    """
    if isinstance(statuses, str):
        statuses = (statuses,)
    if not statuses or not all(isinstance(status, str) and status.strip() for status in statuses):
        raise LegalesignConfigurationError(
            f"{name} must be a non-empty list of document statuses such as ['completed'], got {statuses!r}."
        )
    return tuple(status.strip().lower() for status in statuses)


def document_outcome(
    document: dict[str, Any], success_statuses: Sequence[str], failure_statuses: Sequence[str]
) -> str | None:
    """Return ``"success"``, ``"failure"`` or ``None`` (still waiting) for the document's status."""
    status = str(document.get("status") or "").lower()
    if status in failure_statuses:
        return FAILURE
    if status in success_statuses:
        return SUCCESS
    return None


def describe_recipients(document: dict[str, Any]) -> str:
    """Return each recipient's email and status, for messages about a document."""
    recipients = document.get("recipients") or []
    if not recipients:
        return "no recipients listed"
    return ", ".join(
        f"{recipient.get('email') or recipient.get('id')}: {recipient.get('status') or 'unknown'}"
        for recipient in recipients
    )
