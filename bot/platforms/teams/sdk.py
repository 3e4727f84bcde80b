"""The Teams SDK, tamed: imported without side effects, given only our settings, run on one
long-lived event loop in a thread, with an HTTP timeout and 429/5xx retries.

The SDK (microsoft-teams-apps 2.1) loads a `.env` into the environment on import and reads
CLIENT_ID, CLIENT_SECRET, TENANT_ID, SERVICE_URL, PORT, CLOUD and friends by itself
(NOTES.md): the import here restores the environment afterwards and the App is built with
those variables hidden, so only TEAMS_* settings decide what it does. It is async only and
shares one httpx client, so sync code (jobs, CLI, our handlers) submits coroutines to one
loop with `TeamsLoop.run`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
from collections.abc import Coroutine
from contextlib import contextmanager
from typing import Any

import httpx

from bot.settings import Settings

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 30.0  # the SDK's default is none at all
MAX_RETRIES = 6  # 5xx and dropped connections
MAX_RATE_LIMIT_RETRIES = 15  # 429s: Retry-After says when; senders in parallel may lose a few
MAX_RETRY_WAIT = 60.0  # never sleep longer than this on one Retry-After
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# Variables the SDK reads by itself; hidden while the App is built.
_SDK_ENV = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TENANT_ID",
    "SERVICE_URL",
    "PORT",
    "CLOUD",
    "MANAGED_IDENTITY_CLIENT_ID",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS",
)
_env_lock = threading.Lock()


def _import_sdk():
    """Import the SDK and undo what its import did to os.environ (it loads a .env)."""
    before = dict(os.environ)
    import microsoft_teams.apps as apps  # noqa: F401 - the import is the point

    for key in set(os.environ) - set(before):
        del os.environ[key]
    for key, value in before.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
    return apps


@contextmanager
def _sdk_env_hidden():
    with _env_lock:
        saved = {k: os.environ.pop(k) for k in _SDK_ENV if k in os.environ}
        try:
            yield
        finally:
            os.environ.update(saved)


class LoopStopped(RuntimeError):
    """The Teams loop has stopped (the bot is shutting down): nothing more runs on it."""


class TeamsLoop:
    """One event loop in a daemon thread; sync code runs coroutines on it."""

    def __init__(self, name: str = "teams-loop"):
        self.loop = asyncio.new_event_loop()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            # Stopped: close it here, on its own thread (an event loop left open is a
            # ResourceWarning, and its selector's file descriptors stay open).
            try:
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            finally:
                self.loop.close()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 300.0) -> Any:
        if threading.current_thread() is self._thread:
            raise RuntimeError("TeamsLoop.run called from the loop itself: await instead")
        if self._stopped:
            coro.close()
            raise LoopStopped("the Teams loop has stopped")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop. What still runs on it is cancelled first, so a thread waiting in
        ``run`` hears at once (CancelledError; LoopStopped for anything asked later)
        instead of waiting out its timeout: a sweep's send cut off by SIGTERM held the
        process up to 300 s (tests/test_teams_runner.py). A send cut off mid-flight is of
        unknown outcome, so the sweep keeps its claim and the next one looks first."""
        if self._stopped:
            return
        self._stopped = True
        if threading.current_thread() is not self._thread and self.loop.is_running():

            async def cancel_the_rest() -> None:
                me = asyncio.current_task()
                rest = [t for t in asyncio.all_tasks() if t is not me]
                for t in rest:
                    t.cancel()
                if rest:
                    await asyncio.wait(rest, timeout=2)

            try:
                asyncio.run_coroutine_threadsafe(cancel_the_rest(), self.loop).result(5)
            except Exception:  # noqa: BLE001 - stopping regardless
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


