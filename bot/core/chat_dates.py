"""When, in the words owners use in chat: "the autumn", "mid October", "15/9", "next month",
"in a fortnight", "by Christmas", "year end", "two weeks late" — turned into a due date.

The plan grammar (quarters, financial years, full dates, month ranges) is read by
bot/core/deadlines.py; this module adds what people say in conversation and resolves it from
the day of the reply, the plan's financial year and, for "N weeks late", the action's own
deadline. Anything vague ("several weeks", "soon", "at some point") gives None: the bot asks
rather than invents a date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.core.deadlines import (
    MONTHS,
    financial_quarter_end,
    month_end,
    parse_deadline,
)

_NUM = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "couple of": 2,
    "few": 3,
    "a few": 3,
}
_COUNT = (
    r"(?P<n>\d{1,2}|a\s+couple(?:\s+of)?|couple(?:\s+of)?|a\s+few|few|an?|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve)"
    r"(?:\s*(?:or|to|-|–)\s*(?P<n2>\d{1,2}|two|three|four|five|six))?"
)
_UNIT = r"(?P<unit>days?|weeks?|wks?|months?|mths?|fortnights?)"
# "two weeks", "a week or two", "2-3 weeks", "a couple of months"
DURATION = re.compile(
    rf"\b{_COUNT}\s+(?:more\s+|extra\s+|further\s+)?{_UNIT}(?:\s+or\s+(?:two|so|three))?\b",
    re.I,
)
_SEASONS = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2}
_PART = {"early": 10, "beginning": 7, "start": 7, "mid": 15, "middle": 15, "late": 0, "end": 0}
_MONTH_WORD = (
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:\s*,?\s*(?P<y>(?:19|20)\d{2}|'\d{2}))?"
_MONTH_DAY = re.compile(
    r"^(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"(?=$|\s*,?\s*(?:19|20)\d\d$)",
    re.I,
)
_FILLER = re.compile(
    r"^(?:(?:by|until|till|til|to|into|for|in|at|around|about|approximately|approx\.?|circa|c\.|"
    r"sometime|some\s+time|maybe|probably|possibly|likely|hopefully|ideally|now|the|this|"
    r"coming|next|of)\s+)+",
    re.I,
)
_SEASON_RE = re.compile(
    r"^(?:(?P<part>early|late|mid|end\s+of|start\s+of|beginning\s+of)\s+(?:the\s+)?)?"
    r"(?P<s>spring|summer|autumn|fall|winter)" + _YEAR + r"$",
    re.I,
)
_PART_MONTH = re.compile(
    r"^(?P<part>early|beginning\s+of|start\s+of|mid|middle\s+of|late|end\s+of)[\s-]+"
    + _MONTH_WORD
    + _YEAR
    + r"$",
    re.I,
)
_DAY_MONTH_NUM = re.compile(r"^(?P<d>\d{1,2})[/.](?P<m>\d{1,2})$")
_IN_DURATION = re.compile(
    rf"^(?:(?:in|within|after)\s+)?(?:the\s+next\s+)?{DURATION.pattern}$", re.I
)


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    t = " ".join(text.lower().split())
    if t.isdigit():
        return int(t)
    return _NUM.get(t)


def duration_of(m: re.Match) -> timedelta | tuple[int, int] | None:
    """A DURATION match as days (timedelta) or months ((months, 0)); the larger end of a range
    ("a week or two": two). "Or so" is about the size said, not a range: "a month or so
    late" moved a deadline by two months."""
    n = _count(m.group("n"))
    n2 = _count(m.group("n2")) if m.group("n2") else None
    if n is None:
        return None
    if n2 is not None:
        n = max(n, n2)
    tail = m.group(0).lower()
    if re.search(r"\bor\s+two$", tail):
        n = max(n, 2)
    elif re.search(r"\bor\s+three$", tail):
        n = max(n, 3)
    unit = m.group("unit").lower()
    if unit.startswith("day"):
        return timedelta(days=n)
    if unit.startswith(("week", "wk")):
        return timedelta(weeks=n)
    if unit.startswith("fortnight"):
        return timedelta(weeks=2 * n)
    return (n, 0)


def add(start: date, amount: timedelta | tuple[int, int]) -> date:
    if isinstance(amount, timedelta):
        return start + amount
    months = amount[0]
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    last = month_end(year, month).day
    return date(year, month, min(start.day, last))


def _next_month_day(today: date, month: int, day: int | None, year: int | None) -> date:
    """The first such day on or after today (day None: the month's last day)."""
    for y in [year] if year else [today.year, today.year + 1]:
        d = month_end(y, month) if not day else date(y, month, min(day, month_end(y, month).day))
        if year or d >= today:
            return d
    return d  # pragma: no cover - the loop always returns


