"""Fonts for names written in Hangul, kanji and kana.

Matplotlib's own font, DejaVu Sans, has no Hangul or CJK glyphs: an actor named 서울 or 東京
would be drawn as boxes. A CJK font found on the machine is set behind DejaVu Sans, and
matplotlib falls back to it, glyph by glyph, for the characters DejaVu Sans lacks. Where the
machine has none, saving a figure with such names says which packages provide one.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from contextlib import suppress
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.text import Text

# Korean first: the actors' own names are the likeliest to need them.
FAMILIES = ("Noto Sans CJK KR", "Source Han Sans K", "NanumGothic", "Apple SD Gothic Neo", "Malgun Gothic",
            "Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Zen Hei")
FILES = re.compile(r"CJK|Nanum|SourceHan|wqy", re.IGNORECASE)
PACKAGES = ("fonts-noto-cjk (Debian, Ubuntu), google-noto-sans-cjk-fonts (Fedora), noto-fonts-cjk (Arch); "
            "on macOS and Windows one is installed already")
SCRIPTS = ("HANGUL", "CJK", "HIRAGANA", "KATAKANA")


def _installed() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in FAMILIES if name in names), None)


def use_cjk_font() -> str | None:
    """Set a CJK font behind DejaVu Sans; returns its family, or None when the machine has none."""
    found = _installed()
    if found is None:  # installed after matplotlib built its font cache, which it does not rebuild
        for path in font_manager.findSystemFonts():
            if FILES.search(Path(path).name):
                with suppress(Exception):  # a font file matplotlib cannot read is not one to use
                    font_manager.fontManager.addfont(path)
        found = _installed()
    if found is not None:
        plt.rcParams["font.family"] = ["DejaVu Sans", found]
    return found


FONT = use_cjk_font()


def needs_cjk(text: str) -> bool:
    return any(ord(c) > 0x10FF and unicodedata.name(c, "").startswith(SCRIPTS) for c in text)


def check_glyphs(fig: plt.Figure) -> None:
    """Warn, naming the packages that provide one, when the figure has CJK text and no font for it."""
    if FONT is None and any(needs_cjk(t.get_text()) for t in fig.findobj(Text)):
        warnings.warn(f"the figure has Hangul or CJK text and this machine has no font for it (drawn as boxes): "
                      f"install one, e.g. {PACKAGES}", stacklevel=3)
