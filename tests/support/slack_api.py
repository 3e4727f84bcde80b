"""A local stand-in for Slack's Web API, for tests and benchmarks.

`SlackStandIn` is a real HTTP server (stdlib `ThreadingHTTPServer` on 127.0.0.1, a free port,
served from a background thread). The bot's own `slack_sdk.WebClient` talks to it unchanged::

    with SlackStandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        client.chat_postMessage(channel="C0001", text="hi")
        assert slack.messages["C0001"][0]["text"] == "hi"
        assert slack.errors == []

It aims to be *at least as strict as Slack*, so that what passes here passes against Slack:

* Requests: form-encoded, JSON and multipart bodies (slack_sdk sends all three); the token from
  `Authorization: Bearer …` or, for non-JSON bodies only, a `token` parameter (Slack ignores a
  token inside a JSON body). Missing token: `not_authed`; wrong token: `invalid_auth`.
* Responses have Slack's shapes and Slack's error names (checked against the method reference
  in slack-ruby/slack-api-ref). Validation failures carry Slack-style explanations in
  `response_metadata.messages`, e.g. `[ERROR] must be less than 3001 characters
  [json-pointer:/blocks/0/text/text]`.
* Block Kit limits are checked twice: explicit checks of the raw JSON for the limits the bot is
  likely to hit (they also catch shapes slack_sdk's models silently accept, such as empty
  text or unknown element types), then `Block.parse(...).to_dict()`, which runs every
  `JsonValidator` of slack_sdk's models, nested elements included.
* Rate limits: token buckets per method (and per channel for chat.postMessage), see
  `RateLimit` and `SlackStandIn.min_completion_seconds`. Beyond the limit: HTTP 429 with an
  honest `Retry-After` and `{"ok": false, "error": "ratelimited"}`.

The same server also takes the file uploads that files.getUploadURLExternal points to and
the response URLs handed out by `new_response_url()` (bolt's `respond()`).

Every call is recorded in `calls`; those answered `ok: false` or with a non-200 status are also
listed in `errors`, which tests normally assert is empty.

Deliberately stricter than Slack (documented so nobody is surprised):

* `text` over 40,000 characters is refused with `msg_too_long` even for chat.postMessage,
  where Slack truncates instead (a truncated nudge is a bug too).
* `input` blocks are refused outside modals (Slack accepts some in messages/Home tabs).
* Messages may only be posted to IDs that look like C…/D…/G… channels, or to a U… user added
  with `add_user` (Slack then posts into the app's DM with that user).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import heapq
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

# ---------------------------------------------------------------------------------------------
# Limits (Slack's documented numbers; NOTES.md "Slack")
# ---------------------------------------------------------------------------------------------

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_MARKDOWN_TEXT = 12_000
MAX_SECTION_TEXT = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_URL = 3_000
MAX_ID = 255  # action_id, block_id, callback_id, external_id
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_SELECT_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_CHOICE_OPTIONS = 10  # checkboxes, radio_buttons
MAX_OVERFLOW_OPTIONS = 5
MAX_PLACEHOLDER = 150
MAX_LABEL = 2_000
MAX_VIEW_TITLE = 24  # title, submit and close of a modal
MAX_PRIVATE_METADATA = 3_000
MAX_VIEW_BYTES = 250_000  # "view_too_large: the provided view is greater than 250kb"
TRIGGER_TTL_SECONDS = 3.0
HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999

_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

# ---------------------------------------------------------------------------------------------
# Rate limits
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: holds at most `capacity` calls, refilled at `per_second` calls a second.

    A full bucket lets a burst of `capacity` calls through at once; after that calls are
    admitted at `per_second`. Calls refused with 429 take no token; every admitted call takes
    one, including calls then refused for bad arguments (Slack counts calls, not successes).
    """

    capacity: float
    per_second: float

    @classmethod
    def per_minute(cls, calls: float, *, burst: float | None = None) -> RateLimit:
        """Slack's tiers are "N+ per minute": refill at N/60 a second with a burst of N/10.

        The burst is kept small on purpose: any 60 s window then admits at most 1.1 N calls,
        close to Slack's guaranteed N, so a client that works here is not relying on Slack
        being generous.
        """
        return cls(
            capacity=burst if burst is not None else max(1, math.ceil(calls / 10)),
            per_second=calls / 60.0,
        )

    def seconds_for(self, calls: int) -> float:
        """Shortest time this bucket alone needs to admit `calls` calls, starting full."""
        if calls <= self.capacity:
            return 0.0
        return (calls - self.capacity) / self.per_second


TIER_1 = RateLimit.per_minute(1)
TIER_2 = RateLimit.per_minute(20)
TIER_3 = RateLimit.per_minute(50)
TIER_4 = RateLimit.per_minute(100)
TIERS = {"tier1": TIER_1, "tier2": TIER_2, "tier3": TIER_3, "tier4": TIER_4}

# chat.postMessage is "special": about one message a second per conversation (short bursts
# allowed) and a workspace-wide ceiling of "several hundred messages per minute" (we take
# 300/min, the low end, with a burst of 30).
POST_MESSAGE_PER_CHANNEL = RateLimit(capacity=3, per_second=1.0)
POST_MESSAGE_WORKSPACE = RateLimit(capacity=30, per_second=5.0)
CHANNEL_KEY = "chat.postMessage:channel"  # key for the per-channel bucket in `rate_limits`

METHOD_TIERS: dict[str, str] = {
    "auth.test": "tier4",
    "chat.update": "tier3",
    "chat.delete": "tier3",
    "chat.postEphemeral": "tier4",
    "conversations.open": "tier3",
    "conversations.history": "tier3",
    "conversations.replies": "tier3",
    "users.lookupByEmail": "tier3",
    "users.info": "tier4",
    "users.list": "tier2",
    "views.open": "tier4",
    "views.update": "tier4",
    "views.push": "tier4",
    "views.publish": "tier4",
    "files.getUploadURLExternal": "tier4",
    "files.completeUploadExternal": "tier4",
    "reactions.add": "tier4",
}


class _Bucket:
    """A running token bucket; time comes from the stand-in's injected clock."""

    def __init__(self, limit: RateLimit, now: float):
        self.limit = limit
        self.tokens = float(limit.capacity)
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(
                float(self.limit.capacity),
                self.tokens + (now - self.updated) * self.limit.per_second,
            )
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill(now)
        if self.tokens >= 1 - 1e-9:
            return 0.0
        if self.limit.per_second <= 0:
            return math.inf
        return (1 - self.tokens) / self.limit.per_second

    def take(self) -> None:
        self.tokens -= 1


# ---------------------------------------------------------------------------------------------
# Records and errors
# ---------------------------------------------------------------------------------------------


