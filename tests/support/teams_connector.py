"""A local stand-in for the Bot Connector service Teams bots talk to, for tests and benchmarks.

A real HTTP server (stdlib ThreadingHTTPServer on 127.0.0.1, free port, background thread).
Activities posted to the bot carry ``serviceUrl = standin.service_url``, so the bot's own SDK
client sends here unchanged::

    with TeamsConnectorStandIn() as bc:
        bc.add_member("29:alice", email="alice@example.org", name="Alice Smith")
        ...
        assert bc.sent_to(conversation_id)[-1]["attachments"][0]["content"]["type"] == "AdaptiveCard"
        assert bc.errors == []

What it answers (the Bot Framework v3 REST shapes the SDK uses):

* ``POST /v3/conversations`` (create a 1:1 conversation) → 201 ``{"id"}``
* ``POST /v3/conversations/{c}/activities[/{replyTo}]`` → 201 ``{"id"}``
* ``PUT /v3/conversations/{c}/activities/{id}`` → 200 (404 for an unknown id)
* ``GET /v3/conversations/{c}/members[/{user}]`` → members added with ``add_member``

Strictness, so what passes here passes in Teams:

* Every call must carry ``Authorization: Bearer …`` (401 otherwise).
* Message size counted as Teams counts it, UTF-16: over ``max_message_bytes`` (80 KB, the
  size Microsoft advises staying under; Teams itself refuses at about 100 KB) → 413
  ``MessageSizeTooBig``.
* Adaptive Cards are checked for the shape Teams renders: ``type``/``version``/``body``,
  known element and action types, unique input ids, ``Action.Execute``/``Action.Submit``
  with object ``data``.
* Rate limit: a token bucket per conversation and one for the bot as a whole; beyond it,
  429 with an honest ``Retry-After``. ``min_seconds_for(n)`` is the floor n sends need.
* Faults on demand: ``fail_next(status, times, retry_after=…)`` answers the next calls with
  429 or 502 etc.

Every call is recorded in ``calls``; non-2xx answers also in ``errors`` (except faults the
test asked for and 429s from the rate limit, listed in ``refused``).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_MESSAGE_BYTES = 80 * 1024
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ELEMENTS = {
    "TextBlock",
    "RichTextBlock",
    "Container",
    "ColumnSet",
    "Column",
    "FactSet",
    "Image",
    "ImageSet",
    "ActionSet",
    "Table",
    "Input.Text",
    "Input.Date",
    "Input.ChoiceSet",
    "Input.Number",
    "Input.Toggle",
    "Input.Time",
}
ACTIONS = {
    "Action.Execute",
    "Action.Submit",
    "Action.OpenUrl",
    "Action.ShowCard",
    "Action.ToggleVisibility",
}


@dataclass
class Call:
    method: str
    path: str
    status: int
    body: Any = None
    error: str = ""
    at: float = 0.0


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = field(default=-1.0)
    updated: float = 0.0

    def wait(self, now: float) -> float:
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1 - 1e-9:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class TeamsConnectorStandIn:
    def __init__(
        self,
        *,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        per_conversation: tuple[float, float] = (7.0, 7.0),  # burst, per second
        per_bot: tuple[float, float] = (50.0, 50.0),
    ):
        self.max_message_bytes = max_message_bytes
        self.per_conversation = per_conversation
        self.per_bot = per_bot
        self.members: dict[str, dict] = {}
        self.teams: dict[str, dict[str, str | None]] = {}  # team id -> {channel id: name}
        self.conversations: dict[
            str, dict
        ] = {}  # id -> {"members": [...], "activities": {id: act}}
        self.calls: list[Call] = []
        self.errors: list[Call] = []
        self.refused: list[Call] = []
        self._faults: list[tuple[int, float | None]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._buckets: dict[str, Bucket] = {}
        self._bot_bucket = Bucket(*per_bot)
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> TeamsConnectorStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _handle(self):
                standin._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll so that stop() returns at once (serve_forever's default is half a second).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    # -- set-up and inspection ---------------------------------------------------------------
    def add_member(
        self, user_id: str, *, email: str | None, name: str, upn: str | None = None, aad: str = ""
    ) -> dict:
        m = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad or f"aad-{user_id.split(':')[-1]}",
            "email": email,
            "userPrincipalName": upn or email,
            "givenName": name.split()[0],
            "surname": name.split()[-1],
            "tenantId": "tenant-1",
            "userRole": "user",
        }
        self.members[user_id] = m
        return m

    def add_conversation(self, conversation_id: str, members: list[str]) -> None:
        with self._lock:
            self.conversations.setdefault(conversation_id, {"members": members, "activities": {}})

    def add_team(self, team_id: str, channels: dict[str, str | None], members: list[str]) -> None:
        """A team: its channels (the General channel's id is the team id, name None) and
        members (the team id is also a conversation whose members can be listed)."""
        self.teams[team_id] = dict(channels)
        self.add_conversation(team_id, members)

    def fail_next(self, status: int, times: int = 1, *, retry_after: float | None = None) -> None:
        with self._lock:
            self._faults.extend([(status, retry_after)] * times)

    def sent_to(self, conversation_id: str) -> list[dict]:
        """Activities in a conversation as they stand now (updates applied), oldest first."""
        with self._lock:
            conv = self.conversations.get(conversation_id) or {"activities": {}}
            return list(conv["activities"].values())

    def activity(self, conversation_id: str, activity_id: str) -> dict:
        with self._lock:
            return self.conversations[conversation_id]["activities"][activity_id]

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.search(c.path)]

    def min_seconds_for(self, sends: int, conversations: int | None = None) -> float:
        """The shortest time ``sends`` messages can take here (one per conversation when
        ``conversations`` is None): the rate-limit floor a benchmark compares against."""
        burst, rate = self.per_bot
        floor = max(0.0, (sends - burst) / rate)
        if conversations:
            per = math.ceil(sends / conversations)
            cb, cr = self.per_conversation
            floor = max(floor, max(0.0, (per - cb) / cr))
        return floor

    # -- the server --------------------------------------------------------------------------
    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        call = Call(h.command, path, 0, at=time.monotonic())
        try:
            status, body = self._route(h, path, raw, call)
        except Exception as exc:  # noqa: BLE001 - a stand-in bug must show, not hang
            status, body = 500, {"error": {"code": "StandInError", "message": repr(exc)}}
        call.status = status
        with self._lock:
            self.calls.append(call)
            if status >= 400 and not call.error.startswith(("fault", "ratelimit")):
                self.errors.append(call)
            elif status >= 400:
                self.refused.append(call)
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if status == 429:
            h.send_header(
                "Retry-After", f"{call.body:.3f}" if isinstance(call.body, float) else "1"
            )
        h.end_headers()
        h.wfile.write(data)

    def _route(self, h, path: str, raw: bytes, call: Call) -> tuple[int, Any]:
        if not (h.headers.get("Authorization") or "").startswith("Bearer "):
            call.error = "no bearer token"
            return 401, {"error": {"code": "Unauthorized", "message": "no token"}}
        with self._lock:
            if self._faults:
                status, ra = self._faults.pop(0)
                call.error = f"fault {status}"
                if status == 429:
                    call.body = ra if ra is not None else 1.0
                return status, {"error": {"code": "Fault", "message": f"asked for {status}"}}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["v3", "teams"] and len(parts) == 4 and parts[3] == "conversations":
            team = self.teams.get(parts[2])
            if team is None:
                call.error = "unknown team"
                return 404, {"error": {"code": "NotFound", "message": parts[2]}}
            return 200, {"conversations": [{"id": i, "name": n} for i, n in team.items()]}
        if parts[:2] != ["v3", "conversations"]:
            call.error = "unknown path"
            return 404, {"error": {"code": "NotFound", "message": path}}
        body = json.loads(raw) if raw else None
        if len(parts) == 2 and h.command == "POST":
            return self._create_conversation(body, call)
        conv_id = parts[2]
        rest = parts[3:]
        if rest[:1] == ["members"] and h.command == "GET":
            return self._members(conv_id, rest[1] if len(rest) > 1 else None, call)
        if rest[:1] == ["activities"]:
            if h.command == "POST":
                return self._post_activity(
                    conv_id, body, raw, call, reply_to=rest[1] if len(rest) > 1 else None
                )
            if h.command == "PUT" and len(rest) == 2:
                return self._put_activity(conv_id, rest[1], body, raw, call)
        call.error = "unsupported"
        return 405, {"error": {"code": "BadRequest", "message": f"{h.command} {path}"}}

    def _create_conversation(self, body, call) -> tuple[int, Any]:
        members = [m.get("id") for m in (body or {}).get("members") or []]
        if len(members) != 1 or members[0] not in self.members:
            call.error = "bad members"
            return 400, {"error": {"code": "BadArgument", "message": "one known member needed"}}
        conv_id = f"a:1on1-{members[0].split(':')[-1]}"
        self.add_conversation(conv_id, members)
        call.body = body
        return 201, {"id": conv_id}

    def _members(self, conv_id: str, user_id: str | None, call) -> tuple[int, Any]:
        if user_id is None:
            conv = self.conversations.get(conv_id)
            ids = conv["members"] if conv else list(self.members)
            return 200, [self.members[i] for i in ids if i in self.members]
        m = self.members.get(user_id)
        if m is None:
            call.error = "member not found"
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": user_id}}
        call.body = user_id
        return 200, m

    def _limited(self, conv_id: str, call) -> float:
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(conv_id, Bucket(*self.per_conversation))
            wait = max(self._bot_bucket.wait(now), 0.0)
            if wait == 0.0:
                wait = bucket.wait(now)
                if wait > 0:  # give the bot-wide token back: the call was refused
                    self._bot_bucket.tokens += 1
        if wait > 0:
            call.error = "ratelimit"
            call.body = wait
        return wait

    def _check(self, body, raw: bytes, call) -> tuple[int, Any] | None:
        size = len(raw.decode("utf-8").encode("utf-16-le"))
        if size > self.max_message_bytes:
            call.error = f"message too big: {size} bytes as UTF-16"
            return 413, {"error": {"code": "MessageSizeTooBig", "message": call.error}}
        problem = check_activity(body or {})
        if problem:
            call.error = problem
            return 400, {"error": {"code": "BadArgument", "message": problem}}
        return None

    def _post_activity(self, conv_id, body, raw, call, reply_to=None) -> tuple[int, Any]:
        wait = self._limited(conv_id, call)
        if wait > 0:
            return 429, {"error": {"code": "TooManyRequests", "message": "slow down"}}
        bad = self._check(body, raw, call)
        if bad:
            return bad
        act_id = f"1{next(self._ids):012d}"
        with self._lock:
            conv = self.conversations.setdefault(conv_id, {"members": [], "activities": {}})
            conv["activities"][act_id] = {**body, "id": act_id, "replyToId": reply_to}
        call.body = body
        return 201, {"id": act_id}

    def _put_activity(self, conv_id, act_id, body, raw, call) -> tuple[int, Any]:
        wait = self._limited(conv_id, call)
        if wait > 0:
            return 429, {"error": {"code": "TooManyRequests", "message": "slow down"}}
        bad = self._check(body, raw, call)
        if bad:
            return bad
        with self._lock:
            acts = (self.conversations.get(conv_id) or {}).get("activities") or {}
            if act_id not in acts:
                call.error = "unknown activity"
                return 404, {"error": {"code": "ActivityNotFoundInConversation", "message": act_id}}
            acts[act_id] = {**body, "id": act_id, "updated": True}
        call.body = body
        return 200, {"id": act_id}


def check_activity(activity: dict) -> str:
    """'' if the activity is one Teams would show, else what is wrong with it."""
    if activity.get("type") != "message":
        return f"activity type {activity.get('type')!r}, expected 'message'"
    atts = activity.get("attachments") or []
    if not atts and not (activity.get("text") or "").strip():
        return "a message needs text or an attachment"
    for i, att in enumerate(atts):
        if att.get("contentType") != CARD_TYPE:
            continue
        problem = check_card(att.get("content") or {})
        if problem:
            return f"attachments[{i}]: {problem}"
    return ""


def check_card(card: dict) -> str:
    if card.get("type") != "AdaptiveCard":
        return "content.type must be AdaptiveCard"
    if not card.get("version"):
        return "card has no version"
    if not isinstance(card.get("body"), list) or not card["body"]:
        return "card has no body"
    ids: set[str] = set()

    def walk(items, where) -> str:
        for n, item in enumerate(items or []):
            here = f"{where}[{n}]"
            t = item.get("type")
            if t in ACTIONS:
                if t in ("Action.Execute", "Action.Submit") and not isinstance(
                    item.get("data", {}), dict
                ):
                    return f"{here}: data must be an object"
                if t == "Action.ShowCard":
                    p = check_card({"version": "1.5", **item.get("card", {})})
                    if p:
                        return f"{here}.card: {p}"
                continue
            if t not in ELEMENTS:
                return f"{here}: unknown element type {t!r}"
            if t.startswith("Input."):
                if not item.get("id"):
                    return f"{here}: input without id"
                if item["id"] in ids:
                    return f"{here}: duplicate input id {item['id']!r}"
                ids.add(item["id"])
            for key in ("items", "columns", "actions", "body"):
                if key in item:
                    p = walk(item[key], f"{here}.{key}")
                    if p:
                        return p
        return ""

    return walk(card["body"], "body") or walk(card.get("actions"), "actions")
