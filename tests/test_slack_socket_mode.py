"""Socket Mode end to end: the real `progressbot run` (a separate process) with SLACK_APP_TOKEN
set connects to the local Socket Mode stand-in (tests/support/socket_mode.py) through
``apps.connections.open`` on the Web API stand-in, and gets a slash command, a button click,
a form (open and submit) and a DM as Socket Mode envelopes, each acknowledged within 3 s.
Then Slack asks it to reconnect (``disconnect``) and a connection drops with an event
unacknowledged: the event is delivered again on the new connection and stored once."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from sqlmodel import select

from bot.core.clock import SystemClock
from bot.core.service import PlanService
from storage.engine import make_engine, read_session
from storage.models import Update
from tests.support.run_process import (
    BotProcess,
    add_sample_users,
    bot_env,
    load_sample,
    wait_for,
)
from tests.support.slack_api import SlackStandIn
from tests.support.slack_signing import (
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
    payload_of,
    select_value,
    text_value,
    view_submission_body,
)
from tests.support.socket_mode import SocketModeStandIn


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def test_socket_mode_journeys_and_reconnects(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'socket.db'}"
    engine = make_engine(db_url)
    with SlackStandIn() as slack, SocketModeStandIn(slack) as sm:
        users = add_sample_users(slack)
        priya = users["Priya Raman"]
        # Pings every second: the dropped connection below is found dead (and replaced) in
        # about five of them rather than bolt's default 50 s; what is checked is the same.
        env = bot_env(
            slack,
            db_url,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_SIGNING_SECRET="",
            SLACK_SOCKET_PING_SECONDS="1",
        )
        load_sample(env, tmp_path)
        g2 = PlanService(engine, SystemClock()).action_snapshot("G2")[1]
        g9 = PlanService(engine, SystemClock()).action_snapshot("G9")[1]
        bot = BotProcess(env, tmp_path)
        try:
            sm.wait_for_connections(1, timeout=60)
            assert [c.params for c in slack.calls_to("apps.connections.open")]

            # A slash command: acknowledged at once, answered through the response URL.
            url = slack.new_response_url()
            command = dict(parse_qsl(command_body(text="mine", user_id=priya, response_url=url).decode()))
            sm.wait_ack(sm.send("slash_commands", command))
            answer = wait_for(
                lambda: [r for r in slack.responses if r.get("response_url") == url],
                what="the answer to /actions mine", proc=bot,
            )  # fmt: skip
            assert "*G2*" in json.dumps(answer)

            # A button in a nudge: the update is stored once, by Priya.
            value = json.dumps({"a": g2.id}, separators=(",", ":"))
            click = payload_of(
                block_actions_body(
                    actions=[button_action("status:on_track", value, block_id=f"act:{g2.id}")],
                    user_id=priya,
                    channel_id=slack.dm_channel_id(priya),
                    response_url=slack.new_response_url(),
                )
            )
            ack = sm.wait_ack(sm.send("interactive", click))
            assert set(ack) == {"envelope_id"}
            wait_for(lambda: _updates(engine), what="the button's update", proc=bot)
            assert [(u.status, u.source, u.author_name) for u in _updates(engine)] == [
                ("On track", "button", "Priya Raman")
            ]

            # The form: the button opens it (views.open with a fresh trigger), a submission
            # with an unreadable date is answered with errors in the ack, a good one stored.
            trigger = slack.issue_trigger_id(priya)
            opener = payload_of(
                block_actions_body(
                    actions=[button_action("open_form", json.dumps({"a": g9.id}),
                                           block_id=f"sec:{g9.id}")],
                    user_id=priya,
                    channel_id=slack.dm_channel_id(priya),
                    trigger_id=trigger,
                    response_url=slack.new_response_url(),
                )
            )  # fmt: skip
            sm.wait_ack(sm.send("interactive", opener))
            opened = wait_for(lambda: slack.calls_to("views.open"), what="the form", proc=bot)
            view = opened[0].params["view"]
            view = json.loads(view) if isinstance(view, str) else view

            def submission(revised: str) -> dict:
                return payload_of(
                    view_submission_body(
                        callback_id="update_form",
                        user_id=priya,
                        private_metadata=view["private_metadata"],
                        view_id=f"V{revised[:2].upper()}0001",
                        values={
                            "status": {"status": select_value("Delayed")},
                            "commentary": {"commentary": text_value("Board date moved")},
                            "revised_text": {"revised_text": text_value(revised)},
                        },
                    )
                )

            bad_ack = sm.wait_ack(sm.send("interactive", submission("sometime maybe")))
            assert bad_ack["payload"]["response_action"] == "errors"
            assert "revised_text" in bad_ack["payload"]["errors"]
            sm.wait_ack(sm.send("interactive", submission("30/11/2019")))
            wait_for(lambda: len(_updates(engine)) == 2, what="the form's update", proc=bot)
            form = _updates(engine)[-1]
            assert (form.action_id, form.status, form.source, form.commentary) == (
                g9.id, "Delayed", "form", "Board date moved"
            )  # fmt: skip

            # A DM in plain words.
            dm = json.loads(
                event_body(
                    message_im_event(
                        "G2 delayed: waiting for partner sign-off",
                        user=priya,
                        channel=slack.dm_channel_id(priya),
                    )
                )
            )
            sm.wait_ack(sm.send("events_api", dm))
            wait_for(lambda: len(_updates(engine)) == 3, what="the DM's update", proc=bot)
            assert _updates(engine)[-1].source == "reply"

            # Slack asks for a reconnect: the bot opens a new connection and goes on working.
            sm.send_disconnect()
            sm.wait_for_connections(2)
            sm.close_connection(1)
            assert len(slack.calls_to("apps.connections.open")) >= 2

            # A DM whose connection drops before the ack: Slack delivers it again on the next
            # connection, and the update is stored once.
            again = json.loads(
                event_body(
                    message_im_event(
                        "G9 on track: new date agreed with the Board",
                        user=priya,
                        channel=slack.dm_channel_id(priya),
                    )
                )
            )
            first = sm.send("events_api", again)
            sm.drop()
            sm.wait_for_connections(3, timeout=60)
            redelivered = wait_for(
                lambda: [e for e, n in sm.delivered if e == first and n == 3],
                what="the event delivered again", proc=bot,
            )  # fmt: skip
            assert redelivered
            wait_for(lambda: len(_updates(engine)) == 4, what="the dropped DM's update", proc=bot)
            # A button after the reconnect still works, and nothing was stored twice.
            click2 = payload_of(
                block_actions_body(
                    actions=[button_action("status:completed", value, block_id=f"act:{g2.id}")],
                    user_id=priya,
                    channel_id=slack.dm_channel_id(priya),
                    response_url=slack.new_response_url(),
                )
            )
            sm.wait_ack(sm.send("interactive", click2))
            wait_for(lambda: len(_updates(engine)) == 5, what="the last click", proc=bot)
            updates = _updates(engine)
            assert [(u.action_id, u.status, u.source) for u in updates] == [
                (g2.id, "On track", "button"),
                (g9.id, "Delayed", "form"),
                (g2.id, "Delayed", "reply"),
                (g9.id, "On track", "reply"),
                (g2.id, "Completed", "button"),
            ]
            assert sm.protocol_errors == []
            assert sm.late_acks == []
            # The start-up sweep's nudges may meet 429s (retried after Retry-After): no other
            # refusal from Slack.
            refused = [c for c in slack.errors if c.status != 429]
            assert refused == [], [(c.method, c.error) for c in refused]
            assert bot.alive(), bot.output()[-3000:]
        finally:
            bot.stop()
            engine.dispose()


def test_the_socket_mode_ping_is_read_from_the_environment_and_bounded(monkeypatch):
    """SLACK_SOCKET_PING_SECONDS: bolt's 10 s unless set; 0, negative or over a minute is
    refused at start with the setting named, not passed on to slack_sdk."""
    from pydantic import ValidationError

    from bot.settings import Settings

    monkeypatch.delenv("SLACK_SOCKET_PING_SECONDS", raising=False)
    assert Settings(_env_file=None).slack_socket_ping_seconds == 10
    monkeypatch.setenv("SLACK_SOCKET_PING_SECONDS", "2.5")
    assert Settings(_env_file=None).slack_socket_ping_seconds == 2.5
    for bad in ("0", "-1", "61", "soon"):
        monkeypatch.setenv("SLACK_SOCKET_PING_SECONDS", bad)
        with pytest.raises(ValidationError, match="slack_socket_ping_seconds"):
            Settings(_env_file=None)
