"""Helpers for sending Slack-signed requests INTO the bot, as Slack does.

Slack signs every request it sends an app: `X-Slack-Signature` is `v0=` + the hex HMAC-SHA256
of `v0:{timestamp}:{body}` keyed with the app's signing secret, and `X-Slack-Request-Timestamp`
carries the timestamp (bolt refuses one more than 5 minutes old). `sign()` computes this
independently of slack_sdk, so tests can cross-check it against
`slack_sdk.signature.SignatureVerifier`.

The builders return the exact bodies Slack posts:

* slash commands and interactions are `application/x-www-form-urlencoded` (interactions put
  their JSON in a single `payload` field) -> `FORM`;
* Events API callbacks and `url_verification` are JSON -> `JSON`.

Typical use::

    body = command_body(text="list", user_id="U0001", trigger_id=slack.issue_trigger_id())
    status, headers, reply = post_to_bot(url, body, signed_headers(body, SECRET))

`post_to_bot(..., retry_num=1, retry_reason="http_timeout")` imitates Slack re-delivering an
event it thinks failed.

The builders' default `response_url` points at hooks.slack.com; when the bot may call
bolt's `respond()`, pass `response_url=slack.new_response_url()` so the reply is captured
in `SlackStandIn.responses` instead of leaving the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

DEFAULT_TEAM = "T0001"
DEFAULT_APP = "A0001"
DEFAULT_BOT_USER = "UBOT"
DEFAULT_USER = "U0001"
DEFAULT_CHANNEL = "D0001"
# The long-deprecated verification token Slack still includes; bolt ignores it.
VERIFICATION_TOKEN = "legacy-verification-token"

_counter = itertools.count(1)


def sign(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The two signature headers Slack would send with `body`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(timestamp)}


def signed_headers(
    body: bytes, secret: str, *, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    """Signature headers plus Content-Type (guessed from the body when not given); the
    timestamp defaults to now, which is what bolt's 5-minute check expects."""
    if content_type is None:
        content_type = JSON if body.lstrip().startswith(b"{") else FORM
    ts = int(time.time()) if timestamp is None else timestamp
    return {"Content-Type": content_type, **sign(body, secret, ts)}


def new_trigger_id() -> str:
    """A well-formed trigger_id that no stand-in issued (views.open answers
    invalid_trigger_id); use `SlackStandIn.issue_trigger_id()` for one that works."""
    n = next(_counter)
    return f"{int(time.time())}.{n}.{uuid.uuid4().hex[:16]}"


def new_response_url(kind: str = "commands") -> str:
    n = next(_counter)
    return f"https://hooks.slack.com/{kind}/{DEFAULT_TEAM}/{n}/{uuid.uuid4().hex[:24]}"


def _ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _form(fields: dict[str, Any]) -> bytes:
    return urlencode({k: v for k, v in fields.items() if v is not None}).encode()


def _payload_form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def payload_of(body: bytes) -> dict[str, Any]:
    """The JSON inside an interaction body (handy in assertions)."""
    return json.loads(parse_qs(body.decode())["payload"][0])


# -------------------------------------------------------------------------------------------
# Slash commands
# -------------------------------------------------------------------------------------------


