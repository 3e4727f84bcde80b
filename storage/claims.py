"""Claim before send: the only place with the SQL that makes nudges, escalations and digests
go out exactly once, with two bot instances on one database or after a crash.

A claim is a row inserted with ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` against a
unique key (same statement on SQLite and PostgreSQL, the dialect's insert picked by
``engine.dialect.name``): whoever gets an id back owns the send; ``None`` means someone else
holds it. A claim then moves ``claimed`` → ``sent``; a failed send *releases* it (deletes the
rows) so the next sweep retries. A claim left ``claimed`` by a sweep that died carries a lease
(``lease_until``); after it runs out a later sweep takes the claim over with an atomic
compare-and-set (``UPDATE … WHERE state = 'claimed' AND lease_until < now``), asks the
notifier whether the message went out after all (crash after send), and only then resends.

Keys:
- NudgeMessage (person_id, day): one nudge message per person per local day, across plans (its
  ``plan_id`` is the first plan it lists; each item's plan is its action's);
- NudgeItem (action_id, window_key): an action is listed once per window and answerable owner
  (the key is ``f"{window}@{owner_id}"``, see bot/core/nudges.py);
- Escalation (owner_id, spell_key): once per silent spell (and theme lead);
- DigestPost (plan_id, channel, period_key): once per channel and period.

Every function runs its own short transaction and commits before returning: a claim must be
durable before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.engine import Engine

from storage.engine import dialect_insert, read_session, write_session
from storage.models import Action, DigestPost, Escalation, NudgeItem, NudgeMessage

CLAIMED, SENT = "claimed", "sent"
_CHUNK = 400  # pairs per IN (…) look-up: well under SQLite's bound-parameter limit


def _insert(engine: Engine, table):
    """The dialect's INSERT, which has on_conflict_do_nothing()."""
    return dialect_insert(engine, table)


def insert_ignore(session, model, values: dict, conflict_columns: list[str], *, returning):
    """INSERT … ON CONFLICT DO NOTHING RETURNING: None back means someone else has it."""
    return (
        _insert(session.get_bind(), model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(returning)
    )


def _mark_sent(engine: Engine, model, claim_ids: Sequence[int], now: datetime) -> None:
    with write_session(engine) as s:
        s.execute(
            update(model)
            .where(model.id.in_(list(claim_ids)), model.state == CLAIMED)
            .values(state=SENT, sent_at=now)
        )


def _release(engine: Engine, model, claim_ids: Sequence[int]) -> None:
    """Give claims back (the send failed): the next sweep claims and sends afresh."""
    with write_session(engine) as s:
        s.execute(delete(model).where(model.id.in_(list(claim_ids)), model.state == CLAIMED))


def _take_over(
    s, model, plan_id: int, instance_id: str, now: datetime, lease: timedelta, *cols,
    include_own: bool = False,
):  # fmt: skip
    """Claims of ``model`` left ``claimed`` past their lease (a sweep died), now ours: one
    UPDATE sets a new lease only where the old one has run out, so two sweepers never take
    the same one. ``include_own``: also this instance's own claims, lease or not (its previous
    run stopped part-way, e.g. the database restarted). Returns ``cols`` of the rows taken."""
    expired = model.lease_until < now
    if include_own:
        expired = or_(expired, model.claimed_by == instance_id[:100])
    return s.execute(
        update(model)
        .where(model.plan_id == plan_id, model.state == CLAIMED, expired)
        .values(claimed_by=instance_id[:100], lease_until=now + lease, attempts=model.attempts + 1)
        .returning(*cols)
    ).all()


# -- nudges ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimedItem:
    action_id: int
    window_key: str  # the claim key: f"{window}@{owner_id}"
    reason: str


@dataclass(frozen=True)
class NudgeClaim:
    id: int
    person_id: int  # the recipient
    day: date
    items: tuple[ClaimedItem, ...]
    attempts: int = 1


def claim_nudge(
    engine: Engine,
    *,
    plan_id: int,
    person_id: int,
    day: date,
    items: Sequence[ClaimedItem],
    instance_id: str,
    now: datetime,
    lease: timedelta,
) -> NudgeClaim | None:
    """Claim today's message to ``person_id`` and as many of ``items`` as nobody else holds.
    None: the person already has a message today, or every item is taken."""
    if not items:
        return None
    with write_session(engine) as s:
        msg_id = s.execute(
            _insert(engine, NudgeMessage)
            .values(
                plan_id=plan_id,
                person_id=person_id,
                day=day,
                state=CLAIMED,
                claimed_by=instance_id[:100],
                lease_until=now + lease,
                attempts=1,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["person_id", "day"])
            .returning(NudgeMessage.id)
        ).scalar()
        if msg_id is None:
            return None
        # Sorted, so two claimers lock rows in the same order (no deadlock on PostgreSQL).
        rows = [
            {
                "nudge_id": msg_id,
                "action_id": i.action_id,
                "window_key": i.window_key,
                "reason": i.reason[:30],
            }
            for i in sorted(items, key=lambda i: (i.action_id, i.window_key))
        ]
        got = s.execute(
            _insert(engine, NudgeItem)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["action_id", "window_key"])
            .returning(NudgeItem.action_id, NudgeItem.window_key)
        ).all()
        if not got:
            s.rollback()  # nothing of ours to send: leave the person's day free
            return None
        claimed = {(a, k) for a, k in got}
        kept = tuple(i for i in items if (i.action_id, i.window_key) in claimed)
        return NudgeClaim(msg_id, person_id, day, kept)


