"""
The server half of Cognito's SRP login, so that the sandbox checks ``PASSWORD_CLAIM_SIGNATURE`` for real.

moto responds to ``USER_SRP_AUTH`` with a random ``SALT`` and ``SRP_B`` and accepts any signature. The
sandbox keeps the password of each user it creates instead, derives an SRP verifier
``v = g^x mod N`` from it, issues ``SRP_B = k*v + g^b mod N``, and checks the client's proof the way
Cognito does. The client and this verifier only agree when both use Cognito's conventions (RFC 3526's
3072-bit group, SHA-256, numbers hashed as minimal big-endian bytes with a sign byte, HKDF with the info
"Caldera Derived Key"), so a login through this verifier tests a client's SRP code.

This module is written apart from the provider's client code on purpose and shares none of it: the
group prime is derived here from RFC 3526's formula, and numbers are encoded as hexadecimal strings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

GENERATOR = 2
HKDF_INFO = b"Caldera Derived Key"
# Cognito keeps a challenge open for 3 minutes by default (the app client's AuthSessionValidity).
CHALLENGE_LIFETIME_SECONDS = 180.0

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP_PATTERN = re.compile(
    r"^(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>[1-9]|[12]\d|3[01]) "
    r"(?P<time>\d\d:\d\d:\d\d) UTC (?P<year>\d{4})$"
)


def _rfc3526_prime() -> int:
    """
    Return the 3072-bit MODP prime of RFC 3526, section 4: 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314).

    pi comes from Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239), in fixed point with 64 guard bits.
    """
    guard_bits = 64
    scale_bits = 2942 + guard_bits

    def arctan_of_inverse(denominator: int) -> int:
        # atan(1/d) = sum of (-1)^n / ((2n + 1) d^(2n + 1)), scaled by 2^scale_bits.
        power = (1 << scale_bits) // denominator
        total = power
        n = 0
        while power:
            n += 1
            power //= denominator * denominator
            term = power // (2 * n + 1)
            total += -term if n % 2 else term
        return total

    pi_scaled = 16 * arctan_of_inverse(5) - 4 * arctan_of_inverse(239)
    return 2**3072 - 2**3008 - 1 + 2**64 * ((pi_scaled >> guard_bits) + 1690314)


PRIME = _rfc3526_prime()


def encode(number: int) -> bytes:
    """Return a number as Cognito hashes it: even-length hex, with "00" in front when the top bit is set."""
    digits = format(number, "x")
    if len(digits) % 2:
        digits = "0" + digits
    if digits[0] in "89abcdef":
        digits = "00" + digits
    return bytes.fromhex(digits)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


MULTIPLIER = int.from_bytes(_sha256(encode(PRIME) + encode(GENERATOR)), "big")


class SrpRejected(Exception):
    """
    A Cognito error for an SRP request, which the Cognito front returns as HTTP 400.

    :param error_type: the ``__type``, such as ``NotAuthorizedException``.
    :param message: the ``message``.
    """

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class _UserVerifier:
    user_id: str
    salt: int
    verifier: int = field(repr=False)


@dataclass(frozen=True)
class PendingLogin:
    """
    An SRP challenge that the sandbox issued and that awaits its PASSWORD_VERIFIER response.

    :param client_id: the app client that started the login.
    :param username: the username that InitiateAuth named, as moto stores the user.
    :param user_id: ``USER_ID_FOR_SRP``, the id that the proof is computed with.
    :param moto_session: moto's own session id, which moto's RespondToAuthChallenge expects.
    """

    client_id: str
    username: str
    user_id: str
    moto_session: str
    client_public: int = field(repr=False)
    server_public: int = field(repr=False)
    server_private: int = field(repr=False)
    verifier: int = field(repr=False)
    secret_block: bytes = field(repr=False)
    issued_at: float = 0.0


class SrpVerifier:
    """
    Issues SRP challenges for the users of one pool and checks the responses.

    :param user_pool_id: returns the pool id, whose part after ``_`` is hashed into every proof. It is
        called when needed, because the sandbox creates its pool after its servers start.
    :param clock: seconds on a monotonic clock, for the challenge lifetime.
    """

    def __init__(self, user_pool_id: Callable[[], str], clock: Callable[[], float] = time.monotonic) -> None:
        self.user_pool_id = user_pool_id
        self.clock = clock
        self._lock = threading.Lock()
        self._passwords: dict[str, str] = {}
        self._verifiers: dict[str, _UserVerifier] = {}
        self._pending: dict[str, PendingLogin] = {}

    def set_password(self, username: str, password: str) -> None:
        """Store the password of ``username``, from which its verifier is derived at its next SRP login."""
        with self._lock:
            self._passwords[username] = password
            self._verifiers.pop(username, None)

    def begin(
        self, *, client_id: str, username: str, user_id: str, srp_a: str, moto_session: str
    ) -> dict[str, str]:
        """
        Start an SRP login and return the PASSWORD_VERIFIER challenge parameters.

        :param srp_a: the client's ``SRP_A``, hexadecimal.
        :raises SrpRejected: ``SRP_A`` is invalid, or the sandbox does not know the user's password.
        """
        try:
            client_public = int(srp_a, 16)
        except ValueError:
            raise SrpRejected("InvalidParameterException", "SRP_A is not a hexadecimal number.") from None
        if client_public % PRIME == 0:
            raise SrpRejected("InvalidParameterException", "SRP_A must not be 0 modulo N.")

        with self._lock:
            self._drop_expired()
            record = self._verifier_for(username, user_id)
            server_private = secrets.randbits(256) or 1
            server_public = (MULTIPLIER * record.verifier + pow(GENERATOR, server_private, PRIME)) % PRIME
            secret_block = secrets.token_bytes(96)
            encoded_block = base64.b64encode(secret_block).decode("ascii")
            self._pending[encoded_block] = PendingLogin(
                client_id=client_id,
                username=username,
                user_id=user_id,
                moto_session=moto_session,
                client_public=client_public,
                server_public=server_public,
                server_private=server_private,
                verifier=record.verifier,
                secret_block=secret_block,
                issued_at=self.clock(),
            )
        return {
            "SALT": format(record.salt, "x"),
            "SRP_B": format(server_public, "x"),
            "SECRET_BLOCK": encoded_block,
            "USERNAME": username,
            "USER_ID_FOR_SRP": user_id,
        }

    def finish(self, *, client_id: str, responses: dict[str, str]) -> PendingLogin:
        """
        Check a PASSWORD_VERIFIER response and return the login it completes. Each challenge takes one response.

        :param responses: the request's ``ChallengeResponses``.
        :raises SrpRejected: the secret block is unknown or expired, the response names another user or
            client, the TIMESTAMP is malformed, or the signature does not prove the password.
        """
        secret_block = str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "")
        with self._lock:
            self._drop_expired()
            pending = self._pending.pop(secret_block, None)
        if pending is None or pending.client_id != client_id:
            raise SrpRejected("NotAuthorizedException", "Invalid session for the user, session is expired.")
        if responses.get("USERNAME") not in (pending.username, pending.user_id):
            raise SrpRejected("NotAuthorizedException", "Incorrect username or password.")
        timestamp = str(responses.get("TIMESTAMP") or "")
        _check_timestamp(timestamp)
        try:
            signature = base64.b64decode(str(responses.get("PASSWORD_CLAIM_SIGNATURE") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise SrpRejected("NotAuthorizedException", "Incorrect username or password.") from None
        if not hmac.compare_digest(signature, self._expected_signature(pending, timestamp)):
            raise SrpRejected("NotAuthorizedException", "Incorrect username or password.")
        return pending

    @property
    def pool_name(self) -> str:
        """The part of the pool id after its region and ``_``."""
        return self.user_pool_id().partition("_")[2]

    def _expected_signature(self, pending: PendingLogin, timestamp: str) -> bytes:
        scrambler = int.from_bytes(
            _sha256(encode(pending.client_public) + encode(pending.server_public)), "big"
        )
        # The server's side of the shared secret: (A * v^u)^b, which equals the client's (B - k g^x)^(a + u x).
        shared = pow(
            pending.client_public * pow(pending.verifier, scrambler, PRIME) % PRIME,
            pending.server_private,
            PRIME,
        )
        extract = hmac.new(encode(scrambler), encode(shared), hashlib.sha256).digest()
        key = hmac.new(extract, HKDF_INFO + bytes([1]), hashlib.sha256).digest()[:16]
        message = (
            self.pool_name.encode("utf-8")
            + pending.user_id.encode("utf-8")
            + pending.secret_block
            + timestamp.encode("utf-8")
        )
        return hmac.new(key, message, hashlib.sha256).digest()

    def _verifier_for(self, username: str, user_id: str) -> _UserVerifier:
        record = self._verifiers.get(username)
        if record is not None and record.user_id == user_id:
            return record
        password = self._passwords.get(username)
        if password is None:
            raise SrpRejected(
                "NotAuthorizedException",
                f"The sandbox has no password for {username} to check SRP logins with. Create users with "
                "Sandbox.create_user.",
            )
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        inner = _sha256(f"{self.pool_name}{user_id}:{password}".encode())
        exponent = int.from_bytes(_sha256(encode(salt) + inner), "big")
        record = _UserVerifier(user_id=user_id, salt=salt, verifier=pow(GENERATOR, exponent, PRIME))
        self._verifiers[username] = record
        return record

    def _drop_expired(self) -> None:
        deadline = self.clock() - CHALLENGE_LIFETIME_SECONDS
        for key in [key for key, pending in self._pending.items() if pending.issued_at < deadline]:
            del self._pending[key]


def _check_timestamp(timestamp: str) -> None:
    match = _TIMESTAMP_PATTERN.match(timestamp)
    valid = False
    if match is not None:
        hour, minute, second = (int(part) for part in match["time"].split(":"))
        try:
            moment = datetime(
                int(match["year"]), _MONTHS.index(match["month"]) + 1, int(match["day"]), hour, minute, second
            )
        except ValueError:
            moment = None
        valid = moment is not None and _WEEKDAYS[moment.weekday()] == match["weekday"]
    if not valid:
        raise SrpRejected(
            "InvalidParameterException",
            "TIMESTAMP must look like 'Tue Mar 3 09:05:07 UTC 2026' (English names, UTC, day not padded).",
        )
