"""Whom the Teams endpoint trusts, over real HTTP with activities signed as the Bot Framework
signs them (a test key stands in for Microsoft's: tests/support/teams_signing.py), on SQLite
and PostgreSQL: other tenants (403, nothing stored), one account per person, the
administrator's `map` with its confirm step and audit, Action.Execute data that is not what
the bot sent, and the serviceUrl allow-list.

The request gate's limits (size, depth) and the start-up rules are in test_teams_gate.py.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from bot.platforms.teams.notifier import TeamsNotifier
from bot.platforms.teams.trust import ServiceUrlAllowList
from jobs.sweep import run_sweep
from storage.chat_members import member
from storage.engine import read_session, write_session
from storage.models import AuditEntry, ChatMember, Update, metadata
from tests.support.small_plan import load_small_plan
from tests.support.teams_bot import TeamsBotHarness, personal_conversation
from tests.support.teams_connector import TeamsConnectorStandIn
from tests.support.teams_signing import TeamsSigningKey

TODAY = date(2019, 9, 16)
USERS = {
    "29:alice": ("alice@example.org", "Alice Smith"),
    "29:julie": ("julie@example.org", "Julie Fellows"),
    "29:pat": ("pat@example.org", "Pat Admin"),
    "29:eve": ("eve@example.org", "Eve Other"),
}
EMAILS = [e for e, _ in USERS.values()]


@pytest.fixture
def signer():
    with TeamsSigningKey("00000000-0000-0000-0000-0000000b0700") as key:
        yield key


def _harness(engine, signer, **settings) -> TeamsBotHarness:
    load_small_plan(engine)
    h = TeamsBotHarness(
        engine,
        TODAY,
        signer=signer,
        admin_emails=frozenset({"pat@example.org"}),
        settings=settings,
    )
    for uid, (email, name) in USERS.items():
        h.bc.add_member(uid, email=email, name=name)
    return h


@pytest.fixture
def bot(engine, signer):
    with _harness(engine, signer) as h:
        yield h


def _fingerprint(engine) -> dict[str, list]:
    """Every row of every table but the deliveries seen and the inbox's record of them
    (bookkeeping, not a change)."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("processedevent", "inboxitem"):
                continue
            out[table.name] = sorted(tuple(map(str, r)) for r in conn.execute(sa_select(table)))
    return out


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _foreign(act: dict, tenant: str = "tenant-elsewhere") -> dict:
    act = json.loads(json.dumps(act))
    act["conversation"]["tenantId"] = tenant
    act["channelData"]["tenant"]["id"] = tenant
    return act


def _install(bot, user_id: str) -> str:
    conv = personal_conversation(user_id)
    assert bot.post(bot.install(user_id))[0] == 200
    bot.wait_for(lambda: bot.bc.sent_to(conv), what=f"the welcome to {user_id}")
    return conv


def _answers(bot, conv: str, after: int = 0) -> list[str]:
    return [json.dumps(a) for a in bot.bc.sent_to(conv)[after:]]


def _wait_answer(bot, conv: str, after: int, what: str) -> str:
    found = bot.wait_for(lambda: _answers(bot, conv, after), what=what)
    return found[0]


# -- tenants ---------------------------------------------------------------------------------
def test_signed_activity_from_another_tenant_gets_403_and_stores_nothing(bot):
    before = _fingerprint(bot.engine)
    julie_msg = bot.message("29:julie", "L2 on track: workshops booked")
    # the signature is good (the signer's key is the one the bot trusts) but the tenant is not
    for act in (
        _foreign(bot.install("29:julie")),
        _foreign(julie_msg),
        _foreign(bot.message("29:pat", "digest now")),  # an administrator's email, elsewhere
        _foreign(bot.execute("29:julie", {"k": "status", "a": 1, "s": "Completed"})),
    ):
        status, body = bot.post(act)
        assert status == 403, (status, body)
        assert "tenant" in body["error"]
    # no tenant at all, or two different ones, is not ours either
    bare = json.loads(json.dumps(julie_msg))
    del bare["channelData"], bare["conversation"]["tenantId"]
    assert bot.post(bare)[0] == 403
    mixed = json.loads(json.dumps(julie_msg))
    mixed["conversation"]["tenantId"] = "tenant-elsewhere"
    assert bot.post(mixed)[0] == 403
    assert _fingerprint(bot.engine) == before
    assert bot.bc.calls == []  # no member look-up, no answer, no digest
    # the same activity from our tenant, signed, is taken (the bot works with signatures on)
    conv = _install(bot, "29:julie")
    assert bot.post(bot.message("29:julie", "mine"))[0] == 200
    assert "your actions" in _wait_answer(bot, conv, 1, "the answer to mine")


