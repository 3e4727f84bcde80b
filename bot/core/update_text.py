"""Reads a free-text progress reply: "On track: workshops booked for 12 March",
"completed - signed off by GB", "slipping to end of June", "Done." → status, commentary and
any revised deadline. Only a leading status word counts ("done" inside a sentence is not a
status); text with no status keeps its commentary and reports none, so the bot can ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.deadlines import ParsedDeadline, parse_deadline
from bot.core.statuses import Status

# Longest phrases first so "not started" wins over "started", "on hold" over "on".
_PHRASES: list[tuple[str, Status]] = [
    (r"not\s+yet\s+started|not\s+started|yet\s+to\s+start", Status.NOT_STARTED),
    (r"on[\s-]?track|ontrack|on\s+target|going\s+to\s+plan", Status.ON_TRACK),
    (r"at[\s-]risk|risk", Status.AT_RISK),
    (r"on[\s-]hold|paused|pending", Status.PENDING),
    (r"completed?|done|finished|closed|achieved|delivered", Status.COMPLETED),
    (r"in[\s-]progress|on[\s-]?going|underway|under\s+way|progressing", Status.ONGOING),
    (r"developing|in\s+development", Status.DEVELOPING),
    (r"behind(?:\s+schedule)?|delayed|slipped|slipping|late|overdue", Status.DELAYED),
]
_STATUS = re.compile(
    r"^\s*(?:status\s*[:\-]\s*)?(?P<word>"
    + "|".join(f"(?:{p})" for p, _ in _PHRASES)
    + r")(?P<after>[\s:;,.!\-–—)]+|$)",
    re.I,
)
_KINDS = [(re.compile(rf"^(?:{p})$", re.I), s) for p, s in _PHRASES]
_TAGS = re.compile(r"<[^>]+>")

# "revised to June 2021", "now due end of March", "slipping to 30/06/2021", "moved to Q3",
# "delayed until September", "deadline now 1/7/2021", "new date 31 March 2022".
_DATE_TAIL = r"(?P<date>[^.;,!?\n]+)"
_REVISED = [
    re.compile(
        rf"\b(?:revised|moved|pushed|put\s+back|deferred|postponed|rescheduled|extended)\s+(?:back\s+)?(?:to|until|till)\s+{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\b(?:slipp(?:ing|ed)|slip|delayed|delay)\s+(?:to|until|till)\s+{_DATE_TAIL}", re.I
    ),
    re.compile(rf"\bnow\s+due\s+(?:on\s+|by\s+|in\s+)?{_DATE_TAIL}", re.I),
    re.compile(
        rf"\b(?:new|revised)\s+(?:due\s+)?(?:date|deadline)\s*(?:is|of|:)?\s*{_DATE_TAIL}", re.I
    ),
    re.compile(rf"\bdeadline\s+(?:is\s+)?now\s+{_DATE_TAIL}", re.I),
    re.compile(
        rf"\b(?:will\s+)?now\s+(?:be\s+)?(?:complete[d]?|delivered|finished)\s+(?:by|in)\s+{_DATE_TAIL}",
        re.I,
    ),
]
_SLIPPING = re.compile(r"\b(?:slipp(?:ing|ed)|delayed|postponed|deferred|pushed\s+back)\b", re.I)


@dataclass(frozen=True)
class ParsedUpdate:
    status: Status | None
    commentary: str
    revised: ParsedDeadline | None

    @property
    def revised_due(self) -> date | None:
        return self.revised.due if self.revised else None


def status_of_word(word: str) -> Status | None:
    """The status a phrase names ("on-track" → On track), or None."""
    w = " ".join(word.split())
    for pattern, status in _KINDS:
        if pattern.match(w):
            return status
    return None


def parse_update_text(
    text: str, *, today: date, fy_start_year: int | None = None, fy_start_month: int = 4
) -> ParsedUpdate:
    clean = (
        " ".join(_TAGS.sub(" ", text or "").split())
        if "<" in (text or "")
        else (text or "").strip()
    )
    status: Status | None = None
    commentary = clean
    m = _STATUS.match(clean)
    if m:
        status = status_of_word(m.group("word"))
        rest = clean[m.end() :].strip(" :;,.-–—")
        # "delayed until September" is one phrase: keep it whole as the commentary.
        commentary = clean if re.match(r"(?:to|until|till)\b", rest, re.I) else rest
    revised = _revised(clean, today, fy_start_year, fy_start_month)
    if status is None and revised is not None and _SLIPPING.search(clean):
        status = Status.DELAYED
    return ParsedUpdate(status, commentary if status else clean, revised)


def _revised(text: str, today: date, fy_year: int | None, fy_month: int) -> ParsedDeadline | None:
    for pattern in _REVISED:
        for m in pattern.finditer(text):
            candidate = m.group("date").strip()
            # Drop trailing clauses: "end of June as the panel moved" -> "end of June".
            candidate = re.split(
                r"\s+(?:as|because|due\s+to|since|but|and|so|when|while|pending)\s+",
                candidate,
                maxsplit=1,
                flags=re.I,
            )[0]
            parsed = parse_deadline(
                candidate, fy_start_year=fy_year, fy_start_month=fy_month, today=today
            )
            if parsed.due is not None:
                return parsed
    return None
