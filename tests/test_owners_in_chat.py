"""`/actions assign REF @person` (or a role) for administrators, in Slack (signed HTTP into
the bot, its Web API calls to the Slack stand-in) and in Teams (activities into the bot, the
Bot Connector stand-in), on seed 000's plan, which names no owners: the mention resolves to
the person by their chat id, non-administrators are refused and nothing is written, the
assignments survive a re-import, and the sweep nudges the new owners. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.io.plan_import import import_plan
from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.teams.notifier import TeamsNotifier
from jobs.sweep import run_sweep
from storage.engine import read_session, write_session
from storage.models import ActionOwner, AuditEntry
from storage.people import upsert_person
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import FORM, JSON, command_body, event_body, message_im_event
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

ROOT = Path(__file__).resolve().parent.parent
SEED000 = ROOT / "tests" / "fixtures" / "plans" / "seed000.xlsx"
TODAY = date(2019, 11, 4)  # a Monday: 10:00 is in working hours
RECOGNITION = "Review and refocus of staff recognition scheme"
IMPLEMENT = "Implement the CCG and system response"
TENPERCENT = "Review the 10%ers scheme"
PEOPLE = {"julie@example.org": "Julie Fellows", "pat@example.org": "Pat Admin"}


def _load_seed000(engine) -> dict[str, str]:
    """Seed 000 imported (no owners), its people known by email; labels by text start."""
    import_plan(engine, FixedClock(datetime(2019, 11, 1, 10, tzinfo=UTC)), SEED000)
    with write_session(engine) as s:
        for email, name in PEOPLE.items():
            upsert_person(s, name, email=email, now=datetime(2019, 11, 1, tzinfo=UTC))
    return {}


def _label(service, start: str) -> str:
    (a,) = [a for a in service.snapshot().actions if a.text.startswith(start)]
    return a.label


def _links(engine) -> list[tuple[int, int, bool]]:
    with read_session(engine) as s:
        return sorted((x.action_id, x.owner_id, x.by_hand) for x in s.exec(select(ActionOwner)))


def _owners(service, label: str) -> list[str]:
    return [o.name for o in service.find_action(service.snapshot(), label).owners]


# -- Slack -------------------------------------------------------------------------------------

SLACK_USERS = {
    "U0JULIE": ("julie@example.org", "Julie Fellows"),
    "U0PAT": ("pat@example.org", "Pat Admin"),
    "U0EVE": ("eve@example.org", "Eve Other"),
}


@pytest.fixture
def slack(engine):
    _load_seed000(engine)
    with SlackBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in SLACK_USERS.items():
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _ask(bot, text: str, user: str) -> str:
    url = bot.slack.new_response_url()
    status, _, _ = bot.post(
        command_body(text=text, user_id=user, response_url=url), content_type=FORM
    )
    assert status == 200
    got = bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url],
        what=f"the answer to {text!r}",
    )
    return json.dumps(got[-1], ensure_ascii=False)


def test_slack_assign_by_mention_and_role_survives_reimport_and_is_nudged(slack):
    bot, service = slack, slack.service
    recognition, implement = _label(service, RECOGNITION), _label(service, IMPLEMENT)
    tenpercent = _label(service, TENPERCENT)
    # Not an administrator: refused in plain words, nothing written or audited.
    said = _ask(bot, f"assign {recognition} <@U0JULIE>", "U0EVE")
    assert "for administrators" in said and "Nothing was assigned" in said
    assert _links(bot.engine) == []
    # A mention of someone matched to nobody in the plan: said so, nothing written.
    said = _ask(bot, f"assign {recognition} <@U0EVE|eve>", "U0PAT")
    assert "can't tell who" in said and _links(bot.engine) == []
    # An unknown reference is named.
    said = _ask(bot, "assign #99999 <@U0JULIE>", "U0PAT")
    assert "#99999" in said and _links(bot.engine) == []
    # The administrator: the mention is Julie, found by her Slack id's verified email.
    said = _ask(bot, f"assign {recognition} {implement} <@U0JULIE>", "U0PAT")
    assert f"{recognition}, {implement} now owned by Julie Fellows" in said, said
    said = _ask(bot, f"assign {tenpercent} to Director of Workforce", "U0PAT")
    assert "now owned by Director of Workforce" in said and "Nobody holds" in said
    assert "/actions map Director of Workforce @someone" in said
    with read_session(bot.engine) as s:
        audited = [e for e in s.exec(select(AuditEntry)) if e.action == "actions.assign"]
    assert len(audited) == 2 and all("slack U0PAT" in e.actor for e in audited)
    assert [e.subject for e in audited] == ["Julie Fellows", "Director of Workforce"]
    # Unowned, in chat.
    assert "actions with no owner: 30 actions" in _ask(bot, "unowned", "U0PAT")

    # Re-import: the file names no owners, so nothing is taken away.
    before = _links(bot.engine)
    assert len(before) == 3 and all(h for _, _, h in before)
    import_plan(bot.engine, FixedClock(datetime(2019, 11, 2, 10, tzinfo=UTC)), SEED000)
    assert _links(bot.engine) == before
    assert _owners(service, recognition) == ["Julie Fellows"]

    # The sweep nudges Julie in Slack about the actions given to her.
    notifier = SlackNotifier(bot.app.client, service, bot.people)
    report = run_sweep(service, notifier, instance_id="test")
    assert not report.failures
    julie = next(n for n in report.nudged if n.recipient.name == "Julie Fellows")
    assert {i["ref"] for i in julie.items} >= {recognition}
    dm = julie.channel
    nudge = json.dumps(bot.slack.messages[dm][-1], ensure_ascii=False)
    assert "Review and refocus of staff recognition" in nudge

    # Julie answers; `/actions REF` then shows her update and the deadline's history.
    bot.post(
        event_body(
            message_im_event(
                f"{recognition} delayed to end of March 2020: waiting for HR",
                user="U0JULIE",
                channel=bot.slack.dm_channel_id("U0JULIE"),
            )
        ),
        content_type=JSON,
    )
    bot.wait_for(
        lambda: service.find_action(service.snapshot(), recognition).status == "Delayed",
        what="the update",
    )
    said = _ask(bot, recognition, "U0PAT")
    assert (
        "Last update: Delayed" in said and "waiting for HR" in said and "by Julie Fellows" in said
    )
    assert "Deadline: Quarter 1 (30 Jun 2019)" in said and "the plan (import)" in said
    assert "Revised:" in said and "31 Mar 2020" in said


# -- Teams -------------------------------------------------------------------------------------

TEAMS_USERS = {
    "29:julie": ("julie@example.org", "Julie Fellows"),
    "29:pat": ("pat@example.org", "Pat Admin"),
    "29:eve": ("eve@example.org", "Eve Other"),
}


@pytest.fixture
def teams(engine):
    _load_seed000(engine)
    with TeamsBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in TEAMS_USERS.items():
            h.bc.add_member(uid, email=email, name=name)
        yield h
    assert h.bc.errors == [], [(c.method, c.path, c.error) for c in h.bc.errors]


def _install(bot, user_id: str) -> str:
    conv = personal_conversation(user_id)
    assert bot.post(bot.install(user_id))[0] == 200
    bot.wait_for(lambda: bot.bc.sent_to(conv), what=f"the welcome to {user_id}")
    return conv


def _say(bot, user_id: str, conv: str, text: str, mention: str | None = None) -> str:
    act = bot.message(user_id, text)
    if mention:
        name = TEAMS_USERS[mention][1]
        act["text"] = f"{text} <at>{name}</at>"
        act["entities"] = [
            {
                "type": "mention",
                "text": f"<at>{name}</at>",
                "mentioned": {"id": mention, "name": name},
            }
        ]
    before = len(bot.bc.sent_to(conv))
    assert bot.post(act)[0] == 200
    got = bot.wait_for(lambda: bot.bc.sent_to(conv)[before:], what=f"the answer to {text!r}")
    return json.dumps(got[-1], ensure_ascii=False)


def test_teams_assign_by_mention_survives_reimport_and_is_nudged(teams):
    bot, service = teams, teams.service
    pat, julie, eve = _install(bot, "29:pat"), _install(bot, "29:julie"), _install(bot, "29:eve")
    recognition, implement = _label(service, RECOGNITION), _label(service, IMPLEMENT)
    said = _say(bot, "29:eve", eve, f"assign {recognition}", mention="29:julie")
    assert "for administrators" in said and _links(bot.engine) == []
    said = _say(bot, "29:pat", pat, f"assign {recognition}", mention="29:eve")
    assert "can't tell who" in said and _links(bot.engine) == []
    said = _say(bot, "29:pat", pat, f"assign {recognition} {implement}", mention="29:julie")
    assert f"{recognition}, {implement} now owned by Julie Fellows" in said, said
    import_plan(bot.engine, FixedClock(datetime(2019, 11, 2, 10, tzinfo=UTC)), SEED000)
    assert _owners(service, implement) == ["Julie Fellows"]
    # `REF` in Teams: the last update and the deadline's history, not the status alone.
    said = _say(bot, "29:pat", pat, implement)
    assert "Last update: Pending" in said and "Deadline: Quarter 2 (30 Sep 2019)" in said
    notifier = TeamsNotifier(bot.runtime.connector, service, bot.runtime.people)
    report = run_sweep(service, notifier, instance_id="test")
    assert not report.failures
    assert "Julie Fellows" in {n.recipient.name for n in report.nudged}
    nudge = next(a for a in bot.bc.sent_to(julie) if "need an update" in a.get("text", ""))
    assert "Review and refocus of staff recognition" in json.dumps(nudge, ensure_ascii=False)
