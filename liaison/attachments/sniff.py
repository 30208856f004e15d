"""What a file is, told by its content (magic bytes), never by its name or the type the
client claims. Pure Python, no Django: an allow-list, so anything not recognised here is
refused (docs/assistance.md, "Attachments").

Accepted: PDF, PNG, JPEG, plain UTF-8 text (not markup), and the Office Open XML and
OpenDocument formats without macros (both are zip files: their entries are listed, from
the zip's directory, never unpacked). Everything else, archives and executables included,
is refused; so is SVG or HTML, whatever name it has, as they can carry script.
"""

from __future__ import annotations

import io
import re
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

ACCEPTED = (PDF, PNG, JPEG, TEXT, DOCX, XLSX, PPTX, ODT, ODS, ODP)

# Office Open XML: the main part that names the kind of document.
_OOXML_MAIN = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF = {ODT, ODS, ODP}
# A document with more entries than this is not a document a police officer attaches.
MAX_ZIP_ENTRIES = 10_000
# Control characters other than tab, line feed, form feed and carriage return: not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(rb"^\s*<", re.ASCII)


def media_type(data: bytes) -> str | None:
    """The accepted media type of `data`, or None if it is none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return TEXT if _is_text(data) else None


def _is_text(data: bytes) -> bool:
    """UTF-8 text with no control characters and not markup (HTML, SVG, XML start with
    `<`): served as text/plain, but a browser or an editor could still render markup."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(text.strip()) and not _CONTROL.search(text) and not _MARKUP.match(body)


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(names) > MAX_ZIP_ENTRIES or _has_macros(names):
                return None
            odf = _odf_type(data)
            if odf is not None:
                return odf
            if "[Content_Types].xml" not in names:
                return None
            return next((kind for part, kind in _OOXML_MAIN.items() if part in names), None)
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _has_macros(names: list[str]) -> bool:
    lowered = [name.lower() for name in names]
    return any(n.endswith("vbaproject.bin") or n.startswith("basic/") for n in lowered)


def _odf_type(data: bytes) -> str | None:
    """ODF requires its first entry to be `mimetype`, stored uncompressed, holding the
    media type: read at its fixed place (offset 38 of the file)."""
    if data[30:38] != b"mimetype":
        return None
    declared = data[38 : 38 + 60].split(b"PK", 1)[0].decode("ascii", "replace")
    return declared if declared in _ODF else None
