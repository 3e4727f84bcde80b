"""Text people type, made safe to store and to show again on any platform.

Every update, comment, query and away note passes through `clean_input` before it is
parsed or stored, whichever platform it came from:

- NUL and the other C0/C1 control characters are removed (PostgreSQL refuses a NUL in text;
  BEL and ESC ring and recolour terminals; the rest garble reports); tab and newline stay,
  and a carriage return becomes a newline.
- Characters XML 1.0 forbids (U+FFFE, U+FFFF, lone surrogates) are removed: one of them in
  a cell makes an XLSX or DOCX report unreadable by Excel, Word and openpyxl.
- Bidirectional embeddings and overrides (U+202A–U+202E) are removed: they reverse how the
  text after them is displayed, so a comment could make a digest line read backwards.
  Right-to-left writing needs none of them (isolates and marks, which stay, cover the rest).
- A run of combining marks is kept to MAX_COMBINING per character: real scripts stack a few,
  "Zalgo" text stacks hundreds and spills over the lines around it.

`strip_unsafe` is the part of that every report writer applies again to each cell it
writes, so text stored before this cleaning (or reaching a writer some other way) cannot
break a file or a terminal either.

`check_length` refuses an update longer than a plan's cell (the board report has to hold it),
with a message saying how long it was.
"""

from __future__ import annotations

import re
import unicodedata

MAX_UPDATE_CHARS = 10_000  # as bot/io/limits.py MAX_CELL_CHARS: a report cell holds it
MAX_COMBINING = 8

# C0 but tab and newline (CR is turned into a newline first), DEL, C1, the XML-forbidden
# U+FFFE/U+FFFF and surrogates.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_CONTROLS = re.compile(f"[{_UNSAFE}\u202a-\u202e]")


class TooLong(ValueError):
    """Text longer than it may be; the message says how long and the limit."""


def clean_input(text: str | None) -> str:
    if not text:
        return ""
    text = _CONTROLS.sub("", _newlines(text))
    if text.isascii():
        return text
    return _limit_combining(text)


def strip_unsafe(text: str | None) -> str:
    """Text any file format and terminal can hold: controls other than tab and newline, and
    the characters XML 1.0 forbids, removed (a CR becomes a newline). For report writers."""
    if not text:
        return ""
    if text.isprintable():  # the common case, in C: nothing to remove
        return text
    return _UNSAFE_RE.sub("", _newlines(text))


def _newlines(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
