from __future__ import annotations

import re
import time
import urllib.parse

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from airflow_provider_legalesign.sandbox.pdf import build_pdf
from tests.sandbox.conftest import TIMEOUT, graphql, login

pytestmark = pytest.mark.integration

LINK = "query L($id: ID!) { document(id: $id) { link } }"


def seeded_document_id(sandbox: Sandbox) -> str:
    return sandbox.documents(tag="sandbox-seed")[0]["id"]


def test_link_serves_pdf(sandbox: Sandbox, token: str) -> None:
    link = graphql(sandbox, token, LINK, {"id": seeded_document_id(sandbox)}).json()["data"]["document"][
        "link"
    ]
    assert link.startswith(f"{sandbox.base_url}/_sandbox/files/documents/")
    response = requests.get(link, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert b"Seeded NDA 1" in response.content


def test_link_rejects_authorization_header(sandbox: Sandbox, token: str) -> None:
    link = graphql(sandbox, token, LINK, {"id": seeded_document_id(sandbox)}).json()["data"]["document"][
        "link"
    ]
    response = requests.get(link, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/xml"
    assert "<Code>InvalidArgument</Code>" in response.text


def test_link_with_changed_signature_is_forbidden(sandbox: Sandbox, token: str) -> None:
    link = graphql(sandbox, token, LINK, {"id": seeded_document_id(sandbox)}).json()["data"]["document"][
        "link"
    ]
    tampered = re.sub(r"X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0" * 64, link)
    response = requests.get(tampered, timeout=TIMEOUT)
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text


def test_link_with_longer_lifetime_is_forbidden(sandbox: Sandbox, token: str) -> None:
    link = graphql(sandbox, token, LINK, {"id": seeded_document_id(sandbox)}).json()["data"]["document"][
        "link"
    ]
    extended = link.replace("X-Amz-Expires=60", "X-Amz-Expires=86400")
    assert extended != link
    assert requests.get(extended, timeout=TIMEOUT).status_code == 403


def test_link_expires_after_link_ttl() -> None:
    # A 4 s lifetime leaves room for a slow first download on a busy machine.
    with Sandbox(link_ttl=4) as sandbox:
        token = login(sandbox)
        document_id = seeded_document_id(sandbox)
        link = graphql(sandbox, token, LINK, {"id": document_id}).json()["data"]["document"]["link"]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        assert query["X-Amz-Expires"] == "4"
        assert requests.get(link, timeout=TIMEOUT).status_code == 200

        # X-Amz-Date has whole-second resolution, so 5.1 s is always past the 4 s lifetime.
        time.sleep(5.1)
        expired = requests.get(link, timeout=TIMEOUT)
        assert expired.status_code == 403
        assert "<Code>AccessDenied</Code>" in expired.text
        assert "Request has expired" in expired.text


def test_template_link_serves_pdf(sandbox: Sandbox, token: str) -> None:
    query = "query T($id: ID!) { template(id: $id) { link } }"
    link = graphql(sandbox, token, query, {"id": sandbox.template_id}).json()["data"]["template"]["link"]
    response = requests.get(link, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-1.")


def test_pdf_cross_reference_offsets_point_at_objects() -> None:
    content = build_pdf("Title (with parentheses) \\ and é", ["Line one", "Line two"])
    start = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert content[start:].startswith(b"xref\n0 7\n")
    entries = content[start:].split(b"\n")[3:9]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert content[offset:].startswith(b"%d 0 obj" % number)
    assert b"\\(with parentheses\\)" in content
