"""Recognising what a file really is from its first bytes.

Files arrive renamed by hand, so the extension can lie; the reason given back to the
sender should say what the file actually is, and what to do about it.
"""

from __future__ import annotations

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office: .xls, and encrypted .xlsx
# An encrypted (password-protected) .xlsx is an OLE container with this stream.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (ZIP_MAGIC, "a ZIP archive (an .xlsx workbook is one)"),
    (EMPTY_ZIP_MAGIC, "an empty ZIP archive"),
    (OLE_MAGIC, "a legacy Office document (.xls or .doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


def describe_binary(head: bytes) -> str | None:
    """A short description of a known binary format, or None."""
    for magic, description in _SIGNATURES:
        if head.startswith(magic):
            return description
    return None


def looks_like_markup(head: bytes) -> str | None:
    """Web-system exports often send an HTML or XML table under an .xls name."""
    start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<table" in start:
        return "an HTML page (a web export)"
    if start.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head.lower():
            return "an Excel 2003 XML spreadsheet"
        return "an XML document"
    return None
