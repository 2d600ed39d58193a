"""The GraphQL request that the login and round-trip benchmarks send: the current user's id and email."""

from __future__ import annotations

QUERY = "query CurrentUser { user { id email } }"


def request_body() -> bytes:
    """Return the request body exactly as the hook encodes ``QUERY``, for clients that post it bare."""
    from airflow_provider_legalesign.graphql_transport import encode_request

    return encode_request(QUERY, None, None)
