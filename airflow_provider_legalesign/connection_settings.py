"""Fields of a ``legalesign`` Airflow connection, read and validated before any request is sent."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_legalesign.auth.api_key import API_KEY_FORM, ApiKey, InvalidApiKeyError, parse_api_key
from airflow_provider_legalesign.connection_fields import (
    AUTH_FLOW_PASSWORD,
    AUTH_FLOW_SRP,
    AUTH_FLOWS,
    AUTH_TYPE_API_KEY,
    AUTH_TYPE_COGNITO,
    AUTH_TYPES,
    DEFAULT_ENDPOINT,
    EXTRA_FIELDS,
)
from airflow_provider_legalesign.exceptions import LegalesignConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_REGION = "eu-west-2"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5

# Extra fields this provider reads. Anything else in ``extra`` is reported once as probably misspelt.
KNOWN_EXTRA_FIELDS = frozenset(EXTRA_FIELDS)

_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# AWS's pattern for user pool ids: the pool's region, "_", then letters and digits.
_USER_POOL_ID_PATTERN = re.compile(r"^(?P<region>[\w-]+)_[0-9a-zA-Z]+$")


@dataclass(frozen=True)
class ConnectionSettings:
    """
    Validated settings of one ``legalesign`` connection.

    Secrets are excluded from ``repr`` so that a settings object in a log line or traceback shows none.
    With ``auth_type`` ``api_key``, ``password`` and ``api_key.value`` contain the key, and ``username``
    and ``client_id`` may be empty because no Cognito login happens.
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
    auth_type: str = AUTH_TYPE_COGNITO
    auth_flow: str = AUTH_FLOW_PASSWORD
    user_pool_id: str | None = None
    api_key: ApiKey | None = field(default=None, repr=False)
    unknown_extra_fields: tuple[str, ...] = ()

    @property
    def uses_api_key(self) -> bool:
        """Whether requests carry a Developer Portal API key instead of a Cognito access token."""
        return self.auth_type == AUTH_TYPE_API_KEY

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

        auth_type = _choice(conn_id, extra_fields, "auth_type", AUTH_TYPES, AUTH_TYPE_COGNITO, str.lower)
        username = (login or "").strip()
        api_key: ApiKey | None = None
        if auth_type == AUTH_TYPE_API_KEY:
            api_key = _api_key(conn_id, password)
            client_id = _optional_string(conn_id, extra_fields, "client_id") or ""
        else:
            if not username:
                raise _missing(
                    conn_id, "login", "Set it to the Legalesign username (the email address you log in with)."
                )
            if not password:
                raise _missing(conn_id, "password", "Set it to the Legalesign password of that user.")
            client_id = _optional_string(conn_id, extra_fields, "client_id") or ""
            if not client_id:
                raise _missing(
                    conn_id,
                    "extra field client_id",
                    "Set it to the Cognito app client id that Legalesign support gave you, or set the extra "
                    f"field auth_type to {AUTH_TYPE_API_KEY} to use a Developer Portal API key instead.",
                )
        client_secret = _optional_string(conn_id, extra_fields, "client_secret")

        auth_flow = _choice(conn_id, extra_fields, "auth_flow", AUTH_FLOWS, AUTH_FLOW_PASSWORD, str.upper)
        user_pool_id = _optional_string(conn_id, extra_fields, "user_pool_id")
        pool_region = _user_pool_region(conn_id, user_pool_id)
        if auth_type == AUTH_TYPE_COGNITO and auth_flow == AUTH_FLOW_SRP and user_pool_id is None:
            raise _missing(
                conn_id,
                "extra field user_pool_id",
                f"{AUTH_FLOW_SRP} needs it, because the SRP proof is computed with the pool's name. Ask "
                "Legalesign support for the user pool id that belongs to your client_id.",
            )

        region = _region(conn_id, extra_fields, pool_region)
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
            password=api_key.value if api_key is not None else str(password),
            client_id=client_id,
            client_secret=client_secret,
            region=region,
            auth_endpoint=auth_endpoint,
            timeout=timeout,
            max_attempts=max_attempts,
            auth_type=auth_type,
            auth_flow=auth_flow,
            user_pool_id=user_pool_id,
            api_key=api_key,
            unknown_extra_fields=tuple(sorted(set(extra_fields) - KNOWN_EXTRA_FIELDS)),
        )


def _api_key(conn_id: str, password: str | None) -> ApiKey:
    if not password or not password.strip():
        raise _missing(
            conn_id,
            "password",
            f"With auth_type {AUTH_TYPE_API_KEY}, set it to the Developer Portal API key ({API_KEY_FORM}).",
        )
    try:
        return parse_api_key(password)
    except InvalidApiKeyError as error:
        # The message describes the value's shape only, so a mistyped secret never reaches a log.
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the password is not a valid API key. {error} Copy the "
            f"whole key ({API_KEY_FORM}) from the Developer Portal, or set the extra field auth_type to "
            f"{AUTH_TYPE_COGNITO} to log in with a username and password."
        ) from None


def _choice(
    conn_id: str,
    extra_fields: dict[str, Any],
    name: str,
    choices: tuple[str, ...],
    default: str,
    normalise: Callable[[str], str],
) -> str:
    value = _optional_string(conn_id, extra_fields, name)
    if value is None:
        return default
    if normalise(value) not in choices:
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field {name} {value!r} is not one of "
            f"{', '.join(choices)}. Remove it to use the default ({default})."
        )
    return normalise(value)


def _user_pool_region(conn_id: str, user_pool_id: str | None) -> str | None:
    """Return the region that a user pool id starts with, or None when no pool id is set."""
    if user_pool_id is None:
        return None
    match = _USER_POOL_ID_PATTERN.match(user_pool_id)
    if match is None or not _REGION_PATTERN.match(match["region"]):
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field user_pool_id {user_pool_id!r} is not a "
            f"Cognito user pool id. It has the form <region>_<id>, such as '{DEFAULT_REGION}_AbCdEf123'."
        )
    return match["region"]


def _region(conn_id: str, extra_fields: dict[str, Any], pool_region: str | None) -> str:
    configured = _optional_string(conn_id, extra_fields, "region")
    region = configured or pool_region or DEFAULT_REGION
    if not _REGION_PATTERN.match(region):
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field region {region!r} is not an AWS region "
            f"name. Use a value such as '{DEFAULT_REGION}'."
        )
    if pool_region is not None and region != pool_region:
        raise LegalesignConfigurationError(
            f"Legalesign connection '{conn_id}': the extra field region is {region!r}, but the user pool "
            f"in user_pool_id is in {pool_region!r}. Set region to {pool_region!r} or remove it."
        )
    return region


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
