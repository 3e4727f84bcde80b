"""Action references however people write them: "L2", "L2.", "l2", "L2)", "(L2)", "L-2",
"#23", and a bare "23" where the plan numbers its actions. The one place a reference typed
in a reply, a query, the CLI or a form is matched to an action; the reference is kept as
the plan wrote it for display.

Matching compares a *key*: case folded, with surrounding punctuation ("L2." "(L2)" "#23")
and inner spaces or dashes ("L 2", "L-2") removed. Inner dots stay ("1.2" is not "12").
A "#N" that is no plan's reference is the action's id (the bot's own label for actions
without a reference).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class _HasRef(Protocol):
    id: int
    ref: str | None


_EDGE = " \t\r\n.,;:!?)(][}{'\"`*_#"
# A token that may be a reference, anywhere in text: "L2", "L2.", "CF-12b", "#23", "1.2", "23".
_TOKEN = re.compile(
    r"(?<![^\W_]|[.#£$%])(?:(?<!\d/)|(?=[A-Za-z#]))"
    r"(?P<tok>#?\s?(?:(?:[A-Z]{1,4}|(?i:item|no|ref|re|nr))\s|[A-Za-z]{1,4}[-.]?)?\d{1,4}(?:\.\d{1,3})*[A-Za-z]?)"
    r"(?![^\W_]|[%£$]|/\d|\.\d|:\d)"
)
_WHOLE = re.compile(r"^#?(?:[A-Za-z]{1,4}[-.\s]?)?\d{1,4}(?:\.\d{1,3})*[A-Za-z]?$")
# In a plan whose actions have no references (named "#N"), a bare number that opens a line or
# a list item and is followed by a separator ("36, not at risk", "29 – no progress") is one.
_LISTED = re.compile(r"(?:^|[\n;•*/]|[,.]\s|(?:^|\s)[-–—]\s|\band\s|\bbut\s)\s*$")
_LIST_SEP = re.compile(r"\s*[:,\-–—.)]")
_SPOKEN = re.compile(r"(?i)^(?:item|no|ref|re|nr)\s*\.?\s*(\d+(?:\.\d+)*)$")
# Words that make the number after them a reference: "action 35", "no. 35", "item 35".
_NAMER = re.compile(r"(?:\bno\.?|\bitem|\baction|\bnumber|\bref\.?|\bref:|\bre:?)\s*$", re.I)


def ref_key(text: str) -> str:
    """The comparable form of a reference: "L2." → "l2", "(L-2)" → "l2", "#23" → "23"."""
    s = (text or "").strip(_EDGE)
    s = re.sub(r"(?<=[A-Za-z])[\s\-.]+(?=\d)", "", s)
    s = re.sub(r"(?<=[A-Za-z])0+(?=\d)", "", s)  # "V05" is V5
    return s.casefold()


def looks_like_ref(text: str) -> bool:
    """Could this word be a reference at all ("L2.", "#23", "1.2")? Says nothing of the plan."""
    s = (text or "").strip().strip(".,;:!?)(][")
    return bool(_WHOLE.match(s))


@dataclass(frozen=True)
class RefHit:
    action: object
    start: int
    end: int
    written: str


class RefIndex:
    """The references of one plan's actions, for matching what people type."""

    def __init__(self, actions: Iterable[_HasRef]):
        self.actions = list(actions)
        self.by_key: dict[str, _HasRef] = {}
        # Plans side by side can share a reference (each plan's "L2"): every holder of a key.
        self.all_by_key: dict[str, list[_HasRef]] = {}
        for a in self.actions:
            if a.ref:
                self.by_key.setdefault(ref_key(a.ref), a)
                self.all_by_key.setdefault(ref_key(a.ref), []).append(a)
        self.by_id = {a.id: a for a in self.actions}
        # A plan numbers its actions when most references are bare numbers ("1", "23", "2.1").
        numeric = sum(1 for k in self.by_key if re.fullmatch(r"\d+(?:\.\d+)*", k))
        self.numbered = bool(self.by_key) and numeric * 2 >= len(self.by_key)

    def lookup(self, text: str):
        """The action ``text`` names, or None."""
        raw = (text or "").strip()
        if not raw or len(raw) > 40:
            return None
        key = ref_key(raw)
        if not key:
            return None
        hashed = raw.lstrip("([{").startswith("#")
        found = self.by_key.get(key)
        if found is not None:
            if key.replace(".", "").isdigit() and not (hashed or self.numbered):
                # A bare number is a reference only in a plan that numbers its actions
                # (or when that number is written exactly as some action's reference).
                exact = any(
                    (a.ref or "").strip() == raw.strip(_EDGE) for a in self.actions if a.ref
                )
                return found if exact else None
            return found
        if hashed and key.isdigit():
            return self.by_id.get(int(key))
        return None

    def lookup_all(self, text: str) -> list:
        """Every action ``text`` names: one, or several when plans read side by side share
        the reference; empty when none."""
        found = self.lookup(text)
        if found is None:
            return []
        if not found.ref or ref_key(found.ref) != ref_key(text):
            return [found]  # named by its #id: that action alone
        return list(self.all_by_key.get(ref_key(found.ref), [found]))

    def find_in(self, text: str) -> list[RefHit]:
        """Every reference to one of the plan's actions in ``text``, in order, each action
        once. Bare numbers count only in a plan that numbers its actions."""
        hits: list[RefHit] = []
        seen: set[int] = set()
        for m in _TOKEN.finditer(text or ""):
            tok = m.group("tok").strip()
            spoken = _SPOKEN.match(tok)
            if spoken:  # "item 43", "no 7": the word names the number after it
                tok = spoken.group(1)
            bare = tok.replace(".", "").isdigit()
            named = bare and (
                bool(spoken)
                or bool(_NAMER.search(text[: m.start()]))
                or (
                    not self.by_key
                    and _LISTED.search(text[: m.start()]) is not None
                    and _LIST_SEP.match(text, m.end()) is not None
                )
            )
            if bare and not (self.numbered or named):
                continue
            if re.match(r"[A-Za-z]+\s", tok) and not (
                tok.split()[0].isupper() or _NAMER.search(text[: m.start()])
            ):
                continue  # "a 1 day delay" is no reference; "V 8" and "action v 8" are
            a = self.lookup(f"#{tok}" if named and not self.numbered else tok)
            if a is None or a.id in seen:
                continue
            seen.add(a.id)
            end = m.end()
            # The dot or bracket the reference was written with belongs to it ("L2." "L2)").
            if end < len(text) and text[end] in ".)" and text[end + 1 : end + 2] in ("", " "):
                end += 1
            hits.append(RefHit(a, m.start(), end, text[m.start() : end]))
        return self._spaced(text or "", hits, seen)

    def _spaced(self, text: str, hits: list[RefHit], seen: set[int]) -> list[RefHit]:
        """ "v 5 done": a reference typed in lower case with a space ("V 8" in capitals is
        read above), only where a part starts, where the plan has it, and where nothing
        else could be meant: no English word ("a 1 day delay", "in 3 weeks") and no action
        numbered 5 as well."""
        found = []
        for m in _SPACED.finditer(text):
            letters, number = m.group("l"), m.group("n")
            if letters.casefold() in _SHORT_WORDS or not _PART_START.search(text[: m.start()]):
                continue
            if any(h.start < m.end() and m.start() < h.end for h in hits):
                continue
            a = self.lookup(f"{letters}{number}")
            if a is None or a.id in seen or self.lookup(number) is not None:
                continue
            seen.add(a.id)
            found.append(RefHit(a, m.start(), m.end(), m.group(0)))
        return sorted(hits + found, key=lambda h: h.start) if found else hits


