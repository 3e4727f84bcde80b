"""Identity: chat users are matched to people only by chat user id or verified email, never
by display name; identity moves need an administrator's confirmation and are audited. Also a
deputy's updates while the owner is away, one sign-off per completion, and who may read."""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.identity import ChatUser, map_chat_user
from bot.core.people_admin import NeedsConfirmation, import_people, set_person
from bot.core.service import PlanService
from handlers.query import handle_query
from handlers.replies import ActionList, Refusal, UpdateStored
from handlers.update import handle_status
from storage.audit import entries
from storage.engine import read_session, write_session
from storage.models import (
    AuditEntry,
    ChatConversation,
    Owner,
    Plan,
    RoleAssignment,
    SignOff,
    Update,
)
from storage.people import find_owner
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    app_home_opened_event,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
)
from tests.support.small_plan import load_small_plan

TODAY = date(2019, 9, 16)
NOON = datetime(2019, 9, 16, 12, 0, tzinfo=UTC)


def _owner(engine, name) -> Owner:
    with read_session(engine) as s:
        return find_owner(s, name)


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import")))


def _audit(engine) -> list[AuditEntry]:
    with read_session(engine) as s:
        return entries(s)


def _role_holders(engine, role) -> list[str]:
    with read_session(engine) as s:
        role_id = find_owner(s, role).id
        rows = s.exec(
            select(Owner.name)
            .join(RoleAssignment, RoleAssignment.person_id == Owner.id)
            .where(RoleAssignment.role_id == role_id, RoleAssignment.ended_at.is_(None))
        )
        return list(rows)


@pytest.fixture
def bot(engine):
    load_small_plan(engine)
    with SlackBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, email, real in (
            ("U0JULIE", "julie@example.org", "Julie Fellows"),
            ("U0PAT", "pat@example.org", "Pat Admin"),
            ("U0EVE", "eve@example.org", "Eve Other"),
            # The impostor: their own email, a colleague's name.
            ("U0IMP", "mallory@example.org", "Julie Fellows"),
        ):
            h.slack.add_user(uid, email=email, name=uid.lower(), real_name=real)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _ask(bot, text, user):
    url = bot.slack.new_response_url()
    bot.post(command_body(text=text, user_id=user, response_url=url), content_type=FORM)
    return bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url],
        what=f"the answer to {text!r}",
    )[0]


def _press(bot, reply, action_id, user):
    row = next(b for b in reply["blocks"] if b["type"] == "actions")
    btn = next(e for e in row["elements"] if e["action_id"] == action_id)
    url = bot.slack.new_response_url()
    body = block_actions_body(
        actions=[button_action(action_id, btn["value"], block_id=row["block_id"])],
        user_id=user,
        response_url=url,
    )
    assert bot.post(body, content_type=FORM)[0] == 200
    return bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url],
        what=f"the answer to {action_id}",
    )[0]


def test_impostor_with_a_colleagues_name_takes_over_nothing(bot):
    """Mallory sets her Slack name to "Julie Fellows". Her messages are hers alone; an
    administrator's map shows the identity move and does nothing until confirmed."""
    julie_before = _owner(bot.engine, "Julie Fellows")
    # Mallory's own messages: not Julie, nor anyone in the plan, so she may not even read it:
    # refused (without a word about L2) and nothing is stored.
    dm = bot.slack.dm_channel_id("U0IMP")
    bot.post(
        event_body(message_im_event("L2 completed: all done", user="U0IMP", channel=dm)),
        content_type=JSON,
    )
    reply = bot.wait_for(lambda: bot.slack.messages.get(dm), what="the refusal")
    assert "shared only with the people in it" in reply[-1]["text"]
    assert "Nothing was stored" in reply[-1]["text"]
    assert "L2" not in reply[-1]["text"]
    assert _updates(bot.engine) == []
    # The administrator maps a role to her: asked to confirm, nothing changed yet.
    answer = _ask(bot, "map Chief Finance Officer <@U0IMP|mallory>", "U0PAT")
    assert "Confirm" in answer["text"] and "Nothing has been changed yet" in answer["text"]
    # The fallback text is escaped as Slack shows it (`->` arrives as `-&gt;`).
    assert "julie@example.org -> mallory@example.org" in html.unescape(answer["text"])
    julie = _owner(bot.engine, "Julie Fellows")
    assert (julie.email, julie.chat_user_id) == (julie_before.email, julie_before.chat_user_id)
    assert _role_holders(bot.engine, "Chief Finance Officer") == []
    assert [e.action for e in _audit(bot.engine)] == []
    # Someone who is not an administrator cannot press Confirm for them.
    refused = _press(bot, answer, "map_confirm", "U0EVE")
    assert "only an administrator" in refused["text"]
    assert _role_holders(bot.engine, "Chief Finance Officer") == []
    # Cancel changes nothing either.
    assert "nothing was changed" in _press(bot, answer, "map_cancel", "U0PAT")["text"]
    assert _owner(bot.engine, "Julie Fellows").email == "julie@example.org"


