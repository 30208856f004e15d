"""What a file is, by its content: the allow-list, case by case (pure, no database)."""

from __future__ import annotations

import pytest

from liaison.attachments import sniff
from tests.attachments.conftest import PDF, PNG, zip_of

DOCX = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
DOCM = zip_of(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\x00macro",
    }
)
ODT = zip_of(
    {"mimetype": sniff.ODT.encode(), "content.xml": b"<office:document-content/>"},
    first="mimetype",
)
ODT_WITH_BASIC = zip_of(
    {"mimetype": sniff.ODT.encode(), "Basic/Standard/Module1.xml": b"<script/>"},
    first="mimetype",
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, sniff.PDF),
        (PNG, sniff.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", sniff.JPEG),
        ("Rapport d'étape\nتقرير مرحلي\n".encode(), sniff.TEXT),
        (b"\xef\xbb\xbfwith a BOM\r\n", sniff.TEXT),
        (DOCX, sniff.DOCX),
        (XLSX, sniff.XLSX),
        (ODT, sniff.ODT),
        # Refused: markup, binaries, archives, macros, executables.
        (b"<html><script>alert(1)</script></html>", None),
        (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", None),
        (b'<?xml version="1.0"?><root/>', None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows executable
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"PK\x03\x04garbage that is no zip", None),
        (zip_of({"notes.txt": b"a plain zip archive"}), None),
        (DOCM, None),
        (ODT_WITH_BASIC, None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"text with a NUL \x00 inside", None),
        (b"\xff\xfe not UTF-8", None),
        (b"   \n\t", None),
    ],
)
def test_a_file_is_told_by_its_content(data: bytes, expected: str | None) -> None:
    assert sniff.media_type(data) == expected
