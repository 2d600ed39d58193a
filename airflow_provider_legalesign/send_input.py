"""
Client-side validation of the ``send`` mutation's input, with Legalesign's documented rules.

Legalesign rejects an invalid send at once with an error and no task. Checking the same rules here
fails the task before any request, with every broken rule listed, so nothing is spent on a call.
The rules, as Legalesign's send-validation guide states them:

- ``groupId``, ``templateId``, ``title`` and ``recipients`` are required;
- fewer than 200 recipients, each with an ``email`` and an ``order``;
- an initial recipient exists: ``order`` 0, or ``order`` 1 when recipients use ``roleId``;
- the recipient with the lowest ``order`` has a non-empty email;
- ``title`` at most 1028 characters, ``tag`` 250, ``pdfPassword`` 150, at most 10 ``documentCCEmail``;
- ``redirect`` is an absolute URI or null;
- base64 ids decode to the expected type prefix (``grp`` group, ``tpl`` template, ``rol`` role, ...).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError

MAX_RECIPIENTS = 199
MAX_TITLE_LENGTH = 1028
MAX_TAG_LENGTH = 250
MAX_PDF_PASSWORD_LENGTH = 150
MAX_CC_EMAILS = 10

# Input fields that the operator's own arguments set; send_options must not set them a second time.
OPERATOR_FIELDS = frozenset({"groupId", "templateId", "title", "recipients", "tag"})

_ID_PREFIXES = {"groupId": "grp", "templateId": "tpl"}
_RECIPIENT_ID_PREFIXES = {"roleId": "rol", "scheduleId": "sch", "experience": "exp"}


def id_has_prefix(value: Any, prefix: str) -> bool:
    """Return whether ``value`` is standard base64 that decodes to text starting with ``prefix``."""
    if not isinstance(value, str) or not value:
        return False
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return decoded.startswith(prefix.encode("ascii"))


def _length_problem(name: str, value: Any, maximum: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{name} must be a string, not {type(value).__name__}"
    if len(value) > maximum:
        return f"{name} has {len(value)} characters, more than the maximum of {maximum}"
    return None


def _recipient_problems(recipients: Any) -> list[str]:
    if not isinstance(recipients, list) or not recipients:
        return ["recipients must be a non-empty list of recipient objects"]
    problems = []
    if len(recipients) > MAX_RECIPIENTS:
        problems.append(f"recipients has {len(recipients)} entries; Legalesign allows fewer than 200")
    orders: list[tuple[int, int]] = []
    uses_role_id = False
    for index, recipient in enumerate(recipients):
        where = f"recipients[{index}]"
        if not isinstance(recipient, dict):
            problems.append(f"{where} must be an object with email and order, not {type(recipient).__name__}")
            continue
        if "email" not in recipient or recipient["email"] is None:
            problems.append(f"{where}.email is missing")
        elif not isinstance(recipient["email"], str):
            problems.append(f"{where}.email must be a string")
        order = recipient.get("order")
        if order is None:
            problems.append(f"{where}.order is missing")
        elif isinstance(order, bool) or not isinstance(order, int) or order < 0:
            problems.append(f"{where}.order must be a whole number of 0 or more, not {order!r}")
        else:
            orders.append((order, index))
        if recipient.get("roleId") is not None:
            uses_role_id = True
        for field_name, prefix in _RECIPIENT_ID_PREFIXES.items():
            if recipient.get(field_name) is not None and not id_has_prefix(recipient[field_name], prefix):
                problems.append(
                    f"{where}.{field_name} {recipient[field_name]!r} is not a Legalesign {prefix} id"
                )
    if orders:
        first_order = 1 if uses_role_id else 0
        if not any(order == first_order for order, _ in orders):
            problems.append(
                f"no initial recipient: one recipient needs order {first_order}"
                + (" (recipients use roleId)" if uses_role_id else "")
            )
        lowest_order, lowest_index = min(orders)
        email = recipients[lowest_index].get("email")
        if not isinstance(email, str) or not email.strip():
            problems.append(
                f"the first recipient to sign, recipients[{lowest_index}] (order {lowest_order}), has no email"
            )
    return problems


def validate_send_input(send_input: dict[str, Any]) -> None:
    """
    Check ``send_input`` against Legalesign's documented send rules.

    :raises LegalesignConfigurationError: listing every rule the input breaks, with the field and value.
    """
    problems: list[str] = []
    for field_name in ("groupId", "templateId", "title"):
        value = send_input.get(field_name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{field_name} is missing")
    for field_name, prefix in _ID_PREFIXES.items():
        value = send_input.get(field_name)
        if value and not id_has_prefix(value, prefix):
            problems.append(
                f"{field_name} {value!r} is not a Legalesign {prefix} id (base64 of '{prefix}' and the id)"
            )
    problems.extend(_recipient_problems(send_input.get("recipients")))
    for field_name, maximum in (
        ("title", MAX_TITLE_LENGTH),
        ("tag", MAX_TAG_LENGTH),
        ("pdfPassword", MAX_PDF_PASSWORD_LENGTH),
    ):
        problem = _length_problem(field_name, send_input.get(field_name), maximum)
        if problem:
            problems.append(problem)
    cc_emails = send_input.get("documentCCEmail")
    if cc_emails is not None and (not isinstance(cc_emails, list) or len(cc_emails) > MAX_CC_EMAILS):
        problems.append(f"documentCCEmail must be a list of at most {MAX_CC_EMAILS} addresses")
    redirect = send_input.get("redirect")
    if redirect is not None:
        parts = urlsplit(redirect) if isinstance(redirect, str) else None
        if parts is None or not parts.scheme or not (parts.netloc or parts.path):
            problems.append(
                f"redirect {redirect!r} is not an absolute URI; use a URL such as https://example.com/done or null"
            )
    if problems:
        raise LegalesignConfigurationError(
            "The send input breaks Legalesign's send rules, so nothing was sent: " + "; ".join(problems) + "."
        )


def send_tag(dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    """
    Return the tag that marks the document sent by one task instance, the same on every try.

    A readable part names the DAG and task, and a digest of all four ids makes the tag unique. The
    readable part is cut so the whole tag stays within Legalesign's 250-character limit.
    """
    digest = hashlib.sha256(f"{dag_id}\0{run_id}\0{task_id}\0{map_index}".encode()).hexdigest()[:20]
    readable = f"airflow:{dag_id}.{task_id}"
    if map_index >= 0:
        readable += f"[{map_index}]"
    return f"{readable[: MAX_TAG_LENGTH - len(digest) - 1]}:{digest}"
