"""Hostile chat input through the real Slack path: signed HTTP into the bot, the bot's replies
to the Slack stand-in (which refuses anything outside Block Kit's limits), the update stored
on SQLite and PostgreSQL.

Each probe is what an attack probe sent: 40,000 characters, @channel / @here, mentions,
masked links, Slack's &amp; escaping, mrkdwn, pasted Block Kit JSON, SQL, NUL bytes,
right-to-left overrides, "Zalgo" combining marks, a long non-ASCII comment waiting on a
question. For every one: the stored text is what the person meant (decoded, cleaned), nothing
the bot sent carries live Slack markup in its blocks or its fallback text, and Slack accepted
every message.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlmodel import select

from bot.core.owing import who_owes_what
from bot.core.text_input import MAX_COMBINING
from bot.platforms.slack.notifier import SlackNotifier
from handlers.replies import Nudge
from storage.engine import read_session, write_session
from storage.models import Action, Update
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
)
from tests.support.small_plan import load_small_plan

TODAY = date(2019, 9, 16)
# Live Slack markup: a special mention, a user/channel mention or a link in angle brackets.
LIVE = re.compile(r"<[!@#]|<(?:https?|mailto):")


@pytest.fixture
def bot(engine):
    load_small_plan(engine)
    with SlackBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        for uid, email, name in (
            ("U0ALICE", "alice@example.org", "Alice Smith"),
            ("U0JULIE", "julie@example.org", "Julie Fellows"),
            ("U0PAT", "pat@example.org", "Pat Admin"),
        ):
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    # Slack refused nothing (429s, one DM a second, are waited out by the client's retry).
    refused = [c for c in h.slack.errors if c.status != 429]
    assert refused == [], [(c.method, c.error) for c in refused]


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _sent(bot) -> list[dict]:
    """Everything the bot said: posted messages, edits, and answers to response URLs."""
    out = [m for msgs in bot.slack.messages.values() for m in msgs]
    return out + list(bot.slack.responses)


def _assert_nothing_live(bot) -> None:
    for message in _sent(bot):
        assert not LIVE.search(message.get("text") or ""), message.get("text")
        for block in message.get("blocks") or []:
            for text in _texts(block):
                assert not LIVE.search(text), text


def _texts(obj):
    if isinstance(obj, dict):
        if obj.get("type") in ("mrkdwn", "plain_text") and isinstance(obj.get("text"), str):
            yield obj["text"]
        for v in obj.values():
            yield from _texts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _texts(v)


def _dm(bot, text: str, user: str = "U0JULIE") -> None:
    channel = bot.slack.dm_channel_id(user)
    before = len(bot.slack.calls_to("chat.postMessage"))
    assert (
        bot.post(event_body(message_im_event(text, user=user, channel=channel)), content_type=JSON)[
            0
        ]
        == 200
    )
    bot.wait_for(
        lambda: len(bot.slack.calls_to("chat.postMessage")) > before, what="the bot's answer"
    )


# (what the person typed, as Slack sends it) -> (what is stored as the commentary)
STORED = {
    "channel": ("L2 on track: <!channel> heads up", "@channel heads up"),
    "here": ("L2 on track: <!here|here> heads up", "@here heads up"),
    "mention": ("L2 on track: asked <@U0ALICE> to review", "asked @Alice Smith to review"),
    "link": (
        "L2 on track: see <https://example.org/p?a=1&amp;b=2|the paper>",
        "see the paper (https://example.org/p?a=1&b=2)",
    ),
    "bare link": ("L2 on track: <https://example.org/x>", "https://example.org/x"),
    "escaping": ("L2 on track: R&amp;D &lt; 5 days &amp;&amp; done", "R&D < 5 days && done"),
    "mrkdwn": ("L2 on track: *bold* _it_ ~gone~ `code`", "*bold* _it_ ~gone~ `code`"),
    "block kit": (
        'L2 on track: {"blocks":[{"type":"section","text":{"type":"mrkdwn",'
        '"text":"<!channel> <https://evil.example|click>"}}]}',
        '{"blocks":[{"type":"section","text":{"type":"mrkdwn",'
        '"text":"@channel click (https://evil.example)"}}]}',
    ),
    "sql": (
        "L2 on track: '); DROP TABLE update; -- \" OR 1=1",
        "'); DROP TABLE update; -- \" OR 1=1",
    ),
    "nul": ("L2 on track: before\x00after\x07bell", "beforeafterbell"),
    "rtl override": ("L2 on track: invoice \u202egnp.exe\u202c done", "invoice gnp.exe done"),
}


def test_hostile_replies_are_stored_as_meant_and_shown_inert(bot):
    for n, (probe, (typed, meant)) in enumerate(STORED.items(), start=1):
        _dm(bot, typed)
        updates = bot.wait_for(lambda n=n: len(_updates(bot.engine)) == n and _updates(bot.engine))
        assert (probe, updates[-1].status, updates[-1].commentary) == (probe, "On track", meant)
    bot.wait_for(
        lambda: sum("Stored for" in m["text"] for m in _sent(bot)) == len(STORED),
        what="every confirmation",
    )
    _assert_nothing_live(bot)


def test_combining_marks_are_capped(bot):
    _dm(bot, "L2 on track: Z" + "\u0301" * 500 + "algo")
    [update] = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert update.commentary == "Z" + "\u0301" * MAX_COMBINING + "algo"


def test_a_40000_character_reply_is_refused_with_a_message(bot):
    _dm(bot, "L2 on track: " + "x" * 40_000)
    answer = bot.slack.calls_to("chat.postMessage")[-1].params
    assert "at most 10,000 characters" in answer["text"]
    assert "Nothing was stored" in answer["text"]
    assert _updates(bot.engine) == []


def test_slash_command_text_is_decoded_and_answers_are_inert(bot):
    url = bot.slack.new_response_url()
    body = command_body(
        text="search <!channel> &lt;script&gt; <https://evil.example|click>",
        user_id="U0ALICE",
        response_url=url,
    )
    assert bot.post(body, content_type=FORM)[0] == 200
    bot.wait_for(lambda: bot.slack.responses, what="the /actions answer")
    _assert_nothing_live(bot)


def test_a_long_non_ascii_comment_waits_server_side_for_its_status(bot):
    """No status word: the bot asks, and the comment (9,000 characters of non-ASCII, far
    beyond a 2,000-character button value once JSON-escaped) is kept whole."""
    comment = "Réunion prévue — ünïcødé ✓ " * 330  # ~9,000 characters
    _dm(bot, "L2 " + comment)
    ask = bot.slack.calls_to("chat.postMessage")[-1].params
    blocks = json.loads(ask["blocks"]) if isinstance(ask["blocks"], str) else ask["blocks"]
    row = next(b for b in blocks if b.get("type") == "actions")
    button = next(e for e in row["elements"] if e["action_id"] == "status:on_track")
    value = json.loads(button["value"])  # valid JSON, well under the limit
    assert set(value) == {"a", "p"}
    click = block_actions_body(
        actions=[button_action(button["action_id"], button["value"])],
        user_id="U0JULIE",
        response_url=bot.slack.new_response_url(),
    )
    assert bot.post(click, content_type=FORM)[0] == 200
    [update] = bot.wait_for(lambda: _updates(bot.engine), what="the update")
    assert update.status == "On track"
    assert update.commentary == " ".join(comment.split())
    # Someone else pressing a copy of the button gets nothing of Julie's words.
    click = block_actions_body(
        actions=[button_action(button["action_id"], button["value"])],
        user_id="U0ALICE",
        response_url=bot.slack.new_response_url(),
    )
    assert bot.post(click, content_type=FORM)[0] == 200
    bot.wait_for(
        lambda: any("expired" in (r.get("text") or "") for r in bot.slack.responses),
        what="the refusal",
    )
    assert len(_updates(bot.engine)) == 1


def test_a_hostile_plan_nudges_within_block_kit_limits(bot):
    """Plan text full of characters that escaping lengthens (& → &amp;) and live markup:
    the nudge is accepted by Slack (sections ≤ 3,000 after escaping) and nothing acts."""
    with write_session(bot.engine) as s:
        for n, action in enumerate(s.exec(select(Action)).all()):
            action.text = "&" * 4000 + " <!channel> <https://evil.example|click> " + "<" * 3000
            action.ref = f"<!here>{n}"  # the label leads the fallback text
            action.deadline_text = "<!channel> &amp; " + "&" * 100
    snap = bot.service.snapshot()
    owed = who_owes_what(snap, TODAY)
    notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
    for person in owed:
        if person.chat_user_id or person.email:
            notifier.send_nudge(person, Nudge(person, tuple(owed[person]), TODAY), claim_id=1)
    assert bot.slack.calls_to("chat.postMessage")
    for message in _sent(bot):
        for block in message.get("blocks") or []:
            if block.get("type") == "section":
                assert len(block["text"]["text"]) <= 3000
    url = bot.slack.new_response_url()
    assert bot.post(command_body(text="all", user_id="U0PAT", response_url=url))[0] == 200
    bot.wait_for(lambda: bot.slack.responses, what="/actions all")
    _assert_nothing_live(bot)


def test_hostile_updates_reappear_inert_in_the_digest_and_app_home(bot):
    from jobs.digest_job import run_digest
    from tests.support.slack_signing import app_home_opened_event

    for typed, _meant in STORED.values():
        _dm(bot, typed)
    _dm(bot, "L1 on track: <!channel> &lt;b&gt; <https://evil.example|click>", user="U0ALICE")
    bot.wait_for(lambda: len(_updates(bot.engine)) == len(STORED) + 1, what="every update")
    notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
    run_digest(bot.service, notifier, channels=["C0LEADERS"])
    assert bot.slack.messages.get("C0LEADERS"), "the digest was posted"
    home = event_body(app_home_opened_event(user="U0JULIE"))
    assert bot.post(home, content_type=JSON)[0] == 200
    bot.wait_for(lambda: bot.slack.calls_to("views.publish"), what="App Home")
    _assert_nothing_live(bot)
    for call in bot.slack.calls_to("views.publish"):
        view = call.params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        texts = list(_texts(view))
        assert texts
        for text in texts:
            assert not LIVE.search(text), text


def test_a_hostile_signoff_return_reaches_the_owner_inert(bot):
    """The lead's return comment (a modal field: it arrives as typed, unescaped) is cleaned,
    stored, and told to the owner with nothing live in the message or its fallback text."""
    from storage.models import Owner, Plan, Theme
    from tests.support.slack_signing import text_value, view_submission_body

    with write_session(bot.engine) as s:
        s.exec(select(Plan)).one().signoff_required = True
        alice = s.exec(select(Owner).where(Owner.name == "Alice Smith")).one()
        for theme in s.exec(select(Theme)):
            theme.lead_owner_id = alice.id
    bot.service.actor_for_chat_user("U0ALICE", email="alice@example.org")
    _dm(bot, "L2 done: <!here> published")
    alice_dm = bot.slack.dm_channel_id("U0ALICE")
    ask = bot.wait_for(
        lambda: [m for m in bot.slack.messages.get(alice_dm, []) if "confirm" in m["text"]],
        what="the sign-off request",
    )
    row = next(b for b in ask[0]["blocks"] if b["type"] == "actions")
    ret = next(e for e in row["elements"] if e["action_id"] == "signoff_return")
    bot.post(
        block_actions_body(
            actions=[button_action("signoff_return", ret["value"], block_id=row["block_id"])],
            user_id="U0ALICE",
            channel_id=alice_dm,
            message=ask[0],
            trigger_id=bot.slack.issue_trigger_id("U0ALICE"),
            response_url=bot.slack.new_response_url(),
        ),
        content_type=FORM,
    )
    opened = bot.wait_for(lambda: bot.slack.calls_to("views.open"), what="the return form")
    view = opened[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    comment = "<!channel> see <https://evil.example|the fix>\x00 \u202eorez"
    submit = view_submission_body(
        callback_id="signoff_return_form",
        user_id="U0ALICE",
        private_metadata=view["private_metadata"],
        values={"comment": {"comment": text_value(comment)}},
    )
    assert bot.post(submit, content_type=FORM)[0] == 200
    julie_dm = bot.slack.dm_channel_id("U0JULIE")
    told = bot.wait_for(
        lambda: [m for m in bot.slack.messages.get(julie_dm, []) if "returned" in m["text"]],
        what="the owner to be told",
    )
    assert "&lt;!channel&gt; see &lt;https://evil.example|the fix&gt; orez" in told[0]["text"]
    _assert_nothing_live(bot)
