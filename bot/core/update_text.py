"""Reads a free-text progress reply the way a programme officer would: "On track: workshops
booked for 12 March", "RAG green", "V8: Amber - paper drafted", "✅ done", "50% complete",
"we're behind, probably December now", "not done yet", "please reassign" → status,
commentary, any revised deadline, any impossible date, and whether it asks for reassignment.

What counts as a status, strongest first:
1. a status that opens the reply: a word or phrase ("Completed", "on hold", "not done"), a
   RAG/BRAG colour ("Amber - …", "RAG: green"), or an emoji (✅ 🟢 🟠 🔴 ⚠️ 👍, or Slack's
   ``:white_check_mark:`` codes), optionally after "status:", "we're", "it's", "all", "both";
2. an unmistakable phrase anywhere ("…, on track for March", "currently on hold",
   "no progress", "behind schedule", "RAG is amber");
3. a percentage ("50% complete" is in progress; 100% is complete, 0% not started);
4. an emoji anywhere ("done ✅").
"Done" inside a sentence ("I am done with the first half") is not a status; a negated word
("not done", "not complete") is never Completed. Text with no status keeps its commentary
and reports none, so the bot can ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.chat_dates import DURATION, add, duration_of, read_when
from bot.core.deadlines import MONTHS, DeadlineStep, ParsedDeadline
from bot.core.status_words import (
    _MONTH_WORD,
    FUTURE_TAIL,
    IN_A_SPELL,
    RATING_NOW,
    clash,
    conclude,
    fix_spelling,
    hedged_on_track,
    mentions,
    near_misses,
)
from bot.core.statuses import Status

# Longest and negated phrases first: "not started" before "started", "not done" before
# "done", "on hold" before "on".
_PHRASES: list[tuple[str, Status]] = [
    (
        r"not\s+yet\s+started|not\s+started(?:\s+yet)?|yet\s+to\s+start|"
        r"no\s+progress" + IN_A_SPELL + r"(?:\s+yet)?",
        Status.NOT_STARTED,
    ),
    (
        r"not\s+(?:yet\s+|quite\s+)?(?:done|complete[d]?|finished|closed|achieved|delivered)"
        r"(?:\s+yet)?|incomplete|unfinished|still\s+(?:open|in\s+progress|going|ongoing)",
        Status.ONGOING,
    ),
    (r"not\s+on\s+track|off[\s-]track", Status.AT_RISK),
    (
        r"on[\s-]?track|ontrack|on\s+target|on\s+schedule|going\s+to\s+plan|ahead\s+of\s+schedule|"
        r"progressing\s+(?:well|nicely)|going\s+(?:well|nicely)|in\s+good\s+shape",
        Status.ON_TRACK,
    ),
    (r"at[\s-]risk", Status.AT_RISK),
    (r"on[\s-]hold|paused|pending|parked|stalled|suspended", Status.PENDING),
    (
        r"done\s+(?:and|&|n)\s+dusted|completed?|complete|done|finished|closed|achieved|"
        r"delivered|signed[\s-]off",
        Status.COMPLETED,
    ),
    (r"in[\s-]progress|on[\s-]?going|underway|under\s+way|progressing|started", Status.ONGOING),
    (r"developing|in\s+development", Status.DEVELOPING),
    (r"behind(?:\s+schedule)?|delayed|slipped|slipping|late|overdue", Status.DELAYED),
]
_COLOURS: dict[str, Status] = {
    "blue": Status.COMPLETED,
    "green": Status.ON_TRACK,
    "amber": Status.AT_RISK,
    "yellow": Status.AT_RISK,
    "red": Status.DELAYED,
}
_EMOJI: dict[str, Status | None] = {
    "✅": Status.COMPLETED,
    "✔️": Status.COMPLETED,
    "✔": Status.COMPLETED,
    "☑️": Status.COMPLETED,
    "☑": Status.COMPLETED,
    "🔵": Status.COMPLETED,
    "🟢": Status.ON_TRACK,
    # A thumbs-up is seen / agreed / on track: no status of its own (asked), only decoration
    # beside words that state one ("👍 done").
    "👍": None,
    "🟠": Status.AT_RISK,
    "🟡": Status.AT_RISK,
    "⚠️": Status.AT_RISK,
    "⚠": Status.AT_RISK,
    "🔴": Status.DELAYED,
    "⏸️": Status.PENDING,
    "⏸": Status.PENDING,
}
# Slack sends emoji as short codes in message text.
SLACK_EMOJI = {
    ":white_check_mark:": "✅",
    ":heavy_check_mark:": "✔️",
    ":ballot_box_with_check:": "☑️",
    ":large_blue_circle:": "🔵",
    ":blue_circle:": "🔵",
    ":large_green_circle:": "🟢",
    ":green_circle:": "🟢",
    ":+1:": "👍",
    ":thumbsup:": "👍",
    ":large_orange_circle:": "🟠",
    ":orange_circle:": "🟠",
    ":large_yellow_circle:": "🟡",
    ":yellow_circle:": "🟡",
    ":warning:": "⚠️",
    ":red_circle:": "🔴",
    ":double_vertical_bar:": "⏸️",
}
_SHORTCODE = re.compile(r":[a-z0-9_+\-]{1,40}:")
_SKIN_CODE = re.compile(r"(?<=:):skin-tone-[2-6]:", re.I)
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in sorted(_EMOJI, key=len, reverse=True)))
_SKIN = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")

_WORDS = "|".join(f"(?:{p})" for p, _ in _PHRASES)
_SEP = r"(?P<after>[\s:;,.!\-–—)/]+|$)"
_SUBJECT = (
    # "RAG green" needs no colon; "status: done" does ("status delayed" is a query).
    r"(?:b?rag(?:\s+status)?\s*(?:is\s+|=\s*|[:\-–—]\s*)?|"
    r"(?:status|progress)\s*(?:is\s+|=\s*|[:\-–—]\s*)|"
    r"(?:we(?:'re|’re|\s+are)|it(?:'s|’s|\s+is)|this(?:'s|\s+is)|that(?:'s|\s+is)|all|both|"
    r"now|currently|still|is|are|has\s+been|have\s+been|now\s+been|action)\s+)*"
)
_LEADING = re.compile(rf"^\s*{_SUBJECT}(?P<word>{_WORDS})\b{_SEP}", re.I)
# Words that date or qualify a colour rating without changing it ("amber as of today",
# "Green now", "red at the moment", "amber again"): the colour is still the label, and
# the words stay with what follows. Without this "amber as of today - waiting for finance
# sign off" went past the colour and was stored Pending from "waiting for".
_COLOUR_QUALIFIER = (
    r"now|today|still|again|currently|presently|overall|at\s+(?:the\s+moment|present)|"
    r"as\s+of\s+(?:now|today|yesterday|this\s+(?:week|month|morning)|last\s+(?:week|month))|"
    r"as\s+(?:it\s+)?stands|for\s+(?:now|the\s+(?:moment|time\s+being))|"
    r"this\s+(?:week|month|quarter|time)|tbf|tbh|fwiw|btw|honestly|to\s+be\s+honest"
)
_LEADING_COLOUR = re.compile(
    rf"^\s*{_SUBJECT}(?P<word>blue|green|amber|yellow|red)\b"
    r"(?:(?P<after>\s*(?:$|[:;,.!\-–—)/]+\s*)|\s+(?=(?:but|though|although|and)\b)|\s+(?=\())"
    rf"|(?=(?:[\s,]+(?:{_COLOUR_QUALIFIER})\b)+(?:\s*$|\s*[:;,.!\-–—)/(]|\s+\S)))",
    re.I,
)
_RAG_ANYWHERE = re.compile(
    r"\b(?:b?rag|status)\s*(?:status\s*)?(?:is\s+|=\s*|:\s*|-\s*)?(?:now\s+)?"
    r"(?P<word>blue|green|amber|yellow|red)\b",
    re.I,
)
# Phrases that mean a status wherever they stand.
_ANYWHERE: list[tuple[re.Pattern, Status]] = [
    (re.compile(r"\bnot\s+(?:yet\s+)?(?:done|complete[d]?|finished)\b", re.I), Status.ONGOING),
    (re.compile(r"\b(?:not\s+on\s+track|off[\s-]track)\b", re.I), Status.AT_RISK),
    (re.compile(r"\bno\s+progress\b", re.I), Status.NOT_STARTED),
    (re.compile(r"\bon[\s-]hold\b", re.I), Status.PENDING),
    (
        re.compile(r"\b(?:continues\s+to\s+be|remains|is\s+still|still)\s+on-?\s?going\b", re.I),
        Status.ONGOING,
    ),
    (re.compile(r"\bbehind(?:\s+schedule)?\b", re.I), Status.DELAYED),
    (re.compile(r"\b(?:on[\s-]?track|on\s+schedule|on\s+target)\b", re.I), Status.ON_TRACK),
    (re.compile(r"\bat[\s-]risk\b", re.I), Status.AT_RISK),
    (
        re.compile(
            r"\b(?:is|are|was|has\s+been|have\s+been|now|been|now\s+fully|fully|all)\s+"
            r"(?:now\s+)?(?:completed?|finished|closed|done|delivered|signed[\s-]off)\b",
            re.I,
        ),
        Status.COMPLETED,
    ),
    (
        re.compile(
            r"\b(?:has\s+been|have\s+been|was|is|been)\s+(?:delayed|postponed|deferred|paused)\b",
            re.I,
        ),
        Status.DELAYED,
    ),
]
_PERCENT = re.compile(r"(?<![\d.])(?P<n>\d{1,3})(?:\.\d+)?\s*%")
_KINDS = [(re.compile(rf"^(?:{p})$", re.I), s) for p, s in _PHRASES]
_TAGS = re.compile(r"<[^>]+>")

# "revised to June 2021", "now due end of March", "slipping to 30/06/2021", "moved to Q3",
# "delayed until September", "deadline now 1/7/2021", "new date 31 March 2022",
# "pushed back to 31st January", "probably December now", "more likely end of May",
# "won't be done until the autumn". A date only moves the deadline after words that move the
# action: "workshops booked for 12 March" or "goes to the board on the 12th" move nothing.
# A dotted date ("31.03.2020") keeps its dots; any other full stop ends the date.
_DATE_TAIL = r"(?P<date>(?:[^.;,!?\n]|(?<=\d)\.(?=\d))+)"
_REVISED = [
    re.compile(
        rf"\b(?:revised|moved|pushed|put|deferred|postponed|rescheduled|re-scheduled|extended|"
        rf"changed|brought|slid|slipped|slipping|slips?|shifted|delayed|delay|running\s+late|"
        rf"rolled|carried|extension\s+(?:agreed|granted|approved|given)|(?:an\s+)?extension)\s+"
        rf"(?:back\s+|forward\s+|out\s+|over\s+|on\s+)?"
        rf"(?:to|until|till|til|into|for)\s+{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\bnow\s+(?:due|expected|planned|scheduled|likely|looking\s+like)\s+(?:on\s+|by\s+|in\s+|for\s+|at\s+)?{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\b(?:new|revised|updated|amended)\s+(?:due\s+|target\s+|completion\s+|end\s+)?"
        rf"(?:date|deadline|timescale|timeline)\s*(?:is|of|:|-|–|now|will\s+be|set\s+(?:as|for|to))?\s*{_DATE_TAIL}",
        re.I,
    ),
    re.compile(rf"\bdeadline\s+(?:is\s+)?now\s+{_DATE_TAIL}", re.I),
    # "running late - now end of Nov", "delayed, now 30 Nov": the slip, then its new date.
    re.compile(
        rf"\b(?:delayed|late|running\s+behind|behind|slipped|slipping|pushed\s+back|put\s+back|"
        rf"deferred|postponed)\s*[,;:\-–—]+\s*now\s+(?:(?:due|by|for|to|until|in|on)\s+)?"
        rf"{_DATE_TAIL}",
        re.I,
    ),
    # "March now", "now mid-Feb", "it's now the autumn": a date said to be the new "now".
    re.compile(rf"^\W*(?:(?:it's|its|it\s+is|we're|we\s+are)\s+)?now\s+{_DATE_TAIL}", re.I),
    re.compile(r"^\W*(?P<date>[\w/ -]{3,30}?)\s+now\W*$", re.I),
    re.compile(
        rf"\b(?:will\s+|should\s+|to\s+|now\s+)(?:now\s+)?(?:be\s+)?(?:complete[d]?|delivered|finished|done|ready|"
        rf"wrapped\s+up|sorted|signed\s+off|in\s+place|over\s+the\s+line)"
        rf"\s+(?:now\s+)?(?:by|in|for)\s+{_DATE_TAIL}",
        re.I,
    ),
    # "complete by end of May", "done by Easter": the date it will be done by.
    re.compile(
        rf"^\W*(?:complete[d]?|done|finished|delivered|closed)\s+by\s+(?=[^.;,!?\n]*?"
        rf"(?:\d|{_MONTH_WORD}|end|q[1-4]|spring|summer|autumn|winter|christmas|xmas|easter))"
        rf"{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\b(?:won't|will\s+not|wont|not\s+going\s+to)\s+be\s+(?:complete[d]?|done|finished|"
        # (not "by": "won't be done by March" names the date it misses, not a new one)
        rf"ready|delivered|in\s+place)\s+(?:until|till|before)\s+{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\bnot\s+(?:expected\s+|likely\s+|happening\s+)?(?:until|till|before)\s+{_DATE_TAIL}",
        re.I,
    ),
    re.compile(
        rf"\b(?:probably|likely|more\s+likely|realistically|most\s+likely|expected|expect|"
        rf"looking\s+(?:more\s+)?(?:like|at)|more\s+like|aiming\s+for|aim\s+for|hopefully|anticipated?|"
        rf"targeting|now\s+targeting|forecast)\s+(?:to\s+be\s+)?(?:to\s+)?(?:complete[d]?\s+|done\s+|finish(?:ed)?\s+|deliver(?:ed)?\s+)?"
        rf"(?:by\s+|in\s+|for\s+|on\s+|around\s+)?{_DATE_TAIL}",
        re.I,
    ),
]
# "two weeks late", "delayed by a month", "slipped a couple of weeks", "needs another week":
# the action's own deadline moved by that much.
_BY_DURATION = [
    re.compile(
        rf"(?P<dur>{DURATION.pattern})\s+(?:late|behind|later(?:\s+than\s+(?:planned|expected))?|over|delay)",
        re.I,
    ),
    re.compile(
        rf"\b(?:delayed|slipped|slipping|slip|pushed\s+back|put\s+back|moved\s+back|deferred|"
        rf"postponed|extended|running\s+late|running\s+behind|behind|delay|extension)\s+(?:of\s+|by\s+)?(?:about\s+|around\s+|roughly\s+)?(?P<dur>{DURATION.pattern})",
        re.I,
    ),
    # "behind, about 3 wks", "slipped - roughly a month": the duration closes the clause
    # ("delayed - 3 weeks of staff sickness" is the cause, not the slip).
    re.compile(
        rf"\b(?:delayed|slipped|slipping|behind|running\s+late|running\s+behind|late)\s*"
        rf"[,;:\-–—]+\s*(?:about|around|roughly|approx(?:imately|\.)?|maybe|probably|c\.)?\s*"
        rf"(?P<dur>{DURATION.pattern})(?:\s+or\s+so|ish)?(?=\s*(?:$|[.,;:!?)\-–—]|behind\b|late\b))",
        re.I,
    ),
    re.compile(
        rf"\bneeds?\s+(?:another|an\s+extra|a\s+further|more|an\s+additional)\s+(?P<dur>{DURATION.pattern}|week|month|fortnight)",
        re.I,
    ),
]
# Other things with dates of their own: "the board meeting moved to the 12th" is not the
# action moving.
_OTHER_THING = re.compile(
    r"\b(?:meeting|meetings|session|sessions|event|events|workshop|workshops|board|panel|"
    r"committee|conference|training|interview|interviews|visit|call|presentation|webinar|"
    r"launch|next\s+one|the\s+next|away\s*day|forum|paper|report|consultation\s+closes|"
    r"phase|stage|milestone|first\s+draft|draft|pilot|start\s+date|start(?:s|ing)?|"
    r"begin(?:s|ning)?|commenc\w+|kick(?:s|ing)?\s+off)\b",
    re.I,
)
# "will be done by …", "should be complete by …": a forecast, not a move, when it is early.
_FORECAST = re.compile(
    r"\b(?:will|should|shall|to)\s+(?:now\s+)?(?:be\s+)?(?:complete[d]?|delivered|finished|done|ready|"
    r"wrapped\s+up|sorted|signed\s+off|in\s+place)\b|"
    r"^\W*(?:complete[d]?|done|finished|delivered|closed)\s+(?:by|within)\b|"
    r"\b(?:hopefully|probably|likely|all\s+being\s+well)\s+(?:be\s+)?(?:complete[d]?|done|"
    r"finished|delivered|wrapped\s+up|signed\s+off)\b|"
    # "we expect to finish in March", "on course to deliver by the deadline"
    r"\b(?:expect(?:s|ed)?|on\s+course|aim(?:ing)?|plan(?:ning)?|due|set|going|hope)\s+"
    r"(?:(?:\w+\s+)?to\s+)(?:finish|complete|deliver|close|wrap\s+up|sign\s+off)\b",
    re.I,
)
_FORECAST_DENIED = re.compile(
    r"\b(?:not|never|won[’']?t|wont|will\s+not|isn[’']t|unlikely|no\s+chance|no\s+way)\b"
    r"[^.;,!?]{0,25}$",
    re.I,
)


def _forecast(text: str) -> bool:
    """Does ``text`` forecast completion ("should be complete by…"), not deny it ("not going
    to be done by March")?"""
    return any(not _FORECAST_DENIED.search(text[: m.start()]) for m in _FORECAST.finditer(text))


_EXPLICIT_MOVE = re.compile(
    r"\b(?:revised|moved|brought\s+forward|rescheduled|re-scheduled|changed|new\s+(?:\w+\s+)?(?:date|deadline))\b",
    re.I,
)
# Words that move the action's date ("slipped to May", "new deadline", "now due"), as against
# "not likely to until the new year" (when it starts).
_MOVED = re.compile(
    r"\b(?:revised|moved|pushed|put\s+back|deferred|postponed|rescheduled|re-scheduled|extended|"
    r"slipp\w*|slid|delayed|shifted|carried|extension|new\s+(?:\w+\s+)?(?:date|deadline)|"
    r"now\s+due|deadline)\b",
    re.I,
)
_CLAUSE_END = re.compile(
    r"\s+(?:as|because|due\s+to|since|but|and|so|when|while|pending|now|at\s+the\s+earliest|"
    r"at\s+best|i\s+think|i\s+expect|hopefully|if|unless|following|after|realistically|"
    r"probably|i\s+reckon|tbh|at\s+a\s+guess)\b.*$",
    re.I,
)
_REASSIGN = re.compile(
    r"\b(?:no\s+longer\s+(?:my|mine|me|with\s+me|the\s+owner|responsible|my\s+responsibility|"
    r"i?\s*(?:own|lead)|leading|owning)|not\s+(?:my|mine)\s*(?:action|responsibility|area)?\b|"
    r"please\s+re-?assign|re-?assign\s+(?:this|it|to)|needs?\s+(?:to\s+be\s+)?re-?assigned|"
    r"should\s+be\s+re-?assigned|wrong\s+(?:owner|person|lead)|"
    r"(?:should|now)\s+(?:sit|sits|be)\s+with|(?:i|i've|i\s+have)\s+(?:left|moved\s+(?:on|roles?|posts?))|"
    # "this isn't mine", "I'm not the owner", "handed this over to Priya", "X leads on this now"
    r"(?:is|it's|its|this's)\s*n[’']?o?t\s+mine|isn[’']t\s+mine|not\s+the\s+(?:owner|lead|right\s+person)|"
    r"handed\s+(?:this|it)\s+over|passed\s+(?:this|it)\s+(?:on|over)\s+to|"
    r"leads?\s+on\s+(?:this|it)\s+now|(?:has\s+)?moved\s+to\s+(?:the\s+)?\w+\s+team|"
    r"(?:please\s+)?re-?direct)",
    re.I,
)
# Dates that cannot be dates: "31/02/2020", "30th February 2021".
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/])")
_WORD_DATE = re.compile(
    r"\b(\d{1,2})\s*(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?(?:,?\s+(\d{4}))?\b"
)


