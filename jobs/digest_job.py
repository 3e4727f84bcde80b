"""The leadership digest: due once a week (by default Monday 09:00, plan time) for each of the
plan's leadership channels, one for the whole plan or one per theme.

A digest is due from its slot until ``digest_grace_hours`` later, so one missed while the bot
was down is still posted when it comes back, but a week-old one is not. Each (channel, period)
is claimed in the database before posting (DigestPost), so it goes out once however many
instances check, and a failed post is released for the next check to retry. "Changed since"
starts where the previous digest sent to that channel (same scope) stopped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.delivery import DeliveryError, Notifier
from bot.core.digest import Digest, digest_from_store
from bot.core.replies import DigestReply
from jobs.common import JobContext, default_instance_id, process_notifier
from storage.claims import (
    DigestClaim,
    claim_digest,
    mark_digest_sent,
    previous_digest_sent_at,
    release_digest,
    scope_suffix_of,
    take_over_stale_digests,
)
from storage.rows import gc_paused

log = logging.getLogger(__name__)
DEFAULT_LOOKBACK = timedelta(days=7)  # "changed since" for a channel's first digest


@dataclass
class PostedDigest:
    channel: str
    period_key: str
    digest: Digest
    claim_id: int | None = None
    message_ts: str | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "period_key": self.period_key,
            "claim_id": self.claim_id,
            "message_ts": self.message_ts,
            "note": self.note,
            "digest": self.digest.as_dict(),
        }


@dataclass
class DigestReport:
    at: datetime
    plan: str
    dry_run: bool
    slot: datetime | None = None
    posted: list[PostedDigest] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "plan": self.plan,
            "dry_run": self.dry_run,
            "slot": self.slot,
            "posted": [p.as_dict() for p in self.posted],
            "skipped": self.skipped,
            "failures": [{"channel": c, "error": e} for c, e in self.failures],
        }


def digest_slot(ctx: JobContext) -> datetime:
    """The latest scheduled digest time at or before now (aware, in the digest's zone)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ctx.policy.digest_tz(ctx.plan.timezone))
    local = ctx.now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - ctx.policy.digest_day) % 7)
    slot = datetime.combine(day, ctx.policy.digest_time, tz)
    if slot > local:
        slot = datetime.combine(day - timedelta(days=7), ctx.policy.digest_time, tz)
    return slot


def leadership_channels(ctx: JobContext) -> list[str]:
    return [c.strip() for c in ctx.plan.leadership_channels.split(",") if c.strip()]


def run_digest(
    service,
    notifier: Notifier | None,
    *,
    instance_id: str | None = None,
    dry_run: bool = False,
    on_demand: bool = False,
    channels: list[str] | None = None,
) -> DigestReport:
    """Post the digests due now (``on_demand``: post one now, whatever the schedule): for
    each plan the service serves, that plan's digest to its own leadership channels, on its
    own schedule (its policy), claimed per plan, channel and period."""
    # The collector waits while the plan is read and its digests built and posted: the
    # tens of thousands of rows and views made for a big plan hold no cycles and are freed
    # as the job ends, so sweeping them meanwhile (twice or more each) is pure cost.
    services = service.each_plan() or [service]  # none loaded: the one-plan path says so
    reports = []
    for one in services:
        with gc_paused():
            reports.append(_run_digest(one, notifier, instance_id, dry_run, on_demand, channels))
    return combined(reports)


def combined(reports: list[DigestReport]) -> DigestReport:
    """Several plans' digest reports as one (each skip line naming its plan)."""
    if len(reports) == 1:
        return reports[0]
    first = reports[0]
    out = DigestReport(first.at, ", ".join(r.plan for r in reports), first.dry_run, first.slot)
    for r in reports:
        out.posted.extend(r.posted)
        out.skipped.extend(f"{r.plan}: {line}" for line in r.skipped)
        out.failures.extend(r.failures)
    return out


