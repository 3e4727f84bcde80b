"""CPU per status click on the real path, with a profile of where it goes.

The same store as bench/bench_under_load.py (10,000 actions, 2,100 owners, SQLite). Clicks
are sent one at a time over real HTTP (a signed Slack ``block_actions`` status button; a
Teams ``Action.Submit`` card), each by a different owner about an action of theirs, and
each waited for until its update is stored. The inbox worker's handling of each click
(taking the row, the handler down to ``append_update``, marking it done) runs under
cProfile on its worker thread (``--top 0``: without it), and its CPU is read with
``time.thread_time``: the figure is
the CPU the click costs the bot's process after the acknowledgement.

    .venv/bin/python bench/profile_click.py [--clicks 60] [--only slack|teams] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.bench_under_load import (  # noqa: E402
    SWEEP_DAY,
    build_store,
    clicking_owners,
    slack_conversations,
    status_click,
    teams_members,
)
from bot.platforms.inbox_worker import InboxWorker  # noqa: E402
from storage.engine import make_engine, read_session  # noqa: E402
from storage.models import Update  # noqa: E402


class Profiled:
    """Wraps InboxWorker._handle: each call profiled on its own thread, its CPU noted."""

    def __init__(self, profile: bool = True):
        self.profile = profile
        self.cpu_ms: list[float] = []
        self.stats: pstats.Stats | None = None
        self._lock = threading.Lock()
        self._orig = InboxWorker._handle

    def __enter__(self):
        orig, me = self._orig, self

        def handle(worker, item_id):
            prof = cProfile.Profile() if me.profile else None
            t0 = time.thread_time()
            if prof is not None:
                prof.enable()
            try:
                return orig(worker, item_id)
            finally:
                if prof is not None:
                    prof.disable()
                spent = (time.thread_time() - t0) * 1000
                with me._lock:
                    me.cpu_ms.append(spent)
                    if prof is None:
                        pass
                    elif me.stats is None:
                        me.stats = pstats.Stats(prof)
                    else:
                        me.stats.add(prof)

        InboxWorker._handle = handle
        return self

    def __exit__(self, *exc):
        InboxWorker._handle = self._orig

    def report(self, name: str, top: int, warmup: int) -> None:
        cpu = self.cpu_ms[warmup:]
        print(
            f"[{name}] {len(cpu)} clicks (after {warmup} warm-up): CPU per click "
            f"mean {statistics.mean(cpu):.2f} ms, median {statistics.median(cpu):.2f} ms "
            f"({'under cProfile' if self.profile else 'no profiler'})"
        )
        if top and self.stats is not None:
            out = io.StringIO()
            self.stats.stream = out
            self.stats.sort_stats("cumulative").print_stats(r"/(bot|handlers|storage)/", top)
            print(out.getvalue())
            out = io.StringIO()
            self.stats.stream = out
            self.stats.sort_stats("tottime").print_stats(top)
            print(out.getvalue())


def _wait_stored(engine, action_id: int, after: int, timeout: float = 10.0) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with read_session(engine) as s:
            got = s.execute(
                select(Update.id).where(Update.action_id == action_id, Update.id > after)
            ).scalar()
        if got:
            return got
        time.sleep(0.005)
    raise SystemExit(f"click about action {action_id} not stored in {timeout} s")


def _last_update(engine) -> int:
    with read_session(engine) as s:
        return s.execute(select(Update.id).order_by(Update.id.desc()).limit(1)).scalar() or 0


def run_slack(db: Path, args) -> None:
    from tests.support.slack_api import SlackStandIn
    from tests.support.slack_bot import SlackBotHarness
    from tests.support.slack_signing import FORM

    engine = make_engine(f"sqlite:///{db}")
    slack_conversations(engine)
    who = clicking_owners(engine, args.clicks)
    with (
        SlackStandIn(enforce_rate_limits=False) as slack,
        SlackBotHarness(engine, SWEEP_DAY, standin=slack) as bot,
        Profiled(args.top > 0) as prof,
    ):
        for n, (_owner, user, action_id) in enumerate(who):
            status = ("on_track", "delayed")[n % 2]
            body = status_click(slack, user, action_id, status)
            last = _last_update(engine)
            status_code, _h, _b = bot.post(body, content_type=FORM)
            assert status_code == 200, status_code
            _wait_stored(engine, action_id, last)
            time.sleep(0.05)  # the rest of the click (the nudge's edit) finishes
    engine.dispose()
    prof.report("slack", args.top, args.warmup)


def run_teams(db: Path, args) -> None:
    from tests.support.teams_bot import TeamsBotHarness
    from tests.support.teams_connector import TeamsConnectorStandIn

    engine = make_engine(f"sqlite:///{db}")
    who = clicking_owners(engine, args.clicks)
    with TeamsConnectorStandIn() as bc:
        users = teams_members(engine, bc.service_url)
        with TeamsBotHarness(engine, SWEEP_DAY, standin=bc) as bot, Profiled(args.top > 0) as prof:
            for n, (owner_id, _user, action_id) in enumerate(who):
                status = ("On track", "Delayed")[n % 2]
                act = bot.submit(users[owner_id], {"k": "status", "a": action_id, "s": status})
                act["id"] = f"prof-{n}-{uuid.uuid4().hex[:6]}"
                last = _last_update(engine)
                code, _ = bot.post(act)
                assert code == 200, code
                _wait_stored(engine, action_id, last)
                time.sleep(0.05)
    engine.dispose()
    prof.report("teams", args.top, args.warmup)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clicks", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--owners", type=int, default=2_100)
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--top", type=int, default=30, help="0: no profiler, the CPU alone")
    ap.add_argument("--only", choices=["slack", "teams"], default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-click-") as tmp:
        base = build_store(Path(tmp), args.owners, args.actions)
        for name, run in (("slack", run_slack), ("teams", run_teams)):
            if args.only and args.only != name:
                continue
            db = Path(tmp) / f"{name}.db"
            shutil.copy(base, db)
            run(db, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