@dataclass(frozen=True)
class ParsedUpdate:
    status: Status | None
    commentary: str
    revised: ParsedDeadline | None
    problem: str = ""  # an impossible date, to warn about; nothing should be stored
    reassign: bool = False  # "no longer my action": for the programme office, not progress
    options: tuple[Status, ...] = ()  # no status: the readings the reply is torn between

    @property
    def revised_due(self) -> date | None:
        return self.revised.due if self.revised else None


def status_of_word(word: str) -> Status | None:
    """The status a phrase names ("on-track" → On track, "amber" → At risk), or None."""
    w = " ".join((word or "").split())
    if w.casefold() in _COLOURS:
        return _COLOURS[w.casefold()]
    for pattern, status in _KINDS:
        if pattern.match(w):
            return status
    return None


def normalise_reply(text: str) -> str:
    """Reply text with HTML tags gone, Slack's emoji codes as emoji, spaces folded within each
    line (line breaks kept: they separate what is said about one action from the next)."""
    s = text or ""
    if "<" in s:
        s = _TAGS.sub(" ", s)
    if ":" in s:
        s = _SKIN_CODE.sub("", s)  # ":+1::skin-tone-3:": the tone is no word of theirs
        s = _SHORTCODE.sub(lambda m: SLACK_EMOJI.get(m.group(0).lower(), m.group(0)), s)
    if "\n" in s or "\r" in s:
        return "\n".join(" ".join(line.split()) for line in s.splitlines() if line.strip())
    return " ".join(s.split())


