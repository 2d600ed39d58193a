"""
Opaque identifiers in Legalesign's style.

Legalesign's GraphQL ids are standard base64 of a three-letter type prefix followed by the
object's own id, for example ``base64("doc" + uuid)``. Clients must treat them as opaque, but
``send`` validation checks the prefixes, so the sandbox keeps the same encoding.
"""

from __future__ import annotations

import base64
import binascii
import uuid

USER = "usr"
GROUP = "grp"
TEMPLATE = "tpl"
ROLE = "rol"
DOCUMENT = "doc"
RECIPIENT = "rec"
TASK = "tsk"
MEMBER = "mem"
SCHEDULE = "sch"
EXPERIENCE = "exp"
ELEMENT = "ele"
ATTACHMENT = "att"


def encode_id(prefix: str, raw_id: str) -> str:
    """Encode ``prefix + raw_id`` as an opaque GraphQL id."""
    return base64.b64encode(f"{prefix}{raw_id}".encode()).decode("ascii")


def new_id(prefix: str) -> str:
    """Create a fresh opaque id with a random UUID as the object's own id."""
    return encode_id(prefix, str(uuid.uuid4()))


def decode_id(value: str) -> tuple[str, str]:
    """
    Split an opaque id into its prefix and the object's own id.

    :param value: the base64 id as a client sent it.
    :raises ValueError: if the value is not base64 of an ASCII prefix and id.
    """
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError) as error:
        raise ValueError(f"{value!r} is not a base64 id") from error
    if len(decoded) <= 3:
        raise ValueError(f"{value!r} decodes to {decoded!r}, which has no id after the type prefix")
    return decoded[:3], decoded[3:]


def has_prefix(value: object, prefix: str) -> bool:
    """Return whether ``value`` is an opaque id whose decoded form starts with ``prefix``."""
    if not isinstance(value, str):
        return False
    try:
        return decode_id(value)[0] == prefix
    except ValueError:
        return False
