"""Two plans in one running bot, in Slack and in Teams: the sweep sends an owner of actions in
both one message grouped by plan; a reply naming a reference both plans have is asked about
with the plans as buttons, and the button chosen stores the update on that plan's action.
Real signed HTTP into the bot; the Slack Web API and Bot Connector stand-ins (tests/support).

Julie Fellows owns L2 and C1 in "Small plan" and in "People Plan" (the same small plan loaded
twice under two names, tests/support/small_plan.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.teams.notifier import TeamsNotifier
from jobs.sweep import run_sweep
from storage.engine import read_session, write_session
from storage.models import Action, NudgeMessage, Plan, Update
from storage.plan_sync import sync_plan
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    event_body,
    message_im_event,
)
from tests.support.small_plan import LOADED, load_small_plan, small_spec
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

TODAY = date(2019, 9, 16)  # a Monday; 10:00 London is within working hours
PLANS = ("Small plan", "People Plan")


def _two_plans(engine) -> None:
    load_small_plan(engine)
    with write_session(engine) as s:
        sync_plan(s, replace(small_spec(), name=PLANS[1]), now=LOADED)


def _l2s(engine) -> dict[str, int]:
    """Each plan's L2, by plan name."""
    with read_session(engine) as s:
        rows = s.exec(
            select(Plan.name, Action.id)
            .join(Action, Action.plan_id == Plan.id)
            .where(Action.ref == "L2")
        ).all()
    return dict(rows)


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _messages(engine) -> list[NudgeMessage]:
    with read_session(engine) as s:
        return list(s.exec(select(NudgeMessage)))


# -- Slack --------------------------------------------------------------------------------------
@pytest.fixture
def slack(engine):
    _two_plans(engine)
    with SlackBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, email, name in (
            ("U0JULIE", "julie@example.org", "Julie Fellows"),
            ("U0ALICE", "alice@example.org", "Alice Smith"),
            ("U0PAT", "pat@example.org", "Pat Admin"),
        ):
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def test_slack_one_nudge_grouped_by_plan_and_the_plan_asked_for_a_shared_reference(slack):
    notifier = SlackNotifier(slack.app.client, slack.service, slack.people)
    report = run_sweep(slack.service, notifier, instance_id="t", escalate=False)
    assert not report.failures, report.failures
    dm = slack.slack.dm_channel_id("U0JULIE")
    nudges = [m for m in slack.slack.messages[dm] if "need an update" in m.get("text", "")]
    assert len(nudges) == 1  # one message, both plans
    blocks = nudges[0]["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert headers == list(PLANS)
    l2s = _l2s(slack.engine)
    buttons = {
        json.loads(e["value"])["a"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("value", "").startswith("{")
    }
    assert set(l2s.values()) <= buttons  # each button carries its own plan's action id
    assert len({m.person_id for m in _messages(slack.engine)}) == len(_messages(slack.engine))
    # A second sweep the same day sends nothing more.
    before = len(slack.slack.calls_to("chat.postMessage"))
    run_sweep(slack.service, notifier, instance_id="other", escalate=False)
    assert len(slack.slack.calls_to("chat.postMessage")) == before

    # "L2 …" in a DM: both of her plans have an L2, and the nudge listed both: asked.
    slack.post(
        event_body(message_im_event("L2 on track: offer drafted", user="U0JULIE", channel=dm)),
        content_type=JSON,
    )
    asked = slack.wait_for(
        lambda: [
            c for c in slack.slack.calls_to("chat.postMessage") if "several" in c.params["text"]
        ],
        what="the question",
    )
    ask_blocks = asked[0].params["blocks"]
    ask_blocks = json.loads(ask_blocks) if isinstance(ask_blocks, str) else ask_blocks
    assert asked[0].params["text"] == (
        "L2 is in several of your plans: which plan's L2 is that about?"
    )
    picks = [b for b in ask_blocks if b.get("block_id", "").startswith("pick:")]
    assert sorted(b["accessory"]["text"]["text"] for b in picks) == sorted(PLANS)
    assert _updates(slack.engine) == []  # never guessed
    choice = next(b for b in picks if b["accessory"]["text"]["text"] == PLANS[1])["accessory"]
    slack.post(
        block_actions_body(
            actions=[button_action("pick_action", choice["value"], block_id="pick")],
            user_id="U0JULIE",
            channel_id=dm,
            response_url=slack.slack.new_response_url(),
        ),
        content_type=FORM,
    )
    updates = slack.wait_for(lambda: _updates(slack.engine), what="the update")
    assert [(u.action_id, u.status, u.commentary) for u in updates] == [
        (l2s[PLANS[1]], "On track", "offer drafted")
    ]


# -- Teams --------------------------------------------------------------------------------------
@pytest.fixture
def teams(engine):
    _two_plans(engine)
    with TeamsBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, email, name in (
            ("29:julie", "julie@example.org", "Julie Fellows"),
            ("29:alice", "alice@example.org", "Alice Smith"),
        ):
            h.bc.add_member(uid, email=email, name=name)
        yield h
    assert h.bc.errors == [], [(c.method, c.path, c.error) for c in h.bc.errors]


def _actions(node) -> list[dict]:
    found = []

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") == "Action.Execute":
                found.append(n)
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node)
    return found


def test_teams_one_nudge_grouped_by_plan_and_the_plan_asked_for_a_shared_reference(teams):
    conv = personal_conversation("29:julie")
    assert teams.post(teams.install("29:julie"))[0] == 200
    teams.wait_for(lambda: teams.bc.sent_to(conv), what="the welcome")
    notifier = TeamsNotifier(teams.runtime.connector, teams.service, teams.runtime.people)
    report = run_sweep(teams.service, notifier, instance_id="t", escalate=False)
    # Only Julie has installed the bot: the others' nudges wait (released, retried later).
    assert [n.recipient.name for n in report.nudged] == ["Julie Fellows"]
    nudges = [a for a in teams.bc.sent_to(conv) if "need an update" in a.get("text", "")]
    assert len(nudges) == 1
    card = json.dumps(nudges[0]["attachments"])
    assert card.index(PLANS[0]) < card.index(PLANS[1])  # a heading per plan, in order
    l2s = _l2s(teams.engine)
    ids = {a["data"].get("a") for a in _actions(nudges[0]["attachments"])}
    assert set(l2s.values()) <= ids
    before = len(teams.bc.calls_to("POST", r"/activities$"))
    run_sweep(teams.service, notifier, instance_id="other", escalate=False)
    assert len(teams.bc.calls_to("POST", r"/activities$")) == before

    assert teams.post(teams.message("29:julie", "L2 on track: offer drafted"))[0] == 200
    asked = teams.wait_for(
        lambda: [a for a in teams.bc.sent_to(conv) if "several" in a.get("text", "")],
        what="the question",
    )
    picks = [a for a in _actions(asked[0]["attachments"]) if a["data"].get("k") == "pick"]
    assert sorted(p["title"] for p in picks) == sorted(PLANS)
    assert _updates(teams.engine) == []
    pick = next(p for p in picks if p["title"] == PLANS[1])["data"]
    status, body = teams.post(teams.execute("29:julie", pick))
    assert status == 200 and "On track" in json.dumps(body)
    assert [(u.action_id, u.status) for u in _updates(teams.engine)] == [
        (l2s[PLANS[1]], "On track")
    ]
