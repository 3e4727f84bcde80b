"""Replies as busy NHS managers write them, each read into a status and (where one is given)
a revised deadline, as a programme officer would read it. Expected values are worked out by
hand; today is 10 January 2020, the plan's financial year starts April 2019.

Also: property tests that the reply parser and reference matching never raise on any text.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.refs import RefIndex, leading_refs, looks_like_ref, ref_key
from bot.core.statuses import Status
from bot.core.update_text import parse_update_text

TODAY = date(2020, 1, 10)
C, OT, OG, DV, PE, DL, AR, NS = (
    Status.COMPLETED,
    Status.ON_TRACK,
    Status.ONGOING,
    Status.DEVELOPING,
    Status.PENDING,
    Status.DELAYED,
    Status.AT_RISK,
    Status.NOT_STARTED,
)
D = date

# (reply, status, revised due date or None)
REPLIES = [
    # plain status words, leading
    ("Done", C, None),
    ("done.", C, None),
    ("Done, signed off by GB", C, None),
    ("Completed - report went to Board in December", C, None),
    ("complete", C, None),
    ("Finished!", C, None),
    ("Closed - no further action", C, None),
    ("closed", C, None),
    ("Signed off at ET on Tuesday", C, None),
    ("Achieved", C, None),
    ("Delivered: launched 6 Jan", C, None),
    ("On track", OT, None),
    ("on track: workshops booked for 12 March", OT, None),
    ("On-track, nothing to report", OT, None),
    ("on schedule", OT, None),
    ("Ongoing - monthly meetings continue", OG, None),
    ("In progress", OG, None),
    ("underway, first draft with HR", OG, None),
    ("Developing: menu of support", DV, None),
    ("Pending sign off at ET", PE, None),
    ("On hold until the merger", PE, None),
    ("on hold - waiting for the new CEO", PE, None),
    ("Paused due to winter pressures", PE, None),
    ("Delayed", DL, None),
    ("delayed - Covid", DL, None),
    ("Behind schedule; HR capacity", DL, None),
    ("behind", DL, None),
    ("Slipped", DL, None),
    ("At risk: no budget identified", AR, None),
    ("Not started", NS, None),
    ("Not yet started - waiting for funding", NS, None),
    ("No progress", NS, None),
    ("no progress yet, team off sick", NS, None),
    # negations are never Completed
    ("Not done", OG, None),
    ("not done yet - chasing HR", OG, None),
    ("Not complete, about 2/3 of the way", OG, None),
    ("not finished", OG, None),
    ("Not on track - staffing", AR, None),
    ("off track", AR, None),
    ("Still in progress", OG, None),
    # subject words before the status
    ("We're on track", OT, None),
    ("We are on track I think", OT, None),
    ("It's done", C, None),
    ("This is now complete", C, None),
    ("all done", C, None),
    ("both on track", OT, None),
    ("currently on hold", PE, None),
    ("Status: amber", AR, None),
    # RAG / BRAG colours
    ("RAG green", OT, None),
    ("RAG: Amber", AR, None),
    ("Amber - paper drafted", AR, None),
    ("Green", OT, None),
    ("green.", OT, None),
    ("Red - no lead appointed", DL, None),
    ("Blue", C, None),
    ("BRAG: blue - closed at Board", C, None),
    ("RAG status is red", DL, None),
    ("The RAG is now amber because of the delay in recruitment", AR, None),
    # emoji (and Slack's codes for them)
    ("✅ done", C, None),
    ("✅", C, None),
    ("✔️ finished", C, None),
    ("🟢", OT, None),
    ("🟢 workshops booked", OT, None),
    ("🟠 waiting on finance", AR, None),
    ("🔴 no progress", DL, None),
    ("⚠️ budget not agreed", AR, None),
    # a thumbs-up alone is no status (tests/test_reader_holes.py); beside words, decoration
    ("👍 done", C, None),
    ("done ✅", C, None),
    (":white_check_mark: done", C, None),
    (":large_green_circle: all fine", OT, None),
    (":red_circle: stalled", DL, None),
    # percentages
    ("50% complete", OG, None),
    ("about 75% done", OG, None),
    ("100% complete", C, None),
    ("0% - not begun", NS, None),
    ("50% complete, on track for March", OT, None),
    # phrases anywhere
    ("Workshops booked, on track for March", OT, None),
    ("Recruitment is on hold pending the review", PE, None),
    ("The policy has been delayed due to Covid", DL, None),
    ("Team is behind because of sickness", DL, None),
    ("Training was completed in December", C, None),
    # date moves: revised deadlines
    ("we're behind, probably December now", DL, D(2020, 12, 31)),
    ("pushed back to 31st January", DL, D(2020, 1, 31)),
    ("delayed to Q1 2020/21", DL, D(2020, 6, 30)),
    ("Delayed: revised to June 2021", DL, D(2021, 6, 30)),
    ("slipping to 30/06/2021", DL, D(2021, 6, 30)),
    ("Waiting on HR, slipping to end of June", DL, D(2020, 6, 30)),
    ("On track, now due end of March", OT, D(2020, 3, 31)),
    ("Pending: moved to Q3", PE, D(2020, 12, 31)),
    ("delayed until September as the panel moved", DL, D(2020, 9, 30)),
    ("Amber - moved to end of April 2020", AR, D(2020, 4, 30)),
    ("probably end of May", DL, D(2020, 5, 31)),
    ("more likely April now", DL, D(2020, 4, 30)),
    ("Postponed to 15/03/2020 because of purdah", DL, D(2020, 3, 15)),
    ("deferred until Q4", DL, D(2020, 3, 31)),
    ("slipped into February 2020", DL, D(2020, 2, 29)),
    ("On hold - new date 31 March 2021", PE, D(2021, 3, 31)),
    ("Put back to September 2020 (Covid)", DL, D(2020, 9, 30)),
    # no status: the bot asks
    ("ask Sarah", None, None),
    ("see attached", None, None),
    ("Workshops booked for 12 March", None, None),
    ("I am done with the first half", None, None),
    ("Will update after the next ET meeting", None, None),
]


def test_at_least_eighty_replies():
    assert len(REPLIES) >= 80


@pytest.mark.parametrize(("text", "status", "due"), REPLIES, ids=[r[0][:40] for r in REPLIES])
def test_reply_as_written(text, status, due):
    p = parse_update_text(text, today=TODAY, fy_start_year=2019)
    assert (p.status, p.revised_due) == (status, due)
    assert not p.problem and not p.reassign
    if status is None:
        assert p.commentary == text  # kept, so the bot can ask and store it with the status


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pushed back to 31/02/2020", "'31/02/2020' is not a real date"),
        ("Delayed: now due 30th February 2021", "'30th February 2021' is not a real date"),
        ("on track, meeting on 31/04/2020", "'31/04/2020' is not a real date"),
    ],
)
def test_impossible_dates_are_warned(text, problem):
    assert parse_update_text(text, today=TODAY).problem == problem


@pytest.mark.parametrize(
    "text",
    [
        "This is no longer my action",
        "no longer mine - please reassign to Tom",
        "Please reassign, I've moved roles",
        "not my action, should sit with the CFO",
        "Wrong owner: this belongs to Estates",
        "this isn't mine",
        "I'm not the owner of this",
        "Sarah leads on this now",
        "this has moved to the HR team",
        "I've handed this over to Priya",
        "not my area, please redirect",
    ],
)
def test_reassignment_requests(text):
    assert parse_update_text(text, today=TODAY).reassign


@pytest.mark.parametrize(
    "text",
    [
        "on track, Tom is leading the workshops",
        "on track - the paper has moved to the next board",
        "done, handed the report to ET",
        "the lead for the workshops is now Sarah, on track",
    ],
)
def test_not_a_reassignment(text):
    assert not parse_update_text(text, today=TODAY).reassign


# ---- references however written --------------------------------------------------------


def _plan(*refs):
    return [SimpleNamespace(id=i + 1, ref=r) for i, r in enumerate(refs)]


@pytest.mark.parametrize(
    ("written", "ref"),
    [
        ("L2", "L2."),
        ("L2.", "L2."),
        ("l2", "L2."),
        ("L2)", "L2."),
        ("(L2)", "L2."),
        ("L-2", "L2."),
        ("l2.", "L2"),
        ("CF12b", "CF12b"),
        ("1.2", "1.2"),
    ],
)
def test_reference_however_written(written, ref):
    index = RefIndex(_plan(ref, "L3.", "X9"))
    assert index.lookup(written).ref == ref


def test_numbered_plans():
    numbered = RefIndex(_plan("21", "22", "23"))
    assert numbered.lookup("23").ref == "23" and numbered.lookup("#23").ref == "23"
    lettered = RefIndex(_plan("L1", "L2", "L3"))
    assert lettered.lookup("#2").ref == "L2"  # "#N" with no such reference is the id
    assert lettered.lookup("2") is None  # a bare number is no reference in a lettered plan
    assert [h.action.ref for h in numbered.find_in("23 done, booked for 12 March")] == ["23"]
    assert lettered.find_in("done 2 weeks ago, 50% through") == []


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("G3 & G4 done", ["G3", "G4"]),
        ("V5 and V10 both on track", ["V5", "V10"]),
        ("✅ V14 done", ["V14"]),
        ("G3, G4 and G5: on hold", ["G3", "G4", "G5"]),
        ("Update on G3: done", ["G3"]),
        ("Done, G3 unblocks G4", []),
    ],
)
def test_leading_references(text, refs):
    index = RefIndex(_plan("G3", "G4", "G5", "V5", "V10", "V14"))
    assert [h.action.ref for h in leading_refs(text, index.find_in(text))] == refs


# ---- never raise --------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_reply_parser_never_raises(text):
    p = parse_update_text(text, today=TODAY, fy_start_year=2019)
    assert p.status is None or isinstance(p.status, Status)


_PIECES = [
    "L2", "L2.", "#23", "23", " ", "done", "on track", "&", "and", "31/02/2020", "✅",
    ":red_circle:", "Q3 19/20", "probably", "December", "now", "%", "50", "(", ")", ".",
    "pushed back to", "not", "RAG", "amber", "please reassign", "\n", "<p>", "</p>",
]  # fmt: skip
_REPLYISH = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), _REPLYISH))
def test_reference_matching_never_raises(text):
    index = RefIndex(_plan("L2.", "23", "1.2", "CF-4", None))
    hits = index.find_in(text)
    leading_refs(text, hits)
    index.lookup(text)
    looks_like_ref(text)
    ref_key(text)
    parse_update_text(text, today=TODAY)
    from handlers.update import find_actions

    actions, rest = find_actions(SimpleNamespace(actions=index.actions), text)
    assert isinstance(rest, str) and all(a in index.actions for a in actions)


@pytest.mark.parametrize("query", ["status delayed", "status on track", "theme leadership"])
def test_queries_are_not_read_as_updates(query):
    # Slack's DM routing asks the parser whether a message is an update or a query.
    assert parse_update_text(query, today=TODAY).status is None
