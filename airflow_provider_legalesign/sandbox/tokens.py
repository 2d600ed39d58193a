"""
Verification of Cognito access tokens on the GraphQL side.

moto signs every token with the RSA key whose public half it ships as
``moto/cognitoidp/resources/jwks-public.json.gz`` (key id ``dummy``), so the sandbox checks
signatures with that key, and then the claims that Legalesign's API relies on.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

if TYPE_CHECKING:
    from collections.abc import Callable


class TokenRejected(Exception):
    """The request's credentials are missing or invalid, so the caller returns HTTP 401."""


def load_moto_public_keys() -> KeySet:
    """Load the JSON Web Key Set that matches the key moto signs Cognito tokens with."""
    resource = resources.files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz")
    return KeySet.import_key_set(json.loads(gzip.decompress(resource.read_bytes())))


class AccessTokenVerifier:
    """
    Accepts only access tokens issued by one sandbox user pool.

    :param issuer: the pool's issuer, ``https://cognito-idp.<region>.amazonaws.com/<pool id>``.
    :param is_pool_client: returns whether a client id belongs to that pool.
    :param access_token_ttl: seconds an access token is accepted after its ``iat``. Tokens are
        also rejected after their own ``exp``, which moto always sets to ``iat`` + 3600.
    :param clock: returns the current time in epoch seconds.
    """

    def __init__(
        self,
        *,
        issuer: str,
        is_pool_client: Callable[[str], bool],
        access_token_ttl: float,
        clock: Callable[[], float],
    ) -> None:
        self.issuer = issuer
        self.is_pool_client = is_pool_client
        self.access_token_ttl = access_token_ttl
        self.clock = clock
        self._keys = load_moto_public_keys()

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """
        Check an ``Authorization: Bearer <access token>`` header and return the token's claims.

        :raises TokenRejected: with AppSync-like messages, if the header is missing or not a
            Bearer token, the token does not parse or its signature is wrong, or any claim check
            (token_use, iss, client_id, exp, the sandbox TTL) fails.
        """
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejected("Valid authorization header not provided.")
        try:
            decoded = jwt.decode(token.strip(), self._keys, algorithms=["RS256"])
        except (JoseError, ValueError) as error:
            raise TokenRejected(f"Unable to parse JWT token: {error}") from error

        claims = decoded.claims
        if claims.get("token_use") != "access":
            raise TokenRejected("Token is not an access token. Send the AccessToken, not the IdToken.")
        if claims.get("iss") != self.issuer:
            raise TokenRejected("Token was not issued by this API's user pool.")
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not self.is_pool_client(client_id):
            raise TokenRejected("Token was issued to a client that does not belong to this API's user pool.")

        now = self.clock()
        expires = claims.get("exp")
        issued = claims.get("iat")
        if not isinstance(expires, int | float) or not isinstance(issued, int | float):
            raise TokenRejected("Unable to parse JWT token: exp or iat is missing.")
        if expires < now or issued + self.access_token_ttl < now:
            raise TokenRejected("Token has expired.")
        return claims