def test_confirmed_identity_move_is_done_and_audited(bot):
    # Julie has talked to the bot before: her DM channel is stored.
    bot.service.actor_for_chat_user("U0JULIE", email="julie@example.org")
    with write_session(bot.engine) as s:
        from storage.chat import remember_conversation

        julie = find_owner(s, "Julie Fellows")
        remember_conversation(s, "slack", julie.id, "DJULIE", now=bot.clock.now())
    answer = _ask(bot, "map Chief Finance Officer <@U0IMP>", "U0PAT")
    done = _press(bot, answer, "map_confirm", "U0PAT")
    assert "Julie Fellows now holds Chief Finance Officer" in done["text"]
    julie = _owner(bot.engine, "Julie Fellows")
    assert (julie.email, julie.chat_user_id) == ("mallory@example.org", "U0IMP")
    with read_session(bot.engine) as s:
        # The stored DM channel belonged to the old Slack user: forgotten, never reused.
        assert list(s.exec(select(ChatConversation))) == []
    [entry] = _audit(bot.engine)
    details = json.loads(entry.details)
    assert (entry.action, entry.subject) == ("people.map", "Julie Fellows")
    assert entry.actor == "Pat Admin (slack U0PAT)"
    assert details["confirmed"] is True and details["chat_user"] == "U0IMP"
    assert any("U0JULIE -> U0IMP" in c for c in details["changes"])


def test_map_by_verified_email_needs_no_confirmation(bot):
    answer = _ask(bot, "map Chief Finance Officer <@U0EVE>", "U0PAT")
    assert "Eve Other now holds Chief Finance Officer" in answer["text"]
    assert _role_holders(bot.engine, "Chief Finance Officer") == ["Eve Other"]
    eve = _owner(bot.engine, "Eve Other")
    assert (eve.email, eve.chat_user_id) == ("eve@example.org", "U0EVE")
    [entry] = _audit(bot.engine)
    assert json.loads(entry.details)["matched_by"] == "verified email"


def test_unconfirmed_or_deactivated_slack_email_matches_nobody(bot):
    with bot.slack._lock:
        bot.slack.users["U0EVE"]["is_email_confirmed"] = False
    actor = bot.people.actor("U0EVE")
    assert actor.person is None and _owner(bot.engine, "Eve Other").chat_user_id is None


def test_a_second_chat_user_with_the_email_of_a_linked_person_is_not_them(engine):
    load_small_plan(engine)
    service = PlanService(engine, FixedClock(NOON))
    assert (
        service.actor_for_chat_user("U1", email="julie@example.org").person.name == "Julie Fellows"
    )
    other = service.actor_for_chat_user("U2", email="julie@example.org", display_name="Julie")
    assert other.person is None
    assert _owner(engine, "Julie Fellows").chat_user_id == "U1"


def test_map_new_person_and_stale_confirmation(engine):
    load_small_plan(engine)
    clock = FixedClock(NOON)
    new = ChatUser("U9", "nina@example.org", "Nina New")
    r = map_chat_user(engine, clock, new, "Chief Finance Officer", by="test")
    assert r.done and _owner(engine, "Nina New").chat_user_id == "U9"
    # A confirmation given for one person does not apply to another.
    imp = ChatUser("U8", "m@example.org", "Julie Fellows")
    r = map_chat_user(engine, clock, imp, "Chief Finance Officer", by="t", confirmed_person_id=-1)
    assert not r.done and _owner(engine, "Julie Fellows").email == "julie@example.org"
    assert _role_holders(engine, "Chief Finance Officer") == ["Nina New"]
    # A second Slack user with Julie's verified email while Julie is linked to another one.
    PlanService(engine, clock).actor_for_chat_user("U1", email="julie@example.org")
    twin = ChatUser("U2", "julie@example.org", "J. Fellows")
    r = map_chat_user(engine, clock, twin, "Chief Finance Officer", by="t")
    assert not r.done and r.mapping.changes == ("chat user U1 -> U2",)
    r = map_chat_user(
        engine,
        clock,
        twin,
        "Chief Finance Officer",
        by="t",
        confirmed_person_id=r.mapping.person_id,
    )
    assert r.done and _owner(engine, "Julie Fellows").chat_user_id == "U2"
    assert _role_holders(engine, "Chief Finance Officer") == ["Julie Fellows"]


