"""A slip that may happen is a risk to report, not a new deadline.

"V11 going ok but could slip into jan" was stored At risk with the deadline moved to
31 January: the owner said it might move, not that it had. "on track, though could slip a
couple of weeks" was stored On track with the deadline two weeks later, and "might be pushed
back to April" Delayed with April as the deadline. A move said under a modal ("could",
"might", "may", "possibly", "potentially"), as a risk ("risk of", "in danger of", "worried it
will"), or in a condition ("if the funding falls through it will slip to March", "unless
estates reply it'll be delayed until Feb") moves nothing: the status is the risk (At risk)
where the words say one, else the bot asks, and the words are kept.

The class is generated (hedges × move words × dates or sizes); the same words without the
hedge still move the deadline, so the reader is not simply blind to them. A sample runs end
to end through ``Conversation.handle`` on the bundled plan, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from tests.corpus.generate import Case, Expect
from tests.corpus.harness import load_plans, report, run_cases

TODAY = date(2019, 9, 16)
DEADLINE = date(2019, 10, 31)
HEDGES = ["could", "might", "may", "could well", "might well", "may well", "could possibly"]
# (the words after the hedge, the words without it: the move said as fact)
MOVES = [
    ("slip into {d}", "slipping into {d}"),
    ("slip to {d}", "slipped to {d}"),
    ("be pushed back to {d}", "pushed back to {d}"),
    ("be delayed until {d}", "delayed until {d}"),
    ("end up being delayed until {d}", "delayed until {d}"),
    ("get moved to {d}", "moved to {d}"),
    ("be put back to {d}", "put back to {d}"),
]
DATES = {"jan": date(2020, 1, 31), "January": date(2020, 1, 31), "end of Feb": date(2020, 2, 29),
         "the new year": date(2020, 1, 1), "Q4": date(2020, 3, 31), "15 Dec": date(2019, 12, 15)}  # fmt: skip
OPENINGS = ["", "going ok but ", "on track at the mo but ", "Amber - ", "progressing, though it "]
RISKS = ["risk of slipping to {d}", "in danger of slipping to {d}", "possibly slipping into {d}",
         "potentially slipping to {d}", "worried it will slip to {d}",
         "there's a risk it slips to {d}", "some risk we slip into {d}"]  # fmt: skip
CONDITIONS = [
    "if the funding falls through it will slip to {d}",
    "If HR don't sign off this week, we'll have to push it back to {d}",
    "unless estates get back to us it'll be delayed until {d}",
    "on track, but if procurement drags it moves to {d}",
    "should the panel not sit, it slips to {d}",
]
SIZES = ["a couple of weeks", "a month", "2 weeks", "a few weeks", "10 days"]


def _no_move(text: str):
    got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
    assert got.revised is None or got.revised.due is None, (text, got.revised)
    # What was said is a risk: never Delayed, never Completed ("progressing, though it could
    # slip" keeps its Ongoing, "on track but could slip" its On track, with the words).
    assert got.status not in (Status.DELAYED, Status.COMPLETED), (text, got.status)
    assert got.commentary.strip(), text  # the words are kept for people to read
    return got


@pytest.mark.parametrize("hedge", HEDGES)
@pytest.mark.parametrize("move", [m for m, _ in MOVES])
def test_a_move_under_a_modal_moves_nothing(hedge, move):
    for opening in OPENINGS:
        for d in DATES:
            text = f"{opening}{hedge} {move.format(d=d)}"
            got = _no_move(text)
            if opening in ("", "going ok but ", "Amber - "):
                # "could slip" is the risk itself: At risk, not asked and not On track
                assert got.status is Status.AT_RISK, (text, got.status)


@pytest.mark.parametrize("fact", [f for _, f in MOVES])
def test_the_same_move_said_as_fact_moves_the_deadline(fact):
    for d, due in DATES.items():
        text = fact.format(d=d)
        got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
        assert got.revised is not None and got.revised.due == due, (text, got.revised)
        assert got.status is Status.DELAYED, text


@pytest.mark.parametrize("risk", RISKS)
def test_a_move_said_as_a_risk_moves_nothing(risk):
    for d in DATES:
        for opening in ("", "going ok, ", "Amber: "):
            _no_move(f"{opening}{risk.format(d=d)}")


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_move_on_a_condition_moves_nothing(condition):
    for d in DATES:
        got = _no_move(condition.format(d=d))
        assert got.status is not Status.DELAYED


@pytest.mark.parametrize("hedge", ["could", "might", "may", "could possibly"])
@pytest.mark.parametrize("size", SIZES)
def test_a_slip_that_may_be_some_weeks_moves_nothing(hedge, size):
    for text in (
        f"{hedge} slip {size}",
        f"{hedge} be {size} late",
        f"{hedge} be {size} behind",
        f"on track, though {hedge} slip {size}",
        f"{hedge} be delayed by {size}",
    ):
        _no_move(text)


@pytest.mark.parametrize(
    "text, due",
    [
        # the month May, not the modal
        ("slipped to end of May", date(2020, 5, 31)),
        ("delayed, now mid May", date(2020, 5, 15)),
        # a hedge in another sentence or clause leaves the move alone
        ("we might need more staff. Deadline moved to 15 Dec", date(2019, 12, 15)),
        ("could have been worse, deadline moved to 15 Dec", date(2019, 12, 15)),
        ("was worried, but it has now slipped to end of Jan", date(2020, 1, 31)),
        # the status At risk is no hedge
        ("At risk - postponed until the end of March", date(2020, 3, 31)),
        ("at risk: now expected 24/05/2020", date(2020, 5, 24)),
    ],
)
def test_a_move_said_as_fact_beside_a_hedge_still_moves(text, due):
    got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
    assert got.revised is not None and got.revised.due == due, (text, got.revised)


# Through the conversation, on the bundled plan (V12-V14 due 31 March 2020; today 10 Jan).
CASES = [
    ("V12 going ok but could slip into may", "At risk"),
    ("V13 might be pushed back to June", "At risk"),
    ("V14 on track, though could slip a couple of weeks", "On track"),
]


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_a_hedged_slip_is_stored_with_the_deadline_where_it_was(backend, request):
    engine = request.getfixturevalue(f"{backend}_engine")
    benches = load_plans(engine)
    for text, status in CASES:
        ref = text.split()[0]
        case = Case("hedged slip", "sample", text, expect=(Expect(ref, status, None),))
        [o] = run_cases(benches, [case])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        assert [row[:3] for row in o.stored] == [(ref, status, None)], (text, o.stored)