_SPACED = re.compile(r"(?<![\w#.£$%])(?P<l>[a-z]{1,4}) (?P<n>\d{1,4})(?![\w%£$/]|[.:]\d)")
# Where a part starts: the reply's start, after a separator or joiner, or after "re".
_PART_START = re.compile(
    r"(?:^|[\n;•*/,.:(\[\-–—]|\band|\bbut|\bre:?|\bref:?|\baction|\bitem|\bfor|\bon)\s*$",
    re.I,
)
# Short English words a number often follows ("in 3 weeks", "a 1 day delay", "by 12 June").
_SHORT_WORDS = frozenset(
    """a i an in on at to by of or is it as be we up so do go me my us am no re and but the
    for are was has had all any one two per via off out who how its our few now than from
    with into over only just also each week weeks day days wk wks q qtr""".split()
)

_JOINERS = re.compile(r"^(?:\s*(?:,|&|\+|/|and|\band\b|plus)\s*|\s+)$", re.I)


def leading_refs(text: str, hits: Sequence[RefHit]) -> list[RefHit]:
    """The references that open a reply as a list ("G3 & G4 done", "V5 and V10: on track",
    "Re L4 -"): the actions it is about. Empty when the text does not open with one."""
    if not hits:
        return []
    opener = text[: hits[0].start]
    if not re.fullmatch(
        r"[\W_]*(?:(?:an?\s+)?updates?|re|for|on|about|ref|actions?|both)?[\W_]*"
        r"(?:on|for|to)?[\W_]*",
        opener,
        re.I,
    ):
        return []
    out = [hits[0]]
    for prev, hit in zip(hits, hits[1:], strict=False):
        if not _JOINERS.match(text[prev.end : hit.start]):
            break
        out.append(hit)
    return out


def index_across_plans(
    actions: Sequence, text: str, prefer: Iterable[int] = ()
) -> tuple[RefIndex, list]:
    """The index to read ``text`` with when ``actions`` come from several plans (each has
    ``plan_id``), and the actions of a reference it names that is in more than one of them
    (empty unless the reply must be asked about: a reference is unique within a plan, not
    across plans, and is never guessed). The plans of the ``prefer`` actions (the nudge a
    reply answers) are read first: a reference found there is theirs."""
    by_plan: dict[int, list] = {}
    for a in actions:
        by_plan.setdefault(a.plan_id, []).append(a)
    if len(by_plan) <= 1:
        return RefIndex(actions), []
    wanted = set(prefer)
    preferred = [pid for pid, acts in by_plan.items() if any(a.id in wanted for a in acts)]

    def named(pids: list[int]) -> dict[str, list]:
        found: dict[str, list] = {}
        for pid in pids:
            for hit in RefIndex(by_plan[pid]).find_in(text):
                a = hit.action
                found.setdefault(ref_key(a.ref) if a.ref else f"#{a.id}", []).append(a)
        return found

    pool = preferred
    found = named(pool) if pool else {}
    if not found:
        pool = list(by_plan)
        found = named(pool)
    index = RefIndex([a for pid in pool for a in by_plan[pid]])
    for acts in found.values():
        if len(acts) > 1:
            return index, acts
    return index, []
