"""Who may do what: every verb × every kind of person, through the real Slack path (signed
HTTP into the bot, Web API calls to the stand-in), on SQLite and PostgreSQL.

MATRIX is the rule; README's "Who may do what" table must say the same (checked below).
Every cell checks the answer (a refusal says so) and that a refusal stores nothing: the whole
database (bar the table of chat event ids seen) reads the same before and after.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from handlers.update import handle_status
from storage.engine import read_session, write_session
from storage.models import Owner, Plan, SignOff, Theme, metadata
from storage.people import find_owner, upsert_person
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
    select_value,
    text_value,
    view_submission_body,
)
from tests.support.small_plan import LOADED, load_small_plan

TODAY = date(2019, 9, 16)
README = Path(__file__).resolve().parent.parent / "README.md"

# The target is C1: owned by Julie Fellows and by the role Director of Corporate Affairs
# (held by Alice Smith), in the Culture theme led by Leo Lead. Julie is away, Dan deputising.
PEOPLE = {
    "owner": ("U0JULIE", "julie@example.org", "Julie Fellows"),
    "role holder": ("U0ALICE", "alice@example.org", "Alice Smith"),
    "deputy while owner away": ("U0DAN", "dan@example.org", "Dan Deputy"),
    "theme lead": ("U0LEO", "leo@example.org", "Leo Lead"),
    "administrator": ("U0PAT", "pat@example.org", "Pat Admin"),
    "plan member": ("U0EVE", "eve@example.org", "Eve Other"),
    "workspace member outside the plan": ("U0OUT", "olly@example.org", "Olly Outside"),
}
KINDS = tuple(PEOPLE)
UPDATERS = {"owner", "role holder", "deputy while owner away", "theme lead", "administrator"}
MEMBERS = set(KINDS) - {"workspace member outside the plan"}
ADMIN = {"administrator"}

MATRIX: dict[str, set[str]] = {
    "status button on a nudge": UPDATERS,
    "update form": UPDATERS,
    "free-text reply": UPDATERS,
    "sign-off: confirm": {"theme lead", "administrator"},
    "sign-off: return": {"theme lead", "administrator"},
    "`/actions people`": ADMIN,
    "`/actions map ROLE @user`": ADMIN,
    "`/actions assign REF @user`": ADMIN,
    "`/actions digest now`": ADMIN,
    "away (own absence, naming a deputy)": MEMBERS,
    "away for someone else": set(),
    "read: `/actions` queries": MEMBERS,
    "read: App Home": MEMBERS,
}
WRITES = set(MATRIX) - {"`/actions people`", "read: `/actions` queries", "read: App Home"}


@pytest.fixture
def bot(engine):
    load_small_plan(engine)
    with write_session(engine) as s:
        upsert_person(s, "Dan Deputy", email="dan@example.org", now=LOADED)
        leo = upsert_person(s, "Leo Lead", email="leo@example.org", now=LOADED)
        for t in s.exec(select(Theme)):
            t.lead_owner_id = leo.id
            s.add(t)
        plan = s.exec(select(Plan)).one()
        plan.signoff_required, plan.leadership_channels = True, "C0LEAD"
        s.add(plan)
    with SlackBotHarness(engine, TODAY) as h:
        for uid, email, name in PEOPLE.values():
            h.slack.add_user(uid, email=email, name=uid.lower(), real_name=name)
            h.service.actor_for_chat_user(uid, email=email)  # first contact already made
        julie = h.service.actor_for_name("Julie Fellows").person
        dan = h.service.actor_for_name("Dan Deputy").person
        h.service.set_away(julie, TODAY + timedelta(days=10), dan)
        yield h


def _fingerprint(engine) -> dict[str, list]:
    """Every row of every table but the chat events seen and the requests received (the
    durable inbox): bookkeeping, not a change."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("processedevent", "inboxitem"):
                continue
            rows = conn.execute(sa_select(table)).all()
            out[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return out


def _c1(bot):
    return bot.service.find_action(bot.service.snapshot(), "C1")


def _dm(bot, uid):
    return bot.slack.dm_channel_id(uid)


def _wait_response(bot, url):
    return bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url],
        what="the answer",
    )[-1]


