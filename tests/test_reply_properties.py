"""Properties of reading a reply, through the real ``Conversation.handle`` on both databases
(the bundled sample plan, as an administrator who may update every action):

- the reader never raises, whatever the text;
- a reply never stores an update on an action it does not name, nor on one the nudge it
  answers does not hold;
- a reply with no date in it never moves a deadline.

Replies are composed from pieces whose references are known (G1..O6 written in the ways the
spec lists, status wordings, fillers, joiners, "the rest") and free text that cannot name an
action or a date (no digits, no '#', no month, season or period words).
"""

from __future__ import annotations

import re
from typing import get_args

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from handlers.replies import Reply
from storage.engine import read_session
from storage.models import DeadlineRevision, Update
from tests.corpus import tables as T
from tests.corpus.generate import SAMPLE_REFS
from tests.corpus.harness import load_plans

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Words that could make a date (or a move counted from a deadline) out of free text; the
# pieces of a reply with no date are kept clear of them (references are the only digits).
DATE_WORDS = re.compile(
    r"\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|fall|winter|"
    r"week|month|quarter|year|christmas|xmas|easter|fortnight|today|tomorrow|tonight|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|\bq[1-4]\b|\bfy\b|end of|eoy|eom|"
    r"mid|early|late|next|new date|due",
    re.I,
)
FREE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Nd", "No", "Nl"), blacklist_characters="#0123456789"
    ),
    max_size=40,
)
JOIN = st.sampled_from([*T.PART_JOINERS, "\n- ", " ", ": ", " - "])


@st.composite
def written_ref(draw):
    ref = draw(st.sampled_from(SAMPLE_REFS))
    form = draw(st.sampled_from(T.REF_FORMS))
    return ref, form.format(L=ref[0], l=ref[0].lower(), n=ref[1:])


def _no_date(words: list[str]) -> list[str]:
    return [w for w in words if not DATE_WORDS.search(w)]


@st.composite
def reply(draw, *, dates: bool):
    """(text, the references it names). With ``dates`` false the text names no date. Most
    replies are well formed (reference, status, comment; one to three parts), the others a
    jumble of the same pieces and free text."""
    statuses = [p[0] for p in T.PLAIN + T.NEGATED + T.PARTIAL]
    fillers, rest = T.FILLERS, [*T.REST_WORDS, "all"]
    if not dates:
        statuses, fillers = _no_date(statuses), _no_date(fillers)
    named, pieces = set(), []
    if draw(st.booleans()) or draw(st.booleans()):
        for i in range(draw(st.integers(1, 3))):
            if i:
                pieces.append(draw(st.sampled_from(T.PART_JOINERS)))
            if draw(st.integers(0, 5)):
                ref, text = draw(written_ref())
                named.add(ref)
                pieces.append(text + draw(st.sampled_from(T.REF_SEPS)))
            else:
                pieces.append(draw(st.sampled_from(rest)) + " ")
            pieces.append(draw(st.sampled_from(statuses)))
            if draw(st.booleans()):
                pieces.append(" - " + draw(st.sampled_from(fillers)))
    else:
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["ref", "status", "filler", "free", "rest"]))
            if kind == "ref":
                ref, text = draw(written_ref())
                named.add(ref)
            elif kind == "status":
                text = draw(st.sampled_from(statuses))
            elif kind == "filler":
                text = draw(st.sampled_from(fillers))
            elif kind == "rest":
                text = draw(st.sampled_from(rest))
            else:
                text = draw(FREE if dates else FREE.filter(lambda t: not DATE_WORDS.search(t)))
            pieces += [text, draw(JOIN)]
    if dates and draw(st.booleans()):
        pieces.append(
            draw(st.sampled_from([" moved to June", ", slipping to 30/06/2020",
                                  " two weeks late", " - probably Q3 now"]))
        )  # fmt: skip
    text = "".join(pieces).strip() or "x"
    return text, frozenset(named)


@pytest.fixture
def bench(engine):
    return load_plans(engine)["sample"]


def _marks(engine):
    with read_session(engine) as s:
        return (
            s.exec(select(func.max(Update.id))).one() or 0,
            s.exec(select(func.max(DeadlineRevision.id))).one() or 0,
        )


def _send(bench, text, nudge):
    conv = bench.conv
    conv.forget("console", bench.key)
    if nudge:
        conv.remember_nudge("console", bench.key, tuple(bench.ids[r] for r in nudge))
    before = _marks(bench.service.engine)
    answer = conv.handle(bench.actor, text, platform="console")
    # Whatever the text, the answer is one of the replies a platform knows how to show.
    assert isinstance(answer, get_args(Reply)), answer
    with read_session(bench.service.engine) as s:
        ups = s.exec(select(Update).where(Update.id > before[0])).all()
        revs = s.exec(select(DeadlineRevision).where(DeadlineRevision.id > before[1])).all()
        return [(bench.labels[u.action_id], u.revised_due) for u in ups], list(revs)


NUDGE = st.lists(st.sampled_from(SAMPLE_REFS), max_size=4, unique=True)


@SETTINGS
@given(text=st.text(max_size=300), nudge=NUDGE)
def test_the_reader_never_raises_on_any_text(bench, text, nudge):
    _send(bench, text, nudge)


@SETTINGS
@given(r=reply(dates=True), nudge=NUDGE)
def test_the_reader_never_raises_on_replies_made_of_parts(bench, r, nudge):
    _send(bench, r[0], nudge)


@SETTINGS
@given(r=reply(dates=True), nudge=NUDGE)
def test_a_reply_stores_only_on_actions_it_names_or_the_nudge_holds(bench, r, nudge):
    text, named = r
    stored, _revs = _send(bench, text, nudge)
    event("stored an update" if stored else "stored nothing")
    outside = {ref for ref, _due in stored} - _with_ranges(text, named) - set(nudge)
    assert not outside, f"{text!r} (nudge {nudge}) stored on {sorted(outside)}"


_SAMPLE_REF = re.compile(r"(?<![A-Za-z])([GVO])[\s.\-]?(\d{1,2})(?!\d)", re.I)
_RANGE = re.compile(r"^[\W_]*(?:-|–|—|to|through|thru|till|until)[\W_]*$", re.I)


def _with_ranges(text: str, named: frozenset) -> set:
    """The references named, with those a range of them names ("G1 - G3" is G1, G2, G3)."""
    found = list(_SAMPLE_REF.finditer(text))
    out = set(named)
    for a, b in zip(found, found[1:], strict=False):
        if a.group(1).upper() == b.group(1).upper() and _RANGE.match(text[a.end() : b.start()]):
            lo, hi = int(a.group(2)), int(b.group(2))
            out |= {f"{a.group(1).upper()}{n}" for n in range(lo + 1, hi)}
    return out


@SETTINGS
@given(r=reply(dates=False), nudge=NUDGE)
def test_a_reply_with_no_date_never_moves_a_deadline(bench, r, nudge):
    text, _named = r
    stored, revs = _send(bench, text, nudge)
    event("stored an update" if stored else "stored nothing")
    assert not revs and all(due is None for _ref, due in stored), (
        f"{text!r} (nudge {nudge}) moved a deadline: {stored}"
    )
