"""A small, valid one-page PDF built from scratch, served for ``document.link``."""

from __future__ import annotations

# A4 in PDF points (1/72 inch).
PAGE_WIDTH = 595
PAGE_HEIGHT = 842
LEFT_MARGIN = 72
TOP_LINE = 770
LINE_HEIGHT = 22


def _escape_text(text: str) -> str:
    # PDF literal strings treat backslash and parentheses specially. The built-in Helvetica
    # font uses a Latin-1 compatible encoding, so other characters become "?".
    text = text.encode("latin-1", errors="replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(title: str, lines: list[str]) -> bytes:
    """
    Build a one-page PDF 1.4 file that shows ``title`` and then ``lines``.

    The file has a correct cross-reference table: ``qpdf --check`` reports no errors and
    ``pdftotext`` extracts the text.

    :param title: the heading, also stored as the document's /Title.
    :param lines: body lines, one per text line.
    """
    content_parts = [f"BT /F1 18 Tf {LEFT_MARGIN} {TOP_LINE} Td ({_escape_text(title)}) Tj ET"]
    for index, line in enumerate(lines, start=1):
        y = TOP_LINE - index * LINE_HEIGHT - 10
        content_parts.append(f"BT /F1 11 Tf {LEFT_MARGIN} {y} Td ({_escape_text(line)}) Tj ET")
    content = "\n".join(content_parts).encode("latin-1")

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode("ascii"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        f"<< /Title ({_escape_text(title)}) /Producer (Legalesign sandbox) >>".encode("latin-1"),
    ]

    # The binary comment on line 2 marks the file as binary for tools that guess text or binary.
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"

    xref_offset = len(output)
    output += b"xref\n0 %d\n" % (len(objects) + 1)
    # Each cross-reference entry is exactly 20 bytes, including the two-byte line end.
    output += b"0000000000 65535 f \n"
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    output += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    output += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(output)
