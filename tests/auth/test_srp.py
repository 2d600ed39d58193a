"""The SRP math: the group, the encoding, and signatures compared with pycognito's independent implementation."""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pycognito.aws_srp import AWSSRP

from airflow_provider_legalesign.auth import srp

POOL_ID = "eu-west-2_AbCdEf123"
USERNAME = "ops@example.com"
USER_ID = "6f1c2b7e-55d4-4b8e-9c3a-2f0d9a1e4b77"
PASSWORD = "Corr3ct-Horse!"


def rfc3526_prime() -> int:
    # RFC 3526, section 4: p = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314), with pi
    # from pi = 4 * (4 atan(1/5) - atan(1/239)) summed in fixed point.
    bits = 2942 + 80

    def atan_inverse(x: int) -> int:
        total, term, n = 0, (1 << bits) // x, 0
        while term:
            total += term // (2 * n + 1) * (-1 if n % 2 else 1)
            term //= x * x
            n += 1
        return total

    pi_fixed = 4 * (4 * atan_inverse(5) - atan_inverse(239))
    return 2**3072 - 2**3008 - 1 + 2**64 * ((pi_fixed >> 80) + 1690314)


def pycognito_signature(private_value: int, challenge: dict[str, str]) -> tuple[str, str]:
    """Return pycognito's (signature, timestamp) for ``challenge``, given the private value."""
    reference = AWSSRP(
        username=USERNAME, password=PASSWORD, pool_id=POOL_ID, client_id="client", pool_region="eu-west-2"
    )
    reference.small_a_value = private_value
    reference.large_a_value = reference.calculate_a()
    with warnings.catch_warnings():
        # pycognito calls datetime.utcnow(), which Python 3.12 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        response = reference.process_challenge(challenge, {"USERNAME": USERNAME})
    return response["PASSWORD_CLAIM_SIGNATURE"], response["TIMESTAMP"]


def challenge(salt: str, srp_b: int, secret_block: bytes) -> dict[str, str]:
    return {
        "SALT": salt,
        "SRP_B": format(srp_b, "x"),
        "SECRET_BLOCK": base64.b64encode(secret_block).decode(),
        "USERNAME": USERNAME,
        "USER_ID_FOR_SRP": USER_ID,
    }


def test_group_is_rfc3526_prime():
    assert srp.N == rfc3526_prime()
    assert srp.G == 2


@pytest.mark.parametrize(
    ("number", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (0x7F, b"\x7f"),
        (0x80, b"\x00\x80"),
        (0xFF, b"\x00\xff"),
        (0x100, b"\x01\x00"),
        (0x8000, b"\x00\x80\x00"),
        # Negative numbers (only a salt can be one) as Java's BigInteger.toByteArray encodes them.
        (-1, b"\xff"),
        (-0x80, b"\x80"),
        (-0x81, b"\xff\x7f"),
        (-0x8001, b"\xff\x7f\xff"),
    ],
)
def test_numbers_encoded_with_sign_byte(number, encoded):
    assert srp.to_bytes(number) == encoded


def test_srp_a_matches_pycognito():
    private_value = secrets.randbelow(srp.N - 1) + 1
    reference = AWSSRP(
        username=USERNAME, password=PASSWORD, pool_id=POOL_ID, client_id="client", pool_region="eu-west-2"
    )
    reference.small_a_value = private_value

    ours = srp.SrpLogin(POOL_ID, private_value=private_value)

    assert ours.srp_a == format(reference.calculate_a(), "x")


# Values chosen to hit the encoding's edge cases: a salt and SRP_B whose top bit is set (sign byte), an
# odd number of hex digits, and a small private value.
SIGNATURE_CASES = [
    ("ff" + "00" * 15, 0x8F << 3064, 2**1000 + 12345),
    ("ab" + "12" * 13, (1 << 3071) + 7, 3),
    ("abc", 0x1234567, srp.N - 2),
    ("7f" * 16, srp.N - 1, 2**255),
]


@pytest.mark.parametrize(("salt", "srp_b", "private_value"), SIGNATURE_CASES)
def test_signature_matches_pycognito(salt, srp_b, private_value):
    secret_block = bytes(range(256)) * 2
    parameters = challenge(salt, srp_b, secret_block)
    expected, timestamp = pycognito_signature(private_value, parameters)

    ours = srp.SrpLogin(POOL_ID, private_value=private_value).password_claim_signature(
        user_id_for_srp=USER_ID,
        password=PASSWORD,
        salt=salt,
        srp_b=parameters["SRP_B"],
        secret_block=parameters["SECRET_BLOCK"],
        timestamp=timestamp,
    )

    assert ours == expected


def test_salt_leading_zeros_ignored():
    # AWS's SDKs read SALT as a number, so "0000ab..." hashes like "ab...". pycognito hashes the string
    # as given, so it is fed the salt without the zeros. Cognito itself sends salts without them.
    parameters = challenge("ab" + "12" * 13, (1 << 3071) + 7, b"block")
    expected, timestamp = pycognito_signature(3, parameters)

    ours = srp.SrpLogin(POOL_ID, private_value=3).password_claim_signature(
        user_id_for_srp=USER_ID,
        password=PASSWORD,
        salt="0000" + parameters["SALT"],
        srp_b=parameters["SRP_B"],
        secret_block=parameters["SECRET_BLOCK"],
        timestamp=timestamp,
    )

    assert ours == expected


