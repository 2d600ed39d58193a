"""LegalesignDownloadDocumentOperator against a loopback server: destinations, PDF check, expired links."""

from __future__ import annotations

import pytest

from airflow_provider_legalesign.exceptions import LegalesignAPIError, LegalesignConfigurationError
from airflow_provider_legalesign.operators.legalesign import LegalesignDownloadDocumentOperator
from tests.fake_legalesign import PDF, Reply

DOCUMENT_ID = "ZG9jMTIz/ab+c=="


@pytest.fixture
def fake_document(fake, set_connection):
    set_connection(fake.connection(max_attempts=2))
    fake.graphql_data = {
        "document": {"id": DOCUMENT_ID, "status": "completed", "link": fake.file_url("signed.pdf?sig=abc")}
    }
    return fake


def download(destination: str) -> str:
    operator = LegalesignDownloadDocumentOperator(
        task_id="pdf", document_id=DOCUMENT_ID, destination=destination
    )
    return operator.execute({})


def test_download_to_file(fake_document, tmp_path):
    target = tmp_path / "out" / "contract.pdf"

    path = download(str(target))

    assert path == str(target)
    assert target.read_bytes() == PDF
    assert [entry.name for entry in target.parent.iterdir()] == ["contract.pdf"]


def test_download_to_folder_uses_document_id(fake_document, tmp_path):
    path = download(f"{tmp_path}/")

    assert path == str(tmp_path / "ZG9jMTIz_ab-c==.pdf")
    assert (tmp_path / "ZG9jMTIz_ab-c==.pdf").read_bytes() == PDF


def test_download_to_object_storage_url(fake_document, tmp_path):
    path = download(f"file://{tmp_path}/archive/")

    assert path == f"file://{tmp_path}/archive/ZG9jMTIz_ab-c==.pdf"
    assert (tmp_path / "archive" / "ZG9jMTIz_ab-c==.pdf").read_bytes() == PDF


def test_link_fetched_without_authorization(fake_document, tmp_path):
    download(str(tmp_path / "a.pdf"))

    assert "authorization" not in fake_document.file_requests[0].headers
    assert fake_document.file_requests[0].path == "/files/signed.pdf?sig=abc"


def test_expired_link_refreshed_once(fake_document, tmp_path):
    fake_document.file_replies.append(
        Reply(
            status=403, body="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
        )
    )

    download(str(tmp_path / "a.pdf"))

    assert (tmp_path / "a.pdf").read_bytes() == PDF
    link_requests = [
        r for r in fake_document.graphql_requests if r.body.get("operationName") == "GetDocumentLink"
    ]
    assert len(link_requests) == 2
    assert len(fake_document.file_requests) == 2


def test_link_expired_twice_fails(fake_document, tmp_path):
    fake_document.file_replies.extend(Reply(status=403, body="Request has expired") for _ in range(2))

    with pytest.raises(LegalesignAPIError, match="expired"):
        download(str(tmp_path / "a.pdf"))

    assert not (tmp_path / "a.pdf").exists()


def test_not_a_pdf_writes_nothing(fake_document, tmp_path):
    fake_document.file_replies.append(Reply(status=200, body="<html>Sign in</html>"))

    with pytest.raises(LegalesignAPIError, match="not a PDF") as caught:
        download(str(tmp_path / "a.pdf"))

    assert "text/html" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_server_error_retried(fake_document, tmp_path, waits):
    fake_document.file_replies.append(Reply(status=503, body="busy"))

    download(str(tmp_path / "a.pdf"))

    assert len(fake_document.file_requests) == 2
    assert len(waits) == 1


def test_broken_off_download_leaves_no_file(fake_document, tmp_path):
    fake_document.file_replies.extend(Reply(drop=True) for _ in range(2))

    with pytest.raises(LegalesignAPIError):
        download(str(tmp_path / "a.pdf"))

    assert list(tmp_path.iterdir()) == []


def test_document_without_link_is_clear(fake_document, tmp_path):
    fake_document.graphql_data = {"document": {"id": DOCUMENT_ID, "status": "draft", "link": None}}

    with pytest.raises(Exception, match="no download link"):
        download(str(tmp_path / "a.pdf"))


@pytest.mark.parametrize(("field", "value"), [("document_id", ""), ("destination", "  ")])
def test_empty_arguments_rejected(field, value):
    arguments = {"document_id": DOCUMENT_ID, "destination": "/tmp/x.pdf", field: value}

    with pytest.raises(LegalesignConfigurationError, match=field):
        LegalesignDownloadDocumentOperator(task_id="pdf", **arguments)