def parse_update_text(
    text: str,
    *,
    today: date,
    fy_start_year: int | None = None,
    fy_start_month: int = 4,
    deadline: date | None = None,
) -> ParsedUpdate:
    """One action's part of a reply read: status, commentary as written (less a leading
    status word), revised deadline (only where the words move the action), problems.
    ``deadline`` is the action's due date, for "two weeks late"."""
    clean = normalise_reply(text)
    status, commentary, options = _status(clean)
    revised = _revised(clean, today, fy_start_year, fy_start_month, deadline)
    if revised is _NO_DATE:
        # "running about a month behind" with no deadline to count from, or counted from one
        # so far past that the new date is past too: what they said is a slip (Delayed unless
        # they say otherwise), with their words, and no invented deadline.
        revised = None
        if status is None and not options:
            status = Status.DELAYED
            commentary = _strip_emoji(clean)
    if (
        status is Status.NOT_STARTED
        and revised is not None
        and re.search(r"\b(?:until|till)\b", clean, re.I)
        and not _MOVED.search(clean)
    ):
        # "not started, and not likely to until the new year": when it starts, not when it
        # is due.
        revised = None
    if (
        status is Status.COMPLETED
        and revised is not None
        and revised.due is not None
        and revised.due > today
        and _DONE_BY.match(clean)
    ):
        # "Done by 20/02/2020" on 10 January: the date it will be done by, not done.
        status, commentary = None, _strip_emoji(clean)
    if revised is not None and deadline is not None and revised.due == deadline:
        revised = None  # "should be complete by 30 Sept" when it is due then: no move
        if status is None:
            status = Status.ON_TRACK if _forecast(clean) else Status.DELAYED
    if (
        revised is not None
        and status is Status.COMPLETED
        and not re.search(r"deadline|due\s+date|target\s+date|completion\s+date", clean, re.I)
    ):
        # A completed action's other dates are about what comes next ("new date set for
        # November"), not a new deadline for it.
        revised = None
    if (
        revised is not None
        and deadline is not None
        and revised.due < deadline
        and _forecast(clean)
        and not _EXPLICIT_MOVE.search(clean)
    ):
        # "will be done by 15 Sept" when it is due at the end of the month: early, not moved.
        revised = None
        status = status or Status.ON_TRACK
    if status is None and revised is not None and not options:
        # A new date with no status word is a slip; brought forward, it is no slip. (Torn
        # between readings, the bot still asks: the date goes with the answer.)
        forward = re.search(r"\b(?:brought|moved|pulled)\s+forward\b", clean, re.I)
        status = Status.ON_TRACK if forward else Status.DELAYED
    problem = impossible_date(clean)
    reassign = bool(_REASSIGN.search(clean))
    return ParsedUpdate(
        status,
        _without_sign_off(commentary) if status else _strip_emoji(clean),
        revised,
        problem,
        reassign,
        options if status is None else (),
    )


