"""Benchmark: how fast the bot acknowledges Slack, next to a bare bolt app.

With 10,000 actions and 1,000,000 updates in the store, sends signed `/actions overdue`
commands and button clicks over HTTP to the real bot (waitress + bolt, as in production)
and, interleaved in the same run, to a bare bolt app that acknowledges and does nothing.
Both talk to the local Slack stand-in. Target: the bot's p99 ack latency is at most 1.5x
the bare app's, and under 100 ms.

    .venv/bin/python bench/bench_slack_ack.py [--requests 200] [--updates-per-action 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App  # noqa: E402

from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.platforms.slack.client import make_client  # noqa: E402
from bot.platforms.slack.runner import make_wsgi_app  # noqa: E402
from storage.engine import make_engine, read_session  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.support.slack_api import SlackStandIn  # noqa: E402
from tests.support.slack_bot import SECRET, SlackBotHarness  # noqa: E402
from tests.support.slack_signing import (  # noqa: E402
    FORM,
    block_actions_body,
    button_action,
    command_body,
    signed_headers,
)

OUT = Path(__file__).resolve().parent / "out"


def store(updates_per_action: int):
    """The 10,000-action store, built once and kept in bench/out."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"ack-10000x{updates_per_action}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with read_session(engine) as s:
        from sqlmodel import func, select

        from storage.models import Update

        have = s.exec(select(func.count()).select_from(Update)).one()
    if have < 10_000 * updates_per_action:
        print(f"populating {path.name} (once)...", flush=True)
        engine.dispose()
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        info = populate(
            engine, actions=10_000, owners=2_000, themes=12, updates_per_action=updates_per_action
        )
        print(
            f"  {info.actions} actions, {info.updates} updates in {info.seconds:.0f} s", flush=True
        )
    return engine


def bare_app(slack: SlackStandIn):
    """A bolt app that acknowledges and does nothing, served the same way as the bot."""
    from waitress import create_server

    app = App(client=make_client(slack.bot_token, slack.base_url), signing_secret=SECRET)
    app.command("/actions")(lambda ack: ack())
    app.action("status:on_track")(lambda ack: ack())
    server = create_server(make_wsgi_app(app, SECRET), host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}/slack/events"


def timed_post(url: str, body: bytes) -> float:
    headers = signed_headers(body, SECRET, content_type=FORM)
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
        assert resp.status == 200
    return (time.perf_counter() - started) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--updates-per-action", type=int, default=100)
    args = ap.parse_args()
    engine = store(args.updates_per_action)
    from datetime import date

    with (
        SlackStandIn(enforce_rate_limits=False) as slack,
        SlackBotHarness(engine, date(2020, 6, 1), standin=slack) as bot,
    ):
        server, bare_url = bare_app(slack)
        slack.add_user("U000001", email="p1@example.org", name="p1")
        snap = bot.service.snapshot()
        action = next(a for a in snap.actions if any(o.chat_user_id == "U000001" for o in a.owners))
        results: dict[str, dict[str, list[float]]] = {
            k: {"bot": [], "bare": []} for k in ("/actions overdue", "button click")
        }

        def wait_answered(url: str) -> None:
            # The bot's work after the ack (the query, the update) ends with its answer to
            # the response_url; it must not overlap the next measurement: this measures the
            # acknowledgement, not throughput.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if any(r.get("response_url") == url for r in slack.responses):
                    return
                time.sleep(0.01)
            raise RuntimeError(f"the bot never answered {url}")

        for i in range(args.requests):
            for name in results:
                url = slack.new_response_url()
                if name == "button click":
                    body = block_actions_body(
                        actions=[
                            button_action(
                                "status:on_track",
                                json.dumps({"a": action.id}),
                                block_id=f"act:{action.id}",
                            )
                        ],
                        user_id="U000001",
                        response_url=url,
                    )
                else:
                    body = command_body(text="overdue", user_id="U000001", response_url=url)
                order = (
                    [("bot", bot.url), ("bare", bare_url)]
                    if i % 2
                    else [("bare", bare_url), ("bot", bot.url)]
                )
                for who, target in order:
                    results[name][who].append(timed_post(target, body))
                    if who == "bot":
                        wait_answered(url)
        server.close()
    print(
        f"Slack ack latency, {args.requests} requests each, 10,000 actions, "
        f"{10_000 * args.updates_per_action:,} updates (ms):"
    )
    ok = True
    for name, r in results.items():
        b99, n99 = pct(r["bot"], 99), pct(r["bare"], 99)
        ratio = b99 / n99
        passed = ratio <= 1.5 and b99 < 100
        ok &= passed
        print(
            f"  {name:18} bot p50 {statistics.median(r['bot']):6.1f} p99 {b99:6.1f} | bare p50 "
            f"{statistics.median(r['bare']):6.1f} p99 {n99:6.1f} | p99 ratio {ratio:4.2f} "
            f"{'PASS' if passed else 'FAIL'} (target <= 1.5x and < 100 ms)"
        )
        figure = "ack_p99_" + "".join(c if c.isalnum() else "_" for c in name).strip("_")
        bench_line(figure, b99, "ms", f"<=1.5x_bare({n99:.0f})_and_<100", passed)
    print("overall:", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
