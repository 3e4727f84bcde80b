"""Reassignment requests ("this is no longer my action"): stored for the programme office,
once per chat event, and listed until an administrator resolves them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.chat import event_key
from storage.models import Action, ReassignRequest


def add_reassign_request(
    session: Session,
    action_id: int,
    *,
    by_id: int | None,
    by_name: str,
    text: str,
    source: str,
    external_id: str | None,
    now: datetime,
) -> tuple[ReassignRequest, bool]:
    """Store the request; (request, created). A redelivered chat event stores nothing new
    (only a hash of its id is kept: storage/chat.py event_key)."""
    external_id = event_key(external_id) if external_id else None
    if external_id:
        found = session.exec(
            select(ReassignRequest).where(ReassignRequest.external_id == external_id)
        ).first()
        if found is not None:
            return found, False
    req = ReassignRequest(
        action_id=action_id,
        requested_by_id=by_id,
        requested_by_name=by_name,
        text=text,
        source=source,
        external_id=external_id,
        created_at=now,
    )
    session.add(req)
    session.flush()
    return req, True


def open_reassign_requests(session: Session, plan_id: int) -> list[ReassignRequest]:
    return list(
        session.exec(
            select(ReassignRequest)
            .join(Action, Action.id == ReassignRequest.action_id)
            .where(Action.plan_id == plan_id, ReassignRequest.resolved_at.is_(None))
            .order_by(ReassignRequest.id)
        )
    )


def resolve_reassign_request(
    session: Session, request_id: int, *, now: datetime
) -> ReassignRequest:
    """Mark a request dealt with (the administrator has reassigned the action, or declined)."""
    from storage.queries import NotFound

    req = session.get(ReassignRequest, request_id)
    if req is None or req.resolved_at is not None:
        raise NotFound(f"no open reassignment request {request_id}")
    req.resolved_at = now
    session.add(req)
    return req
