"""Escalation: after N nudges with no reply, one message to the theme lead (or an
administrator) listing the silent owners and their actions, once per silent spell.

What is silent is decided in bot/core/escalation.py from the nudges sent (storage/claims.py);
each (owner, spell, recipient) is claimed before the message goes out, like a nudge, so two
bot instances or a crash never escalate twice, and a failed send is retried.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.delivery import DeliveryError, Notifier
from bot.core.escalation import PlannedEscalation, SilentSpell, plan_escalations, spell_key
from bot.core.replies import EscalationNotice, SilentOwner
from jobs.common import JobContext, default_instance_id
from storage.claims import (
    EscalationClaim,
    claim_escalations,
    claimed_spells,
    mark_escalations_sent,
    release_escalations,
    sent_items,
    take_over_stale_escalations,
)

log = logging.getLogger(__name__)

# Nudges older than this are not read when looking for silence (a spell this long has been
# escalated long ago).
LOOKBACK = timedelta(days=180)


def run_escalations(
    ctx: JobContext,
    notifier: Notifier | None,
    *,
    instance_id: str | None = None,
    dry_run: bool = False,
    report=None,
) -> list[dict]:
    """Escalate at ``ctx.now``; appends to ``report.escalations``/``failures`` if given."""
    instance_id = instance_id or default_instance_id()
    out: list[dict] = []
    if not dry_run:
        _resume_stale(ctx, notifier, instance_id, out, report)
    sent = sent_items(ctx.engine, ctx.plan_id, ctx.now - LOOKBACK)
    owners = {i.recipient_id for i in sent}
    plan = plan_escalations(
        ctx.snapshot,
        ctx.now,
        ctx.policy,
        ctx.cal,
        sent=sent,
        claimed=claimed_spells(ctx.engine, owners),
        absences=ctx.absences,
        admins=ctx.admins,
    )
    if report is not None:
        report.skipped.extend(plan.skipped)
    for planned in plan.escalations:
        if dry_run:
            out.append(_entry(planned.recipient.name, planned.spells, None, "would send"))
            continue
        claims = claim_escalations(
            ctx.engine,
            plan_id=ctx.plan_id,
            recipient_id=planned.recipient.id,
            spells=planned.claim_keys(),
            instance_id=instance_id,
            now=ctx.now,
            lease=ctx.lease,
        )
        if not claims:
            continue  # another instance has them
        won = {c.owner_id for c in claims}
        spells = tuple(s for s in planned.spells if s.person.id in won)
        _send(ctx, notifier, PlannedEscalation(planned.recipient, spells), claims, out, report)
    if report is not None:
        report.escalations.extend(out)
    return out


def _notice(ctx: JobContext, planned: PlannedEscalation) -> EscalationNotice:
    return EscalationNotice(
        planned.recipient,
        tuple(SilentOwner(s.person, s.actions, s.nudges, s.last_reply) for s in planned.spells),
        ctx.today,
    )


def _entry(recipient: str, spells, claim_ids, note: str) -> dict:
    return {
        "recipient": recipient,
        "claim_ids": claim_ids,
        "note": note,
        "silent": [
            {"owner": s.person.name, "nudges": s.nudges, "actions": [a.label for a in s.actions]}
            for s in spells
        ],
    }


def _send(ctx, notifier, planned: PlannedEscalation, claims: list[EscalationClaim], out, report):
    ids = [c.id for c in claims]
    try:
        delivered = notifier.send_escalation(planned.recipient, _notice(ctx, planned), tuple(ids))
    except DeliveryError as exc:
        release_escalations(ctx.engine, ids)
        if report is not None:
            report.failures.append((planned.recipient.name, f"escalation not delivered: {exc}"))
        return
    except Exception as exc:  # noqa: BLE001 - unknown outcome: the lease decides later
        if report is not None:
            report.failures.append((planned.recipient.name, f"escalation: unknown outcome: {exc}"))
        log.exception("escalation to owner #%s: unknown outcome", planned.recipient.id)
        return
    mark_escalations_sent(ctx.engine, ids, now=ctx.service.clock.now())
    out.append(_entry(planned.recipient.name, planned.spells, ids, delivered.channel))


def _resume_stale(ctx: JobContext, notifier, instance_id, out, report) -> None:
    stale = take_over_stale_escalations(
        ctx.engine, ctx.plan_id, instance_id=instance_id, now=ctx.now, lease=ctx.lease
    )
    if not stale:
        return
    people = ctx.people({c.recipient_id for c in stale} | {c.owner_id for c in stale})
    actions = {a.id: a for a in ctx.snapshot.actions}
    by_recipient: dict[int, list[EscalationClaim]] = {}
    for c in stale:
        by_recipient.setdefault(c.recipient_id, []).append(c)
    for rid, claims in by_recipient.items():
        recipient = people.get(rid)
        if recipient is None:
            release_escalations(ctx.engine, [c.id for c in claims])
            continue
        # Claims made together went out as one message, which a platform may tag with the
        # first claim id only: if any of a batch is found, the whole batch went out.
        batches: dict = {}
        for c in claims:
            batches.setdefault(c.created_at, []).append(c)
        pending = []
        for batch in batches.values():
            try:
                found = any(
                    notifier.already_delivered("escalation", c.id, recipient) is not None
                    for c in batch
                )
            except Exception as exc:  # noqa: BLE001 - can't tell: keep the claims
                if report is not None:
                    report.failures.append((recipient.name, f"could not check: {exc}"))
                continue
            if found:
                mark_escalations_sent(ctx.engine, [c.id for c in batch], now=ctx.now)
            else:
                pending.extend(batch)
        if not pending:
            continue
        spells = tuple(
            SilentSpell(
                people[c.owner_id],
                c.spell_key.split(">")[0],
                tuple(actions[a] for a in c.action_ids if a in actions),
                0,
                None,
            )
            for c in pending
            if c.owner_id in people
        )
        if not ctx.in_working_time(recipient) or not spells:
            release_escalations(ctx.engine, [c.id for c in pending])
            continue
        _send(ctx, notifier, PlannedEscalation(recipient, spells), pending, out, report)


__all__ = ["run_escalations", "spell_key"]