# A sign-off closing the words ("workshops booked thanks", "report signed off. Thanks!",
# "estates again, cheers"): a courtesy to the reader, not news for the board paper.
_THANKS = r"many\s+thanks|thanks|thank\s+you|thx|cheers|ta"  # also filler after a status
_SIGN_OFF = re.compile(rf"(?:^|(?<=\S))[\s,.;:!–—-]*\b(?:{_THANKS})\s*[.!]*\s*$", re.I)


def _without_sign_off(words: str) -> str:
    """A status's words less a sign-off that closes them ("" when that was all)."""
    cut = _SIGN_OFF.sub("", words)
    return "" if not cut.strip(" .,;:!-–—") else cut


def commentary_as_written(commentary: str, read: str, written: str) -> str:
    """The commentary read from ``read`` (a part with a reference taken out of its sentence)
    as the owner wrote it in ``written`` (reference kept): "Think can be closed once the
    audit signs off" is stored "Think can be closed L3 once the audit signs off". A leading
    status word cut from ``read`` stays cut; ``commentary`` unchanged when it cannot be
    placed in ``written``."""
    read, written = normalise_reply(read), normalise_reply(written)
    if not commentary or not written:
        return commentary
    same = 0  # the words before the reference, alike in both
    for a, b in zip(read, written, strict=False):
        if a != b:
            break
        same += 1
    if commentary == _strip_emoji(read):
        return _strip_emoji(written)
    if read.endswith(commentary) and len(read) - len(commentary) <= same:
        return _strip_emoji(written[len(read) - len(commentary) :])
    return commentary


