"""The core's front door: one object every adapter (console, Slack, Teams, CLI) and job uses.

It owns the engine and the clock, resolves who is acting, applies the rules (who may update
what, what a reply means), and returns plain results; it never formats chat messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.core.clock import Clock, local_today
from bot.core.deadlines import ParsedDeadline, parse_deadline
from bot.core.digest import Digest
from bot.core.owing import Owed, OwingPolicy, who_owes_what
from bot.core.people import Actor, may_read, may_update, read_refusal
from bot.core.query import QueryResult, parse_query, run_query
from bot.core.refs import RefIndex
from bot.core.signoff import (
    SignOffDecision,
    SignOffRequest,
    is_theme_lead,
    needs_signoff,
    reopened_status,
    signoff_leads,
)
from bot.core.text_input import TooLong, check_length, clean_input
from storage.absences import people_covered_by_each
from storage.engine import read_session, write_session
from storage.models import Action, Plan, Update
from storage.people import (
    all_owners,
    find_by_chat_user,
    find_by_chat_users,
    find_by_email,
    find_owner,
    owners_by_id,
    role_holder,
    role_ids_held_by,
)
from storage.queries import (
    ActionView,
    NotFound,
    OwnerView,
    PlanSnapshot,
    action_after_write,
    get_plan,
    list_plans,
    merged_snapshot,
    owner_view,
    plan_snapshot,
    plans_of_actions,
    shared_people,
)
from storage.rows import gc_paused
from storage.signoff import decide_signoff, open_signoff, request_signoff
from storage.undo import last_undoable, undo_update
from storage.updates import NewUpdate, append_update, append_update_rows, previous_status

log = logging.getLogger(__name__)


# How long after an update "undo" can take it back.
UNDO_WINDOW = timedelta(minutes=15)


# Ids are database integers: a button's number outside them names nothing (and would
# overflow the database driver), so it is "not found", not an error.
_MAX_ID = 2**31 - 1


_UNREAD = object()  # actor_for_member: the member row not read yet


def _plan_live(plan: Plan | None) -> bool:
    return plan is not None and plan.archived_at is None


def _member_fresh(row, seen) -> bool:
    """A stored chat member matched to a person, and still where this activity came from."""
    return (
        row is not None
        and row.owner_id is not None
        and (not seen.conversation_id or row.conversation_id == seen.conversation_id)
        and (not seen.service_url or row.service_url == seen.service_url)
    )


def _check_id(value: int, what: str) -> None:
    if not 1 <= value <= _MAX_ID:
        raise NotFound(f"no {what} with that number")


class Refused(PermissionError):
    """The actor may not do this; the message is fit to show them."""


@dataclass(frozen=True)
class StoredUpdate:
    action: ActionView  # as it reads after the update
    update: Update
    created: bool  # False when this was a redelivery of an update already stored
    signoff: SignOffRequest | None = None  # a completion now waiting for the theme lead
    timezone: str | None = None  # the action's plan's, when read with it (else: not known)


@dataclass(frozen=True)
class UpdateGiven:
    """One update someone gave, for ``record_updates`` (see ``record_update`` for each)."""

    actor: Actor
    action_ref: str | int
    status: str | None
    source: str
    commentary: str = ""
    revised_text: str | None = None
    external_id: str | None = None
    snapshot: PlanSnapshot | None = None
    revised_due: date | None = None


class PlanService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        plan_name: str | None = None,
        plan_id: int | None = None,
        admin_emails: frozenset[str] = frozenset(),
        policy: OwingPolicy = OwingPolicy(),
    ):
        self.engine = engine
        self.clock = clock
        # Neither: the service serves every plan loaded (one running bot); a command or job
        # that needs one plan binds a copy with for_plan().
        self.plan_name = plan_name or None
        self.plan_id = plan_id
        self.admin_emails = admin_emails
        self.policy = policy

    # -- the plans --------------------------------------------------------------------------
    def _get_plan(self, s) -> Plan:
        if self.plan_id is not None:
            plan = s.get(Plan, self.plan_id)
            if plan is None or plan.archived_at is not None:
                raise NotFound(f"no plan with id {self.plan_id}")
            return plan
        return get_plan(s, self.plan_name, loose=True)

    @property
    def bound(self) -> bool:
        """Whether this service serves one named plan (else: every plan loaded)."""
        return self.plan_id is not None or self.plan_name is not None

    def plans(self, actor: Actor | None = None) -> list[Plan]:
        """The plans this service serves (bound: its one plan), oldest first; with ``actor``,
        only those they may read (bot/core/people.may_read, each plan's ``readers``)."""
        with read_session(self.engine) as s:
            plans = [self._get_plan(s)] if self.bound else list_plans(s)
        if actor is None or actor.is_member:
            return plans
        return [p for p in plans if may_read(actor, p.readers)]

    def for_plan(self, plan: Plan | int) -> PlanService:
        """This service bound to one plan (a row or its id)."""
        plan_id = plan if isinstance(plan, int) else plan.id
        bound = PlanService(
            self.engine,
            self.clock,
            plan_id=plan_id,
            admin_emails=self.admin_emails,
            policy=self.policy,
        )
        return bound

    def shared_people(self):
        """Every owner and role holder, read once for several plans' snapshots."""
        with read_session(self.engine) as s, gc_paused():
            return shared_people(s)

    def each_plan(self) -> list[PlanService]:
        """One bound service per plan served (jobs run per plan: digests, escalations)."""
        if self.bound:
            return [self]
        return [self.for_plan(p) for p in self.plans()]

    def plan_named(self, words: str) -> Plan:
        """The plan served whose name is ``words`` (any case), else the one plan whose name
        contains them; NotFound naming the plans otherwise."""
        plans = self.plans()
        want = " ".join(words.split()).casefold()
        exact = [p for p in plans if p.name.casefold() == want]
        found = exact or [p for p in plans if want and want in p.name.casefold()]
        if len(found) == 1:
            return found[0]
        names = ", ".join(p.name for p in plans)
        what = "several plans match" if found else "no plan matches"
        raise NotFound(f"{what} {words.strip()!r}; the plans are: {names}")

    def several(self) -> bool:
        """Whether this service reads several plans at once (answers then name the plan)."""
        return not self.bound and len(self.plans()) > 1

    def plan_heads(self, actor: Actor | None = None) -> tuple[tuple[int, str], ...]:
        """(id, name) of the plans served when there are several (headings in a nudge or an
        answer; bot/core/replies.group_by_plan), else empty."""
        if self.bound:
            return ()
        plans = self.plans(actor)
        return tuple((p.id, p.name) for p in plans) if len(plans) > 1 else ()

    def default_plan(self) -> Plan:
        """The plan whose settings stand in where no plan is named: the one served, or the
        oldest of several (its time zone for "today" in a prompt, say)."""
        if self.bound:
            return self.plan()
        plans = self.plans()
        if not plans:
            return self.plan()  # raises: no plan loaded yet
        return plans[0]

    # -- the plan -------------------------------------------------------------------------
    def snapshot(self, actor: Actor | None = None, *, people=None) -> PlanSnapshot:
        """The plan served; unbound with several loaded, every plan (those ``actor`` may
        read) as one snapshot whose actions say their plan (storage/queries.merged_snapshot).
        ``people``: owners and role holders already read (storage/queries.shared_people), for
        a job reading several plans one after another."""
        with read_session(self.engine) as s:
            if self.bound:
                return plan_snapshot(s, self._get_plan(s).id, people=people)
            plans = list_plans(s)
            if len(plans) <= 1:
                return plan_snapshot(s, get_plan(s).id)
            if actor is not None and not actor.is_member:
                plans = [p for p in plans if may_read(actor, p.readers)] or plans[:1]
            with gc_paused():  # tens of thousands of tuples, no cycles (storage/rows.py)
                people = shared_people(s)  # read once for every plan
                return merged_snapshot([plan_snapshot(s, p.id, people=people) for p in plans])

    def action_snapshot(self, action_ref: str | int) -> tuple[PlanSnapshot, ActionView]:
        """One action (by id, or a reference such as `L4` or `#12`) with just enough of the
        plan around it (themes, leads, role holders) to decide who may act on it: a button
        click reads this, not the whole plan."""
        if not isinstance(action_ref, int):
            # A typed reference goes through the one matcher (bot/core/refs.py): "l2." finds
            # "L2"; only ids (buttons, forms) take the one-action path.
            snap = self.snapshot()
            return snap, self.find_action(snap, action_ref)
        _check_id(action_ref, "action")
        with read_session(self.engine) as s:
            # Ids are unique across plans: the action names its plan (a click reads no list
            # of plans). Bound to one plan, an action of another is not found in it.
            row = None if self.bound else s.get(Action, action_ref)
            # Held here: the session keeps rows weakly, and plan_snapshot reads this one too.
            plan = None if row is None else s.get(Plan, row.plan_id)
            if _plan_live(plan):
                plan_id = row.plan_id
            elif self.bound or len(list_plans(s)) <= 1:
                plan_id = self._get_plan(s).id  # its errors: no plan, or not this plan's
            elif row is None:
                raise NotFound(f"no action with id {action_ref}")
            else:
                plan_id = row.plan_id  # several plans: as before, the action's own
            snap = plan_snapshot(s, plan_id, action_ids=[action_ref])
        if not snap.actions:
            raise NotFound(f"no action with id {action_ref}")
        return snap, snap.actions[0]

    def action_snapshots(self, action_ids) -> dict[int, tuple[PlanSnapshot, ActionView]]:
        """Several actions clicked together (a burst of status buttons), each with the plan
        around it as ``action_snapshot`` reads it, read once per plan. An id not found, or
        whose plan is archived or not the one this service serves, is left out: read alone
        (``action_snapshot``), it raises the error that says why."""
        ids = sorted({i for i in action_ids if isinstance(i, int) and 1 <= i <= _MAX_ID})
        found: dict[int, tuple[PlanSnapshot, ActionView]] = {}
        with read_session(self.engine) as s:
            by_plan: dict[int, list[int]] = {}
            for action_id, plan_id in plans_of_actions(s, ids).items():
                by_plan.setdefault(plan_id, []).append(action_id)
            bound = self._get_plan(s).id if self.bound else None
            for plan_id, in_plan in by_plan.items():
                if (bound is not None and plan_id != bound) or not _plan_live(s.get(Plan, plan_id)):
                    continue
                snap = plan_snapshot(s, plan_id, action_ids=in_plan)
                for action in snap.actions:
                    found[action.id] = (snap, action)
        return found

    def plan(self) -> Plan:
        """The plan's own row (settings), without its actions. Unbound with several plans
        loaded this raises SeveralPlans, naming them."""
        with read_session(self.engine) as s:
            return self._get_plan(s)

    def check_reader(self, actor: Actor, outcome: str = "Nothing was stored.") -> None:
        """Raises Refused (the read refusal, naming nothing of the plan) for someone who may
        not read the plan (any of the plans served), before any action, sign-off or id is
        looked up: what they would be told about one (its label, that it exists) is the plan.
        Free for the plans' members."""
        if not actor.is_member and not self.plans(actor):
            raise Refused(f"{read_refusal(actor)} {outcome}")

    def read_deadline(self, text: str, plan_id: int | None = None) -> ParsedDeadline:
        """A deadline typed in conversation, read in the plan's financial year and today
        (``plan_id``: the plan of the action it is for, when several are served)."""
        plan = self.for_plan(plan_id).plan() if plan_id else self.default_plan()
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
        """An action by its reference however written (`L4`, `l4.`, `L4)`, `23` in a
        numbered plan) or id (`#12`); see bot/core/refs.py."""
        found = RefIndex(snapshot.actions).lookup(ref)
        if found is None:
            raise NotFound(f"no action {ref.strip()!r} in the plan")
        return found

    # -- who is acting ----------------------------------------------------------------------
    def actor_for_chat_user(
        self, chat_user_id: str, *, email: str | None = None, display_name: str = ""
    ) -> Actor:
        """The actor behind a chat user: the person with this chat id, else the person with
        this ``email`` (which must be the one the chat platform verified) if they are not
        linked to another chat user yet; the chat id is then remembered. ``display_name`` is
        only shown: a name never matches anyone (bot/core/identity.py)."""
        # Read first: a known chat user (every click after the first) writes nothing, so a
        # click does not queue at SQLite's write gate behind a sweep just to be recognised.
        with read_session(self.engine) as s:
            person = find_by_chat_user(s, chat_user_id)
            if person is not None or not email:
                return self._actor(s, person, display_name, email, fallback_name=chat_user_id)
        with write_session(self.engine) as s:
            person = find_by_chat_user(s, chat_user_id)
            if person is None and email:
                person = find_by_email(s, email)
                if person is not None and person.chat_user_id:
                    # Another chat user already is this person: an administrator decides
                    # (`map`, with confirmation), never an incoming message.
                    log.warning(
                        "a chat user has the email of owner %s, who is linked to another "
                        "chat user: not matched",
                        person.id,
                    )
                    person = None
                elif person is not None:
                    person.chat_user_id = chat_user_id
                    s.add(person)
            return self._actor(s, person, display_name, email, fallback_name=chat_user_id)

    def actor_for_member(self, platform: str, seen, *, known=_UNREAD) -> Actor:
        """The actor behind a chat member (storage/chat_members.MemberSeen): stores what
        proactive messages need and matches them to a person by email / user principal name.
        Kept apart from ``chat_user_id`` (Slack's), so one person can be on both platforms.
        ``known``: their stored member row (or None), when the caller has just read it."""
        from storage.chat_members import member, remember_member, trusted_email
        from storage.models import Owner

        with read_session(self.engine) as s:
            row = member(s, platform, seen.user_id) if known is _UNREAD else known
            if _member_fresh(row, seen):
                person = s.get(Owner, row.owner_id)
                return self._actor(s, person, seen.name, row.email, fallback_name=seen.user_id)
        with write_session(self.engine) as s:
            row = remember_member(s, platform, seen, now=self.clock.now())
            person = s.get(Owner, row.owner_id) if row.owner_id else None
            # A second account carrying a matched person's email is not them (nor an
            # administrator by that email): one person, one account per platform.
            email = trusted_email(s, row)
            return self._actor(s, person, seen.name, email, fallback_name=seen.user_id)

    def actors_for_members(self, platform: str, seen: list, rows: dict) -> dict[str, Actor]:
        """``actor_for_member`` for several (a burst of clicks) whose stored member rows
        (``rows``, by user id, just read) are matched and up to date: read together, by user
        id. The rest are left out: read alone, what they need is stored first."""
        fresh = {
            m.user_id: (m, rows[m.user_id]) for m in seen if _member_fresh(rows.get(m.user_id), m)
        }
        with read_session(self.engine) as s:
            people = owners_by_id(s, [row.owner_id for _m, row in fresh.values()])
            live = {i: p for i, p in people.items() if p.erased_at is None}
            rights = self._rights(s, list(live))
        return {
            user_id: self._person_actor(live[row.owner_id], m.name,
                                        row.email or live[row.owner_id].email, rights[row.owner_id])
            for user_id, (m, row) in fresh.items()
            if row.owner_id in live
        }  # fmt: skip

    def actor_for_name(self, name: str) -> Actor:
        """The actor with this person or role name (the console's `as`, the CLI's `--as`).
        A role acts through its current holder, so `owe`, `mine`, replies and `away` are
        that person's; a role nobody holds acts as the role itself."""
        with read_session(self.engine) as s:
            owner = find_owner(s, name)
            if owner is None:
                raise NotFound(f"nobody called {name!r}")
            if owner.kind == "role":
                holder = role_holder(s, owner.id)
                if holder is not None:
                    actor = self._actor(s, holder, holder.name, holder.email)
                    return replace(actor, via_role=owner.name)
                view = owner_view(owner)
                return Actor(owner.name, person=None, role_ids=frozenset({view.id}))
            return self._actor(s, owner, owner.name, owner.email)

    def actors_for_chat_users(self, chat_user_ids) -> dict[str, Actor]:
        """The actors behind several chat users known by their chat id (a burst of clicks),
        read in one session with one query per kind of fact. Users not linked to anyone
        are left out: read alone (``actor_for_chat_user``), they may be matched by email."""
        with read_session(self.engine) as s:
            found = find_by_chat_users(s, chat_user_ids)
            live = [p for p in found.values() if p.erased_at is None]
            rights = self._rights(s, [p.id for p in live])
            return {
                p.chat_user_id: self._person_actor(p, p.name, p.email, rights[p.id]) for p in live
            }

    def _actor(
        self, s, person, display_name: str, email: str | None, *, fallback_name: str = ""
    ) -> Actor:
        if person is not None and person.erased_at is not None:
            # An erased person's row stays only for the plan's history: no chat account
            # acts as them (erasure unlinks the accounts; this holds if one is missed).
            person = None
        email = email or (person.email if person is not None else None)
        if person is None:
            is_admin = bool(email and email.casefold() in self.admin_emails)
            return Actor(display_name or fallback_name, is_admin=is_admin)
        return self._person_actor(
            person, display_name, email, self._rights(s, [person.id])[person.id]
        )

    def _person_actor(self, person, display_name: str, email: str | None, rights) -> Actor:
        roles, covering = rights
        is_admin = bool(email and email.casefold() in self.admin_emails)
        return Actor(
            person.name or display_name,
            person=owner_view(person),
            role_ids=roles,
            is_admin=is_admin or person.is_admin,
            covering_ids=covering,
        )

    def _rights(self, s, person_ids: list[int]) -> dict[int, tuple[frozenset, frozenset]]:
        """Each person's (roles held, people and their roles covered today): three queries
        however many people."""
        held = role_ids_held_by(s, person_ids)
        covered = people_covered_by_each(s, person_ids, self.today())
        absent = role_ids_held_by(s, [a for ids in covered.values() for a in ids])
        rights = {}
        for person_id in person_ids:
            covering: set[int] = set()
            for absent_id in covered.get(person_id, ()):
                covering.add(absent_id)
                covering.update(absent.get(absent_id, ()))
            rights[person_id] = (frozenset(held.get(person_id, ())), frozenset(covering))
        return rights

    # -- questions --------------------------------------------------------------------------
    def query(self, actor: Actor, text: str) -> QueryResult:
        snap = self.snapshot(actor)
        q = parse_query(text, actor=actor, today=self.today(snap), snapshot=snap)
        return run_query(q, snap)

    def owed(self, today: date | None = None) -> dict[OwnerView, list[Owed]]:
        """Who owes what, in every plan served (bench/bench_owing.py times it)."""
        snap = self.snapshot()
        with gc_paused():  # one Owed per action owed: many objects, no cycles
            return who_owes_what(snap, today or self.today(snap), self.policy)

    def owed_by(self, actor: Actor, today: date | None = None) -> list[Owed]:
        """What ``actor`` owes: their own actions and those of roles they hold (in every
        plan served)."""
        snap = self.snapshot(actor)
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
        stored), TooLong for a commentary longer than a report cell. Redelivered events
        (same external_id) store nothing new. A caller that has just read the plan passes
        its ``snapshot`` rather than have it read again; otherwise only the one action and
        the people it involves are read. Text is cleaned (text_input.py) whichever platform
        it came from."""
        given = UpdateGiven(actor, action_ref, status, source, commentary, revised_text,
                            external_id, snapshot, revised_due)  # fmt: skip
        (result,) = self.record_updates([given])
        if isinstance(result, Exception):
            raise result
        return result

    def record_updates(self, given: list[UpdateGiven]) -> list[StoredUpdate | Exception]:
        """``record_update`` for several (a burst of clicks), stored in one transaction:
        each result in order, a StoredUpdate or the error (Refused, NotFound, TooLong) that
        says why that one stored nothing; the others are stored all the same."""
        out: list[StoredUpdate | Exception | None] = [None] * len(given)
        ready: list[tuple[int, NewUpdate, PlanSnapshot, ActionView, Actor]] = []
        for i, one in enumerate(given):
            try:
                ready.append((i, *self._update_to_store(one)))
            except (Refused, NotFound, TooLong) as exc:
                out[i] = exc
        if not ready:
            return out
        with write_session(self.engine) as s:
            now = self.clock.now()
            rows = append_update_rows(s, [new for _i, new, *_r in ready], now=now)
            admins = None
            for (i, _new, snap, action, actor), (update, created, row) in zip(
                ready, rows, strict=True
            ):
                signoff_id, leads = None, []
                if created and needs_signoff(snap, actor, action, update.status):
                    if admins is None:
                        admins = [owner_view(o) for o in all_owners(s) if o.is_admin]
                    leads = signoff_leads(snap, action, admins)
                    # None: a completion is already waiting for sign-off; not asked twice.
                    signoff = request_signoff(
                        s, action.id, update.id, leads[0].id if leads else None, now=now
                    )
                    signoff_id = signoff.id if signoff else None
                # The action as this transaction leaves it (the row is locked and loaded:
                # no second read of the plan around it on a click's path).
                fresh = action_after_write(action, row or s.get(Action, action.id))
                if signoff_id is not None:  # request_signoff marked it on a row of its own
                    fresh = fresh._replace(signoff_pending=True)
                # The plan read with the action is its own (a snapshot passed in may be
                # several).
                tz = snap.plan.timezone if snap.plan.id == action.plan_id else None
                request = None
                if signoff_id is not None:
                    request = SignOffRequest(
                        signoff_id, fresh, actor.display_name, update.commentary, leads
                    )
                out[i] = StoredUpdate(fresh, update, created, request, tz)
        return out

    def _update_to_store(self, one: UpdateGiven):
        """(the row to append, the plan around the action, the action, the actor) for an
        update ``one.actor`` may make; raises the error saying why not."""
        actor = one.actor
        self.check_reader(actor)
        commentary = clean_input(one.commentary).strip()
        check_length(commentary)
        revised_text = clean_input(one.revised_text) or None
        if one.snapshot is not None:
            snap = one.snapshot
            if isinstance(one.action_ref, int):
                action = next((a for a in snap.actions if a.id == one.action_ref), None)
                if action is None:
                    raise NotFound(f"no action with id {one.action_ref}")
            else:
                action = self.find_action(snap, one.action_ref)
        else:
            snap, action = self.action_snapshot(one.action_ref)
        if not may_update(actor, action, snap):
            from bot.core.people import refusal

            raise Refused(refusal(actor, action))
        new = NewUpdate(
            action_id=action.id,
            status=one.status,
            commentary=commentary.strip(),
            source=one.source,
            author_owner_id=actor.person.id if actor.person else None,
            author_name=clean_input(actor.display_name),
            revised_deadline_text=revised_text,
            revised_due=one.revised_due,
            external_id=one.external_id,
        )
        return new, snap, action, actor

    def undo_last(self, actor: Actor):
        """Take back the actor's last update made within UNDO_WINDOW: storage/undo.py.
        Returns (Undone, the action as it now stands) or None when there is none to undo."""
        if actor.person is None:
            return None
        now = self.clock.now()
        with write_session(self.engine) as s:
            last = last_undoable(s, actor.person.id, now=now, window=UNDO_WINDOW)
            if last is None:
                return None
            done = undo_update(
                s, last, author_id=actor.person.id, author_name=actor.display_name, now=now
            )
        snap = self.snapshot()
        action = next((a for a in snap.actions if a.id == done.undone.action_id), None)
        return done, action

    def request_reassign(
        self,
        actor: Actor,
        action: ActionView,
        text: str,
        *,
        source: str,
        external_id: str | None = None,
    ) -> tuple[int, bool, tuple[OwnerView, ...]]:
        """Store "this is no longer my action" for the administrators: (request id, created,
        the administrators who are to act on it)."""
        from storage.reassign import add_reassign_request

        with write_session(self.engine) as s:
            req, created = add_reassign_request(
                s,
                action.id,
                by_id=actor.person.id if actor.person else None,
                by_name=actor.display_name,
                text=text.strip(),
                source=source,
                external_id=external_id,
                now=self.clock.now(),
            )
            admins = tuple(
                owner_view(o)
                for o in all_owners(s)
                if o.is_admin or (o.email or "").casefold() in self.admin_emails
            )
            return req.id, created, admins

    def _action_now(self, snap: PlanSnapshot, action_id: int) -> ActionView:
        """One action as it reads now (after a write), without reloading the whole plan."""
        with read_session(self.engine) as s:
            return plan_snapshot(s, snap.plan.id, action_ids=[action_id]).actions[0]

    def decide_signoff(
        self, actor: Actor, signoff_id: int, *, confirm: bool, comment: str = ""
    ) -> SignOffDecision:
        """The theme lead (or an administrator) confirms or returns a completion."""
        self.check_reader(actor, "Nothing was changed.")
        _check_id(signoff_id, "sign-off request")
        comment = clean_input(comment)
        check_length(comment, "A comment")
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
        from bot.core.digest import digest_from_store, read_digest_plan
        from bot.core.policy import parse_policy

        plan = self.plan()
        now = until or self.clock.now()
        return digest_from_store(
            self.engine,
            read_digest_plan(self.engine, plan.id),
            plan_id=plan.id,
            today=local_today(self.clock, plan.timezone),
            since=since or now - timedelta(days=7),
            until=now,
            horizon_days=parse_policy(plan.policy_json).digest_horizon_days,
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
