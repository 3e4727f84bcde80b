"""Text people type, made safe to store and to show again on any platform.

Every update, comment, query and away note passes through `clean_input` before it is
parsed or stored, whichever platform it came from:

- NUL and the other C0/C1 control characters are removed (PostgreSQL refuses a NUL in text;
  the rest only garble terminals and reports); tab and newlines stay.
- Bidirectional embeddings and overrides (U+202A–U+202E) are removed: they reverse how the
  text after them is displayed, so a comment could make a digest line read backwards.
  Right-to-left writing needs none of them (isolates and marks, which stay, cover the rest).
- A run of combining marks is kept to MAX_COMBINING per character: real scripts stack a few,
  "Zalgo" text stacks hundreds and spills over the lines around it.

`check_length` refuses an update longer than a plan's cell (the board report has to hold it),
with a message saying how long it was.
"""

from __future__ import annotations

import re
import unicodedata

MAX_UPDATE_CHARS = 10_000  # as bot/io/limits.py MAX_CELL_CHARS: a report cell holds it
MAX_COMBINING = 8

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]")


class TooLong(ValueError):
    """Text longer than it may be; the message says how long and the limit."""


def clean_input(text: str | None) -> str:
    if not text:
        return ""
    text = _CONTROLS.sub("", text)
    if text.isascii():
        return text
    return _limit_combining(text)


def _limit_combining(text: str) -> str:
    out, run = [], 0
    for ch in text:
        if unicodedata.combining(ch):
            run += 1
            if run > MAX_COMBINING:
                continue
        else:
            run = 0
        out.append(ch)
    return "".join(out)


def check_length(text: str, what: str = "An update", limit: int = MAX_UPDATE_CHARS) -> None:
    if len(text) > limit:
        raise TooLong(
            f"{what} can be at most {limit:,} characters and this one has {len(text):,}: "
            "send the gist (the full text can go in a document you link to)."
        )