def mark_nudge_sent(
    engine: Engine, claim_id: int, *, channel: str | None, message_ts: str | None, now: datetime
) -> None:
    with write_session(engine) as s:
        s.execute(
            update(NudgeMessage)
            .where(NudgeMessage.id == claim_id, NudgeMessage.state == CLAIMED)
            .values(state=SENT, sent_at=now, channel=channel, message_ts=message_ts)
        )


def release_nudge(engine: Engine, claim_id: int) -> None:
    """Forget a claim whose send failed, so that the next sweep plans and claims it again."""
    with write_session(engine) as s:
        s.execute(delete(NudgeItem).where(NudgeItem.nudge_id == claim_id))
        s.execute(
            delete(NudgeMessage).where(NudgeMessage.id == claim_id, NudgeMessage.state == CLAIMED)
        )


def take_over_stale_nudges(
    engine: Engine, plan_id: int, *, instance_id: str, now: datetime, lease: timedelta,
    include_own: bool = False,
) -> list[NudgeClaim]:  # fmt: skip
    """Nudge claims a dead sweep left behind, with their items (see _take_over)."""
    with write_session(engine) as s:
        rows = _take_over(
            s, NudgeMessage, plan_id, instance_id, now, lease,
            NudgeMessage.id, NudgeMessage.person_id, NudgeMessage.day, NudgeMessage.attempts,
            include_own=include_own,
        )  # fmt: skip
        if not rows:
            return []
        items: dict[int, list[ClaimedItem]] = {}
        for nudge_id, action_id, key, reason in s.execute(
            select(NudgeItem.nudge_id, NudgeItem.action_id, NudgeItem.window_key, NudgeItem.reason)
            .where(NudgeItem.nudge_id.in_([r[0] for r in rows]))
            .order_by(NudgeItem.id)
        ):
            items.setdefault(nudge_id, []).append(ClaimedItem(action_id, key, reason))
    return [NudgeClaim(i, p, d, tuple(items.get(i, ())), a) for i, p, d, a in sorted(rows)]


def claimed_windows(
    engine: Engine, pairs: Iterable[tuple[int, str]], *, since_day: date | None = None
) -> set[tuple[int, str]]:
    """Which (action id, claim key) pairs are claimed or sent already.

    With ``since_day`` (the earliest day any of the windows opened, less a day for time
    zones): one query for the claims made since then, instead of looking each pair up. A
    window cannot have been claimed before it opened, so nothing is missed."""
    wanted = sorted(set(pairs))
    found: set[tuple[int, str]] = set()
    if since_day is not None:
        with read_session(engine) as s:
            rows = s.execute(
                select(NudgeItem.action_id, NudgeItem.window_key)
                .join(NudgeMessage, NudgeMessage.id == NudgeItem.nudge_id)
                .where(NudgeMessage.day >= since_day)
            )
            recent = {(a, k) for a, k in rows}
        return recent.intersection(wanted)
    with read_session(engine) as s:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            found.update(
                (a, k)
                for a, k in s.execute(
                    select(NudgeItem.action_id, NudgeItem.window_key).where(
                        tuple_(NudgeItem.action_id, NudgeItem.window_key).in_(chunk)
                    )
                )
            )
    return found