_QUERY_LIKE = re.compile(
    r"^(?:status|theme|owner|search)\s+(?!(?:update|report|as\s+of|check|unchanged|same|remains|"
    r"still|now|currently|stays)\b)[^\s:=\-–—]",
    re.I,
)


def read_status_only(text: str) -> Status | None:
    """The status ``text`` states (a label, a colour, an emoji, words), or None."""
    return _status(normalise_reply(text))[0]


def _status(
    clean: str, *, latest_wins: bool = False, label: bool = True
) -> tuple[Status | None, str, tuple]:
    """The status the reply states, the commentary left once a leading status word is taken,
    and (no status) the readings it is torn between."""
    if _QUERY_LIKE.match(clean):
        return None, clean, ()  # "status on track", "theme culture": the /actions query words
    body = clean
    lead_emoji: Status | None = None
    for _ in range(10):  # a few leading emoji; more is decoration, not ten statuses
        m = _EMOJI_RE.match(body.lstrip())
        if not m:
            break
        lead_emoji = lead_emoji or _EMOJI[m.group(0)]
        body = _SKIN.sub("", body.lstrip()[m.end() :], count=1).lstrip(" :-–—")
    # The label is read through misspellings ("Compelted: …") and cut from the words as written.
    fixed, src = fix_spelling(body)
    m = _label(fixed) if label else None
    label_end = (src[m.end()] if src else m.end()) if m else 0
    if m and lead_emoji is not None and status_of_word(m.group("word")) != lead_emoji:
        # "🔴 no progress": the emoji is the owner's RAG; the words are commentary.
        return lead_emoji, _strip_emoji(body), ()
    found = mentions(body)
    if m:
        status = status_of_word(m.group("word"))
        if status is Status.ON_TRACK and (
            hedged_on_track(fixed, m.start("word"), m.end("word"))
            or any(x.kind in ("hedged", "afterhedge") for x in found)
        ):
            # "On track-ish", "on track I suppose": asked, not stored as a confident On track.
            said = [x.status for x in found if x.status is not None and x.kind != "afterhedge"]
            options = (Status.ON_TRACK, Status.AT_RISK, *said)
            return None, _strip_emoji(body), tuple(dict.fromkeys(options))
        if status is Status.COMPLETED and any(
            x.status is Status.ONGOING and x.kind in ("partial", "negated", "afterhedge")
            for x in found
        ):
            # "Done except the final sign-off": partial completion is never Completed.
            return Status.ONGOING, _strip_emoji(body), ()
        later = _now_instead(body, label_end, status, found)
        if later is not None:
            # "Delayed before, now underway": the latest statement is the status.
            return later, _strip_emoji(body), ()
        newer = _newer_label(body, label_end, status, found)
        if newer is not None:
            # "Delayed due to Covid. Completed March 2021": a later sentence that opens with a
            # status is the newer news.
            return newer, _strip_emoji(body), ()
        rivals = _rivals(body, label_end, status, found)
        if rivals:
            # "On track but delayed": two readings of one action; ask, offering both.
            return None, _strip_emoji(body), (status, *rivals)
        rest = body[label_end:].strip(" :;,-–—")
        if not rest.strip(" .!") or _ONLY_FILLER.match(rest):
            rest = ""  # "done." / "finished now thanks": the status was all of it
        else:
            rest = _LEAD_FILLER.sub("", rest)  # "tbh, will pick up after xmas"
        # "delayed until September", "on hold until the merger" are one phrase, and "not
        # quite finished but nearly there" one sentence: kept whole ("but nearly there" alone
        # is not what they wrote; nor is "of going into Q1" without "at risk").
        commentary = body if _RUNS_ON_FROM_LABEL.match(rest) else rest
        return status, _strip_emoji(commentary), ()
    if lead_emoji is not None:
        return lead_emoji, _strip_emoji(body), ()
    status, options = conclude(body, found, latest_wins=latest_wins)
    if status is Status.COMPLETED and _step_done(body, found):
        # "workshops done, report going to SMT 12th, likely sign off then": a piece of the
        # work done and the rest to come, not the action; asked, never stored Completed.
        return None, _strip_emoji(clean), (Status.ONGOING, Status.COMPLETED)
    typo = _TYPO_LABEL.match(body) if label else None
    near = [status_of_word(w) for w in near_misses(typo.group("w"))] if typo else []
    if any(near):
        # "Dleyaed - waiting on estates": a status word they meant, too misspelt to read, then
        # words that say another ("waiting on" → Pending). Neither is stored silently: asked,
        # offering what the word is nearest and what the rest says; the words kept whole.
        said = [status] if status else list(options)
        readings = tuple(dict.fromkeys(x for x in [*near, *said] if x))
        if readings == (status,):
            return status, _strip_emoji(clean), ()  # "Pednign - awaiting HR": one reading
        return None, _strip_emoji(clean), readings
    if status is not None or options:
        return status, _strip_emoji(clean), options
    pct = _PERCENT.search(clean)
    if pct:
        n = int(pct.group("n"))
        status = Status.COMPLETED if n >= 100 else Status.NOT_STARTED if n == 0 else Status.ONGOING
        return status, _strip_emoji(clean), ()
    em = next((e for e in _EMOJI_RE.finditer(clean) if _EMOJI[e.group(0)]), None)
    if em:
        return _EMOJI[em.group(0)], _strip_emoji(clean), ()
    return None, clean, ()


