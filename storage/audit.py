"""The audit trail: who did what when, for every administrative change (imports, role
mapping, people, plan settings, erasures). An entry is written in the same transaction as
the change it records, so there is never a change without its entry or an entry for a change
that was rolled back."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from storage.models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str = "",
    now: datetime,
    subject_owner_id: int | None = None,
    **details,
) -> AuditEntry:
    """Add one entry; ``details`` are stored as JSON (dates and other values as text)."""
    entry = AuditEntry(
        at=now,
        actor=actor[:300],
        action=action[:40],
        subject=subject[:300],
        subject_owner_id=subject_owner_id,
        details=json.dumps(details, default=str, sort_keys=True) if details else "",
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    since: datetime | None = None,
    subject_owner_id: int | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries oldest first, optionally since a time or about one person."""
    q = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if subject_owner_id is not None:
        q = q.where(AuditEntry.subject_owner_id == subject_owner_id)
    if limit is not None:
        q = q.limit(limit)
    return list(session.exec(q))


def entry_dict(e: AuditEntry) -> dict:
    return {
        "at": e.at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "subject": e.subject,
        "details": json.loads(e.details) if e.details else {},
    }


def redact_subject(session: Session, owner_id: int, *, placeholder: str, secrets: list[str]) -> int:
    """After an erasure: entries about the person keep what was done and when, but their name,
    email and chat id are replaced by ``placeholder``. Returns how many entries changed."""
    changed = 0
    for e in entries(session, subject_owner_id=owner_id):
        subject, details = e.subject, e.details
        for s in secrets:
            if s:
                subject = subject.replace(s, placeholder)
                details = details.replace(json.dumps(s)[1:-1], placeholder)
        if (subject, details) != (e.subject, e.details):
            e.subject, e.details = subject, details
            session.add(e)
            changed += 1
    # The actor column names who did a change; an erased administrator is anonymised there too.
    for s in secrets:
        if not s:
            continue
        for e in session.exec(select(AuditEntry).where(AuditEntry.actor.contains(s))):
            e.actor = e.actor.replace(s, placeholder)
            session.add(e)
            changed += 1
    return changed
