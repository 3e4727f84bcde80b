"""Acknowledging Slack promptly, and only what is already written down.

Slack wants every request answered within 3 s, and never sends again what it saw answered
(an event answered 200, any slash command or interaction). So the slow part of a request
runs after the answer, and the request is first stored in the durable inbox
(storage/inbox.py, through bot/platforms/inbox_worker.py): a crash, a kill or a restart
after the answer loses nothing, because whichever instance runs next finishes it from there.

- Commands and interactions: a listener calls ``after_ack(ack, kind, body)``, on bolt's
  thread: the body is stored, then acknowledged; the handler registered for ``kind`` runs on
  the worker pool with the stored body, the app's client and a ``respond`` for the body's
  response_url (all it needs, so it runs the same after a restart).
- Events: bolt answers an event before its listener runs, so they are stored by a
  middleware (``events_door``) ahead of bolt's listeners, which answers them itself.
- Past the backlog bound nothing is stored and the request is refused: an event gets 503
  (Slack retries it, up to three times over the next minutes), a command or a click an
  ephemeral "I'm busy", a form an error on its first field.

Kinds are stored with the request, so they are kept stable across versions.

Listeners that must finish at once (opening a modal: the trigger id lasts 3 s) stay
synchronous with ``acked``; they store nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable

from slack_bolt.context.respond import Respond
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.platforms.inbox_worker import ACK_GRACE_SECONDS, InboxWorker, Put

BUSY_TEXT = "I'm busy right now and didn't take that in: please try again in a minute."

log = logging.getLogger(__name__)
Work = Callable[[dict, WebClient, Respond], object]


def acked(ack, **kwargs) -> None:
    """Acknowledge, then give the acknowledgement time to leave before the slow work, on
    this thread: for the few listeners that must finish at once (opening a modal)."""
    ack(**kwargs)
    time.sleep(ACK_GRACE_SECONDS)


class AfterAck:
    """Listeners hold one as ``after_ack``. ``work(kind, fn)`` registers a handler;
    ``after_ack(ack, kind, body)`` stores a command or interaction, acknowledges it and runs
    ``fn(body, client, respond)`` on the pool; ``event(kind, fn, wanted)`` does the same for
    events that ``wanted(event)`` accepts."""

    def __init__(self, client: WebClient, make_worker: Callable[..., InboxWorker]):
        self.client = client
        self._works: dict[str, Work] = {}
        self._events: list[tuple[str, Callable[[dict], bool]]] = []
        self._door: list[tuple[re.Pattern, str]] = []
        self._many: dict[str, Callable[[list[dict], WebClient], object]] = {}
        self.inbox = make_worker(run=self._run, run_many=self._run_many, batched=self._many)

    def work(self, kind: str, fn: Work) -> None:
        self._works[kind] = fn

    def work_many(self, kind: str, fn: Callable[[list[dict], WebClient], object]) -> None:
        """Requests of ``kind`` queued together are handled by one call ``fn(bodies,
        client)`` (``work(kind, …)`` still handles one alone, after a failed batch)."""
        self._many[kind] = fn

    def event(self, kind: str, fn: Work, wanted: Callable[[dict], bool]) -> None:
        self.work(kind, fn)
        self._events.append((kind, wanted))

    def at_door(self, action_id: re.Pattern, kind: str) -> None:
        """Button clicks whose action id matches are stored as ``kind`` by the HTTP gate
        itself (``door``), without going through bolt: their answer is a plain 200."""
        self._door.append((action_id, kind))

    def door(self, body: dict, raw: str | None = None) -> bool:
        """For the HTTP gate (http_gate.py), given a verified interaction's payload: store a
        click registered ``at_door`` and return True (the gate answers 200); False for
        anything else, which goes on to bolt. A status click took 1.4 ms of the bot's one
        interpreter in bolt's listener machinery before it was stored, and 50 owners click
        at once; here it takes the store alone (bench/bench_under_load.py). ``raw``: the
        payload's JSON as it came, stored as it is rather than dumped again."""
        if body.get("type") != "block_actions" or not self._door:
            return False
        actions = body.get("actions")
        if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
            return False
        action_id = actions[0].get("action_id")
        if not isinstance(action_id, str):
            return False
        kind = next((k for rx, k in self._door if rx.search(action_id)), None)
        if kind is None:
            return False
        # Answered by the gate: ack() has nothing to send.
        self(lambda **_kw: None, kind, body, _raw=raw, _at_door=True)
        return True

    def __call__(self, ack, kind: str, body: dict, _raw: str | None = None,
                 _at_door: bool = False, **ack_kwargs) -> None:  # fmt: skip
        got = self.inbox.put(kind, _delivery_key(body), body, raw=_raw, at_door=_at_door)
        if got is Put.BUSY:
            _refuse(ack, body)
            return
        ack(**ack_kwargs)

    def events_door(self, body: dict, next_):
        """bolt middleware: store an event we handle before it is answered; answer it."""
        event = body.get("event") if body.get("type") == "event_callback" else None
        kind = None
        if isinstance(event, dict):
            kind = next((k for k, wanted in self._events if wanted(event)), None)
        if kind is None:
            return next_()
        event_id = body.get("event_id") or event.get("client_msg_id") or event.get("ts")
        if self.inbox.put(kind, f"slack:{event_id}", body) is Put.BUSY:
            return BoltResponse(status=503, body="busy: send it again later")
        return BoltResponse(status=200, body="")

    def _run(self, kind: str, body: dict) -> None:
        fn = self._works.get(kind)
        if fn is None:
            log.error("Slack: no handler for stored request kind %r; dropped", kind)
            return
        fn(body, self.client, respond_to(body))

    def _run_many(self, kind: str, bodies: list[dict]) -> None:
        self._many[kind](bodies, self.client)


def respond_to(body: dict) -> Respond:
    """The ``respond`` for a stored body: its response_url."""
    return Respond(response_url=_response_url(body))


def _delivery_key(body: dict) -> str:
    """Slack's id for this request: the trigger id (one per command invocation and per
    interaction), else a digest of the body."""
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"slack:trig:{trigger}"
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return f"slack:body:{digest}"


def _response_url(body: dict) -> str | None:
    url = body.get("response_url")
    if not url:
        urls = body.get("response_urls") or [{}]
        url = urls[0].get("response_url") if isinstance(urls[0], dict) else None
    return url if isinstance(url, str) and url else None


def _refuse(ack, body: dict) -> None:
    """The backlog is full: say so in the way each kind of request can show it."""
    if body.get("type") == "view_submission":
        blocks = (body.get("view") or {}).get("blocks") or []
        first = next((b.get("block_id") for b in blocks if b.get("type") == "input"), None)
        if first:
            ack(response_action="errors", errors={first: BUSY_TEXT})
            return
    if body.get("command"):
        ack(response_type="ephemeral", text=BUSY_TEXT)
        return
    ack()
    url = _response_url(body)
    if url:
        try:
            Respond(response_url=url)(
                text=BUSY_TEXT, response_type="ephemeral", replace_original=False
            )
        except Exception as exc:  # noqa: BLE001 - refused either way; nothing was stored
            log.warning("Slack: could not tell a user the bot is busy (%s)", type(exc).__name__)
