"""The bot's Teams endpoint running for real in a test: the SDK app served over HTTP by
uvicorn (as in production), talking to the Bot Connector stand-in, on a real database, with
a fixed clock; and builders for the activities Teams posts.

    with TeamsBotHarness(engine, today) as bot:
        bot.post(bot.install("29:alice"))

With ``signer`` (tests/support/teams_signing.py) authentication is on and every activity
posted is signed with the test's key, as the Bot Framework signs it; ``settings`` adds or
overrides settings (TEAMS_TENANT_ID is ``TENANT`` and the stand-ins' 127.0.0.1 is on the
service URL allow-list unless a test says otherwise).
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.settings import Settings
from tests.support.teams_connector import TeamsConnectorStandIn

BOT_APP_ID = "00000000-0000-0000-0000-0000000b0700"
BOT_ID = f"28:{BOT_APP_ID}"
TENANT = "tenant-1"
_ids = itertools.count(1)


def personal_conversation(user_id: str) -> str:
    return f"a:1on1-{user_id.split(':')[-1]}"


class TeamsBotHarness:
    def __init__(
        self,
        engine: Engine,
        today: date,
        *,
        standin: TeamsConnectorStandIn | None = None,
        admin_emails: frozenset[str] = frozenset(),
        authenticated: bool = False,
        signer=None,
        settings: dict | None = None,
    ):
        self.engine = engine
        self.clock = FixedClock(datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC))
        self.bc = standin or TeamsConnectorStandIn()
        self._own = standin is None
        self.admin_emails = admin_emails
        self.signer = signer
        self.authenticated = authenticated or signer is not None
        self.extra = settings or {}

    def start(self) -> TeamsBotHarness:
        from bot.platforms.teams.server import TeamsRuntime

        if self._own:
            self.bc.start()
        from bot.platforms.teams.sdk import local_token

        options = {
            "teams_client_id": BOT_APP_ID,
            "teams_allow_unauthenticated": not self.authenticated,
            "teams_host": "127.0.0.1",
            "teams_tenant_id": TENANT,
            "teams_service_url_allow": "http://127.0.0.1",
            **self.extra,
        }
        settings = Settings(_env_file=None, **options)
        self.service = PlanService(self.engine, self.clock, admin_emails=self.admin_emails)
        signed = {}
        if self.signer is not None:
            # Inbound tokens checked against the test's key; outbound ones made locally
            # (there is no Microsoft login service here).
            signed = {"cloud": self.signer.cloud, "token": lambda *_: local_token(BOT_APP_ID)}
        self.runtime = TeamsRuntime(settings, self.service, **signed)
        port = self.runtime.serve(port=0)
        self.url = f"http://127.0.0.1:{port}/api/messages"
        self.base = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.runtime.stop()
        if self._own:
            self.bc.stop()

    def __enter__(self) -> TeamsBotHarness:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- HTTP ------------------------------------------------------------------------------------
    def post(
        self, activity: dict | bytes, headers: dict | None = None, *, sign: bool = True
    ) -> tuple[int, dict | None]:
        data = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        if self.signer is not None and sign and headers is None:
            url = activity.get("serviceUrl", "") if isinstance(activity, dict) else ""
            headers = {"Authorization": f"Bearer {self.signer.token(url)}"}
        req = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    # -- activities as Teams sends them --------------------------------------------------------
    def _base(
        self,
        user_id: str,
        *,
        conversation: str | None = None,
        ctype: str = "personal",
        activity_id: str | None = None,
        name: str = "",
    ) -> dict:
        m = self.bc.members.get(user_id, {})
        return {
            "id": activity_id or f"f:{next(_ids):08d}",
            "channelId": "msteams",
            "serviceUrl": self.bc.service_url,
            "timestamp": datetime.now(UTC).isoformat(),
            "from": {
                "id": user_id,
                "name": name or m.get("name", ""),
                "aadObjectId": m.get("aadObjectId"),
            },
            "recipient": {"id": BOT_ID, "name": "progressbot"},
            "conversation": {
                "id": conversation or personal_conversation(user_id),
                "conversationType": ctype,
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }

    def install(self, user_id: str) -> dict:
        """The bot added to a user's personal scope (conversationUpdate)."""
        self.bc.add_conversation(personal_conversation(user_id), [user_id])
        act = self._base(user_id)
        act.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
        return act

    def installation_update(self, user_id: str) -> dict:
        self.bc.add_conversation(personal_conversation(user_id), [user_id])
        act = self._base(user_id)
        act.update(type="installationUpdate", action="add")
        return act

    def team_install(self, team_id: str, team_name: str, by: str) -> dict:
        act = self._base(by, conversation=team_id, ctype="channel")
        act.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
        act["channelData"].update(
            team={"id": team_id, "name": team_name}, eventType="teamMemberAdded"
        )
        return act

    def message(self, user_id: str, text: str, *, activity_id: str | None = None) -> dict:
        act = self._base(user_id, activity_id=activity_id)
        act.update(type="message", text=text, textFormat="plain")
        return act

    def submit(
        self,
        user_id: str,
        value: dict,
        *,
        reply_to: str | None = None,
        activity_id: str | None = None,
    ) -> dict:
        """An ``Action.Submit``: a message activity carrying the card's data and inputs."""
        act = self._base(user_id, activity_id=activity_id)
        act.update(type="message", value=value)
        if reply_to:
            act["replyToId"] = reply_to
        return act

    def execute(
        self,
        user_id: str,
        data: dict,
        *,
        activity_id: str | None = None,
        reply_to: str | None = None,
    ) -> dict:
        """An ``Action.Execute``: an ``adaptiveCard/action`` invoke."""
        act = self._base(user_id, activity_id=activity_id)
        act.update(
            type="invoke",
            name="adaptiveCard/action",
            value={
                "action": {"type": "Action.Execute", "verb": data.get("k"), "data": data},
                "trigger": "manual",
            },
        )
        if reply_to:
            act["replyToId"] = reply_to
        return act
