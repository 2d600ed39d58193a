"""
Client side of Cognito's Secure Remote Password login: ``USER_SRP_AUTH`` and its ``PASSWORD_VERIFIER`` challenge.

With SRP the password never leaves the worker. The client sends ``SRP_A = g^a mod N``. Cognito responds
with the user's ``SALT``, its own public value ``SRP_B``, ``USER_ID_FOR_SRP`` and an opaque
``SECRET_BLOCK``. The client then proves that it knows the password with ``PASSWORD_CLAIM_SIGNATURE``,
an HMAC over the pool name, the user id, the secret block and a timestamp, keyed with the shared
secret that both sides derive.

Cognito's variant of SRP-6a (the one that AWS's own SDKs implement) fixes these details:

- ``N`` is the 3072-bit MODP prime of RFC 3526, section 4, and ``g`` is 2. SHA-256 is the hash.
- Numbers are hashed as big-endian two's complement bytes of minimal length, so a positive number gets
  a leading zero byte when its top bit is set (like Java's ``BigInteger.toByteArray``). They are not
  padded to the length of ``N`` as RFC 5054 does. The hexadecimal ``SALT`` is read as a number first,
  so leading zeros in it do not count, as in AWS's SDKs.
- ``k = H(N | g)``, ``u = H(A | B)``, ``x = H(salt | H(pool name | user id | ":" | password))``, where
  the pool name is the part of the user pool id after ``_`` and the user id is ``USER_ID_FOR_SRP``.
- The shared secret ``S = (B - k * g^x) ^ (a + u * x) mod N`` goes through HKDF-SHA256 with ``u`` as
  the salt and ``"Caldera Derived Key"`` as the info, cut to 16 bytes.
- ``TIMESTAMP`` reads like ``Tue Mar 3 09:05:07 UTC 2026``, in English whatever the locale, with the
  day of the month not padded.

This is the provider's own code rather than a library's, for three reasons. The maintained Python
implementation, pycognito's ``AWSSRP``, is built around a boto3 client, so it would add boto3 and
botocore to every worker, and its requests would bypass this provider's error classification, retry
policy and secret masking, which work on ``requests`` responses. Its helpers that take a challenge
and return a signature are not a documented API either. The math fits in this module, and the tests
check it against pycognito (given the same private value, both must produce the same signature) and
against the sandbox's verifier, which checks the signature with the stored password.

This module imports nothing from Airflow and nothing that does I/O, so it costs nothing at DAG parse
time. The Cognito client imports it only when a connection uses ``USER_SRP_AUTH``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

# The 3072-bit MODP group prime of RFC 3526, section 4: 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi)
# + 1690314). A test derives it again from that formula.
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
HKDF_INFO = b"Caldera Derived Key"
DERIVED_KEY_LENGTH = 16

# Bytes of randomness for the private value a. AWS's SDKs draw 128 bytes (1024 bits), far more than the
# 256 bits that SRP's security needs.
PRIVATE_VALUE_BYTES = 128

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class SrpChallengeError(ValueError):
    """The PASSWORD_VERIFIER challenge has a value that SRP cannot work with, such as ``SRP_B % N == 0``."""


def to_bytes(number: int) -> bytes:
    """
    Encode an integer the way Cognito hashes it: minimal big-endian two's complement, with a sign byte.

    Only the salt can be negative: Cognito has sent salts such as ``-16e462a8...``, which AWS's SDKs
    hash as the two's complement bytes of that negative number.
    """
    magnitude_bits = number.bit_length() if number >= 0 else (~number).bit_length()
    return number.to_bytes(magnitude_bits // 8 + 1, "big", signed=True)


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash_to_int(data: bytes) -> int:
    return int.from_bytes(_hash(data), "big")


MULTIPLIER = _hash_to_int(to_bytes(N) + to_bytes(G))


def pool_name(user_pool_id: str) -> str:
    """Return the part of a user pool id after its region, e.g. ``AbCdEf123`` for ``eu-west-2_AbCdEf123``."""
    return user_pool_id.partition("_")[2]


def cognito_timestamp(moment: datetime) -> str:
    """Format ``moment`` in UTC as Cognito's TIMESTAMP, e.g. ``Tue Mar 3 09:05:07 UTC 2026``."""
    utc = moment.astimezone(UTC)
    return (
        f"{_WEEKDAYS[utc.weekday()]} {_MONTHS[utc.month - 1]} {utc.day} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} UTC {utc.year}"
    )


