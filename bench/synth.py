"""Synthetic plans of any size for benchmarks: actions, owners, themes, updates per action.

    from bench.synth import populate
    info = populate(engine, actions=10_000, owners=2_000, themes=12, updates_per_action=100)

Deterministic for a seed. Deadlines are spread a year either side of `today`; some are
ongoing; owners are a mix of people (with emails and chat ids) and roles held by people.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import Engine  # noqa: E402

from bot.core.statuses import Status  # noqa: E402
from storage.bulk import bulk_insert_updates, refresh_status_cache  # noqa: E402
from storage.engine import read_session, write_session  # noqa: E402
from storage.people import assign_role, upsert_person  # noqa: E402
from storage.plan_sync import (  # noqa: E402
    ActionSpec,
    DeadlineSpec,
    OwnerSpec,
    PlanSpec,
    sync_plan,
)
from storage.queries import get_plan  # noqa: E402

WORDS = (
    "review develop embed deliver agree publish engage support implement refresh launch "
    "establish align consolidate design recruit appraisal workforce leadership culture values "
    "governance digital estates finance quality safety primary care network locality staff "
    "wellbeing training coaching mentoring survey structure strategy partnership board"
).split()
FIRST = "Alex Sam Jo Priya Tom Aisha Owen Ruth Dev Nia Kate Ravi Ella Ben Sara Liam".split()
LAST = "Smith Jones Patel Evans Khan Walsh Hughes Price Ali Reid Shah Lee Ward Cole".split()
ROLES = (
    "Director of Corporate Affairs",
    "Chief Finance Officer",
    "Director of Nursing and Quality",
    "Head of Workforce",
    "Director of Partnerships",
    "Accountable Officer",
    "Medical Director",
    "Director of Primary Care",
    "Head of Communications",
    "Director of Strategy",
)


@dataclass
class SynthInfo:
    plan_id: int
    actions: int
    owners: int
    updates: int
    seconds: float


def make_spec(
    *,
    actions: int,
    owners: int,
    themes: int,
    today: date,
    seed: int = 0,
    name: str = "Synthetic plan",
) -> tuple[PlanSpec, list[str], list[str]]:
    rnd = random.Random(seed)
    n_roles = min(len(ROLES) * 10, max(1, owners // 5))
    roles = [
        f"{ROLES[i % len(ROLES)]}{'' if i < len(ROLES) else f' ({i // len(ROLES) + 1})'}"
        for i in range(n_roles)
    ]
    people = [
        f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
        for i in range(owners - n_roles)
    ]
    names = [(n, "role") for n in roles] + [(n, "person") for n in people]
    theme_names = [
        f"Theme {i + 1}: {rnd.choice(WORDS).title()} and {rnd.choice(WORDS)}" for i in range(themes)
    ]
    specs = []
    for i in range(actions):
        theme = theme_names[i % themes]
        if rnd.random() < 0.1:
            dl = DeadlineSpec("Ongoing", None, "ongoing", True)
        else:
            due = today + timedelta(days=rnd.randint(-365, 365))
            dl = DeadlineSpec(due.strftime("%d/%m/%Y"), due, "fixed", True)
        owner_count = 1 if rnd.random() < 0.8 else 2
        chosen = rnd.sample(names, owner_count) if len(names) >= owner_count else names
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 18))).capitalize()
        specs.append(
            ActionSpec(
                ref=f"A{i + 1}",
                text=f"{text} ({i + 1})",
                theme=theme,
                objective=f"Objective {i % (themes * 4) + 1}",
                deadline=dl,
                owners=[OwnerSpec(n, k) for n, k in chosen],
            )
        )
    return PlanSpec(name=name, actions=specs, fy_start_year=today.year), roles, people


def populate(
    engine: Engine,
    *,
    actions: int = 1_000,
    owners: int = 200,
    themes: int = 8,
    updates_per_action: int = 3,
    today: date = date(2020, 6, 1),
    seed: int = 0,
    name: str = "Synthetic plan",
) -> SynthInfo:
    """A synthetic plan; several (another ``name`` and ``seed`` each) share their owners:
    people and roles are named by number, the same in every plan."""
    started = time.perf_counter()
    now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    spec, roles, people = make_spec(
        actions=actions, owners=owners, themes=themes, today=today, seed=seed, name=name
    )
    rnd = random.Random(seed + 1)
    with write_session(engine) as s:
        sync_plan(s, spec, now=now - timedelta(days=400))
        persons = []
        for i, name in enumerate(people):
            persons.append(
                upsert_person(s, name, now=now, email=f"p{i}@example.org", chat_user_id=f"U{i:06d}")
            )
        for i, role in enumerate(roles):
            holder = upsert_person(
                s, f"Holder {i}", now=now, email=f"h{i}@example.org", chat_user_id=f"UH{i:05d}"
            )
            assign_role(s, role, holder, now=now)
    with read_session(engine) as s:
        plan = get_plan(s, spec.name)
        from sqlmodel import select

        from storage.models import Action

        action_ids = list(
            s.exec(select(Action.id).where(Action.plan_id == plan.id).order_by(Action.id))
        )
    statuses = [s.value for s in Status]

    def rows():
        for aid in action_ids:
            for k in range(updates_per_action):
                at = now - timedelta(days=(updates_per_action - k) * 3, minutes=rnd.randint(0, 600))
                yield {
                    "action_id": aid,
                    "author_name": "synth",
                    "status": rnd.choice(statuses),
                    "commentary": " ".join(rnd.choice(WORDS) for _ in range(12)),
                    "source": "reply",
                    "created_at": at,
                }

    with write_session(engine) as s:
        n = bulk_insert_updates(s, rows())
        refresh_status_cache(s, plan.id)
    return SynthInfo(plan.id, len(action_ids), owners, n, time.perf_counter() - started)


if __name__ == "__main__":
    import argparse

    from storage.engine import make_engine
    from storage.migrate import upgrade

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="sqlite:///bench/out/synth.db")
    ap.add_argument("--actions", type=int, default=1000)
    ap.add_argument("--owners", type=int, default=200)
    ap.add_argument("--themes", type=int, default=8)
    ap.add_argument("--updates", type=int, default=3, help="updates per action")
    args = ap.parse_args()
    Path("bench/out").mkdir(parents=True, exist_ok=True)
    eng = make_engine(args.url)
    upgrade(eng)
    info = populate(
        eng,
        actions=args.actions,
        owners=args.owners,
        themes=args.themes,
        updates_per_action=args.updates,
    )
    print(
        f"plan {info.plan_id}: {info.actions} actions, {info.owners} owners, "
        f"{info.updates} updates in {info.seconds:.1f} s"
    )