def test_cli_email_change_needs_yes_and_is_audited(engine, tmp_path):
    load_small_plan(engine)
    clock = FixedClock(NOON)
    PlanService(engine, clock).actor_for_chat_user("U0JULIE", email="julie@example.org")
    with pytest.raises(NeedsConfirmation, match="julie@example.org -> j2@example.org"):
        set_person(engine, clock, "Julie Fellows", email="j2@example.org", by="cli")
    assert _owner(engine, "Julie Fellows").email == "julie@example.org"
    with pytest.raises(ValueError, match="already the email of Alice Smith"):
        set_person(engine, clock, "New Person", email="alice@example.org", by="cli")
    assert _owner(engine, "New Person") is None and _audit(engine) == []
    row = set_person(
        engine, clock, "Julie Fellows", email="j2@example.org", by="cli", confirmed=True
    )
    assert row.email == "j2@example.org" and row.chat_user_id is None  # re-matched by new email
    [entry] = _audit(engine)
    assert entry.action == "people.set" and "unlinked" not in entry.details
    assert "chat user U0JULIE -> none" in entry.details
    # A people file that changes an email is refused as a whole without confirmation.
    f = tmp_path / "people.csv"
    f.write_text("name,email\nEve Other,eve2@example.org\nZed New,zed@example.org\n")
    with pytest.raises(NeedsConfirmation, match="row 2: Eve Other"):
        import_people(engine, clock, f, by="cli")
    assert _owner(engine, "Zed New") is None
    f.write_text("name,email\nZed New,alice@example.org\n")
    with pytest.raises(ValueError, match="row 2: alice@example.org is already the email of Alice"):
        import_people(engine, clock, f, by="cli")


def test_deputy_may_update_while_the_owner_is_away(engine):
    load_small_plan(engine)
    clock = FixedClock(NOON)
    service = PlanService(engine, clock)
    julie = service.actor_for_name("Julie Fellows").person
    eve_actor = service.actor_for_name("Eve Other")
    # Before the absence: Eve may not update L2.
    reply = handle_status(service, eve_actor, "L2", "On track", source="button")
    assert isinstance(reply, Refusal) and _updates(engine) == []
    service.set_away(julie, TODAY + timedelta(days=2), eve_actor.person)
    eve_actor = service.actor_for_name("Eve Other")
    reply = handle_status(
        service, eve_actor, "L2", "On track", commentary="for Julie", source="button"
    )
    assert isinstance(reply, UpdateStored) and reply.update.author_name == "Eve Other"
    # C1 is owned by Julie and by a role; Alice's L1 is not Julie's: still refused.
    assert isinstance(handle_status(service, eve_actor, "L1", "On track", source="button"), Refusal)
    # After the absence ends, the deputy's right ends too.
    later = PlanService(engine, FixedClock(NOON + timedelta(days=3)))
    eve_later = later.actor_for_name("Eve Other")
    assert isinstance(handle_status(later, eve_later, "L2", "Delayed", source="button"), Refusal)
    assert [u.status for u in _updates(engine)] == ["On track"]


