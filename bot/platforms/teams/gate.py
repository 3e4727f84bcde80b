"""The door Teams' requests come through, in front of the SDK's handler for /api/messages.

In this order, so the cheap refusals come before any parsing or key look-up:

1. the body is capped at MAX_BODY_BYTES (Teams' largest activities, a card's inputs, are
   tens of kilobytes): a larger Content-Length gets 413 before a byte of the body is read,
   and a chunked body is read only until it passes the cap;
2. JSON nested deeper than MAX_DEPTH gets 400 before it is parsed (a counting pass over the
   raw bytes, strings left out): the SDK's models would recurse on it and answer 500;
3. with authentication on, the Bot Framework token must validate (the SDK's own validator):
   otherwise 401, whatever the body;
4. an activity missing what the SDK needs, or not of an activity's shape, gets 400 saying
   what is wrong (the SDK would answer 500 with a traceback);
5. the activity's tenant must be one of ours (bot/platforms/teams/trust.py), else 403;
6. its serviceUrl must be on the allow-list (the bot answers there, with a bearer token),
   else 403.

A refusal is one short log line (status, reason, size, peer): never the body or headers.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import Request
from fastapi.responses import JSONResponse

from bot.platforms.teams.trust import ServiceUrlAllowList, allowed_tenants, tenant_of
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32  # an Action.Execute's inputs sit 5 deep; nothing Teams sends nears 32
REQUIRED = ("type", "id", "serviceUrl", "from.id", "recipient.id", "conversation.id")

# A JSON string, escapes and all, or an unterminated one running to the end: every match
# attempt succeeds, so a body full of quotes costs one pass, not one pass per quote.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.S)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_OPEN = frozenset(b"[{")


class Refused(Exception):
    def __init__(self, status: int, reason: str, answer: str):
        super().__init__(reason)
        self.status, self.reason, self.answer = status, reason, answer


def json_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep ``raw`` nests, counted up to ``limit + 1`` (no need to go further)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for c in brackets:
        if c in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    break
        else:
            depth -= 1
    return deepest


def activity_problem(body) -> str:
    """'' when the SDK can take the activity, else what is wrong with it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (a Bot Framework activity)"
    missing = []
    for path in REQUIRED:
        node = body
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, str) or not node.strip():
            missing.append(path)
    if missing:
        return f"activity is missing {', '.join(missing)}"
    from microsoft_teams.api import ActivityTypeAdapter
    from pydantic import ValidationError

    try:
        ActivityTypeAdapter.validate_python(body)
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        where = ""
        if isinstance(exc, ValidationError) and exc.errors():
            where = " at " + ".".join(str(p) for p in exc.errors()[0]["loc"][:6])
        return f"not a Bot Framework activity{where}"
    return ""


class TeamsGate:
    def __init__(self, settings: Settings, validator=None):
        """``validator``: the SDK's InboundActivityTokenValidator (None: authentication off)."""
        self.validator = validator
        self.tenants = allowed_tenants(settings)
        self.allow = ServiceUrlAllowList.from_settings(settings)

    async def admit(self, request: Request) -> dict | JSONResponse:
        """The activity, when it may go to the SDK; else the answer that refuses it."""
        size: int | None = None
        try:
            size = _declared_length(request)
            raw = await _read_capped(request)
            size = len(raw)
            body = self._parsed(raw)
            if self.validator is not None and not await self._signed(request, body):
                raise Refused(401, "not signed by the Bot Framework", "Unauthorized")
            problem = activity_problem(body)
            if problem:
                raise Refused(400, "signed but malformed" if self.validator else problem, problem)
            self._check_origin(body)
            request.state.activity_json = raw.decode()  # for the durable inbox (server.py)
        except Refused as r:
            log.warning(
                "Teams request refused (%s): %s, %s bytes from %s",
                r.status,
                r.reason,
                "?" if size is None else f"{size:,}",
                request.client.host if request.client else "?",
            )
            return JSONResponse({"error": r.answer}, status_code=r.status)
        return body

    def _parsed(self, raw: bytes):
        if json_depth(raw) > MAX_DEPTH:
            raise Refused(
                400, "JSON nested too deep", f"JSON nested deeper than {MAX_DEPTH} levels"
            )
        try:
            return json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            return None  # "not JSON" is said after the signature check

    async def _signed(self, request: Request, body) -> bool:
        auth = request.headers.get("authorization") or ""
        if not auth.startswith("Bearer "):
            return False
        service_url = body.get("serviceUrl") if isinstance(body, dict) else None
        try:
            await self.validator.validate_token(
                auth.removeprefix("Bearer "), service_url if isinstance(service_url, str) else None
            )
        except Exception:  # noqa: BLE001 - any failure is "not signed"
            return False
        return True

    def _check_origin(self, body: dict) -> None:
        if self.tenants:
            tenant = tenant_of(body)
            if tenant not in self.tenants:
                shown = re.sub(r"[^A-Za-z0-9.-]", "?", (tenant or "none")[:64])  # one line
                raise Refused(
                    403,
                    f"tenant {shown} is not ours",
                    "this bot serves another organisation's tenant",
                )
        if not self.allow.allows(body["serviceUrl"]):
            raise Refused(
                403,
                "serviceUrl not on TEAMS_SERVICE_URL_ALLOW",
                "the activity's serviceUrl is not one this bot answers",
            )


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    if not declared.strip().isdigit() or len(declared) > 15:
        raise Refused(400, "bad Content-Length", "bad Content-Length")
    length = int(declared)
    if length > MAX_BODY_BYTES:
        raise Refused(413, f"body of {length:,} bytes too large", "body too large")
    return length


async def _read_capped(request: Request) -> bytes:
    """The body, read only as far as the cap (a chunked body declares no length)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"body over {MAX_BODY_BYTES:,} bytes", "body too large")
        chunks.append(chunk)
    return b"".join(chunks)
