"""Benchmark: who owes what, and the nudge plan, for 10,000 actions and 2,000 owners.

    .venv/bin/python bench/bench_owing.py [--actions 10000] [--owners 2000] [--url URL]

Populates a synthetic plan (bench/synth.py) in a temporary SQLite file (or URL), then times:
loading the plan snapshot, who owes what (bot/core/owing.py), the nudge plan at a moment in
working hours (bot/core/nudges.py: active windows, routing, working hours), and a whole dry-run
sweep (database reads for claims, absences and administrators included). Target: under 1 s.

Then several plans side by side (``--plans 5``: 5 plans × 2,000 actions, the 2,000 owners
shared among them, in another database): who owes what across every plan, as `owe` and the
chat queries read it (PlanService.owed over the merged snapshot, database included), target
≤ 0.3 s; and one dry-run sweep over all the plans, which must plan one message per person.
Prints seconds and PASS/FAIL; not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import bench_line  # noqa: E402
from bench.synth import populate  # noqa: E402
from bot.core.calendar import calendar_for  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.nudges import plan_nudges  # noqa: E402
from bot.core.owing import who_owes_what  # noqa: E402
from bot.core.policy import NudgePolicy  # noqa: E402
from bot.core.service import PlanService  # noqa: E402
from jobs.sweep import run_sweep  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

TARGET_S = 1.0
TODAY = date(2020, 6, 1)
NOW = datetime(2020, 6, 2, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in London


def best_of(n: int, fn):
    best, result = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actions", type=int, default=10_000)
    ap.add_argument("--owners", type=int, default=2_000)
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite)")
    ap.add_argument("--plans", type=int, default=5, help="plans side by side (0: skip)")
    ap.add_argument("--plan-actions", type=int, default=2_000, help="actions in each of them")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-owing-")
    url = args.url or f"sqlite:///{tmp.name}/owing.db"
    engine = make_engine(url)
    upgrade(engine)
    info = populate(
        engine, actions=args.actions, owners=args.owners, themes=12, updates_per_action=2,
        today=TODAY,
    )  # fmt: skip
    print(
        f"populate: {info.actions} actions, {info.owners} owners, {info.updates} updates "
        f"in {info.seconds:.1f} s"
    )
    service = PlanService(engine, FixedClock(NOW))
    load_s, snap = best_of(3, service.snapshot)
    owing_s, owed = best_of(3, lambda: who_owes_what(snap, TODAY))
    cal = calendar_for("ENG")
    cal.add_working_days(TODAY, 400)  # warm the calendar's years, as a running bot has
    plan_s, plan = best_of(3, lambda: plan_nudges(snap, NOW, NudgePolicy(), cal))
    sweep_s, report = best_of(3, lambda: run_sweep(service, None, dry_run=True))

    items = sum(len(n.items) for n in plan.nudges)
    print(f"snapshot load        {load_s:7.3f} s  ({len(snap.actions)} actions)")
    print(f"who owes what        {owing_s:7.3f} s  ({len(owed)} people owe updates)")
    print(f"nudge plan           {plan_s:7.3f} s  ({len(plan.nudges)} messages, {items} items)")
    print(f"dry-run sweep (all)  {sweep_s:7.3f} s  ({len(report.nudged)} messages)")
    checks = {
        "who owes what": owing_s,
        "nudge plan": plan_s,
        "snapshot + who owes what": load_s + owing_s,
        "whole dry-run sweep (database included)": sweep_s,
    }
    ok = True
    for name, seconds in checks.items():
        good = seconds < TARGET_S
        ok &= good
        print(f"{'PASS' if good else 'FAIL'}: {name} {seconds:.3f} s (target < {TARGET_S:.0f} s)")
        words = "".join(c if c.isalnum() else " " for c in name.split(" (")[0]).split()
        bench_line("owing_" + "_".join(words), seconds, "s", f"<{TARGET_S:g}", good)
    engine.dispose()
    if args.plans:
        ok &= several_plans(args.plans, args.plan_actions, args.owners, tmp.name)
    tmp.cleanup()
    return 0 if ok else 1


SEVERAL_TARGET_S = 0.3


def several_plans(plans: int, actions: int, owners: int, folder: str) -> bool:
    """``plans`` plans of ``actions`` each, ``owners`` shared: who owes what across them all,
    and a dry-run sweep that plans one message per person however many plans they are in."""
    engine = make_engine(f"sqlite:///{folder}/several.db")
    upgrade(engine)
    started = time.perf_counter()
    for i in range(plans):
        populate(
            engine, actions=actions, owners=owners, themes=8, updates_per_action=1,
            today=TODAY, seed=i, name=f"Synthetic plan {i + 1}",
        )  # fmt: skip
    print(
        f"populate: {plans} plans × {actions} actions, {owners} owners shared, in "
        f"{time.perf_counter() - started:.1f} s"
    )
    service = PlanService(engine, FixedClock(NOW))  # no plan named: it serves every plan
    owing_s, owed = best_of(3, service.owed)
    spanning = sum(1 for items in owed.values() if len({o.action.plan_id for o in items}) > 1)
    sweep_s, report = best_of(1, lambda: run_sweep(service, None, dry_run=True))
    recipients = [n.recipient.id for n in report.nudged]
    one_each = len(recipients) == len(set(recipients))
    print(
        f"who owes what, {plans} plans  {owing_s:7.3f} s  ({len(owed)} people owe updates, "
        f"{spanning} of them in several plans)"
    )
    print(
        f"dry-run sweep, {plans} plans  {sweep_s:7.3f} s  ({len(report.nudged)} messages, "
        f"{'one' if one_each else 'SEVERAL'} per person)"
    )
    good = owing_s <= SEVERAL_TARGET_S
    print(
        f"{'PASS' if good else 'FAIL'}: who owes what across {plans} plans {owing_s:.3f} s "
        f"(target ≤ {SEVERAL_TARGET_S:g} s)"
    )
    print(f"{'PASS' if one_each else 'FAIL'}: one nudge per person across {plans} plans")
    bench_line(f"owing_who_owes_what_{plans}_plans", owing_s, "s", f"<={SEVERAL_TARGET_S:g}", good)
    bench_line("owing_one_nudge_per_person", 1 if one_each else 0, "ok", "=1", one_each)
    engine.dispose()
    return good and one_each


if __name__ == "__main__":
    sys.exit(main())
