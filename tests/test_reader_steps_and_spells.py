"""A step of the work done is not the action done; no progress in a spell is not Not started.

"V9 workshops done, report going to SMT 12th, likely sign off then" was stored Completed:
the owner reported a piece of the action finished and the rest still to come. A completion
word after a thing of its own ("workshops", "the first draft", "recruitment") followed by
more to come ("going to", "due", "being analysed", "expected", "will") is a step: the bot
asks (offering Ongoing and Completed), or stores Ongoing where other words say it is under way,
and never Completed. The same completion
said of the action itself ("all done", "it's finished", "this action is complete", "we're
done"), with what comes next after it, is still Completed.

"v9 no progress this month sorry - annual leave" was stored Not started with "no progress"
cut from the words: nothing moving for a month says nothing of whether an action under way
for a year ever started. "No progress" in a spell ("this month", "since the last update",
"over the summer", "to report") is not a status: asked, the words kept whole. "No progress
(yet, to date, so far)" and "no progress" alone still read Not started.

"V13 at risk of going into Q1 next yr" kept "of going into Q1 next yr": a status word that
runs on with "of" is kept with its words, as "delayed until" and "on hold until" were.

Each class is generated (things × completion words × what comes next; spells × openings),
with controls, and a sample runs end to end through the conversation on the bundled plan, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from tests.corpus.generate import Case, Expect
from tests.corpus.harness import load_plans, report, run_cases

TODAY = date(2019, 9, 16)
THINGS = ["workshops", "the first draft", "recruitment", "staff survey", "interviews",
          "consultation", "phase one workshops", "the business case", "training sessions",
          "paper for ET", "the scoping work"]  # fmt: skip
DONE_WORDS = ["done", "complete", "completed", "finished", "signed off", "delivered",
              "now done", "have been done", "has been finalised", "wrapped up"]  # fmt: skip
TO_COME = ["report going to SMT 12th, likely sign off then", "results being analysed",
           "final report due in Jan", "sign off expected next month",
           "will go to board in November", "evaluation to follow", "implementation starts in Jan",
           "next step is the board paper", "awaiting the panel's decision",
           "still need to agree the budget"]  # fmt: skip
SELF = ["all", "it's all", "this action is", "everything", "we're", "the whole thing is",
        "work is", "the project is"]  # fmt: skip


def _read(text: str):
    return parse_update_text(text, today=TODAY)


def _steps():
    rng = itertools.cycle(TO_COME)
    return [f"{t} {d}, {next(rng)}" for t in THINGS for d in DONE_WORDS]


@pytest.mark.parametrize("text", _steps())
def test_a_step_done_with_the_rest_to_come_is_never_completed(text):
    got = _read(text)
    # Asked (or, where the words say so, "the first draft done" / "awaiting", Ongoing).
    assert got.status in (None, Status.ONGOING), (text, got.status)
    if got.status is None:
        assert got.commentary == text  # kept whole for the answer


SPELLS = ["this month", "this quarter", "since the last update", "since last month",
          "over the summer", "to report", "made this month", "in the last few weeks",
          "recently", "for a while", "lately", "during August"]  # fmt: skip
AFTER = ["", " sorry - annual leave", ", team off sick", " as CFO diverted to winter planning",
         " I'm afraid"]  # fmt: skip


@pytest.mark.parametrize("text", [f"{o}no progress {s}{a}" for s in SPELLS for a in AFTER[:3]
                                  for o in ("", "sorry, ")])  # fmt: skip
def test_no_progress_in_a_spell_is_asked_with_the_words_whole(text):
    got = _read(text)
    assert got.status is not Status.NOT_STARTED, text
    if got.status is None:
        assert "no progress" in got.commentary, text


# Controls: the same words said of the action itself, a completion that opens the reply, and
# "no progress" with no spell, keep their status.
CONTROLS = [
    *((f"{s} {d}, {c}", Status.COMPLETED) for s in SELF for d in ("done", "complete", "finished")
      for c in TO_COME[:4]),
    *((t, Status.COMPLETED) for t in ("Completed - handover to BAU next month",
                                      "done, report to board next week",
                                      "finished last wk, report signed off by SMT")),
    *((t, Status.NOT_STARTED) for t in ("No progress", "no progress yet", "no progress to date",
                                        "no progress yet, team off sick",
                                        "No progress I'm afraid", "no progress so far")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "status"), CONTROLS)
def test_the_controls_keep_their_status(text, status):
    assert _read(text).status is status, text


@pytest.mark.parametrize("text", ["at risk of going into Q1 next yr",
                                  "At risk of slipping past March",
                                  "delayed of necessity by the audit",
                                  "delayed til Feb due to purdah"])  # fmt: skip
def test_a_status_that_runs_on_with_of_or_til_keeps_its_words(text):
    got = _read(text)
    assert got.status is not None and got.commentary == text, (text, got)


E2E_ASKED = [
    ("V9 workshops done, report going to SMT 12th, likely sign off then", "V9"),
    ("V2 recruitment complete, new starters due in Feb", "V2"),
    ("v9 no progress this month sorry - annual leave", "V9"),
    ("V6 no progress since the last update", "V6"),
]
E2E_STORED = [
    ("V13 at risk of going into Q1 next yr", "V13", "At risk",
     "at risk of going into Q1 next yr"),
    ("V11 all done, report going to board next month", "V11", "Completed",
     "report going to board next month"),
    ("V2 no progress yet, team off sick", "V2", "Not started", "team off sick"),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_through_the_conversation(backend, request):
    engine = request.getfixturevalue(f"{backend}_engine")
    benches = load_plans(engine)
    for text, ref in E2E_ASKED:
        case = Case("steps and spells", "sample", text, expect=(Expect(ref, None, None),))
        [o] = run_cases(benches, [case])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        assert not o.stored and ref in o.asked, (text, o.stored, o.asked)
    for text, ref, status, words in E2E_STORED:
        case = Case("steps and spells", "sample", text, expect=(Expect(ref, status, None),))
        [o] = run_cases(benches, [case])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        assert [(r[0], r[1], r[3]) for r in o.stored] == [(ref, status, words)], (text, o.stored)
