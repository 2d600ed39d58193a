"""Fields of a ``legalesign`` Airflow connection, read and validated before any request is sent."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_legalesign.connection_fields import DEFAULT_ENDPOINT, EXTRA_FIELDS
from airflow_provider_legalesign.exceptions import LegalesignConfigurationError

DEFAULT_REGION = "eu-west-2"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5

# Extra fields this provider reads. Anything else in ``extra`` is reported once as probably misspelt.
KNOWN_EXTRA_FIELDS = frozenset(EXTRA_FIELDS)

_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class ConnectionSettings:
    """
    Validated settings of one ``legalesign`` connection.

    Secrets are excluded from ``repr`` so that a settings object in a log line or traceback shows none.
    """

    conn_id: str
    endpoint: str
    username: str
    password: str = field(repr=False)
    client_id: str
    client_secret: str | None = field(repr=False)
    region: str
    auth_endpoint: str
    timeout: float
    max_attempts: int
    unknown_extra_fields: tuple[str, ...] = ()

    @classmethod
    def from_connection_fields(
        cls,
        *,
        conn_id: str,
        host: str | None,
        login: str | None,
        password: str | None,
        extra: str | dict[str, Any] | None,
    ) -> ConnectionSettings:
        """
        Build settings from the raw fields of an Airflow connection.

        :raises LegalesignConfigurationError: naming the first invalid or missing field and the fix.
        """
        extra_fields = _parse_extra(conn_id, extra)

        endpoint = (host or "").strip() or DEFAULT_ENDPOINT
        _check_url(conn_id, "host (GraphQL endpoint)", endpoint)

        username = (login or "").strip()
        if not username:
            raise _missing(
                conn_id, "login", "Set it to the Legalesign username (the email address you log in with)."
            )
        if not password:
            raise _missing(conn_id, "password", "Set it to the Legalesign password of that user.")

        client_id = _optional_string(conn_id, extra_fields, "client_id")
        if not client_id:
            raise _missing(
                conn_id,
                "extra field client_id",
                "Set it to the Cognito app client id that Legalesign support gave you.",
            )
        client_secret = _optional_string(conn_id, extra_fields, "client_secret")

        region = _optional_string(conn_id, extra_fields, "region") or DEFAULT_REGION
        if not _REGION_PATTERN.match(region):
            raise LegalesignConfigurationError(
                f"Legalesign connection '{conn_id}': the extra field region {region!r} is not an AWS region "
                f"name. Use a value such as '{DEFAULT_REGION}'."
            )
        auth_endpoint = _optional_string(conn_id, extra_fields, "auth_endpoint") or (
            f"https://cognito-idp.{region}.amazonaws.com/"
        )
        _check_url(conn_id, "extra field auth_endpoint", auth_endpoint)

        timeout = _positive_number(conn_id, extra_fields, "timeout", DEFAULT_TIMEOUT)
        max_attempts = int(_positive_number(conn_id, extra_fields, "max_attempts", DEFAULT_MAX_ATTEMPTS))

        return cls(
            conn_id=conn_id,
            endpoint=endpoint,
            username=username,
            password=password,
            client_id=client_id,
            client_secret=client_secret,
            region=region,
            auth_endpoint=auth_endpoint,
            timeout=timeout,
            max_attempts=max_attempts,
            unknown_extra_fields=tuple(sorted(set(extra_fields) - KNOWN_EXTRA_FIELDS)),
        )


def _missing(conn_id: str, field_name: str, fix: str) -> LegalesignConfigurationError:
    return LegalesignConfigurationError(
        f"Legalesign connection '{conn_id}': the {field_name} is missing. {fix}"
    )


def _parse_extra(conn_id: str, extra: str | dict[str, Any] | None) -> dict[str, Any]:
    if extra is None or extra == "":
        return {}
    if isinstance(extra, dict):
        parsed: Any = extra
    else:
        try:
            parsed = json.loads(extra)
        except json.JSONDecodeError as error:
            raise LegalesignConfigurationError(
                f"Legalesign connection '{conn_id}': the extra field is not valid JSON ({error.msg} at "
                f'position {error.pos}). Write it as a JSON object, for example {{"client_id": "..."}}.'
            ) from error
    if not isinstance(parsed, dict):
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field must be a JSON object, "
            f'not a JSON {type(parsed).__name__}. Write it as {{"client_id": "..."}}.'
        )
    return parsed


def _optional_string(conn_id: str, extra_fields: dict[str, Any], name: str) -> str | None:
    value = extra_fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field {name} must be a string, "
            f"not {type(value).__name__}."
        )
    return value.strip() or None


def _positive_number(conn_id: str, extra_fields: dict[str, Any], name: str, default: float) -> float:
    value = extra_fields.get(name)
    if value is None or value == "":
        return default
    number: float | None = None
    # Connection forms and environment variables may carry numbers as strings, so both are accepted.
    # bool is excluded explicitly because it is an int subclass in Python.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    whole_number_required = name == "max_attempts"
    if (
        number is None
        or not number > 0
        or number == float("inf")
        or (whole_number_required and not number.is_integer())
    ):
        kind = "a positive whole number" if whole_number_required else "a positive number of seconds"
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field {name} must be {kind}, got {value!r}. "
            f"Remove it to use the default ({default:g})."
        )
    return number


def _check_url(conn_id: str, field_name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the {field_name} {url!r} is not an http(s) URL. "
            f"Use a full URL such as '{DEFAULT_ENDPOINT}'."
        )
    # Credentials and tokens travel in these requests, so plain http is accepted only where the
    # traffic never leaves the machine (the local sandbox, a tunnel).
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the {field_name} {url!r} uses plain http on a host that "
            "is not loopback, which would send credentials in clear text. Use https."
        )


def is_loopback_host(hostname: str) -> bool:
    """Return whether ``hostname`` is ``localhost`` or a loopback IP address (127.0.0.0/8, ::1)."""
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