def test_negative_salt_accepted():
    signature = srp.SrpLogin(POOL_ID, private_value=3).password_claim_signature(
        user_id_for_srp=USER_ID,
        password=PASSWORD,
        salt="-16e462a84f2df159eee0c14642974ee7",
        srp_b=format(2**2000 + 5, "x"),
        secret_block=base64.b64encode(b"block").decode(),
        timestamp="Tue Mar 3 09:05:07 UTC 2026",
    )

    assert len(base64.b64decode(signature)) == 32


def test_signature_matches_pycognito_random():
    for _ in range(10):
        private_value = secrets.randbelow(srp.N - 1) + 1
        parameters = challenge(
            secrets.token_hex(16), secrets.randbelow(srp.N - 1) + 1, secrets.token_bytes(300)
        )
        expected, timestamp = pycognito_signature(private_value, parameters)

        ours = srp.SrpLogin(POOL_ID, private_value=private_value).password_claim_signature(
            user_id_for_srp=USER_ID,
            password=PASSWORD,
            salt=parameters["SALT"],
            srp_b=parameters["SRP_B"],
            secret_block=parameters["SECRET_BLOCK"],
            timestamp=timestamp,
        )

        assert ours == expected


@pytest.mark.parametrize(
    "change",
    [
        {"password": "Wr0ng-Horse!"},
        {"user_id_for_srp": USERNAME},
        {"timestamp": "Wed Mar 4 09:05:07 UTC 2026"},
    ],
    ids=["password", "user-id", "timestamp"],
)
def test_signature_depends_on_inputs(change):
    login = srp.SrpLogin(POOL_ID, private_value=123456789)
    arguments = {
        "user_id_for_srp": USER_ID,
        "password": PASSWORD,
        "salt": "a1b2c3",
        "srp_b": format(2**2000 + 5, "x"),
        "secret_block": base64.b64encode(b"block").decode(),
        "timestamp": "Tue Mar 3 09:05:07 UTC 2026",
    }

    assert login.password_claim_signature(**arguments) != login.password_claim_signature(
        **{**arguments, **change}
    )


def test_signature_depends_on_pool():
    arguments = {
        "user_id_for_srp": USER_ID,
        "password": PASSWORD,
        "salt": "a1b2c3",
        "srp_b": format(2**2000 + 5, "x"),
        "secret_block": base64.b64encode(b"block").decode(),
        "timestamp": "Tue Mar 3 09:05:07 UTC 2026",
    }
    ours = srp.SrpLogin(POOL_ID, private_value=99).password_claim_signature(**arguments)
    other_pool = srp.SrpLogin("eu-west-2_Other1", private_value=99).password_claim_signature(**arguments)

    assert ours != other_pool


@pytest.mark.parametrize(
    ("srp_b", "secret_block", "salt", "expected"),
    [
        ("0", "YmxvY2s=", "ab", "SRP_B is 0 modulo N"),
        (srp.N_HEX, "YmxvY2s=", "ab", "SRP_B is 0 modulo N"),
        ("xyz", "YmxvY2s=", "ab", "SRP_B is not a hexadecimal number"),
        ("1234", "not base64!", "ab", "SECRET_BLOCK is not Base64"),
        ("1234", "YmxvY2s=", "salt?", "SALT is not a hexadecimal number"),
    ],
)
def test_unusable_challenge_rejected(srp_b, secret_block, salt, expected):
    login = srp.SrpLogin(POOL_ID, private_value=5)

    with pytest.raises(srp.SrpChallengeError, match=expected):
        login.password_claim_signature(
            user_id_for_srp=USER_ID,
            password=PASSWORD,
            salt=salt,
            srp_b=srp_b,
            secret_block=secret_block,
            timestamp="Tue Mar 3 09:05:07 UTC 2026",
        )


@pytest.mark.parametrize("private_value", [0, srp.N, -1])
def test_private_value_out_of_range(private_value):
    with pytest.raises(ValueError, match="between 1 and N - 1"):
        srp.SrpLogin(POOL_ID, private_value=private_value)


def test_random_private_values_differ():
    assert srp.SrpLogin(POOL_ID).srp_a != srp.SrpLogin(POOL_ID).srp_a


def test_repr_shows_no_secret():
    login = srp.SrpLogin(POOL_ID, private_value=0xDEADBEEF)

    assert repr(login) == f"SrpLogin(user_pool_id={POOL_ID!r})"
    assert "deadbeef" not in repr(login).lower()
    assert str(0xDEADBEEF) not in repr(login)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 3, 9, 5, 7, tzinfo=UTC), "Tue Mar 3 09:05:07 UTC 2026"),
        (datetime(2026, 12, 25, 23, 59, 59, tzinfo=UTC), "Fri Dec 25 23:59:59 UTC 2026"),
        (datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "Thu Dec 31 22:30:00 UTC 2026"),
    ],
)
def test_timestamp_format(moment, expected):
    assert srp.cognito_timestamp(moment) == expected


def test_timestamp_matches_pycognito():
    moment = datetime(2026, 2, 1, 7, 8, 9, tzinfo=UTC)

    assert srp.cognito_timestamp(moment) == AWSSRP.get_cognito_formatted_timestamp(moment)


@pytest.mark.parametrize(("pool_id", "name"), [(POOL_ID, "AbCdEf123"), ("us-east-1_x9", "x9")])
def test_pool_name(pool_id, name):
    assert srp.pool_name(pool_id) == name


def test_module_imports_no_airflow_or_requests():
    code = (
        "import sys; import airflow_provider_legalesign.auth.srp;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'requests', 'boto3')))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert completed.stdout.strip() == "[]"