def test_second_completion_does_not_open_another_signoff(engine):
    load_small_plan(engine)
    service = PlanService(engine, FixedClock(NOON))
    with write_session(engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.signoff_required = True
        s.add(plan)
    julie = service.actor_for_name("Julie Fellows")
    first = handle_status(service, julie, "L2", "Completed", source="button", external_id="e1")
    second = handle_status(service, julie, "L2", "Completed", source="button", external_id="e2")
    assert first.signoff is not None and second.signoff is None
    assert second.action.signoff_pending
    with read_session(engine) as s:
        assert len(list(s.exec(select(SignOff)))) == 1
    # Once decided, a new completion asks again.
    service.decide_signoff(
        service.actor_for_name("Pat Admin"), first.signoff.id, confirm=False, comment="no"
    )
    third = handle_status(service, julie, "L2", "Completed", source="button", external_id="e3")
    assert third.signoff is not None and third.signoff.id != first.signoff.id


def test_readers_setting_limits_who_reads_the_plan(bot):
    # Someone in the workspace but not in the plan is refused, politely and clearly.
    bot.slack.add_user("U0OUT", email="out@example.org", name="out", real_name="Olly Outside")
    answer = _ask(bot, "overdue", "U0OUT")
    assert "shared only with the people in it" in answer["text"]
    assert "Julie" not in json.dumps(answer)
    assert "help" in _ask(bot, "help", "U0OUT")["text"].lower()
    # Members read it.
    assert "L2" in json.dumps(_ask(bot, "overdue", "U0EVE"))
    bot.post(event_body(app_home_opened_event(user="U0OUT")), content_type=JSON)
    home = bot.wait_for(lambda: bot.slack.calls_to("views.publish"), what="the home view")
    assert "shared only with the people in it" in json.dumps(home[0].params["view"])
    # The plan opened to the whole workspace: the outsider reads it.
    with write_session(bot.engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.readers = "workspace"
        s.add(plan)
    assert "L2" in json.dumps(_ask(bot, "overdue", "U0OUT"))


def test_query_handler_refuses_outsiders(engine):
    load_small_plan(engine)
    service = PlanService(engine, FixedClock(NOON))
    outsider = service.actor_for_chat_user("UX", email="x@example.org", display_name="X")
    assert isinstance(handle_query(service, outsider, "all"), Refusal)
    assert isinstance(handle_query(service, service.actor_for_name("Eve Other"), "all"), ActionList)


def test_one_chat_user_is_one_person(engine):
    from sqlalchemy.exc import IntegrityError

    from storage.people import set_chat_identity

    load_small_plan(engine)
    PlanService(engine, FixedClock(NOON)).actor_for_chat_user("U1", email="julie@example.org")
    with pytest.raises(IntegrityError):
        with write_session(engine) as s:
            set_chat_identity(s, find_owner(s, "Eve Other"), chat_user_id="U1")
    assert _owner(engine, "Eve Other").chat_user_id is None


def _migrate_duplicates(url: str) -> None:
    """A database from before 0004 with a chat id on two people and two open sign-offs for
    one action (what the old code allowed) upgrades: one of each is kept."""
    from sqlalchemy import text

    from storage.engine import make_engine
    from storage.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine, "0002")
    t = datetime(2020, 1, 1, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO plan (name, organisation, title, period, timezone, fy_start_month,"
                " leadership_channels, signoff_required, policy_json, created_at, updated_at)"
                " VALUES ('P', '', '', '', 'Europe/London', 4, '', true, '', :t, :t)"
            ),
            {"t": t},
        )
        c.execute(text("INSERT INTO theme (plan_id, name, tags, position) VALUES (1, 'T', '', 0)"))
        c.execute(
            text(
                "INSERT INTO action (plan_id, theme_id, key, text, deadline_text, deadline_kind,"
                " deadline_sure, position, signoff_pending, created_at, updated_at)"
                " VALUES (1, 1, 'k', 'Do it', 'Q2', 'fixed', true, 0, true, :t, :t)"
            ),
            {"t": t},
        )
        for name in ("A", "B"):
            c.execute(
                text(
                    "INSERT INTO owner (kind, name, chat_user_id, is_admin, created_at)"
                    " VALUES ('person', :n, 'USAME', false, :t)"
                ),
                {"n": name, "t": t},
            )
        for _ in range(2):
            c.execute(
                text(
                    'INSERT INTO "update" (action_id, author_name, status, commentary, source,'
                    " created_at) VALUES (1, 'A', 'Completed', '', 'reply', :t)"
                ),
                {"t": t},
            )
        for uid in (1, 2):
            c.execute(
                text(
                    "INSERT INTO signoff (action_id, update_id, requested_at, comment)"
                    " VALUES (1, :u, :t, '')"
                ),
                {"u": uid, "t": t},
            )
    upgrade(engine)
    with engine.connect() as c:
        assert c.execute(text("SELECT name, chat_user_id FROM owner ORDER BY id")).all() == [
            ("A", "USAME"),
            ("B", None),
        ]
        assert c.execute(text("SELECT update_id, decision FROM signoff ORDER BY id")).all() == [
            (1, None),
            (2, "superseded"),
        ]
        assert c.execute(text("SELECT readers FROM plan")).scalar() == "members"
    engine.dispose()


def test_migration_0004_settles_duplicates_sqlite(tmp_path):
    _migrate_duplicates(f"sqlite:///{tmp_path / 'old.db'}")


def test_migration_0004_settles_duplicates_postgresql(pg_server):
    _migrate_duplicates(pg_server.create_database("identity_0004"))


def test_a_failed_profile_lookup_is_not_remembered(bot):
    """A passing users.info failure leaves the owner unmatched for that message only."""
    bot.slack.fail_next("users.info", status=200, error="internal_error")
    assert bot.people.actor("U0EVE").person is None
    assert bot.people.actor("U0EVE").person.name == "Eve Other"
    bot.slack.calls[:] = [c for c in bot.slack.calls if c.error != "internal_error"]
