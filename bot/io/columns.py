"""Recognising a plan's header row: which column holds the action, the deadline, the owner…

Header cells are compared case- and punctuation-insensitively ("Lead(s)" = "lead s",
"Ref." = "ref"). An exact synonym wins; otherwise the longest synonym the cell *starts*
with ("Updated position post Covid" → progress, "Deadline for completion" → deadline),
for the synonyms where a longer header still means the same thing. "Action …" headers
whose tail names another field ("Action owner", "Action due date") go to that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from bot.io.cell_text import one_line

# field -> (synonyms matched exactly, synonyms also matched as a prefix)
SYNONYMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "action": (
        ("actions to be taken", "process task", "deliverable s"),
        (
            "action",
            "actions",
            "key deliverables",
            "key deliverable",
            "deliverables",
            "deliverable",
            "task",
            "tasks",
        ),
    ),
    "deadline": (
        ("due", "by when", "when", "target", "completion date", "timeframe"),
        (
            "deadline",
            "deadlines",
            "date",
            "dates",
            "timescale",
            "timescales",
            "due date",
            "target date",
            "due by",
        ),
    ),
    "owner": (
        ("action owner", "action owners", "who", "by whom", "accountable"),
        ("owner", "owners", "owner s", "lead", "leads", "lead s", "responsible", "responsibility"),
    ),
    "progress": (
        ("in progress", "status update", "comments", "comment"),
        (
            "update on progress",
            "updated position",
            "progress",
            "update",
            "updates",
            "position",
            "progress update",
        ),
    ),
    "theme": (
        (
            "priority",
            "priorities",
            "workstream",
            "workstreams",
            "od theme",
            "organisational development theme",
            "organizational development theme",
        ),
        ("theme", "themes"),
    ),
    "objective": (
        ("aim", "aims", "od objectives", "od objective", "goal", "goals"),
        ("objective", "objectives", "strategic objective", "strategic objectives"),
    ),
    "reference": (
        (
            "ref",
            "reference",
            "no",
            "number",
            "id",
            "action ref",
            "action no",
            "ref no",
            "action reference",
            "action id",
            "item",
            "item no",
        ),
        (),
    ),
    # A RAG / BRAG / Status column: the status of the row's progress update.
    "status": (
        (
            "status",
            "rag",
            "brag",
            "rag status",
            "brag status",
            "rag rating",
            "brag rating",
            "current status",
            "progress status",
            "action status",
            "overall status",
            "delivery status",
            "rating",
        ),
        (),
    ),
    "tag": (
        ("culture theme", "culture themes", "audience", "audiences", "category", "categories"),
        (),
    ),
    # Known columns we do not import: recognising them helps find the header row and
    # keeps "Action status" from being read as a second action column.
    "ignored": (
        (
            "theme lead",
            "year",
            "linked priorities",
            "notes",
            "evidence",
            "measure",
            "measures",
            "kpi",
        ),
        (),
    ),
}

FIELD_LABELS = {
    "action": "Action(s) / Key Deliverables / Task",
    "deadline": "Deadline / Date / Timescale",
    "owner": "Owner / Lead / Responsible",
    "progress": "Update on Progress / Updated position",
    "theme": "Theme",
    "objective": "Objective(s)",
    "reference": "Ref",
    "status": "Status / RAG / BRAG",
}

_EXACT: dict[str, str] = {}
_PREFIX: list[tuple[str, str]] = []
for _field, (_exact, _prefix) in SYNONYMS.items():
    for _s in _exact + _prefix:
        _EXACT[_s] = _field
    _PREFIX.extend((_s, _field) for _s in _prefix)
# Longest first, so "update on progress" beats "update".
_PREFIX.sort(key=lambda p: -len(p[0]))

_NON_WORD = re.compile(r"[^a-z0-9]+")
# A timeline's month column ("Oct-18", "Apr 2020", "January 19"): its cells are milestones.
_MONTH = re.compile(
    r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s*(\d{2}|\d{4})$"
)


@lru_cache(maxsize=4096)
def normalise_header(cell: str) -> str:
    text = one_line(cell).lower().replace("&", " and ")
    return _NON_WORD.sub(" ", text).strip()


def field_for(cell: str) -> tuple[str, bool] | None:
    """(field, exact?) for a header cell, or None if it names nothing we know."""
    norm = normalise_header(cell)
    if not norm or len(norm) > 60:
        return None
    if norm in _EXACT:
        return _EXACT[norm], True
    if _MONTH.match(norm):
        return "milestone", True
    for syn, fld in _PREFIX:
        if norm.startswith(syn + " "):
            tail = norm[len(syn) + 1 :]
            if fld == "action":
                # "Action owner", "Action due date", "Action status": the tail says which.
                other = field_for(tail)
                if other and other[0] != "action":
                    return other[0], False
            return fld, False
    return None


@dataclass
class Header:
    row_index: int  # index into the grid's rows
    cells: list[str]  # the header row as written
    fields: dict[int, str]  # column index -> field (tags and ignored included)
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def key(self) -> tuple[str, ...]:
        """What a repeated copy of this header looks like."""
        return _row_key(self.cells)

    @cached_property
    def index(self) -> dict[str, int]:
        """Field -> its (first) column, once the header is complete."""
        out: dict[str, int] = {}
        for i, f in sorted(self.fields.items()):
            out.setdefault(f, i)
        return out

    def column_of(self, fld: str) -> int | None:
        for i, f in self.fields.items():
            if f == fld:
                return i
        return None

    def columns_of(self, fld: str) -> list[int]:
        return [i for i, f in self.fields.items() if f == fld]

    def name(self, index: int) -> str:
        """The header text of a column, for messages ("Actions"), or "column 3"."""
        if 0 <= index < len(self.cells) and one_line(self.cells[index]):
            return one_line(self.cells[index])
        return f"column {index + 1}"

    def layout(self) -> list[tuple[str, str]]:
        """The imported columns in the file's order, as (field, header text); ignored
        columns left out, each tag column kept as its own ("tag", …)."""
        return [(f, self.name(i)) for i, f in sorted(self.fields.items()) if f != "ignored"]

    def found(self) -> dict[str, str]:
        """Our field name -> header text, as PlanTable.columns reports it."""
        out: dict[str, str] = {}
        tags = []
        months = []
        for i, f in sorted(self.fields.items()):
            if f == "tag":
                tags.append(self.name(i))
            elif f == "milestone":
                months.append(self.name(i))
            elif f != "ignored" and f not in out:
                out[f] = self.name(i)
        if tags:
            out["theme_tags"] = ", ".join(tags)
        if months:
            out["milestones"] = f"{months[0]} … {months[-1]}" if len(months) > 1 else months[0]
        return out


def _row_key(cells: list[str]) -> tuple[str, ...]:
    key = [normalise_header(c) for c in cells]
    while key and not key[-1]:
        key.pop()
    return tuple(key)


def is_repeat(cells: list[str], header: Header) -> bool:
    """Is this row another copy of the header (as Word prints on every page)?"""
    key = header.key
    if not key:
        return False
    # Called for every row, so rule most rows out on their first cell alone: a header cell
    # is short, and normalising long action text is the slow part of reading a big plan.
    first = cells[0] if cells else ""
    if len(first) > 4 * len(header.cells[0]) + 20 or normalise_header(first) != key[0]:
        return False
    return _row_key(cells) == key


class AmbiguousHeader(Exception):
    """Two columns both look like the action column."""

    def __init__(self, row_index: int, names: list[str]):
        self.row_index = row_index
        self.names = names
        super().__init__(names)


def read_header(cells: list[str], row_index: int) -> Header | None:
    """The header this row would be, or None if it is no header.

    A header needs two recognised columns, or a lone exact "Action(s)": a title row such as
    "UPDATE AT NOVEMBER 2019" must not pass for a header that has an "Update" column."""
    matches: dict[int, tuple[str, bool]] = {}
    for i, cell in enumerate(cells):
        m = field_for(cell) if cell else None
        if m:
            matches[i] = m
    if len(matches) < 2 and not (
        len(matches) == 1 and next(iter(matches.values())) == ("action", True)
    ):
        return None
    fields: dict[int, str] = {}
    warnings: list[str] = []
    actions = [i for i, (f, _) in matches.items() if f == "action"]
    if len(actions) > 1:
        others = len(matches) - len(actions)
        if not others or not any(matches[i][1] for i in actions):
            # Two cells that merely start like "Task …" are data, not a header.
            return None
        # "Action" beside "Actions" is a header, but we cannot know which column the owners
        # are asked about, so the administrator must rename one.
        raise AmbiguousHeader(row_index, [one_line(cells[i]) for i in actions])
    header = Header(row_index, list(cells), fields, warnings)
    for i, (f, _exact) in sorted(matches.items()):
        if f in ("tag", "ignored", "milestone"):
            fields[i] = f
            continue
        first = header.column_of(f)
        if first is not None:
            warnings.append(
                f"column '{header.name(i)}' also looks like the {f} column; "
                f"using '{header.name(first)}' and ignoring it"
            )
            fields[i] = "ignored"
            continue
        fields[i] = f
    return header
