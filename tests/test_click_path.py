"""The status click's path kept cheap without losing a rule (bench/profile_click.py measures
it): a known chat user is recognised without a write (so a click does not queue at SQLite's
write gate behind a sweep for it), one click reads its plan once, and the update is stored
once however often the click is handled — on SQLite (no savepoint: the write lock is held
from the transaction's start) and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core.service import Refused, UpdateGiven
from handlers.conversation import Conversation, person_key
from handlers.update import StatusGiven
from storage.absences import set_absence
from storage.engine import read_session, write_gate, write_session
from storage.models import Action, LatestUpdate, Owner, Update
from tests.support.small_plan import small_service

TODAY = date(2019, 9, 16)


@pytest.fixture
def service(engine):
    return _with_julie(engine)


def _with_julie(engine):
    svc = small_service(engine, TODAY)
    with write_session(engine) as s:
        julie = s.exec(select(Owner).where(Owner.name == "Julie Fellows")).one()
        julie.chat_user_id = "U0JULIE"
        s.add(julie)
    return svc


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_known_chat_user_is_recognised_while_another_writer_holds_the_gate(sqlite_engine):
    # SQLite only: PostgreSQL has no write gate (row locks, many writers).
    service, gate = _with_julie(sqlite_engine), write_gate(sqlite_engine)
    got: list = []
    assert gate.acquire()  # a sweep's write, say
    try:
        t = threading.Thread(target=lambda: got.append(service.actor_for_chat_user("U0JULIE")))
        t.start()
        t.join(timeout=5)
        assert not t.is_alive(), "the look-up waited for the write gate"
    finally:
        gate.release()
    assert got[0].person is not None and got[0].person.name == "Julie Fellows"


def test_a_new_chat_user_is_still_linked_by_email(service, engine):
    stranger = service.actor_for_chat_user("U0NEW", email="nobody@example.org")
    assert stranger.person is None  # nobody has that email: nothing is linked
    actor = service.actor_for_chat_user("U0EVE", email="EVE@example.org", display_name="Eve")
    assert actor.person is not None and actor.person.chat_user_id == "U0EVE"
    assert service.actor_for_chat_user("U0EVE").person.name == "Eve Other"


def test_one_click_reads_its_plan_once_and_stores_once(service, engine):
    julie = service.actor_for_chat_user("U0JULIE")
    action = next(
        a for a in service.snapshot().actions if julie.person.id in {o.id for o in a.owners}
    )
    seen = _statements(engine)
    first = service.record_update(
        julie, action.id, status="On track", source="button", external_id="slack:btn:1:U0JULIE"
    )
    assert first.created and first.action.status == "On track"
    plan_reads = [q for q in seen if q.lstrip().upper().startswith('SELECT "PLAN"')]
    assert len(plan_reads) <= 1, plan_reads
    assert first.timezone == service.plan().timezone  # the reply needs no second plan read
    assert not [q for q in seen if "SAVEPOINT" in q.upper()] or engine.dialect.name != "sqlite"
    again = service.record_update(
        julie, action.id, status="Delayed", source="button", external_id="slack:btn:1:U0JULIE"
    )
    assert not again.created and again.update.id == first.update.id
    with write_session(engine) as s:
        mine = s.exec(select(Update).where(Update.action_id == action.id)).all()
    assert [u.status for u in mine if u.source == "button"] == ["On track"]


def test_a_click_by_someone_who_may_not_update_stores_nothing(service, engine):
    julie = service.actor_for_chat_user("U0JULIE")
    other = next(
        a for a in service.snapshot().actions if julie.person.id not in {o.id for o in a.owners}
    )
    with pytest.raises(Refused):
        service.record_update(julie, other.id, status="On track", source="button")
    with write_session(engine) as s:
        assert not s.exec(select(Update).where(Update.source == "button")).all()


def _link(engine, name: str, chat_user_id: str) -> int:
    with write_session(engine) as s:
        person = s.exec(select(Owner).where(Owner.name == name)).one()
        person.chat_user_id = chat_user_id
        s.add(person)
        return person.id


def test_a_burst_reads_its_people_and_stores_its_updates_as_one_by_one_would(service, engine):
    # Alice (who holds the role owning L1) is away; Eve, who owns nothing, is her deputy.
    alice, eve = _link(engine, "Alice Smith", "U0ALICE"), _link(engine, "Eve Other", "U0EVE")
    set_absence(engine, alice, starts=TODAY, until=TODAY + timedelta(days=7), deputy_id=eve,
                now=service.clock.now())  # fmt: skip
    users = ["U0JULIE", "U0ALICE", "U0EVE", "U0NOBODY"]
    together = service.actors_for_chat_users(users)
    assert set(together) == {"U0JULIE", "U0ALICE", "U0EVE"}  # an unknown id: read alone
    for user, actor in together.items():
        assert actor == service.actor_for_chat_user(user)
    julie, eve_actor = together["U0JULIE"], together["U0EVE"]
    assert alice in eve_actor.covering_ids and together["U0ALICE"].role_ids

    ids = {a.ref: a.id for a in service.snapshot().actions}
    out = service.record_updates(
        [
            # L3's latest is imported progress ("Completed"): a person's click supersedes it.
            UpdateGiven(julie, ids["L3"], "On track", "button", external_id="slack:b1"),
            UpdateGiven(eve_actor, ids["L1"], "At risk", "button", external_id="slack:b2"),
            UpdateGiven(eve_actor, ids["L2"], "On track", "button", external_id="slack:b3"),
            UpdateGiven(julie, ids["L3"], "Delayed", "button", "slipping", external_id="slack:b4"),
            UpdateGiven(julie, ids["L3"], "On track", "button", external_id="slack:b1"),  # again
        ]
    )
    stored = [o for o in out if not isinstance(o, Exception)]
    assert isinstance(out[2], Refused)  # not Eve's, nor anyone's she covers: nothing stored
    assert [o.created for o in stored] == [True, True, True, False]
    assert out[4].update.id == out[0].update.id  # the redelivery is the first, not a new one
    assert out[1].action.status == "At risk" and out[3].action.status == "Delayed"
    with read_session(engine) as s:
        l3 = s.get(Action, ids["L3"])
        assert (l3.status, l3.last_update_id) == ("Delayed", out[3].update.id)
        assert s.get(LatestUpdate, ids["L3"]).update_id == out[3].update.id
        assert s.get(LatestUpdate, ids["L1"]).update_id == out[1].update.id
        clicks = s.exec(select(Update.id).where(Update.source == "button")).all()
    assert len(clicks) == 3  # b1, b2, b4: b3 refused, b1 once


def test_a_burst_with_one_person_twice_leaves_their_conversation_as_two_clicks_would(
    service, engine
):
    julie = service.actor_for_chat_user("U0JULIE")
    ids = {a.ref: a.id for a in service.snapshot().actions}
    talk = Conversation(service)
    talk.remember_nudge("slack", person_key(julie.person), (ids["L2"], ids["L3"], ids["C1"]))
    replies = talk.give_statuses(
        "slack",
        [
            (StatusGiven(julie, ids["L2"], "On track", "button", external_id="k1"), "U0JULIE"),
            (StatusGiven(julie, ids["C1"], "Ongoing", "button", external_id="k2"), "U0JULIE"),
        ],
    )
    assert [r.action.ref for r in replies] == ["L2", "C1"]
    # Both answered: only L3 is still owed from the nudge (the second did not undo the first).
    assert talk.last_nudge("slack", person_key(julie.person)) == (ids["L3"],)


def test_a_burst_stores_the_action_cache_in_one_statement_and_leaves_no_stale_row(
    service, engine
):
    """The cached columns of a burst's actions are written by one executemany UPDATE, not
    one per action; an ORM row of one of them already read in the same session shows the
    write afterwards; and the actions come back as the write left them."""
    from storage.updates import NewUpdate, append_update_rows

    julie = service.actor_for_chat_user("U0JULIE")
    mine = [a for a in service.snapshot().actions if julie.person.id in {o.id for o in a.owners}]
    assert len(mine) >= 2
    seen = _statements(engine)
    now = service.clock.now()
    with write_session(engine) as s:
        held = s.get(Action, mine[0].id)  # read before the write, in the same transaction
        assert held.status != "Delayed"
        got = append_update_rows(
            s,
            [NewUpdate(a.id, "Delayed", "waiting on estates", "button", julie.person.id, "Julie",
                       external_id=f"t:{a.id}") for a in mine],
            now=now,
        )  # fmt: skip
        assert [created for _u, created, _a in got] == [True] * len(mine)
        assert [row.status for _u, _c, row in got] == ["Delayed"] * len(mine)
        assert held.status == "Delayed" and held.last_update_id == got[0][0].id
    updates = [q for q in seen if q.lstrip().upper().startswith("UPDATE ACTION")]
    assert len(updates) == 1, updates
    with read_session(engine) as s:
        for a, (update, _c, _row) in zip(mine, got, strict=True):
            row = s.get(Action, a.id)
            assert (row.status, row.last_update_id, row.replied_at is not None) == (
                "Delayed",
                update.id,
                True,
            )


def test_a_completion_asking_for_sign_off_is_shown_waiting_for_it(service, engine):
    from storage.models import Plan

    with write_session(engine) as s:
        plan = s.get(Plan, service.plan().id)
        plan.signoff_required = True
        s.add(plan)
    julie = service.actor_for_chat_user("U0JULIE")
    action = next(
        a for a in service.snapshot().actions if julie.person.id in {o.id for o in a.owners}
    )
    (done,) = service.record_updates(
        [UpdateGiven(julie, action.id, "Completed", "button", external_id="slack:done")]
    )
    assert done.signoff is not None and done.action.signoff_pending
    with read_session(engine) as s:
        assert s.get(Action, action.id).signoff_pending