def _derive_key(shared_secret: int, scrambler: int) -> bytes:
    # HKDF (RFC 5869) with one block of output, which is enough for 16 bytes.
    pseudo_random_key = hmac.new(to_bytes(scrambler), to_bytes(shared_secret), hashlib.sha256).digest()
    return hmac.new(pseudo_random_key, HKDF_INFO + b"\x01", hashlib.sha256).digest()[:DERIVED_KEY_LENGTH]


def _parse_hex(name: str, value: str) -> int:
    try:
        return int(value, 16)
    except (TypeError, ValueError):
        raise SrpChallengeError(f"The challenge parameter {name} is not a hexadecimal number.") from None


class SrpLogin:
    """
    One SRP login attempt: the private value ``a`` and the public value ``SRP_A`` derived from it.

    Use a new instance for every InitiateAuth, because Cognito pairs its ``SRP_B`` with this ``SRP_A``.
    ``repr`` shows no secret.

    :param user_pool_id: the Cognito user pool id, such as ``eu-west-2_AbCdEf123``.
    :param private_value: the private value ``a``. Tests pass a fixed one to compare implementations;
        otherwise it is drawn from :mod:`secrets`.
    """

    def __init__(self, user_pool_id: str, *, private_value: int | None = None) -> None:
        self.user_pool_id = user_pool_id
        self._a = private_value if private_value is not None else self._random_private_value()
        if not 0 < self._a < N:
            raise ValueError("The SRP private value must be between 1 and N - 1.")
        self.public_value = pow(G, self._a, N)

    @staticmethod
    def _random_private_value() -> int:
        while True:
            value = int.from_bytes(secrets.token_bytes(PRIVATE_VALUE_BYTES), "big") % N
            if value:
                return value

    def __repr__(self) -> str:
        return f"SrpLogin(user_pool_id={self.user_pool_id!r})"

    @property
    def srp_a(self) -> str:
        """``SRP_A`` as InitiateAuth takes it: lowercase hexadecimal."""
        return format(self.public_value, "x")

    def password_claim_signature(
        self,
        *,
        user_id_for_srp: str,
        password: str,
        salt: str,
        srp_b: str,
        secret_block: str,
        timestamp: str,
    ) -> str:
        """
        Return ``PASSWORD_CLAIM_SIGNATURE`` (Base64) for the PASSWORD_VERIFIER challenge.

        :param user_id_for_srp: the challenge's ``USER_ID_FOR_SRP``.
        :param password: the user's password.
        :param salt: the challenge's ``SALT``, hexadecimal.
        :param srp_b: the challenge's ``SRP_B``, hexadecimal.
        :param secret_block: the challenge's ``SECRET_BLOCK``, Base64.
        :param timestamp: the ``TIMESTAMP`` sent with the response, from :func:`cognito_timestamp`.
        :raises SrpChallengeError: a challenge value is malformed or unsafe to use.
        """
        server_public = _parse_hex("SRP_B", srp_b)
        if server_public % N == 0:
            raise SrpChallengeError("The challenge parameter SRP_B is 0 modulo N, which SRP must reject.")
        scrambler = _hash_to_int(to_bytes(self.public_value) + to_bytes(server_public))
        if scrambler == 0:
            raise SrpChallengeError("SRP_A and SRP_B hash to 0, which SRP must reject.")
        try:
            secret_block_bytes = base64.b64decode(secret_block, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise SrpChallengeError("The challenge parameter SECRET_BLOCK is not Base64.") from None

        name = pool_name(self.user_pool_id)
        identity_hash = _hash(f"{name}{user_id_for_srp}:{password}".encode())
        private_key = _hash_to_int(to_bytes(_parse_hex("SALT", salt)) + identity_hash)
        base = (server_public - MULTIPLIER * pow(G, private_key, N)) % N
        shared_secret = pow(base, self._a + scrambler * private_key, N)
        key = _derive_key(shared_secret, scrambler)

        message = name.encode() + user_id_for_srp.encode() + secret_block_bytes + timestamp.encode()
        return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")
