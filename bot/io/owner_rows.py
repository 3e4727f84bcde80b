"""Reading an owners file (`progressbot owners import FILE.csv`): one row per action and
owner, the action named by its reference (or ``#id``) or by its text as the plan writes it.

    reference,owner
    L4,Director of Workforce
    "Deliver shared Constitution across the CCGs",Julie Fellows

A header row is optional: a first row whose cells read "owner" (or "lead") and "reference",
"ref", "action" or "text" is one; otherwise the first column is the action and the second
the owner. An owner cell names one owner; give an action two owners in two rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bot.core.text_input import strip_unsafe
from bot.io.limits import MAX_ROWS

MAX_BYTES = 5 * 1024 * 1024  # an owners list is small; a bigger file is a mistake
MAX_CELL = 2_000


class OwnerFileError(ValueError):
    """The owners file cannot be read; ``where`` names the file and row."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class OwnerRow:
    row: int  # 1-based line in the file, as a spreadsheet shows it
    action: str  # reference, #id or action text, as written
    owner: str


_OWNER_HEAD = re.compile(r"^\s*(owner|owners|lead|lead officer|responsible)\s*$", re.I)
_ACTION_HEAD = re.compile(r"^\s*(ref|reference|action|actions|action text|text|id)\s*$", re.I)


def read_owner_rows(path: Path) -> list[OwnerRow]:
    """The file's rows (blank ones skipped). Raises OwnerFileError naming file and row."""
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise OwnerFileError(
                f"{shown} is {size // 1024 // 1024} MB; an owners file is at most "
                f"{MAX_BYTES // 1024 // 1024} MB",
                where=shown,
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise OwnerFileError(f"no such file: {shown}", where=shown) from None
    except IsADirectoryError:
        raise OwnerFileError(f"{shown} is a folder, not a CSV file", where=shown) from None
    except OSError as exc:
        raise OwnerFileError(f"can't read {shown}: {exc.strerror}", where=shown) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise OwnerFileError(f"{shown} is not a readable CSV file: {exc}", where=shown) from None
    if len(table) > MAX_ROWS:
        raise OwnerFileError(f"{shown} has more than {MAX_ROWS:,} rows", where=shown)
    action_col, owner_col, first = 0, 1, 0
    if table:
        head = [c.strip() for c in table[0]]
        owner_at = [i for i, c in enumerate(head) if _OWNER_HEAD.match(c)]
        if owner_at:
            owner_col = owner_at[0]
            action_at = [i for i, c in enumerate(head) if _ACTION_HEAD.match(c)]
            others = [i for i in range(len(head)) if i != owner_col]
            if not (action_at or others):
                raise OwnerFileError(
                    f"{shown}: no column names the action", where=f"{shown}, row 1"
                )
            action_col = action_at[0] if action_at else others[0]
            first = 1
    rows = []
    for n, cells in enumerate(table[first:], start=first + 1):
        cells = [strip_unsafe(c).strip() for c in cells]
        if not any(cells):
            continue
        where = f"{shown}, row {n}"
        action = cells[action_col] if action_col < len(cells) else ""
        owner = cells[owner_col] if owner_col < len(cells) else ""
        if not action:
            raise OwnerFileError(f"row {n} names no action", where=where)
        if not owner:
            raise OwnerFileError(f"row {n} ({_short(action)}) names no owner", where=where)
        if len(action) > MAX_CELL or len(owner) > MAX_CELL:
            raise OwnerFileError(f"row {n} has a cell over {MAX_CELL:,} characters", where=where)
        rows.append(OwnerRow(n, action, " ".join(owner.split())))
    if not rows:
        raise OwnerFileError(f"{shown} has no rows of actions and owners", where=shown)
    return rows


def _short(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    return f"“{flat}”" if len(flat) <= limit else f"“{flat[: limit - 1].rstrip()}…”"
