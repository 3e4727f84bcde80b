"""The query language of `/actions` and the console: parse a query, run it over a snapshot.

Clauses combine with AND, e.g. `overdue theme leadership` or `owner @jane due soon`:
  mine | overdue | due soon [N] | due D1..D2 | updated since D | theme WORDS | owner WORDS
  status WORDS | search WORDS | REF (e.g. L4) | unowned | all | help
Dates are UK day-first (1/4/2020), or words such as "1 May", "1 May 2020", "yesterday".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.deadlines import MONTHS, month_end
from bot.core.owing import is_open
from bot.core.people import Actor, owns
from bot.core.refs import RefIndex, looks_like_ref
from bot.core.statuses import Status
from storage.queries import ActionView, PlanSnapshot

HELP = """\
Ask about actions with any of these (they combine, e.g. `overdue theme leadership`):
  mine                         actions you own (directly or through a role)
  overdue                      open actions past their due date
  due soon [DAYS]              open actions due in the next 14 (or DAYS) days
  due 1/4/2020..30/6/2020      actions due in a date range (UK dates)
  updated since 1 May          actions with an update since a date
  theme WORDS                  actions in a theme (part of its name is enough)
  owner NAME | owner @user     actions an owner or role holds
  status delayed               actions whose latest status is that
  unowned                      actions nobody owns (nobody is nudged about them)
  search WORDS                 actions whose text has all the words (whole words)
  L4                           one action by its reference
  all                          every action
  assign REF… @person|ROLE     give actions an owner (administrators)
  report [as at DATE] [theme WORDS] [as xlsx|docx|html|csv]
                               the board report as a file (in Slack, sent to your DM)
  help                         this list"""

KEYWORDS = (
    "mine",
    "overdue",
    "due",
    "updated",
    "theme",
    "owner",
    "status",
    "search",
    "all",
    "help",
    "unowned",
)


# The furthest ahead `due soon N` looks, and back `N days ago` reaches: a plan runs for
# years, not millennia, and a bigger number would overflow the date arithmetic.
MAX_DAYS = 3660

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class QueryError(ValueError):
    """The query could not be understood; the message says which part and why."""


@dataclass
class Query:
    text: str
    filters: list[tuple[str, Callable[[ActionView], bool]]] = field(default_factory=list)
    is_help: bool = False
    ref: str | None = None
    descriptions: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return ", ".join(self.descriptions) or "all actions"


@dataclass
class QueryResult:
    query: Query
    actions: list[ActionView]


def parse_query(text: str, *, actor: Actor, today: date, snapshot: PlanSnapshot) -> Query:
    """Turn ``text`` into filters. Raises QueryError naming the part it could not read."""
    q = Query(text=text.strip())
    words = q.text.split()
    if not words:
        return _add(q, "your actions", lambda a: owns(actor, a))
    i = 0
    while i < len(words):
        word = words[i].lower().strip(",")
        rest_start = i + 1
        # The words belonging to this clause run until the next keyword.
        j = rest_start
        while j < len(words) and words[j].lower() not in KEYWORDS:
            j += 1
        arg = " ".join(words[rest_start:j])
        if word == "help":
            q.is_help = True
            return q
        if word == "all":
            _add(q, "all actions", lambda a: True)
            i = rest_start
            continue
        if word == "unowned":
            _add(q, "actions with no owner", lambda a: not a.owners)
            i = rest_start
            continue
        if word == "mine":
            _add(q, "your actions", lambda a: owns(actor, a))
            i = rest_start
            continue
        if word == "overdue":
            _add(
                q, "overdue", lambda a: is_open(a) and a.due_date is not None and a.due_date < today
            )
            i = rest_start
            continue
        if word == "due":
            i = _parse_due(q, words, rest_start, arg, j, today)
            continue
        if word == "updated":
            _parse_updated(q, words[rest_start:j], today, snapshot.plan.timezone)
            i = j
            continue
        if word in ("theme", "owner", "status", "search"):
            if not arg:
                raise QueryError(
                    f"`{word}` needs something after it, e.g. `{word} {_EXAMPLE[word]}`"
                )
            _TEXT_CLAUSES[word](q, arg, snapshot)
            i = j
            continue
        if i == 0 and len(words) == 1 and looks_like_ref(words[i]):
            # One reference however written ("L2", "l2.", "L2)", "#23", "23"): see refs.py.
            # Plans side by side may each have it: every plan's is shown, none guessed.
            index = RefIndex(snapshot.actions)
            one = index.lookup(words[i])
            found = index.lookup_all(words[i]) if snapshot.plan_names else [one] if one else []
            q.ref = words[i]
            if found:
                ids = frozenset(a.id for a in found)
                return _add(q, f"action {found[0].label}", lambda a, ids=ids: a.id in ids)
            if not re.fullmatch(r"\d+", words[i]):
                return _add(q, f"action {words[i].upper()}", lambda a: False)
        # Anything else is a search, so "workshops booked" just works.
        _TEXT_CLAUSES["search"](q, " ".join(words[i:j]) if j > i else words[i], snapshot)
        i = max(j, i + 1)
    return q


_EXAMPLE = {"theme": "leadership", "owner": "@jane", "status": "delayed", "search": "appraisal"}


def _add(q: Query, description: str, predicate: Callable[[ActionView], bool]) -> Query:
    q.filters.append((description, predicate))
    q.descriptions.append(description)
    return q


def _parse_due(q: Query, words: list[str], start: int, arg: str, end: int, today: date) -> int:
    nxt = words[start].lower() if start < len(words) else ""
    if nxt == "soon":
        days = 14
        after = start + 1
        if after < len(words) and re.fullmatch(r"[0-9]+", words[after]):
            digits = words[after].lstrip("0") or "0"
            if len(digits) > 4 or int(digits) > MAX_DAYS:
                raise QueryError(
                    f"`due soon {words[after][:20]}`: I can look at most {MAX_DAYS:,} days "
                    "(ten years) ahead, e.g. `due soon 30`"
                )
            days = int(digits)
            after += 1
        try:
            horizon = today + timedelta(days=days)
        except OverflowError:  # a "today" at the end of the calendar
            horizon = date.max
        _add(
            q,
            f"due in the next {days} days",
            lambda a: is_open(a) and a.due_date is not None and today <= a.due_date <= horizon,
        )
        return after
    if ".." in arg:
        left, right = (s.strip() for s in arg.split("..", 1))
        lo = parse_query_date(left, today, prefer="past") if left else date.min
        hi = parse_query_date(right, today, prefer="future") if right else date.max
        if lo > hi:
            raise QueryError(f"`due {arg}`: the range starts after it ends")
        _add(
            q,
            f"due {_fmt(lo)}..{_fmt(hi)}",
            lambda a: a.due_date is not None and lo <= a.due_date <= hi,
        )
        return end
    if arg.lower() in ("today",):
        _add(q, "due today", lambda a: a.due_date == today)
        return end
    if arg:
        day = parse_query_date(arg, today, prefer="future")
        _add(
            q,
            f"due by {_fmt(day)}",
            lambda a: is_open(a) and a.due_date is not None and a.due_date <= day,
        )
        return end
    raise QueryError("`due` needs `soon`, a date or a range, e.g. `due 1/4/2020..30/6/2020`")


def _parse_updated(q: Query, args: list[str], today: date, tz: str) -> None:
    if args and args[0].lower() == "since":
        args = args[1:]
    if not args:
        raise QueryError("`updated since` needs a date, e.g. `updated since 1 May`")
    day = parse_query_date(" ".join(args), today, prefer="past")
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))  # midnight, plan time
    # Owners' updates only: loading the plan is not an update by anyone.
    _add(
        q,
        f"updated since {_fmt(day)}",
        lambda a: a.replied_at is not None and a.replied_at >= start,
    )


def _theme_clause(q: Query, arg: str, snapshot: PlanSnapshot) -> None:
    needle = arg.casefold()
    ids = {t.id for t in snapshot.themes.values() if needle in t.name.casefold()}
    if not ids:
        ids = {
            t.id
            for t in snapshot.themes.values()
            if any(needle in tag.casefold() for tag in t.tags)
        }
    if not ids:
        names = "; ".join(
            t.name for t in sorted(snapshot.themes.values(), key=lambda t: t.position)
        )
        raise QueryError(f"no theme matches {arg!r}. Themes: {names}")
    _add(q, f"theme {arg}", lambda a: a.theme_id in ids)


def _owner_clause(q: Query, arg: str, snapshot: PlanSnapshot) -> None:
    mention = re.fullmatch(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", arg.strip())
    needle = arg.strip().lstrip("@").casefold()

    def matches_person(o) -> bool:
        if mention:
            return o.chat_user_id == mention.group(1)
        return needle in o.name.casefold() or (o.email or "").casefold().startswith(needle)

    def pred(a: ActionView) -> bool:
        for owner in a.owners:
            if matches_person(owner) or any(matches_person(p) for p in snapshot.people_for(owner)):
                return True
        return False

    if not any(pred(a) for a in snapshot.actions):
        # An empty list would read as "owns nothing": say the name is nobody's here.
        who = "that chat user" if mention else repr(arg.strip())
        raise QueryError(
            f"no owner in this plan matches {who} (nor anyone holding a role that does)"
        )
    _add(q, f"owner {arg}", pred)


def _status_clause(q: Query, arg: str, snapshot: PlanSnapshot) -> None:
    needle = arg.casefold().strip()
    if needle in ("none", "no status", "no update"):
        _add(q, "no status yet", lambda a: a.status is None)
        return
    matches = [s for s in Status if s.value.casefold().startswith(needle)]
    if not matches:
        known = ", ".join(s.value for s in Status)
        raise QueryError(f"unknown status {arg!r}; known: {known}, none")
    values = {s.value for s in matches}
    _add(q, f"status {', '.join(sorted(values))}", lambda a: a.status in values)


def _search_clause(q: Query, arg: str, snapshot: PlanSnapshot) -> None:
    # Words, not letters inside words: "HR" must not find "through", "staff" must not find
    # "Flagstaff". A longer word also finds its longer forms ("workshop" → "workshops").
    patterns = [
        re.compile(rf"(?<!\w){re.escape(t)}" + (r"(?!\w)" if len(t) <= 3 else ""), re.I)
        for t in arg.split()
    ]

    def pred(a: ActionView) -> bool:
        hay = f"{a.ref or ''} {a.text} {a.objective} {a.theme}"
        return all(p.search(hay) for p in patterns)

    _add(q, f"matching “{arg}”", pred)


_TEXT_CLAUSES = {
    "theme": _theme_clause,
    "owner": _owner_clause,
    "status": _status_clause,
    "search": _search_clause,
}


def run_query(query: Query, snapshot: PlanSnapshot) -> QueryResult:
    actions = [a for a in snapshot.actions if all(p(a) for _, p in query.filters)]
    actions.sort(key=lambda a: (a.due_date is None, a.due_date or date.max, a.position))
    return QueryResult(query, actions)


def _fmt(d: date) -> str:
    if d in (date.min, date.max):
        return "…"
    return f"{d.day} {d:%b %Y}"


def parse_query_date(text: str, today: date, *, prefer: str = "past") -> date:
    """A date as people type it in a query. Yearless dates resolve to the nearest one in the
    ``prefer`` direction ("1 May" in a `since` means the last 1 May)."""
    return _parse_query_date(text.strip().lower().rstrip("."), today, prefer)


@lru_cache(maxsize=1024)
def _parse_query_date(s: str, today: date, prefer: str) -> date:
    if s == "today":
        return today
    if s == "yesterday":
        return today - timedelta(days=1)
    if s == "tomorrow":
        return today + timedelta(days=1)
    day_name = s.removeprefix("next ").removeprefix("last ")
    if day_name in WEEKDAYS:
        # The nearest such day after today (a "by"/"until") or before it (a "since").
        if prefer == "future":
            return today + timedelta(days=(WEEKDAYS.index(day_name) - today.weekday()) % 7 or 7)
        return today - timedelta(days=(today.weekday() - WEEKDAYS.index(day_name)) % 7 or 7)
    m = re.fullmatch(r"([0-9]+) (day|days|week|weeks|month|months) ago", s)
    if m:
        digits, unit = m.group(1).lstrip("0") or "0", m.group(2)
        days = int(digits) * {"d": 1, "w": 7, "m": 30}[unit[0]] if len(digits) <= 6 else None
        if days is None or days > MAX_DAYS or days > (today - date.min).days:
            raise QueryError(f"{s[:40]!r} is further back than {MAX_DAYS:,} days (ten years)")
        return today - timedelta(days=days)
    m = re.fullmatch(r"last (week|month)", s)
    if m:
        return today - timedelta(days=7 if m.group(1) == "week" else 30)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        return _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?", s)
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        if m.group(3):
            return _mk(_year(m.group(3)), month, day, s)
        return _yearless(day, month, today, prefer, s)
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+),? ?(\d{4})?", s)
    if m and m.group(2) in MONTHS:
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        if m.group(3):
            return _mk(int(m.group(3)), month, day, s)
        return _yearless(day, month, today, prefer, s)
    m = re.fullmatch(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?,? ?(\d{4})?", s)
    if m and m.group(1) in MONTHS:
        day, month = int(m.group(2)), MONTHS[m.group(1)]
        if m.group(3):
            return _mk(int(m.group(3)), month, day, s)
        return _yearless(day, month, today, prefer, s)
    m = re.fullmatch(r"([a-z]+) (\d{4})", s)
    if m and m.group(1) in MONTHS:
        # A month alone means its first day (a `since`) or its last day (a `by`).
        year, month = int(m.group(2)), MONTHS[m.group(1)]
        return date(year, month, 1) if prefer == "past" else month_end(year, month)
    raise QueryError(f"can't read the date {s!r}: use a UK date such as 1/5/2020 or 1 May 2020")


def _year(y: str) -> int:
    return int(y) + 2000 if len(y) == 2 else int(y)


def _mk(year: int, month: int, day: int, s: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise QueryError(f"{s!r} is not a real date") from None


def _yearless(day: int, month: int, today: date, prefer: str, s: str) -> date:
    this_year = _mk(today.year, month, day, s)
    if prefer == "past" and this_year > today:
        return _mk(today.year - 1, month, day, s)
    if prefer == "future" and this_year < today:
        return _mk(today.year + 1, month, day, s)
    return this_year