def messaged_days(engine: Engine, since: date) -> set[tuple[int, date]]:
    """(person id, local day) of every nudge message on or after ``since``, in any state."""
    with read_session(engine) as s:
        rows = s.execute(
            select(NudgeMessage.person_id, NudgeMessage.day).where(NudgeMessage.day >= since)
        ).all()
    return {(p, d) for p, d in rows}


@dataclass(frozen=True)
class SentItem:
    nudge_id: int
    recipient_id: int
    sent_at: datetime
    action_id: int
    window_key: str


def sent_items(engine: Engine, plan_id: int, since: datetime) -> list[SentItem]:
    """Items of the nudges sent since ``since``, oldest first."""
    with read_session(engine) as s:
        rows = s.execute(
            select(
                NudgeMessage.id,
                NudgeMessage.person_id,
                NudgeMessage.sent_at,
                NudgeItem.action_id,
                NudgeItem.window_key,
            )
            .join(NudgeItem, NudgeItem.nudge_id == NudgeMessage.id)
            .join(Action, Action.id == NudgeItem.action_id)
            .where(
                # The item's plan, not the message's: one message lists several plans'
                # actions (jobs/sweep.py), and carries the first plan's id.
                Action.plan_id == plan_id,
                NudgeMessage.state == SENT,
                NudgeMessage.sent_at >= since,
            )
            .order_by(NudgeMessage.sent_at, NudgeMessage.id, NudgeItem.id)
        ).all()
    return [SentItem(*r) for r in rows]


def unanswered_nudges(engine: Engine, plan_id: int) -> list[tuple[int, int, datetime]]:
    """(recipient id, action id, first sent at) for every sent nudge item whose action has had
    no reply since: the "nudged and silent" of the digest. The action may since have closed;
    the caller filters on the live plan."""
    with read_session(engine) as s:
        rows = s.execute(
            select(NudgeMessage.person_id, NudgeItem.action_id, func.min(NudgeMessage.sent_at))
            .join(NudgeItem, NudgeItem.nudge_id == NudgeMessage.id)
            .join(Action, Action.id == NudgeItem.action_id)
            .where(
                Action.plan_id == plan_id,  # the item's plan (a message spans plans)
                NudgeMessage.state == SENT,
                or_(Action.replied_at.is_(None), Action.replied_at < NudgeMessage.sent_at),
            )
            .group_by(NudgeMessage.person_id, NudgeItem.action_id)
        ).all()
    return [(p, a, t) for p, a, t in rows]


def nudge_counts(engine: Engine) -> dict[str, int]:
    """Messages by state, and items: for reports and the exactly-once tests."""
    with read_session(engine) as s:
        out = dict(
            s.execute(select(NudgeMessage.state, func.count()).group_by(NudgeMessage.state)).all()
        )
        out["items"] = s.execute(select(func.count()).select_from(NudgeItem)).scalar_one()
    return out


# -- escalations -------------------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationClaim:
    id: int
    owner_id: int
    recipient_id: int
    spell_key: str
    action_ids: tuple[int, ...]
    attempts: int = 1
    created_at: datetime | None = None  # claims made together (one message) share it


