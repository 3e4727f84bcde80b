"""Reads deadlines as plans write them: "Quarter 2", "Q4 2020/21", "By end June 2020",
"April/May 2016", "March 2016 onwards", "By September 2020 Revised 31 st March 2021",
"31/03/2021", "Jul-19", "Q3 19/20", "w/c 3 Feb", "31st March 2021 (revised from 30th
September 2020)", "TBC" (no date, flagged). Keeps the text as written, returns the date now due (the last revision), the
kind (fixed, range, ongoing, unknown), the chain of revisions and whether it is sure.

The plan grammar is recognised here with regular expressions; only a leftover that looks
like a date goes to dateparser (restricted to English, day-first), so 10,000 deadlines parse
in well under a second. Nothing is ever guessed silently: an unsure result says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february", "febuary"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary|uary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_YEAR = r"(?:\d{4}|\d{2})"
_DASH = r"\s*(?:[-–—/]|to|and|&)\s*"

# Revision markers split a deadline into its chain: "By Sept 2020 Revised: March 2021".
_REVISION = re.compile(
    r"\b(?:revised|amended|extended|re-?scheduled|moved|new\s+date|now(?:\s+due)?)\b\s*(?:to|date|deadline)?\s*[:\-–—]?\s*",
    re.I,
)
_ONGOING = re.compile(
    r"^(?:on-?\s?going|continuous(?:ly)?|throughout|rolling|continual|as\s+required|business\s+as\s+usual|bau)$",
    re.I,
)
_ONWARDS = re.compile(
    rf"^(?:from\s+)?(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\s+(?:onwards?|and\s+ongoing|ongoing)$", re.I
)
_TBC = re.compile(r"^(?:tbc|tba|tbd|to\s+be\s+(?:confirmed|agreed|determined|decided))$", re.I)
# Filler words before or after the date itself.
_LEAD = re.compile(
    r"^(?:(?:to\s+be\s+)?complete[d]?\s+(?:in|by)|by\s+the\s+end\s+of|by\s+end\s+of|by\s+end|by|end\s+of|end|due|deadline|target|before|no\s+later\s+than|in|during|from)\b[\s:,]*",
    re.I,
)
_QUARTER = re.compile(
    r"^(?:q|qtr|quarter)\s*(?P<q>[1-4])(?:\s*(?:of\s+)?(?:fy\s*)?(?:(?P<y1>\d{4})(?:\s*[/-]\s*(?P<y2>\d{2,4}))?|(?P<s1>\d{2})\s*[/-]\s*(?P<s2>\d{2})))?$",
    re.I,
)
_NUMERIC = re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(
    rf"^(?P<d>\d{{1,2}})\s*(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})$", re.I
)
_MONTH_DAY_YEAR = re.compile(
    rf"^(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})\s*(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})$", re.I
)
_MONTH_YEAR = re.compile(rf"^(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})$", re.I)
# Excel's mmm-yy display format: "Jul-19", "Mar-20" (unambiguous, unlike "June 21").
_EXCEL_MONTH = re.compile(rf"^(?P<m>{_MONTH})\s*[-'’]\s*(?P<y>\d{{2}})$", re.I)
_DAY_MONTH = re.compile(
    rf"^(?P<d>\d{{1,2}})\s*(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})$|"
    rf"^(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})\s*(?:st|nd|rd|th)?$",
    re.I,
)
_WEEK_COMMENCING = re.compile(r"^(?:w/?c|week\s+commencing|week\s+beginning|w/?b)\b\.?\s*", re.I)
# "31st March 2021 (revised from 30th September 2020)", "March 2021 (was Sept 2020)":
# the date written first is the one now in force; the bracket names the old one.
_REVISED_FROM = re.compile(
    r"^(?P<new>.+?)\s*[(\[]?\s*(?:revised|moved|changed|amended|extended|slipped)\s+from\s+"
    r"(?P<old>[^)\]]+)[)\]]?\s*$|"
    r"^(?P<new2>.+?)\s*[(\[]\s*(?:was|originally|previously|orig\.?|formerly)\s+(?P<old2>[^)\]]+)[)\]]\s*$",
    re.I,
)
_MONTH_ONLY = re.compile(rf"^(?P<m>{_MONTH})$", re.I)
_RANGE = re.compile(
    rf"^(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?{_DASH}(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?$",
    re.I,
)
_FIN_YEAR = re.compile(
    r"^(?:fy\s*|financial\s+year\s+|end\s+of\s+)?(?P<y1>\d{4})\s*[/-]\s*(?P<y2>\d{2,4})$", re.I
)
_YEAR_ONLY = re.compile(r"^(?:end\s+of\s+)?(?P<y>\d{4})$")


@dataclass(frozen=True)
class DeadlineStep:
    """One link in a revision chain."""

    text: str
    due: date | None


@dataclass(frozen=True)
class ParsedDeadline:
    text: str
    due: date | None
    kind: str  # "fixed" | "range" | "ongoing" | "unknown"
    sure: bool
    steps: tuple[DeadlineStep, ...]
    start: date | None = None
    note: str = ""

    @property
    def revised(self) -> bool:
        return len(self.steps) > 1


@dataclass(frozen=True)
class _Piece:
    due: date | None
    kind: str
    sure: bool
    start: date | None = None
    note: str = ""


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def financial_quarter_end(quarter: int, fy_start_year: int, fy_start_month: int = 4) -> date:
    """The last day of ``quarter`` (1-4) of the financial year starting in
    ``fy_start_month`` of ``fy_start_year`` (UK: Q2 of 2019/20 ends 30 September 2019)."""
    months = fy_start_month - 1 + quarter * 3  # months after January of fy_start_year
    year = fy_start_year + (months - 1) // 12
    month = (months - 1) % 12 + 1
    return month_end(year, month)


def parse_deadline(
    text: str,
    *,
    fy_start_year: int | None = None,
    fy_start_month: int = 4,
    today: date | None = None,
) -> ParsedDeadline:
    return _parse(text or "", fy_start_year, fy_start_month, today)


@lru_cache(maxsize=65536)
def _parse(text: str, fy_year: int | None, fy_month: int, today: date | None) -> ParsedDeadline:
    written = " ".join(text.split())
    if not written:
        return ParsedDeadline("", None, "unknown", False, (), note="no deadline given")
    m = _REVISED_FROM.match(written)
    if m:
        new, old = (
            (m.group("new"), m.group("old"))
            if m.group("new")
            else (
                m.group("new2"),
                m.group("old2"),
            )
        )
        parts = [old.strip(" ,;:"), new.strip(" ,;:")]
    else:
        parts = _split_revisions(written)
    steps: list[DeadlineStep] = []
    pieces: list[_Piece] = []
    for part in parts:
        piece = _piece(_clean(part), fy_year, fy_month, today)
        steps.append(DeadlineStep(part, piece.due))
        pieces.append(piece)
    last = pieces[-1]
    sure = all(p.sure for p in pieces)
    notes = [p.note for p in pieces if p.note]
    if len(pieces) > 1:
        first_due = next((p.due for p in pieces if p.due), None)
        if last.due and first_due and last.due < first_due:
            sure = False
            notes.append(
                f"the revised date {last.due:%-d %b %Y} is earlier than the original {first_due:%-d %b %Y}"
            )
    return ParsedDeadline(
        text=written,
        due=last.due,
        kind=last.kind,
        sure=sure,
        steps=tuple(steps),
        start=last.start,
        note="; ".join(dict.fromkeys(notes)),
    )


def _split_revisions(text: str) -> list[str]:
    """["By September 2020", "Revised 31 st March 2021"]: each revision keeps its marker."""
    marks = [m.start() for m in _REVISION.finditer(text) if m.start() > 0]
    if not marks:
        return [text]
    cuts = [0, *marks, len(text)]
    parts = [text[a:b].strip(" ,;") for a, b in zip(cuts, cuts[1:], strict=False)]
    return [p for p in parts if p]


def _clean(part: str) -> str:
    s = part.strip().strip(".,;:()[]")
    s = _REVISION.sub("", s, count=1) if _REVISION.match(s) else s
    s = s.strip(" .,;:-–—")
    for _ in range(3):  # "Complete by end of", "By end"
        new = _LEAD.sub("", s).strip(" .,;:-–—")
        if new == s:
            break
        s = new
    s = re.sub(r"(\d)\s+(st|nd|rd|th)\b", r"\1\2", s, flags=re.I)  # "31 st" -> "31st"
    return s


def _year(y: str) -> int:
    return 2000 + int(y) if len(y) == 2 else int(y)


def _piece(s: str, fy_year: int | None, fy_month: int, today: date | None) -> _Piece:
    if not _WEEK_COMMENCING.match(s):
        return _date_piece(s, fy_year, fy_month, today)
    # "w/c 3 Feb 2020": due by the end of that working week (its Friday).
    piece = _date_piece(_WEEK_COMMENCING.sub("", s).strip(" .,;:-–—"), fy_year, fy_month, today)
    if piece.due is None or piece.kind != "fixed":
        return piece
    friday = piece.due + timedelta(days=max(0, 4 - piece.due.weekday()))
    return _Piece(friday, "fixed", piece.sure, note=piece.note)


def _date_piece(s: str, fy_year: int | None, fy_month: int, today: date | None) -> _Piece:
    if not s:
        return _Piece(None, "unknown", False, note="no date in it")
    if _ONGOING.match(s):
        return _Piece(None, "ongoing", True)
    m = _ONWARDS.match(s)
    if m:
        start = date(_year(m.group("y")), MONTHS[_mkey(m.group("m"))], 1)
        return _Piece(None, "ongoing", True, start=start)
    if _TBC.match(s):
        return _Piece(None, "unknown", False, note="to be confirmed")
    m = _QUARTER.match(s)
    if m:
        if m.group("s1"):
            y1, y2 = str(2000 + int(m.group("s1"))), m.group("s2")
        else:
            y1, y2 = m.group("y1"), m.group("y2")
        return _quarter(int(m.group("q")), y1, y2, fy_year, fy_month, today)
    m = _NUMERIC.match(s) or _ISO.match(s)
    if m:
        return _day(_year(m.group("y")), int(m.group("m")), int(m.group("d")), s)
    m = _DAY_MONTH_YEAR.match(s) or _MONTH_DAY_YEAR.match(s)
    if m:
        return _day(_year(m.group("y")), MONTHS[_mkey(m.group("m"))], int(m.group("d")), s)
    m = _MONTH_YEAR.match(s)
    if m:
        year = _year(m.group("y"))
        note = "" if len(m.group("y")) == 4 else f"two-digit year {m.group('y')!r} read as {year}"
        return _Piece(month_end(year, MONTHS[_mkey(m.group("m"))]), "fixed", not note, note=note)
    m = _EXCEL_MONTH.match(s)
    if m:
        return _Piece(month_end(_year(m.group("y")), MONTHS[_mkey(m.group("m"))]), "fixed", True)
    m = _RANGE.match(s)
    if m:
        return _range(m, today)
    m = _DAY_MONTH.match(s)
    if m:
        return _yearless_day(m, fy_year, fy_month, today)
    m = _FIN_YEAR.match(s)
    if m:
        y1 = int(m.group("y1"))
        return _Piece(financial_quarter_end(4, y1, fy_month), "fixed", True, note="")
    m = _YEAR_ONLY.match(s)
    if m:
        return _Piece(
            date(int(m.group("y")), 12, 31),
            "fixed",
            False,
            note=f"only a year: read as 31 Dec {m.group('y')}",
        )
    m = _MONTH_ONLY.match(s)
    if m:
        if today is None:
            return _Piece(None, "unknown", False, note="a month with no year")
        month = MONTHS[_mkey(m.group("m"))]
        year = today.year if month >= today.month else today.year + 1
        return _Piece(month_end(year, month), "fixed", True)
    return _fallback(s, today)


def _yearless_day(m: re.Match, fy_year: int | None, fy_month: int, today: date | None) -> _Piece:
    """ "3 Feb", "w/c 3 Feb": the next such day from today; in a plan, the one in its year."""
    day = int(m.group("d") or m.group("d2"))
    month = MONTHS[_mkey(m.group("m") or m.group("m2"))]
    note = ""
    if today is not None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    elif fy_year is not None:
        year = fy_year if month >= fy_month else fy_year + 1
        note = f"no year: read in the plan's financial year {fy_year}/{(fy_year + 1) % 100:02d}"
    else:
        return _Piece(None, "unknown", False, note="a day with no year")
    try:
        found = date(year, month, day)
    except ValueError:
        return _Piece(
            None, "unknown", False, note=f"{day} {calendar.month_name[month]} is not a real date"
        )
    return _Piece(found, "fixed", not note, note=note)


def _mkey(m: str) -> str:
    return m.lower().rstrip(".")


def _day(year: int, month: int, day: int, s: str) -> _Piece:
    try:
        return _Piece(date(year, month, day), "fixed", True)
    except ValueError:
        return _Piece(None, "unknown", False, note=f"{s!r} is not a real date")


def _quarter(
    q: int, y1: str | None, y2: str | None, fy_year: int | None, fy_month: int, today: date | None
) -> _Piece:
    if y1 and y2:
        return _Piece(financial_quarter_end(q, int(y1), fy_month), "fixed", True)
    if y1:
        # "Q1 2021": the financial year that starts in 2021 is the likeliest reading.
        return _Piece(
            financial_quarter_end(q, int(y1), fy_month),
            "fixed",
            False,
            note=f"quarter {q} of which financial year? read as {y1}/{(int(y1) + 1) % 100:02d}",
        )
    if today is not None:
        # In conversation "moved to Q3" means the next Q3 to end, whatever the plan's year.
        year = today.year - 1
        while financial_quarter_end(q, year, fy_month) < today:
            year += 1
        return _Piece(financial_quarter_end(q, year, fy_month), "fixed", True)
    if fy_year is None:
        return _Piece(
            None,
            "unknown",
            False,
            note="quarter with no year: set the plan's financial year (--fy-start)",
        )
    return _Piece(financial_quarter_end(q, fy_year, fy_month), "fixed", True)


def _range(m: re.Match, today: date | None) -> _Piece:
    m1, m2 = MONTHS[_mkey(m.group("m1"))], MONTHS[_mkey(m.group("m2"))]
    y2 = m.group("y2") or m.group("y1")
    if y2 is None:
        if today is None:
            return _Piece(None, "unknown", False, note="a range of months with no year")
        y2_val = today.year if m2 >= today.month else today.year + 1
    else:
        y2_val = _year(y2)
    y1_val = _year(m.group("y1")) if m.group("y1") else (y2_val - 1 if m1 > m2 else y2_val)
    end = month_end(y2_val, m2)
    start = date(y1_val, m1, 1)
    if start > end:
        return _Piece(end, "range", False, start=start, note="the range ends before it starts")
    return _Piece(end, "range", True, start=start)


@lru_cache(maxsize=8)
def _dateparser(today: date | None):
    """One parser per "today": a date with no month or year ("the 12th") is completed from
    the injected today, never from the machine's clock."""
    from dateparser.date import DateDataParser

    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "last",
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    if today is not None:
        settings["RELATIVE_BASE"] = datetime(today.year, today.month, today.day)
    return DateDataParser(languages=["en"], settings=settings)


def _fallback(s: str, today: date | None) -> _Piece:
    """dateparser for the long tail, only when the text looks like it holds a date."""
    if not re.search(rf"\d|\b{_MONTH}\b", s, re.I) or len(s) > 60:
        return _Piece(None, "unknown", False, note=f"can't read {s!r} as a date")
    try:
        data = _dateparser(today).get_date_data(s)
    except Exception:  # noqa: BLE001 - dateparser raises odd errors on odd input
        data = None
    if data is None or data.date_obj is None:
        return _Piece(None, "unknown", False, note=f"can't read {s!r} as a date")
    found = data.date_obj.date()
    if data.period == "month":
        found = month_end(found.year, found.month)
    has_year = re.search(r"\d{4}", s) is not None
    sure = data.period == "day" and has_year
    note = "" if sure else f"read {s!r} as {found:%-d %b %Y}: please check"
    if not has_year and today is None:
        return _Piece(None, "unknown", False, note=f"{s!r} has no year")
    return _Piece(found, "fixed", sure, note=note)
