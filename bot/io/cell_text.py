"""Cleaning the text of one cell: HTML left over from Word exports, bold theme names, section
headings ("Theme 2: …", "3. Priority One: …") and action references written into the text
("L4: …").
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

# Only things shaped like real tags, so that "a < b" or "<3" in prose survive.
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_BREAK_TAGS = {"p", "br", "ul", "ol", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
# A bullet typed inline (Word lists flattened to "• one • two") starts its own line.
_INLINE_BULLET = re.compile(r"[ \t\u00a0]+[•▪◦·](?=[ \t\u00a0])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_MARKDOWN_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_SPECIAL = re.compile(r"[<&*•▪◦\n\r]")


def _tag_to_text(m: re.Match) -> str:
    name = m.group(1).lower()
    if name == "li":
        return "\n• " if not m.group(0).startswith("</") else "\n"
    return "\n" if name in _BREAK_TAGS else ""


def clean_text(raw: str) -> str:
    """Plain text: tags stripped (paragraphs and list items become lines), entities
    unescaped, runs of spaces collapsed, blank lines dropped, ends stripped."""
    if not raw:
        return ""
    if not _SPECIAL.search(raw):  # the common case: plain words on one line
        return " ".join(raw.split())
    text = raw
    if "<" in text:
        text = _TAG.sub(_tag_to_text, text)
    if "&" in text:
        text = html.unescape(text)
    if "**" in text:
        text = _MARKDOWN_BOLD.sub(r"\1", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "•" in text or "▪" in text or "◦" in text:
        text = _INLINE_BULLET.sub("\n•", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(raw: str) -> str:
    """Clean text on a single line (titles, header cells, themes)."""
    return " ".join(clean_text(raw).split())


_BOLD_LEAD = re.compile(r"^\s*<(b|strong)>(.*?)</\1>(.*)$", re.S | re.I)


@lru_cache(maxsize=4096)  # theme cells repeat down a plan
def theme_name(raw: str) -> str:
    """The name of a theme cell. Seed 000 writes "<b>Governance, systems, processes:</b>
    <i>Vision, objectives, …</i>": a bold lead followed by a description. The bold part is
    the name; the description is dropped."""
    m = _BOLD_LEAD.match(raw)
    if m and clean_text(m.group(3)):
        name = one_line(m.group(2))
    else:
        name = one_line(raw)
    return strip_section_label(name)


_NUMBERING = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_LABEL_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten"
_SECTION = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?"  # "3. " — a document's own section numbering
    r"(?P<kw>theme|priority|section|workstream|part)\b\s*"
    rf"(?P<label>(?:\d+[a-z]?|[ivx]+|{_LABEL_WORDS}|[a-z])\b)?"
    # ":" anywhere; "." or a dash only with a space after, so "Part-time …" is no heading.
    r"(?P<sep>\s*:|\s*\.(?=\s)|\s+[-–—](?=\s))?\s*"
    r"(?P<name>.*)$",
    re.I | re.S,
)
_TRAILING = re.compile(r"[\s.:;,…]+$")


def section_heading(text: str) -> str | None:
    """The theme a heading names, or None if it is not a heading.

    "Theme 2: Locality and Commissioning Development" → "Locality and Commissioning
    Development"; "3. Priority One: Becoming a Strategic Commissioner" → "Becoming a
    Strategic Commissioner"; "Priority areas for 2020" → None (no label or separator, so it
    is ordinary prose)."""
    line = one_line(text)
    m = _SECTION.match(line)
    if not m or not (m.group("label") or m.group("sep")):
        return None
    name = _TRAILING.sub("", m.group("name"))
    if not name:
        # "Theme 2" names nothing else: keep its own words.
        return _TRAILING.sub("", _NUMBERING.sub("", line))
    return name


def strip_section_label(text: str) -> str:
    """A theme with any "Theme 2:" / "3." numbering removed, words kept."""
    heading = section_heading(text)
    if heading is not None:
        return heading
    return _TRAILING.sub("", _NUMBERING.sub("", text)) or text


def looks_like_heading(text: str) -> bool:
    """A lone cell that reads as a heading rather than prose: a "Theme …"/"Priority …"
    pattern, or short words without sentence punctuation at the end."""
    line = one_line(text)
    if section_heading(line) is not None:
        return True
    return len(line) <= 100 and len(line.split()) <= 12 and not line.endswith((".", ":", ";", ","))


_LEADING_REF = re.compile(
    r"^(?P<ref>[A-Z]{1,4}\d{1,3}(?:\.\d{1,2})?[a-z]?)"
    r"(?:\s*:|\s+[-–—]|\))\s*(?P<rest>\S.*)$",
    re.S,
)
_QUARTER = re.compile(r"^Q[1-4]$")


def split_leading_reference(action: str) -> tuple[str, str]:
    """("L4", "Run the workshops") from "L4: Run the workshops" or "L4 - Run …"; ("", text)
    when the text does not start with a reference. "Q2: …" is a quarter, not a reference."""
    m = _LEADING_REF.match(action)
    if not m or _QUARTER.match(m.group("ref")):
        return "", action
    return m.group("ref"), m.group("rest").strip()


# "Workforce Development – Lead Officer: Director of Workforce", "… - Lead: Jane Smith",
# "… (Lead Officer – Jane Smith)", "…: Lead Director: …": a section heading naming the
# officer who leads it. The label must follow a dash, colon, comma or bracket, so a
# heading such as "Lead in quality" or "Leadership Development" is no lead officer.
_LEAD_OFFICER = re.compile(
    r"^(?P<title>.*?\S)\s*(?:[-–—:,|]\s*|\(\s*)"
    r"(?P<label>(?:executive\s+|senior\s+responsible\s+|responsible\s+)?"
    r"lead(?:\s+(?:officer|director|executive|manager|member|person))?s?|sro|"
    r"responsible\s+officer|accountable\s+officer)"
    r"\s*(?:[:–—-]\s*|\s+)(?P<lead>[^()]*?\S)\s*\)?\s*$",
    re.I | re.S,
)


def split_lead_officer(heading: str) -> tuple[str, str]:
    """(title, lead officer) of a section heading that names its lead; (heading, "") when it
    names none. "Workforce Development – Lead Officer: Director of Workforce" →
    ("Workforce Development", "Director of Workforce")."""
    line = one_line(heading)
    m = _LEAD_OFFICER.match(line)
    if not m:
        return heading, ""
    after = line[m.end("label") :].lstrip()
    if m.group("label").lower() in ("lead", "leads") and not after.startswith((":", "–", "—", "-")):
        return heading, ""  # "Engagement - lead by example": words, not a lead officer
    title = _TRAILING.sub("", m.group("title")).rstrip(" -–—:,|(")
    lead = m.group("lead").strip(" .;:,-–—")
    if not title or not lead:
        return heading, ""
    return title, lead
