"""End-to-end journeys in Slack, the way Slack talks to the bot: signed HTTP requests into
the bot's endpoint, and the bot's Web API calls going to the local Slack stand-in."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.core.owing import who_owes_what
from bot.platforms.slack.blocks import nudge_blocks
from bot.platforms.slack.notifier import SlackNotifier
from handlers.replies import Nudge
from storage.engine import read_session, write_session
from storage.models import Plan, Update
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
    select_value,
    text_value,
    view_submission_body,
)
from tests.support.small_plan import load_small_plan

TODAY = date(2019, 9, 16)
USERS = {
    "U0ALICE": ("alice@example.org", "Alice Smith"),
    "U0JULIE": ("julie@example.org", "Julie Fellows"),
    "U0EVE": ("eve@example.org", "Eve Other"),
    "U0PAT": ("pat@example.org", "Pat Admin"),
}


@pytest.fixture
def bot(sqlite_engine):
    load_small_plan(sqlite_engine)
    with SlackBotHarness(sqlite_engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in USERS.items():
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _send_nudge(bot: SlackBotHarness, name: str) -> tuple[str, str, list]:
    """Deliver today's nudge for ``name`` through the Slack notifier (as the sweep does)."""
    snap = bot.service.snapshot()
    owed = who_owes_what(snap, TODAY)
    person = next(p for p in owed if p.name == name)
    notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
    delivered = notifier.send_nudge(person, Nudge(person, tuple(owed[person]), TODAY), claim_id=1)
    stored = bot.slack.messages[delivered.channel][-1]
    return delivered.channel, delivered.message_ts, stored["blocks"]


def _button(blocks, action_ref_id: int, action_id: str) -> dict:
    row = next(b for b in blocks if b.get("block_id") == f"act:{action_ref_id}")
    return next(e for e in row["elements"] if e["action_id"] == action_id)


def test_nudge_click_completed_is_stored_and_shown(bot):
    channel, ts, blocks = _send_nudge(bot, "Julie Fellows")
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    btn = _button(blocks, l2.id, "status:completed")
    body = block_actions_body(
        actions=[button_action(btn["action_id"], btn["value"], block_id=f"act:{l2.id}")],
        user_id="U0JULIE",
        channel_id=channel,
        message_ts=ts,
        message={"ts": ts, "blocks": blocks, "text": "nudge"},
        response_url=bot.slack.new_response_url(),
    )
    status, _, _ = bot.post(body, content_type=FORM)
    assert status == 200
    bot.wait_for(lambda: bot.slack.calls_to("chat.update"), what="the nudge to be edited")
    updates = _updates(bot.engine)
    assert [(u.status, u.source, u.author_name) for u in updates] == [
        ("Completed", "button", "Julie Fellows")
    ]
    edited = bot.slack.messages[channel][-1]["blocks"]
    row = next(b for b in edited if b.get("block_id") == f"act:{l2.id}")
    assert row["type"] == "context" and "Completed" in row["elements"][0]["text"]
    # ... and /actions L2 shows it
    url = bot.slack.new_response_url()
    bot.post(command_body(text="L2", user_id="U0JULIE", response_url=url), content_type=FORM)
    reply = bot.wait_for(lambda: _responses_to(bot, url), what="the /actions answer")
    assert "Completed" in json.dumps(reply)


def test_non_owner_click_is_refused_and_nothing_stored(bot):
    channel, ts, blocks = _send_nudge(bot, "Julie Fellows")
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    btn = _button(blocks, l2.id, "status:on_track")
    url = bot.slack.new_response_url()
    body = block_actions_body(
        actions=[button_action(btn["action_id"], btn["value"], block_id=f"act:{l2.id}")],
        user_id="U0EVE",
        channel_id=channel,
        message_ts=ts,
        message={"ts": ts, "blocks": blocks},
        response_url=url,
    )
    assert bot.post(body, content_type=FORM)[0] == 200
    bot.wait_for(lambda: _responses_to(bot, url), what="the refusal")
    assert "only the owners of L2" in json.dumps(_responses_to(bot, url))
    assert _updates(bot.engine) == []
    assert bot.slack.calls_to("chat.update") == []


def _responses_to(bot, url):
    return [r for r in bot.slack.responses if r.get("response_url") == url]


