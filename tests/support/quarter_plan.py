"""A plan to walk through a quarter (August–October 2019) with the nudge sweep.

Actions (all owners people unless said; the plan is in Europe/London):

    A1 Bob           due Fri 30 Aug 2019   Leadership (no lead: escalations go to Pat, admin)
    A2 role DCA      due Mon 30 Sep 2019   Leadership (Alice holds Director of Corporate Affairs)
    A3 Alice         due Mon 30 Sep 2019   Leadership
    A4 Carol         due Sun 15 Sep 2019   Culture (lead: Larry)
    A5 Carol         ongoing               Culture
    A6 role CFO      due Thu 31 Oct 2019   Leadership (nobody holds Chief Finance Officer)
    A7 Bob           due Tue 20 Aug 2019   Leadership, already Completed at import

People: Alice, Bob, Carol, Larry (lead of Culture), Pat (administrator), Dave (spare).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from storage.engine import write_session
from storage.models import Plan, Theme
from storage.people import assign_role, find_owner, upsert_person
from storage.plan_sync import ActionSpec, DeadlineSpec, OwnerSpec, PlanSpec, ProgressSpec, sync_plan

LOADED = datetime(2019, 7, 1, 8, 0, tzinfo=UTC)


def quarter_spec(name: str = "Quarter plan") -> PlanSpec:
    def fixed(d: date) -> DeadlineSpec:
        return DeadlineSpec(d.strftime("%d/%m/%Y"), d, "fixed", True)

    def act(ref, theme, deadline, owners, progress=None) -> ActionSpec:
        return ActionSpec(
            ref=ref,
            text=f"Action {ref}",
            theme=theme,
            objective=f"Objective of {theme}",
            deadline=deadline,
            owners=[OwnerSpec(n, k) for n, k in owners],
            progress=progress,
        )

    return PlanSpec(
        name=name,
        fy_start_year=2019,
        actions=[
            act("A1", "Leadership", fixed(date(2019, 8, 30)), [("Bob", "person")]),
            act(
                "A2",
                "Leadership",
                fixed(date(2019, 9, 30)),
                [("Director of Corporate Affairs", "role")],
            ),
            act("A3", "Leadership", fixed(date(2019, 9, 30)), [("Alice", "person")]),
            act("A4", "Culture", fixed(date(2019, 9, 15)), [("Carol", "person")]),
            act(
                "A5",
                "Culture",
                DeadlineSpec("Ongoing", None, "ongoing", True),
                [("Carol", "person")],
            ),
            act(
                "A6",
                "Leadership",
                fixed(date(2019, 10, 31)),
                [("Chief Finance Officer", "role")],
            ),
            act(
                "A7",
                "Leadership",
                fixed(date(2019, 8, 20)),
                [("Bob", "person")],
                ProgressSpec("Completed: done early", "Completed", "done early"),
            ),
        ],
    )


def load_quarter_plan(
    engine: Engine, *, policy_json: str = "", channels: str = "", name: str = "Quarter plan"
) -> None:
    """The plan above (a second one beside it under another ``name``: same references, same
    people, its own themes and settings)."""
    with write_session(engine) as s:
        sync_plan(s, quarter_spec(name), now=LOADED)
        for person in ("Alice", "Bob", "Carol", "Larry", "Dave"):
            upsert_person(s, person, email=f"{person.lower()}@example.org", now=LOADED)
        upsert_person(s, "Pat", email="pat@example.org", is_admin=True, now=LOADED)
        assign_role(s, "Director of Corporate Affairs", find_owner(s, "Alice"), now=LOADED)
        s.flush()
        plan = s.exec(select(Plan).where(Plan.name == name)).one()
        culture = s.exec(
            select(Theme).where(Theme.name == "Culture", Theme.plan_id == plan.id)
        ).one()
        culture.lead_owner_id = find_owner(s, "Larry").id
        s.add(culture)
        plan.policy_json = policy_json
        plan.leadership_channels = channels
        s.add(plan)
