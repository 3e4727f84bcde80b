"""The Teams endpoint: the SDK's App served by uvicorn on its own event loop thread, with
``POST /api/messages`` (authenticated by the SDK unless TEAMS_ALLOW_UNAUTHENTICATED) and
``GET /healthz``.

Before the SDK sees a request the gate (gate.py) caps its size (413) and nesting (400),
checks its signature (401), its shape (400), its tenant and serviceUrl (403): never 500,
and nothing is stored from a refused request. trust.py says which settings it starts with.
Message activities are stored in the durable inbox by the route itself, without the SDK's
dispatch, before they are answered (so a crash after the 200 loses none; past the backlog
bound they get 503 and the sender is told the bot is busy) and handled from there on its
worker threads (bot/platforms/inbox_worker.py); other activities go through the SDK to
their handlers and are handled on a worker thread; an
``Action.Execute`` invoke is answered with the replacement card when the work takes under
``EXECUTE_BUDGET_SECONDS``, else with an interim card that is replaced when it is done.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from fastapi import Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.core.service import PlanService
from bot.foreground import answered, arrived
from bot.platforms.inbox_worker import InboxWorker, Put
from bot.platforms.teams.activities import TeamsBot, is_status_click, message_key
from bot.platforms.teams.cards import CARD_CONTENT_TYPE, text_card
from bot.platforms.teams.connector import TeamsConnector, message
from bot.platforms.teams.gate import TeamsGate
from bot.platforms.teams.pacing import Pacer
from bot.platforms.teams.people import TeamsPeople
from bot.platforms.teams.sdk import TeamsLoop, activity_dict, build_app
from bot.platforms.teams.trust import (
    ServiceUrlAllowList,
    TeamsSettingsError,
    bind_host,
    check_startup,
    is_loopback,
)
from bot.settings import Settings
from storage.engine import urgent

log = logging.getLogger(__name__)
MESSAGING_ENDPOINT = "/api/messages"
EXECUTE_BUDGET_SECONDS = 2.5
# Threads handling stored messages. Each spends most of its time waiting for the Bot
# Connector to take its answer (45 of 56 ms a click), so more than Slack's 4 pay: 50
# owners clicking at once were stored in 0.76 s (p95) with 4 (bench/bench_under_load.py).
INBOX_WORKERS = 12
MESSAGE_KIND, STATUS_KIND = "teams.message", "teams.status"  # the inbox's kinds of row
BUSY_TEXT = "I'm busy right now and didn't take that in: please try again in a minute."


def _guarded_adapter(settings: Settings, take_message, cloud=None):
    """The SDK's FastAPI adapter with /healthz, and the gate (gate.py) in front of the route:
    size, depth, signature, shape, tenant and serviceUrl are checked before the SDK sees it.
    A message the gate admits is stored by ``take_message(activity, its JSON)`` (an HTTP
    status back) and never reaches the SDK: all the bot does with one on the request is
    store it, and the SDK's dispatch (the activity parsed twice more, a turn context built,
    the token checked a second time) was about 1 ms of the route's 1.7 (the bare SDK app's
    whole route takes 1.2; bench/bench_teams.py). Everything else goes on to the SDK's
    handlers."""
    from microsoft_teams.apps.auth import InboundActivityTokenValidator
    from microsoft_teams.apps.http import FastAPIAdapter

    auth_on = not settings.teams_allow_unauthenticated
    validator = (
        InboundActivityTokenValidator(settings.teams_client_id, cloud=cloud) if auth_on else None
    )
    gate = TeamsGate(settings, validator)

    class GuardedAdapter(FastAPIAdapter):
        def register_route(self, method, path, handler):
            async def route(request: Request) -> Response:
                # The sweep holds back while a request is answered; the inbox's work waits.
                arrived()
                try:
                    return await answer(request)
                finally:
                    answered()

            async def answer(request: Request) -> Response:
                body = await gate.admit(request)
                if isinstance(body, Response):
                    return body
                if body["type"] == "message":
                    # Stored as the JSON that came: the loop neither parses it into the SDK's
                    # models nor encodes it again.
                    return Response(
                        status_code=await take_message(body, request.state.activity_json)
                    )
                result = await handler({"body": body, "headers": dict(request.headers)})
                if result.get("body") is not None:
                    return JSONResponse(result["body"], status_code=result["status"])
                return Response(status_code=result["status"])

            self.app.post(path)(route)

    adapter = GuardedAdapter()
    adapter.app.get("/healthz")(lambda: PlainTextResponse("ok"))
    return adapter


class TeamsRuntime:
    """Everything Teams in one process: the loop, the SDK App, the connector, the bot."""

    def __init__(
        self,
        settings: Settings,
        service: PlanService,
        *,
        workers: int = 8,
        cloud=None,
        token=None,
    ):
        """``cloud`` and ``token`` are for tests: a CloudEnvironment whose OpenID metadata is
        a local signing key's, and an outbound token in place of Microsoft's login service."""
        check_startup(settings)  # before anything listens or sends
        self.settings = settings
        self.service = service
        self.loop = TeamsLoop()
        adapter = _guarded_adapter(settings, self._take_message, cloud)
        pacer = Pacer()
        self.app = build_app(settings, adapter=adapter, cloud=cloud, token=token, pacer=pacer)
        self.loop.run(self.app.initialize())
        # Calls to the Bot Connector run on a loop of their own: a sweep's sends (50 a
        # second, each a request built and an answer parsed) must not hold up the loop that
        # acknowledges owners' clicks (bench/bench_under_load.py).
        self.send_loop = TeamsLoop("teams-send")
        self.connector = TeamsConnector(
            self.app,
            self.send_loop,
            allow=ServiceUrlAllowList.from_settings(settings),
            pacer=pacer,
        )
        # An unsigned activity may say anything: it never moves a stored serviceUrl.
        self.people = TeamsPeople(
            service, self.connector, trust_service_url=not settings.teams_allow_unauthenticated
        )
        self.bot = TeamsBot(service, self.connector, self.people)
        from bot.platforms.teams.notifier import TeamsNotifier

        self.notifier = TeamsNotifier(self.connector, service, self.people)
        self.bot.notifier = self.notifier
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="teams-worker")
        self._server = None
        self._serving = None
        # How long an Action.Execute may take before it is answered with an interim card.
        self.execute_budget = EXECUTE_BUDGET_SECONDS
        self._register()

    def _register(self) -> None:
        app, bot = self.app, self.bot

        def dump(ctx) -> dict:
            return ctx.activity.model_dump(by_alias=True, exclude_none=True, mode="json")

        def background(fn, act) -> None:
            fut = asyncio.get_running_loop().run_in_executor(self.executor, fn, act)
            fut.add_done_callback(_log_failure)

        # Messages, stored by _take_message before Teams hears 200, are handled from here.
        self.inbox = InboxWorker(
            self.service.engine,
            self.service.clock,
            "teams",
            # The activity as it came (see _take_message), made the dict the handlers know here,
            # on the inbox's worker thread rather than the loop.
            lambda _kind, act: bot.handle_message(activity_dict(act)),
            # A burst of status buttons is stored together (activities.py handle_statuses).
            run_many=lambda _kind, acts: bot.handle_statuses([activity_dict(a) for a in acts]),
            batched={STATUS_KIND},
            instance_id=_instance_id(),
            max_backlog=self.settings.inbox_max_backlog,
            lease_seconds=self.settings.inbox_lease_seconds,
            workers=INBOX_WORKERS,
        )

        @app.on_conversation_update
        async def on_conversation_update(ctx):
            background(bot.on_conversation_update, dump(ctx))

        @app.on_installation_update
        async def on_installation_update(ctx):
            background(bot.on_installation_update, dump(ctx))

        @app.on_card_action_execute
        async def on_execute(ctx):
            act = dump(ctx)
            fut = asyncio.get_running_loop().run_in_executor(
                self.executor, _urgently, bot.on_execute, act
            )
            try:
                body = await asyncio.wait_for(asyncio.shield(fut), self.execute_budget)
            except TimeoutError:
                # Teams gives up on an invoke after a few seconds: answer with an interim card
                # now and put the real one in its place when the work is done.
                fut.add_done_callback(lambda f: self._finish_execute(act, f))
                body = {
                    "statusCode": 200,
                    "type": CARD_CONTENT_TYPE,
                    "value": text_card("Saving… this card updates in a moment."),
                }
            except Exception as exc:  # noqa: BLE001 - a plain answer, never the SDK's 500
                _log_failure(None, exc)
                body = {
                    "statusCode": 200,
                    "type": CARD_CONTENT_TYPE,
                    "value": text_card("Something went wrong and nothing was stored: try again."),
                }
            return {"status": 200, "body": body}

    async def _take_message(self, act: dict, raw: str) -> int:
        """Store a message activity in the inbox before Teams hears 200 (handled from there,
        so a crash after the answer loses none); 503 past the backlog bound, and the sender
        is told the bot is busy. The inbox is unique on the activity id, so a redelivery is
        not stored or handled twice."""
        key = _inbox_key(act)
        kind = STATUS_KIND if is_status_click(act.get("value")) else MESSAGE_KIND
        # Written on the loop when SQLite's write lock is free (no thread hop either way); on
        # the inbox's door thread, together with the others that find it held, when another
        # writer holds it, and always for PostgreSQL.
        loop = asyncio.get_running_loop()
        got = self.inbox.put_now(kind, key, {}, raw=raw, later=loop.call_later)
        if got is None:  # the database is busy: written with the others that find it so
            got = await asyncio.wrap_future(self.inbox.put_soon(kind, key, {}, raw=raw))
        if got is Put.BUSY:
            talk = act["conversation"]["id"], act["serviceUrl"]
            loop.run_in_executor(None, self._say_busy, *talk)
            return 503
        return 200

    def _say_busy(self, conversation_id: str, service_url: str) -> None:
        try:
            self.connector.send(
                conversation_id, service_url, message(text_card(BUSY_TEXT), BUSY_TEXT)
            )
        except Exception as exc:  # noqa: BLE001 - refused either way; nothing was stored
            log.warning("Teams: could not tell a user the bot is busy (%s)", type(exc).__name__)

    def _finish_execute(self, act: dict, fut) -> None:
        if fut.cancelled() or fut.exception() is not None:
            _log_failure(fut)
            card = text_card("Something went wrong and nothing may have been stored: try again.")
        else:
            body = fut.result()
            card = (
                body["value"]
                if body.get("type") == CARD_CONTENT_TYPE
                else text_card(str(body.get("value") or "Done."))
            )
        if not act.get("replyToId"):
            return
        self.executor.submit(
            self._put_card, act["conversation"]["id"], act["serviceUrl"], act["replyToId"], card
        ).add_done_callback(_log_failure)

    def _put_card(self, conversation_id: str, service_url: str, activity_id: str, card: dict):
        self.connector.update(conversation_id, service_url, activity_id, message(card, "Updated"))

    # -- serving ---------------------------------------------------------------------------------
    def serve(self, host: str | None = None, port: int | None = None) -> int:
        """Start uvicorn on the loop; returns the port it listens on (0 picks a free one)."""
        import socket

        import uvicorn

        host = host or bind_host(self.settings)
        if self.settings.teams_allow_unauthenticated and not is_loopback(host):
            raise TeamsSettingsError(f"unauthenticated Teams listens on loopback only, not {host}")
        port = self.settings.teams_port if port is None else port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        from bot.platforms.teams.http_protocol import CountingH11Protocol

        config = uvicorn.Config(
            self.app.server.adapter.app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            http=CountingH11Protocol,
        )
        self._server = uvicorn.Server(config)

        async def start():
            self._serving = asyncio.ensure_future(self._server.serve(sockets=[sock]))

        self.loop.run(start())
        self.inbox.start_maintenance()  # leases, and what a crashed instance left
        self.port = sock.getsockname()[1]
        log.info("Teams: listening on %s:%s%s", host, self.port, MESSAGING_ENDPOINT)
        return self.port

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C)."""
        import time

        while self._serving is not None and not self._serving.done():
            time.sleep(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

            async def finish():
                if self._serving is not None:
                    await asyncio.wait([self._serving], timeout=5)

            try:
                self.loop.run(finish(), timeout=10)
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
        self.executor.shutdown(wait=True, cancel_futures=False)
        self.inbox.close()
        self.loop.stop()
        self.send_loop.stop()


def _inbox_key(act: dict) -> str:
    """The activity's delivery id, hashed: it holds the conversation's id, which for a
    personal chat says whose it is, and the inbox keeps it a day after the payload is gone."""
    import hashlib

    return "teams:" + hashlib.sha256(message_key(act).encode()).hexdigest()


def _urgently(fn, act: dict):
    """Run a handler a person is waiting on: its writes go first at SQLite's write gate."""
    with urgent():
        return fn(act)


def _instance_id() -> str:
    from jobs.common import default_instance_id

    return default_instance_id()


def _log_failure(fut, exc: BaseException | None = None) -> None:
    """One line: the error's type and where it was raised. Not its message nor a traceback:
    either may carry what a person typed or an email (house rule: none in logs)."""
    if exc is None and fut is not None and not fut.cancelled():
        exc = fut.exception()
    if exc is None:
        return
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
    log.error("Teams activity failed: %s at %s", type(exc).__name__, where)