# A completion word after a thing of its own ("workshops done", "first draft finished",
# "interviews complete"), with the rest still to come after it ("…, report going to SMT",
# "…, results being analysed", "…, sign off expected next month"): a step of the action done.
# Words that make the thing the action itself ("all done", "this is complete", "action
# closed", "we're done") are not a step.
_THING_DONE = re.compile(
    r"(?:^|[,;:.(!?]\s*|\band\s+)(?P<thing>(?:[A-Za-z0-9][\w'’&/-]*\s+){1,4})(?:now\s+|all\s+)?"
    r"(?:been\s+|now\s+been\s+)?$",
    re.I,
)
_THE_ACTION = re.compile(
    r"\b(?:all|everything|it|its|it's|it’s|this|that|action|actions|whole|we|we've|we’ve|we're|"
    r"we’re|i|i've|i’ve|fully|finally|totally|completely|successfully|officially|already|just|"
    r"both|ref|status|rag)\b"
    # "the work is complete" is the action; "the scoping work has been signed off" a step.
    r"|^\s*(?:the\s+|our\s+|my\s+)?(?:work|task|project|programme|objective|deliverable|item)s?"
    r"(?:\s+(?:is|are|was|were|has|have|been|now))*\s*$",
    re.I,
)
_STILL_TO_COME = re.compile(
    r"\b(?:going\s+to|goes\s+to|will|shall|due|next|then|expected|expect(?:ing)?|to\s+follow|"
    r"awaiting|await|waiting|being|once|still\s+(?:to|need|needs)|yet\s+to|to\s+be|planned|"
    r"scheduled|booked\s+for|likely|hope|hopefully|aim(?:ing)?\s+to|plan(?:ning)?\s+to|"
    r"needs?\s+to|remaining|outstanding|pending|in\s+progress|under\s+way|underway|"
    r"starting|start(?:s)?\s+(?:next|in|on))\b",
    re.I,
)


def _step_done(body: str, found) -> bool:
    """Whether the reply's completion is a step's: a thing of its own done, then more to come."""
    done = [x for x in found if x.status is Status.COMPLETED and x.kind == "word"]
    if not done or len(done) != len([x for x in found if x.status is not None]):
        return False
    first = done[0]
    thing = _THING_DONE.search(body[: first.start])
    if thing is None or _THE_ACTION.search(thing.group("thing")):
        return False
    return _STILL_TO_COME.search(body, done[-1].end) is not None


# A word that opens the reply as its label ("Dleyaed - …", "Pednign: …", a line alone).
_TYPO_LABEL = re.compile(r"^\s*(?P<w>[A-Za-z]{4,})(?:\s*(?:[:;,.!\-–—]|$))", re.I)


# What follows a status word without being news of its own ("finished now", "done now
# thanks", "complete at last"): kept, "now" was stored as the update's words.
_FILLER = (
    rf"now|already|at\s+last|finally|{_THANKS}|tbh|tbf|fwiw|btw|"
    r"honestly|to\s+be\s+honest|as\s+of\s+(?:now|today)|today|still|again|currently|presently|"
    r"at\s+(?:the\s+moment|present)|for\s+(?:now|the\s+(?:moment|time\s+being))"
)
_ONLY_FILLER = re.compile(rf"^(?:(?:{_FILLER})\b[\s,.!;:-]*)+$", re.I)
# A discourse marker opening the words after the status ("not started yet tbh, will pick up
# after xmas"): the words are what follows it.
_LEAD_FILLER = re.compile(
    r"^(?:(?:tbh|to\s+be\s+honest|tbf|fwiw|btw|honestly)\b[\s,:;-]*"
    # thanks only set apart: "thanks to the new lead", "thank you for asking: …" are words
    r"|(?:thanks|thank\s+you|cheers)\s*[,:;.!–—-]+\s*"
    # the time of a rating, set apart: "Red now, contractor went bust", "Amber as of today -"
    r"|(?:now|today|still|again|currently|at\s+(?:the\s+moment|present)|as\s+of\s+(?:now|today))"
    r"\s*[,:;.!–—-]+\s*)(?=\S)",
    re.I,
)
_RUNS_ON_FROM_LABEL = re.compile(
    r"(?:to|until|till|til|into|by|but|and|though|although|however|yet|so|which|whereas|whilst|"
    r"while|or|nor|of)\b",
    re.I,
)
_MOVE_AFTER = re.compile(
    r"\s*(?:to|until|till|into|by|back|for|a\s|an\s|\d|one|two|three|four|few|couple|several|some)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?;\n]")


def _rivals(body: str, label_end: int, status, found) -> tuple:
    """Statuses the same sentence claims beside its leading label, which a careful reader
    would ask about: not one said in the past ("was delayed"), not the words of a date move
    ("delayed until Q3"), not a hedge ("could slip")."""
    end = _SENTENCE_END.search(body, label_end)
    stop = end.start() if end else len(body)
    out = []
    for x in found:
        if x.start < label_end or x.start >= stop or x.status in (None, status):
            continue
        if not clash(status, x.status):
            continue
        if x.kind not in ("word", "colour", "negated"):
            continue
        if x.status is Status.DELAYED and (
            _MOVE_AFTER.match(body, x.end) or DURATION.search(body[max(0, x.start - 25) : x.end])
        ):
            continue  # the words of a date move ("delayed until Q3", "three weeks behind")
        before = body[max(label_end, x.start - 30) : x.start]
        if _PAST_WORDS.search(before) or _NOW_WORDS.search(before):
            continue
        out.append(x.status)
    for c in _BARE_COLOUR.finditer(body, label_end, stop):
        other = _COLOURS[c.group(1).casefold()]
        if _PAST_WORDS.search(body[max(label_end, c.start() - 20) : c.start()]):
            continue  # "Amber (was green)", "green, previously amber": what it was
        if other != status and clash(status, other):
            out.append(other)  # "Red - Green", "at risk / Green"
    return tuple(dict.fromkeys(out))


