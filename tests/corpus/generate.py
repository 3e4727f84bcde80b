"""The generated corpus: replies composed from the class tables (tests/corpus/tables.py), each
with its true reading known by construction. Deterministic: one fixed seed.

``build_corpus()`` returns the cases; ``python -m tests.corpus.generate`` prints counts per
class and a few examples of each.

A case names its plan ("sample": the bundled plan, references such as G4; "numbered": the
same plan with references 1..33, where a bare "12" opening a part names an action; "hashed": the
seed 004 Word plan, whose actions are named #1..#46), the reply text, the nudge it answers
(if any), what kind of reply it is, and for an update the truth per action: the status (None:
the bot must ask), the revised deadline (a date, a DeadlinePlus counted from the action's
deadline just before the reply, or None: the deadline must not move) and the commentary words
that belong to that action alone.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from tests.corpus import tables as T
from tests.corpus.dates import DEADLINE_MOVES, WRITERS, DeadlinePlus

SEED = 17
SAMPLE_REFS = (
    [f"G{i}" for i in range(1, 13)]
    + [f"V{i}" for i in range(1, 16)]
    + [f"O{i}" for i in range(1, 7)]
)
HASHED_IDS = list(range(1, 47))  # the seed 004 plan: no references, actions named #1..#46
NUMBERED_REFS = [str(i) for i in range(1, 34)]  # the sample plan with references 1..33
# "Today" for each plan, and the month its financial year starts.
TODAY = {"sample": date(2020, 1, 10), "hashed": date(2021, 4, 15), "numbered": date(2020, 1, 10)}
FY_MONTH = 4


@dataclass(frozen=True)
class Expect:
    ref: str  # the action's label in the plan: "G4", or "#35" in the numbered plan
    status: str | None  # None: the reply must ask about this action
    date: date | DeadlinePlus | None = None
    words: str = ""  # commentary said about this action alone (kept, never on another)


@dataclass(frozen=True)
class Case:
    klass: str
    plan: str
    text: str
    kind: str = "update"  # update | question | chitchat | away
    expect: tuple[Expect, ...] = ()
    nudge: tuple[str, ...] = ()  # labels of the nudge this reply answers
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def unambiguous(self) -> bool:
        """An update every careful reader would store without asking (as far as the
        construction knows; a deadline move on an action with no deadline is decided when
        the case is run)."""
        return self.kind == "update" and all(e.status is not None for e in self.expect)


# -- building blocks -------------------------------------------------------------------------


def label(plan: str, ref) -> str:
    return f"#{ref}" if plan == "hashed" else str(ref)


def write_ref(rng: random.Random, plan: str, ref, *, first: bool = True) -> str:
    if plan == "sample":
        form = rng.choice(T.REF_FORMS)
        letter, num = ref[0], ref[1:]
        return form.format(L=letter, l=letter.lower(), n=num)
    if plan == "hashed":
        return rng.choice(T.HASH_FORMS).format(n=ref)
    forms = T.NUM_FORMS if first else T.NUM_FORMS[1:]  # bare "12" only to start a part
    return rng.choice(forms).format(n=ref)


def ref_sep(rng: random.Random, written: str) -> str:
    if written.endswith((":", ".")) or not written[-1].isalnum():
        return " "
    return rng.choice(T.REF_SEPS)


def cased(rng: random.Random, phrase: str) -> str:
    r = rng.random()
    if not phrase.isascii() or ":" in phrase or phrase[:1].isupper():
        return phrase
    if r < 0.35:
        return phrase
    if r < 0.8:
        return phrase[:1].upper() + phrase[1:]
    if r < 0.9 and phrase.replace(" ", "").isalpha():
        return phrase.upper()
    return phrase


def body(
    rng: random.Random, phrase: str, adj: bool, filler: str | None, *, in_list: bool = False
) -> tuple[str, str]:
    """A status wording with (maybe) a subject before it and commentary before or after;
    returns the text and the commentary as written in it."""
    said = cased(rng, phrase)
    if adj and rng.random() < 0.25:
        subjects = T.SUBJECTS_DONE if phrase in T.DONE_WORDS else T.SUBJECTS
        said = rng.choice(subjects) + phrase
    if not filler:
        return said, ""
    if rng.random() < 0.3:  # commentary first, status after
        join = " - " if in_list else rng.choice([", ", " - ", ". "])
        first = filler[:1].upper() + filler[1:]
        after = said if join != ". " else said[:1].upper() + said[1:]
        return first + join + after, first
    joins = [" - ", ": ", " – "] if in_list else [" - ", ": ", ", ", ". ", " – "]
    return said + rng.choice(joins) + filler, filler


def finish(rng: random.Random, text: str) -> str:
    return text + rng.choice(["", "", "", ".", "!"]) if text[-1:].isalnum() else text


def pick_refs(rng: random.Random, plan: str, k: int) -> list:
    pool = {"sample": SAMPLE_REFS, "hashed": HASHED_IDS, "numbered": NUMBERED_REFS}[plan]
    return rng.sample(pool, k)


def fillers(rng: random.Random, k: int) -> list[str]:
    return rng.sample(T.FILLERS, k)


def maybe_filler(rng: random.Random, p: float = 0.5) -> str | None:
    return rng.choice(T.FILLERS) if rng.random() < p else None


def update_case(klass, plan, rng, phrase, status, adj, *, p_filler=0.5, date_truth=None):
    ref = pick_refs(rng, plan, 1)[0]
    filler = maybe_filler(rng, p_filler)
    written = write_ref(rng, plan, ref)
    said, words = body(rng, phrase, adj, filler)
    text = finish(rng, written + ref_sep(rng, written) + said)
    return Case(klass, plan, text, expect=(Expect(label(plan, ref), status, date_truth, words),))


def plan_for(i: int) -> str:
    return {2: "hashed", 5: "numbered"}.get(i % 6, "sample")


# -- typos -----------------------------------------------------------------------------------


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _vocabulary() -> set[str]:
    words = set()
    for phrase, _s, _a in T.PLAIN + T.NEGATED + T.PARTIAL:
        words.update(w.lower() for w in phrase.replace("'", " ").split() if w.isalpha())
    return words


VOCAB = _vocabulary()


@functools.cache
def typos_of(word: str) -> tuple[str, ...]:
    """Swapped, dropped and doubled letters of ``word`` that are not a real word, nor another
    status word, nor nearer (or as near) to another status word than to ``word``. (Cached:
    the corpus asks for the same few words many times, and every test process builds it.)"""
    out = []
    low = word.lower()
    cands = set()
    for i in range(1, len(low) - 1):
        cands.add(low[:i] + low[i + 1] + low[i] + low[i + 2 :])  # swap
        cands.add(low[:i] + low[i + 1 :])  # drop
        cands.add(low[:i] + low[i] + low[i:])  # double
    for c in sorted(cands):
        if c == low or c in T.REAL_WORDS or c in VOCAB:
            continue
        d = _lev(c, low)
        # A distance is at least the difference in length: most words need no count.
        if any(abs(len(c) - len(v)) <= d and _lev(c, v) <= d for v in VOCAB if v != low):
            continue
        out.append(c if word.islower() else c[:1].upper() + c[1:])
    return tuple(out)


def typo_phrase(rng: random.Random, phrase: str) -> str | None:
    words = phrase.split(" ")
    spots = [i for i, w in enumerate(words) if w.isalpha() and w.isascii() and len(w) >= 5]
    if not spots:
        return None
    i = rng.choice(spots)
    options = typos_of(words[i])
    if not options:
        return None
    words[i] = rng.choice(options)
    return " ".join(words)


# -- the classes -----------------------------------------------------------------------------


def gen_ref_forms(rng):
    cases = []
    plain = [p for p in T.PLAIN if p[0] != "overdue"]
    for _i in range(200):
        phrase, status, adj = rng.choice(plain)
        cases.append(update_case("ref_form", "sample", rng, phrase, status, adj))
    for _i in range(100):
        phrase, status, adj = rng.choice(plain)
        plan = "hashed" if _i % 2 else "numbered"
        cases.append(update_case("ref_form", plan, rng, phrase, status, adj))
    return cases


def gen_status_wordings(rng):
    cases = []
    for phrase, status, adj in T.PLAIN:
        for i in range(4):
            cases.append(update_case("status_wording", plan_for(i), rng, phrase, status, adj))
    return cases


def gen_typos(rng):
    cases = []
    pool = [
        p for p in T.PLAIN + T.NEGATED if any(len(w) >= 5 and w.isalpha() for w in p[0].split())
    ]
    while len(cases) < 200:
        phrase, status, adj = rng.choice(pool)
        bad = typo_phrase(rng, phrase)
        if bad is None:
            continue
        c = update_case("typo", plan_for(len(cases)), rng, bad, status, adj)
        cases.append(c)
    return cases


def gen_negations(rng):
    return [
        update_case("negation", plan_for(i), rng, phrase, status, adj)
        for phrase, status, adj in T.NEGATED
        for i in range(9)
    ]


def gen_partial(rng):
    cases = [
        update_case("partial", plan_for(i), rng, phrase, status, adj)
        for phrase, status, adj in T.PARTIAL
        for i in range(8)
    ]
    for i in range(80):
        pct = f"{rng.randint(1, 99)}%" + rng.choice(T.PERCENT_SUFFIXES)
        cases.append(update_case("partial", plan_for(i), rng, pct, T.OG, False))
    return cases


def date_phrase(rng, plan, *, any_template: bool):
    today = TODAY[plan]
    name = rng.choice(sorted(WRITERS))
    text, truth = WRITERS[name](rng, today, FY_MONTH)
    if text.startswith("in ") and not any_template:
        return date_phrase(rng, plan, any_template=any_template)
    return text, truth


def gen_date_moves(rng):
    cases = []
    for i in range(320):
        plan = plan_for(i)
        ref = pick_refs(rng, plan, 1)[0]
        written = write_ref(rng, plan, ref)
        if i % 6 == 5:  # counted from the action's deadline
            words, days = rng.choice(DEADLINE_MOVES)
            move, truth = words, DeadlinePlus(days)
        elif rng.random() < 0.7:
            text, truth = date_phrase(rng, plan, any_template=False)
            move = rng.choice(T.MOVES_PREP).format(D=text)
        else:
            text, truth = date_phrase(rng, plan, any_template=True)
            move = rng.choice(T.MOVES_ANY).format(D=text)
        status = T.DL
        if rng.random() < 0.4:
            said, status = rng.choice(T.MOVE_STATUSES)
            move = said + rng.choice([", ", " - ", ": ", "; "]) + move
        if rng.random() < 0.3:
            move = (
                move
                + rng.choice([" - ", ". "])
                + rng.choice(["HR capacity", "Covid", "winter pressures", "the panel moved"])
            )
        move = move[:1].upper() + move[1:] if rng.random() < 0.5 else move
        text = finish(rng, written + ref_sep(rng, written) + move)
        cases.append(
            Case("date_move", plan, text, expect=(Expect(label(plan, ref), status, truth),))
        )
    return cases


def gen_date_not_moves(rng):
    cases = []
    plain = [p for p in T.PLAIN if p[1] != T.DL and p[0][0].isalpha()]
    for i in range(100):
        plan = plan_for(i)
        ref = pick_refs(rng, plan, 1)[0]
        phrase, status, adj = rng.choice(plain)
        d, _truth = WRITERS[rng.choice(["day_month", "full_words", "month_alone"])](
            rng, TODAY[plan], FY_MONTH
        )
        other = rng.choice(T.NOT_MOVES).format(D=d)
        written = write_ref(rng, plan, ref)
        text = finish(
            rng,
            written
            + ref_sep(rng, written)
            + cased(rng, phrase)
            + rng.choice([", ", " - ", ": "])
            + other,
        )
        cases.append(
            Case(
                "date_not_move", plan, text, expect=(Expect(label(plan, ref), status, None, other),)
            )
        )
    return cases


def _part_status(rng):
    table = rng.choices([T.PLAIN, T.NEGATED, T.PARTIAL], weights=[6, 2, 1])[0]
    phrase, status, adj = rng.choice(table)
    if phrase == "overdue":
        phrase = "delayed"
    return phrase, status, adj


def gen_several(rng):
    cases = []
    for i in range(300):
        plan = plan_for(i)
        k = rng.choice([2, 2, 2, 3, 3])
        refs = pick_refs(rng, plan, k)
        words = fillers(rng, k)
        style = rng.choice(["join", "join", "bullets", "lines", "sentences"])
        parts, expect = [], []
        for j, ref in enumerate(refs):
            filler = words[j] if rng.random() < 0.5 else None
            truth = None
            if rng.random() < 0.2:
                dtext, truth = date_phrase(rng, plan, any_template=False)
                phrase = rng.choice(T.MOVES_PREP).format(D=dtext)
                status, adj = T.DL, False
                said = phrase + (" - " + filler if filler else "")
            else:
                phrase, status, adj = _part_status(rng)
                said, filler = body(rng, phrase, adj, filler, in_list=True)
            first = j == 0 or style in ("bullets", "lines")
            written = write_ref(rng, plan, ref, first=first)
            parts.append(written + ref_sep(rng, written) + said)
            expect.append(Expect(label(plan, ref), status, truth, filler or ""))
        if style == "join":
            joiners = [rng.choice(T.PART_JOINERS) for _ in parts[1:]]
            text = parts[0] + "".join(jn + p for jn, p in zip(joiners, parts[1:], strict=True))
        elif style == "bullets":
            b = rng.choice(T.BULLETS + ["1. "])
            if b == "1. " and plan != "sample":
                b = "- "
            text = "\n".join((f"{n + 1}. " if b == "1. " else b) + p for n, p in enumerate(parts))
        elif style == "lines":
            text = "\n".join(parts)
        else:
            text = " ".join(p + "." if p[-1].isalnum() else p for p in parts)
        cases.append(Case("several", plan, text, expect=tuple(expect)))
    return cases


def gen_listed(rng):
    cases = []
    shared = [p for p in T.PLAIN + T.NEGATED if p[0] not in ("overdue",)]
    for i in range(100):
        plan = plan_for(i)
        k = 2 if i % 4 else 3
        refs = pick_refs(rng, plan, k)
        phrase, status, adj = rng.choice(shared)
        written = [write_ref(rng, plan, r, first=False) for r in refs]
        if plan == "sample":  # listed references are written plainly
            written = [r if rng.random() < 0.7 else r.lower() for r in refs]
        tpl = rng.choice(T.LISTED_2 if k == 2 else T.LISTED_3)
        filler = maybe_filler(rng, 0.4)
        said = cased(rng, phrase) + (" - " + filler if filler else "")
        text = finish(rng, tpl.format(a=written[0], b=written[1], c=written[-1], s=said))
        # Shared words are said about every listed action alike.
        expect = tuple(Expect(label(plan, r), status, None, "") for r in refs)
        cases.append(
            Case("listed_together", plan, text, expect=expect, extra={"shared": filler or ""})
        )
    return cases


def gen_rest(rng):
    cases = []
    for i in range(160):
        plan = plan_for(i)
        nudge = pick_refs(rng, plan, rng.choice([3, 3, 4, 5]))
        named = [] if i % 5 == 0 else nudge[: rng.choice([1, 1, 2])]
        rest = [r for r in nudge if r not in named]
        parts, expect = [], []
        for ref in named:
            phrase, status, adj = _part_status(rng)
            written = write_ref(rng, plan, ref, first=False)
            parts.append(written + ref_sep(rng, written) + cased(rng, phrase))
            expect.append(Expect(label(plan, ref), status))
        rphrase, rstatus, _ = rng.choice([p for p in T.PLAIN if p[2] and p[0] != "overdue"])
        rest_part = rng.choice(T.REST_WORDS) + " " + rphrase
        expect += [Expect(label(plan, r), rstatus) for r in rest]
        if named and rng.random() < 0.3:
            rest_part = rest_part[:1].upper() + rest_part[1:]
            text = rest_part + rng.choice([", but ", "; ", " but ", ". "]) + ", ".join(parts)
        elif named:
            text = (
                ", ".join(parts)
                + rng.choice([", ", "; ", " and ", " but ", ". ", "\n"])
                + rest_part
            )
        else:
            text = rest_part[:1].upper() + rest_part[1:]
        nudge_labels = tuple(label(plan, r) for r in nudge)
        cases.append(
            Case("the_rest", plan, finish(rng, text), expect=tuple(expect), nudge=nudge_labels)
        )
    return cases


def gen_no_ref(rng):
    cases = []
    plain = [p for p in T.PLAIN + T.NEGATED + T.PARTIAL if p[0] not in ("overdue",)]
    for i in range(120):
        plan = plan_for(i)
        ref = pick_refs(rng, plan, 1)[0]
        phrase, status, adj = rng.choice(plain)
        filler = maybe_filler(rng, 0.5)
        text, words = body(rng, phrase, adj, filler)
        if rng.random() < 0.6:
            if words and text.startswith(words):  # the commentary opens the reply
                words = words[:1].upper() + words[1:]
            text = text[:1].upper() + text[1:]
        lab = label(plan, ref)
        expect = (Expect(lab, status, None, words),)
        cases.append(
            Case("no_ref_one_nudged", plan, finish(rng, text), expect=expect, nudge=(lab,))
        )
    for i in range(40):  # several outstanding: ask which
        plan = plan_for(i)
        nudge = pick_refs(rng, plan, rng.choice([2, 3]))
        phrase, status, adj = rng.choice(plain)
        while phrase.lower().startswith("all "):  # "all wrapped up" names them all: no ask
            phrase, status, adj = rng.choice(plain)
        text = finish(rng, body(rng, phrase, adj, maybe_filler(rng, 0.5))[0])
        labels = tuple(label(plan, r) for r in nudge)
        cases.append(
            Case(
                "no_ref_several_nudged",
                plan,
                text,
                expect=tuple(Expect(lab, None) for lab in labels),
                nudge=labels,
            )
        )
    return cases


def gen_questions(rng):
    cases = []
    for i in range(150):
        plan = plan_for(i)
        if i % 10 == 9:
            text = rng.choice(T.QUESTIONS_PLAIN)
        else:
            ref = pick_refs(rng, plan, 1)[0]
            r = (
                write_ref(rng, plan, ref, first=False)
                if plan != "sample"
                else rng.choice([ref, ref, ref.lower()])
            )
            text = rng.choice(T.QUESTIONS).format(r=r)
        nudge = (label(plan, pick_refs(rng, plan, 1)[0]),) if i % 2 else ()
        cases.append(Case("question", plan, text, kind="question", nudge=nudge))
    return cases


def gen_chitchat(rng):
    cases = []
    for i in range(3 * len(T.CHITCHAT)):
        plan = plan_for(i // len(T.CHITCHAT))
        text = T.CHITCHAT[i % len(T.CHITCHAT)]
        nudge = (label(plan, pick_refs(rng, plan, 1)[0]),) if i % 2 else ()
        cases.append(Case("chitchat", plan, text, kind="chitchat", nudge=nudge))
    return cases


def gen_away(rng):
    cases = []
    for i in range(3 * len(T.AWAY)):
        plan = plan_for(i // len(T.AWAY))  # each note once per plan and once after a nudge
        text = T.AWAY[i % len(T.AWAY)]
        nudge = (label(plan, pick_refs(rng, plan, 1)[0]),) if i % 2 else ()
        cases.append(Case("away", plan, text, kind="away", nudge=nudge))
    return cases


def gen_sequences(rng):
    cases = []
    for i in range(80):
        plan = plan_for(i)
        (a, _sa), (b, sb) = rng.sample(T.SEQ_WORDS, 2)
        while _sa == sb or sb == T.NS:  # nothing goes back to "not started"
            (a, _sa), (b, sb) = rng.sample(T.SEQ_WORDS, 2)
        said = rng.choice(T.SEQUENCE_FORMS).format(a=a, b=b, A=a[:1].upper() + a[1:])
        ref = pick_refs(rng, plan, 1)[0]
        written = write_ref(rng, plan, ref)
        text = finish(rng, written + ref_sep(rng, written) + said)
        cases.append(Case("was_now", plan, text, expect=(Expect(label(plan, ref), sb),)))
    return cases


def gen_contradictions(rng):
    cases = []
    for i in range(80):
        plan = plan_for(i)
        a, b = rng.choice(T.CONTRADICTIONS)
        if rng.random() < 0.5:
            a, b = b, a
        said = cased(rng, a) + rng.choice(T.CONTRA_JOINS) + b
        ref = pick_refs(rng, plan, 1)[0]
        written = write_ref(rng, plan, ref)
        text = finish(rng, written + ref_sep(rng, written) + said)
        cases.append(Case("two_statuses", plan, text, expect=(Expect(label(plan, ref), None),)))
    return cases


def gen_asides(rng):
    cases = []
    plain = [p for p in T.PLAIN if p[0] != "overdue"]
    for i in range(100):
        plan = plan_for(i)
        phrase, status, adj = rng.choice(plain)
        aside = rng.choice(T.ASIDES)
        said, _words = body(rng, phrase, adj, maybe_filler(rng, 0.4))
        if rng.random() < 0.3 and not aside.endswith("?"):
            join = " " if aside[-1] in "!?." else rng.choice([", ", " - ", ". "])
            said = aside[:1].upper() + aside[1:] + join + said
        else:
            said = said + rng.choice([". ", " - ", ", "]) + aside
        if i % 2:  # no reference: the nudge's one action
            ref = pick_refs(rng, plan, 1)[0]
            lab = label(plan, ref)
            cases.append(
                Case("aside_in_update", plan, said, expect=(Expect(lab, status),), nudge=(lab,))
            )
            continue
        ref = pick_refs(rng, plan, 1)[0]
        written = write_ref(rng, plan, ref)
        text = written + ref_sep(rng, written) + said
        cases.append(
            Case("aside_in_update", plan, text, expect=(Expect(label(plan, ref), status),))
        )
    return cases


_PAIRED = [
    "{a} and {b}: {s1}, {s2}", "{a}/{b} - {s1}/{s2}", "{a} and {b} {s1} and {s2} respectively",
    "{a}, {b}: {s1}; {s2}", "{a} & {b} - {s1} and {s2} respectively",
]  # fmt: skip
_EXCEPT = [
    "all {s} except {b}", "everything {s} apart from {b}", "{s} except for {b}",
    "All {s} bar {b}", "everything except {b} is {s}",
]  # fmt: skip
_COUNTS = ["{n} remaining", "{n} to go", "{n} responses so far", "{n} left", "{n} more to do",
           "{n} of {m} sessions booked", "{n} staff trained", "{n} sessions held"]  # fmt: skip


def _word_phrases():
    """Status phrases made of words only (no emoji, colour code or figure), adjectival."""
    return [p for p in T.PLAIN if p[2] and p[0].replace(" ", "").replace("-", "").isalpha()]


def gen_paired(rng):
    """Two actions, two statuses, said in one breath and in order: each its own."""
    cases, phrases = [], _word_phrases()
    for i in range(120):
        plan = plan_for(i)
        a, b = pick_refs(rng, plan, 2)
        (p1, s1, _), (p2, s2, _) = rng.sample(phrases, 2)
        while s2 == s1:
            p2, s2, _ = rng.choice(phrases)
        wa, wb = (write_ref(rng, plan, r, first=False) for r in (a, b))
        text = rng.choice(_PAIRED).format(a=wa, b=wb, s1=p1, s2=p2)
        expect = (Expect(label(plan, a), s1), Expect(label(plan, b), s2))
        cases.append(Case("paired", plan, finish(rng, text), expect=expect))
    return cases


def gen_excepted(rng):
    """A status said of the actions not named: nothing stored, never the named one."""
    cases, phrases = [], _word_phrases()
    for i in range(60):
        plan = plan_for(i)
        nudge = pick_refs(rng, plan, rng.choice([2, 3]))
        phrase, _status, _ = rng.choice(phrases)
        wb = write_ref(rng, plan, nudge[-1], first=False)
        text = rng.choice(_EXCEPT).format(s=phrase, b=wb)
        expect = tuple(Expect(label(plan, r), None) for r in nudge)
        nz = tuple(label(plan, r) for r in nudge)
        cases.append(Case("excepted", plan, text, expect=expect, nudge=nz))
    return cases


def gen_counts(rng):
    """Figures inside a reply to a nudge, in a plan that numbers its actions: counts, never
    other actions."""
    cases, phrases = [], _word_phrases()
    for i in range(80):
        plan = "numbered" if i % 2 else "hashed"
        (ref,) = pick_refs(rng, plan, 1)
        phrase, status, _ = rng.choice(phrases)
        n = rng.randint(1, 33)
        count = rng.choice(_COUNTS).format(n=n, m=n + rng.randint(1, 9))
        text = rng.choice(["{s}, {c}", "{s} - {c}", "{s}; {c}", "{s}. {c}"]).format(
            s=cased(rng, phrase), c=count
        )
        cases.append(
            Case(
                "counts",
                plan,
                text,
                expect=(Expect(label(plan, ref), status),),
                nudge=(label(plan, ref),),
            )
        )
    return cases


GENERATORS = [
    gen_ref_forms, gen_status_wordings, gen_typos, gen_negations, gen_partial, gen_date_moves,
    gen_date_not_moves, gen_several, gen_listed, gen_rest, gen_no_ref, gen_sequences,
    gen_contradictions, gen_asides, gen_questions,
    gen_chitchat, gen_away, gen_paired, gen_excepted, gen_counts,
]  # fmt: skip


def build_corpus(seed: int = SEED) -> list[Case]:
    """Every case, in a fixed order; duplicates (same plan, text and nudge) dropped, except for
    the short fixed lists (chit-chat, away), whose repeats run with and without a nudge."""
    rng = random.Random(seed)
    out, seen = [], set()
    for gen in GENERATORS:
        for case in gen(rng):
            key = (case.plan, case.text, case.nudge)
            if key in seen:
                continue
            seen.add(key)
            out.append(case)
    return out


if __name__ == "__main__":
    corpus = build_corpus()
    counts = Counter(c.klass for c in corpus)
    for klass, n in counts.items():
        print(f"{klass:24} {n}")
        for c in [c for c in corpus if c.klass == klass][:4]:
            print("    ", repr(c.text), [(e.ref, e.status, e.date) for e in c.expect], c.nudge)
    print("total", len(corpus))
