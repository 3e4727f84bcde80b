"""A local stand-in for Slack's Socket Mode, beside the Web API stand-in (slack_api.py).

Slack's side of Socket Mode, as the app sees it:

* the app calls ``apps.connections.open`` with its app-level token (``xapp-…``) and gets a
  one-time ``wss://`` URL; here ``SlackStandIn`` answers with this server's
  ``ws://127.0.0.1:PORT/link/?ticket=N`` (a ticket is good for one connection);
* on connecting, Slack sends ``{"type": "hello", …}``;
* every slash command, interaction and event arrives as an envelope
  ``{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "payload",
  "accepts_response_payload", "retry_attempt", "retry_reason"}`` on one of the app's
  connections, and the app must acknowledge it within 3 seconds by sending back
  ``{"envelope_id": …}`` (with a ``payload`` where ``accepts_response_payload``, e.g. a
  modal's ``response_action``);
* Slack may ask the app to go elsewhere with ``{"type": "disconnect", "reason": …}`` (the app
  opens a new connection, then the old one closes), and a connection can simply drop.
* An Events API envelope that was never acknowledged is delivered again (``retry_attempt``
  one higher) on a later connection; slash commands and interactions are not (the user sees
  an error and may try again).

Use::

    with SlackStandIn() as slack, SocketModeStandIn(slack) as sm:
        ... start the app with SLACK_APP_TOKEN=slack.app_token ...
        sm.wait_for_connections(1)
        env = sm.send("slash_commands", {...})
        ack = sm.wait_ack(env)            # fails the test if not acknowledged within 3 s
        sm.send_disconnect()              # the app reconnects
        sm.drop()                         # the newest connection dies without a close frame

Everything the server saw is recorded: ``acks`` (envelope id -> ack and seconds taken),
``connections_made``, ``late_acks`` (acknowledged after 3 s) and ``protocol_errors``
(anything Slack would reject: bad JSON, an ack for an unknown envelope, a second ack).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

ACK_SECONDS = 3.0


@dataclass
class _Sent:
    envelope: dict[str, Any]
    sent_at: float
    connection: int


@dataclass
class _Conn:
    number: int
    ws: ServerConnection
    opened_at: float
    closed: threading.Event = field(default_factory=threading.Event)


class SocketModeStandIn:
    def __init__(self, slack, *, ack_seconds: float = ACK_SECONDS):
        self.slack = slack
        self.ack_seconds = ack_seconds
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._numbers = itertools.count(1)
        self._conns: list[_Conn] = []
        self.connections_made = 0
        self.sent: dict[str, _Sent] = {}
        self.acks: dict[str, tuple[dict[str, Any], float]] = {}
        self.late_acks: list[str] = []
        self.protocol_errors: list[str] = []
        self.delivered: list[tuple[str, int]] = []  # (envelope id, connection number)
        self._server = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> SocketModeStandIn:
        self._server = serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"socket-mode-{self.port}"
        )
        self._thread.start()
        self.slack.socket_mode = self
        return self

    def stop(self) -> None:
        self.slack.socket_mode = None
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.ws.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SocketModeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what apps.connections.open hands out -------------------------------------------------
    def new_url(self) -> str:
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.slack.app_id}"

    # -- the server side of one connection ----------------------------------------------------
    def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        ticket = path.split("ticket=", 1)[1].split("&", 1)[0] if "ticket=" in path else ""
        with self._lock:
            if ticket not in self._tickets:
                self.protocol_errors.append(f"connection with an unknown or used ticket: {path}")
                ws.close(code=1008, reason="invalid ticket")
                return
            self._tickets.discard(ticket)
            conn = _Conn(next(self._numbers), ws, time.monotonic())
            self._conns.append(conn)
            self.connections_made += 1
            pending = self._unacked_events()
        ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self.live_connections()),
                    "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.slack.app_id},
                }
            )
        )
        # Events never acknowledged are delivered again, as Slack retries them.
        for env in pending:
            env = {**env, "retry_attempt": env.get("retry_attempt", 0) + 1}
            env["retry_reason"] = "timeout"
            self._deliver(conn, env)
        with self._changed:
            self._changed.notify_all()
        try:
            for message in ws:
                self._on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                conn.closed.set()
                if conn in self._conns:
                    self._conns.remove(conn)
                self._changed.notify_all()

    def _on_message(self, conn: _Conn, message: str | bytes) -> None:
        try:
            data = json.loads(message)
            envelope_id = data["envelope_id"]
        except (ValueError, KeyError, TypeError):
            self.protocol_errors.append(f"not an acknowledgement: {message!r:.200}")
            return
        with self._changed:
            if conn.closed.is_set():
                return  # arrived on a connection already dropped: never reaches Slack
            sent = self.sent.get(envelope_id)
            if sent is None:
                self.protocol_errors.append(f"ack for an unknown envelope {envelope_id}")
            elif envelope_id in self.acks:
                self.protocol_errors.append(f"second ack for {envelope_id}")
            else:
                took = time.monotonic() - sent.sent_at
                if "payload" in data and not sent.envelope.get("accepts_response_payload"):
                    self.protocol_errors.append(f"payload in the ack of {envelope_id}")
                self.acks[envelope_id] = (data, took)
                if took > self.ack_seconds:
                    self.late_acks.append(envelope_id)
            self._changed.notify_all()

    def _unacked_events(self) -> list[dict[str, Any]]:
        return [
            s.envelope
            for eid, s in self.sent.items()
            if s.envelope["type"] == "events_api"
            and eid not in self.acks
            and not any(c.number == s.connection for c in self._conns)
        ]

    def _deliver(self, conn: _Conn, envelope: dict[str, Any]) -> None:
        with self._lock:
            self.sent[envelope["envelope_id"]] = _Sent(envelope, time.monotonic(), conn.number)
            self.delivered.append((envelope["envelope_id"], conn.number))
        conn.ws.send(json.dumps(envelope))

    # -- what a test does ---------------------------------------------------------------------
    def live_connections(self) -> list[int]:
        with self._lock:
            return [c.number for c in self._conns if not c.closed.is_set()]

    def wait_for_connections(self, made: int, timeout: float = 30.0) -> None:
        """Wait until ``made`` connections have been opened in all and one is live."""
        with self._changed:
            ok = self._changed.wait_for(
                lambda: self.connections_made >= made and self._conns, timeout=timeout
            )
        if not ok:
            raise AssertionError(
                f"the app opened {self.connections_made} connections, expected {made}"
            )

    def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Send an envelope on the newest live connection; returns its envelope id."""
        if kind not in ("slash_commands", "interactive", "events_api"):
            raise ValueError(kind)
        if accepts_response_payload is None:
            accepts_response_payload = kind != "events_api"
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            live = [c for c in self._conns if not c.closed.is_set()]
            if not live:
                raise AssertionError("the app has no open Socket Mode connection")
            conn = live[-1]
        self._deliver(conn, envelope)
        return envelope["envelope_id"]

    def wait_ack(self, envelope_id: str, timeout: float | None = None) -> dict[str, Any]:
        """The app's acknowledgement of an envelope; fails if none comes in time (3 s)."""
        limit = self.ack_seconds if timeout is None else timeout
        with self._changed:
            ok = self._changed.wait_for(lambda: envelope_id in self.acks, timeout=limit)
        if not ok:
            raise AssertionError(f"envelope {envelope_id} was not acknowledged in {limit} s")
        return self.acks[envelope_id][0]

    def send_disconnect(self, reason: str = "refresh_requested") -> int:
        """Ask the app to reconnect (as Slack does every few hours); returns the connection
        told to go."""
        with self._lock:
            conn = self._conns[-1]
        conn.ws.send(
            json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}})
        )
        return conn.number

    def drop(self) -> int:
        """Kill the newest connection without a close frame (a network fault). From this
        moment nothing more is read from it: an ack still in flight is lost, as it would be."""
        with self._changed:
            conn = self._conns[-1]
            conn.closed.set()
            self._conns.remove(conn)
            self._changed.notify_all()
        conn.ws.socket.shutdown(2)
        conn.ws.socket.close()
        return conn.number

    def close_connection(self, number: int, timeout: float = 10.0) -> None:
        """Close a connection properly (Slack closes the old one after a ``disconnect``)."""
        with self._lock:
            conn = next((c for c in self._conns if c.number == number), None)
        if conn is not None:
            conn.ws.close(code=1000, reason="disconnect")
            conn.closed.wait(timeout)