def claimed_spells(engine: Engine, owner_ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = sorted(set(owner_ids))
    out: set[tuple[int, str]] = set()
    with read_session(engine) as s:
        for i in range(0, len(ids), _CHUNK):
            out.update(
                # A key stored before keys named their plan is its row's plan's.
                (o, k if "#" in k else f"{k}#{p}")
                for o, k, p in s.execute(
                    select(Escalation.owner_id, Escalation.spell_key, Escalation.plan_id).where(
                        Escalation.owner_id.in_(ids[i : i + _CHUNK])
                    )
                )
            )
    return out


def claim_escalations(
    engine: Engine,
    *,
    plan_id: int,
    recipient_id: int,
    spells: Sequence[tuple[int, str, Sequence[int]]],
    instance_id: str,
    now: datetime,
    lease: timedelta,
) -> list[EscalationClaim]:
    """Claim escalations (owner id, spell key, action ids) to one recipient in one
    transaction; returns those this caller won (its message lists only them)."""
    won: list[EscalationClaim] = []
    with write_session(engine) as s:
        for owner_id, spell_key, action_ids in sorted(spells, key=lambda x: (x[0], x[1])):
            claim_id = s.execute(
                _insert(engine, Escalation)
                .values(
                    plan_id=plan_id,
                    owner_id=owner_id,
                    recipient_id=recipient_id,
                    spell_key=spell_key[:80],
                    action_ids=",".join(str(a) for a in action_ids)[:2000],
                    state=CLAIMED,
                    claimed_by=instance_id[:100],
                    lease_until=now + lease,
                    attempts=1,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["owner_id", "spell_key"])
                .returning(Escalation.id)
            ).scalar()
            if claim_id is not None:
                won.append(
                    EscalationClaim(claim_id, owner_id, recipient_id, spell_key, tuple(action_ids))
                )
    return won


def mark_escalations_sent(engine: Engine, claim_ids: Sequence[int], *, now: datetime) -> None:
    _mark_sent(engine, Escalation, claim_ids, now)


def release_escalations(engine: Engine, claim_ids: Sequence[int]) -> None:
    _release(engine, Escalation, claim_ids)


def take_over_stale_escalations(
    engine: Engine, plan_id: int, *, instance_id: str, now: datetime, lease: timedelta
) -> list[EscalationClaim]:
    with write_session(engine) as s:
        rows = _take_over(
            s, Escalation, plan_id, instance_id, now, lease,
            Escalation.id, Escalation.owner_id, Escalation.recipient_id, Escalation.spell_key,
            Escalation.action_ids, Escalation.attempts, Escalation.created_at,
        )  # fmt: skip
    return [
        EscalationClaim(i, o, r, k, tuple(int(x) for x in ids.split(",") if x), a, c)
        for i, o, r, k, ids, a, c in sorted(rows)
    ]


def escalation_counts(engine: Engine, plan_id: int) -> dict[str, int]:
    with read_session(engine) as s:
        return dict(
            s.execute(
                select(Escalation.state, func.count())
                .where(Escalation.plan_id == plan_id)
                .group_by(Escalation.state)
            ).all()
        )


# -- digests -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigestClaim:
    id: int
    channel: str
    period_key: str
    since: datetime | None
    attempts: int = 1


def claim_digest(
    engine: Engine,
    *,
    plan_id: int,
    channel: str,
    period_key: str,
    since: datetime | None,
    instance_id: str,
    now: datetime,
    lease: timedelta,
) -> DigestClaim | None:
    with write_session(engine) as s:
        claim_id = s.execute(
            _insert(engine, DigestPost)
            .values(
                plan_id=plan_id,
                channel=channel[:100],
                period_key=period_key[:80],
                since=since,
                state=CLAIMED,
                claimed_by=instance_id[:100],
                lease_until=now + lease,
                attempts=1,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["plan_id", "channel", "period_key"])
            .returning(DigestPost.id)
        ).scalar()
    return None if claim_id is None else DigestClaim(claim_id, channel, period_key, since)


def mark_digest_sent(engine: Engine, claim_id: int, *, now: datetime) -> None:
    _mark_sent(engine, DigestPost, [claim_id], now)


def release_digest(engine: Engine, claim_id: int) -> None:
    _release(engine, DigestPost, [claim_id])


def take_over_stale_digests(
    engine: Engine, plan_id: int, *, instance_id: str, now: datetime, lease: timedelta
) -> list[DigestClaim]:
    with write_session(engine) as s:
        rows = _take_over(
            s, DigestPost, plan_id, instance_id, now, lease,
            DigestPost.id, DigestPost.channel, DigestPost.period_key, DigestPost.since,
            DigestPost.attempts,
        )  # fmt: skip
    return [DigestClaim(*r) for r in sorted(rows)]


def previous_digest_sent_at(
    engine: Engine, plan_id: int, channel: str, scope_suffix: str = ""
) -> datetime | None:
    """When the last digest sent to ``channel`` went out (same scope suffix, e.g. "/theme:3"):
    where the next digest's "changed since" starts."""
    with read_session(engine) as s:
        rows = s.execute(
            select(DigestPost.period_key, DigestPost.sent_at)
            .where(
                DigestPost.plan_id == plan_id,
                DigestPost.channel == channel,
                DigestPost.state == SENT,
            )
            .order_by(DigestPost.sent_at.desc(), DigestPost.id.desc())
        ).all()
    for key, sent_at in rows:
        if scope_suffix_of(key) == scope_suffix:
            return sent_at
    return None


def scope_suffix_of(period_key: str) -> str:
    """ "2019-W38/theme:3" → "/theme:3"; "2019-W38" → ""."""
    _, slash, rest = period_key.partition("/")
    return slash + rest


def digest_posts(engine: Engine, plan_id: int) -> list[DigestPost]:
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(DigestPost).where(DigestPost.plan_id == plan_id).order_by(DigestPost.id)
            )
        )
