"""What kind of line a reply is, and which words are about which action.

``line_kind(text)``: "question" ("when is #38 due?", "who owns V12?"), "chitchat" ("thanks",
"ok", "will do it on Friday"), "away" ("I'm away next week") or "update". Only an update can
store anything.

``split_reply(text, index)``: a reply that names several actions cut into one part per
action (or per list of actions sharing words: "V5 and V10 both on track"), joined by commas,
"and", "but", semicolons, slashes, bullets, line breaks or sentences, so nothing said about
one action lands on another. "the rest", "the others", "everything else", "all" are a part
about the nudge's other actions (``Part.rest``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.refs import RefHit, RefIndex
from bot.core.status_words import mentions, question_start
from bot.core.update_text import read_status_only, status_of_word

_REST = re.compile(
    r"(?<![\w])(?:the\s+rest(?:\s+of\s+(?:them|my\s+actions|the\s+actions))?|"
    # the longer forms first: "the other two" is one phrase, not "the other" and "two"
    r"(?:the\s+|both\s+|all\s+)?other\s+(?:actions|ones|items|two|three|four)|both\s+others|"
    r"(?:the\s+)?remaining\s+(?:two|three|four|ones?|actions|items)|"
    r"all\s+(?:the\s+)?others?|the\s+others?|everything\s+else|all\s+(?:the\s+)?remaining"
    r"(?:\s+(?:ones|actions|items))?|the\s+remaining\s+(?:ones|actions|items|\w+)|"
    r"remaining\s+(?:ones|actions|items)|(?:the\s+)?other\s+one|rest)(?![\w])",
    re.I,
)
# "all done", "both on track", "everything's complete": the whole nudge.
_ALL = re.compile(
    r"^\W*(?:all|both|everything|all\s+of\s+them|both\s+of\s+them|all\s+(?:my\s+)?actions|"
    r"all\s+three|all\s+four|all\s+items|each|the\s+lot)(?:'s|\s+are|\s+is)?(?![\w])",
    re.I,
)
# The words that name the number after them ("action 35", "no. 7", "ref: V3").
_NAMER_WORD = r"(?:action|item|no\.?|nr\.?|ref\.?:?|re:?|number)"
_NONE = re.compile(r"^\W*(?:none\s+of\s+(?:them|these|those|my\s+actions)|neither)\b", re.I)
_JOIN = re.compile(
    # brackets and dots written around references ("G2. & [O2]") join as well
    r"^(?:[.\]):]?\s*(?:,|&|\+|/|and|plus|as\s+well\s+as|along\s+with|or|nor)?\s*"
    rf"(?:{_NAMER_WORD}\s*)?[\[(]?)$",
    re.I,
)
_COUNTED = re.compile(
    r"\s*(?:%|x\b|(?:weeks?|wks?|days?|months?|mths?|years?|hours?|people|staff|sessions?|"
    r"workshops?|events?|teams?|practices|pcns?|sites?|posts?|of\b|out\s+of|"
    # "3 remaining", "2 to go", "20 responses so far": counts, not actions
    r"remaining|to\s+go|left|more|outstanding|further|responses?|replies|returns|attendees|"
    r"participants|delegates|members|managers|leaders|colleagues|gps|nurses|forms?|surveys?|"
    r"modules?|courses?|places|cohorts?|so\s+far|in\s+total|total|per\s*cent|percent|k|"
    r"hrs|mins?|minutes|times|rounds?|meetings?|interviews?|applications?|candidates?|"
    r"vacancies|roles|staff|wte)\b)",
    re.I,
)
_GREETING = (
    r"(?:(?:hi|hello|hey|morning|good\s+(?:morning|afternoon|evening)|afternoon|dear\s+\w+|"
    r"thanks(?:\s+for\s+the\s+(?:nudge|reminder))?|thank\s+you|apologies|sorry)\b[^\n:.!]*?[,.!:\-–—\n]\s*)*"
)
_INTRO = re.compile(
    rf"^[\W_]*(?:\d{{1,2}}[.)]\s*)?{_GREETING}[\W_]*(?:(?:my\s+|quick\s+|an?\s+)?(?:updates?|progress)(?:\s+(?:below|as\s+follows))?|"
    r"re|for|on|about|ref|regarding|actions?|items?|both|status|no|nr|number)?[\W_]*(?:on|for|to)?[\W_]*$",
    re.I,
)
_LEAD_JOIN = re.compile(
    r"^[\s:;,\-–—.)\]>=→]*(?:(?:are\s+|is\s+)?(?:both|all|each)\b"
    # "all good", "all fine": the words are the status, not a joiner before it
    r"(?!\s+(?:good|fine|ok|okay|well|sorted|set|clear|green)\b)|(?:are|is)\b)?[\s:;,\-–—>=→]*",
    re.I,
)
_PREP_END = re.compile(r"\s+(?:for|on|re|regarding|about|with|of)\s*[:\-–—]?\s*$", re.I)


@dataclass(frozen=True)
class Part:
    actions: tuple  # the actions these words are about (empty: none named)
    text: str  # the words, as written, without the references
    rest: bool = False  # "the rest": the nudge's actions not named elsewhere
    # A reference inside a sentence ("Think can be closed L3 once the audit signs off"): the
    # words as written, reference kept, to store; ``text`` (without it) is what is read.
    written: str = ""


def split_reply(text: str, index: RefIndex) -> tuple[list[Part], bool]:
    """The reply's parts, and whether it could be cut cleanly (False: words before the first
    reference say something about a status that belongs to no one action: ask)."""
    sign_off = _SIGN_OFF.search(text)
    if sign_off is not None and text[: sign_off.start()].strip(" \n,;-–—"):
        # "… V14 - done\nThanks, Tom": the sign-off is to the reader, not about V14.
        text = text[: sign_off.start()].rstrip()
    hits = [h for h in index.find_in(text) if not _bare_number_in_prose(text, h, index)]
    hits = [h for n, h in enumerate(hits) if not (n and _waited_on(text, h, hits, index))]
    rest_hits = [
        RefHit(None, m.start(), m.end(), m.group(0))
        for m in _REST.finditer(text)
        if hits and _at_part_start(text, m.start(), hits)
    ]
    all_hits = sorted(hits + rest_hits, key=lambda h: h.start)
    if not all_hits:
        if _NONE.match(text):
            # "none of them started", "neither is done": every action of the nudge, the
            # words kept whole (they hold the negation).
            return [Part((), text.strip(), rest=True)], True
        m = _ALL.match(text) or _REST.match(text.lstrip(" -–—•*"))
        if m is not None and m.re is _REST:
            m = re.match(r"\W*" + _REST.pattern, text, re.I)
        if m:
            return [Part((), _clean_words(text[m.end() :], last=True), rest=True)], True
        return [Part((), text.strip())], True
    groups: list[list[RefHit]] = [[all_hits[0]]]
    for prev, hit in zip(all_hits, all_hits[1:], strict=False):
        between = text[prev.end : hit.start]
        inside = _range(prev, hit, between, index)
        if inside is not None:
            groups[-1].extend([*inside, hit])  # "V5-V7 done": V5, V6 and V7
        elif _JOIN.match(between) and (prev.action is None) == (hit.action is None):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    if any(_EXCLUDING.search(text[: g[0].start]) for g in groups if g[0].action is not None):
        # "done except V10", "everything apart from V10 is done": the words are about the
        # actions not named; which those are is for the owner to say, never a guess.
        return [Part(tuple(h.action for g in groups for h in g if h.action), text.strip())], False
    prefix = text[: groups[0][0].start]
    spans = []
    for i, g in enumerate(groups):
        end = groups[i + 1][0].start if i + 1 < len(groups) else len(text)
        spans.append(text[g[-1].end : end])
    intro = _INTRO.match(prefix) is not None
    clean = True
    written = [""] * len(groups)
    if (
        not intro
        and len(groups) > 1
        and _PREP_END.search(prefix)
        and any(m.status is not None for m in mentions(prefix))
    ):
        # Status first: "Done for V5, on track for V10 as planned".
        words = [prefix] + [_strip_tail(s) for s in spans[:-1]]
        words[-1] = f"{words[-1]} {spans[-1]}"
        spans = [_PREP_END.sub("", w) for w in words]
    elif not intro and len(groups) == 1:
        if _ALL.match(prefix) and read_status_only(prefix.rstrip(" ,;:-–—")) is not None:
            # "both still going, G1 bit behind": one status for the whole nudge and another
            # for one action; which actions get which is asked, never merged into one.
            clean = False
        if re.search(r"[^\W_]", prefix) and _RUNS_ON.match(spans[0]):
            # "Think can be closed L3 once…", "Good news - L3 has been signed off": the
            # reference is in the owner's sentence, so their words keep it.
            written[0] = text
        spans[0] = f"{_PREP_END.sub('', prefix)} {spans[0]}" if prefix.strip() else spans[0]
    elif not intro and prefix.strip():
        clean = not any(m.status is not None for m in mentions(prefix))
    if len(groups) > 1:
        _lead_ins(text, groups, spans, written)
    parts: list[Part] = []
    for n, (g, words) in enumerate(zip(groups, spans, strict=True)):
        if n + 1 < len(groups):
            # "V5 done but not V10": the "not" is about V10, which is asked about.
            words = _NOT_NEXT.sub("", words)
        actions = tuple(h.action for h in g if h.action is not None)
        last = n + 1 == len(groups)
        kept = _clean_words(written[n], last=last) if written[n] else ""
        part = Part(actions, _clean_words(words, last=last), rest=g[0].action is None, written=kept)
        same = _SAME_BEFORE.search(parts[-1].text) if parts and not part.rest else None
        if same is not None and (not part.text or _SAME_AFTER.fullmatch(part.text)):
            # "V5 on track, same for V10", "V5 done, V10 too": the same words for both.
            prev = parts[-1]
            parts[-1] = Part(prev.actions + actions, prev.text[: same.start()].rstrip(" ,;"))
            continue
        if (
            parts
            and not part.rest
            and not parts[-1].rest
            and _SAME_AFTER.fullmatch(part.text or "-")
        ):
            prev = parts[-1]
            parts[-1] = Part(prev.actions + actions, prev.text.rstrip(" ,;"))
            continue
        if len(part.actions) == 1 and _RESPECTIVELY.search(part.text):
            clean = False  # "respectively" about one action: the pairing went wrong, ask
        if len(part.actions) > 1:
            # "V5 and V10: done, on track": the words set off after the references, a list
            split = _respectively(part, listed=bool(re.match(r"[.\])\]]?\s*[:\-–—]", words)))
            if split is None:
                # "V5 and V10: done, on track" claims two statuses for two actions in one
                # breath: never the same status for both.
                clean = False
            else:
                parts.extend(split)
                continue
        parts.append(part)
    return parts, clean


# A reference inside a sentence: a word runs into it and a word runs on from it ("Think can
# be closed L3 once the audit signs off", "we expect V10 to finish in March"). One that opens
# a part as its label ("L3: done", "re L3 -") or ends it ("done for L3.") is not.
_RUNS_IN = re.compile(r"[^\W_][’'’)]?[ \t]+$")
_RUNS_ON = re.compile(r"[ \t]+(?![-–—])[^\W_]")
# Where a part's sentence starts within the words before the next reference.
_SENTENCE_CUT = re.compile(
    r"[.!?;:,\n•*()\[\]]|[ \t][-–—]|\b(?:and|but|while|whereas|also|plus|then)\b", re.I
)


def _in_sentence(before: str, after: str) -> bool:
    return bool(_RUNS_IN.search(before)) and bool(_RUNS_ON.match(after))


def _lead_ins(text: str, groups: list, spans: list[str], written: list[str]) -> None:
    """ "V5 done, we expect V10 to finish in March": "we expect" is V10's sentence, not V5's
    words. The words that run into a later reference move to its part, and that part keeps
    its words as written (reference included). Nothing moves when those words state a
    status, join two references ("same for", "except") or negate the next ("but not")."""
    for i in range(1, len(groups)):
        prev = spans[i - 1]
        if _WAITS_ON.search(prev) and not written[i - 1]:
            # "V5 on hold, dependent on V10 which is on track": V5's words name V10 as written.
            written[i - 1] = text[groups[i - 1][-1].end : groups[i][-1].end]
            continue
        cuts = [m.end() for m in _SENTENCE_CUT.finditer(prev)]
        lead = prev[cuts[-1] if cuts else 0 :]
        if (
            not lead.strip()
            or not cuts  # the whole span after the last reference: that action's own words
            or not _in_sentence(lead, spans[i])
            or groups[i][0].action is None
            or any(m.status is not None for m in mentions(lead))
            or _SAME_BEFORE.search(lead)
            or _EXCLUDING.search(lead)
            or _NOT_NEXT.search(lead)
            or _RANGE_WORDS.match(lead)
            or re.search(rf"(?<![\w]){_NAMER_WORD}\s*$", lead, re.I)
        ):
            continue
        start = groups[i - 1][-1].end + len(prev) - len(lead)
        end = groups[i + 1][0].start if i + 1 < len(groups) else len(text)
        spans[i - 1] = prev[: len(prev) - len(lead)]
        spans[i] = f"{lead.rstrip()} {spans[i]}"
        written[i] = text[start:end]


# A sign-off that ends a reply, after a line break or a full stop: "Thanks, Tom", "Cheers",
# "Many thanks", "Kind regards, Priya". (Not "thanks to HR": that credits someone.)
_SIGN_OFF_WORDS = (
    r"(?:many\s+thanks|thanks(?:\s+again|\s+all)?|thank\s+you|cheers|regards|kind\s+regards|"
    r"best\s+wishes|best|ta|thx)\b[\s,.!]*(?:(?-i:[A-Z][a-z'’-]+)(?:\s+(?-i:[A-Z][a-z'’-]+))?)?"
    r"[\s.!]*$"
)
_SIGN_OFF = re.compile(r"(?:(?<=[\n.!,;])|(?<=\s[-–—]))\s*" + _SIGN_OFF_WORDS, re.I)
_SIGN_OFF_ALONE = re.compile(r"^\W*" + _SIGN_OFF_WORDS, re.I)  # "Thanks, Tom": chit-chat
_NOT_NEXT = re.compile(r"[\s,;]*(?:\b(?:but|and)\s+)?\bnot\s*$", re.I)
_EXCLUDING = re.compile(
    r"(?<![\w])(?:except(?:\s+for)?|apart\s+from|aside\s+from|bar|barring|other\s+than|excluding|"
    r"save\s+for|with\s+the\s+exception\s+of|not\s+including|besides)\s*[:(\[]?\s*"
    rf"(?:{_NAMER_WORD}\s*[:(\[]?\s*)?$",
    re.I,
)
_ONE_OF = re.compile(
    r"\b(?:one\s+of\s+(?:them|the\s+two|these|those)|either(?:\s+one)?|one\s+or\s+(?:the\s+)?other|"
    r"some\s+of\s+(?:them|these)|not\s+sure\s+which)\b",
    re.I,
)
_SHARED = re.compile(r"\b(?:both|all|each|together|jointly)\b", re.I)
_RESPECTIVELY = re.compile(r"[\s,;]*\brespectively\b[\s.!]*", re.I)
_SEGMENT = re.compile(r"\s*(?:[,/;&]|\band\b|\bthen\b)\s*", re.I)


def _respectively(part: Part, *, listed: bool = False) -> list[Part] | None:
    """A part about several actions: the part itself when its words state one status (or
    none); one part per action when they pair one status with each action in order ("V5 and
    V10: done, on track", "V5/V10 - done/on track", "… done and on track respectively");
    None when they state several statuses that do not pair up (ask)."""
    words = part.text
    paired = bool(_RESPECTIVELY.search(words))
    segments = [x.strip() for x in _SEGMENT.split(_RESPECTIVELY.sub(" ", words)) if x.strip()]
    each = [read_status_only(x) for x in segments]
    if len(segments) == len(part.actions) and not _SHARED.search(words):
        # Each segment only a status ("done", "on track"); a status each, set off after the
        # references as a list ("V5 and V10: finished, waiting for HR"); or "respectively".
        plain = [status_of_word(x.strip(" .!")) for x in segments]
        found = each if paired or listed else plain
        if all(found) and len(set(found)) > 1:
            return [Part((a,), x) for a, x in zip(part.actions, segments, strict=True)]
    if paired or _ONE_OF.search(words):
        return None  # "respectively" that does not pair up; "one of them is delayed"
    said = {m.status for m in mentions(words) if m.status is not None}
    said |= {x for x in each if x is not None} if len(segments) > 1 else set()
    return [part] if len(said) <= 1 else None


# "…, same for V10", "…, as is V10", "… and ditto V10", "…; likewise V10": what follows has the
# same reading; "…, V10 too", "…, V10 as well", "…, V10 the same".
_SAME_BEFORE = re.compile(
    r"(?:[,;]|\band)?\s*(?:so\s+(?:is|are|has|have|does)|(?:and\s+)?(?:the\s+)?same\s+(?:for|with|goes\s+for|applies\s+to|is\s+true\s+"
    r"(?:of|for))|as\s+(?:is|are|does)|(?:and\s+)?ditto(?:\s+for)?|likewise(?:\s+for|\s+with)?|as\s+well\s+as)"
    r"\s*$",
    re.I,
)
_SAME_AFTER = re.compile(
    r"(?:is\s+|are\s+)?(?:too|also|as\s+well|(?:the\s+)?same(?:\s+again)?|likewise|ditto)[.!]*",
    re.I,
)
_REF_NUMBER = re.compile(r"^(?P<prefix>[A-Za-z]+\.?\s?)(?P<n>\d{1,4})$")
_RANGE_WORDS = re.compile(r"^\s*(?:-|–|—|to|through|thru|till|until)\s*$", re.I)


def _range(a: RefHit, b: RefHit, between: str, index: RefIndex) -> list[RefHit] | None:
    """ "V5-V7", "V5 to V7", "V5 through V7": the actions between, when every one exists and
    the two share a prefix (G2 to G4); None otherwise."""
    if a.action is None or b.action is None or not _RANGE_WORDS.match(between):
        return None
    ma = _REF_NUMBER.match((getattr(a.action, "ref", None) or "").strip())
    mb = _REF_NUMBER.match((getattr(b.action, "ref", None) or "").strip())
    if not ma or not mb or ma.group("prefix").casefold() != mb.group("prefix").casefold():
        return None
    lo, hi = int(ma.group("n")), int(mb.group("n"))
    if not 0 < hi - lo <= 20:
        return None
    inside = []
    for n in range(lo + 1, hi):
        found = index.lookup(f"{ma.group('prefix')}{n}")
        if found is None:
            return None  # a gap: not a range the plan has, so no guess
        inside.append(RefHit(found, a.end, a.end, ""))
    return inside


def _clean_words(words: str, *, last: bool = False) -> str:
    """The part's words without what joins them to the parts around them. The ``last``
    part is joined to nothing after it: a word that ends it ("…going to SMT then", "…waiting
    on the finance item") is the owner's, and only stray marks are cut."""
    w = _LEAD_JOIN.sub("", words, count=1)
    return (_MARKS_TAIL.sub("", w) if last else _strip_tail(w)).strip()


_MARKS_TAIL = re.compile(r"[\s,;/&+\-–—•*(\[]+$")


_TAIL_UNIT = re.compile(
    r"(?:[\s,;/&+\-–—•*(\[]+|(?<![\w])(?:and|but|while|whereas|also|plus|then|re|ref:?|action|item|"
    r"no\.?|(?<![^\s])\d{1,2}[.)])\s*)$",
    re.I,
)


def _strip_tail(text: str) -> str:
    """The words without what joins them to the next part (", and", "; but", a bullet or a
    list number), one piece at a time from the end (a single pattern for the lot
    backtracked for milliseconds on long replies)."""
    for _ in range(20):
        m = _TAIL_UNIT.search(text, max(0, len(text) - 12))
        if m is None or m.start() == len(text):
            break
        text = text[: m.start()]
    return text


def _at_part_start(text: str, at: int, hits: list[RefHit]) -> bool:
    """Is "the rest" at ``at`` the subject of a new part (after a joiner), not prose?"""
    before = text[:at].rstrip(" \t")
    return at == 0 or bool(
        re.search(r"(?:[,;.\n•*\-–—]|\band|\bbut|\bwhile|\bthen)$", before, re.I)
    )


_CITED_BEFORE = re.compile(r"\b(?:see|cf\.?|as\s+per|refer\s+to)\s*$", re.I)
# A later reference that another action waits on ("V5 delayed, waiting for V10 to finish") is
# cited in V5's sentence: no part of its own. (Alone, "awaiting V12 sign-off" is about V12.)
_WAITS_ON = re.compile(
    r"\b(?:waiting\s+(?:for|on)|awaiting|dependent\s+on|depend(?:s|ing)?\s+on|dependency\s+on|"
    r"linked\s+to|tied\s+to|blocked\s+by|held\s+up\s+by|relies\s+on|reliant\s+on|pending|"
    r"because\s+of|due\s+to|owing\s+to|as\s+a\s+result\s+of|caused\s+by)\s*$",
    re.I,
)
_CITED_AFTER = re.compile(
    r"\s+(?:in|of|on)\s+(?:the\s+|our\s+|last\s+|today's\s+)?(?:minutes|agenda|paper|report|"
    r"notes|action\s+log|log|email|letter|appendix|strategy|policy)\b",
    re.I,
)


_NAMED_BEFORE = re.compile(rf"(?<![\w]){_NAMER_WORD}$", re.I)


def _waited_on(text: str, hit: RefHit, hits: list[RefHit], index: RefIndex) -> bool:
    """Is ``hit`` only cited as what another action waits on ("V5 delayed, waiting for V10 to
    finish")? Not when the words after it say its own status ("dependent on V10, which is on
    track") or it is named again for its own part ("pending V10, V10 on track")."""
    if not _WAITS_ON.search(text[: hit.start]):
        return False
    later = [h.start for h in hits if h.start > hit.start]
    after = text[hit.end : later[0] if later else len(text)]
    if any(m.status is not None for m in mentions(after)):
        return False
    return not any(h.action is hit.action for h in index.find_in(after))


def _bare_number_in_prose(text: str, hit: RefHit, index: RefIndex) -> bool:
    """A bare number names an action only where a part starts ("35 done, 36 on track"), never
    inside prose ("booked 12 sessions"); no reference cited from another paper ("see item 4
    in the minutes", "see V5") is the action a part is about."""
    if _CITED_BEFORE.search(text[: hit.start]) or _CITED_AFTER.match(text, hit.end):
        return True  # "see item 4 in the minutes": a pointer to another paper, not an action
    w = hit.written.strip(" .)")
    if not w.replace(".", "").isdigit():
        return False
    before = text[: hit.start].rstrip(" \t")
    if _NAMED_BEFORE.search(before):
        return False  # "No. 18 PCN leads engaged": the word names the number, a reference
    if _COUNTED.match(text, hit.end):
        return True  # "2 weeks late", "3 workshops": a count, not an action
    return not (
        not before
        or re.search(
            r"(?:[,;\n•*\-–—:/&+]|\band|\bbut|\bno\.?|\bitem|\baction|\bnumber)$", before, re.I
        )
    )


# -- what kind of line --------------------------------------------------------------------------
_CHITCHAT = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|k|thanks?|thank\s+you(?:\s+(?:very\s+much|so\s+much))?|ta|cheers|"
    r"many\s+thanks(?:\s+(?:for|again)\b[^.!?]{0,40})?|thx|noted|will\s+do|sure|yes|yeah|yep|no|nope|nah|great|perfect|lovely|"
    r"brilliant|fab|got\s+it|understood|fine|hi|hello|hey|morning|good\s+(?:morning|afternoon)|"
    r"afternoon|bye|speak\s+soon|have\s+a\s+(?:good|nice)\s+\w+|no\s+problem|no\s+worries|np|"
    r"sorry|apologies|(?:sorry|apologies)\s+(?:for|about)\s+[^.!?]{1,40}|"
    r"thanks?(?:\s+you)?\s+(?:for|again)\b[^.!?]{0,40}|(?:hi|hello|hey|morning)\s+(?:there|all|team|everyone)|"
    r"sorry\s+for\s+the\s+delay(?:\s+in\s+(?:replying|responding))?|"
    r"received|acknowledged|ack|roger|will\s+look|on\s+it|i'?m\s+on\s+it|tbc|"
    r"happy\s+to\s+(?:discuss|help|chat|talk)(?:\s+[^.!?]{0,30})?|let\s+me\s+know\s+if\s+[^.!?]{1,40}|"
    r"(?:i'?ll|i\s+will|will)\s+(?:do\s+(?:it|this|that)|update\s+(?:you|it|this)|send\s+(?:an?\s+)?"
    r"(?:update|note|reply)|get\s+back\s+to\s+you|reply|respond|come\s+back\s+to\s+you|let\s+you\s+know|"
    r"look\s+(?:at|into)\s+(?:it|this)|chase|have\s+a\s+look|check|find\s+out|confirm)"
    r"(?:\s+[^.!?]{0,40})?)[\s,.!:;)(-]*)+$",
    re.I,
)
# "will reply properly tomorrow", "I'll get to this later": a promise of an update, not one.
_PROMISE = re.compile(
    r"\b(?:will|i'?ll|i\s+will|going\s+to)\s+(?:try\s+to\s+)?(?:get\s+(?:to|back|round)|reply|respond|"
    r"update|send|come\s+back|let\s+you\s+know|look|follow\s+up|chase|pick\s+(?:this|it)\s+up)\b",
    re.I,
)
_AWAY = re.compile(
    r"^\W*(?:(?:i'?m|i\s+am|i\s+will\s+be|i'll\s+be|will\s+be|i'm\s+going\s+to\s+be|going\s+to\s+be)\s+)?"
    r"(?:(?:currently|now|still|also)\s+)?"
    r"(?:away|off(?:\s+sick)?(?!\s+(?:the|track|course|target|schedule)\b)|on\s+(?:annual\s+|sick\s+|"
    r"study\s+|maternity\s+|mat\s+|paternity\s+|parental\s+)?leave|"
    r"out\s+of\s+(?:the\s+)?office|ooo|on\s+holiday|on\s+hols|annual\s+leave|off\s+work|"
    r"not\s+(?:around|in|available)|out(?=\s+(?:from|until|till|next|this|today|tomorrow|all)\b)|"
    r"back\s+(?:on|in|next|from)\b(?!\s+(?:track|it|schedule|target|progress|hand)\b)|(?:at|on)\s+(?:a|an)\s+(?:conference|course|training)|"
    # "on course to complete" is no absence
    r"at\s+(?:conference|training)|on\s+(?:secondment|jury\s+service))\b",
    re.I,
)


def line_kind(text: str, *, names_action: bool = False) -> str:
    """ "question", "chitchat", "away" or "update" (the only kind that may store anything)."""
    t = " ".join((text or "").split())
    if not t:
        return "chitchat"
    statements = sentences(t)
    said = [s for s in statements if not _is_question(s)]
    if statements and not said:
        return "question"
    chat = _CHITCHAT.match(t) or _PROMISE.search(t) or _SIGN_OFF_ALONE.match(t)
    if chat and not _claims_status(t) and not names_action:
        return "chitchat"
    if _AWAY.match(t) and not _claims_status(t) and not names_action:
        return "away"
    return "update"


# Abbreviations whose full stop ends no sentence ("No. 21", "e.g.", "approx.").
_ABBREV = re.compile(
    r"\b(?:no|nr|ref|approx|e\.g|i\.e|etc|vs|dr|mr|mrs|ms|st|wk|wks|mth|mths)\.", re.I
)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``; "No. 21" and "e.g." do not end one."""
    masked = _ABBREV.sub(lambda m: m.group(0)[:-1] + "\x00", text)
    parts = re.split(r"(?<=[.!?])\s+|\n", masked)
    return [p.replace("\x00", ".") for p in parts if p.strip()]


# A question with no question mark: "when is #38 due", "who owns V12", "can you remind me
# what V12 is", "remind me when this is due", "do you know who leads this".
_ASKS = re.compile(
    r"^\W*(?:when|who|whose|what|which|where|why|how|"
    r"(?:(?:can|could|would|will)\s+(?:you|someone|anyone|somebody)\s+|please\s+)?"
    r"(?:remind|tell|show)\s+(?:me|us)|(?:do|does)\s+(?:you|anyone|anybody)\s+(?:know|need|want)|"
    r"would\s+you\s+(?:mind|like)|is\s+there\s+anything|any\s+idea)\b",
    re.I,
)


def _is_question(sentence: str) -> bool:
    """A sentence that asks and states no status outside its question ("Done - anything
    else?" states one)."""
    s = sentence.strip()
    if s.endswith("?"):
        return not _claims_status(s)
    # "when is #38 due", "who owns V12" without a question mark.
    return bool(_ASKS.match(s)) and not _claims_status(s)


def _claims_status(text: str) -> bool:
    """Does ``text`` state a status anywhere outside a question (a word, a colour that labels
    it, an emoji)?"""
    if any(m.status is not None and m.kind != "future" for m in mentions(text)):
        return True
    said = text[: question_start(text)] if text.rstrip().endswith("?") else text
    said = said.rstrip(" -–—,;:(")
    return bool(said.strip()) and read_status_only(said) is not None