def command_body(
    command: str = "/actions",
    text: str = "",
    *,
    user_id: str = DEFAULT_USER,
    user_name: str = "owner",
    channel_id: str = DEFAULT_CHANNEL,
    channel_name: str = "directmessage",
    team_id: str = DEFAULT_TEAM,
    team_domain: str = "progressbot-test",
    api_app_id: str = DEFAULT_APP,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> bytes:
    """The form body Slack posts for a slash command."""
    return _form(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or new_response_url("commands"),
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


# -------------------------------------------------------------------------------------------
# Interactions
# -------------------------------------------------------------------------------------------


def button_action(
    action_id: str, value: str | None = None, *, block_id: str = "actions", text: str = "Button"
) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`, for a button click."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "type": "button",
        "action_ts": _ts(),
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions_body(
    action_id: str = "update",
    value: str | None = None,
    *,
    block_id: str = "actions",
    actions: list[dict[str, Any]] | None = None,
    user_id: str = DEFAULT_USER,
    user_name: str = "owner",
    channel_id: str = DEFAULT_CHANNEL,
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    team_id: str = DEFAULT_TEAM,
    api_app_id: str = DEFAULT_APP,
    state_values: dict[str, Any] | None = None,
) -> bytes:
    """The form body Slack posts when a user clicks a button in one of the bot's messages.

    Pass `message` (e.g. the dict stored by the stand-in) so the payload carries the real
    blocks and metadata; `message_ts` defaults to its ts.
    """
    if message is None:
        message = {
            "type": "message",
            "user": DEFAULT_BOT_USER,
            "text": "",
            "ts": message_ts or _ts(),
        }
    ts = message_ts or message.get("ts") or _ts()
    payload = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": "progressbot-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": message,
        "state": {"values": state_values or {}},
        "response_url": response_url or new_response_url("actions"),
        "actions": actions or [button_action(action_id, value, block_id=block_id)],
    }
    return _payload_form(payload)


def view_submission_body(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER,
    user_name: str = "owner",
    view_id: str = "V0000000001",
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Update",
    trigger_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
    api_app_id: str = DEFAULT_APP,
    view_hash: str = "1700000000.abcdef12",
) -> bytes:
    """The form body Slack posts when a user submits a modal.

    `values` is `view.state.values`: {block_id: {action_id: {"type": ..., "value": ...}}},
    e.g. {"status": {"pick": {"type": "static_select", "selected_option": {...}}}}; see
    `text_value` and `select_value`.
    """
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "progressbot-test"},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": view_hash,
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _payload_form(payload)


def text_value(value: str | None, kind: str = "plain_text_input") -> dict[str, Any]:
    """A state value for a text input (value None = left empty, as Slack sends it)."""
    return {"type": kind, "value": value}


def select_value(value: str | None, text: str | None = None) -> dict[str, Any]:
    """A state value for a static_select (value None = nothing chosen)."""
    if value is None:
        return {"type": "static_select", "selected_option": None}
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


# -------------------------------------------------------------------------------------------
# Events API
# -------------------------------------------------------------------------------------------


def event_body(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = DEFAULT_TEAM,
    api_app_id: str = DEFAULT_APP,
    bot_user_id: str = DEFAULT_BOT_USER,
) -> bytes:
    """An `event_callback` envelope around `event`. Re-send the same bytes (same event_id)
    with retry headers to imitate Slack's re-delivery."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def message_im_event(
    text: str,
    *,
    user: str = DEFAULT_USER,
    channel: str = DEFAULT_CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
) -> dict[str, Any]:
    """A `message.im` event: a user wrote in their DM with the bot (in a thread when
    `thread_ts` is given)."""
    ts = ts or _ts()
    event: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
        "channel": channel,
        "event_ts": ts,
        "channel_type": "im",
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id or DEFAULT_BOT_USER
    return event


def app_home_opened_event(
    *,
    user: str = DEFAULT_USER,
    channel: str = DEFAULT_CHANNEL,
    tab: str = "home",
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An `app_home_opened` event (`view` is present once a Home view was published)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def url_verification_body(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> bytes:
    """The handshake Slack sends when the Events request URL is saved."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode()


# -------------------------------------------------------------------------------------------
# Sending
# -------------------------------------------------------------------------------------------


def post_to_bot(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST `body` to the bot like Slack does; returns (status, headers, body) for any
    status. `retry_num` / `retry_reason` (e.g. 1, "http_timeout") add Slack's re-delivery
    headers X-Slack-Retry-Num / X-Slack-Retry-Reason."""
    all_headers = dict(headers)
    all_headers.setdefault("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
    if retry_num is not None:
        all_headers["X-Slack-Retry-Num"] = str(retry_num)
    if retry_reason is not None:
        all_headers["X-Slack-Retry-Reason"] = retry_reason
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()
