"""The core's front door: one object every adapter (console, Slack, Teams, CLI) and job uses.

It owns the engine and the clock, resolves who is acting, applies the rules (who may update
what, what a reply means), and returns plain results; it never formats chat messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.core.clock import Clock, local_today
from bot.core.deadlines import ParsedDeadline, parse_deadline
from bot.core.digest import Digest
from bot.core.owing import Owed, OwingPolicy, who_owes_what
from bot.core.people import Actor, may_update
from bot.core.query import QueryResult, parse_query, run_query
from bot.core.signoff import (
    SignOffDecision,
    SignOffRequest,
    is_theme_lead,
    needs_signoff,
    reopened_status,
    signoff_leads,
)
from storage.engine import read_session, write_session
from storage.models import Plan, Update
from storage.people import all_owners, find_by_chat_user, find_by_email, find_owner, roles_held
from storage.queries import (
    ActionView,
    NotFound,
    OwnerView,
    PlanSnapshot,
    action_id_for_ref,
    get_plan,
    owner_view,
    plan_snapshot,
)
from storage.signoff import decide_signoff, open_signoff, request_signoff
from storage.updates import NewUpdate, append_update, previous_status


class Refused(PermissionError):
    """The actor may not do this; the message is fit to show them."""


@dataclass(frozen=True)
class StoredUpdate:
    action: ActionView  # as it reads after the update
    update: Update
    created: bool  # False when this was a redelivery of an update already stored
    signoff: SignOffRequest | None = None  # a completion now waiting for the theme lead


class PlanService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        plan_name: str | None = None,
        admin_emails: frozenset[str] = frozenset(),
        policy: OwingPolicy = OwingPolicy(),
    ):
        self.engine = engine
        self.clock = clock
        self.plan_name = plan_name or None
        self.admin_emails = admin_emails
        self.policy = policy

    # -- the plan -------------------------------------------------------------------------
    def snapshot(self) -> PlanSnapshot:
        with read_session(self.engine) as s:
            return plan_snapshot(s, get_plan(s, self.plan_name).id)

    def action_snapshot(self, action_ref: str | int) -> tuple[PlanSnapshot, ActionView]:
        """One action (by id, or a reference such as `L4` or `#12`) with just enough of the
        plan around it (themes, leads, role holders) to decide who may act on it: a button
        click reads this, not the whole plan."""
        with read_session(self.engine) as s:
            plan = get_plan(s, self.plan_name)
            action_id = action_ref if isinstance(action_ref, int) else action_id_for_ref(
                s, plan.id, action_ref
            )
            snap = plan_snapshot(s, plan.id, action_ids=[action_id])
        if not snap.actions:
            raise NotFound(f"no action with id {action_ref}")
        return snap, snap.actions[0]

    def plan(self) -> Plan:
        """The plan's own row (settings), without its actions."""
        with read_session(self.engine) as s:
            return get_plan(s, self.plan_name)

    def read_deadline(self, text: str) -> ParsedDeadline:
        """A deadline typed in conversation, read in the plan's financial year and today."""
        plan = self.plan()
        return parse_deadline(
            text,
            fy_start_year=plan.fy_start_year,
            fy_start_month=plan.fy_start_month,
            today=local_today(self.clock, plan.timezone),
        )

    def today(self, snapshot: PlanSnapshot | None = None) -> date:
        tz = snapshot.plan.timezone if snapshot else "Europe/London"
        return local_today(self.clock, tz)

    def find_action(self, snapshot: PlanSnapshot, ref: str) -> ActionView:
        """An action by its reference (`L4`) or id (`#12`)."""
        key = ref.strip().lstrip("#").casefold()
        for a in snapshot.actions:
            if (a.ref or "").casefold() == key or (
                ref.strip().startswith("#") and str(a.id) == key
            ):
                return a
        raise NotFound(f"no action {ref.strip()!r} in the plan")

    # -- who is acting ----------------------------------------------------------------------
    def actor_for_chat_user(
        self, chat_user_id: str, *, email: str | None = None, display_name: str = ""
    ) -> Actor:
        """The actor behind a chat user; matches them by email the first time and remembers
        the chat id, so later look-ups need no call to the chat platform."""
        with write_session(self.engine) as s:
            person = find_by_chat_user(s, chat_user_id)
            if person is None and email:
                person = find_by_email(s, email)
                if person is not None:
                    person.chat_user_id = chat_user_id
                    s.add(person)
            return self._actor(s, person, display_name, email, fallback_name=chat_user_id)

    def actor_for_name(self, name: str) -> Actor:
        """The actor with this person or role name (the console's "answer as")."""
        with read_session(self.engine) as s:
            owner = find_owner(s, name)
            if owner is None:
                raise NotFound(f"nobody called {name!r}: see `people list`")
            if owner.kind == "role":
                view = owner_view(owner)
                return Actor(owner.name, person=None, role_ids=frozenset({view.id}))
            return self._actor(s, owner, owner.name, owner.email)

    def _actor(
        self, s, person, display_name: str, email: str | None, *, fallback_name: str = ""
    ) -> Actor:
        email = email or (person.email if person is not None else None)
        is_admin = bool(email and email.casefold() in self.admin_emails)
        if person is None:
            return Actor(display_name or fallback_name, is_admin=is_admin)
        roles = frozenset(r.id for r in roles_held(s, person.id))
        return Actor(
            person.name or display_name,
            person=owner_view(person),
            role_ids=roles,
            is_admin=is_admin or person.is_admin,
        )

    # -- questions --------------------------------------------------------------------------
    def query(self, actor: Actor, text: str) -> QueryResult:
        snap = self.snapshot()
        q = parse_query(text, actor=actor, today=self.today(snap), snapshot=snap)
        return run_query(q, snap)

    def owed(self, today: date | None = None) -> dict[OwnerView, list[Owed]]:
        snap = self.snapshot()
        return who_owes_what(snap, today or self.today(snap), self.policy)

    def owed_by(self, actor: Actor, today: date | None = None) -> list[Owed]:
        """What ``actor`` owes: their own actions and those of roles they hold."""
        snap = self.snapshot()
        day = today or self.today(snap)
        mine = set(actor.owner_ids())
        result = []
        for person, items in who_owes_what(snap, day, self.policy).items():
            if person.id in mine:
                result.extend(i for i in items if i not in result)
        return result

    def can_update(self, actor: Actor, action: ActionView, snapshot: PlanSnapshot) -> bool:
        return may_update(actor, action, snapshot)

    # -- updates ----------------------------------------------------------------------------
    def record_update(
        self,
        actor: Actor,
        action_ref: str | int,
        *,
        status: str | None,
        commentary: str = "",
        source: str,
        revised_text: str | None = None,
        revised_due: date | None = None,
        external_id: str | None = None,
        snapshot: PlanSnapshot | None = None,
    ) -> StoredUpdate:
        """Append an update if ``actor`` may make it; raises Refused otherwise (nothing is
        stored). Redelivered events (same external_id) store nothing new. A caller that
        has just read the plan passes its ``snapshot`` rather than have it read again."""
        if snapshot is not None:
            snap = snapshot
            if isinstance(action_ref, int):
                action = next((a for a in snap.actions if a.id == action_ref), None)
                if action is None:
                    raise NotFound(f"no action with id {action_ref}")
            else:
                action = self.find_action(snap, action_ref)
        else:
            snap, action = self.action_snapshot(action_ref)
        if not may_update(actor, action, snap):
            from bot.core.people import refusal

            raise Refused(refusal(actor, action))
        new = NewUpdate(
            action_id=action.id,
            status=status,
            commentary=commentary.strip(),
            source=source,
            author_owner_id=actor.person.id if actor.person else None,
            author_name=actor.display_name,
            revised_deadline_text=revised_text,
            revised_due=revised_due,
            external_id=external_id,
        )
        signoff_id = None
        with write_session(self.engine) as s:
            update, created = append_update(s, new, now=self.clock.now())
            if created and needs_signoff(snap, actor, action, status):
                admins = [owner_view(o) for o in all_owners(s) if o.is_admin]
                leads = signoff_leads(snap, action, admins)
                signoff_id = request_signoff(
                    s, action.id, update.id, leads[0].id if leads else None, now=self.clock.now()
                ).id
        fresh = self._action_now(snap, action.id)
        request = None
        if signoff_id is not None:
            request = SignOffRequest(
                signoff_id, fresh, actor.display_name, update.commentary, leads
            )
        return StoredUpdate(fresh, update, created, request)

    def _action_now(self, snap: PlanSnapshot, action_id: int) -> ActionView:
        """One action as it reads now (after a write), without reloading the whole plan."""
        with read_session(self.engine) as s:
            return plan_snapshot(s, snap.plan.id, action_ids=[action_id]).actions[0]

    def decide_signoff(
        self, actor: Actor, signoff_id: int, *, confirm: bool, comment: str = ""
    ) -> SignOffDecision:
        """The theme lead (or an administrator) confirms or returns a completion."""
        snap = self.snapshot()
        with write_session(self.engine) as s:
            signoff = open_signoff(s, signoff_id)
            action = next((a for a in snap.actions if a.id == signoff.action_id), None)
            if action is None:
                raise NotFound("that action is no longer in the plan")
            if signoff.decision is not None:
                raise Refused(f"{action.label} was already {signoff.decision}.")
            if not (actor.is_admin or is_theme_lead(actor, action, snap)):
                raise Refused(
                    f"Sorry {actor.display_name}, only the theme lead or an administrator can "
                    f"sign off {action.label}. Nothing was changed."
                )
            if not confirm and not comment.strip():
                raise Refused("Say why it is returned: the owner will see your comment.")
            now = self.clock.now()
            decide_signoff(
                s,
                signoff,
                "confirmed" if confirm else "returned",
                by_id=actor.person.id if actor.person else None,
                comment=comment.strip(),
                now=now,
            )
            if not confirm:
                previous = previous_status(s, action.id, before_update_id=signoff.update_id)
                append_update(
                    s,
                    NewUpdate(
                        action.id,
                        reopened_status(previous),
                        f"Returned by {actor.display_name}: {comment.strip()}",
                        "signoff",
                        author_owner_id=actor.person.id if actor.person else None,
                        author_name=actor.display_name,
                    ),
                    now=now,
                )
        fresh = self._action_now(snap, action.id)
        tell = tuple(p for o in fresh.owners for p in (snap.people_for(o) or ()))
        return SignOffDecision(fresh, confirm, comment.strip(), actor.display_name, tell)

    # -- scheduled work: digests and absences (bot/core/digest.py, storage/absences.py) -----
    def leadership_digest(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        theme_ids: frozenset[int] | None = None,
    ) -> Digest:
        """The leaders' digest: changes in [since, until) (default: the last 7 days), those
        nudged and silent, what is overdue and what falls due next."""
        from bot.core.digest import digest_from_store
        from bot.core.policy import parse_policy

        snap = self.snapshot()
        now = until or self.clock.now()
        return digest_from_store(
            self.engine,
            snap,
            today=self.today(snap),
            since=since or now - timedelta(days=7),
            until=now,
            horizon_days=parse_policy(snap.plan.policy_json).digest_horizon_days,
            theme_ids=theme_ids,
        )

    def set_away(self, person: OwnerView, until: date, deputy: OwnerView | None = None):
        """``person`` is away from today until ``until`` (inclusive); their nudges go to
        ``deputy``, or wait for their return."""
        from storage.absences import set_absence

        return set_absence(
            self.engine,
            person.id,
            starts=self.today(),
            until=until,
            deputy_id=deputy.id if deputy else None,
            now=self.clock.now(),
        )

    def end_away(self, person: OwnerView) -> int:
        """``person`` is back: cancels their current and future absences; returns how many."""
        from storage.absences import end_absence

        return end_absence(self.engine, person.id, today=self.today(), now=self.clock.now())
