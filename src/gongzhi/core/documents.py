"""What the generated documents (certificates, bulletins) share.

- Fonts: a PDF is printed only in a font that is installed. WeasyPrint never says
  when it falls back to another font (an unknown family silently gets Japanese
  glyph shapes), so the family is looked up with fontconfig first and a missing
  one is named, with the command that installs it (:class:`FontMissing`).
- Word: Chinese text of a run is set in the font named by the ``w:eastAsia``
  attribute of its ``rFonts``; :func:`set_run_fonts` sets it beside the Latin one.
- WeasyPrint: :func:`html_to_pdf` prints HTML and loads nothing from outside (no
  network, no local file) except the ``data:`` URIs the document embeds itself.
"""

from __future__ import annotations

import functools
import subprocess
from typing import Any

from django.utils.translation import gettext as _

#: The Debian package with the free Simplified Chinese fonts the PDFs embed.
CJK_FONT_PACKAGE = "fonts-noto-cjk"
NOTO_SERIF_SC = "Noto Serif CJK SC"
NOTO_SANS_SC = "Noto Sans CJK SC"


class FontMissing(RuntimeError):
    """A font a document needs is not installed: say which, and how to install it."""

    def __init__(self, family: str, *, setting: str | None = None) -> None:
        self.family = family
        self.setting = setting
        message = _(
            'The PDF needs the font "%(family)s", which is not installed on this server. '
            "Install it (Debian/Ubuntu: apt-get install %(package)s)."
        ) % {"family": family, "package": CJK_FONT_PACKAGE}
        if setting:
            message += " " + _("Or set %(setting)s to an installed Simplified Chinese font.") % {
                "setting": setting
            }
        super().__init__(message)


# --- fonts ---------------------------------------------------------------------------------


def _fc_list() -> frozenset[str]:
    try:
        result = subprocess.run(  # noqa: S603 - fixed argument list
            ["fc-list", ":", "family"],  # noqa: S607 - fontconfig's own tool, on PATH
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(
        family.strip()
        for line in result.stdout.splitlines()
        for family in line.split(",")
        if family.strip()
    )


@functools.lru_cache(maxsize=1)
def _cached_families() -> frozenset[str]:
    return _fc_list()


def installed_font_families(*, fresh: bool = False) -> set[str]:
    """Font families fontconfig knows (WeasyPrint finds its fonts through fontconfig).

    The answer is cached for the process once it is not empty; ``fresh`` asks again."""
    if fresh:
        _cached_families.cache_clear()
    families = _cached_families()
    if not families:
        _cached_families.cache_clear()
    return set(families)


def check_font(family: str, *, setting: str | None = None) -> str:
    """``family`` when it is installed, else :class:`FontMissing` naming it."""
    if family not in installed_font_families():
        raise FontMissing(family, setting=setting)
    return family


def check_fonts(*families: str, setting: str | None = None) -> None:
    """Every family installed, else :class:`FontMissing` for the first missing one."""
    for family in families:
        check_font(family, setting=setting)


# --- Word ----------------------------------------------------------------------------------


def set_run_fonts(
    run: Any,
    east_asia: str,
    *,
    latin: str = "Times New Roman",
    size: float | None = None,
    bold: bool = False,
    color: tuple[int, int, int] | None = None,
) -> None:
    """Latin and East Asian fonts of a python-docx run (Word picks the East Asian one
    for Chinese characters), with an optional size in points, bold and colour."""
    from docx.shared import Pt, RGBColor

    run.font.name = latin
    run.font.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = RGBColor(*color)
    set_east_asian_font(run._element.get_or_add_rPr(), east_asia, latin=latin)


def set_east_asian_font(rpr: Any, east_asia: str, *, latin: str | None = None) -> None:
    """Set ``w:eastAsia`` (and the Latin fonts when given) on an ``rPr`` element of a
    run or a style."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    if latin:
        fonts.set(qn("w:ascii"), latin)
        fonts.set(qn("w:hAnsi"), latin)


# --- WeasyPrint ----------------------------------------------------------------------------


def no_fetch() -> Any:
    """A WeasyPrint URL fetcher that loads nothing from outside (no network, no local
    files): only the ``data:`` URIs the document carries itself are read."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` with WeasyPrint, loading nothing from outside.

    The fonts the HTML names must have been checked with :func:`check_font` first."""
    from PIL import ImageFile
    from weasyprint import HTML

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; the photo
    # checks need truncated uploads to fail, so it is put back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    pdf: bytes = HTML(string=html, url_fetcher=no_fetch()).write_pdf()
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return pdf