def _year(y: str | None) -> int | None:
    if not y:
        return None
    y = y.lstrip("'")
    return 2000 + int(y) if len(y) == 2 else int(y)


_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEENS = (
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
    "eighteenth nineteenth"
).split()
_ORDINALS = {w: f"{n}" for n, w in enumerate(_UNITS, 1)}
_ORDINALS |= {w: f"{n}" for n, w in enumerate(_TEENS, 10)}
_ORDINALS |= {"twentieth": "20", "thirtieth": "30", "thirty-first": "31"}
_ORDINALS |= {f"twenty-{w}": f"{20 + n}" for n, w in enumerate(_UNITS, 1)}
_DAY_WORD = "|".join(w.replace("-", r"[\s-]") for w in sorted(_ORDINALS, key=len, reverse=True))
_DAY_WORDS = re.compile(
    rf"\b(?:the\s+)?(?P<w>{_DAY_WORD})\s+(?:of\s+)?(?={_MONTH_WORD}\b)",
    re.I,
)


def read_when(
    text: str,
    *,
    today: date,
    fy_start_year: int | None = None,
    fy_start_month: int = 4,
) -> date | None:
    """The date a chat phrase names ("the autumn", "mid Oct", "15/9", "next month",
    "end of the quarter", "in two weeks"), or None if it names none clearly."""
    s = " ".join((text or "").strip(" .,;:!?()[]").split())
    if s.isdigit() or re.fullmatch(r"(?:on\s+)?(?:the\s+)?\d{1,2}(?:st|nd|rd|th)", s, re.I):
        return None  # "the 15th"? of which month: ask rather than guess
    s = re.sub(
        r"\s+(?:at\s+the\s+(?:latest|outside)|at\s+the\s+very\s+latest|latest)$", "", s, flags=re.I
    )
    s = re.sub(
        r"^(?:the\s+)?(?:back\s+|very\s+)?(?:end|close)\s+of\s+(?:the\s+)?",
        "end of ",
        s,
        flags=re.I,
    )
    # "March 12th", "Oct 3": the day after the month, as people also write it (dateparser,
    # day first, would read "March 12" as March 2012).
    s = _MONTH_DAY.sub(r"\g<d> \g<mon>", s)
    # "the first of March", "twenty-first of June": the day in words.
    s = _DAY_WORDS.sub(lambda m: f"{_ORDINALS[m.group('w').casefold().replace(' ', '-')]} ", s)
    # "this FY", "next FY": the financial year, as offices abbreviate it.
    s = re.sub(r"\bfy\b", "financial year", s, flags=re.I)
    # "w/c 9 March", "week commencing 9th March", "1st week of April": the week's Friday.
    week = _WEEK_OF.match(s)
    if week is not None:
        return _week_of(week, today, fy_start_year, fy_start_month)
    # "September or October", "Sept or Oct 2020": a range, due at its end.
    s = re.sub(rf"\b({_MONTH_WORD})\s+or\s+", r"\1/", s, flags=re.I)
    found = _phrase(s, today, fy_start_month)
    if found is not None:
        return found
    bare = _FILLER.sub("", s).strip()
    if bare and bare != s:
        found = _phrase(bare, today, fy_start_month)
        if found is not None:
            return found
    parsed = parse_deadline(
        s, fy_start_year=fy_start_year, fy_start_month=fy_start_month, today=today
    )
    if parsed.due is not None and parsed.kind in ("fixed", "range"):
        return parsed.due
    return None


_WEEK_OF = re.compile(
    r"^(?:the\s+)?(?:w/?c|week\s+commencing|week\s+beginning|week\s+starting|(?P<nth>1st|2nd|3rd|4th|"
    r"first|second|third|fourth|last)\s+week\s+(?:of|in))\s+(?P<rest>.+)$",
    re.I,
)
_NTH = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4}


def _week_of(m: re.Match, today: date, fy_year, fy_month: int) -> date | None:
    """The Friday of the week named: "w/c 9 March" → 13 March; "first week of April" → the
    first Friday of April; "last week of June" → the last Friday of June."""
    start = read_when(m.group("rest"), today=today, fy_start_year=fy_year, fy_start_month=fy_month)
    if start is None:
        return None
    nth = (m.group("nth") or "").lower()
    if not nth:
        return start + timedelta(days=(4 - start.weekday()) % 7)
    first = start.replace(day=1)
    friday = first + timedelta(days=(4 - first.weekday()) % 7)
    if nth == "last":
        while (friday + timedelta(weeks=1)).month == first.month:
            friday += timedelta(weeks=1)
        return friday
    return friday + timedelta(weeks=_NTH[nth] - 1)