@dataclass
class RecordedCall:
    """One request the stand-in answered."""

    method: str
    params: dict[str, Any]  # JSON-valued params (blocks, view, metadata, files…) parsed
    status: int
    ok: bool
    error: str | None
    time: float  # the injected clock's reading
    response: dict[str, Any] = field(default_factory=dict)
    injected: bool = False  # answered by fail_next()
    retry_after: int | None = None  # the Retry-After it was answered with (a 429), in seconds


class SlackApiFailure(Exception):
    """Raised inside a method handler: becomes {"ok": false, "error": ...}."""

    def __init__(
        self,
        error: str,
        messages: Iterable[str] = (),
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.status = status
        self.headers = headers or {}


@dataclass
class _Failure:
    status: int
    retry_after: int
    error: str | None
    remaining: int


class FakeClock:
    """A manual clock for deterministic rate-limit and trigger-expiry tests."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


# ---------------------------------------------------------------------------------------------
# Block Kit validation
# ---------------------------------------------------------------------------------------------

_BLOCK_TYPES = {
    "section", "divider", "image", "actions", "context", "input", "file", "header",
    "rich_text", "video", "markdown", "table", "call",
}  # fmt: skip
_SELECTS = {
    "static_select", "multi_static_select", "external_select", "multi_external_select",
    "users_select", "multi_users_select", "conversations_select", "multi_conversations_select",
    "channels_select", "multi_channels_select",
}  # fmt: skip
_INPUT_ELEMENTS = _SELECTS | {
    "button", "overflow", "datepicker", "timepicker", "datetimepicker", "checkboxes",
    "radio_buttons", "plain_text_input", "email_text_input", "url_text_input",
    "number_input", "rich_text_input", "file_input", "workflow_button",
}  # fmt: skip
_ACTIONS_ELEMENTS = _INPUT_ELEMENTS - {
    "plain_text_input", "email_text_input", "url_text_input", "number_input",
    "rich_text_input", "file_input",
}  # fmt: skip
_ACCESSORY_ELEMENTS = _ACTIONS_ELEMENTS | {"image"}


def _too_long(limit: int, pointer: str) -> str:
    # Slack phrases an inclusive limit N as "must be less than N+1 characters".
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _msg(text: str, pointer: str) -> str:
    return f"[ERROR] {text} [json-pointer:{pointer}]"


class _BlockChecker:
    """Collects Slack-style error messages for a list of blocks on one surface."""

    def __init__(self, surface: str, base: str):
        self.surface = surface  # "message", "modal" or "home"
        self.base = base  # json-pointer of the blocks array, e.g. "/blocks" or "/view/blocks"
        self.messages: list[str] = []

    def error(self, text: str, pointer: str) -> None:
        self.messages.append(_msg(text, pointer))

    def check(self, blocks: Any, max_blocks: int) -> list[str]:
        if not isinstance(blocks, list):
            self.error("expected array", self.base)
            return self.messages
        if len(blocks) > max_blocks:
            self.error(f"no more than {max_blocks} items allowed", self.base)
            return self.messages
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            ptr = f"{self.base}/{i}"
            before = len(self.messages)
            self.block(block, ptr, block_ids)
            if len(self.messages) == before:
                self.model(block, ptr)
        return self.messages

    # -- raw checks -----------------------------------------------------------------------

    def block(self, block: Any, ptr: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.error("expected object", ptr)
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.error(f"unsupported type: {kind}", f"{ptr}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                self.error("must be a non-empty string", f"{ptr}/block_id")
            elif len(block_id) > MAX_ID:
                self.messages.append(_too_long(MAX_ID, f"{ptr}/block_id"))
            elif block_id in block_ids:
                self.error(f"duplicate block_id: {block_id}", f"{ptr}/block_id")
            else:
                block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and fields is None:
                self.error("must provide text or fields", ptr)
            if text is not None:
                self.text(text, f"{ptr}/text", MAX_SECTION_TEXT)
            if fields is not None:
                if not isinstance(fields, list) or not fields:
                    self.error("expected non-empty array", f"{ptr}/fields")
                elif len(fields) > MAX_SECTION_FIELDS:
                    self.error(f"no more than {MAX_SECTION_FIELDS} items allowed", f"{ptr}/fields")
                else:
                    for j, f in enumerate(fields):
                        self.text(f, f"{ptr}/fields/{j}", MAX_FIELD_TEXT)
            if block.get("accessory") is not None:
                self.element(
                    block["accessory"], f"{ptr}/accessory", _ACCESSORY_ELEMENTS, action_ids
                )
        elif kind == "header":
            self.text(block.get("text"), f"{ptr}/text", MAX_HEADER_TEXT, plain_only=True)
        elif kind == "actions":
            self.elements(block, ptr, MAX_ACTIONS_ELEMENTS, _ACTIONS_ELEMENTS, action_ids)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.error("expected non-empty array", f"{ptr}/elements")
            elif len(elements) > MAX_CONTEXT_ELEMENTS:
                self.error(f"no more than {MAX_CONTEXT_ELEMENTS} items allowed", f"{ptr}/elements")
            else:
                for j, el in enumerate(elements):
                    eptr = f"{ptr}/elements/{j}"
                    if isinstance(el, dict) and el.get("type") == "image":
                        self.element(el, eptr, {"image"}, action_ids)
                    else:
                        self.text(el, eptr, MAX_SECTION_TEXT)
        elif kind == "input":
            if self.surface != "modal":
                self.error(f"input blocks are not allowed in a {self.surface}", f"{ptr}/type")
            self.text(block.get("label"), f"{ptr}/label", MAX_LABEL, plain_only=True)
            if block.get("hint") is not None:
                self.text(block["hint"], f"{ptr}/hint", MAX_LABEL, plain_only=True)
            if block.get("element") is None:
                self.error("must provide an element", f"{ptr}/element")
            else:
                self.element(block["element"], f"{ptr}/element", _INPUT_ELEMENTS, action_ids)
        elif kind == "image":
            self.image(block, ptr)
        elif kind == "markdown":
            text = block.get("text")
            if not isinstance(text, str) or not text:
                self.error("must be a non-empty string", f"{ptr}/text")
            elif len(text) > MAX_MARKDOWN_TEXT:
                self.messages.append(_too_long(MAX_MARKDOWN_TEXT, f"{ptr}/text"))

    def elements(
        self, block: dict, ptr: str, limit: int, allowed: set[str], action_ids: set[str]
    ) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.error("expected non-empty array", f"{ptr}/elements")
        elif len(elements) > limit:
            self.error(f"no more than {limit} items allowed", f"{ptr}/elements")
        else:
            for j, el in enumerate(elements):
                self.element(el, f"{ptr}/elements/{j}", allowed, action_ids)

    def text(self, obj: Any, ptr: str, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.error("expected object", ptr)
            return
        kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.error(f"must be one of: {', '.join(kinds)}", f"{ptr}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.error("must be more than 0 characters", f"{ptr}/text")
        elif len(text) > limit:
            self.messages.append(_too_long(limit, f"{ptr}/text"))

    def image(self, obj: dict, ptr: str) -> None:
        url, slack_file = obj.get("image_url"), obj.get("slack_file")
        if url is None and slack_file is None:
            self.error("must provide image_url or slack_file", ptr)
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            self.messages.append(_too_long(MAX_URL, f"{ptr}/image_url"))
        alt = obj.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.error("must provide alt_text", f"{ptr}/alt_text")
        elif len(alt) > MAX_LABEL:
            self.messages.append(_too_long(MAX_LABEL, f"{ptr}/alt_text"))

    def options(self, options: Any, ptr: str, limit: int, minimum: int = 1) -> None:
        if not isinstance(options, list) or len(options) < minimum:
            self.error(f"must provide at least {minimum} items", ptr)
            return
        if len(options) > limit:
            self.error(f"no more than {limit} items allowed", ptr)
            return
        for k, opt in enumerate(options):
            optr = f"{ptr}/{k}"
            if not isinstance(opt, dict):
                self.error("expected object", optr)
                continue
            self.text(opt.get("text"), f"{optr}/text", MAX_OPTION_TEXT)
            value = opt.get("value")
            if value is not None and (not isinstance(value, str) or len(value) > MAX_OPTION_VALUE):
                self.messages.append(_too_long(MAX_OPTION_VALUE, f"{optr}/value"))

    def element(self, el: Any, ptr: str, allowed: set[str], action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.error("expected object", ptr)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.error(f"unsupported type: {kind}", f"{ptr}/type")
            return
        if kind == "image":
            self.image(el, ptr)
            return
        action_id = el.get("action_id")
        if action_id is not None:
            if not isinstance(action_id, str) or not action_id:
                self.error("must be a non-empty string", f"{ptr}/action_id")
            elif len(action_id) > MAX_ID:
                self.messages.append(_too_long(MAX_ID, f"{ptr}/action_id"))
            elif action_id in action_ids:
                self.error(f"duplicate action_id: {action_id}", f"{ptr}/action_id")
            else:
                action_ids.add(action_id)
        if el.get("placeholder") is not None:
            self.text(el["placeholder"], f"{ptr}/placeholder", MAX_PLACEHOLDER, plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", MAX_BUTTON_TEXT, plain_only=True)
            value = el.get("value")
            if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE):
                self.messages.append(_too_long(MAX_BUTTON_VALUE, f"{ptr}/value"))
            url = el.get("url")
            if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
                self.messages.append(_too_long(MAX_URL, f"{ptr}/url"))
            if el.get("style") not in (None, "primary", "danger"):
                self.error("must be one of: primary, danger", f"{ptr}/style")
        elif kind in ("static_select", "multi_static_select"):
            if el.get("options") is not None and el.get("option_groups") is not None:
                self.error("must provide only one of options, option_groups", ptr)
            elif el.get("option_groups") is not None:
                groups = el["option_groups"]
                if not isinstance(groups, list) or len(groups) > MAX_SELECT_OPTIONS:
                    self.error(
                        f"no more than {MAX_SELECT_OPTIONS} items allowed", f"{ptr}/option_groups"
                    )
                else:
                    for g, group in enumerate(groups):
                        gptr = f"{ptr}/option_groups/{g}"
                        if not isinstance(group, dict):
                            self.error("expected object", gptr)
                            continue
                        self.options(group.get("options"), f"{gptr}/options", MAX_SELECT_OPTIONS)
            else:
                self.options(el.get("options"), f"{ptr}/options", MAX_SELECT_OPTIONS)
        elif kind == "overflow":
            self.options(el.get("options"), f"{ptr}/options", MAX_OVERFLOW_OPTIONS)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), f"{ptr}/options", MAX_CHOICE_OPTIONS)

    # -- slack_sdk's models ------------------------------------------------------------------

    def model(self, block: dict, ptr: str) -> None:
        """Run slack_sdk's own validators (to_dict() validates nested elements too)."""
        try:
            parsed = Block.parse(block)
            if parsed is None:
                self.error(f"unsupported type: {block.get('type')}", f"{ptr}/type")
                return
            parsed.to_dict()
        except SlackObjectFormationError as e:
            self.error(str(e), ptr)
        except Exception as e:  # malformed shapes make the models raise TypeError & co.
            self.error(f"invalid block ({type(e).__name__}: {e})", ptr)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Slack-style error messages for a message's `blocks` (empty list = valid)."""
    return _BlockChecker("message", "/blocks").check(blocks, MAX_MESSAGE_BLOCKS)


def validate_view(view: Any, *, allowed_types: tuple[str, ...]) -> list[str]:
    """Slack-style error messages for a view payload (empty list = valid)."""
    if not isinstance(view, dict):
        return [_msg("expected object", "/view")]
    messages: list[str] = []
    kind = view.get("type")
    if kind not in allowed_types:
        messages.append(_msg(f"must be one of: {', '.join(allowed_types)}", "/view/type"))
        return messages

    def plain(name: str, required: bool) -> None:
        obj = view.get(name)
        if obj is None:
            if required:
                messages.append(_msg("must provide an object", f"/view/{name}"))
            return
        if not isinstance(obj, dict) or obj.get("type") != "plain_text":
            messages.append(_msg("must be a plain_text object", f"/view/{name}"))
            return
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            messages.append(_msg("must be more than 0 characters", f"/view/{name}/text"))
        elif len(text) > MAX_VIEW_TITLE:
            messages.append(_too_long(MAX_VIEW_TITLE, f"/view/{name}/text"))

    if kind == "modal":
        plain("title", required=True)
        plain("close", required=False)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        # Slack: "submit is required when an input block is within the blocks array".
        plain("submit", required=has_input)
    else:
        for name in ("submit", "close"):
            if view.get(name) is not None:
                messages.append(_msg(f"{name} is not allowed in a {kind} view", f"/view/{name}"))
    for name in ("callback_id", "external_id"):
        value = view.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ID):
            messages.append(_too_long(MAX_ID, f"/view/{name}"))
    pm = view.get("private_metadata")
    if pm is not None and (not isinstance(pm, str) or len(pm) > MAX_PRIVATE_METADATA):
        messages.append(_too_long(MAX_PRIVATE_METADATA, "/view/private_metadata"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        messages.append(_msg("must provide at least 1 item", "/view/blocks"))
    else:
        messages += _BlockChecker(kind, "/view/blocks").check(blocks, MAX_VIEW_BLOCKS)
    return messages


# ---------------------------------------------------------------------------------------------
# Request parsing helpers
# ---------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True", "TRUE")


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Fields and files of a multipart/form-data body (the stdlib cgi module is gone)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[str(name)] = payload
        else:
            fields[str(name)] = payload.decode("utf-8")
    return fields, files


def _ts_key(ts: Any) -> float:
    return float(ts)


# ---------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.standin._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: SlackStandIn


# ---------------------------------------------------------------------------------------------
# The stand-in
# ---------------------------------------------------------------------------------------------


class SlackStandIn:
    """A fake Slack Web API served over real HTTP on 127.0.0.1 (see the module docstring).

    `rate_limits` overrides buckets; keys are a method name (e.g. "users.info"), a tier
    ("tier1".."tier4", for every method in that tier), "chat.postMessage" (the workspace-wide
    ceiling) or `CHANNEL_KEY` ("chat.postMessage:channel", the per-channel bucket). Values are
    `RateLimit`s or `(capacity, per_second)` tuples. A method-specific key beats a tier key.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        enforce_rate_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rate_limits: dict[str, RateLimit | tuple[float, float]] | None = None,
        wall_clock: Callable[[], float] = time.time,
        bot_id: str = "B0001",
        app_id: str = "A0001",
        team_name: str = "Progressbot Test",
        app_token: str = "xapp-test",
    ):
        self.bot_token = bot_token
        self.app_token = app_token
        # A SocketModeStandIn (tests/support/socket_mode.py) attaches itself here; then
        # apps.connections.open hands out its ws:// URLs.
        self.socket_mode: Any = None
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_name = team_name
        self.enforce_rate_limits = enforce_rate_limits
        self.clock = clock  # drives rate limits and trigger expiry
        self.wall_clock = wall_clock  # drives message timestamps
        self.rate_limits: dict[str, RateLimit] = {}
        for key, value in (rate_limits or {}).items():
            self.rate_limits[key] = value if isinstance(value, RateLimit) else RateLimit(*value)
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.root_url = ""
        self.users: dict[str, dict[str, Any]] = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        port = server.server_address[1]
        self.root_url = f"http://127.0.0.1:{port}/"
        self.base_url = f"{self.root_url}api/"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"slack-standin-{port}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget calls, messages, views, files, triggers, injected failures and rate-limit
        state. Users added with add_user and the configuration are kept."""
        with self._lock:
            self.calls: list[RecordedCall] = []
            self.messages: dict[str, list[dict[str, Any]]] = {}
            self.ephemeral: list[dict[str, Any]] = []
            self.views: dict[str, dict[str, Any]] = {}
            self.home_views: dict[str, str] = {}  # user id -> view id
            self.files: dict[str, dict[str, Any]] = {}
            self.triggers: dict[str, dict[str, Any]] = {}
            self.responses: list[dict[str, Any]] = []  # bodies posted to response URLs
            self._hooks: set[str] = set()
            self._failures: dict[str, deque[_Failure]] = {}
            self._buckets: dict[tuple[str, str], _Bucket] = {}
            self._last_ts = 0
            self._ids = itertools.count(1)

    # -- test set-up ----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        email: str,
        name: str,
        real_name: str = "",
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Register a workspace member (what users.info / users.lookupByEmail return)."""
        real_name = real_name or name
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": name,
                "display_name_normalized": name,
                "email": email,
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.wall_clock()),
        }
        with self._lock:
            self.users[user_id] = user
        return copy.deepcopy(user)

    def dm_channel_id(self, user_id: str) -> str:
        """The stable DM channel id conversations.open returns for this user."""
        digest = hashlib.sha1(f"{self.team_id}:{user_id}".encode()).hexdigest()[:10].upper()
        return f"D{digest}"

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        thread_ts: str | None = None,
        blocks: list[dict] | None = None,
    ) -> dict[str, Any]:
        """Put a message from someone else (e.g. an owner's reply) into a conversation."""
        with self._lock:
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": self._next_ts(),
                "team": self.team_id,
            }
            if blocks:
                message["blocks"] = blocks
            self._store(channel, message, thread_ts)
            return copy.deepcopy(message)

    def issue_trigger_id(self, user_id: str = "U0001") -> str:
        """A trigger_id as Slack would send with a user action; valid for 3 s of `clock`."""
        with self._lock:
            n = next(self._ids)
            trigger = (
                f"{int(self.wall_clock())}.{n}.{hashlib.md5(str(n).encode()).hexdigest()[:16]}"
            )
            self.triggers[trigger] = {"user": user_id, "issued": self.clock(), "used": False}
            return trigger

    def new_response_url(self) -> str:
        """A response_url served by this stand-in (pass it to the payload builders so the
        bot's respond() lands in `responses` instead of hooks.slack.com)."""
        with self._lock:
            path = f"/hooks/{self.team_id}/{next(self._ids)}"
            self._hooks.add(path)
            return self.root_url + path[1:]

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int = 1,
        count: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `count` calls to `method` with a failure: HTTP `status` (429 adds
        `Retry-After: retry_after`), or with status 200 and `error` as a plain ok=false."""
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _Failure(status=status, retry_after=retry_after, error=error, remaining=count)
            )

    # -- inspection -----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in list(self.calls) if c.method == method]

    @property
    def errors(self) -> list[RecordedCall]:
        """Calls answered ok=false or with a non-200 status (rate-limited ones included)."""
        return [c for c in list(self.calls) if not c.ok or c.status != 200]

    @property
    def rate_limited(self) -> list[RecordedCall]:
        return [c for c in list(self.calls) if c.status == 429 and not c.injected]

    # -- rate limits ----------------------------------------------------------------------------

    def limit_for(self, method: str) -> RateLimit:
        """The bucket configured for a method (chat.postMessage: the workspace ceiling)."""
        if method in self.rate_limits:
            return self.rate_limits[method]
        if method == "chat.postMessage":
            return POST_MESSAGE_WORKSPACE
        tier = METHOD_TIERS.get(method, "tier3")
        return self.rate_limits.get(tier, TIERS[tier])

    @property
    def channel_limit(self) -> RateLimit:
        return self.rate_limits.get(CHANNEL_KEY, POST_MESSAGE_PER_CHANNEL)

    def min_calls_seconds(self, method: str, calls: int) -> float:
        """Shortest time to make `calls` calls of a (non chat.postMessage) method, starting
        with a full bucket: max(0, (calls - capacity) / per_second)."""
        return self.limit_for(method).seconds_for(calls)

    def min_completion_seconds(self, messages_per_channel: dict[str, int]) -> float:
        """Shortest time the configured limits allow for posting the given number of
        chat.postMessage calls to each channel, all buckets starting full.

        With a per-channel bucket (C_ch, r_ch) and the workspace bucket (C_ws, r_ws), and
        n_c messages for channel c (N = sum of n_c), the time is at least

            T >= max(0, max_c (n_c - C_ch) / r_ch, (N - C_ws) / r_ws)

        (each bucket admits at most C + r*t calls in t seconds). This returns the exact time
        of the greedy schedule - every message sent the moment both buckets allow it, the
        channel with most messages left first - which equals the bound whenever one bucket
        is the bottleneck throughout (e.g. one busy channel, or many channels with a few
        messages each), and is never below it. Request latency is not included.
        """
        ch, ws = self.channel_limit, self.limit_for("chat.postMessage")
        remaining = {c: n for c, n in messages_per_channel.items() if n > 0}
        if not remaining:
            return 0.0
        # Channel buckets are independent, so each channel's next ready time is known; the
        # workspace bucket is the shared resource handed to ready channels in order.
        chan = {c: [float(ch.capacity), 0.0] for c in remaining}  # tokens, as-of time
        ws_tokens, ws_time, now = float(ws.capacity), 0.0, 0.0
        waiting: list[tuple[float, int, str]] = [(0.0, -n, c) for c, n in remaining.items()]
        heapq.heapify(waiting)
        ready: list[tuple[int, str]] = []

        def ready_at(c: str) -> float:
            tokens, as_of = chan[c]
            return as_of if tokens >= 1 - 1e-9 else as_of + (1 - tokens) / ch.per_second

        while waiting or ready:
            ws_ready = (
                ws_time if ws_tokens >= 1 - 1e-9 else ws_time + (1 - ws_tokens) / ws.per_second
            )
            t = max(now, ws_ready)
            if not ready:
                t = max(t, waiting[0][0])
            while waiting and waiting[0][0] <= t + 1e-12:
                _, neg, c = heapq.heappop(waiting)
                heapq.heappush(ready, (neg, c))
            neg, c = heapq.heappop(ready)
            now = t
            ws_tokens = min(float(ws.capacity), ws_tokens + (now - ws_time) * ws.per_second) - 1
            ws_time = now
            tokens, as_of = chan[c]
            chan[c] = [min(float(ch.capacity), tokens + (now - as_of) * ch.per_second) - 1, now]
            remaining[c] -= 1
            if remaining[c]:
                heapq.heappush(waiting, (ready_at(c), -remaining[c], c))
        return now

    def _bucket(self, key: tuple[str, str], limit: RateLimit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:
            bucket = self._buckets[key] = _Bucket(limit, now)
        return bucket

    def _check_rate(self, method: str, params: dict[str, Any]) -> None:
        if not self.enforce_rate_limits:
            return
        now = self.clock()
        buckets = [self._bucket(("method", method), self.limit_for(method), now)]
        if method == "chat.postMessage" and isinstance(params.get("channel"), str):
            channel = self._resolve_channel(params["channel"], allow_user=True) or params["channel"]
            buckets.append(self._bucket(("channel", channel), self.channel_limit, now))
        wait = max(b.wait(now) for b in buckets)
        if wait > 0:
            # Honest Retry-After: whole seconds until every bucket involved has a token.
            retry_after = max(1, math.ceil(wait - 1e-9)) if math.isfinite(wait) else 3600
            raise SlackApiFailure(
                "ratelimited", status=429, headers={"Retry-After": str(retry_after)}
            )
        for b in buckets:
            b.take()

    # -- HTTP -----------------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        if url.path.startswith("/upload/v1/"):
            status, payload, content_type, headers = self._serve_upload(
                url.path.rsplit("/", 1)[-1], body, handler.headers.get("Content-Type", "")
            )
        elif url.path.startswith("/hooks/"):
            status, payload, content_type, headers = self._serve_hook(url.path, body)
        elif url.path.startswith("/api/"):
            method = url.path[len("/api/") :]
            result, status, headers = self._serve_api(method, url.query, body, handler.headers)
            payload = json.dumps(result).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            status, payload, content_type, headers = 404, b"Not Found", "text/plain", {}
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(payload)

    def _parse_params(
        self, query: str, body: bytes, headers: Any
    ) -> tuple[dict[str, Any], str | None, bool]:
        """Params from query string and body; the body's token; whether the body was JSON."""
        params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        raw_type = headers.get("Content-Type", "") or ""
        content_type = raw_type.split(";")[0].strip().lower()
        is_json = content_type == "application/json"
        if is_json:
            try:
                data = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise SlackApiFailure("invalid_json") from e
            if not isinstance(data, dict):
                raise SlackApiFailure("invalid_json")
            # Slack ignores a token inside a JSON body: it must come in the header.
            data.pop("token", None)
            params.update({k: v for k, v in data.items() if v is not None})
        elif content_type == "multipart/form-data":
            fields, files = _parse_multipart(body, raw_type)
            params.update(fields)
            params.update({k: f"<{len(v)} bytes>" for k, v in files.items()})
        elif body:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        token = None if is_json else params.get("token")
        params.pop("token", None)
        return params, token, is_json

    def _serve_api(
        self, method: str, query: str, body: bytes, headers: Any
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        with self._lock:
            params: dict[str, Any] = {}
            injected = False
            try:
                params, body_token, _ = self._parse_params(query, body, headers)
                auth = headers.get("Authorization", "") or ""
                token = auth[7:].strip() if auth.lower().startswith("bearer ") else body_token
                handler = getattr(self, "_m_" + method.replace(".", "_"), None)
                if handler is None:
                    raise SlackApiFailure("unknown_method")
                if not token:
                    raise SlackApiFailure("not_authed")
                # apps.connections.open takes the app-level token (xapp-) and nothing else does.
                wanted = self.app_token if method == "apps.connections.open" else self.bot_token
                if token != wanted:
                    known = token in (self.bot_token, self.app_token)
                    raise SlackApiFailure("not_allowed_token_type" if known else "invalid_auth")
                failure = self._take_failure(method)
                if failure is not None:
                    injected = True
                    raise failure
                self._check_rate(method, params)
                result = {"ok": True, **handler(params)}
                status, extra = 200, {}
            except SlackApiFailure as f:
                result = {"ok": False, "error": f.error}
                if f.error == "unknown_method":
                    result["req_method"] = method
                if f.messages:
                    result["response_metadata"] = {"messages": f.messages}
                status, extra = f.status, f.headers
            except Exception as e:  # a stand-in bug: answer (and record) rather than hang up,
                # which slack_sdk's ConnectionErrorRetryHandler would quietly retry
                result = {
                    "ok": False,
                    "error": "fatal_error",
                    "response_metadata": {"messages": [f"stand-in bug: {e!r}"]},
                }
                status, extra = 500, {}
            self.calls.append(
                RecordedCall(
                    method=method,
                    params=params,
                    status=status,
                    ok=bool(result.get("ok")),
                    error=result.get("error"),
                    time=self.clock(),
                    response=copy.deepcopy(result),
                    injected=injected,
                    retry_after=int(extra["Retry-After"]) if "Retry-After" in extra else None,
                )
            )
            return result, status, extra

    def _take_failure(self, method: str) -> SlackApiFailure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        if failure.status == 429:
            return SlackApiFailure(
                "ratelimited", status=429, headers={"Retry-After": str(failure.retry_after)}
            )
        names = {500: "fatal_error", 502: "fatal_error", 503: "service_unavailable",
                 504: "request_timeout"}  # fmt: skip
        return SlackApiFailure(
            failure.error or names.get(failure.status, "fatal_error"), status=failure.status
        )

    def _serve_upload(
        self, file_id: str, body: bytes, content_type: str
    ) -> tuple[int, bytes, str, dict[str, str]]:
        """The upload URL handed out by files.getUploadURLExternal (files.slack.com in life)."""
        with self._lock:
            record = self.files.get(file_id)
            if content_type.lower().startswith("multipart/form-data"):
                _, files = _parse_multipart(body, content_type)
                body = next(iter(files.values()), b"")
            ok = record is not None
            if ok:
                record["content"] = body
                record["uploaded"] = True
            status = 200 if ok else 404
            self.calls.append(
                RecordedCall(
                    method="upload",
                    params={"file_id": file_id, "size": len(body)},
                    status=status,
                    ok=ok,
                    error=None if ok else "file_not_found",
                    time=self.clock(),
                )
            )
            text = f"OK - {len(body)}" if ok else "Not Found"
            return status, text.encode(), "text/plain; charset=utf-8", {}

    def _serve_hook(self, path: str, body: bytes) -> tuple[int, bytes, str, dict[str, str]]:
        """A response_url from new_response_url(): what bolt's respond() posts to."""
        with self._lock:
            try:
                data = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, json.JSONDecodeError):
                data = None
            ok = path in self._hooks and isinstance(data, dict)
            if ok:
                self.responses.append({"response_url": self.root_url + path[1:], **data})
            status = 200 if ok else 404
            self.calls.append(
                RecordedCall(
                    method="response_url",
                    params=data if isinstance(data, dict) else {},
                    status=status,
                    ok=ok,
                    error=None if ok else "no_hook",
                    time=self.clock(),
                )
            )
            return status, b"ok" if ok else b"no_hook", "text/plain; charset=utf-8", {}

    # -- shared helpers -------------------------------------------------------------------------

    def _next_ts(self) -> str:
        """Unique, increasing "1700000000.000100"-style timestamps from the wall clock."""
        micros = max(int(self.wall_clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve_channel(self, channel: Any, *, allow_user: bool = False) -> str | None:
        if not isinstance(channel, str):
            return None
        if _CHANNEL_ID.match(channel):
            return channel
        if allow_user and channel in self.users and _USER_ID.match(channel):
            return self.dm_channel_id(channel)
        return None

    def _require_channel(self, params: dict[str, Any], *, allow_user: bool = False) -> str:
        channel = self._resolve_channel(params.get("channel"), allow_user=allow_user)
        if channel is None:
            raise SlackApiFailure("channel_not_found")
        return channel

    def _find(self, channel: str, ts: Any) -> dict[str, Any] | None:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _store(self, channel: str, message: dict[str, Any], thread_ts: Any) -> None:
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            parent = self._find(channel, str(thread_ts))
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") and message["user"] not in users:
                    users.append(message["user"])
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
        self.messages.setdefault(channel, []).append(message)

    @staticmethod
    def _json_param(params: dict[str, Any], name: str, error: str) -> Any:
        """A JSON-valued parameter (a string in form bodies, a value in JSON bodies); the
        parsed value replaces the string so RecordedCall.params shows it parsed."""
        value = params.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as e:
                raise SlackApiFailure(error, [_msg("invalid JSON", f"/{name}")]) from e
            params[name] = value
        return value

    def _message_content(self, params: dict[str, Any], *, require: bool = True) -> dict[str, Any]:
        """Validate text / markdown_text / blocks / attachments / metadata as Slack does."""
        blocks = self._json_param(params, "blocks", "invalid_blocks_format")
        attachments = self._json_param(params, "attachments", "invalid_attachments")
        metadata = self._json_param(params, "metadata", "invalid_metadata_format")
        text = params.get("text")
        markdown_text = params.get("markdown_text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        if markdown_text is not None and (text or blocks):
            raise SlackApiFailure("markdown_text_conflict")
        if require and not (text or markdown_text or blocks or attachments):
            raise SlackApiFailure("no_text")
        if text and len(text) > MAX_MESSAGE_TEXT:
            raise SlackApiFailure("msg_too_long")
        if markdown_text and len(str(markdown_text)) > MAX_MARKDOWN_TEXT:
            raise SlackApiFailure("msg_too_long")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise SlackApiFailure("invalid_blocks_format", [_msg("expected array", "/blocks")])
            problems = validate_message_blocks(blocks)
            if problems:
                raise SlackApiFailure("invalid_blocks", problems)
        if attachments is not None and not isinstance(attachments, list):
            raise SlackApiFailure("invalid_attachments")
        if metadata is not None:
            if not isinstance(metadata, dict):
                raise SlackApiFailure("invalid_metadata_format")
            if (
                not isinstance(metadata.get("event_type"), str)
                or not metadata["event_type"]
                or not isinstance(metadata.get("event_payload"), dict)
            ):
                raise SlackApiFailure("invalid_metadata_schema")
        content: dict[str, Any] = {}
        if text is not None or markdown_text is not None:
            content["text"] = text if text is not None else str(markdown_text)
        if blocks is not None:
            content["blocks"] = copy.deepcopy(blocks)
        if attachments is not None:
            content["attachments"] = copy.deepcopy(attachments)
        if metadata is not None:
            content["metadata"] = copy.deepcopy(metadata)
        return content

    def _bot_message(self, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": content.get("text", ""),
            "ts": self._next_ts(),
            **{k: v for k, v in content.items() if k != "text"},
        }

    # -- methods --------------------------------------------------------------------------------
    # Each _m_<method> gets the parsed params and returns the body of an ok response, or
    # raises SlackApiFailure.

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://progressbot-test.slack.com/",
            "team": self.team_name,
            "user": "progressbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode is None:
            raise SlackApiFailure("invalid_auth")  # Socket Mode is off for this app
        return {"url": self.socket_mode.new_url()}

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = self._require_channel(params, allow_user=True)
        message = self._bot_message(self._message_content(params))
        self._store(channel, message, params.get("thread_ts"))
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        ts = params.get("ts")
        if not ts:
            raise SlackApiFailure("message_not_found")
        message = self._find(channel, str(ts))
        if message is None:
            raise SlackApiFailure("message_not_found")
        if message.get("user") != self.bot_user_id:
            raise SlackApiFailure("cant_update_message")
        content = self._message_content(params)
        # Slack: text without blocks drops the old blocks; metadata is kept unless replaced.
        if "text" in content and "blocks" not in content:
            message.pop("blocks", None)
            message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        message.update(content)
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = self._require_channel(params)
        user = params.get("user")
        if not isinstance(user, str) or user not in self.users:  # add_user() them first
            raise SlackApiFailure("user_not_in_channel")
        message = self._bot_message(self._message_content(params))
        self.ephemeral.append({"channel": channel, "to": user, **message})
        return {"message_ts": message["ts"]}

    def _m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        message = self._find(channel, str(params.get("ts")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        if message.get("user") != self.bot_user_id:
            raise SlackApiFailure("cant_delete_message")
        self.messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            channel = self._require_channel(params)
            return {"channel": {"id": channel}, "no_op": True, "already_open": True}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise SlackApiFailure("users_list_not_supplied")
        for user in users:
            if user not in self.users:
                raise SlackApiFailure("user_not_found")
            if self.users[user]["deleted"]:
                raise SlackApiFailure("user_disabled")
        if len(users) > 8:
            raise SlackApiFailure("too_many_users")
        if len(users) == 1:
            channel_id = self.dm_channel_id(users[0])
        else:
            key = ",".join(sorted(users))
            channel_id = "G" + hashlib.sha1(key.encode()).hexdigest()[:10].upper()
        already = channel_id in self.messages
        self.messages.setdefault(channel_id, [])
        channel: dict[str, Any] = {"id": channel_id}
        if _truthy(params.get("return_im")):
            channel.update(
                {"created": int(self.wall_clock()), "is_im": len(users) == 1, "is_open": True,
                 "user": users[0], "is_org_shared": False, "priority": 0}
            )  # fmt: skip
        result: dict[str, Any] = {"channel": channel}
        if already:
            result.update({"no_op": True, "already_open": True})
        return result

    def _page(
        self, messages: list[dict[str, Any]], params: dict[str, Any], default_limit: int
    ) -> tuple[list[dict[str, Any]], str]:
        """Apply oldest/latest/inclusive/limit/cursor to messages already in result order."""
        try:
            oldest = float(params.get("oldest") or 0)
        except ValueError as e:
            raise SlackApiFailure("invalid_ts_oldest") from e
        try:
            latest = float(params["latest"]) if params.get("latest") else math.inf
        except ValueError as e:
            raise SlackApiFailure("invalid_ts_latest") from e
        inclusive = _truthy(params.get("inclusive"))
        try:
            limit = int(params.get("limit") or default_limit)
        except ValueError as e:
            raise SlackApiFailure("invalid_limit") from e
        limit = max(1, min(limit, HISTORY_MAX_LIMIT))

        def in_range(m: dict[str, Any]) -> bool:
            t = _ts_key(m["ts"])
            if inclusive:
                return oldest <= t <= latest
            return oldest < t < latest

        selected = [m for m in messages if in_range(m)]
        cursor = params.get("cursor")
        if cursor:
            try:
                start_ts = base64.b64decode(str(cursor)).decode().removeprefix("next_ts:")
                start = next(i for i, m in enumerate(selected) if m["ts"] == start_ts)
            except Exception as e:
                raise SlackApiFailure("invalid_cursor") from e
            selected = selected[start:]
        page, rest = selected[:limit], selected[limit:]
        next_cursor = base64.b64encode(f"next_ts:{rest[0]['ts']}".encode()).decode() if rest else ""
        return page, next_cursor

    @staticmethod
    def _public(message: dict[str, Any], include_metadata: bool) -> dict[str, Any]:
        out = copy.deepcopy(message)
        if not include_metadata:
            out.pop("metadata", None)
        return out

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        top = [
            m for m in self.messages.get(channel, [])
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]  # fmt: skip
        top.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)  # newest first, as Slack
        page, next_cursor = self._page(top, params, HISTORY_DEFAULT_LIMIT)
        include = _truthy(params.get("include_all_metadata"))
        return {
            "messages": [self._public(m, include) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        ts = params.get("ts")
        anchor = self._find(channel, str(ts)) if ts else None
        if anchor is None:
            raise SlackApiFailure("thread_not_found")
        root = anchor.get("thread_ts") or anchor["ts"]
        thread = [
            m for m in self.messages.get(channel, [])
            if m["ts"] == root or m.get("thread_ts") == root
        ]  # fmt: skip
        thread.sort(key=lambda m: _ts_key(m["ts"]))  # parent first, then oldest reply first
        page, next_cursor = self._page(thread, params, 1000)
        include = _truthy(params.get("include_all_metadata"))
        return {
            "messages": [self._public(m, include) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_users_lookupByEmail(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        email = str(params.get("email") or "").strip().lower()
        for user in self.users.values():
            if user["profile"]["email"].lower() == email and email:
                return {"user": copy.deepcopy(user)}
        raise SlackApiFailure("users_not_found")

    # users.list: the whole member set (add_user), cursor-paginated --------------------------
    # Slack returns every member - deactivated ones (deleted: true), bots and Slackbot
    # included - in a stable order, at most `users_list_max_page` a page (Slack: up to 1,000;
    # fewer may come back than asked for). The cursor is opaque; a made-up one is refused.

    users_list_max_page: int = 1000

    def _m_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            limit = int(params.get("limit") or 0)
        except ValueError as e:
            raise SlackApiFailure("invalid_limit") from e
        if limit <= 0:
            # No limit asks for everyone at once; Slack refuses that for a large workspace.
            if len(self.users) > self.users_list_max_page:
                raise SlackApiFailure("limit_required")
            limit = self.users_list_max_page
        limit = max(1, min(limit, self.users_list_max_page))
        ids = sorted(self.users)
        start = 0
        cursor = params.get("cursor")
        if cursor:
            try:
                after = base64.b64decode(str(cursor), validate=True).decode().removeprefix("users:")
            except Exception as e:
                raise SlackApiFailure("invalid_cursor") from e
            if after not in self.users:
                raise SlackApiFailure("invalid_cursor")
            start = ids.index(after)
        page = ids[start : start + limit]
        rest = ids[start + limit :]
        next_cursor = base64.b64encode(f"users:{rest[0]}".encode()).decode() if rest else ""
        members = []
        for uid in page:
            member = copy.deepcopy(self.users[uid])
            if _truthy(params.get("include_locale")):
                member["locale"] = "en-GB"
            members.append(member)
        return {
            "members": members,
            "cache_ts": int(self.wall_clock()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise SlackApiFailure("user_not_found")
        out = copy.deepcopy(user)
        if _truthy(params.get("include_locale")):
            out["locale"] = "en-GB"
        return {"user": out}

    # views ---------------------------------------------------------------------------------

    def _use_trigger(self, params: dict[str, Any]) -> str:
        trigger_id = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger_id:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: trigger_id", "/trigger_id")]
            )
        trigger = self.triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackApiFailure("invalid_trigger_id")
        if trigger["used"]:
            raise SlackApiFailure("exchanged_trigger_id")
        if self.clock() - trigger["issued"] > TRIGGER_TTL_SECONDS:
            raise SlackApiFailure("expired_trigger_id")
        trigger["used"] = True
        return trigger["user"]

    def _view_param(self, params: dict[str, Any], allowed_types: tuple[str, ...]) -> dict:
        view = self._json_param(params, "view", "invalid_arguments")
        if view is None:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: view", "/view")]
            )
        if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
            raise SlackApiFailure("view_too_large")
        problems = validate_view(view, allowed_types=allowed_types)
        if problems:
            raise SlackApiFailure("invalid_arguments", problems)
        external_id = view.get("external_id")
        if external_id:
            for other in self.views.values():
                if other.get("external_id") == external_id and other["id"] != view.get("id"):
                    raise SlackApiFailure("duplicate_external_id")
        return view

    def _new_view(
        self, view: dict, user: str, *, root: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        view_id = f"V{next(self._ids):010X}"
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view["blocks"]),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": hashlib.sha1(f"{view_id}:{self.clock()}".encode()).hexdigest()[:20],
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous,
            "root_view_id": root or view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "user": user,
        }
        self.views[view_id] = stored
        return stored

    @staticmethod
    def _view_out(stored: dict[str, Any]) -> dict[str, Any]:
        return {"view": {k: copy.deepcopy(v) for k, v in stored.items() if k != "user"}}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._view_param(params, ("modal",))
        user = self._use_trigger(params)
        return self._view_out(self._new_view(view, user))

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._view_param(params, ("modal",))
        user = self._use_trigger(params)
        return self._view_out(self._new_view(view, user))

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = self._view_param(params, ("modal", "home"))
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: view_id", "/view_id")]
            )
        stored = self.views.get(str(view_id)) if view_id else None
        if stored is None and external_id:
            stored = next((v for v in self.views.values() if v["external_id"] == external_id), None)
        if stored is None:
            raise SlackApiFailure("not_found")
        if params.get("hash") and params["hash"] != stored["hash"]:
            raise SlackApiFailure("hash_conflict")
        replacement = self._new_view(view, stored["user"], root=stored["root_view_id"])
        del self.views[replacement["id"]]
        replacement.update(id=stored["id"], previous_view_id=stored["previous_view_id"])
        self.views[stored["id"]] = replacement
        return self._view_out(replacement)

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if not user:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: user_id", "/user_id")]
            )
        view = self._view_param(params, ("home",))
        current = self.views.get(self.home_views.get(user, ""))
        if current is not None and params.get("hash") and params["hash"] != current["hash"]:
            raise SlackApiFailure("hash_conflict")
        if current is not None:
            del self.views[current["id"]]
        stored = self._new_view(view, user)
        self.home_views[user] = stored["id"]
        return self._view_out(stored)

    # files -----------------------------------------------------------------------------------

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        filename = params.get("filename")
        try:
            length = int(params.get("length"))
        except (TypeError, ValueError) as e:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: length", "/length")]
            ) from e
        if not filename:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: filename", "/filename")]
            )
        # Slack's documented limits: a zero length is a missing argument; alt text is at most
        # 1,000 characters.
        if length <= 0:
            raise SlackApiFailure("missing_argument")
        if len(str(params.get("alt_txt") or "")) > 1000:
            raise SlackApiFailure("alt_txt_too_large")
        file_id = f"F{next(self._ids):010X}"
        self.files[file_id] = {
            "id": file_id,
            "name": str(filename),
            "length": length,
            "alt_txt": params.get("alt_txt"),
            "snippet_type": params.get("snippet_type"),
            "uploaded": False,
            "completed": False,
            "content": b"",
        }
        return {"upload_url": f"{self.root_url}upload/v1/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        entries = self._json_param(params, "files", "invalid_arguments")
        if not isinstance(entries, list) or not entries:
            raise SlackApiFailure(
                "invalid_arguments", [_msg("missing required field: files", "/files")]
            )
        targets: list[str] = []
        if params.get("channel_id"):
            targets.append(self._require_channel({"channel": params["channel_id"]}))
        for c in str(params.get("channels") or "").split(","):
            if c:
                resolved = self._resolve_channel(c, allow_user=True)
                if resolved is None:
                    raise SlackApiFailure("channel_not_found")
                targets.append(resolved)
        records = []
        for entry in entries:
            record = self.files.get(entry.get("id")) if isinstance(entry, dict) else None
            if record is None or not record["uploaded"] or record["completed"]:
                raise SlackApiFailure("file_not_found")
            # Stricter than Slack is known to be: the bytes sent must be the length declared.
            if len(record["content"]) != record["length"]:
                raise SlackApiFailure(
                    "invalid_arguments",
                    [_msg(f"uploaded {len(record['content'])} bytes, declared {record['length']}",
                          "/files")],
                )  # fmt: skip
            records.append((record, entry))
        out = []
        now = int(self.wall_clock())
        for record, entry in records:
            record.update(completed=True, title=entry.get("title") or record["name"])
            out.append({
                "id": record["id"], "created": now, "timestamp": now, "name": record["name"],
                "title": record["title"], "mimetype": "", "filetype": "", "user": self.bot_user_id,
                "size": len(record["content"]), "channels": list(targets),
                "shares": {}, "is_public": False,
            })  # fmt: skip
        for channel in targets:
            message = self._bot_message({"text": params.get("initial_comment") or ""})
            message.update(upload=True, files=copy.deepcopy(out))
            self._store(channel, message, params.get("thread_ts"))
        return {"files": out}

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        name = str(params.get("name") or "")
        if not name:
            raise SlackApiFailure("invalid_name")
        if not params.get("timestamp"):
            raise SlackApiFailure("no_item_specified")
        message = self._find(channel, str(params["timestamp"]))
        if message is None:
            raise SlackApiFailure("message_not_found")
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise SlackApiFailure("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {}
