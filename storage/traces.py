"""Every identifier a person has had, and where they can turn up, for export and erasure.

A person is known by more than their row: the Slack user id on it, the Teams members matched
to them (user id, directory object id, email or user principal name, the 1:1 conversation),
their Slack DM channel and the conversations their nudges went to. Those identifiers also
end up inside free text: someone's update saying "ask julie@…", a delivery error naming the
person, an audit entry, a stored question waiting for an answer. ``traces_of`` gathers the
identifiers; ``scrub_text_columns`` takes them out of every free-text column that can hold
them (the list below is the one place to add a new such column).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from storage.models import (
    AuditEntry,
    ChatConversation,
    ChatMember,
    ConversationState,
    DeadlineRevision,
    LatestUpdate,
    NudgeMessage,
    Owner,
    PendingText,
    Plan,
    ReassignRequest,
    SignOff,
    Update,
)

ERASED = "[erased]"
# An erased person's name, wherever it stood (storage/people_data.py uses it too).
FORMER = "former member of staff"

# Free-text columns that may quote a person's name, email or chat ids (their own words or
# someone else's). Identifier-only columns (chat ids, event ids) are handled by erasure itself.
TEXT_COLUMNS = (
    Update.commentary,
    Update.revised_deadline_text,
    Update.author_name,
    LatestUpdate.commentary,
    LatestUpdate.author_name,
    DeadlineRevision.text,
    SignOff.comment,
    ReassignRequest.text,
    ReassignRequest.requested_by_name,
    PendingText.text,
    PendingText.revised_text,
    ConversationState.pending,
    NudgeMessage.last_error,
    Plan.leadership_channels,
    AuditEntry.actor,
    AuditEntry.subject,
    AuditEntry.details,
)


@dataclass
class Traces:
    """A person's identifiers, gathered before any of them is removed."""

    owner_id: int
    names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    chat_ids: set[str] = field(default_factory=set)  # Slack and Teams user ids, object ids
    conversations: set[str] = field(default_factory=set)  # DM channels, Teams conversations
    members: list[ChatMember] = field(default_factory=list)

    def user_ids(self) -> set[str]:
        """Ids a chat platform gives the person (what pending words and states are keyed by)."""
        return self.chat_ids | {m.user_id for m in self.members}

    def identifiers(self) -> set[str]:
        return self.emails | self.chat_ids | self.conversations

    def replacements(self) -> list[tuple[str, str]]:
        """(text to find, what replaces it), longest first so that an email is replaced
        whole before a name inside it could be. Names become "former member of staff";
        emails and ids "[erased]". JSON-escaped forms are included (audit details)."""
        pairs: dict[str, str] = {}
        for value, new in [(n, FORMER) for n in self.names] + [
            (i, ERASED) for i in self.identifiers()
        ]:
            if value and len(value) >= 3:
                pairs.setdefault(value, new)
                pairs.setdefault(json.dumps(value)[1:-1], new)
        return sorted(pairs.items(), key=lambda p: -len(p[0]))


def traces_of(session: Session, person: Owner) -> Traces:
    pid = person.id
    t = Traces(pid)
    t.names.add(person.name)
    t.emails.update(e for e in (person.email, person.chat_unmatched_email) if e)
    if person.chat_user_id:
        t.chat_ids.add(person.chat_user_id)
    lowered = sorted({e.strip().lower() for e in t.emails})
    t.members = list(
        session.exec(
            select(ChatMember).where(
                or_(
                    ChatMember.owner_id == pid,
                    func.lower(ChatMember.email).in_(lowered or [""]),
                )
            )
        )
    )
    for m in t.members:
        t.chat_ids.update(i for i in (m.user_id, m.aad_object_id) if i)
        if m.email:
            t.emails.add(m.email)
        if m.conversation_id:
            t.conversations.add(m.conversation_id)
        # A display name is only a trace when it names them fully; a lone first name would
        # take every colleague who shares it out of the plan's history too.
        if m.name and " " in m.name.strip():
            t.names.add(m.name.strip())
    t.conversations.update(
        session.exec(
            select(ChatConversation.conversation_id).where(ChatConversation.owner_id == pid)
        )
    )
    t.conversations.update(
        c
        for c in session.exec(
            select(NudgeMessage.channel).where(
                NudgeMessage.person_id == pid, NudgeMessage.channel.is_not(None)
            )
        )
        if c
    )
    return t


def _scrub(value: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        value = re.sub(re.escape(old), new, value, flags=re.I)
    return value


def scrub_text_columns(session: Session, traces: Traces) -> int:
    """Take the person's identifiers out of every free-text column; returns how many rows
    changed. Each table is read once (its rows naming them found in SQL, case-insensitively),
    then the rows found are rewritten one by one."""
    pairs = traces.replacements()
    tables: dict[type, list] = {}
    for column in TEXT_COLUMNS:
        tables.setdefault(column.class_, []).append(column)
    changed = 0
    for model, columns in tables.items():
        key = _primary_key(model)
        hits = or_(*[_mentions(session, c, old) for c in columns for old, _ in pairs])
        for pk, *values in session.execute(select(key, *columns).where(hits)).all():
            new = {
                c.key: _scrub(v, pairs)
                for c, v in zip(columns, values, strict=True)
                if v and _scrub(v, pairs) != v
            }
            if new:
                session.execute(update(model).where(key == pk).values(new))
                changed += 1
    return changed


def _mentions(session: Session, column, value: str):
    """``column`` contains ``value``, ignoring case (a superset: the rewrite checks again)."""
    if session.get_bind().dialect.name == "postgresql":
        return column.icontains(value, autoescape=True)  # ILIKE on PostgreSQL
    # SQLite's LIKE ignores the case of ASCII letters only (and lower() would cost a call per
    # row and be no better for others): a value with other letters is looked for by its
    # longest ASCII stretch too ("Zoë Ørsted" by "rsted"), and in its other cases.
    if value.isascii():
        return column.contains(value, autoescape=True)
    forms = {value, value.lower(), value.upper()}
    ascii_runs = [r for r in re.findall(r"[ -~]+", value) if len(r.strip()) >= 3]
    if ascii_runs:
        forms.add(max(ascii_runs, key=len))
    return or_(*[column.contains(f, autoescape=True) for f in sorted(forms)])


def _primary_key(model):
    # LatestUpdate is keyed by its action; every other table here by an id.
    return model.action_id if model is LatestUpdate else model.id
