"""A small hand-made plan for core tests: five actions, two themes, people and roles."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from storage.engine import write_session
from storage.people import assign_role, upsert_person
from storage.plan_sync import ActionSpec, DeadlineSpec, OwnerSpec, PlanSpec, ProgressSpec, sync_plan

LOADED = datetime(2019, 6, 3, 9, 0, tzinfo=UTC)


def small_spec() -> PlanSpec:
    def dl(text, due, kind="fixed"):
        return DeadlineSpec(text, due, kind, True)

    return PlanSpec(
        name="Small plan",
        fy_start_year=2019,
        actions=[
            ActionSpec(
                ref="L1",
                text="Run leadership workshops",
                theme="Leadership",
                objective="Grow leaders",
                deadline=dl("Quarter 2", date(2019, 9, 30)),
                owners=[OwnerSpec("Director of Corporate Affairs", "role")],
            ),
            ActionSpec(
                ref="L2",
                text="Publish the coaching offer",
                theme="Leadership",
                objective="Grow leaders",
                deadline=dl("31/07/2019", date(2019, 7, 31)),
                owners=[OwnerSpec("Julie Fellows", "person")],
            ),
            ActionSpec(
                ref="L3",
                text="Appraisal refresh",
                theme="Leadership",
                objective="Grow leaders",
                deadline=dl("Quarter 1", date(2019, 6, 30)),
                owners=[OwnerSpec("Julie Fellows", "person")],
                progress=ProgressSpec("Completed: rolled out", "Completed", "rolled out"),
            ),
            ActionSpec(
                ref="C1",
                text="Staff recognition scheme",
                theme="Culture",
                objective="Thank staff",
                deadline=dl("Ongoing", None, "ongoing"),
                owners=[
                    OwnerSpec("Director of Corporate Affairs", "role"),
                    OwnerSpec("Julie Fellows", "person"),
                ],
            ),
            ActionSpec(
                ref="C2",
                text="Wellbeing working group",
                theme="Culture",
                objective="Thank staff",
                deadline=dl("Quarter 4", date(2020, 3, 31)),
                owners=[OwnerSpec("Chief Finance Officer", "role")],
            ),
        ],
    )


def dotted_spec() -> PlanSpec:
    """The same plan with its references written as Word and Excel plans often do: "L2."."""
    spec = small_spec()
    for a in spec.actions:
        a.ref = f"{a.ref}."
    return spec


def load_small_plan(engine: Engine, spec: PlanSpec | None = None) -> None:
    """Load the plan; Alice holds Director of Corporate Affairs; nobody holds CFO."""
    with write_session(engine) as s:
        sync_plan(s, spec or small_spec(), now=LOADED)
        alice = upsert_person(s, "Alice Smith", email="alice@example.org", now=LOADED)
        assign_role(s, "Director of Corporate Affairs", alice, now=LOADED)
        julie = upsert_person(s, "Julie Fellows", now=LOADED)
        julie.email = "julie@example.org"
        upsert_person(s, "Pat Admin", email="pat@example.org", is_admin=True, now=LOADED)
        upsert_person(s, "Eve Other", email="eve@example.org", now=LOADED)


def small_service(engine: Engine, today: date) -> PlanService:
    load_small_plan(engine)
    clock = FixedClock(datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC))
    return PlanService(engine, clock)