def _wait_post(bot, channel, before, *also: str):
    """The next message to ``channel`` (or to one of ``also``: a post addressed to a user id
    lands in their DM, as the bot's answers to a form do)."""

    def new():
        calls = [c for c in bot.slack.calls_to("chat.postMessage") if c.status == 200]
        mine = [c for c in calls if c.params.get("channel") in (channel, *also)]
        return mine[before:] if len(mine) > before else None

    return bot.wait_for(new, what=f"a message to {channel}")[-1].params


def _posts_to(bot, channel, *also: str):
    return len(
        [
            c
            for c in bot.slack.calls_to("chat.postMessage")
            if c.status == 200 and c.params.get("channel") in (channel, *also)
        ]
    )


def _command(bot, uid, text):
    url = bot.slack.new_response_url()
    bot.post(command_body(text=text, user_id=uid, response_url=url), content_type=FORM)
    return json.dumps(_wait_response(bot, url))


def _pending_signoff(bot) -> int:
    """A completion of C1 waiting for sign-off (made by the owner if none is open)."""
    with read_session(bot.engine) as s:
        open_ = s.exec(select(SignOff.id).where(SignOff.decision.is_(None))).first()
    if open_ is not None:
        return open_
    julie = bot.service.actor_for_name("Julie Fellows")
    reply = handle_status(bot.service, julie, _c1(bot).id, "Completed", source="button")
    return reply.signoff.id


def act(bot, verb: str, kind: str) -> str:
    """Do ``verb`` as ``kind`` through Slack; returns what the bot answered."""
    uid = PEOPLE[kind][0]
    c1 = _c1(bot)
    if verb == "status button on a nudge":
        url = bot.slack.new_response_url()
        value = json.dumps({"a": c1.id})
        body = block_actions_body(
            actions=[button_action("status:on_track", value, block_id=f"act:{c1.id}")],
            user_id=uid,
            channel_id=_dm(bot, uid),
            response_url=url,
        )
        bot.post(body, content_type=FORM)
        return json.dumps(_wait_response(bot, url))
    if verb == "update form":
        before = _posts_to(bot, _dm(bot, uid), uid)
        body = view_submission_body(
            callback_id="update_form",
            user_id=uid,
            view_id=f"V{uid}",
            private_metadata=json.dumps({"a": c1.id}),
            values={
                "status": {"status": select_value("On track")},
                "commentary": {"commentary": text_value(f"form by {kind}")},
            },
        )
        bot.post(body, content_type=FORM)
        return json.dumps(_wait_post(bot, _dm(bot, uid), before, uid))
    if verb == "free-text reply":
        dm = _dm(bot, uid)
        before = _posts_to(bot, dm)
        text = f"C1 on track: reply by {kind}"
        bot.post(event_body(message_im_event(text, user=uid, channel=dm)), content_type=JSON)
        return json.dumps(_wait_post(bot, dm, before))
    if verb == "sign-off: confirm":
        sid = _pending_signoff(bot)  # made in prepare()
        url = bot.slack.new_response_url()
        value = json.dumps({"s": sid, "a": c1.id})
        body = block_actions_body(
            actions=[button_action("signoff_confirm", value, block_id=f"signoff:{sid}")],
            user_id=uid,
            channel_id=_dm(bot, uid),
            response_url=url,
        )
        bot.post(body, content_type=FORM)
        return json.dumps(_wait_response(bot, url))
    if verb == "sign-off: return":
        sid = _pending_signoff(bot)  # made in prepare()
        posted = bot.app.client.chat_postMessage(channel="C0LEAD", text="sign-off asked")
        before = len(bot.slack.calls_to("chat.update"))
        body = view_submission_body(
            callback_id="signoff_return_form",
            user_id=uid,
            private_metadata=json.dumps({"s": sid, "a": c1.id, "ch": "C0LEAD", "ts": posted["ts"]}),
            values={"comment": {"comment": text_value(f"returned by {kind}")}},
        )
        bot.post(body, content_type=FORM)
        calls = bot.wait_for(
            lambda: bot.slack.calls_to("chat.update")[before:], what="the sign-off answer"
        )
        return json.dumps(calls[-1].params)
    if verb == "`/actions people`":
        return _command(bot, uid, "people")
    if verb == "`/actions map ROLE @user`":
        return _command(bot, uid, "map Chief Finance Officer <@U0EVE>")
    if verb == "`/actions assign REF @user`":
        return _command(bot, uid, "assign C1 <@U0EVE>")
    if verb == "`/actions digest now`":
        return _command(bot, uid, "digest now")
    if verb == "away (own absence, naming a deputy)":
        deputy = "Eve Other" if kind == "deputy while owner away" else "Dan Deputy"
        return _command(bot, uid, f"away until 30 September deputy {deputy}")
    if verb == "away for someone else":
        return _command(bot, uid, "away Julie Fellows until 30 September deputy Eve Other")
    if verb == "read: `/actions` queries":
        return _command(bot, uid, "C1")
    if verb == "read: App Home":
        before = len(bot.slack.calls_to("views.publish"))
        bot.post(event_body(app_home_opened_event(user=uid)), content_type=JSON)
        calls = bot.wait_for(
            lambda: bot.slack.calls_to("views.publish")[before:], what="the home view"
        )
        return json.dumps(calls[-1].params)
    raise AssertionError(verb)