def test_teams_allowed_tenants_lists_the_tenants_taken(engine, signer):
    with _harness(engine, signer, teams_allowed_tenants="tenant-1, Tenant-2") as bot:
        before = _fingerprint(engine)
        assert bot.post(_foreign(bot.install("29:eve"), "tenant-3"))[0] == 403
        assert _fingerprint(engine) == before
        assert bot.post(_foreign(bot.install("29:julie"), "tenant-2"))[0] == 200
        bot.wait_for(lambda: bot.bc.sent_to(personal_conversation("29:julie")), what="welcome")
        assert bot.post(bot.install("29:alice"))[0] == 200  # tenant-1
        bot.wait_for(lambda: bot.bc.sent_to(personal_conversation("29:alice")), what="welcome")
        with read_session(engine) as s:
            assert member(s, "teams", "29:julie").tenant_id == "tenant-2"
            assert member(s, "teams", "29:eve") is None


# -- one account per person -------------------------------------------------------------------
def test_a_second_account_with_a_matched_persons_email_is_not_them(bot, caplog):
    caplog.set_level(logging.DEBUG)
    julie_conv = _install(bot, "29:julie")
    # another account in the tenant whose directory email is Julie's (or the administrator's)
    bot.bc.add_member("29:julie-2", email="JULIE@example.org", name="Julie Fellows")
    bot.bc.add_member("29:pat-2", email="pat@example.org", name="Pat Admin")
    other = _install(bot, "29:julie-2")
    assert "can't match you" in _answers(bot, other)[0]
    with read_session(bot.engine) as s:
        assert member(s, "teams", "29:julie-2").owner_id is None
        julie_id = member(s, "teams", "29:julie").owner_id
        assert julie_id is not None
    # it cannot update Julie's actions
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    status, body = bot.post(
        bot.execute("29:julie-2", {"k": "status", "a": l2.id, "s": "Completed"})
    )
    assert status == 200 and _updates(bot.engine) == []
    # nor run administrator verbs with the administrator's email
    _install(bot, "29:pat")
    _install(bot, "29:pat-2")
    conv = personal_conversation("29:pat-2")
    n = len(bot.bc.sent_to(conv))
    assert bot.post(bot.message("29:pat-2", "digest now"))[0] == 200
    assert "is for administrators" in _wait_answer(bot, conv, n, "the refusal")
    # Julie's own account still works
    n = len(bot.bc.sent_to(julie_conv))
    assert bot.post(bot.message("29:julie", "mine"))[0] == 200
    assert "your actions" in _wait_answer(bot, julie_conv, n, "Julie's answer")
    assert not [r for r in caplog.records if any(e in r.getMessage().lower() for e in EMAILS)]


def test_map_moves_an_account_only_when_an_administrator_confirms_and_audits_it(bot, caplog):
    caplog.set_level(logging.DEBUG)
    _install(bot, "29:julie")
    bot.bc.add_member("29:julie-2", email="julie@example.org", name="Julie Fellows")
    _install(bot, "29:julie-2")
    pat = _install(bot, "29:pat")
    _install(bot, "29:alice")
    mention = {
        "type": "mention",
        "text": "<at>Julie Fellows</at>",
        "mentioned": {"id": "29:julie-2", "name": "Julie Fellows"},
    }
    ask = bot.message("29:pat", "map CFO <at>Julie Fellows</at>")
    ask["entities"] = [mention]
    before = _fingerprint(bot.engine)
    n = len(bot.bc.sent_to(pat))
    assert bot.post(ask)[0] == 200
    card = json.loads(_wait_answer(bot, pat, n, "the confirm card"))
    assert "Confirm" in json.dumps(card) and "Nothing has been changed yet" in json.dumps(card)
    assert _fingerprint(bot.engine) == before  # asked, not done
    confirm = next(
        a["data"] for a in card["attachments"][0]["content"]["actions"] if a["data"]["k"] == "mapok"
    )
    # someone who is not an administrator pressing it changes nothing
    status, body = bot.post(bot.execute("29:alice", confirm))
    assert status == 200 and "only an administrator" in json.dumps(body)
    assert _fingerprint(bot.engine) == before
    # the administrator confirms: the second account is Julie now, the first is nobody
    status, body = bot.post(bot.execute("29:pat", confirm))
    assert status == 200 and "Julie Fellows now holds CFO" in json.dumps(body)
    with read_session(bot.engine) as s:
        julie_id = member(s, "teams", "29:julie-2").owner_id
        assert julie_id is not None and member(s, "teams", "29:julie").owner_id is None
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "people.map")).all()
    assert len(audit) == 1 and audit[0].actor == "Pat Admin (teams 29:pat)"
    details = json.loads(audit[0].details)
    assert details["confirmed"] is True and details["unmatched"] == ["29:julie"]
    assert details["chat_user"] == "29:julie-2" and details["role"] == "CFO"
    # a stale confirmation (pressed again) changes nothing more: Julie is this account now
    status, body = bot.post(bot.execute("29:pat", confirm))
    with read_session(bot.engine) as s:
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "people.map")).all()) == 2
        assert member(s, "teams", "29:julie-2").owner_id == julie_id
    assert not [r for r in caplog.records if any(e in r.getMessage().lower() for e in EMAILS)]
    assert not [r for r in caplog.records if r.exc_info]