_BARE_COLOUR = re.compile(
    r"(?:^|(?<=[\s,/\-–—]))(blue|green|amber|yellow|red)(?=\s*(?:[.!?,;/\-–—]|$))", re.I
)


def _newer_label(body: str, label_end: int, status, found):
    """A later sentence that opens with a status contradicting the first one ("Delayed due to
    Covid. Completed March 2021"), or that says it was completed after all ("… Diagnostic
    completed in March 2021."): the newer news. None otherwise."""
    end = _SENTENCE_END.search(body, label_end)
    if end is not None and status is not Status.COMPLETED:
        done = [
            x
            for x in found
            if x.start >= end.end() and x.status is Status.COMPLETED and x.kind == "word"
        ]
        if done and clash(status, Status.COMPLETED):
            return Status.COMPLETED
    while end is not None:
        rest = body[end.end() :].lstrip(" .!?;\n")
        m = _LEADING.match(rest)
        if m is not None:
            later = status_of_word(m.group("word"))
            if later is not None and later != status and clash(status, later):
                return later
        end = _SENTENCE_END.search(body, end.end())
    return None


def _now_instead(body: str, label_end: int, status, found):
    """A status said after the label with "now" ("… before, now amber"), or None."""
    own = RATING_NOW.match(body, label_end)  # "Amber now - waiting on …": the label's own
    if own is not None:
        label_end = own.end()
    for x in reversed(found):
        if (
            x.start < label_end
            or x.status in (None, status)
            or x.kind not in ("word", "colour", "negated")
        ):
            continue
        if re.match(r"(?:now|but\s+now)\b", body[x.start : x.end], re.I) or re.search(
            r"\b(?:now|but\s+now|since\s+then|has\s+since|then)\s*[:,\-–—]?\s*"
            r"(?:(?:is|are|at|back|been|rated|showing|looking)\s+){0,2}$",
            body[max(label_end, x.start - 30) : x.start],
            re.I,
        ):
            return x.status
    return None


_PAST_WORDS = re.compile(
    r"\b(?:was|were|had\s+been|previously|initially|originally|earlier|formerly)\b", re.I
)
_NOW_WORDS = re.compile(r"\b(?:now|since|no\s+longer)\b", re.I)


_NOT_A_LABEL = re.compile(
    r"(?:late|behind)\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|"
    r"autumn|winter|next|this|reply|response)|(?:late|delayed)\s+(?:reply|response)",
    re.I,
)


def _label(body: str) -> re.Match | None:
    """A status that opens the reply ("Completed: …", "Amber - …", "We're on track"), unless
    the word opens something else ("Late October…", "Completed the first phase…")."""
    m = _LEADING.match(body) or _LEADING_COLOUR.match(body)
    if m is None or _SPLIT_RATING.match(body, m.start("word")):
        return None  # "Amber/Green": one split rating (status_words reads it), not a label
    at = m.start("word")
    if _NOT_A_LABEL.match(body, at):
        return None
    if status_of_word(m.group("word")) is Status.COMPLETED and (
        _STEP_AFTER.match(body, m.end("word")) or _DONE_LATER.match(body, m.end("word"))
    ):
        return None  # "Completed the first phase", "done in 3 weeks": no label
    return m


_DONE_LATER = re.compile(FUTURE_TAIL, re.I)
_DONE_BY = re.compile(r"^\W*(?:complete[d]?|done|finished|delivered|closed)\s+by\b", re.I)
_SPLIT_RATING = re.compile(
    r"(?:amber|yellow)\s*/\s*(?:green|red)\b|(?:green|red)\s*/\s*(?:amber|yellow)\b", re.I
)
_STEP_AFTER = re.compile(
    r"\s+(?:the|a|an|our|my|this|that|these|some|first|initial|1st|2nd|one|two|phase|stage|"
    r"part|with)\b",
    re.I,
)


def _strip_emoji(text: str) -> str:
    return " ".join(_SKIN.sub("", _EMOJI_RE.sub(" ", text)).split()).strip(" :-–—")


