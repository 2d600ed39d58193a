"""
Validation of the ``send`` mutation's input, following Legalesign's published rules.

Legalesign documents these checks for ``DocumentSendSettingsInput``:

- groupId, templateId, title and recipients are required.
- There are fewer than 200 recipients, and every recipient has ``email`` and ``order``.
- An initial recipient exists: order 0, or order 1 when ``roleId`` is used.
- The lowest-order recipient has a non-empty email.
- title has at most 1028 characters, tag 250, pdfPassword 150, and documentCCEmail 10 entries.
- redirect is a valid URI or null.
- base64 ids decode to the expected type prefixes.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from airflow_provider_legalesign.sandbox import ids

MAX_RECIPIENTS = 199
MAX_TITLE_LENGTH = 1028
MAX_TAG_LENGTH = 250
MAX_PDF_PASSWORD_LENGTH = 150
MAX_CC_EMAILS = 10

# A deliberately loose address check: one "@" with text on both sides and a dot in the domain.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Input keys that hold ids of other objects, with the type prefix each must decode to.
RECIPIENT_ID_FIELDS = {"roleId": ids.ROLE, "scheduleId": ids.SCHEDULE, "experience": ids.EXPERIENCE}


def validate_send_input(settings: dict[str, Any]) -> list[str]:
    """
    Check ``send`` input against Legalesign's rules that need no stored data.

    :param settings: the ``input`` argument as graphql-core coerced it (camelCase keys).
    :return: one message per problem found, or an empty list if the input is valid.
    """
    problems: list[str] = []
    for key in ("groupId", "templateId", "title", "recipients"):
        if settings.get(key) in (None, "", []):
            problems.append(f"{key} is required")

    _check_prefix(problems, "groupId", settings.get("groupId"), ids.GROUP)
    _check_prefix(problems, "templateId", settings.get("templateId"), ids.TEMPLATE)
    _check_length(problems, "title", settings.get("title"), MAX_TITLE_LENGTH)
    _check_length(problems, "tag", settings.get("tag"), MAX_TAG_LENGTH)
    _check_length(problems, "pdfPassword", settings.get("pdfPassword"), MAX_PDF_PASSWORD_LENGTH)

    cc_emails = settings.get("documentCCEmail") or []
    if len(cc_emails) > MAX_CC_EMAILS:
        problems.append(
            f"documentCCEmail has {len(cc_emails)} entries, but at most {MAX_CC_EMAILS} are allowed"
        )
    for index, address in enumerate(cc_emails):
        if not isinstance(address, str) or not EMAIL_PATTERN.match(address):
            problems.append(f"documentCCEmail[{index}] {address!r} is not a valid email address")

    redirect = settings.get("redirect")
    if redirect is not None and not _is_valid_uri(redirect):
        problems.append(f"redirect {redirect!r} is not a valid URI. Pass an absolute URL or null")

    for key in ("senderFields", "participantFields"):
        for index, item in enumerate(settings.get(key) or []):
            _check_prefix(problems, f"{key}[{index}].id", (item or {}).get("id"), ids.ELEMENT)

    recipients = settings.get("recipients") or []
    problems.extend(_recipient_problems(recipients))
    return problems


def _recipient_problems(recipients: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(recipients) > MAX_RECIPIENTS:
        problems.append(f"recipients has {len(recipients)} entries, but fewer than 200 are allowed")

    for index, recipient in enumerate(recipients):
        name = f"recipients[{index}]"
        email = recipient.get("email")
        if email is None:
            problems.append(f"{name}.email is required")
        elif email and not EMAIL_PATTERN.match(email):
            problems.append(f"{name}.email {email!r} is not a valid email address")
        if recipient.get("order") is None:
            problems.append(f"{name}.order is required")
        for key, prefix in RECIPIENT_ID_FIELDS.items():
            _check_prefix(problems, f"{name}.{key}", recipient.get(key), prefix)
        for attachment_index, attachment in enumerate(recipient.get("attachments") or []):
            _check_prefix(problems, f"{name}.attachments[{attachment_index}]", attachment, ids.ATTACHMENT)

    ordered = [r for r in recipients if r.get("order") is not None]
    if recipients and ordered:
        has_initial = any(r["order"] == 0 or (r["order"] == 1 and r.get("roleId")) for r in ordered)
        if not has_initial:
            problems.append(
                "no initial recipient: one recipient needs order 0, or order 1 when roleId is used"
            )
        first = min(ordered, key=lambda r: r["order"])
        if not first.get("email"):
            problems.append("the lowest-order recipient needs a non-empty email")
    return problems


def _check_prefix(problems: list[str], name: str, value: Any, prefix: str) -> None:
    if value in (None, ""):
        return
    if not ids.has_prefix(value, prefix):
        problems.append(f"{name} {value!r} is not a valid id: it must be base64 of {prefix!r} + id")


def _check_length(problems: list[str], name: str, value: Any, maximum: int) -> None:
    if isinstance(value, str) and len(value) > maximum:
        problems.append(f"{name} has {len(value)} characters, but at most {maximum} are allowed")


def _is_valid_uri(value: Any) -> bool:
    if not isinstance(value, str) or any(character.isspace() for character in value):
        return False
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc)
