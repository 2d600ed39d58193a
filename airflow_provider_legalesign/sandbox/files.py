"""
Short-lease download links that behave like presigned S3 URLs.

Legalesign's ``document.link`` and ``template.link`` are short-lease URLs. Like a presigned S3
URL, a link here carries its own signature and lifetime in the query string (``X-Amz-Date``,
``X-Amz-Expires``, ``X-Amz-Signature``). It stops working after ``link_ttl`` seconds (HTTP 403),
and a request that also sends an ``Authorization`` header gets HTTP 400. Errors come back as
S3-style XML.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from collections.abc import Callable

FILES_PREFIX = "/_sandbox/files/"
KINDS = ("documents", "templates")
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class FileRequest:
    """A verified link: which object's PDF to serve."""

    kind: str
    object_id: str


@dataclass
class LinkError(Exception):
    """A link request that must fail, with its HTTP status and S3 error code."""

    status: int
    code: str
    message: str

    def xml(self) -> bytes:
        """Return the S3-style XML error body."""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
        ).encode()


class LinkSigner:
    """
    Creates and checks the sandbox's short-lease download links.

    :param base_url: the GraphQL server's root URL, e.g. ``http://127.0.0.1:8765``.
    :param link_ttl: seconds a link stays valid.
    :param clock: returns the current time in epoch seconds.
    """

    def __init__(self, base_url: str, link_ttl: float, clock: Callable[[], float]) -> None:
        self.base_url = base_url.rstrip("/")
        self.link_ttl = link_ttl
        self.clock = clock
        # A per-sandbox key, so that links of one sandbox never work on another.
        self._key = secrets.token_bytes(32)

    def url_for(self, kind: str, object_id: str) -> str:
        """Return a link to the PDF of the document or template ``object_id``, valid from now."""
        # Object ids are standard base64 and may contain "/", so the path uses URL-safe base64.
        path = f"{FILES_PREFIX}{kind}/{_to_path_segment(object_id)}.pdf"
        amz_date = dt.datetime.fromtimestamp(int(self.clock()), tz=dt.UTC).strftime(AMZ_DATE_FORMAT)
        expires = str(max(1, round(self.link_ttl)))
        query = {
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": expires,
            "X-Amz-Signature": self._signature(path, amz_date, expires),
        }
        return f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"

    def verify(self, path: str, query: dict[str, str], authorization: str | None) -> FileRequest:
        """
        Check a download request and return what it may fetch.

        :param path: the request path, starting with ``/_sandbox/files/``.
        :param query: the query-string parameters.
        :param authorization: the request's ``Authorization`` header, if any.
        :raises LinkError: if the request carries an Authorization header (400), the link is not
            one of this sandbox's (403 SignatureDoesNotMatch), or it has expired (403 AccessDenied).
        """
        if authorization:
            raise LinkError(
                400,
                "InvalidArgument",
                "Only one authentication method is allowed: this URL is presigned, so send the"
                " request without an Authorization header",
            )
        amz_date = query.get("X-Amz-Date", "")
        expires = query.get("X-Amz-Expires", "")
        signature = query.get("X-Amz-Signature", "")
        expected = self._signature(path, amz_date, expires)
        if not signature or not hmac.compare_digest(signature, expected):
            raise LinkError(403, "SignatureDoesNotMatch", "The request signature does not match this link")

        issued = dt.datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC).timestamp()
        if self.clock() > issued + int(expires):
            raise LinkError(403, "AccessDenied", "Request has expired")

        kind, _, file_name = path[len(FILES_PREFIX) :].partition("/")
        object_id = _from_path_segment(file_name.removesuffix(".pdf"))
        if kind not in KINDS or object_id is None:
            raise LinkError(404, "NoSuchKey", "The specified key does not exist")
        return FileRequest(kind=kind, object_id=object_id)

    def _signature(self, path: str, amz_date: str, expires: str) -> str:
        message = f"{path}\n{amz_date}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _to_path_segment(object_id: str) -> str:
    return base64.urlsafe_b64encode(object_id.encode()).decode("ascii").rstrip("=")


def _from_path_segment(segment: str) -> str | None:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError):
        return None
