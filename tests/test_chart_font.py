"""The status chart sets theme names in a real TrueType font with full Unicode punctuation
(DejaVu Sans, as matplotlib ships it): "–", "—", "’" and "é" each draw their own glyph, not
the empty box Pillow's built-in font draws for a character it lacks, in the chart the
report, the digest and Teams all use (bot/core/status_chart.py)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from PIL import Image

from bot.core import status_chart
from bot.core.digest import Digest, ThemeDigest, render_status_chart
from storage.queries import ThemeView

SPECIAL = "–—’é"
MISSING = "\ue000"  # a private-use code point no font here draws: its glyph is the box


def _glyph(font, ch: str) -> bytes:
    mask = font.getmask(ch)
    return bytes(mask) + bytes(str(mask.size), "ascii")


def test_the_chart_font_has_a_glyph_for_each_punctuation_mark():
    path = status_chart.font_path()
    assert path is not None and path.name == "DejaVuSans.ttf"
    font = status_chart._font(12)
    box = _glyph(font, MISSING)
    glyphs = {ch: _glyph(font, ch) for ch in SPECIAL}
    # Four characters, four different glyphs, none of them the missing-glyph box.
    assert len(set(glyphs.values())) == len(SPECIAL)
    assert box not in glyphs.values()


def _chart(theme_name: str) -> Image.Image:
    td = ThemeDigest(ThemeView(-1, theme_name, (), None, 0))
    td.counts = Counter({"On track": 3, "Completed": 2})
    png = render_status_chart(Digest("Plan", date(2019, 11, 30), None, [td], [], 0))
    return Image.open(io.BytesIO(png)).convert("L")


def test_a_theme_name_with_dashes_quotes_and_accents_draws_each_character():
    name = "Staff – wellbeing — people’s café"
    boxed = "".join(MISSING if ch in SPECIAL else ch for ch in name)
    drawn, as_boxes = _chart(name), _chart(boxed)
    # Each special character drawn as itself, not as the box: the label's ink differs.
    assert drawn.tobytes() != as_boxes.tobytes()
    for ch in SPECIAL:
        one_boxed = name.replace(ch, MISSING)
        assert _chart(one_boxed).tobytes() != drawn.tobytes(), ch
