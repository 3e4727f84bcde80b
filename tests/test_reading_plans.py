"""Plans as programme offices keep them (issue 7), imported on SQLite and PostgreSQL: references
written "G1.", a RAG column, statuses only in the progress text; and replies on such a plan.

seed000_dotted_rag is built by tests/make_fixtures.py from seed 000: each row's status word
("On track: …") moved into a RAG column as its BRAG colour. So every imported status must be
the colour's status, and the rows whose seed text had no status word are the unknown ones."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from handlers.replies import Problem, Refusal, UpdatesStored, UpdateStored
from handlers.update import handle_reply
from storage.engine import read_session
from storage.models import Action, Update

PLANS = Path(__file__).parent / "fixtures" / "plans"
SAMPLE = Path(__file__).parents[1] / "bot" / "data" / "sample_plan.csv"
CLOCK = FixedClock(datetime(2019, 11, 20, 10, 0, tzinfo=UTC))
COLOUR = {"Blue": "Completed", "Green": "On track", "Amber": "At risk", "Red": "Delayed"}


def _statuses(engine) -> dict[str, str | None]:
    with read_session(engine) as s:
        return {a.ref: a.status for a in s.exec(select(Action))}


@pytest.mark.parametrize("name", ["seed000_dotted_rag.csv", "seed000_dotted_rag.xlsx"])
def test_rag_column_and_dotted_refs(engine, name):
    result = import_plan(engine, CLOCK, PLANS / name, plan_name="OD plan", fy_start_year=2019)
    with (PLANS / "seed000_dotted_rag.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = {r["Ref."]: COLOUR.get(r["RAG"]) for r in rows}
    got = _statuses(engine)
    with_progress = {r["Ref."] for r in rows if r["RAG"] or r["Update on Progress"].strip()}
    assert {k: v for k, v in got.items() if k in with_progress} == {
        k: v for k, v in expected.items() if k in with_progress
    }
    assert all(ref.endswith(".") for ref in got)  # kept as written
    st = result.statuses
    assert st.from_column == sum(1 for r in rows if r["RAG"])
    # The seed rows with progress but no leading status word: unknown, or inferred from text.
    no_word = [r for r in rows if not r["RAG"] and r["Update on Progress"].strip()]
    assert st.inferred + len(st.unknown_rows) == len(no_word)
    assert not any("RAG" in w and "not imported" in w for w in result.warnings)


def test_statuses_only_in_the_progress_text_are_inferred(engine):
    """Seed 004 has no status column: 'Completed …', 'This was completed and …' and 'Has
    been delayed due to Covid …' are read; rows saying none are listed as unknown."""
    result = import_plan(engine, CLOCK, PLANS / "seed004.csv", plan_name="Seed 4")
    with read_session(engine) as s:
        updates = list(s.exec(select(Update).where(Update.source == "import")))

    def status_of(fragment: str) -> str | None:
        (found,) = [u.status for u in updates if fragment in u.commentary]
        return found

    assert (
        status_of("additional CSU HR Capacity committed") == "Completed"
    )  # "This was completed and"
    assert (
        status_of("Diagnostic exercise undertaken in February") == "Delayed"
    )  # "Has been delayed"
    assert status_of("Approved by NHSE/I 10 August 2020") is None
    st = result.statuses
    assert st.from_column == 0 and st.inferred > 0
    assert st.inferred + len(st.unknown_rows) == result.updates
    assert 7 in st.unknown_rows  # "Approved by NHSE/I 10 August 2020": no status said


def test_replies_on_a_dotted_plan(engine):
    import_plan(engine, CLOCK, PLANS / "seed000_dotted_rag.csv", plan_name="OD", fy_start_year=2019)
    service = PlanService(engine, CLOCK)
    nursing = service.actor_for_name("Director of Nursing and Quality")  # owns G3., G4.
    snap = service.snapshot()
    g1, g3, g4 = (service.find_action(snap, r) for r in ("g1", "G3)", "#4"))
    assert (g1.ref, g3.ref, g4.ref) == ("G1.", "G3.", "G4.")

    both = handle_reply(service, nursing, "G3 & G4 done", source="console", external_id="e1")
    assert isinstance(both, UpdatesStored)
    assert [(s.action.ref, s.update.status) for s in both.stored] == [
        ("G3.", "Completed"),
        ("G4.", "Completed"),
    ]
    # One the owner may update and one they may not: the first is stored, the other refused.
    mixed = handle_reply(service, nursing, "G1. and G3. on track", source="console")
    assert isinstance(mixed, UpdatesStored)
    assert [s.action.ref for s in mixed.stored] == ["G3."]
    assert "only the owners of G1." in mixed.refused[0].text

    before = _statuses(engine)
    bad = handle_reply(service, nursing, "G3 pushed back to 31/02/2020", source="console")
    assert isinstance(bad, Problem) and "'31/02/2020' is not a real date" in bad.text
    assert _statuses(engine) == before

    moved = handle_reply(
        service, nursing, "G4: we're behind, probably December now", source="console"
    )
    assert isinstance(moved, UpdateStored)
    assert (moved.update.status, moved.update.revised_due.isoformat()) == ("Delayed", "2019-12-31")
    assert isinstance(handle_reply(service, nursing, "G1 done", source="console"), Refusal)


def test_owners_given_as_emails_are_people_matched_by_email(engine, tmp_path):
    from storage.engine import write_session
    from storage.models import ActionOwner, Owner
    from storage.people import upsert_person

    with write_session(engine) as s:
        upsert_person(s, "Julie F.", email="Julie.Fellows@nhs.net", now=CLOCK.now())
    plan = tmp_path / "owners.csv"
    plan.write_text(
        "Ref,Action,Deadline,Owner\n"
        'A1.,Run the workshops,Mar-20,"julie.fellows@nhs.net / robert.tredwell@nhs.net"\n'
        "A2.,Publish the offer,Jul-19,Director of Corporate Affairs\n",
        encoding="utf-8",
    )
    import_plan(engine, CLOCK, plan, plan_name="Owners")
    with read_session(engine) as s:
        owners = {
            o.name: (o.kind, o.email)
            for o in s.exec(select(Owner).join(ActionOwner, ActionOwner.owner_id == Owner.id))
        }
    assert owners == {
        "Julie F.": ("person", "Julie.Fellows@nhs.net"),  # the person already known
        "Robert Tredwell": ("person", "robert.tredwell@nhs.net"),
        "Director of Corporate Affairs": ("role", None),
    }