def test_event_delivered_three_times_stores_one_update(bot):
    event = event_body(
        message_im_event(
            "L2 slipping to end of December, waiting for HR",
            user="U0JULIE",
            channel=bot.slack.dm_channel_id("U0JULIE"),
        )
    )
    for retry in (None, 1, 2):
        status, _, _ = bot.post(
            event,
            content_type=JSON,
            retry_num=retry,
            retry_reason="http_timeout" if retry else None,
        )
        assert status == 200
    bot.wait_for(lambda: bot.slack.calls_to("chat.postMessage"), what="the confirmation")
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert len(updates) == 1
    u = updates[0]
    assert (u.status, u.source, u.revised_due) == ("Delayed", "reply", date(2019, 12, 31))
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_reply_in_nudge_thread_is_parsed_and_stored(bot):
    channel, ts, _ = _send_nudge(bot, "Alice Smith")
    # Alice's nudge lists L1 and C1: the thread reply must name one or be asked which.
    with write_session(bot.engine) as s:
        from storage.models import NudgeItem, NudgeMessage

        nudge = NudgeMessage(
            plan_id=s.exec(select(Plan.id)).one(),
            person_id=_owner_id(s, "Alice Smith"),
            day=TODAY,
            state="sent",
            lease_until=bot.clock.now(),
            channel=channel,
            message_ts=ts,
            created_at=bot.clock.now(),
        )
        s.add(nudge)
        s.flush()
        l1 = bot.service.find_action(bot.service.snapshot(), "L1")
        s.add(
            NudgeItem(
                nudge_id=nudge.id,
                action_id=l1.id,
                window_key="before10:2019-09-30",
                reason="due soon",
            )
        )
    event = event_body(
        message_im_event(
            "On track: workshops booked for 12 March", user="U0ALICE", channel=channel, thread_ts=ts
        )
    )
    assert bot.post(event, content_type=JSON)[0] == 200
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert [(u.action_id, u.status, u.commentary) for u in updates] == [
        (l1.id, "On track", "workshops booked for 12 March")
    ]
    posted = bot.wait_for(
        lambda: [
            c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts
        ],
        what="the threaded confirmation",
    )
    assert "Stored" in posted[0].params["text"]


def _owner_id(s, name):
    from storage.models import Owner

    return s.exec(select(Owner.id).where(Owner.name == name)).one()


def test_form_with_revised_date_is_stored(bot):
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    trigger = bot.slack.issue_trigger_id("U0JULIE")
    url = bot.slack.new_response_url()
    body = block_actions_body(
        actions=[button_action("open_form", json.dumps({"a": l2.id}), block_id=f"sec:{l2.id}")],
        user_id="U0JULIE",
        channel_id=bot.slack.dm_channel_id("U0JULIE"),
        trigger_id=trigger,
        response_url=url,
    )
    assert bot.post(body, content_type=FORM)[0] == 200
    opened = bot.wait_for(lambda: bot.slack.calls_to("views.open"), what="the form")
    view = opened[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bad = view_submission_body(
        callback_id="update_form",
        user_id="U0JULIE",
        private_metadata=view["private_metadata"],
        values={
            "status": {"status": select_value("Delayed")},
            "revised_text": {"revised_text": text_value("sometime maybe")},
        },
    )
    status, _, raw = bot.post(bad, content_type=FORM)
    assert status == 200 and json.loads(raw)["response_action"] == "errors"
    assert "revised_text" in json.loads(raw)["errors"]
    assert _updates(bot.engine) == []
    good = view_submission_body(
        callback_id="update_form",
        user_id="U0JULIE",
        private_metadata=view["private_metadata"],
        values={
            "status": {"status": select_value("Delayed")},
            "commentary": {"commentary": text_value("HR capacity <!channel> *bold*")},
            "revised_text": {"revised_text": text_value("30/11/2019")},
        },
    )
    assert bot.post(good, content_type=FORM)[0] == 200
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    u = updates[0]
    assert (u.status, u.source, u.revised_due, u.commentary) == (
        "Delayed",
        "form",
        date(2019, 11, 30),
        "HR capacity <!channel> *bold*",
    )
    confirm = bot.wait_for(lambda: bot.slack.calls_to("chat.postMessage"), what="the confirmation")
    blocks = confirm[-1].params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    # The user's text is shown as plain text: it can never ping @channel or format.
    shown = [b for b in blocks if b.get("text", {}).get("type") == "plain_text"]
    assert shown and "<!channel>" in shown[0]["text"]["text"]
    assert all(
        "<!channel>" not in b["text"]["text"]
        for b in blocks
        if b.get("text", {}).get("type") == "mrkdwn"
    )


def test_nudge_blocks_stay_within_limits_for_many_actions(bot):
    from dataclasses import replace

    from bot.core.owing import Owed, Reason
    from tests.support.slack_api import validate_message_blocks

    base = bot.service.snapshot().actions[0]
    many = [
        Owed(replace(base, id=1000 + i, ref=f"X{i}", text="word " * 200), Reason.OVERDUE, -3, None)
        for i in range(60)
    ]
    text, blocks = nudge_blocks("Someone With A Long Name", many, TODAY)
    assert len(blocks) <= 50 and "…and 37 more" in blocks[-1]["elements"][0]["text"]
    assert validate_message_blocks(blocks) == []
    assert "X0" in text and "X59" in text
