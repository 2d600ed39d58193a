"""
Streaming download of a signed PDF from its short-lived link to a local path or object storage.

Legalesign's ``document.link`` is a presigned URL: it carries its own signature, expires after a
short time, and is rejected when the request also sends an ``Authorization`` header. So it is
fetched with a session of its own, and an expired link is reported as such for the caller to renew.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_legalesign.exceptions import LegalesignAPIError
from airflow_provider_legalesign.http_failures import body_excerpt, describe_transport_error
from airflow_provider_legalesign.retry import call_with_retries

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
CHUNK_SIZE = 64 * 1024

# Error code of the LegalesignAPIError raised for a link that has expired or was rejected.
LINK_EXPIRED = "LinkExpired"


def resolve_destination(destination: str, document_id: str) -> Any:
    """
    Return where to write the PDF: a ``Path``, or an ``ObjectStoragePath`` for a URL with a scheme.

    A destination that ends with ``/`` or names an existing folder gets ``<document id>.pdf`` added.
    """
    file_name = document_id.replace("/", "_").replace("+", "-") + ".pdf"
    if "://" in destination:
        from airflow.providers.common.compat.sdk import ObjectStoragePath

        target = ObjectStoragePath(destination)
        return target / file_name if destination.endswith("/") or target.is_dir() else target
    path = Path(destination).expanduser()
    return path / file_name if destination.endswith(("/", os.sep)) or path.is_dir() else path


def _open_pdf_stream(session: requests.Session, url: str, timeout: float) -> requests.Response:
    try:
        # The link authenticates itself; an Authorization header would make the storage reject it.
        response = session.get(url, stream=True, timeout=(timeout, timeout))
    except requests.RequestException as error:
        raise LegalesignAPIError(
            f"Downloading the PDF failed ({describe_transport_error(error)}).", retryable=True
        ) from error
    if response.status_code == 200:
        return response
    excerpt = body_excerpt(response)
    response.close()
    if response.status_code in (400, 401, 403) or "expired" in excerpt.lower():
        raise LegalesignAPIError(
            f"The PDF download link was rejected with HTTP {response.status_code} ({excerpt}); it has "
            "probably expired.",
            status_code=response.status_code,
            error_code=LINK_EXPIRED,
        )
    raise LegalesignAPIError(
        f"Downloading the PDF failed with HTTP {response.status_code}: {excerpt}",
        status_code=response.status_code,
        retryable=response.status_code == 429 or response.status_code >= 500,
    )


def _chunks(response: requests.Response) -> Iterator[bytes]:
    try:
        yield from response.iter_content(CHUNK_SIZE)
    except requests.RequestException as error:
        raise LegalesignAPIError(
            f"The PDF download broke off ({describe_transport_error(error)}).", retryable=True
        ) from error


def _write_local(path: Path, first_chunk: bytes, rest: Iterator[bytes]) -> int:
    # Written to a temporary file in the same folder and renamed, so the destination never contains a
    # partial PDF, even when the task is killed mid-download.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    size = 0
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in _prepend(first_chunk, rest):
                file.write(chunk)
                size += len(chunk)
        os.replace(temporary_name, path)
    except BaseException:
        Path(temporary_name).unlink(missing_ok=True)
        raise
    return size


def _write_object(target: Any, first_chunk: bytes, rest: Iterator[bytes]) -> int:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (OSError, NotImplementedError):
        # Object stores such as S3 have no folders to create; file:// URLs do.
        pass
    size = 0
    try:
        with target.open("wb") as file:
            for chunk in _prepend(first_chunk, rest):
                file.write(chunk)
                size += len(chunk)
    except BaseException:
        try:
            target.unlink(missing_ok=True)
        except Exception:
            log.warning("Could not remove the partial download at %s.", target)
        raise
    return size


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def download_pdf(url: str, target: Any, *, timeout: float, max_attempts: int) -> int:
    """
    Stream the PDF at ``url`` to ``target`` and return its size in bytes.

    Network failures and HTTP 5xx are retried. A body that does not start with ``%PDF-`` raises before
    anything is written.

    :raises LegalesignAPIError: ``error_code`` is ``LinkExpired`` when the link was rejected as expired.
    """

    def attempt() -> int:
        with requests.Session() as session, _open_pdf_stream(session, url, timeout) as response:
            chunks = _chunks(response)
            first = b""
            for chunk in chunks:
                first += chunk
                if len(first) >= len(PDF_MAGIC):
                    break
            if not first.startswith(PDF_MAGIC):
                content_type = response.headers.get("Content-Type", "no Content-Type")
                raise LegalesignAPIError(
                    f"The download link returned something that is not a PDF ({content_type}, starting with "
                    f"{first[:40]!r}). Nothing was written.",
                    status_code=response.status_code,
                )
            from airflow.providers.common.compat.sdk import ObjectStoragePath

            # Object storage is checked first because on Airflow 2 ObjectStoragePath subclasses Path.
            if isinstance(target, ObjectStoragePath):
                return _write_object(target, first, chunks)
            return _write_local(target, first, chunks)

    return call_with_retries(attempt, max_attempts=max_attempts, logger=log)