def _run_digest(service, notifier, instance_id, dry_run, on_demand, channels) -> DigestReport:
    ctx = JobContext.load(service, lazy=True)
    ctx.digest_plan  # noqa: B018 - started now: on a server it is read while the job claims
    instance_id = instance_id or default_instance_id()
    report = DigestReport(ctx.now, ctx.plan.name, dry_run)
    if not dry_run:
        if notifier is None:
            raise ValueError("posting a digest needs a notifier")
        _resume_stale(ctx, notifier, instance_id, report)
    channels = channels if channels is not None else leadership_channels(ctx)
    if not channels:
        report.skipped.append(
            "the plan has no leadership channels: set Plan.leadership_channels to post digests"
        )
        if not dry_run:
            return report
        channels = ["(no channel)"]
    if on_demand:
        period = f"now:{ctx.now:%Y-%m-%dT%H:%M}"
    else:
        slot = digest_slot(ctx)
        report.slot = slot
        late = ctx.now - slot
        if late > timedelta(hours=ctx.policy.digest_grace_hours):
            report.skipped.append(
                f"the digest of {slot:%a %-d %b %H:%M} is {late} late, past the grace of "
                f"{ctx.policy.digest_grace_hours:g} h: next one {slot + timedelta(days=7):%a %-d %b}"
            )
            return report
        period = f"{slot:%G-W%V}"
    for channel in channels:
        for suffix, theme_ids in _scopes(ctx):
            key = period + suffix
            since = previous_digest_sent_at(ctx.engine, ctx.plan_id, channel, suffix)
            since = since or ctx.now - DEFAULT_LOOKBACK
            if dry_run:
                report.posted.append(
                    PostedDigest(channel, key, build(ctx, since, theme_ids), note="dry run")
                )
                continue
            claim = claim_digest(
                ctx.engine,
                plan_id=ctx.plan_id,
                channel=channel,
                period_key=key,
                since=since,
                instance_id=instance_id,
                now=ctx.now,
                lease=ctx.lease,
            )
            if claim is None:
                report.skipped.append(f"{channel} {key}: already posted (or being posted)")
                continue
            _post(ctx, notifier, claim, build(ctx, since, theme_ids), report)
    return report


def _scopes(ctx: JobContext) -> list[tuple[str, set[int] | None]]:
    if ctx.policy.digest_scope == "plan":
        return [("", None)]
    plan = ctx.digest_plan.result()
    used = {a.theme_id for a in plan.actions}
    themes = sorted((t for t in plan.themes.values() if t.id in used), key=lambda t: t.position)
    return [(f"/theme:{t.id}", {t.id}) for t in themes]


def _theme_ids(suffix: str) -> set[int] | None:
    return {int(suffix.rsplit(":", 1)[1])} if suffix.startswith("/theme:") else None


def build(ctx: JobContext, since: datetime | None, theme_ids: set[int] | None) -> Digest:
    """One digest, as the job posts it (bench/bench_digest.py times this)."""
    return digest_from_store(
        ctx.engine,
        ctx.digest_plan,
        plan_id=ctx.plan_id,
        today=ctx.today,
        since=since,
        until=ctx.now,
        horizon_days=ctx.policy.digest_horizon_days,
        theme_ids=theme_ids,
    )


def _post(ctx, notifier: Notifier, claim: DigestClaim, digest: Digest, report, note="") -> None:
    try:
        delivered = notifier.post_digest(claim.channel, DigestReply(digest), claim.id)
    except DeliveryError as exc:
        release_digest(ctx.engine, claim.id)
        report.failures.append((claim.channel, f"not posted, will retry: {exc}"))
        return
    except Exception as exc:  # noqa: BLE001 - unknown outcome: the lease decides later
        report.failures.append((claim.channel, f"unknown outcome, claim kept: {exc}"))
        log.exception("digest to %s: unknown outcome (claim %s kept)", claim.channel, claim.id)
        return
    mark_digest_sent(ctx.engine, claim.id, now=ctx.service.clock.now())
    report.posted.append(
        PostedDigest(claim.channel, claim.period_key, digest, claim.id, delivered.message_ts, note)
    )


def _resume_stale(ctx: JobContext, notifier: Notifier, instance_id: str, report) -> None:
    for claim in take_over_stale_digests(
        ctx.engine, ctx.plan_id, instance_id=instance_id, now=ctx.now, lease=ctx.lease
    ):
        try:
            done = notifier.already_delivered("digest", claim.id, claim.channel)
        except Exception as exc:  # noqa: BLE001 - can't tell: keep the claim, try later
            report.failures.append((claim.channel, f"could not check an earlier post: {exc}"))
            continue
        if done is not None:
            mark_digest_sent(ctx.engine, claim.id, now=ctx.now)
            report.skipped.append(
                f"{claim.channel} {claim.period_key}: delivered before a crash, marked sent"
            )
            continue
        theme_ids = _theme_ids(scope_suffix_of(claim.period_key))
        digest = build(ctx, claim.since, theme_ids)
        _post(ctx, notifier, claim, digest, report, note="resumed after a crash")


def post_digest_now(service, notifier: Notifier | None = None) -> str:
    """An administrator's "digest now": post a digest on demand to the plan's leadership
    channels, through ``notifier`` (default: the one this process's scheduler uses); returns
    a sentence saying what happened."""
    if notifier is None:
        notifier = process_notifier()
    if notifier is None:
        return "The scheduler is not running in this process, so there is no way to post."
    report = run_digest(service, notifier, on_demand=True)
    if report.failures:
        return "; ".join(f"{c}: {e}" for c, e in report.failures)
    if not report.posted:
        return " ".join(report.skipped) or "Nothing was posted."
    return "Digest posted to " + ", ".join(p.channel for p in report.posted) + "."
