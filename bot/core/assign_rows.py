"""An owners file's rows (bot/io/owner_rows.py) matched to the plan's actions, for
`progressbot owners import`: a row names its action by reference, ``#id`` or its whole text
(case, spacing, curly quotes and end punctuation aside). Never a guess: a row whose text is
no action's, or several actions', is refused naming the row."""

from __future__ import annotations

from bot.core.assign import AssignError
from bot.core.refs import RefIndex
from storage.queries import ActionView, PlanSnapshot

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def text_match_key(text: str) -> str:
    """An action's text as compared with a row of an owners file: case, spaces, curly
    quotes and dashes, and punctuation at either end do not matter."""
    flat = " ".join(text.translate(_QUOTES).split()).casefold()
    return flat.strip(" .;:,'\"")


def match_rows(snapshot: PlanSnapshot, rows) -> list[tuple[ActionView, str]]:
    """Each row of an owners file (bot/io/owner_rows.OwnerRow) as (action, owner name): its
    action cell is a reference (or ``#id``) or the action's text. Rows that name no action, or
    whose text is several actions', are refused together, each named by its row."""
    index = RefIndex(snapshot.actions)
    by_text: dict[str, list[ActionView]] = {}
    for a in snapshot.actions:
        by_text.setdefault(text_match_key(a.text), []).append(a)
    pairs, problems = [], []
    for row in rows:
        action = index.lookup(row.action) if len(row.action) <= 40 else None
        if action is None:
            same = by_text.get(text_match_key(row.action), [])
            if len(same) == 1:
                action = same[0]
            elif same:
                labels = ", ".join(a.label for a in same)
                problems.append(
                    f"row {row.row} ({_quote(row.action)}) is the text of {len(same)} actions "
                    f"({labels}): name one by its reference"
                )
                continue
            else:
                problems.append(
                    f"row {row.row} ({_quote(row.action)}) matches no action's reference or text"
                )
                continue
        pairs.append((action, row.owner))
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise AssignError("; ".join(problems[:10]) + more + ". Nothing was assigned.")
    return pairs


def _quote(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    return f"“{flat}”" if len(flat) <= limit else f"“{flat[: limit - 1].rstrip()}…”"
