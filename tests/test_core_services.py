"""Who owes what, the query language and who may update, over a small hand-made plan.
Expected values are worked out by hand from tests/support/small_plan.py."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.owing import Reason
from bot.core.query import QueryError, parse_query, run_query
from bot.core.service import Refused
from tests.support.small_plan import small_service

TODAY = date(2019, 9, 16)


@pytest.fixture
def service(engine):
    return small_service(engine, TODAY)


def _refs(actions) -> list[str]:
    return [a.ref for a in actions]


def test_who_owes_what(service):
    owed = service.owed()
    summary = {p.name: [(o.action.ref, o.reason) for o in items] for p, items in owed.items()}
    assert summary == {
        "Alice Smith": [("L1", Reason.DUE_SOON), ("C1", Reason.ONGOING)],
        "Chief Finance Officer": [("C2", Reason.STALE)],  # role nobody holds: shown as itself
        "Julie Fellows": [("L2", Reason.OVERDUE), ("C1", Reason.ONGOING)],
    }
    julie = next(items for p, items in owed.items() if p.name == "Julie Fellows")
    assert julie[0].days_left == -47


def test_recent_update_answers_for_now(service):
    julie = service.actor_for_name("Julie Fellows")
    service.record_update(
        julie, "L2", status="Delayed", commentary="waiting on HR", source="console"
    )
    owed = {p.name: [o.action.ref for o in items] for p, items in service.owed().items()}
    assert owed["Julie Fellows"] == ["C1"]
    assert [o.action.ref for o in service.owed_by(julie)] == ["C1"]


@pytest.mark.parametrize(
    ("query", "as_name", "expected"),
    [
        ("overdue", "Pat Admin", ["L2"]),
        ("due soon", "Pat Admin", ["L1"]),
        ("theme culture", "Pat Admin", ["C2", "C1"]),
        ("owner julie", "Pat Admin", ["L3", "L2", "C1"]),
        ("owner alice", "Pat Admin", ["L1", "C1"]),
        ("L2", "Pat Admin", ["L2"]),
        ("l2", "Pat Admin", ["L2"]),
        ("due 1/7/2019..30/9/2019", "Pat Admin", ["L2", "L1"]),
        ("mine", "Julie Fellows", ["L3", "L2", "C1"]),
        ("mine", "Alice Smith", ["L1", "C1"]),
        ("", "Alice Smith", ["L1", "C1"]),
        ("status completed", "Pat Admin", ["L3"]),
        ("search workshops", "Pat Admin", ["L1"]),
        ("updated since 1 June", "Pat Admin", []),  # L3's progress came with the import
        ("overdue theme culture", "Pat Admin", []),
        ("mine overdue", "Julie Fellows", ["L2"]),
        ("coaching offer", "Pat Admin", ["L2"]),
        ("all", "Pat Admin", ["L3", "L2", "L1", "C2", "C1"]),
    ],
)
def test_query_language(service, query, as_name, expected):
    snap = service.snapshot()
    actor = service.actor_for_name(as_name)
    result = run_query(parse_query(query, actor=actor, today=TODAY, snapshot=snap), snap)
    assert _refs(result.actions) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("theme nonsense", "no theme matches 'nonsense'. Themes: Leadership; Culture"),
        ("due 30/9/2019..1/7/2019", "starts after it ends"),
        ("updated since 32 May", "'32 may' is not a real date"),
        ("updated since the dawn of time", "can't read the date 'the dawn of time'"),
        ("due", "`due` needs"),
        ("status fabulous", "unknown status 'fabulous'"),
        ("theme", "`theme` needs something after it"),
        ("due 31/2/2020..", "is not a real date"),
    ],
)
def test_query_errors_say_what_and_where(service, query, message):
    snap = service.snapshot()
    actor = service.actor_for_name("Pat Admin")
    with pytest.raises(QueryError) as exc:
        parse_query(query, actor=actor, today=TODAY, snapshot=snap)
    assert message in str(exc.value)


def test_query_help(service):
    snap = service.snapshot()
    q = parse_query("help", actor=service.actor_for_name("Pat Admin"), today=TODAY, snapshot=snap)
    assert q.is_help


@pytest.mark.parametrize(
    ("who", "ref", "allowed"),
    [
        ("Alice Smith", "L1", True),  # holds the owning role
        ("Julie Fellows", "L2", True),  # named owner
        ("Pat Admin", "C2", True),  # administrator
        ("Eve Other", "L1", False),
        ("Julie Fellows", "C2", False),
    ],
)
def test_only_owners_role_holders_leads_and_admins_may_update(service, who, ref, allowed):
    actor = service.actor_for_name(who)
    if allowed:
        stored = service.record_update(actor, ref, status="On track", source="console")
        assert stored.created and stored.action.status == "On track"
        assert stored.update.author_name == who
    else:
        before = service.snapshot()
        with pytest.raises(Refused) as exc:
            service.record_update(actor, ref, status="On track", source="console")
        assert "Nothing was stored" in str(exc.value)
        after = service.snapshot()
        assert [a.status_at for a in after.actions] == [a.status_at for a in before.actions]


def test_theme_lead_may_update(service, engine):
    from sqlmodel import select

    from storage.engine import write_session
    from storage.models import Owner, Theme

    with write_session(engine) as s:
        eve = s.exec(select(Owner).where(Owner.name == "Eve Other")).one()
        theme = s.exec(select(Theme).where(Theme.name == "Culture")).one()
        theme.lead_owner_id = eve.id
        s.add(theme)
    eve = service.actor_for_name("Eve Other")
    assert service.record_update(eve, "C2", status="At risk", source="console").created
    with pytest.raises(Refused):
        service.record_update(eve, "L1", status="At risk", source="console")


def test_chat_user_matched_by_email_then_remembered(service):
    actor = service.actor_for_chat_user("U123", email="JULIE@example.org", display_name="Julie")
    assert actor.person is not None and actor.person.name == "Julie Fellows"
    again = service.actor_for_chat_user("U123")
    assert again.person is not None and again.person.chat_user_id == "U123"
    stranger = service.actor_for_chat_user("U999", email="nobody@example.org")
    assert stranger.person is None and not stranger.is_admin


@pytest.mark.parametrize(
    ("text", "ref", "status", "commentary"),
    [
        ("L2 on track: HR agreed", "L2", "On track", "HR agreed"),
        ("Update on L2: done", "L2", "Completed", ""),
        ("re L2 - behind, waiting for HR", "L2", "Delayed", "waiting for HR"),
        ("l2 Completed: signed off by GB", "L2", "Completed", "signed off by GB"),
    ],
)
def test_free_text_reply_naming_a_reference(service, text, ref, status, commentary):
    from handlers.replies import UpdateStored
    from handlers.update import handle_reply

    reply = handle_reply(service, service.actor_for_name("Julie Fellows"), text, source="console")
    assert isinstance(reply, UpdateStored)
    assert (reply.action.ref, reply.update.status, reply.update.commentary) == (
        ref,
        status,
        commentary,
    )


def test_free_text_reply_without_status_or_action_asks(service):
    from handlers.replies import AskAction, AskStatus
    from handlers.update import handle_reply

    julie = service.actor_for_name("Julie Fellows")
    ask = handle_reply(service, julie, "L2 HR have the draft", source="console")
    assert (
        isinstance(ask, AskStatus)
        and ask.action.ref == "L2"
        and ask.commentary == "HR have the draft"
    )
    which = handle_reply(service, julie, "On track: drafting", source="console")
    assert isinstance(which, AskAction) and sorted(a.ref for a in which.candidates) == ["C1", "L2"]
    assert service.owed()  # nothing was stored by either
    assert all(a.replied_at is None for a in service.snapshot().actions)