_REFUSED = re.compile(
    r"Sorry|for administrators|only an administrator|Only a person|Away until when|"
    r"can't read|Nothing was (?:stored|changed)|shared only|can't be away",
    re.I,
)


@pytest.mark.parametrize("verb", list(MATRIX))
def test_who_may(bot, verb):
    """For one verb, every kind of person: allowed ones get their way, the rest a refusal
    and an unchanged database."""
    results = {}
    for kind in KINDS:
        if verb.startswith("sign-off"):
            _pending_signoff(bot)  # what there is to decide, made before looking
        before = _fingerprint(bot.engine)
        answer = act(bot, verb, kind)
        after = _fingerprint(bot.engine)
        allowed = kind in MATRIX[verb]
        refused = bool(_REFUSED.search(answer))
        changed = before != after
        results[kind] = (allowed, refused, changed)
        if allowed:
            assert not refused, (verb, kind, answer[:400])
            if verb in WRITES:
                assert changed, (verb, kind, "allowed but nothing was stored")
        else:
            assert refused, (verb, kind, answer[:400])
            assert not changed, (verb, kind, [t for t in before if before[t] != after[t]])
        if verb.startswith("read") and not allowed:
            assert "Julie" not in answer and "Publish" not in answer, (verb, kind)
        if verb.startswith("read") and allowed:
            assert "C1" in answer or "Staff recognition" in answer or "Your actions" in answer


def test_readme_table_says_the_same():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header[1:] == list(KINDS)
    table = {}
    for line in rows[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0]] = {k for k, c in zip(KINDS, cells[1:], strict=True) if c.startswith("yes")}
    assert table == MATRIX


def test_owner_row_is_not_the_deputy_after_the_absence(engine):
    """The deputy's right lasts only as long as the absence (checked again a day later)."""
    from datetime import UTC, datetime

    from bot.core.clock import FixedClock
    from bot.core.service import PlanService

    load_small_plan(engine)
    with write_session(engine) as s:
        upsert_person(s, "Dan Deputy", email="dan@example.org", now=LOADED)
    service = PlanService(engine, FixedClock(datetime(2019, 9, 16, 10, tzinfo=UTC)))
    julie = service.actor_for_name("Julie Fellows").person
    service.set_away(julie, TODAY, service.actor_for_name("Dan Deputy").person)
    assert service.actor_for_name("Dan Deputy").covering_ids
    later = PlanService(engine, FixedClock(datetime(2019, 9, 17, 10, tzinfo=UTC)))
    assert not later.actor_for_name("Dan Deputy").covering_ids
    with read_session(engine) as s:
        assert find_owner(s, "Dan Deputy").kind == "person"
        assert s.exec(select(Owner)).first() is not None