def test_map_errors_are_answered_to_the_administrator_and_never_logged(bot, caplog):
    caplog.set_level(logging.DEBUG)
    pat = _install(bot, "29:pat")
    # someone new whose display name is an existing person's, with another email
    bot.bc.add_member("29:eve-2", email="not.eve@example.net", name="Eve Other")
    _install(bot, "29:eve-2")
    cases = [
        ("29:nobody", "Nobody", "have not met them"),
        ("29:eve-2", "Eve Other", "already in the plan with another email"),
    ]
    before = _fingerprint(bot.engine)
    for uid, name, said in cases:
        ask = bot.message("29:pat", f"map CFO <at>{name}</at>")
        ask["entities"] = [{"type": "mention", "mentioned": {"id": uid, "name": name}}]
        n = len(bot.bc.sent_to(pat))
        assert bot.post(ask)[0] == 200
        answer = _wait_answer(bot, pat, n, f"the answer about {uid}")
        assert "Nothing was changed" in answer and said in answer, answer
    assert _fingerprint(bot.engine) == before
    logged = " ".join(r.getMessage() for r in caplog.records).lower()
    assert "not.eve@example.net" not in logged and "eve@example.org" not in logged
    assert not [r for r in caplog.records if r.exc_info]


# -- Action.Execute data --------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        {"action": {"type": "Action.Execute", "verb": "status", "data": {"k": "status", "a": 10**30, "s": "Completed"}}},
        {"action": {"type": "Action.Execute", "verb": "status", "data": {"k": "status", "a": "1" * 40, "s": "Completed"}}},
        {"action": {"type": "Action.Execute", "verb": "status", "data": {"k": "status", "a": 1, "s": ["Completed"]}}},
        {"action": {"type": "Action.Execute", "verb": "form", "data": {"k": "form", "a": 1, "status_1": {"x": 1}}}},
        {"action": {"type": "Action.Execute", "verb": "signoff", "data": {"k": "signoff", "s": -5, "ok": True}}},
        {"action": {"type": "Action.Execute", "verb": "page", "data": {"k": "page", "q": ["mine"], "p": 0}}},
        {"action": {"type": "Action.Execute", "verb": ["status"], "data": ["status", 1]}},
        {"action": "status"},
        {"action": {"type": "Action.Execute", "verb": "mapok", "data": {"k": "mapok", "r": ["CFO"], "u": "29:x", "p": 10**30}}},
    ],
)  # fmt: skip
def test_action_execute_with_data_the_bot_never_sent_gets_a_plain_answer(bot, value, caplog):
    _install(bot, "29:pat")
    before = _fingerprint(bot.engine)
    act = bot.execute("29:pat", {"k": "status"})
    act["value"] = value
    status, body = bot.post(act)
    said = json.dumps(body)
    if status == 400:  # not even an invoke's shape: the SDK's own model refuses it
        assert "not a Bot Framework activity" in body["error"], body
    else:
        assert status == 200, body
        assert any(w in said for w in ("could not be read", "Unknown card action")), said
    assert _fingerprint(bot.engine) == before
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# -- service URLs ------------------------------------------------------------------------------
def test_service_url_allow_list_defaults_to_microsofts_hosts():
    allow = ServiceUrlAllowList.from_settings(
        __import__("bot.settings").settings.Settings(_env_file=None)
    )
    for good in (
        "https://smba.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net/teams",
        "https://SMBA.infra.gcc.teams.microsoft.com/gcc/",
        "https://smba.infra.dod.teams.microsoft.us/",
    ):
        assert allow.allows(good), good
    for bad in (
        "http://smba.trafficmanager.net/emea/",  # not https
        "https://smba.trafficmanager.net.evil.example/",
        "https://evil.example/smba.trafficmanager.net/",
        "https://x@smba.trafficmanager.net/",
        "http://127.0.0.1:8080/",
        "https://smba.trafficmanager.net:99999/",
        ["https://smba.trafficmanager.net/"],
        "",
    ):
        assert not allow.allows(bad), bad
    exact = ServiceUrlAllowList(["http://127.0.0.1:4000/bf"])
    assert exact.allows("http://127.0.0.1:4000/bf/v3") and not exact.allows(
        "http://127.0.0.1:4001/bf"
    )
    assert not exact.allows("http://127.0.0.1:4000/bfx")


