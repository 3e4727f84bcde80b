"""Slack journeys on a plan whose references are written "L2." (issue 7): a DM "L2 done",
`/actions l2`, several actions in one message, an impossible date, and a reassignment
request that reaches the administrator. Signed HTTP into the bot, Web API calls to the
local Slack stand-in."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from storage.engine import read_session
from storage.models import ReassignRequest, Update
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import FORM, JSON, command_body, event_body, message_im_event
from tests.support.small_plan import dotted_spec, load_small_plan

TODAY = date(2019, 9, 16)
USERS = {
    "U0JULIE": ("julie@example.org", "Julie Fellows"),
    "U0PAT": ("pat@example.org", "Pat Admin"),
}


@pytest.fixture
def bot(sqlite_engine):
    load_small_plan(sqlite_engine, dotted_spec())
    with SlackBotHarness(sqlite_engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, (email, name) in USERS.items():
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _updates(engine) -> list[tuple[str, str | None, str]]:
    with read_session(engine) as s:
        rows = s.exec(select(Update).where(Update.source != "import").order_by(Update.id))
        return [(u.action_id, u.status, u.commentary) for u in rows]


def _dm(bot, text: str, ts: str, user: str = "U0JULIE") -> None:
    event = event_body(
        message_im_event(text, user=user, channel=bot.slack.dm_channel_id(user), ts=ts)
    )
    assert bot.post(event, content_type=JSON)[0] == 200


def _posted(bot, user: str) -> list[str]:
    return [m.get("text", "") for m in bot.slack.messages.get(bot.slack.dm_channel_id(user), [])]


def test_dm_l2_done_on_a_dotted_reference_plan(bot):
    snap = bot.service.snapshot()
    l2 = bot.service.find_action(snap, "L2")
    l3 = bot.service.find_action(snap, "l3)")
    assert (l2.ref, l3.ref) == ("L2.", "L3.")

    _dm(bot, "L2 done, signed off by GB", "1568620800.000100")
    bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert _updates(bot.engine) == [(l2.id, "Completed", "signed off by GB")]
    reply = bot.wait_for(lambda: [t for t in _posted(bot, "U0JULIE") if "L2." in t], what="reply")
    assert "Which action" not in reply[0]

    # /actions l2 finds it however it is typed
    url = bot.slack.new_response_url()
    bot.post(command_body(text="l2", user_id="U0JULIE", response_url=url), content_type=FORM)
    answer = bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url], what="answer"
    )
    assert "L2." in json.dumps(answer) and "No action" not in json.dumps(answer)

    # several actions in one message: each stored
    _dm(bot, "L2. & L3) both :large_green_circle: workshops booked", "1568620800.000200")
    bot.wait_for(lambda: len(_updates(bot.engine)) == 3, what="two more updates")
    assert _updates(bot.engine)[1:] == [
        (l2.id, "On track", "workshops booked"),
        (l3.id, "On track", "workshops booked"),
    ]


def test_impossible_date_stores_nothing_and_says_why(bot):
    _dm(bot, "L2 pushed back to 31/02/2020", "1568620800.000300")
    said = bot.wait_for(
        lambda: [t for t in _posted(bot, "U0JULIE") if "real date" in t], what="warning"
    )
    assert "'31/02/2020' is not a real date" in said[0]
    assert _updates(bot.engine) == []


def test_reassignment_request_goes_to_the_administrator(bot):
    l2 = bot.service.find_action(bot.service.snapshot(), "L2")
    _dm(bot, "L2 - this is no longer my action, please reassign to Alice", "1568620800.000400")
    to_pat = bot.wait_for(
        lambda: [t for t in _posted(bot, "U0PAT") if "Reassignment request" in t], what="admin DM"
    )
    assert "Julie Fellows" in to_pat[0] and "L2." in to_pat[0]
    # Julie's answer is posted after the administrators are told: wait for it too.
    bot.wait_for(
        lambda: [t for t in _posted(bot, "U0JULIE") if "Nothing was stored as progress" in t],
        what="the answer to Julie",
    )
    assert _updates(bot.engine) == []
    with read_session(bot.engine) as s:
        reqs = list(s.exec(select(ReassignRequest)))
    assert [(r.action_id, r.requested_by_name) for r in reqs] == [(l2.id, "Julie Fellows")]