class RetryMiddleware:
    """Retries the Bot Connector's 429 (honouring Retry-After) and 5xx answers, and dropped
    connections; the SDK retries nothing by itself. Waits on the event loop, not a thread."""

    def __init__(
        self,
        max_retries: int = MAX_RETRIES,
        max_rate_limited: int = MAX_RATE_LIMIT_RETRIES,
        sleep=asyncio.sleep,
        pacer=None,
    ):
        """``pacer`` (pacing.Pacer): a call refused with 429 waits its Retry-After, then for
        a slot like any paced send, so retries do not crowd out the sends already paced."""
        self.max_retries = max_retries
        self.max_rate_limited = max_rate_limited
        self.sleep = sleep
        self.pacer = pacer

    async def send(self, context, next):  # noqa: A002 - the SDK's parameter name
        attempt = 0
        while True:
            try:
                return await next()
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                limit = self.max_rate_limited if status == 429 else self.max_retries
                if status not in RETRY_STATUSES or attempt >= limit:
                    raise
                wait = retry_after(exc.response) if status == 429 else None
                if wait is None:
                    wait = min(0.25 * 2**attempt, 8.0) * (0.5 + random.random())
                elif self.pacer is None:  # jitter, so parallel senders do not all come back at once
                    wait += random.uniform(0, 0.05 + wait / 4)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                if attempt >= self.max_retries:
                    raise
                status = 0
                wait = min(0.25 * 2**attempt, 8.0)
            attempt += 1
            await self.sleep(min(wait, MAX_RETRY_WAIT))
            if self.pacer is not None and status == 429:
                # A retry may be a reply to someone waiting: it never waits for them to go.
                await self.pacer.slot(give_way=False)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def local_token(client_id: str) -> str:
    """A syntactically valid, unsigned JWT for outbound calls when authentication is off
    (emulators, tests): the SDK decodes the token but never checks it, and no call goes to
    Microsoft's login service."""
    import jwt

    now = int(time.time())
    claims = {
        "aud": "https://api.botframework.com",
        "appid": client_id,
        "iat": now,
        "exp": now + 24 * 3600,
    }
    return jwt.encode(claims, "local-unauthenticated-no-microsoft-token", algorithm="HS256")


def build_app(settings: Settings, *, adapter=None, cloud=None, token=None, pacer=None):
    """The SDK App from our settings alone. Authentication is on unless
    TEAMS_ALLOW_UNAUTHENTICATED=true, which also swaps Microsoft tokens for a local one.
    ``cloud`` (a CloudEnvironment) and ``token`` (a function giving the outbound token) are
    for tests, which sign activities with a key of their own and have no Microsoft login.
    ``pacer``: the connector's (pacing.py), which retries after a 429 wait for too."""
    apps = _import_sdk()
    from microsoft_teams.api.auth.cloud_environment import PUBLIC
    from microsoft_teams.common import Client, ClientOptions

    client = Client(ClientOptions(timeout=HTTP_TIMEOUT_SECONDS))
    client.use(RetryMiddleware(pacer=pacer))
    options: dict[str, Any] = {
        "client_id": settings.teams_client_id,
        "tenant_id": settings.teams_tenant_id or None,
        "dangerously_allow_unauthenticated_requests": settings.teams_allow_unauthenticated,
        "client": client,
        "cloud": cloud or PUBLIC,
        "service_url": "https://smba.trafficmanager.net/teams",
        "state": False,
        "fetch_user_token": False,
        "telemetry": {"agent365": False},
    }
    if settings.teams_allow_unauthenticated:
        log.warning(
            "TEAMS_ALLOW_UNAUTHENTICATED=true: the Teams endpoint accepts UNSIGNED requests and "
            "sends without a Microsoft token. For local emulators and tests only."
        )
        client_id = settings.teams_client_id
        options["token"] = lambda _scope, _tenant=None: local_token(client_id)  # never stale
    else:
        options["client_secret"] = settings.teams_client_secret or None
        if not settings.teams_client_secret and token is None:
            log.warning(
                "TEAMS_CLIENT_SECRET is not set: outbound calls will try Azure managed identity, "
                "which only works when the bot runs in Azure with one assigned"
            )
    if token is not None:
        options["token"] = token
    if adapter is not None:
        options["http_server_adapter"] = adapter
    with _sdk_env_hidden():
        return apps.App(**options)


def activity_dict(body: dict) -> dict:
    """An activity's JSON as it came, made what ``ctx.activity`` dumps to (what the handlers
    read): the SDK's two validations, as in its own request path, then a dump. The gate
    checked the body validates, so this runs off the loop, on the worker that handles it.
    Idempotent: a dict it made comes back the same."""
    from microsoft_teams.api import ActivityTypeAdapter
    from microsoft_teams.apps.events import CoreActivity

    core = CoreActivity.model_validate(body).model_dump(by_alias=True, exclude_none=True)
    return ActivityTypeAdapter.validate_python(core).model_dump(
        by_alias=True, exclude_none=True, mode="json"
    )
