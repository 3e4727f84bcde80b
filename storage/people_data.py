"""Everything stored about one person, and erasing it.

Export gathers their profile, roles over time, actions and themes they answer for, updates
they wrote, sign-offs, nudges and escalations, absences, chat conversations, the chat
accounts matched to them (Teams members: user, object id, email, conversation), their
reassignment requests, words waiting on the bot's question, what the conversation remembers,
and the audit entries about them: everything erasure removes or rewrites.

Erasure removes the personal data and keeps the plan's history: the person's row stays (so
updates, sign-offs and delivery records keep their shape) under the name "Former member of
staff (#id)", their updates and requests are shown as written by a "former member of staff",
and every identifier they had (storage/traces.py: name, emails, chat user and object ids,
conversation ids) is taken out of anyone's update, sign-off and request texts, delivery
errors, audit entries and stored event ids. Their chat accounts are unlinked, so they act as
strangers from then on, and the person can be added again as someone new. Updates are
otherwise never rewritten: erasure is the one exception the law asks for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_
from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from storage.audit import entries, entry_dict, redact_subject
from storage.chat import rehash_event_ids
from storage.models import (
    Absence,
    Action,
    ActionOwner,
    ChatConversation,
    ConversationState,
    Escalation,
    LatestUpdate,
    NudgeItem,
    NudgeMessage,
    Owner,
    PendingText,
    Plan,
    ReassignRequest,
    RoleAssignment,
    SignOff,
    TeamsSent,
    Theme,
    Update,
)
from storage.traces import FORMER, scrub_text_columns, traces_of


def placeholder_name(owner_id: int) -> str:
    return f"Former member of staff (#{owner_id})"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _labels(session: Session, action_ids) -> dict[int, dict]:
    ids = sorted(set(action_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(Action.id, Action.ref, Action.text, Plan.name)
        .join(Plan, Plan.id == Action.plan_id)
        .where(Action.id.in_(ids))
    )
    return {i: {"plan": p, "ref": r, "action": t} for i, r, t, p in rows}


def export_person(session: Session, person: Owner) -> dict:
    """Everything stored about ``person`` as plain JSON-ready data."""
    pid = person.id
    names = {o.id: o.name for o in session.exec(select(Owner))}
    roles = session.exec(
        select(RoleAssignment)
        .where(RoleAssignment.person_id == pid)
        .order_by(RoleAssignment.started_at, RoleAssignment.id)
    )
    owned = list(session.exec(select(ActionOwner.action_id).where(ActionOwner.owner_id == pid)))
    updates = list(
        session.exec(
            select(Update)
            .where(Update.author_owner_id == pid)
            .order_by(Update.created_at, Update.id)
        )
    )
    my_update_ids = [u.id for u in updates]
    signoffs = list(
        session.exec(
            select(SignOff)
            .where(
                or_(
                    SignOff.lead_id == pid,
                    SignOff.decided_by_id == pid,
                    SignOff.update_id.in_(my_update_ids or [-1]),
                )
            )
            .order_by(SignOff.requested_at, SignOff.id)
        )
    )
    nudges = list(
        session.exec(
            select(NudgeMessage).where(NudgeMessage.person_id == pid).order_by(NudgeMessage.day)
        )
    )
    items: dict[int, list[NudgeItem]] = {}
    if nudges:
        for it in session.exec(
            select(NudgeItem).where(NudgeItem.nudge_id.in_([n.id for n in nudges]))
        ):
            items.setdefault(it.nudge_id, []).append(it)
    escalations = list(
        session.exec(
            select(Escalation)
            .where(or_(Escalation.owner_id == pid, Escalation.recipient_id == pid))
            .order_by(Escalation.created_at)
        )
    )
    absences = list(
        session.exec(
            select(Absence)
            .where(or_(Absence.person_id == pid, Absence.deputy_id == pid))
            .order_by(Absence.starts, Absence.id)
        )
    )
    conversations = list(
        session.exec(select(ChatConversation).where(ChatConversation.owner_id == pid))
    )
    traces = traces_of(session, person)
    user_ids = sorted(traces.user_ids())
    requests = list(
        session.exec(
            select(ReassignRequest)
            .where(ReassignRequest.requested_by_id == pid)
            .order_by(ReassignRequest.created_at, ReassignRequest.id)
        )
    )
    pending = list(
        session.exec(
            select(PendingText)
            .where(PendingText.user_id.in_(user_ids or [""]))
            .order_by(PendingText.created_at, PendingText.id)
        )
    )
    states = list(
        session.exec(
            select(ConversationState).where(
                ConversationState.user_key.in_([f"user:{u}" for u in user_ids] + [f"owner:{pid}"])
            )
        )
    )
    themes = session.exec(
        select(Theme.name, Plan.name)
        .join(Plan, Plan.id == Theme.plan_id)
        .where(Theme.lead_owner_id == pid)
    )
    action_ids = owned + [u.action_id for u in updates] + [s.action_id for s in signoffs]
    action_ids += [it.action_id for its in items.values() for it in its]
    action_ids += [r.action_id for r in requests]
    labels = _labels(session, action_ids)
    return {
        "profile": {
            "id": pid,
            "kind": person.kind,
            "name": person.name,
            "email": person.email,
            "chat_user_id": person.chat_user_id,
            "timezone": person.timezone,
            "is_admin": person.is_admin,
            "created_at": _iso(person.created_at),
            "erased_at": _iso(person.erased_at),
            "chat_deactivated_at": _iso(person.chat_deactivated_at),
            "chat_unmatched_email": person.chat_unmatched_email,
        },
        "roles": [
            {"role": names.get(r.role_id), "from": _iso(r.started_at), "until": _iso(r.ended_at)}
            for r in roles
        ],
        "actions_owned": [labels[a] for a in sorted(owned) if a in labels],
        "theme_lead_of": [{"plan": p, "theme": t} for t, p in themes],
        "updates_written": [
            {
                **labels.get(u.action_id, {}),
                "status": u.status,
                "commentary": u.commentary,
                "revised_deadline": u.revised_deadline_text,
                "revised_due": _iso(u.revised_due),
                "source": u.source,
                "author_name": u.author_name,
                "at": _iso(u.created_at),
            }
            for u in updates
        ],
        "signoffs": [
            {
                **labels.get(s.action_id, {}),
                "as": (
                    "owner"
                    if s.update_id in my_update_ids
                    else "lead"
                    if s.lead_id == pid
                    else "decided by"
                ),
                "lead": names.get(s.lead_id),
                "requested_at": _iso(s.requested_at),
                "decision": s.decision,
                "decided_by": names.get(s.decided_by_id),
                "decided_at": _iso(s.decided_at),
                "comment": s.comment,
            }
            for s in signoffs
        ],
        "nudges_sent": [
            {
                "day": _iso(n.day),
                "state": n.state,
                "sent_at": _iso(n.sent_at),
                "channel": n.channel,
                "actions": [
                    {**labels.get(it.action_id, {}), "window": it.window_key, "reason": it.reason}
                    for it in items.get(n.id, [])
                ],
            }
            for n in nudges
        ],
        "escalations": [
            {
                "about": names.get(e.owner_id),
                "to": names.get(e.recipient_id),
                "state": e.state,
                "created_at": _iso(e.created_at),
                "sent_at": _iso(e.sent_at),
            }
            for e in escalations
        ],
        "absences": [
            {
                "person": names.get(a.person_id),
                "deputy": names.get(a.deputy_id),
                "from": _iso(a.starts),
                "until": _iso(a.until),
                "cancelled_at": _iso(a.cancelled_at),
            }
            for a in absences
        ],
        "chat_conversations": [
            {
                "platform": c.platform,
                "conversation_id": c.conversation_id,
                "reference": c.reference,
                "updated_at": _iso(c.updated_at),
            }
            for c in conversations
        ],
        "chat_members": [
            {
                "platform": m.platform,
                "user_id": m.user_id,
                "aad_object_id": m.aad_object_id,
                "email": m.email,
                "name": m.name,
                "conversation_id": m.conversation_id,
                "service_url": m.service_url,
                "tenant_id": m.tenant_id,
                "updated_at": _iso(m.updated_at),
            }
            for m in traces.members
        ],
        "reassign_requests": [
            {
                **labels.get(r.action_id, {}),
                "text": r.text,
                "source": r.source,
                "at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in requests
        ],
        "pending_words": [
            {
                "platform": p.platform,
                "text": p.text,
                "revised_deadline": p.revised_text,
                "at": _iso(p.created_at),
            }
            for p in pending
        ],
        "conversation_state": [
            {
                "platform": c.platform,
                "nudged_action_ids": c.nudged_action_ids,
                "waiting_for": c.pending,
                "updated_at": _iso(c.updated_at),
            }
            for c in states
        ],
        "audit": [entry_dict(e) for e in entries(session, subject_owner_id=pid)],
    }


def erase_person(session: Session, person: Owner, *, now: datetime) -> dict:
    """Remove ``person``'s personal data, keeping the plan's history (see module docstring).
    Returns counts of what changed, and what an administrator should now hand on."""
    if person.kind != "person":
        raise ValueError(f"{person.name!r} is a role, not a person: nothing personal to erase")
    if person.erased_at is not None:
        raise ValueError(f"{person.name} was already erased on {person.erased_at:%-d %b %Y}")
    pid = person.id
    traces = traces_of(session, person)
    updates = 0
    for u in session.exec(select(Update).where(Update.author_owner_id == pid)):
        u.author_name = FORMER
        session.add(u)
        updates += 1
    # The digest's copy of each action's latest update (storage/cache.py) says the same.
    mine = select(Update.id).where(Update.author_owner_id == pid)
    for lu in session.exec(select(LatestUpdate).where(LatestUpdate.update_id.in_(mine))):
        lu.author_name = FORMER
        session.add(lu)
    for r in session.exec(select(ReassignRequest).where(ReassignRequest.requested_by_id == pid)):
        r.requested_by_name = FORMER
        session.add(r)
    # The chat accounts: the Teams members matched to them go (so those accounts are
    # strangers from now on, and can be matched afresh if the person is added again), with
    # words waiting on the bot's question and what the conversation remembers for them.
    user_ids = sorted(traces.user_ids())
    members = len(traces.members)
    for m in traces.members:
        session.delete(m)
    if user_ids:
        session.execute(delete(PendingText).where(PendingText.user_id.in_(user_ids)))
    keys = [f"user:{u}" for u in user_ids] + [f"owner:{pid}"]
    session.execute(delete(ConversationState).where(ConversationState.user_key.in_(keys)))
    roles_ended = 0
    for ra in session.exec(
        select(RoleAssignment).where(
            RoleAssignment.person_id == pid, RoleAssignment.ended_at.is_(None)
        )
    ):
        ra.ended_at = now
        session.add(ra)
        roles_ended += 1
    absences = session.execute(delete(Absence).where(Absence.person_id == pid)).rowcount or 0
    for a in session.exec(select(Absence).where(Absence.deputy_id == pid)):
        a.deputy_id = None
        session.add(a)
    conversations = (
        session.execute(delete(ChatConversation).where(ChatConversation.owner_id == pid)).rowcount
        or 0
    )
    for n in session.exec(select(NudgeMessage).where(NudgeMessage.person_id == pid)):
        n.channel = None
        session.add(n)
    if traces.conversations:
        # The Teams delivery journal keeps that a message went out, not where to.
        session.execute(
            sa_update(TeamsSent)
            .where(TeamsSent.conversation_id.in_(sorted(traces.conversations)))
            .values(conversation_id="")
        )
    themes = []
    for t in session.exec(select(Theme).where(Theme.lead_owner_id == pid)):
        t.lead_owner_id = None
        themes.append(t.name)
        session.add(t)
    owned = list(session.exec(select(ActionOwner.action_id).where(ActionOwner.owner_id == pid)))
    placeholder = placeholder_name(pid)
    redacted = redact_subject(
        session, pid, placeholder=placeholder, secrets=sorted(traces.names | traces.identifiers())
    )
    person.name, person.email, person.chat_user_id = placeholder, None, None
    person.chat_unmatched_email, person.chat_deactivated_at = None, None
    person.timezone, person.is_admin, person.erased_at = None, False, now
    session.add(person)
    session.flush()
    # Their name, email and chat ids inside anyone's words, and inside stored event ids.
    scrubbed = scrub_text_columns(session, traces)
    rehash_event_ids(session, sorted(traces.identifiers()))
    session.flush()
    return {
        "person": placeholder,
        "updates_kept_as_former_member": updates,
        "roles_ended": roles_ended,
        "absences_deleted": absences,
        "chat_conversations_deleted": conversations,
        "chat_accounts_unlinked": members,
        "texts_scrubbed": scrubbed,
        "theme_leads_cleared": themes,
        "audit_entries_redacted": redacted,
        "actions_still_owned": len(owned),
    }
