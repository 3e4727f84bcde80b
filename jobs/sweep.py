"""The nudge sweep: one pass that sends every nudge due now, exactly once.

1. Take over claims a dead sweep left behind (lease run out). For each, ask the notifier
   whether the message went out after all (crash after send): if so, mark it sent; if not and
   it is still the recipient's day and working hours, send it now; otherwise release it so the
   plan below decides afresh.
2. Plan (bot/core/nudges.py) what is due now from the database: active windows not yet
   claimed, routed to people, within their working hours, one message per person per day.
   Every plan the service serves is planned with its own policy, calendar and time zone; a
   person's items from several plans then make one message, grouped by plan (claimed once:
   NudgeMessage is one per person and day, whichever plans it lists).
3. For each person: claim the message and its items, send, mark sent. A send the notifier
   reports as failed (DeliveryError) releases the claim, so the next sweep retries it; any
   other error leaves the claim to run out its lease, since the message may have gone out.
4. Escalate silent owners (jobs/escalation.py), plan by plan.

The sweep can run anywhere, as often as wanted, in as many processes as wanted: the claims in
the database, never the scheduler, are what prevent duplicates. A dry run plans and reports
but neither sends nor writes.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.delivery import DeliveryError, Notifier
from bot.core.nudges import (
    PlannedItem,
    PlannedNudge,
    Skipped,
    active_window,
    answered,
    candidate_items,
    plan_nudges,
    reason_for,
    split_claim_key,
)
from bot.core.owing import Owed, is_open
from bot.core.replies import Nudge
from bot.foreground import FOREGROUND, step_aside
from bot.heap import settle
from bot.log_privacy import without
from jobs.common import JobContext, default_instance_id
from storage.claims import (
    ClaimedItem,
    NudgeClaim,
    claim_nudge,
    claimed_windows,
    mark_nudge_sent,
    messaged_days,
    release_nudge,
    take_over_stale_nudges,
)
from storage.engine import background
from storage.queries import OwnerView

log = logging.getLogger(__name__)
# A sweep with this many nudges to send runs for seconds to minutes (Teams: 50 a second),
# while owners click: it settles the heap first (see run_sweep).
SETTLE_AT_NUDGES = 100
_report_lock = threading.Lock()  # parallel sends count lost races into one report


@dataclass
class SentNudge:
    recipient: OwnerView
    day: date
    items: list[dict[str, Any]]
    claim_id: int | None = None  # None in a dry run
    channel: str | None = None
    message_ts: str | None = None
    note: str = ""  # "resumed", "already delivered before a crash", …

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient.name,
            "recipient_id": self.recipient.id,
            "day": self.day,
            "claim_id": self.claim_id,
            "channel": self.channel,
            "message_ts": self.message_ts,
            "note": self.note,
            "actions": self.items,
        }


@dataclass
class SweepReport:
    at: datetime
    plan: str
    dry_run: bool
    nudged: list[SentNudge] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (who, error)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    released: int = 0  # stale claims given back to be planned afresh
    lost_races: int = 0  # messages another sweep claimed first
    left_for_next: int = 0  # not claimed: the bot was stopping (the next sweep sends them)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "plan": self.plan,
            "dry_run": self.dry_run,
            "nudged": [n.as_dict() for n in self.nudged],
            "skipped": [{"who": s.who, "action": s.action, "why": s.why} for s in self.skipped],
            "failures": [{"who": w, "error": e} for w, e in self.failures],
            "escalations": self.escalations,
            "released": self.released,
            "lost_races": self.lost_races,
            "left_for_next": self.left_for_next,
        }


def run_sweep(
    service,
    notifier: Notifier | None,
    *,
    instance_id: str | None = None,
    dry_run: bool = False,
    escalate: bool = True,
    resume_own: bool = False,
    stop: threading.Event | None = None,
) -> SweepReport:
    """One sweep at ``service.clock.now()`` over every plan the service serves (see the module
    docstring); ``resume_own``: this instance's claims still ``claimed`` are left from its own
    earlier run that stopped part-way (the scheduler runs one sweep at a time): check and
    finish them now rather than when their lease runs out. ``stop`` set (the bot is
    shutting down): nothing more is claimed, and what is left waits for the next sweep;
    sends already under way finish as usual."""
    plans = service.each_plan()
    # Owners are shared by every plan: read once for all of them.
    people = service.shared_people() if len(plans) > 1 else None
    ctxs = [JobContext.load(one, people=people) for one in plans]
    if not ctxs:
        service.plan()  # raises: no plan loaded yet
    sweep = _Sweep(ctxs, stop)
    instance_id = instance_id or default_instance_id()
    report = SweepReport(ctxs[0].now, ", ".join(c.plan.name for c in ctxs), dry_run)
    if not dry_run:
        if notifier is None:
            raise ValueError("a sweep that sends needs a notifier")
        _resume_stale(sweep, notifier, instance_id, report, include_own=resume_own)

    # Each plan decides what of its own is due (its policy, calendar, time zone); a person
    # then gets one message listing every plan's items, grouped by plan.
    messaged = messaged_days(ctxs[0].engine, min(c.today for c in ctxs) - timedelta(days=1))
    by_person: dict[int, list[PlannedNudge]] = {}
    for ctx in ctxs:
        for planned in _due(ctx, messaged, report):
            by_person.setdefault(planned.recipient.id, []).append(planned)
    nudges = [_merge(parts) for parts in by_person.values()]
    if not dry_run and len(nudges) >= SETTLE_AT_NUDGES:
        # The plan just read lives as long as the sweep: left out of full garbage
        # collections, which otherwise held the interpreter for 100-270 ms at a time while
        # owners clicked (bot/heap.py). Once, before the first nudge goes out, and after
        # any request being read or handled (the collection holds the interpreter).
        _people_first()
        settle()
    # A notifier whose platform takes many conversations at once (Teams: 50 requests a
    # second per app, 7 per conversation) says how many sends may be in flight; each nudge
    # is still claimed before it is sent, so running them side by side changes nothing else.
    workers = max(1, int(getattr(notifier, "parallel_sends", 1) or 1)) if not dry_run else 1
    if workers > 1 and len(nudges) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="sweep-send") as pool:
            for f in [
                pool.submit(_claim_and_send, sweep, notifier, instance_id, p, report)
                for p in nudges
            ]:
                f.result()
    else:
        for planned in nudges:
            if dry_run:
                report.nudged.append(
                    SentNudge(planned.recipient, planned.day, _items(planned.items))
                )
                continue
            _claim_and_send(sweep, notifier, instance_id, planned, report)

    if escalate:
        from jobs.escalation import run_escalations

        for ctx in ctxs:  # escalations stay per plan: each plan's own silent spells
            run_escalations(ctx, notifier, instance_id=instance_id, dry_run=dry_run, report=report)
    return report


class _Sweep:
    """The plans one sweep covers: their job contexts, and which plan each action is in."""

    def __init__(self, ctxs: list[JobContext], stop: threading.Event | None = None):
        self.ctxs = ctxs
        self.stop = stop
        self.first = ctxs[0]
        self.by_plan = {c.plan_id: c for c in ctxs}
        # Headings per plan only when several plans are served (bot/core/replies.Nudge).
        self.plans = tuple((c.plan_id, c.plan.name) for c in ctxs) if len(ctxs) > 1 else ()

    @property
    def engine(self):
        return self.first.engine

    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def ctx_of(self, planned: PlannedNudge) -> JobContext:
        """The context whose clock, lease and time zone a message follows: its first item's
        plan (a person's message is claimed once, whichever plans it lists)."""
        return self.by_plan.get(planned.items[0].action.plan_id, self.first)


def _due(ctx: JobContext, messaged, report: SweepReport) -> list[PlannedNudge]:
    """What ``ctx``'s plan has due now, per person (bot/core/nudges.plan_nudges)."""
    candidates = candidate_items(ctx.snapshot, ctx.today, ctx.policy, ctx.cal)
    claimed = claimed_windows(
        ctx.engine,
        ((i.action.id, i.claim_key) for i in candidates),
        # A recipient's local day can be a day behind the plan's.
        since_day=min((i.window.opened for i in candidates), default=ctx.today) - timedelta(days=1),
    )
    deputies = {a.deputy_id for a in ctx.absences.values() if a.deputy_id}
    plan = plan_nudges(
        ctx.snapshot,
        ctx.now,
        ctx.policy,
        ctx.cal,
        claimed=claimed,
        absences=ctx.absences,
        # Time zones differ by at most a day either side of the plan's.
        messaged=messaged,
        admins=ctx.admins,
        people=ctx.people(deputies),
        candidates=candidates,
    )
    report.skipped.extend(plan.skipped)
    return list(plan.nudges)


def _merge(parts: list[PlannedNudge]) -> PlannedNudge:
    """One person's nudges from several plans as one message (plans in order, each plan's
    items as that plan ordered them), on the first plan's idea of their local day."""
    if len(parts) == 1:
        return parts[0]
    items = tuple(i for p in parts for i in p.items)
    return PlannedNudge(parts[0].recipient, parts[0].day, items)


def nudge_reply(planned: PlannedNudge, plans: tuple[tuple[int, str], ...] = ()) -> Nudge:
    """The reply object renderers turn into the message (each action listed once; grouped
    under a heading per plan when ``plans`` names several)."""
    owed: dict[int, Owed] = {}
    for item in planned.items:
        owed.setdefault(item.action.id, item.owed(planned.day))
    return Nudge(planned.recipient, tuple(owed.values()), planned.day, planned.covering, plans)


def _items(items) -> list[dict[str, Any]]:
    return [
        {
            "ref": i.action.label,
            "action_id": i.action.id,
            "text": i.action.text,
            "window": i.window.key,
            "reason": i.reason.value,
            "for": i.owner.name,
        }
        for i in items
    ]


def _claim_and_send(
    sweep: _Sweep, notifier: Notifier, instance_id: str, planned: PlannedNudge, report
) -> None:
    # Owners click as their nudges arrive, that is while this sweep still runs: their
    # requests go first (bot/foreground.py), at most half a second at a time, and each of
    # this nudge's writes (claim, journal, sent) steps aside for acknowledgements under way.
    _people_first()
    with background(step_aside):
        _claim_and_send_now(sweep, notifier, instance_id, planned, report)


def _people_first() -> None:
    """Wait while people's requests are being handled (up to FOREGROUND's hold), and then,
    even in the spell the hold leaves the sweep free after a long one, while requests are
    at the door (up to STEP_ASIDE_SECONDS): a burst's answers to the Bot Connector run for
    seconds, and the next burst arriving in such a spell met 24 senders at full speed."""
    FOREGROUND.wait_quiet()
    step_aside()


def _claim_and_send_now(
    sweep: _Sweep, notifier: Notifier, instance_id: str, planned: PlannedNudge, report
) -> None:
    if sweep.stopping():
        # Shutting down: a claim taken now would wait out its lease before anyone sent it.
        with _report_lock:
            report.left_for_next += 1
        return
    ctx = sweep.ctx_of(planned)
    claim = claim_nudge(
        ctx.engine,
        plan_id=ctx.plan_id,
        person_id=planned.recipient.id,
        day=planned.day,
        items=[ClaimedItem(i.action.id, i.claim_key, i.reason.value) for i in planned.items],
        instance_id=instance_id,
        now=ctx.now,
        lease=ctx.lease,
    )
    if claim is None:
        with _report_lock:
            report.lost_races += 1
        return
    won = {(c.action_id, c.window_key) for c in claim.items}
    mine = tuple(i for i in planned.items if (i.action.id, i.claim_key) in won)
    if len(mine) < len(planned.items):
        with _report_lock:
            report.lost_races += 1  # another sweep listed some of these first
    # Clicks that came while the claim was written go first here too: with 24 senders in
    # flight a burst met up to 24 sends each taking the interpreter for its message.
    _people_first()
    _send(sweep, notifier, PlannedNudge(planned.recipient, planned.day, mine), claim.id, report)


def _send(
    sweep: _Sweep,
    notifier: Notifier,
    planned: PlannedNudge,
    claim_id: int,
    report: SweepReport,
    note: str = "",
) -> None:
    ctx = sweep.ctx_of(planned)
    who = planned.recipient.name
    try:
        delivered = notifier.send_nudge(
            planned.recipient, nudge_reply(planned, sweep.plans), claim_id
        )
    except DeliveryError as exc:
        release_nudge(ctx.engine, claim_id)
        report.failures.append((who, f"not delivered, will retry: {exc}"))
        # Logs name people by owner id only (bot/log_privacy.py): they outlive an erasure.
        r = planned.recipient
        log.warning(
            "nudge to owner #%s not delivered (claim %s released): %s",
            r.id,
            claim_id,
            without(str(exc), r.name, r.email),
        )
        return
    except Exception as exc:  # noqa: BLE001 - unknown outcome: the lease decides later
        report.failures.append((who, f"unknown outcome, claim kept until its lease ends: {exc}"))
        log.exception(
            "nudge to owner #%s: unknown outcome (claim %s kept)", planned.recipient.id, claim_id
        )
        return
    # The message is out, and a claim resumed after a crash asks the notifier whether it
    # went (already_delivered: Teams' journal, Slack's history), not this mark; so the mark
    # can wait for people first: 24 senders' answers coming back during a burst of clicks
    # each wrote here at once.
    _people_first()
    mark_nudge_sent(
        ctx.engine,
        claim_id,
        channel=delivered.channel,
        message_ts=delivered.message_ts,
        now=ctx.service.clock.now(),
    )
    report.nudged.append(
        SentNudge(
            planned.recipient,
            planned.day,
            _items(planned.items),
            claim_id,
            delivered.channel,
            delivered.message_ts,
            note,
        )
    )


def _resume_stale(
    sweep: _Sweep,
    notifier: Notifier,
    instance_id: str,
    report: SweepReport,
    *,
    include_own: bool = False,
) -> None:
    stale: list[tuple[JobContext, NudgeClaim]] = []
    for ctx in sweep.ctxs:  # a message is filed under its first plan
        stale.extend(
            (ctx, claim)
            for claim in take_over_stale_nudges(
                ctx.engine,
                ctx.plan_id,
                instance_id=instance_id,
                now=ctx.now,
                lease=ctx.lease,
                include_own=include_own,
            )  # fmt: skip
        )
    if not stale:
        return
    people = sweep.first.people(
        {c.person_id for _, c in stale}
        | {split_claim_key(i.window_key)[1] for _, c in stale for i in c.items}
    )
    for ctx, claim in stale:
        recipient = people.get(claim.person_id)
        if recipient is None:
            release_nudge(ctx.engine, claim.id)
            report.released += 1
            continue
        try:
            done = notifier.already_delivered("nudge", claim.id, recipient)
        except Exception as exc:  # noqa: BLE001 - can't tell: keep the claim, try later
            report.failures.append((recipient.name, f"could not check an earlier send: {exc}"))
            continue
        if done is not None:
            mark_nudge_sent(
                ctx.engine,
                claim.id,
                channel=done.channel,
                message_ts=done.message_ts,
                now=ctx.now,
            )
            report.nudged.append(
                SentNudge(
                    recipient,
                    claim.day,
                    [{"claim_key": i.window_key, "action_id": i.action_id} for i in claim.items],
                    claim.id,
                    done.channel,
                    done.message_ts,
                    "already delivered before a crash: marked sent, not resent",
                )
            )
            continue
        planned = _rebuild(sweep, claim, recipient, people)
        if (
            planned is None
            or claim.day != ctx.local_day(recipient)
            or not ctx.in_working_time(recipient)
        ):
            # Another day, out of hours, or nothing left to ask: plan afresh instead.
            release_nudge(ctx.engine, claim.id)
            report.released += 1
            continue
        _send(sweep, notifier, planned, claim.id, report, note="resumed after a crashed sweep")


def _rebuild(
    sweep: _Sweep, claim: NudgeClaim, recipient: OwnerView, people: dict[int, OwnerView]
) -> PlannedNudge | None:
    """The nudge a claim stood for, from its stored items and the plans as they are now (each
    item read by its own plan's policy and time zone); items whose action has since closed,
    or been answered, are left out."""
    actions = {a.id: (ctx, a) for ctx in sweep.ctxs for a in ctx.snapshot.actions}
    items: list[PlannedItem] = []
    for ci in claim.items:
        ctx, action = actions.get(ci.action_id, (None, None))
        if action is None or not is_open(action):
            continue
        window = active_window(action, ctx.today, ctx.policy, ctx.cal)
        window_key, owner_id = split_claim_key(ci.window_key)
        if window is None or window.key != window_key:
            continue  # the deadline moved, or a newer window opened: the plan will decide
        if answered(action, window, ctx.tz):
            continue
        owner = people.get(owner_id) or recipient
        items.append(PlannedItem(action, window, owner, reason_for(action, window, ctx.today)))
    if not items:
        return None
    return PlannedNudge(recipient, claim.day, tuple(items))
