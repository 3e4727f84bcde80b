"""Who has stayed silent, and who should hear about it. Pure: no database, no clock.

An owner's *silent spell* starts at their last reply: the latest update on any action they
answer for (from anyone but an import: an update by a co-owner or deputy answers too). Within
the spell we count the nudge messages they received themselves, for their own actions, before
today (so the last nudge had at least the rest of its day to be answered). Nudges a deputy
received while they were away are not theirs, and nothing is sent to an owner who is away with
no deputy, so an absence never counts towards escalation. With ``escalate_after_nudges`` or
more, the owner's still-open nudged actions are escalated, once per spell, to the lead of each
action's theme (the people holding the lead role), or else to the first administrator.

The claim key is ``f"{spell}>{recipient_id}"`` where spell is ``s<last reply UTC>`` (``s0``
before any reply): a new reply starts a new spell, and a new spell may be escalated again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.core.calendar import WorkCalendar
from bot.core.nudges import DEACTIVATED, Skipped, split_claim_key
from bot.core.owing import is_open
from bot.core.policy import NudgePolicy
from storage.absences import AbsenceView
from storage.claims import SentItem
from storage.queries import ActionView, OwnerView, PlanSnapshot


@dataclass(frozen=True)
class SilentSpell:
    person: OwnerView
    spell: str  # "s20190726T090000" or "s0"
    actions: tuple[ActionView, ...]
    nudges: int
    last_reply: datetime | None


@dataclass(frozen=True)
class PlannedEscalation:
    """One message to ``recipient`` about each silent owner in ``spells`` (with the actions
    of theirs that recipient leads)."""

    recipient: OwnerView
    spells: tuple[SilentSpell, ...]

    def claim_keys(self) -> list[tuple[int, str, list[int]]]:
        return [
            (
                s.person.id,
                escalation_key(s.spell, self.recipient.id, s.actions[0].plan_id),
                [a.id for a in s.actions],
            )
            for s in self.spells
        ]


def escalation_key(spell: str, recipient_id: int, plan_id: int) -> str:
    """The claim key of one silent spell told to one recipient, in one plan: escalations stay
    per plan, so an owner silent in two plans is escalated in each (storage/claims.py reads
    keys stored before plans were named as their row's plan's)."""
    return f"{spell}>{recipient_id}#{plan_id}"


@dataclass
class EscalationPlan:
    escalations: list[PlannedEscalation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def spell_key(last_reply: datetime | None) -> str:
    return "s0" if last_reply is None else f"s{last_reply.astimezone(UTC):%Y%m%dT%H%M%S}"


def silent_spells(
    snapshot: PlanSnapshot,
    sent: Iterable[SentItem],
    *,
    today_start: datetime,
    after: int,
) -> list[SilentSpell]:
    """Owners nudged ``after`` or more times (before ``today_start``) since their last reply."""
    if after <= 0:
        return []
    answers_for: dict[int, list[ActionView]] = defaultdict(list)
    people: dict[int, OwnerView] = {}
    for a in snapshot.actions:
        for o in a.owners:
            for p in snapshot.people_for(o) or (o,):
                answers_for[p.id].append(a)
                people[p.id] = p
    last_reply: dict[int, datetime | None] = {}
    for pid, acts in answers_for.items():
        times = [a.replied_at for a in acts if a.replied_at is not None]
        last_reply[pid] = max(times) if times else None

    open_actions = {a.id: a for a in snapshot.actions if is_open(a)}
    messages: dict[int, set[int]] = defaultdict(set)
    nudged: dict[int, dict[int, ActionView]] = defaultdict(dict)
    for item in sent:
        _, owner_id = split_claim_key(item.window_key)
        pid = item.recipient_id
        if owner_id != pid or pid not in people or item.sent_at >= today_start:
            continue  # a deputy's nudge, a role sent to an administrator, or today's
        last = last_reply[pid]
        if last is not None and item.sent_at <= last:
            continue
        messages[pid].add(item.nudge_id)
        action = open_actions.get(item.action_id)
        if action is not None:
            nudged[pid][action.id] = action
    out = []
    for pid, msgs in messages.items():
        if len(msgs) >= after and nudged[pid]:
            acts = tuple(sorted(nudged[pid].values(), key=lambda a: a.position))
            last = last_reply[pid]
            out.append(SilentSpell(people[pid], spell_key(last), acts, len(msgs), last))
    return sorted(out, key=lambda s: (s.person.name.casefold(), s.person.id))


def plan_escalations(
    snapshot: PlanSnapshot,
    now: datetime,
    policy: NudgePolicy,
    cal: WorkCalendar,
    *,
    sent: Iterable[SentItem],
    claimed: Container[tuple[int, str]] = frozenset(),
    absences: Mapping[int, AbsenceView] | None = None,
    admins: Sequence[OwnerView] = (),
) -> EscalationPlan:
    """The escalations to send at ``now``: silent spells not yet escalated, grouped into one
    message per recipient, each within the recipient's working hours."""
    tz = ZoneInfo(snapshot.plan.timezone)
    local = now.astimezone(tz)
    today = local.date()
    today_start = datetime.combine(today, datetime.min.time(), tz).astimezone(UTC)
    absences = absences or {}
    result = EscalationPlan()
    grouped: dict[int, list[SilentSpell]] = defaultdict(list)
    recipients: dict[int, OwnerView] = {}
    for spell in silent_spells(
        snapshot, sent, today_start=today_start, after=policy.escalate_after_nudges
    ):
        if _away(spell.person.id, today, absences):
            result.skipped.append(
                Skipped(spell.person.name, "", "away: silence while away is not escalated")
            )
            continue
        by_recipient: dict[int, list[ActionView]] = defaultdict(list)
        for a in spell.actions:
            recipient = _lead_for(snapshot, a, spell.person, today, absences, admins)
            if recipient is None:
                result.skipped.append(
                    Skipped(spell.person.name, a.label, "no theme lead or administrator to tell")
                )
                continue
            recipients[recipient.id] = recipient
            by_recipient[recipient.id].append(a)
        for rid, acts in by_recipient.items():
            if (spell.person.id, escalation_key(spell.spell, rid, acts[0].plan_id)) in claimed:
                continue
            grouped[rid].append(
                SilentSpell(spell.person, spell.spell, tuple(acts), spell.nudges, spell.last_reply)
            )
    for rid, spells in grouped.items():
        recipient = recipients[rid]
        if recipient.chat_deactivated:
            result.skipped.append(Skipped(recipient.name, "", DEACTIVATED))
            continue
        at = now.astimezone(ZoneInfo(recipient.timezone or snapshot.plan.timezone))
        if not cal.is_working_time(at, policy.working_hours_start, policy.working_hours_end):
            result.skipped.append(Skipped(recipient.name, "", "escalation waits for working hours"))
            continue
        result.escalations.append(PlannedEscalation(recipient, tuple(spells)))
    result.escalations.sort(key=lambda e: (e.recipient.name.casefold(), e.recipient.id))
    return result


def _lead_for(
    snapshot: PlanSnapshot,
    action: ActionView,
    silent: OwnerView,
    today: date,
    absences: Mapping[int, AbsenceView],
    admins: Sequence[OwnerView],
) -> OwnerView | None:
    theme = snapshot.themes.get(action.theme_id)
    leads = snapshot.people_for(theme.lead) if theme and theme.lead else ()
    for p in leads:
        if p.id != silent.id and not _away(p.id, today, absences):
            return p
    return next((a for a in admins if a.id != silent.id and not _away(a.id, today, absences)), None)


def _away(person_id: int, today: date, absences: Mapping[int, AbsenceView]) -> bool:
    a = absences.get(person_id)
    return a is not None and a.covers(today)
