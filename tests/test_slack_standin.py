"""The Slack Web API stand-in, proved with the real slack_sdk WebClient pointed at it, and the
signing helpers, proved with slack_sdk's SignatureVerifier.

Rate-limit tests use a FakeClock (deterministic) except the one that lets slack_sdk's
RateLimitErrorRetryHandler really sleep on Retry-After (about 1-2 s).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support import slack_signing as ss
from tests.support.slack_api import (
    CHANNEL_KEY,
    FakeClock,
    RateLimit,
    SlackStandIn,
)

TOKEN = "xoxb-test"


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, action_id: str = "go", value: str = "v") -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def modal(title: str = "Update", blocks: list | None = None, **extra) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks or [section("hello")],
        **extra,
    }


@pytest.fixture
def slack():
    # Functional tests post freely; the rate-limit tests below configure their own limits.
    with SlackStandIn(enforce_rate_limits=False) as standin:
        yield standin


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fake_slack(clock):
    with SlackStandIn(clock=clock) as standin:
        yield standin


def client_for(standin: SlackStandIn, **kwargs) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.base_url, **kwargs)


@pytest.fixture
def client(slack):
    return client_for(slack)


def api_error(call, *args, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------------------------------
# Basics
# ---------------------------------------------------------------------------------------------


def test_base_url_and_auth_test(slack, client):
    assert slack.base_url.startswith("http://127.0.0.1:") and slack.base_url.endswith("/api/")
    response = client.auth_test()
    assert response["ok"] and response["user_id"] == "UBOT" and response["team_id"] == "T0001"
    assert [c.method for c in slack.calls] == ["auth.test"]
    assert slack.errors == []


def test_missing_wrong_and_json_body_tokens_are_refused(slack):
    assert api_error(WebClient(base_url=slack.base_url).auth_test).response["error"] == "not_authed"
    bad = WebClient(token="xoxb-wrong", base_url=slack.base_url)
    assert api_error(bad.auth_test).response["error"] == "invalid_auth"
    # Slack ignores a token inside a JSON body; only the header (or a form field) counts.
    request = urllib.request.Request(
        slack.base_url + "auth.test",
        data=json.dumps({"token": TOKEN}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["error"] == "not_authed"
    form = urllib.request.Request(slack.base_url + "auth.test", data=f"token={TOKEN}".encode())
    with urllib.request.urlopen(form) as response:
        assert json.load(response)["ok"] is True
    assert len(slack.errors) == 3


def test_unknown_method(client, slack):
    error = api_error(client.api_call, "chat.scheduleNothing")
    assert error.response["error"] == "unknown_method"
    assert slack.errors[0].method == "chat.scheduleNothing"


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def test_post_message_stores_and_update_edits(slack, client):
    blocks = [section("Please update action 1.2", block_id="intro")]
    metadata = {"event_type": "progress_nudge", "event_payload": {"claim_id": 7}}
    posted = client.chat_postMessage(
        channel="C0001", text="nudge", blocks=blocks, metadata=metadata
    )
    assert posted["channel"] == "C0001" and posted["message"]["text"] == "nudge"
    ts = posted["ts"]
    stored = slack.messages["C0001"][0]
    assert stored["ts"] == ts and stored["blocks"] == blocks and stored["metadata"] == metadata
    assert stored["user"] == "UBOT"

    second = client.chat_postMessage(channel="C0001", text="another")
    assert float(second["ts"]) > float(ts)  # unique and increasing

    new_blocks = [section("Thanks, recorded", block_id="done")]
    updated = client.chat_update(channel="C0001", ts=ts, text="done", blocks=new_blocks)
    assert updated["ts"] == ts and updated["text"] == "done"
    assert slack.messages["C0001"][0]["blocks"] == new_blocks
    assert slack.messages["C0001"][0]["metadata"] == metadata  # kept when not replaced
    # Text without blocks removes the old blocks, as Slack documents.
    client.chat_update(channel="C0001", ts=ts, text="plain")
    assert "blocks" not in slack.messages["C0001"][0]

    assert (
        api_error(client.chat_update, channel="C0001", ts="1.000001", text="x").response["error"]
        == "message_not_found"
    )
    recorded = slack.calls_to("chat.postMessage")[0]
    assert recorded.params["blocks"] == blocks and recorded.ok and recorded.status == 200


def test_form_encoded_blocks_are_parsed(slack, client):
    blocks = [section("form body")]
    client.api_call(
        "chat.postMessage", params={"channel": "C0001", "text": "x", "blocks": json.dumps(blocks)}
    )
    assert slack.messages["C0001"][0]["blocks"] == blocks
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == blocks
    error = api_error(
        client.api_call, "chat.postMessage", params={"channel": "C0001", "blocks": "[{nope"}
    )
    assert error.response["error"] == "invalid_blocks_format"


def _options(n: int) -> list[dict]:
    return [{"text": {"type": "plain_text", "text": f"o{i}"}, "value": str(i)} for i in range(n)]


OVERSIZE = {
    "51 blocks": [section(f"b{i}") for i in range(51)],
    "3,001-char section": [section("x" * 3001)],
    "76-char button text": [{"type": "actions", "elements": [button("b" * 76)]}],
    "2,001-char button value": [{"type": "actions", "elements": [button("ok", value="v" * 2001)]}],
    "151-char header": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    "mrkdwn header": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
    "11 fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
    "2,001-char field": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
    "26 actions": [{"type": "actions", "elements": [button("b", f"a{i}") for i in range(26)]}],
    "11 context elements": [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    ],
    "101 select options": [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": {"type": "plain_text", "text": "Pick"},
                    "options": _options(101),
                }
            ],
        }
    ],
    "256-char action_id": [{"type": "actions", "elements": [button("ok", "a" * 256)]}],
    "256-char block_id": [section("x", block_id="b" * 256)],
    "duplicate action_id": [
        {"type": "actions", "elements": [button("a", "same"), button("b", "same")]}
    ],
    "duplicate block_id": [section("a", block_id="same"), section("b", block_id="same")],
    "empty text": [section("")],
    "text as a string": [{"type": "section", "text": "not an object"}],
    "unknown element": [{"type": "actions", "elements": [{"type": "sparkle", "action_id": "x"}]}],
    "unknown block": [{"type": "sparkle"}],
    "input in a message": [
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "L"},
            "element": {"type": "plain_text_input", "action_id": "t"},
        }
    ],
}


@pytest.mark.parametrize("blocks", list(OVERSIZE.values()), ids=list(OVERSIZE))
def test_invalid_blocks_are_rejected_like_slack(slack, client, blocks):
    error = api_error(client.chat_postMessage, channel="C0001", text="t", blocks=blocks)
    assert error.response.status_code == 200
    assert error.response["error"] == "invalid_blocks"
    messages = error.response["response_metadata"]["messages"]
    assert messages and all(
        m.startswith("[ERROR] ") and "json-pointer:/blocks" in m for m in messages
    )
    assert slack.messages.get("C0001") is None
    assert [c.error for c in slack.errors] == ["invalid_blocks"]


def test_limits_are_inclusive(slack, client):
    ok_blocks = [section("x" * 3000)] + [section(f"b{i}") for i in range(48)]
    ok_blocks.append({"type": "actions", "elements": [button("b" * 75, value="v" * 2000)]})
    assert len(ok_blocks) == 50
    client.chat_postMessage(channel="C0001", text="t", blocks=ok_blocks)
    assert slack.errors == []


def test_reason_is_reported_with_a_json_pointer(client):
    error = api_error(
        client.chat_postMessage, channel="C0001", text="t", blocks=[section("x" * 3001)]
    )
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_level_errors(slack, client):
    assert api_error(client.chat_postMessage, channel="C0001").response["error"] == "no_text"
    too_long = api_error(client.chat_postMessage, channel="C0001", text="x" * 40_001)
    assert too_long.response["error"] == "msg_too_long"
    missing = api_error(client.chat_postMessage, channel="#general", text="x")
    assert missing.response["error"] == "channel_not_found"
    bad_schema = api_error(
        client.chat_postMessage, channel="C0001", text="x", metadata={"event_type": "a"}
    )
    assert bad_schema.response["error"] == "invalid_metadata_schema"
    bad_format = api_error(
        client.api_call,
        "chat.postMessage",
        params={"channel": "C0001", "text": "x", "metadata": "[1]"},
    )
    assert bad_format.response["error"] == "invalid_metadata_format"
    assert len(slack.errors) == 5
    client.chat_postMessage(channel="C0001", text="x" * 40_000)


def test_dm_channels_users_and_ephemeral(slack, client):
    slack.add_user("U0001", email="Ann@Example.org", name="ann", real_name="Ann Owner")
    opened = client.conversations_open(users="U0001")
    dm = opened["channel"]["id"]
    assert dm.startswith("D") and dm == slack.dm_channel_id("U0001")
    again = client.conversations_open(users=["U0001"])
    assert again["channel"]["id"] == dm and again["already_open"] is True
    # Posting to a user id lands in the app's DM with them, as on Slack.
    posted = client.chat_postMessage(channel="U0001", text="hello")
    assert posted["channel"] == dm and slack.messages[dm][0]["text"] == "hello"
    assert api_error(client.conversations_open, users="U9999").response["error"] == "user_not_found"

    found = client.users_lookupByEmail(email="ann@example.org")
    assert found["user"]["id"] == "U0001" and found["user"]["profile"]["email"] == "Ann@Example.org"
    missing = api_error(client.users_lookupByEmail, email="nobody@example.org")
    assert missing.response["error"] == "users_not_found"
    info = client.users_info(user="U0001")
    assert info["user"]["real_name"] == "Ann Owner" and info["user"]["tz"] == "Europe/London"
    assert api_error(client.users_info, user="U4040").response["error"] == "user_not_found"

    eph = client.chat_postEphemeral(channel=dm, user="U0001", text="only you")
    assert eph["message_ts"] and slack.ephemeral[0]["to"] == "U0001"
    assert len(slack.messages[dm]) == 1  # ephemeral messages are not in history
    assert {c.error for c in slack.errors} == {"user_not_found", "users_not_found"}


def test_history_metadata_paging_and_threads(slack, client):
    meta = {"event_type": "progress_nudge", "event_payload": {"claim_id": 1}}
    first = client.chat_postMessage(channel="D0001", text="one", metadata=meta)["ts"]
    client.chat_postMessage(channel="D0001", text="reply", thread_ts=first)
    slack.add_message("D0001", "owner answer", user="U0001", thread_ts=first)
    second = client.chat_postMessage(channel="D0001", text="two")["ts"]
    third = client.chat_postMessage(channel="D0001", text="three")["ts"]

    history = client.conversations_history(channel="D0001", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["three", "two", "one"]  # newest first
    assert history["messages"][2]["metadata"] == meta
    assert history["messages"][2]["reply_count"] == 2
    plain = client.conversations_history(channel="D0001")
    assert all("metadata" not in m for m in plain["messages"])

    newer = client.conversations_history(channel="D0001", oldest=first)
    assert [m["ts"] for m in newer["messages"]] == [third, second]
    inclusive = client.conversations_history(channel="D0001", oldest=first, inclusive=True)
    assert len(inclusive["messages"]) == 3

    page1 = client.conversations_history(channel="D0001", limit=2)
    assert page1["has_more"] and len(page1["messages"]) == 2
    cursor = page1["response_metadata"]["next_cursor"]
    page2 = client.conversations_history(channel="D0001", limit=2, cursor=cursor)
    assert [m["text"] for m in page2["messages"]] == ["one"] and not page2["has_more"]

    replies = client.conversations_replies(channel="D0001", ts=first, include_all_metadata=True)
    assert [m["text"] for m in replies["messages"]] == ["one", "reply", "owner answer"]
    assert replies["messages"][0]["metadata"] == meta
    missing = api_error(client.conversations_replies, channel="D0001", ts="1.000001")
    assert missing.response["error"] == "thread_not_found"


def test_reactions_and_delete(slack, client):
    ts = client.chat_postMessage(channel="C0001", text="x")["ts"]
    client.reactions_add(channel="C0001", name="white_check_mark", timestamp=ts)
    assert slack.messages["C0001"][0]["reactions"][0]["count"] == 1
    again = api_error(client.reactions_add, channel="C0001", name="white_check_mark", timestamp=ts)
    assert again.response["error"] == "already_reacted"
    client.chat_delete(channel="C0001", ts=ts)
    assert slack.messages["C0001"] == []
    assert (
        api_error(client.chat_delete, channel="C0001", ts=ts).response["error"]
        == "message_not_found"
    )


def test_files_upload_v2_round_trip(slack, client):
    response = client.files_upload_v2(
        channel="C0001", content="a,b\n1,2\n", filename="report.csv", title="Report",
        initial_comment="Board report attached",
    )  # fmt: skip
    file_id = response["file"]["id"]
    assert response["file"]["title"] == "Report" and response["file"]["size"] == 8
    assert slack.files[file_id]["content"] == b"a,b\n1,2\n"
    message = slack.messages["C0001"][0]
    assert message["text"] == "Board report attached" and message["files"][0]["id"] == file_id
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert slack.errors == []
    bogus = api_error(client.files_completeUploadExternal, files=[{"id": "F404", "title": "x"}])
    assert bogus.response["error"] == "file_not_found"


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def test_views_open_needs_a_fresh_trigger(fake_slack, clock):
    client = client_for(fake_slack)
    fresh = fake_slack.issue_trigger_id("U0001")
    clock.advance(2.9)
    opened = client.views_open(trigger_id=fresh, view=modal(callback_id="update_action"))
    view_id = opened["view"]["id"]
    assert view_id.startswith("V") and opened["view"]["callback_id"] == "update_action"
    assert (
        api_error(client.views_open, trigger_id=fresh, view=modal()).response["error"]
        == "exchanged_trigger_id"
    )

    stale = fake_slack.issue_trigger_id("U0001")
    clock.advance(3.01)
    assert (
        api_error(client.views_open, trigger_id=stale, view=modal()).response["error"]
        == "expired_trigger_id"
    )
    assert (
        api_error(client.views_open, trigger_id=ss.new_trigger_id(), view=modal()).response["error"]
        == "invalid_trigger_id"
    )

    updated = client.views_update(
        view_id=view_id, view=modal("Thanks"), hash=opened["view"]["hash"]
    )
    assert updated["view"]["id"] == view_id and updated["view"]["title"]["text"] == "Thanks"
    conflict = api_error(client.views_update, view_id=view_id, view=modal(), hash="stale")
    assert conflict.response["error"] == "hash_conflict"
    assert (
        api_error(client.views_update, view_id="V404", view=modal()).response["error"]
        == "not_found"
    )


INVALID_VIEWS = {
    "25-char title": modal("t" * 25),
    "no title": {"type": "modal", "blocks": [section("x")]},
    "25-char submit": modal(submit={"type": "plain_text", "text": "s" * 25}),
    "101 blocks": modal(blocks=[section(f"b{i}") for i in range(101)]),
    "3,001-char private_metadata": modal(private_metadata="p" * 3001),
    "256-char callback_id": modal(callback_id="c" * 256),
    "input without submit": modal(
        blocks=[
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Progress"},
                "element": {"type": "plain_text_input", "action_id": "t"},
            }
        ]
    ),
    "3,001-char section": modal(blocks=[section("x" * 3001)]),
    "home type": {"type": "home", "blocks": [section("x")]},
}


@pytest.mark.parametrize("view", list(INVALID_VIEWS.values()), ids=list(INVALID_VIEWS))
def test_invalid_views_are_rejected(slack, client, view):
    error = api_error(client.views_open, trigger_id=slack.issue_trigger_id(), view=view)
    assert error.response["error"] == "invalid_arguments"
    assert all("json-pointer:/view" in m for m in error.response["response_metadata"]["messages"])


def test_view_too_large(slack, client):
    blocks = [section("x" * 3000) for _ in range(90)]  # ~270 kB of JSON
    error = api_error(
        client.views_open, trigger_id=slack.issue_trigger_id(), view=modal(blocks=blocks)
    )
    assert error.response["error"] == "view_too_large"


def test_views_publish_home(slack, client):
    home = {"type": "home", "blocks": [section("Your actions")]}
    first = client.views_publish(user_id="U0001", view=home)
    second = client.views_publish(user_id="U0001", view=home, hash=first["view"]["hash"])
    assert second["view"]["type"] == "home"
    assert (
        api_error(client.views_publish, user_id="U0001", view=modal()).response["error"]
        == "invalid_arguments"
    )
    with_input = {
        "type": "home",
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "L"},
                "element": {"type": "plain_text_input", "action_id": "t"},
            }
        ],
    }
    assert (
        api_error(client.views_publish, user_id="U0001", view=with_input).response["error"]
        == "invalid_arguments"
    )
    push = client.views_push(trigger_id=slack.issue_trigger_id(), view=modal("Step 2"))
    assert push["view"]["title"]["text"] == "Step 2"


# ---------------------------------------------------------------------------------------------
# Rate limits and injected failures
# ---------------------------------------------------------------------------------------------


def test_post_message_bursts_then_429_with_honest_retry_after(fake_slack, clock):
    client = client_for(fake_slack)
    for i in range(3):  # default burst: 3 per channel
        client.chat_postMessage(channel="C0001", text=f"m{i}")
    limited = api_error(client.chat_postMessage, channel="C0001", text="m3")
    assert limited.response.status_code == 429
    assert limited.response["error"] == "ratelimited"
    assert limited.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel="C0002", text="other channel is fine")
    clock.advance(0.6)
    assert (
        api_error(client.chat_postMessage, channel="C0001", text="m3").response.headers[
            "Retry-After"
        ]
        == "1"
    )  # 0.4 s left, rounded up
    clock.advance(0.4)
    client.chat_postMessage(channel="C0001", text="m3")
    assert len(fake_slack.rate_limited) == 2 and len(fake_slack.errors) == 2


def test_retry_after_rounds_up_the_real_wait(clock):
    limits = {CHANNEL_KEY: RateLimit(1, 0.25), "users.info": (2, 0.5)}
    with SlackStandIn(clock=clock, rate_limits=limits) as standin:
        standin.add_user("U0001", email="a@example.org", name="a")
        client = client_for(standin)
        client.chat_postMessage(channel="C0001", text="a")
        error = api_error(client.chat_postMessage, channel="C0001", text="b")
        assert error.response.headers["Retry-After"] == "4"
        clock.advance(1.5)
        error = api_error(client.chat_postMessage, channel="C0001", text="b")
        assert error.response.headers["Retry-After"] == "3"  # 2.5 s left

        client.users_info(user="U0001")
        client.users_info(user="U0001")
        assert api_error(client.users_info, user="U0001").response.headers["Retry-After"] == "2"


def test_workspace_ceiling_for_post_message(clock):
    limits = {"chat.postMessage": RateLimit(2, 1.0)}
    with SlackStandIn(clock=clock, rate_limits=limits) as standin:
        client = client_for(standin)
        client.chat_postMessage(channel="C0001", text="a")
        client.chat_postMessage(channel="C0002", text="b")
        error = api_error(client.chat_postMessage, channel="C0003", text="c")
        assert error.response.status_code == 429


def test_tier_limits_and_disabling(clock):
    with SlackStandIn(clock=clock, rate_limits={"tier3": (1, 1.0)}) as standin:
        standin.add_user("U0001", email="a@example.org", name="a")
        client = client_for(standin)
        client.users_lookupByEmail(email="a@example.org")
        assert (
            api_error(client.users_lookupByEmail, email="a@example.org").response.status_code == 429
        )
        client.users_info(user="U0001")  # tier 4: unaffected
    with SlackStandIn(clock=clock, enforce_rate_limits=False) as standin:
        client = client_for(standin)
        for i in range(10):
            client.chat_postMessage(channel="C0001", text=str(i))
        assert standin.errors == []


def test_rate_limit_retry_handler_waits_and_succeeds():
    # Real clock: slack_sdk's handler sleeps int(Retry-After) + random() seconds for real.
    with SlackStandIn(rate_limits={CHANNEL_KEY: RateLimit(1, 2.0)}) as standin:
        client = client_for(standin)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        client.chat_postMessage(channel="C0001", text="first")
        response = client.chat_postMessage(channel="C0001", text="second")
        assert response["ok"]
        assert [c.status for c in standin.calls_to("chat.postMessage")] == [200, 429, 200]
        assert [m["text"] for m in standin.messages["C0001"]] == ["first", "second"]


def test_fail_next_500_then_success(slack, client):
    slack.fail_next("chat.postMessage", status=500)
    error = api_error(client.chat_postMessage, channel="C0001", text="x")
    assert error.response.status_code == 500 and error.response["error"] == "fatal_error"
    client.chat_postMessage(channel="C0001", text="x")
    assert [c.status for c in slack.calls] == [500, 200] and slack.calls[0].injected

    slack.fail_next("users.lookupByEmail", status=503, count=2)
    retrying = client_for(slack)
    retrying.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=1))
    error = api_error(retrying.users_lookupByEmail, email="x@example.org")
    assert error.response.status_code == 503  # both attempts failed
    assert len(slack.calls_to("users.lookupByEmail")) == 2

    slack.fail_next("auth.test", status=429, retry_after=7)
    limited = api_error(client.auth_test)
    assert limited.response.status_code == 429 and limited.response.headers["Retry-After"] == "7"
    slack.fail_next("auth.test", status=200, error="account_inactive")
    assert api_error(client.auth_test).response["error"] == "account_inactive"
    assert client.auth_test()["ok"]


def test_min_completion_seconds_formula(clock):
    limits = {CHANNEL_KEY: RateLimit(3, 1.0), "chat.postMessage": RateLimit(4, 2.0)}
    standin = SlackStandIn(clock=clock, rate_limits=limits)
    assert standin.min_completion_seconds({}) == 0
    assert standin.min_completion_seconds({"D1": 3}) == 0  # within the burst
    assert standin.min_completion_seconds({"D1": 10}) == pytest.approx(7.0)  # (10-3)/1
    # Workspace-bound: (10 - 4) / 2 = 3 s, channels alone would need (5-3)/1 = 2 s.
    assert standin.min_completion_seconds({"D1": 5, "D2": 5}) == pytest.approx(3.0)
    many = {f"D{i}": 2 for i in range(20)}
    assert standin.min_completion_seconds(many) == pytest.approx((40 - 4) / 2)
    assert standin.min_calls_seconds("users.info", 10) == pytest.approx(0.0)
    assert standin.min_calls_seconds("users.info", 30) == pytest.approx((30 - 10) / (100 / 60))


def test_min_completion_seconds_is_achievable_against_the_server(fake_slack, clock):
    """A client that retries every 50 ms of fake time finishes within 50 ms of the bound."""
    fake_slack.rate_limits.update(
        {CHANNEL_KEY: RateLimit(2, 1.0), "chat.postMessage": RateLimit(3, 2.5)}
    )
    plan = {"D0001": 6, "D0002": 3, "D0003": 1}
    target = fake_slack.min_completion_seconds(plan)
    client = client_for(fake_slack)
    start, left = clock(), dict(plan)
    for _ in range(1000):  # bounded, in case of a bug
        if not any(left.values()):
            break
        progressed = False
        for channel in sorted(left, key=lambda c: -left[c]):
            if left[channel]:
                try:
                    client.chat_postMessage(channel=channel, text="x")
                    left[channel] -= 1
                    progressed = True
                except SlackApiError as e:
                    assert e.response.status_code == 429
        if not progressed:
            clock.advance(0.05)
    assert not any(left.values())
    elapsed = clock() - start
    assert target > 0 and target - 1e-9 <= elapsed <= target + 0.05 + 1e-9


def test_response_urls_are_served(slack):
    url = slack.new_response_url()
    body = json.dumps({"text": "Recorded", "response_type": "ephemeral"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200 and response.read() == b"ok"
    assert slack.responses == [
        {"response_url": url, "text": "Recorded", "response_type": "ephemeral"}
    ]
    assert slack.errors == []


def test_reset_keeps_users(slack, client):
    slack.add_user("U0001", email="a@example.org", name="a")
    client.chat_postMessage(channel="C0001", text="x")
    slack.reset()
    assert slack.calls == [] and slack.messages == {}
    assert client.users_info(user="U0001")["ok"]


# ---------------------------------------------------------------------------------------------
# Signing helpers
# ---------------------------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_sign_matches_slack_sdk():
    body = ss.command_body(text="list")
    headers = ss.sign(body, SECRET, 1_700_000_000)
    verifier = SignatureVerifier(SECRET, clock=type("C", (), {"now": lambda self: 1_700_000_100})())
    assert headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp="1700000000", body=body
    )
    assert verifier.is_valid(body, "1700000000", headers["X-Slack-Signature"])
    assert verifier.is_valid_request(body, headers)
    stale = SignatureVerifier(SECRET, clock=type("C", (), {"now": lambda self: 1_700_000_301})())
    assert not stale.is_valid_request(body, headers)  # older than 5 minutes
    assert not verifier.is_valid(body + b"x", "1700000000", headers["X-Slack-Signature"])


def test_payload_builders():
    cmd = parse_qs(
        ss.command_body("/actions", "update 1.2", user_id="U7", trigger_id="1.2.ab").decode()
    )
    assert cmd["command"] == ["/actions"] and cmd["text"] == ["update 1.2"]
    assert cmd["user_id"] == ["U7"] and cmd["trigger_id"] == ["1.2.ab"]
    assert cmd["response_url"][0].startswith("https://hooks.slack.com/commands/")

    message = {"type": "message", "ts": "1700000000.000100", "text": "nudge", "blocks": []}
    action = ss.payload_of(ss.block_actions_body("update", "42", channel_id="D9", message=message))
    assert action["type"] == "block_actions"
    assert action["actions"][0] | {"action_ts": None} == {
        "action_id": "update", "block_id": "actions", "value": "42", "type": "button",
        "text": {"type": "plain_text", "text": "Button", "emoji": True}, "action_ts": None,
    }  # fmt: skip
    assert action["container"]["message_ts"] == "1700000000.000100"
    assert action["container"]["channel_id"] == "D9" and action["message"] == message

    values = {"progress": {"text": ss.text_value("Done")}, "status": {"pick": ss.select_value("g")}}
    sub = ss.payload_of(ss.view_submission_body("update_action", values, private_metadata="a=1"))
    assert sub["type"] == "view_submission" and sub["view"]["callback_id"] == "update_action"
    assert sub["view"]["state"]["values"]["status"]["pick"]["selected_option"]["value"] == "g"
    assert sub["view"]["private_metadata"] == "a=1"

    event = json.loads(
        ss.event_body(ss.message_im_event("hi", thread_ts="1.000001"), event_id="Ev1")
    )
    assert event["type"] == "event_callback" and event["event_id"] == "Ev1"
    assert event["event"]["channel_type"] == "im" and event["event"]["thread_ts"] == "1.000001"
    assert isinstance(event["event_time"], int)
    home = json.loads(ss.event_body(ss.app_home_opened_event(user="U3")))
    assert home["event"]["type"] == "app_home_opened" and home["event"]["tab"] == "home"
    assert json.loads(ss.url_verification_body("abc"))["challenge"] == "abc"


def test_post_to_bot_sends_signed_requests_and_retry_headers():
    received: list[tuple[dict, bytes]] = []

    class Bot(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            ok = SignatureVerifier(SECRET).is_valid_request(body, dict(self.headers.items()))
            reply = b"ok" if ok else b"bad signature"
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Bot)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        body = ss.event_body(ss.message_im_event("done"))
        status, _, reply = ss.post_to_bot(url, body, ss.signed_headers(body, SECRET))
        assert (status, reply) == (200, b"ok")
        assert received[0][0]["Content-Type"] == "application/json"
        status, _, _ = ss.post_to_bot(
            url, body, ss.signed_headers(body, SECRET), retry_num=1, retry_reason="http_timeout"
        )
        assert status == 200
        assert received[1][0]["X-Slack-Retry-Num"] == "1"
        assert received[1][0]["X-Slack-Retry-Reason"] == "http_timeout"
        form = ss.command_body()
        status, _, reply = ss.post_to_bot(url, form, ss.signed_headers(form, "wrong-secret"))
        assert (status, reply) == (401, b"bad signature")
        assert received[2][0]["Content-Type"] == ss.FORM
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------
# users.list: every member, cursor-paginated, Tier 2 (people sync, issue 12)
# ---------------------------------------------------------------------------------------------


def test_users_list_pages_through_every_member_with_a_cursor(slack, client):
    for i in range(25):
        slack.add_user(f"U{i:04d}", email=f"p{i}@example.org", name=f"p{i}", deleted=i == 3)
    slack.add_user("UBOTX", email="", name="somebot", is_bot=True)
    slack.users_list_max_page = 10
    seen, cursor, pages = [], None, 0
    while True:
        page = client.users_list(limit=1000, cursor=cursor)  # asked for more: capped at 10
        pages += 1
        assert len(page["members"]) <= 10
        seen += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert [m["id"] for m in seen] == sorted(slack.users)  # each member once, stable order
    assert next(m for m in seen if m["id"] == "U0003")["deleted"] is True
    assert next(m for m in seen if m["id"] == "UBOTX")["is_bot"] is True
    assert seen[0]["profile"]["email"] == "p0@example.org"
    assert api_error(client.users_list).response["error"] == "limit_required"  # 26 > 10
    small = client.users_list(limit=4)
    assert len(small["members"]) == 4 and small["response_metadata"]["next_cursor"]
    error = api_error(client.users_list, limit=10, cursor="bm90LWEtY3Vyc29y")
    assert error.response["error"] == "invalid_cursor"


def test_users_list_is_tier_2_and_lookups_and_dm_opens_tier_3(clock):
    with SlackStandIn(clock=clock) as standin:
        standin.add_user("U0001", email="a@example.org", name="a")
        client = client_for(standin)
        assert standin.limit_for("users.list").per_second == pytest.approx(20 / 60)
        for method in ("users.lookupByEmail", "conversations.open"):
            assert standin.limit_for(method).per_second == pytest.approx(50 / 60)
        client.users_list()
        client.users_list()  # a burst of 2 (a tenth of 20 a minute)
        limited = api_error(client.users_list)
        assert limited.response.status_code == 429
        assert limited.response.headers["Retry-After"] == "3"  # one call every 3 s
        clock.advance(3)
        client.users_list()
        for _ in range(5):  # Tier 3: a burst of 5, then 50 a minute
            client.conversations_open(users="U0001")
        assert api_error(client.conversations_open, users="U0001").response.status_code == 429
        for _ in range(5):
            client.users_lookupByEmail(email="a@example.org")
        assert (
            api_error(client.users_lookupByEmail, email="a@example.org").response.status_code == 429
        )
