"""The digest's status chart as a PNG, drawn with Pillow: one horizontal bar per theme, stacked
by status in the vocabulary's order, each in its BRAG colour (a second status sharing a colour
gets a hatch), with the theme names on the left, a scale below and a legend on the right.

Pillow draws it in a few milliseconds where matplotlib took over a second (most of it
importing and laying out a figure), which matters when a digest goes to many channels. The
text is set in DejaVu Sans, the TrueType font matplotlib ships (found without importing
matplotlib): it has the en and em dashes, curly quotes and accents theme names use, which
Pillow's built-in font draws as empty boxes.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1045
BAR_H = 30
ROW_H = 46
TOP = 56
LEFT = 300
LEGEND_W = 240
BOTTOM = 56
HATCHES = ("", "//", "..", "xx")


@dataclass(frozen=True)
class Segment:
    label: str  # legend text, e.g. "On track (12)"
    colour: str  # "#RRGGBB"
    values: tuple[int, ...]  # one per row


@lru_cache(maxsize=1)
def font_path() -> Path | None:
    """DejaVuSans.ttf as matplotlib ships it (mpl-data/fonts/ttf), or None without it."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = font_path()
    if path is not None:
        return ImageFont.truetype(str(path), size=size)
    return ImageFont.load_default(size=size)  # still draws; punctuation may be boxes


def _nice_step(top: int) -> int:
    """A round tick step giving about five ticks up to ``top``."""
    raw = max(1, top / 5)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _hatch(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], kind: str) -> None:
    x0, y0, x1, y1 = box
    if x1 - x0 < 2:
        return
    white = (255, 255, 255)
    if kind in ("//", "xx"):
        for start in range(x0 - (y1 - y0), x1, 8):
            # a line of slope -1 from (start, y1) to (start + h, y0), clipped to the box
            ax, ay, bx, by = start, y1, start + (y1 - y0), y0
            if ax < x0:
                ay -= x0 - ax
                ax = x0
            if bx > x1:
                by += bx - x1
                bx = x1
            if ax <= bx:
                draw.line((ax, ay, bx, by), fill=white, width=1)
                if kind == "xx":
                    draw.line((ax, y0 + y1 - ay, bx, y0 + y1 - by), fill=white, width=1)
    elif kind == "..":
        dots = [(x, y) for y in range(y0 + 3, y1 - 1, 6) for x in range(x0 + 3, x1 - 1, 6)]
        draw.point(dots, fill=white)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    text = " ".join(text.split())  # one line: Pillow cannot measure a line break
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_bars(title: str, rows: Sequence[str], segments: Sequence[Segment]) -> bytes:
    """A PNG of stacked horizontal bars: ``rows`` are the bar labels top to bottom,
    ``segments`` the stacks in order (each a value per row)."""
    height = TOP + ROW_H * max(1, len(rows)) + BOTTOM
    height = max(height, TOP + 22 * len(segments) + BOTTOM)
    img = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(img)
    small, normal, big = _font(12), _font(13), _font(15)
    ink, grey = (34, 34, 34), (150, 150, 150)

    draw.text((WIDTH // 2, 18), _fit(draw, title, big, WIDTH - 40), fill=ink, font=big, anchor="mt")
    plot_x0, plot_x1 = LEFT, WIDTH - LEGEND_W - 20
    plot_y0, plot_y1 = TOP, TOP + ROW_H * max(1, len(rows))
    totals = [sum(s.values[i] for s in segments) for i in range(len(rows))]
    top = max(totals, default=0) or 1
    step = _nice_step(top)
    top = -(-top // step) * step
    scale = (plot_x1 - plot_x0) / top

    for tick in range(0, top + 1, step):
        x = plot_x0 + round(tick * scale)
        draw.line((x, plot_y0, x, plot_y1), fill=(230, 230, 230))
        draw.line((x, plot_y1, x, plot_y1 + 4), fill=grey)
        draw.text((x, plot_y1 + 7), str(tick), fill=ink, font=small, anchor="mt")
    draw.text(
        ((plot_x0 + plot_x1) // 2, plot_y1 + 26), "actions", fill=ink, font=normal, anchor="mt"
    )
    draw.line((plot_x0, plot_y0, plot_x0, plot_y1), fill=grey)
    draw.line((plot_x0, plot_y1, plot_x1, plot_y1), fill=grey)

    seen: dict[str, int] = {}
    hatches = []
    for seg in segments:
        hatches.append(HATCHES[seen.get(seg.colour, 0) % len(HATCHES)])
        seen[seg.colour] = seen.get(seg.colour, 0) + 1
    for i, label in enumerate(rows):
        y = plot_y0 + ROW_H * i + (ROW_H - BAR_H) // 2
        draw.text(
            (plot_x0 - 8, y + BAR_H // 2),
            _fit(draw, label, small, LEFT - 20),
            fill=ink,
            font=small,
            anchor="rm",
        )
        left = 0
        for seg, hatch in zip(segments, hatches, strict=True):
            value = seg.values[i]
            if not value:
                continue
            x0 = plot_x0 + round(left * scale)
            x1 = plot_x0 + round((left + value) * scale)
            box = (x0, y, max(x0 + 1, x1 - 1), y + BAR_H)
            draw.rectangle(box, fill=seg.colour)
            if hatch:
                _hatch(draw, box, hatch)
            left += value

    lx, ly = plot_x1 + 24, plot_y0
    for seg, hatch in zip(segments, hatches, strict=True):
        box = (lx, ly, lx + 18, ly + 14)
        draw.rectangle(box, fill=seg.colour)
        if hatch:
            _hatch(draw, box, hatch)
        draw.text(
            (lx + 26, ly + 7),
            _fit(draw, seg.label, small, LEGEND_W - 30),
            fill=ink,
            font=small,
            anchor="lm",
        )
        ly += 22

    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=3)  # flat colours: quick and still small
    return buf.getvalue()
