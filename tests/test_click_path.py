"""The status click's path kept cheap without losing a rule (bench/profile_click.py measures
it): a known chat user is recognised without a write (so a click does not queue at SQLite's
write gate behind a sweep for it), one click reads its plan once, and the update is stored
once however often the click is handled — on SQLite (no savepoint: the write lock is held
from the transaction's start) and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.core.service import Refused
from storage.engine import write_gate, write_session
from storage.models import Owner, Update
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
