"""Calls to the Bot Connector (through the SDK's API client): send, update in place, look a
member up, open a 1:1 chat. Async methods run on the Teams loop; the sync wrappers are for
code on other threads (handlers' workers, the scheduler, the CLI). 429s and 5xx answers are
retried by the SDK client's RetryMiddleware (sdk.py); what still fails raises
``ConnectorError`` with the status and any Retry-After. Only service URLs on the allow-list
(trust.py) are ever called: a stored or forged one elsewhere raises ConnectorError unsent.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.platforms.teams.cards import CARD_CONTENT_TYPE, MESSAGE_BUDGET, size_of
from bot.platforms.teams.pacing import Pacer
from bot.platforms.teams.sdk import TeamsLoop, retry_after

log = logging.getLogger(__name__)


class ConnectorError(Exception):
    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def message(card: dict | None = None, text: str = "") -> dict:
    """A message activity as Bot Framework JSON: optional text (what notifications and
    screen readers say) and one Adaptive Card."""
    act: dict[str, Any] = {"type": "message"}
    if text:
        act["text"] = text
    if card is not None:
        act["attachments"] = [{"contentType": CARD_CONTENT_TYPE, "content": card}]
    return act


def _activity(payload: dict):
    from microsoft_teams.api import MessageActivityInput
    from microsoft_teams.api.models import Attachment

    return MessageActivityInput(
        text=payload.get("text") or "",
        attachments=[
            Attachment(content_type=a["contentType"], content=a["content"])
            for a in payload.get("attachments") or []
        ]
        or None,
    )


def _error(what: str, exc: Exception) -> ConnectorError:
    if isinstance(exc, httpx.HTTPStatusError):
        r = exc.response
        try:
            detail = (r.json().get("error") or {}).get("message", "")
        except Exception:  # noqa: BLE001 - any body will do for the message
            detail = r.text[:200]
        return ConnectorError(
            f"{what}: HTTP {r.status_code} {detail}".strip(),
            status=r.status_code,
            retry_after=retry_after(r),
        )
    return ConnectorError(f"{what}: {exc}")


class TeamsConnector:
    def __init__(self, app, loop: TeamsLoop, *, allow=None, pacer: Pacer | None = None):
        """``allow``: a trust.ServiceUrlAllowList (None: Microsoft's hosts only). ``loop``:
        the loop the calls run on (server.py gives the connector one of its own, so sends
        never hold up the loop that answers Teams). ``pacer``: the app's rate limit
        (pacing.py)."""
        from bot.platforms.teams.trust import MICROSOFT_SERVICE_URLS, ServiceUrlAllowList

        self.app = app
        self.loop = loop
        self.pacer = pacer or Pacer()
        self.allow = allow or ServiceUrlAllowList(list(MICROSOFT_SERVICE_URLS))
        self._apis: dict[str, Any] = {}

    @property
    def bot_id(self) -> str:
        return self.app.id or ""

    def api(self, service_url: str):
        """The client for ``service_url``. Every call takes a token from the pacer: a
        paced send waits for it, any other call takes it at once."""
        if not self.allow.allows(service_url):
            # Every call carries the bot's bearer token: never to a host we do not know.
            raise ConnectorError("service URL not on TEAMS_SERVICE_URL_ALLOW: not sent")
        key = service_url.rstrip("/")
        api = self._apis.get(key)
        if api is None:
            api = self._apis[key] = self.app.api.clone(service_url=key)
        return api

    # -- async (on the loop) -------------------------------------------------------------------
    async def a_send(
        self, conversation_id: str, service_url: str, payload: dict, *, paced: bool = False
    ) -> str:
        """Send a message; ``paced`` (proactive messages) waits for a slot under the app's
        rate limit, anything else goes at once (see pacing.py)."""
        size = size_of(payload)
        if size > MESSAGE_BUDGET + 8 * 1024:
            raise ConnectorError(f"message of {size} bytes is over Teams' limit", status=413)
        api = self.api(service_url)  # refuses a service URL off the allow-list before waiting
        if paced:
            await self.pacer.slot()
        else:
            self.pacer.reserve()
        try:
            sent = await api.conversations.create_activity(conversation_id, _activity(payload))
        except (httpx.HTTPError, ValueError) as exc:
            raise _error(f"send to {conversation_id[:40]}", exc) from exc
        return sent.id

    async def a_update(
        self, conversation_id: str, service_url: str, activity_id: str, payload: dict
    ) -> None:
        act = _activity(payload)
        act.id = activity_id
        try:
            api = self.api(service_url)
            self.pacer.reserve()
            await api.conversations.update_activity(conversation_id, activity_id, act)
        except (httpx.HTTPError, ValueError) as exc:
            raise _error(f"update {activity_id}", exc) from exc

    async def a_member(self, conversation_id: str, service_url: str, user_id: str) -> dict | None:
        """Email, user principal name, name and AAD id of a member, or None if Teams does not
        know them in that conversation."""
        try:
            api = self.api(service_url)
            self.pacer.reserve()
            m = await api.conversations.get_member_by_id(conversation_id, user_id)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code in (403, 404):
                return None
            raise _error(f"member {user_id}", exc) from exc
        except httpx.HTTPError as exc:
            raise _error(f"member {user_id}", exc) from exc
        return m.model_dump(by_alias=True, exclude_none=True)

    async def a_members(self, conversation_id: str, service_url: str) -> list[dict]:
        """Every member of a conversation or team, with emails (one call on team install)."""
        try:
            api = self.api(service_url)
            self.pacer.reserve()
            ms = await api.conversations.get_members(conversation_id)
        except httpx.HTTPError as exc:
            raise _error(f"members of {conversation_id[:40]}", exc) from exc
        return [m.model_dump(by_alias=True, exclude_none=True) for m in ms]

    async def a_team_channels(self, service_url: str, team_id: str) -> list[dict]:
        try:
            api = self.api(service_url)
            self.pacer.reserve()
            chans = await api.teams.get_conversations(team_id)
        except httpx.HTTPError as exc:
            raise _error(f"channels of {team_id[:40]}", exc) from exc
        return [c.model_dump(by_alias=True, exclude_none=True) for c in chans]

    async def a_open_chat(self, service_url: str, user_id: str, tenant_id: str | None) -> str:
        """A 1:1 conversation with a user the bot has only met in a team."""
        from microsoft_teams.api import Account
        from microsoft_teams.api.clients.conversation.params import CreateConversationParams

        params = CreateConversationParams(
            members=[Account(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        try:
            api = self.api(service_url)
            self.pacer.reserve()
            conv = await api.conversations.create(params)
        except (httpx.HTTPError, ValueError) as exc:
            raise _error(f"open a chat with {user_id}", exc) from exc
        return conv.id

    # -- sync (any other thread) ---------------------------------------------------------------
    def send(
        self, conversation_id: str, service_url: str, payload: dict, *, paced: bool = False
    ) -> str:
        return self.loop.run(self.a_send(conversation_id, service_url, payload, paced=paced))

    def update(self, conversation_id: str, service_url: str, activity_id: str, payload: dict):
        return self.loop.run(self.a_update(conversation_id, service_url, activity_id, payload))

    def member(self, conversation_id: str, service_url: str, user_id: str) -> dict | None:
        return self.loop.run(self.a_member(conversation_id, service_url, user_id))

    def members(self, conversation_id: str, service_url: str) -> list[dict]:
        return self.loop.run(self.a_members(conversation_id, service_url))

    def team_channels(self, service_url: str, team_id: str) -> list[dict]:
        return self.loop.run(self.a_team_channels(service_url, team_id))

    def open_chat(self, service_url: str, user_id: str, tenant_id: str | None) -> str:
        return self.loop.run(self.a_open_chat(service_url, user_id, tenant_id))
