"""The store on SQLite and PostgreSQL: plan sync, append-only updates, roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from storage.engine import read_session, write_session
from storage.models import Action, DeadlineRevision, Owner, Update
from storage.people import assign_role, roles_held, upsert_person
from storage.plan_sync import (
    ActionSpec,
    DeadlineSpec,
    OwnerSpec,
    PlanSpec,
    ProgressSpec,
    sync_plan,
)
from storage.queries import action_updates, deadline_revisions, get_plan, plan_snapshot
from storage.updates import NewUpdate, append_update

T0 = datetime(2019, 11, 1, 9, 0, tzinfo=UTC)


def _spec(**overrides) -> PlanSpec:
    actions = [
        ActionSpec(
            ref="L1",
            text="Develop a system response to the long term plan",
            theme="Governance",
            theme_tags=["Vision and Values"],
            objective="Shared vision",
            deadline=DeadlineSpec("Quarter 2", date(2019, 9, 30), "fixed", True),
            owners=[OwnerSpec("Chief Officer", "role")],
            progress=ProgressSpec("On track: co-produced", "On track", "co-produced"),
        ),
        ActionSpec(
            text="Recruit two directors",
            theme="Governance",
            objective="Shared vision",
            deadline=DeadlineSpec(
                "By September 2020 Revised 31 st March 2021",
                date(2021, 3, 31),
                "fixed",
                True,
                [
                    ("By September 2020", date(2020, 9, 30)),
                    ("Revised 31 st March 2021", date(2021, 3, 31)),
                ],
            ),
            owners=[OwnerSpec("Director of Corporate Affairs", "role"), OwnerSpec("CSU", "role")],
        ),
        ActionSpec(
            text="Review staff recognition",
            theme="Values",
            objective="Culture",
            deadline=DeadlineSpec("Ongoing", None, "ongoing", True),
            owners=[OwnerSpec("Julie Fellows", "person")],
        ),
    ]
    spec = PlanSpec(name="OD plan", actions=actions, fy_start_year=2019)
    for k, v in overrides.items():
        setattr(spec, k, v)
    return spec


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_sync_creates_plan_then_reimport_changes_nothing(engine):
    with write_session(engine) as s:
        first = sync_plan(s, _spec(), now=T0)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (first.themes_created, first.objectives_created, first.owners_created) == (2, 2, 4)
    assert first.updates_added == 1 and first.revisions_added == 4

    with write_session(engine) as s:
        again = sync_plan(s, _spec(), now=T0 + timedelta(days=1))
    assert (again.created, again.updated, again.unchanged, again.archived) == (0, 0, 3, 0)
    assert again.updates_added == 0 and again.revisions_added == 0
    with read_session(engine) as s:
        assert _count(s, Action) == 3 and _count(s, Update) == 1 and _count(s, Owner) == 4
        snap = plan_snapshot(s, get_plan(s).id)
    by_ref = {a.ref: a for a in snap.actions}
    assert by_ref["L1"].status == "On track" and by_ref["L1"].owners[0].name == "Chief Officer"
    two = next(a for a in snap.actions if a.text.startswith("Recruit"))
    assert [o.name for o in two.owners] == ["Director of Corporate Affairs", "CSU"]
    assert two.due_date == date(2021, 3, 31)


def test_reimport_with_changes_updates_in_place_and_archives_missing(engine):
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0)
    changed = _spec()
    changed.actions[0].deadline = DeadlineSpec("Quarter 3", date(2019, 12, 31), "fixed", True)
    changed.actions[0].progress = ProgressSpec("Completed: done", "Completed", "done")
    del changed.actions[2]
    with write_session(engine) as s:
        report = sync_plan(s, changed, now=T0 + timedelta(days=2))
    assert (report.created, report.updated, report.unchanged, report.archived) == (0, 1, 1, 1)
    assert report.updates_added == 1
    with read_session(engine) as s:
        plan = get_plan(s)
        snap = plan_snapshot(s, plan.id)
        l1 = next(a for a in snap.actions if a.ref == "L1")
        assert l1.due_date == date(2019, 12, 31) and l1.status == "Completed"
        assert [r.text for r in deadline_revisions(s, l1.id)] == ["Quarter 2", "Quarter 3"]
        assert len(snap.actions) == 2  # archived action is not live ...
        assert _count(s, Action) == 3  # ... but is kept


def test_chat_revision_survives_reimport_of_same_file(engine):
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0)
    with write_session(engine) as s:
        l1 = s.exec(select(Action).where(Action.ref == "L1")).one()
        append_update(
            s,
            NewUpdate(
                l1.id,
                "Delayed",
                "slipping",
                "reply",
                revised_deadline_text="end of June 2020",
                revised_due=date(2020, 6, 30),
            ),
            now=T0 + timedelta(hours=1),
        )
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0 + timedelta(days=1))
    with read_session(engine) as s:
        l1 = s.exec(select(Action).where(Action.ref == "L1")).one()
        assert l1.due_date == date(2020, 6, 30) and l1.status == "Delayed"
        assert [r.source for r in deadline_revisions(s, l1.id)] == ["import", "update"]


def test_append_update_is_idempotent_on_external_id(engine):
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0)
    with read_session(engine) as s:
        action_id = s.exec(select(Action.id).where(Action.ref == "L1")).one()
    new = NewUpdate(action_id, "Completed", "done", "button", external_id="slack:Ev1")
    for i in range(3):
        with write_session(engine) as s:
            _, created = append_update(s, new, now=T0 + timedelta(minutes=i))
        assert created is (i == 0)
    with read_session(engine) as s:
        updates = action_updates(s, action_id)
    assert [u.source for u in updates] == ["import", "button"]


def test_failed_transaction_leaves_database_unchanged(engine):
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0)
    bad = _spec()
    bad.actions.append(bad.actions[0])  # same key twice -> unique violation at flush
    with pytest.raises(Exception), write_session(engine) as s:  # noqa: B017
        bad.actions[0].progress = ProgressSpec("Completed: x", "Completed", "x")
        sync_plan(s, bad, now=T0 + timedelta(days=1))
        s.flush()
        raise RuntimeError("boom")  # fail after writes were flushed
    with read_session(engine) as s:
        assert _count(s, Update) == 1 and _count(s, DeadlineRevision) == 4


def test_role_assignment_history(engine):
    with write_session(engine) as s:
        sync_plan(s, _spec(), now=T0)
        alice = upsert_person(s, "Alice Smith", email="alice@example.org", now=T0)
        bob = upsert_person(s, "Bob Jones", email="bob@example.org", now=T0)
        assign_role(s, "Chief Officer", alice, now=T0)
        assign_role(s, "Chief Officer", bob, now=T0 + timedelta(days=30))
        assert [r.name for r in roles_held(s, bob.id)] == ["Chief Officer"]
        assert roles_held(s, alice.id) == []
    with read_session(engine) as s:
        snap = plan_snapshot(s, get_plan(s).id)
        l1 = next(a for a in snap.actions if a.ref == "L1")
        assert [p.name for p in snap.people_for(l1.owners[0])] == ["Bob Jones"]


def test_chat_events_are_recognised_once_and_forgotten_after_a_day(engine):
    from storage.chat import first_delivery, forget_events_before

    with write_session(engine) as s:
        assert first_delivery(s, "slack:Ev1", now=T0)
    with write_session(engine) as s:
        assert not first_delivery(s, "slack:Ev1", now=T0 + timedelta(minutes=1))
        assert forget_events_before(s, T0 + timedelta(hours=1)) == 1
    with write_session(engine) as s:
        assert first_delivery(s, "slack:Ev1", now=T0 + timedelta(days=2))