def _fy_start(today: date, fy_month: int) -> int:
    return today.year if today.month >= fy_month else today.year - 1


def _phrase(s: str, today: date, fy_month: int) -> date | None:
    low = s.lower()
    m = _IN_DURATION.match(low)
    if m:
        amount = duration_of(m)
        return add(today, amount) if amount is not None else None
    if low in ("a fortnight", "in a fortnight", "fortnight"):
        return today + timedelta(weeks=2)
    if re.fullmatch(r"(?:end\s+of\s+)?next\s+week", low):
        monday = today + timedelta(days=7 - today.weekday())
        return monday + timedelta(days=4)
    if re.fullmatch(r"(?:the\s+)?end\s+of\s+(?:this\s+)?week|this\s+week|friday", low):
        return today + timedelta(days=max(0, 4 - today.weekday()))
    if re.fullmatch(r"(?:end\s+of\s+)?next\s+month", low):
        y, m2 = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return month_end(y, m2)
    if re.fullmatch(r"(?:end\s+of\s+)?(?:this|the)\s+month|month[\s-]end|end\s+of\s+month", low):
        return month_end(today.year, today.month)
    fy = _fy_start(today, fy_month)
    if re.fullmatch(r"end\s+of\s+(?:this\s+|the\s+)?quarter|quarter[\s-]end", low):
        q = next(q for q in range(1, 5) if financial_quarter_end(q, fy, fy_month) >= today)
        return financial_quarter_end(q, fy, fy_month)
    if re.fullmatch(r"(?:end\s+of\s+)?next\s+quarter", low):
        ends = [financial_quarter_end(q, y, fy_month) for y in (fy, fy + 1) for q in range(1, 5)]
        current = next(e for e in ends if e >= today)
        return ends[ends.index(current) + 1]
    if re.fullmatch(
        r"(?:the\s+)?(?:financial\s+)?year[\s-]end|end\s+of\s+(?:the\s+|this\s+)?(?:financial|fiscal)"
        r"\s+year|end\s+of\s+(?:the\s+)?fy|fy\s+end",
        low,
    ):
        return financial_quarter_end(4, fy, fy_month)
    if re.fullmatch(r"end\s+of\s+next\s+financial\s+year|next\s+financial\s+year[\s-]end", low):
        return financial_quarter_end(4, fy + 1, fy_month)
    if re.fullmatch(r"end\s+of\s+(?:the\s+|this\s+)?(?:calendar\s+)?year", low):
        return date(today.year, 12, 31)
    if re.fullmatch(r"end\s+of\s+next\s+year|next\s+year", low):
        return date(today.year + 1, 12, 31)
    if re.fullmatch(r"christmas|xmas|christmas\s+time", low):
        return _next_month_day(today, 12, 25, None)
    if re.fullmatch(r"new\s+year", low):
        nxt = date(today.year + 1, 1, 1)
        return nxt
    if re.fullmatch(r"easter", low):
        return None  # moves every year: ask for a date
    m = _SEASON_RE.match(low)
    if m:
        return _season(today, m)
    m = _PART_MONTH.match(low)
    if m:
        part = m.group("part").split()[0]
        month = MONTHS[m.group("m").rstrip(".")]
        day = _PART[part]
        return _next_month_day(today, month, day or None, _year(m.group("y")))
    m = _DAY_MONTH_NUM.match(low)
    if m:
        d, mo = int(m.group("d")), int(m.group("m"))
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return None
        for y in (today.year, today.year + 1):
            try:
                found = date(y, mo, d)
            except ValueError:
                return None
            if found >= today:
                return found
    return None


def _season(today: date, m: re.Match) -> date:
    """The season's last day (early/mid: a month or two before it), the first on or after
    today; winter runs into the next year ("winter 2019" ends February 2020)."""
    end_month = _SEASONS[m.group("s")]
    part = (m.group("part") or "").split()
    back = (
        2
        if part and part[0] in ("early", "start", "beginning")
        else 1
        if part[:1] == ["mid"]
        else 0
    )
    year = _year(m.group("y"))

    def end(y: int) -> date:
        last = date(y + 1, 2, 1) if end_month == 2 else date(y, end_month, 1)
        mo, yy = last.month - back, last.year
        if mo <= 0:
            mo, yy = mo + 12, yy - 1
        return month_end(yy, mo)

    if year is not None:
        return end(year)
    return next(d for d in (end(y) for y in range(today.year - 1, today.year + 2)) if d >= today)