def impossible_date(text: str) -> str:
    """The first date in ``text`` that cannot exist ("31/02/2020"), described; or ""."""
    for m in _NUMERIC_DATE.finditer(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        if not _real(d, mo, int(y) + 2000 if len(y) == 2 else int(y)):
            return f"{m.group(0)!r} is not a real date"
    for m in _WORD_DATE.finditer(text):
        month = MONTHS.get(m.group(2).casefold())
        if month is None:
            continue
        year = int(m.group(3)) if m.group(3) else 2000  # a leap year: 29 February may exist
        if not _real(int(m.group(1)), month, year):
            return f"{m.group(0).strip()!r} is not a real date"
    return ""


def _real(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _revised(
    text: str, today: date, fy_year: int | None, fy_month: int, deadline: date | None = None
) -> ParsedDeadline | None:
    for pattern in _REVISED:
        for m in pattern.finditer(text):
            if _about_other_thing(text, m.start()) or _NOT_BY.search(text[: m.start()]):
                continue
            if _hedged(text, m.start()):
                continue
            candidate = m.group("date").strip()
            # Drop trailing clauses: "end of June as the panel moved" -> "end of June".
            candidate = re.split(r"\s[-–—]\s|\s*[:(\[]|\s#", candidate)[0]
            candidate = _CLAUSE_END.sub("", candidate).strip()
            if not candidate:
                continue
            due = read_when(candidate, today=today, fy_start_year=fy_year, fy_start_month=fy_month)
            if due is not None:
                return ParsedDeadline(
                    candidate, due, "fixed", True, (DeadlineStep(candidate, due),)
                )
    for pattern in _BY_DURATION:
        for m in pattern.finditer(text):
            if _about_other_thing(text, m.start()) or _hedged(text, m.start()):
                continue
            if deadline is None:
                return _NO_DATE  # "two weeks late" with no deadline to count from
            dm = DURATION.search(m.group("dur"))
            amount = duration_of(dm) if dm else None
            if amount is None:
                amount = {"week": timedelta(weeks=1), "fortnight": timedelta(weeks=2)}.get(
                    m.group("dur").lower(), (1, 0)
                )
            due = add(deadline, amount)
            if due < today:
                # Due 30 Sep, "about a month behind" on 10 Jan: 30 Oct is already past, so it
                # is no new deadline anyone would set; the slip is stored without one.
                return _NO_DATE
            written = m.group(0).strip()
            return ParsedDeadline(written, due, "fixed", True, (DeadlineStep(written, due),))
    return None


# A move counted from a deadline the action does not have, or to a date already past: the
# slip is stored with no new deadline.
_NO_DATE = ParsedDeadline("", None, "unknown", False, ())


# "unlikely to complete by March", "no chance of finishing by March": the date it will miss,
# not a new deadline.
_NOT_BY = re.compile(
    r"\b(?:unlikely|no\s+chance|no\s+way|doubt(?:ful)?|impossible|not\s+(?:a\s+)?(?:hope|chance)|"
    r"not\s+going|not\s+likely|won[’']?t|wont|will\s+not|isn[’']t\s+going)"
    r"\b[^.;,!?]{0,20}$",
    re.I,
)


# "could slip into Jan", "might be pushed back to April", "if the funding falls through it
# will slip to March", "there's a risk it moves to Q3": a date the action may move to, which
# is a risk to report, not its new deadline. ("May" the month is no hedge: "in May we moved
# it to June".)
_HEDGE_BEFORE = re.compile(
    r"\b(?:could|might|(?<!\bin\s)(?<!\bof\s)(?<!\bby\s)(?<!\bmid\s)(?<!\bearly\s)"
    r"(?<!\blate\s)(?<!\bfrom\s)(?<!\bsince\s)(?<!\buntil\s)may(?!\s+\d)|"
    r"possibly|potentially|perhaps|maybe|if|unless|in\s+case|danger|chance|"
    # "risk of", "a risk it slips"; not the status "At risk - postponed until …"
    r"(?<!\bat\s)risks?|at\s+risk\s+of|"
    r"worried|worry|concerned|fear|afraid|threat(?:en(?:s|ing)?)?)"
    r"\b(?:\W+[\w'’]+){0,8}\W*$",
    re.I,
)


def _hedged(text: str, at: int) -> bool:
    """Is the move at ``at`` only a possibility ("could slip into Jan", "if it slips to
    March")? The hedge counts within the move's own sentence and clause."""
    sentence = re.split(r"[.;!?\n]|\b(?:but|however|though|although)\b", text[:at])[-1]
    if _IF_FIRST.match(sentence):
        return True  # "If HR don't sign off this week, we'll push it back to Jan"
    return bool(_HEDGE_BEFORE.search(re.split(r",|\band\b", sentence)[-1]))


_IF_FIRST = re.compile(r"\W*(?:if|unless|in\s+case|should\s+(?:the|we|they|it|that))\b", re.I)


def _about_other_thing(text: str, at: int) -> bool:
    """Is the move at ``at`` said of another thing ("the board meeting moved to …")?"""
    clause = re.split(r"[.;,!?]|\band\b|\bbut\b", text[:at])[-1]
    return bool(_OTHER_THING.search(clause))


_RAG_LETTERS = {
    "b": Status.COMPLETED,
    "g": Status.ON_TRACK,
    "a": Status.AT_RISK,
    "r": Status.DELAYED,
}
_WORD_OR_EMOJI = {**{s.value.casefold(): s for s in Status}, "complete": Status.COMPLETED}


def status_of_cell(text: str) -> Status | None:
    """A Status / RAG / BRAG column's cell: "Green", "G", "A/G" (the worse colour), "Blue",
    "Completed", "In progress", "🟢", "75%"; None when it names no status."""
    s = normalise_reply(text).strip(" .:-–—")
    if not s:
        return None
    key = s.casefold()
    if key in _WORD_OR_EMOJI:
        return _WORD_OR_EMOJI[key]
    letters = [p.strip() for p in re.split(r"[/\-–\s]+", key) if p.strip()]
    if letters and all(p in _RAG_LETTERS or p in _COLOURS for p in letters):
        # "Amber/Green", "A/G": a split rating reads as its worse colour.
        order = [Status.DELAYED, Status.AT_RISK, Status.ON_TRACK, Status.COMPLETED]
        found = [_RAG_LETTERS.get(p) or _COLOURS[p] for p in letters]
        return min(found, key=order.index)
    # Words alone: no day to weigh a date against ("Completed by May 2020" is a status cell's
    # completion, not a forecast from some made-up today).
    return read_status_only(s)


def infer_status(progress: str) -> Status | None:
    """The status an imported "Update on Progress" text states, read as replies are (the same
    reader: negation, partial completion, words about something else), only where it is clear.
    A status word that labels the cell ("Completed: …", "On track – …") is the office's own
    rating; in prose the latest statement wins ("Delayed due to Covid. Completed March 2021"
    is Completed); "The planning of this was done pre Covid" states no completion."""
    clean = normalise_reply(progress)
    if not clean:
        return None
    label = status_label_of(clean)
    if label is not None:
        return label[0]
    status, _, _ = _status(clean, latest_wins=True, label=False)
    return status


_LABEL_SEP = re.compile(r"^\s*(?P<word>[A-Za-z][A-Za-z \-]{1,24}?)\s*(?::|\s[-–—]\s|[-–—]\s)", re.I)


def status_label_of(text: str) -> tuple[Status, str] | None:
    """A status word that labels the text ("Completed: rolled out", "On track - booked"):
    (status, the words after it), or None when the text opens with prose ("Has been delayed
    due to Covid." is kept whole)."""
    m = _LABEL_SEP.match(text or "")
    if m is None:
        return None
    status = status_of_word(m.group("word"))
    if status is None:
        return None
    return status, text[m.end() :].strip()