def test_the_bot_sends_only_to_allowed_service_urls(engine, signer):
    with TeamsConnectorStandIn() as forger:
        load_small_plan(engine)
        # The harness's own stand-in is the one allowed; the forger's port is not.
        bc = TeamsConnectorStandIn().start()
        try:
            with TeamsBotHarness(
                engine,
                TODAY,
                standin=bc,
                signer=signer,
                settings={"teams_service_url_allow": bc.service_url},
            ) as bot:
                for uid, (email, name) in USERS.items():
                    bc.add_member(uid, email=email, name=name)
                    forger.add_member(uid, email=email, name=name)
                julie = _install(bot, "29:julie")
                # an activity (even signed) naming the forger's host: refused, nothing stored
                before = _fingerprint(engine)
                act = bot.install("29:alice")
                act["serviceUrl"] = forger.service_url
                status, body = bot.post(act)
                assert status == 403 and "serviceUrl" in body["error"]
                assert _fingerprint(engine) == before
                # a stored serviceUrl that is not allowed (Alice's row says the forger's host):
                # her nudge is not sent there, and the sweep says it failed
                with write_session(engine) as s:
                    s.add(
                        ChatMember(
                            platform="teams",
                            user_id="29:alice",
                            email="alice@example.org",
                            conversation_id="a:1on1-alice",
                            service_url=forger.service_url,
                            owner_id=None,
                            updated_at=bot.clock.now(),
                        )
                    )
                notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
                report = run_sweep(bot.service, notifier, instance_id="test")
                assert any("alice" in str(f).lower() for f in report.failures), report.failures
                assert [a for a in bc.sent_to(julie) if "need an update" in a.get("text", "")]
        finally:
            bc.stop()
        assert forger.calls == []


def test_an_unsigned_activity_never_moves_a_stored_service_url(engine):
    """Unauthenticated mode (emulators, tests) with every 127.0.0.1 port allowed: a forged
    activity naming another host is answered there at most, and the stored serviceUrl, where
    nudges go, stays as an earlier activity left it."""
    load_small_plan(engine)
    with TeamsConnectorStandIn() as forger, TeamsBotHarness(engine, TODAY) as bot:
        for uid, (email, name) in USERS.items():
            bot.bc.add_member(uid, email=email, name=name)
        julie = _install(bot, "29:julie")
        forged = bot.message("29:julie", "mine")
        forged["serviceUrl"] = forger.service_url
        assert bot.post(forged)[0] == 200
        channel = bot.team_install("19:team@thread.tacv2", "Leaders", "29:julie")
        assert bot.post(channel)[0] == 200
        forged_channel = bot.team_install("19:team@thread.tacv2", "Leaders", "29:julie")
        forged_channel["serviceUrl"] = forger.service_url
        bot.wait_for(lambda: _channel_url(engine), what="the channel stored")
        assert bot.post(forged_channel)[0] == 200
        bot.wait_for(lambda: forger.calls, what="the forged activities handled")
        import time

        time.sleep(0.5)  # the workers finish with the forged activities
        with read_session(engine) as s:
            assert member(s, "teams", "29:julie").service_url == bot.bc.service_url
        assert _channel_url(engine) == bot.bc.service_url
        calls_before = len(forger.calls)
        notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
        report = run_sweep(bot.service, notifier, instance_id="test")
        assert not report.failures
        assert [a for a in bot.bc.sent_to(julie) if "need an update" in a.get("text", "")]
        assert len(forger.calls) == calls_before  # no nudge went to the forger's host


def _channel_url(engine) -> str | None:
    from storage.models import TeamsChannel

    with read_session(engine) as s:
        row = s.exec(select(TeamsChannel)).first()
        return row.service_url if row else None
