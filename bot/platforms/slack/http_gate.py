"""The door Slack's HTTP requests come through (HTTP mode), in front of bolt.

Nothing of a request is parsed, stored or logged until it is known to come from Slack:

- only ``POST /slack/events`` (and ``GET /healthz``) are served;
- the body is capped at MAX_BODY_BYTES: Slack's largest requests (a button click carrying
  the whole message, a modal's state) are tens of kilobytes. A larger Content-Length is
  refused before a byte of the body is read (waitress is given the same cap, so a chunked
  body is cut off too);
- the signature (HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret) is checked
  over the raw bytes, and the timestamp must be a number within the five-minute window:
  anything else is 401, never 500;
- a signed slash command or interaction is handled once: a replay of it (same signature, so
  same timestamp and body) inside the window is answered 200 and not handed to bolt again,
  across instances (the signature is stored through storage/chat.py first_delivery, on the
  small connection pool that answers chat platforms, storage/engine.py side_engine, so work
  holding every connection of the main pool never delays an answer). Events (JSON) are left
  to the durable inbox (ack.py), which stores an event id once;
- a refusal is logged as one short line: the reason, the size and the peer — never the body
  or the headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from io import BytesIO
from urllib.parse import parse_qs

from bot.core.service import PlanService
from bot.foreground import answered, arrived
from storage.chat import first_delivery
from storage.engine import side_engine, urgent, write_session

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024
# A few seconds inside bolt's own five minutes, so bolt (which checks again, and would log
# a refused body whole) never sees a request it would refuse.
MAX_AGE_SECONDS = 300 - 10


class SlackHttpGate:
    """WSGI app: checks a request, then hands it to ``inner`` (bolt's WSGI handler)."""

    def __init__(self, inner, signing_secret: str, service: PlanService | None, door=None):
        if not signing_secret:
            raise ValueError("HTTP mode needs a signing secret")
        self.inner = inner
        self.secret = signing_secret.encode()
        self.service = service
        # ack.py AfterAck.door: stores the clicks it knows and says so, without bolt.
        self.door = door
        self.engine = side_engine(service.engine) if service else None

    def close(self) -> None:
        """Closes the gate's own connections (the service's engine is not the gate's)."""
        if self.engine is not None and self.service and self.engine is not self.service.engine:
            self.engine.dispose()

    def __call__(self, environ, start_response):
        # The sweep holds back while a request is answered; the inbox's work waits for it.
        arrived()
        try:
            return self._answer(environ, start_response)
        finally:
            answered()

    def _answer(self, environ, start_response):
        path, method = environ.get("PATH_INFO") or "", environ.get("REQUEST_METHOD") or ""
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _answer(start_response, "200 OK", b"ok")
        if path != PATH:
            return _answer(start_response, "404 Not Found", b"not found")
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed", b"POST only")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(start_response, environ, "400 Bad Request", "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return self._refuse(
                start_response, environ, "413 Payload Too Large", "body too large", length
            )
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        reason = self._signature_problem(environ, body)
        if reason:
            return self._refuse(start_response, environ, "401 Unauthorized", reason, len(body))
        parsed, raw = _parsed(body, environ.get("CONTENT_TYPE") or "")
        if parsed is _MALFORMED:
            return self._refuse(
                start_response, environ, "400 Bad Request", "signed but malformed", len(body)
            )
        if isinstance(parsed, dict) and self.door is not None and self.door(parsed, raw):
            # Stored (a click whose answer is a plain 200: ack.py AfterAck.door), or a
            # replay of one already stored; either way not for bolt. The inbox is unique on
            # the click's trigger id, so this is the replay check too.
            return _answer(start_response, "200 OK", b"")
        if not _is_event(body, environ.get("CONTENT_TYPE") or "") and not self._first_time(environ):
            log.info("Slack request replayed: answered, not handled again (%d bytes)", len(body))
            return _answer(start_response, "200 OK", b"")
        environ = dict(environ)
        environ["wsgi.input"] = BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.inner(environ, start_response)

    def _signature_problem(self, environ, body: bytes) -> str:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not timestamp or not signature:
            return "unsigned"
        if not timestamp.isdigit() or len(timestamp) > 12:
            return "timestamp not a number"
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return "timestamp outside the five-minute window"
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "bad signature"
        return ""

    def _first_time(self, environ) -> bool:
        if self.service is None:
            return True
        signature = environ["HTTP_X_SLACK_SIGNATURE"]
        with urgent(), write_session(self.engine) as s:  # before the ack: first at the gate
            return first_delivery(s, f"slack:sig:{signature[3:]}", now=self.service.clock.now())

    def _refuse(self, start_response, environ, status: str, reason: str, size: int | None = None):
        shown = "?" if size is None else f"{size:,}"
        log.warning(
            "Slack request refused (%s): %s, %s bytes from %s",
            status.split()[0],
            reason,
            shown,
            environ.get("REMOTE_ADDR") or "?",
        )
        return _answer(start_response, status, status.split(" ", 1)[1].lower().encode())


def _answer(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _is_event(body: bytes, content_type: str) -> bool:
    return content_type.startswith("application/json") or body.lstrip().startswith(b"{")


_MALFORMED = object()


def _parsed(body: bytes, content_type: str):
    """What bolt will parse (JSON, or a form whose `payload` is JSON) does parse: (an
    interaction's payload as a dict, and as the JSON text it came in) or (None, None) for
    JSON and slash commands; (_MALFORMED, None) when it does not parse."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json") or text.lstrip().startswith("{"):
            json.loads(text)
        else:
            payload = parse_qs(text).get("payload")
            if payload:
                return json.loads(payload[0]), payload[0]
    except (UnicodeDecodeError, ValueError):
        return _MALFORMED, None
    return None, None
