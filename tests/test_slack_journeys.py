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
from storage.chat import conversation_for
from storage.engine import read_session, write_session
from storage.models import Owner, Plan, Update
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

    from bot.core.owing import Owed, Reason
    from tests.support.slack_api import validate_message_blocks

    base = bot.service.snapshot().actions[0]
    many = [
        Owed(base._replace(id=1000 + i, ref=f"X{i}", text="word " * 200), Reason.OVERDUE, -3, None)
        for i in range(60)
    ]
    text, blocks = nudge_blocks("Someone With A Long Name", many, TODAY)
    assert len(blocks) <= 50 and "…and 37 more" in blocks[-1]["elements"][0]["text"]
    assert validate_message_blocks(blocks) == []
    assert "X0" in text and "X59" in text


def _plan_requires_signoff(engine, lead_name: str) -> None:
    from storage.models import Theme

    with write_session(engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.signoff_required = True
        s.add(plan)
        lead = s.exec(select(Owner).where(Owner.name == lead_name)).one()
        for theme in s.exec(select(Theme)):
            theme.lead_owner_id = lead.id
            s.add(theme)


def test_completion_waits_for_theme_lead_signoff_then_return_reopens(bot):
    _plan_requires_signoff(bot.engine, "Alice Smith")
    bot.service.actor_for_chat_user("U0ALICE", email="alice@example.org")  # Alice is known to Slack
    event = event_body(
        message_im_event(
            "L2 done: coaching offer published",
            user="U0JULIE",
            channel=bot.slack.dm_channel_id("U0JULIE"),
        )
    )
    assert bot.post(event, content_type=JSON)[0] == 200
    alice_dm = bot.slack.dm_channel_id("U0ALICE")
    ask = bot.wait_for(
        lambda: [
            m
            for m in bot.slack.messages.get(alice_dm, [])
            if "sign-off" in m.get("text", "") or "confirm" in m.get("text", "")
        ],
        what="the sign-off request",
    )
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    assert l2.status == "Completed" and l2.signoff_pending
    # owners' queries show it as awaiting sign-off, and it is not nudged
    assert all(o.action.id != l2.id for items in bot.service.owed().values() for o in items)
    row = next(b for b in ask[0]["blocks"] if b["type"] == "actions")
    ret = next(e for e in row["elements"] if e["action_id"] == "signoff_return")
    # Julie (not the lead) cannot confirm her own completion
    url = bot.slack.new_response_url()
    confirm = next(e for e in row["elements"] if e["action_id"] == "signoff_confirm")
    bot.post(
        block_actions_body(
            actions=[button_action("signoff_confirm", confirm["value"], block_id=row["block_id"])],
            user_id="U0JULIE",
            channel_id=alice_dm,
            message=ask[0],
            response_url=url,
        ),
        content_type=FORM,
    )
    assert "only the theme lead" in json.dumps(
        bot.wait_for(lambda: _responses_to(bot, url), what="refusal")
    )
    # Alice returns it with a comment via the small form
    trigger = bot.slack.issue_trigger_id("U0ALICE")
    bot.post(
        block_actions_body(
            actions=[button_action("signoff_return", ret["value"], block_id=row["block_id"])],
            user_id="U0ALICE",
            channel_id=alice_dm,
            message=ask[0],
            trigger_id=trigger,
            response_url=bot.slack.new_response_url(),
        ),
        content_type=FORM,
    )
    opened = bot.wait_for(lambda: bot.slack.calls_to("views.open"), what="the return form")
    view = opened[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    empty = view_submission_body(
        callback_id="signoff_return_form",
        user_id="U0ALICE",
        private_metadata=view["private_metadata"],
        values={"comment": {"comment": text_value("")}},
    )
    status, _, raw = bot.post(empty, content_type=FORM)
    assert json.loads(raw)["response_action"] == "errors"
    submit = view_submission_body(
        callback_id="signoff_return_form",
        user_id="U0ALICE",
        private_metadata=view["private_metadata"],
        values={"comment": {"comment": text_value("No evidence attached yet")}},
    )
    assert bot.post(submit, content_type=FORM)[0] == 200
    julie_dm = bot.slack.dm_channel_id("U0JULIE")
    told = bot.wait_for(
        lambda: [
            m for m in bot.slack.messages.get(julie_dm, []) if "returned" in m.get("text", "")
        ],
        what="the owner to be told",
    )
    assert "No evidence attached yet" in told[0]["text"]
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    assert not l2.signoff_pending and l2.status == "Ongoing"
    # First contact with the lead went by user id, no DM opened; the DM channel was stored.
    first = next(
        c for c in bot.slack.calls_to("chat.postMessage") if c.response["ts"] == ask[0]["ts"]
    )
    assert first.params["channel"] == "U0ALICE" and bot.slack.calls_to("conversations.open") == []
    with read_session(bot.engine) as s:
        alice = s.exec(select(Owner).where(Owner.name == "Alice Smith")).one()
        assert conversation_for(s, "slack", alice.id).conversation_id == alice_dm


def test_unclear_reply_asks_which_action_with_buttons(bot):
    dm = bot.slack.dm_channel_id("U0JULIE")
    assert (
        bot.post(
            event_body(message_im_event("On track: drafting now", user="U0JULIE", channel=dm)),
            content_type=JSON,
        )[0]
        == 200
    )
    asked = bot.wait_for(lambda: bot.slack.calls_to("chat.postMessage"), what="the question")
    blocks = asked[0].params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    picks = [b for b in blocks if b.get("block_id", "").startswith("pick:")]
    # Julie owns L2 and C1 (open); L3 is completed
    labels = sorted(b["text"]["text"].split("*")[1] for b in picks)
    assert labels == ["C1", "L2"] and _updates(bot.engine) == []
    choice = next(b for b in picks if "*C1*" in b["text"]["text"])["accessory"]
    bot.post(
        block_actions_body(
            actions=[button_action("pick_action", choice["value"], block_id="pick")],
            user_id="U0JULIE",
            channel_id=dm,
            response_url=bot.slack.new_response_url(),
        ),
        content_type=FORM,
    )
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    c1 = bot.service.find_action(bot.service.snapshot(), "C1")
    assert [(u.action_id, u.status, u.commentary) for u in updates] == [
        (c1.id, "On track", "drafting now")
    ]


def test_app_home_lists_my_actions_and_admin_totals(bot):
    from tests.support.slack_signing import app_home_opened_event

    bot.post(event_body(app_home_opened_event(user="U0JULIE")), content_type=JSON)
    bot.post(event_body(app_home_opened_event(user="U0PAT")), content_type=JSON)
    views = bot.wait_for(
        lambda: (
            len(bot.slack.calls_to("views.publish")) >= 2 and bot.slack.calls_to("views.publish")
        ),
        what="two home views",
    )
    by_user = {
        c.params["user_id"]: (
            json.loads(c.params["view"]) if isinstance(c.params["view"], str) else c.params["view"]
        )
        for c in views
    }
    julie = json.dumps(by_user["U0JULIE"])
    assert "*L2*" in julie and "*C1*" in julie and "*L3*" not in julie and "open_form" in julie
    assert "Plan: Small plan" not in julie
    assert "Plan: Small plan" in json.dumps(by_user["U0PAT"])


def test_admin_maps_a_role_and_lists_unmatched(bot):
    url = bot.slack.new_response_url()
    bot.post(
        command_body(
            text="map Chief Finance Officer <@U0EVE|eve>", user_id="U0PAT", response_url=url
        ),
        content_type=FORM,
    )
    reply = bot.wait_for(lambda: _responses_to(bot, url), what="the map answer")
    assert "Eve Other now holds Chief Finance Officer" in json.dumps(reply)
    owed = {p.name: [o.action.ref for o in items] for p, items in bot.service.owed().items()}
    assert owed.get("Eve Other") == ["C2"]
    url2 = bot.slack.new_response_url()
    bot.post(
        command_body(
            text="map Chief Finance Officer <@U0EVE>", user_id="U0JULIE", response_url=url2
        ),
        content_type=FORM,
    )
    assert "for administrators" in json.dumps(
        bot.wait_for(lambda: _responses_to(bot, url2), what="refusal")
    )
    url3 = bot.slack.new_response_url()
    bot.post(command_body(text="people", user_id="U0PAT", response_url=url3), content_type=FORM)
    assert "not matched yet" in json.dumps(
        bot.wait_for(lambda: _responses_to(bot, url3), what="people")
    )


def test_actions_answer_is_paginated(bot, sqlite_engine):
    from storage.plan_sync import ActionSpec, DeadlineSpec, OwnerSpec, PlanSpec, sync_plan

    with write_session(sqlite_engine) as s:
        spec = PlanSpec(
            name="Small plan",
            actions=[
                ActionSpec(
                    ref=f"P{i}",
                    text=f"Action {i}",
                    theme="Big",
                    objective="",
                    deadline=DeadlineSpec("01/01/2019", date(2019, 1, 1), "fixed", True),
                    owners=[OwnerSpec("Julie Fellows", "person")],
                )
                for i in range(25)
            ],
        )
        sync_plan(s, spec, now=bot.clock.now())
    url = bot.slack.new_response_url()
    bot.post(command_body(text="overdue", user_id="U0PAT", response_url=url), content_type=FORM)
    first = bot.wait_for(lambda: _responses_to(bot, url), what="page 1")[0]
    assert "page 1 of 3" in first["text"]
    nxt = next(e for b in first["blocks"] if b.get("block_id") == "pages" for e in b["elements"])
    url2 = bot.slack.new_response_url()
    bot.post(
        block_actions_body(
            actions=[button_action(nxt["action_id"], nxt["value"], block_id="pages")],
            user_id="U0PAT",
            response_url=url2,
        ),
        content_type=FORM,
    )
    second = bot.wait_for(lambda: _responses_to(bot, url2), what="page 2")[0]
    assert "page 2 of 3" in second["text"] and second.get("replace_original") is True


def test_rate_limited_post_is_retried_after_retry_after(bot):
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    dm = bot.slack.dm_channel_id("U0JULIE")
    bot.post(
        event_body(message_im_event("L2 on track: HR agreed", user="U0JULIE", channel=dm)),
        content_type=JSON,
    )
    calls = bot.wait_for(
        lambda: [c for c in bot.slack.calls_to("chat.postMessage") if c.status == 200],
        what="the retried confirmation",
    )
    limited = [c for c in bot.slack.calls_to("chat.postMessage") if c.status == 429]
    assert len(limited) == 1 and calls[0].time - limited[0].time >= 0.9
    bot.slack.calls[:] = [c for c in bot.slack.calls if c.status != 429]  # the 429 was expected


def _dm(bot: SlackBotHarness, user: str, text: str) -> None:
    channel = bot.slack.dm_channel_id(user)
    assert (
        bot.post(event_body(message_im_event(text, user=user, channel=channel)), content_type=JSON)[
            0
        ]
        == 200
    )


def _posted(bot: SlackBotHarness, n: int) -> list:
    return bot.wait_for(
        lambda: (calls := bot.slack.calls_to("chat.postMessage")) and len(calls) >= n and calls,
        what=f"{n} message(s) from the bot",
    )


def test_a_query_word_alone_in_a_dm_is_a_query_not_an_update(bot):
    # "overdue" reads as the status Delayed; alone on a line it is a query.
    _dm(bot, "U0JULIE", "overdue")
    answer = _posted(bot, 1)[0].params
    assert "overdue" in answer["text"].lower() and "L2" in json.dumps(answer["blocks"])
    assert _updates(bot.engine) == []


def test_a_dm_reply_is_about_the_last_nudge_sent(bot):
    snap = bot.service.snapshot()
    owed = who_owes_what(snap, TODAY)
    julie = next(p for p in owed if p.name == "Julie Fellows")
    only_l2 = tuple(o for o in owed[julie] if o.action.ref == "L2")
    notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
    notifier.send_nudge(julie, Nudge(julie, only_l2, TODAY), claim_id=7)
    # Not in the nudge's thread, and naming no action: it is about the nudge's one action.
    _dm(bot, "U0JULIE", "slipping to end of December")
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    l2 = bot.service.find_action(snap, "L2")
    assert [(u.action_id, u.status, u.revised_due) for u in updates] == [
        (l2.id, "Delayed", date(2019, 12, 31))
    ]


def test_a_dm_answers_the_status_question_the_bot_asked(bot):
    _dm(bot, "U0JULIE", "L2 coaching offer drafted")
    asked = _posted(bot, 1)[0].params
    assert asked["text"] == "What is the status of L2?" and _updates(bot.engine) == []
    _dm(bot, "U0JULIE", "on track")
    updates = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert [(u.status, u.commentary) for u in updates] == [("On track", "coaching offer drafted")]


def test_owner_query_in_a_dm_finds_the_person_by_slack_id_not_by_name(bot):
    """`owner @someone` in a DM goes by the mentioned user's id: a name anyone can set to a
    colleague's never picks whose actions are listed."""
    julie = bot.people.actor("U0JULIE").person
    assert julie is not None  # matched (and her Slack id stored) by her verified email
    _dm(bot, "U0ALICE", "owner <@U0JULIE>")
    answer = _posted(bot, 1)[0].params
    listed = json.dumps(answer["blocks"])
    assert "L2" in listed and "Julie Fellows" in answer["text"] + listed
    # Mallory has set her Slack name to "Julie Fellows": asking about her lists nothing of Julie's.
    bot.slack.add_user("U0MAL", email="mallory@example.org", name="mal", real_name="Julie Fellows")
    _dm(bot, "U0ALICE", "owner <@U0MAL>")
    answer = _posted(bot, 2)[-1].params
    assert "L2" not in json.dumps(answer.get("blocks")) + answer["text"]
    assert _updates(bot.engine) == []


def test_a_stored_burst_answers_only_when_nobody_else_is_being_read_or_stored(bot, monkeypatch):
    """As a Teams burst does (test_teams_journeys.py): clicks stored, their messages are
    updated only when no other request is being read or stored, and at once when none is,
    over real HTTP and the inbox. (The listeners get a foreground of the test's own, which
    "another request" holds; the clicks' own counts stay in the process's.)"""
    import time

    import bot.foreground as fg
    import bot.platforms.slack.listeners as listeners

    mine = fg.Foreground(max_hold=30)
    monkeypatch.setattr(listeners, "FOREGROUND", mine)
    owed = who_owes_what(bot.service.snapshot(), TODAY)
    clicks = []
    for uid, name, status in (("U0JULIE", "Julie Fellows", "on_track"),
                              ("U0ALICE", "Alice Smith", "delayed")):  # fmt: skip
        channel, ts, blocks = _send_nudge(bot, name)
        action = next(o.action for p, items in owed.items() if p.name == name for o in items)
        btn = _button(blocks, action.id, f"status:{status}")
        clicks.append(block_actions_body(
            actions=[button_action(btn["action_id"], btn["value"], block_id=f"act:{action.id}")],
            user_id=uid, channel_id=channel, message_ts=ts,
            message={"ts": ts, "blocks": blocks, "text": "nudge"},
            response_url=bot.slack.new_response_url(),
        ))  # fmt: skip
    mine.enter()  # another request, being read
    try:
        for body in clicks:
            assert bot.post(body, content_type=FORM)[0] == 200
        bot.wait_for(lambda: len(_updates(bot.engine)) == 2, what="both clicks stored")
        time.sleep(0.2)
        assert bot.slack.calls_to("chat.update") == []  # stored, the answers held back
    finally:
        mine.leave()
    bot.wait_for(lambda: len(bot.slack.calls_to("chat.update")) == 2, what="both messages edited")
    assert sorted(u.status for u in _updates(bot.engine)) == ["Delayed", "On track"]
