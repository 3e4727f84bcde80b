"""A slip said with its new date or its size after a break moves the deadline.

"v2 running late - now end of Nov" was stored Delayed with the deadline left where it was,
and "behind, about 3 wks" the same: the new date was read only when it followed the slip
word directly ("delayed until end of Nov", "3 weeks behind"). Now a slip word, a break
(comma, dash, colon) and "now <date>" is a move to that date, and a slip word, a break and a
duration that closes the clause ("about 3 wks", "roughly a month", "2 weeks or so") is a move
by that much from the deadline. A duration that runs on into a cause ("delayed - 3 weeks of
staff sickness") and another thing's date ("late, now the board meeting is in Nov") move
nothing.

The class is generated (slip words × breaks × dates or durations) and read by the reply
reader; a sample runs end to end through ``Conversation.handle`` on the bundled plan.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from tests.corpus.generate import Case, Expect
from tests.corpus.harness import load_plans, report, run_cases

TODAY = date(2019, 9, 16)
DEADLINE = date(2019, 9, 30)
SLIPS = ["delayed", "running late", "behind", "slipped", "late", "running behind", "pushed back"]
BREAKS = [" - ", ", ", ": ", " – ", " -- "]
DATES = {"end of Nov": date(2019, 11, 30), "30 Nov": date(2019, 11, 30),
         "30/11": date(2019, 11, 30), "the end of November": date(2019, 11, 30),
         "due end of Nov": date(2019, 11, 30), "15 December": date(2019, 12, 15)}  # fmt: skip
DURATIONS = {"3 wks": timedelta(weeks=3), "3 weeks": timedelta(weeks=3),
             "2 weeks": timedelta(weeks=2), "10 days": timedelta(days=10),
             "a fortnight": timedelta(weeks=2)}  # fmt: skip
HEDGES = ["", "about ", "around ", "roughly ", "approx "]
ENDS = ["", ".", " or so", ", waiting on estates", " - waiting on estates"]


@pytest.mark.parametrize("slip", SLIPS)
@pytest.mark.parametrize("when", DATES)
def test_a_slip_then_now_and_a_date_moves_the_deadline_there(slip, when):
    for brk in BREAKS:
        text = f"{slip}{brk}now {when}"
        got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
        assert got.status is Status.DELAYED, text
        assert got.revised is not None and got.revised.due == DATES[when], text


@pytest.mark.parametrize("slip", ["delayed", "running late", "behind", "slipped", "late"])
@pytest.mark.parametrize("size", DURATIONS)
def test_a_slip_then_its_size_moves_the_deadline_by_it(slip, size):
    for brk in (" - ", ", ", ": "):
        for hedge in HEDGES:
            for end in ENDS:
                text = f"{slip}{brk}{hedge}{size}{end}"
                got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
                assert got.status is Status.DELAYED, text
                assert got.revised is not None, text
                assert got.revised.due == DEADLINE + DURATIONS[size], text


@pytest.mark.parametrize(
    "text, by",
    [
        ("a month or so late", (1, 0)),
        ("delayed by a week or so", timedelta(weeks=1)),
        ("a fortnight or so behind", timedelta(weeks=2)),
        ("a week or two late", timedelta(weeks=2)),
        ("delayed a month or two", (2, 0)),
    ],
)
def test_or_so_is_about_the_size_said_and_or_two_the_larger_end(text, by):
    from bot.core.chat_dates import add

    got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
    assert got.revised is not None and got.revised.due == add(DEADLINE, by), text


def test_a_slip_of_some_weeks_or_so():
    for text in ("behind - 2 weeks or so", "delayed, about 3 weeks or so", "slipped: 10 days-ish"):
        got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
        assert got.status is Status.DELAYED and got.revised is not None, text
        assert got.revised.due > DEADLINE, text


@pytest.mark.parametrize(
    "text",
    [
        "delayed - 3 weeks of staff sickness",
        "behind, 2 weeks of leave over summer did not help",
        "late, now the board meeting is in Nov",
        "delayed, now waiting for finance",
        "running late - now the workshop is on 30 Nov",
    ],
)
def test_a_cause_or_another_things_date_moves_nothing(text):
    got = parse_update_text(text, today=TODAY, deadline=DEADLINE)
    assert got.revised is None or got.revised.due is None, (text, got.revised)


# Through the conversation, on the bundled plan (V12-V14 due 31 March 2020; today 10 Jan).
CASES = [
    ("V12 running late - now end of April", (), "V12", date(2020, 4, 30)),
    ("V13 behind, about 3 wks", (), "V13", date(2020, 4, 21)),
]


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_the_move_stored_through_the_conversation(backend, request):
    engine = request.getfixturevalue(f"{backend}_engine")
    benches = load_plans(engine)
    for text, nudge, ref, due in CASES:
        case = Case("slip", "sample", text, nudge=nudge, expect=(Expect(ref, "Delayed", due),))
        [o] = run_cases(benches, [case])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        assert [row[:3] for row in o.stored] == [(ref, "Delayed", due)], (text, o.stored)
