"""HTML to PDF with WeasyPrint (Debian's Pango and HarfBuzz shape Arabic), fetching nothing.

WeasyPrint is imported when a PDF is drawn, not when a module that can draw one is: loading
it (Pango through cffi) costs about half a second, which every command and web process
would otherwise pay at start for a page that most never serve."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def fetcher() -> URLFetcher:
    """Only data: URIs; our PDFs have no image nor link, anything else is refused."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def render(html: str) -> bytes:
    """The PDF of a page written by our own templates."""
    from weasyprint import HTML

    result = HTML(string=html, base_url=None, url_fetcher=fetcher()).write_pdf()
    assert result is not None
    return bytes(result)
