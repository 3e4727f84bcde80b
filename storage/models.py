"""SQLModel tables: plans, themes, objectives, actions, owners, roles, deadline revisions, updates.

Updates and deadline revisions are append-only: nothing here is ever rewritten, so a report
can always say what was known at any date. `Action.status*` columns are a cache of the latest
update, kept in the same transaction that appends it, so digests need not scan history.
All datetimes are timezone-aware UTC (sqlmodel's UTC type refuses naive ones).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy import false as sa_false
from sqlalchemy import text as sa_text
from sqlmodel import Field, SQLModel

# Named constraints keep Alembic batch migrations on SQLite deterministic.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _text(**kw) -> Column:
    """A long text column (TEXT on both SQLite and PostgreSQL)."""
    return Column(Text, **kw)


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    organisation: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=500)
    period: str = Field(default="", max_length=100)
    timezone: str = Field(default="Europe/London", max_length=64)
    fy_start_month: int = Field(default=4)
    fy_start_year: int | None = Field(default=None)
    # Comma-separated chat channel ids/names the digest goes to.
    leadership_channels: str = Field(default="", max_length=1000)
    signoff_required: bool = Field(default=False)
    # Per-plan nudge/digest policy overrides as JSON (see bot/core/policy.py).
    policy_json: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    # Who may read the plan in chat: "members" (the people in it and administrators) or
    # "workspace" (anyone in the chat workspace).
    readers: str = Field(
        default="members", sa_column=Column(String(20), nullable=False, server_default="members")
    )
    # The plan's own columns as imported, in the file's order: a JSON list of
    # [field, header text] (field: theme, tag, objective, reference, action, deadline, owner,
    # progress). The board report lays its table out by them.
    columns_json: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    # The board report's extras by default (`plan set --report-with status,owner`): comma-
    # separated names from bot/core/report.py EXTRAS; "" is the plan's own table only.
    report_with: str = Field(
        default="", sa_column=Column(String(200), nullable=False, server_default="")
    )
    created_at: datetime
    updated_at: datetime
    # `plan delete`: the plan and its history stay in the database, out of every command.
    archived_at: datetime | None = Field(default=None)


class Theme(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    name: str = Field(max_length=300)
    # Extra tags (seed 000's "Culture Theme", audiences), newline-separated.
    tags: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    lead_owner_id: int | None = Field(default=None, foreign_key="owner.id")
    position: int = Field(default=0)
    # The theme's cell or heading as the plan writes it ("3. Priority One: …"): the report's.
    heading: str = Field(default="", sa_column=_text(nullable=False, server_default=""))


class Objective(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("theme_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    # sha1 of the normalised text: objectives can be long, a hash keeps the index small.
    key: str = Field(max_length=40)
    text: str = Field(sa_column=_text(nullable=False))
    position: int = Field(default=0)


class Owner(SQLModel, table=True):
    """A person or a role named as an owner. Roles resolve to people via RoleAssignment."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # "person" | "role"
    name: str = Field(max_length=300, unique=True)
    email: str | None = Field(default=None, max_length=320, index=True)
    # One chat user is one person: the id is how a chat user is recognised (never a name).
    chat_user_id: str | None = Field(default=None, max_length=64, index=True, unique=True)
    timezone: str | None = Field(default=None, max_length=64)
    is_admin: bool = Field(default=False)
    # Set by a people sync (storage/people_sync.py): the matched chat account is deactivated
    # (the person is reported, never nudged) since this time.
    chat_deactivated_at: datetime | None = Field(default=None)
    # The email a sync or look-up last found nobody for: no per-person look-up again until
    # the email changes or a sync matches them.
    chat_unmatched_email: str | None = Field(default=None, max_length=320)
    created_at: datetime
    # Set when the person's data was erased (`progressbot people erase`): the row stays so
    # the plan's history keeps its shape, under the name "Former member of staff (#id)".
    erased_at: datetime | None = Field(default=None)


class RoleAlias(SQLModel, table=True):
    """Another spelling of a role, merged into it (`people roles merge AO "Accountable
    Officer"`): an import that names the old spelling gives its actions to the role."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)
    role_id: int = Field(foreign_key="owner.id", index=True)
    created_at: datetime


class RoleAssignment(SQLModel, table=True):
    """Who holds a role, over time. The open assignment (ended_at is null) is the current one."""

    __table_args__ = (Index("ix_roleassignment_role_open", "role_id", "ended_at"),)
    id: int | None = Field(default=None, primary_key=True)
    role_id: int = Field(foreign_key="owner.id")
    person_id: int = Field(foreign_key="owner.id", index=True)
    started_at: datetime
    ended_at: datetime | None = Field(default=None)


class Action(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("plan_id", "key"),
        Index("ix_action_plan_due", "plan_id", "due_date"),
        Index("ix_action_plan_position", "plan_id", "archived_at", "position"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    theme_id: int = Field(foreign_key="theme.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    # Identity across re-imports: the reference when there is one, else a hash of the text.
    key: str = Field(max_length=64)
    ref: str | None = Field(default=None, max_length=40)
    text: str = Field(sa_column=_text(nullable=False))
    deadline_text: str = Field(default="", max_length=500)
    # The owner cell as the plan wrote it ("New Chair and AO"), for the board report.
    owner_text: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    due_date: date | None = Field(default=None)
    deadline_kind: str = Field(default="unknown", max_length=10)
    deadline_sure: bool = Field(default=False)
    position: int = Field(default=0)
    # Cache of the latest update (see module docstring).
    status: str | None = Field(default=None, max_length=40)
    status_at: datetime | None = Field(default=None)
    last_update_id: int | None = Field(default=None)
    # Last update from a person (imports excluded): what "has the owner replied" reads.
    replied_at: datetime | None = Field(default=None)
    signoff_pending: bool = Field(default=False)
    archived_at: datetime | None = Field(default=None)
    created_at: datetime
    updated_at: datetime


class ActionOwner(SQLModel, table=True):
    __table_args__ = (Index("ix_actionowner_action_position", "action_id", "position", "owner_id"),)
    action_id: int = Field(foreign_key="action.id", primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", primary_key=True, index=True)
    position: int = Field(default=0)
    # Given by an administrator (`actions assign`, `owners import`, `/actions assign`), not
    # by the plan's file: a re-import leaves it in place (storage/plan_sync.py).
    by_hand: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=sa_false())
    )


class ActionVersion(SQLModel, table=True):
    """What an action's plan row said from ``recorded_at`` on: written when a re-import
    changes its text, theme, objective, deadline or owners (the state before the change is
    kept too, from the action's creation), so the board report as at a past date shows the
    row as it was then. An action never changed by a re-import has none."""

    __table_args__ = (Index("ix_actionversion_action_recorded", "action_id", "recorded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    text: str = Field(sa_column=_text(nullable=False))
    theme_id: int = Field(foreign_key="theme.id")
    objective_id: int | None = Field(default=None)
    deadline_text: str = Field(default="", max_length=500)
    owner_text: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    owner_ids: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    recorded_at: datetime


class DeadlineRevision(SQLModel, table=True):
    """Every deadline an action has had, oldest first; the newest is what is due."""

    __table_args__ = (Index("ix_deadlinerevision_source_recorded", "source", "recorded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    text: str = Field(max_length=500)
    due_date: date | None = Field(default=None)
    source: str = Field(max_length=20)  # "import" | "update"
    update_id: int | None = Field(default=None)
    recorded_at: datetime


class Update(SQLModel, table=True):
    """One progress update. Append-only: never edited or deleted.

    ``plan_id`` repeats the action's plan so that "what changed in this plan since T" is one
    range of ``ix_update_plan_created`` (which also holds action and source, so counting the
    period's updates never reads the table); it is filled in on insert (storage/cache.py)."""

    __table_args__ = (
        Index("ix_update_action_created", "action_id", "created_at"),
        Index("ix_update_plan_created", "plan_id", "created_at", "action_id", "source"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(default=None, foreign_key="plan.id")
    action_id: int = Field(foreign_key="action.id")
    author_owner_id: int | None = Field(default=None, foreign_key="owner.id")
    author_name: str = Field(default="", max_length=300)
    status: str | None = Field(default=None, max_length=40)
    commentary: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    revised_deadline_text: str | None = Field(default=None, max_length=500)
    revised_due: date | None = Field(default=None)
    source: str = Field(max_length=20)  # button | form | reply | command | import | console
    # Idempotency key (a chat event id, or an import fingerprint): a redelivery is a no-op.
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(index=True)


class LatestUpdate(SQLModel, table=True):
    """Each action's latest update from a person (imports excluded), copied when it is
    appended, in the same transaction (storage/cache.py): the digest's "what changed since"
    reads one narrow row per changed action from ``ix_latestupdate_plan_created`` instead of
    ranking the update log."""

    __table_args__ = (Index("ix_latestupdate_plan_created", "plan_id", "created_at"),)
    action_id: int = Field(foreign_key="action.id", primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    update_id: int = Field(foreign_key="update.id")
    status: str | None = Field(default=None, max_length=40)
    commentary: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    source: str = Field(max_length=20)
    author_name: str = Field(default="", max_length=300)
    created_at: datetime


# --- delivery: nudges, escalations, digests (claimed before sending; see storage/claims.py) --


class NudgeMessage(SQLModel, table=True):
    """One nudge message to one person on one local day: the unique key is what makes
    "nobody gets more than one nudge a day" hold across restarts and instances."""

    __table_args__ = (
        UniqueConstraint("person_id", "day"),
        Index("ix_nudgemessage_state_lease", "state", "lease_until"),
    )
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    person_id: int = Field(foreign_key="owner.id")
    day: date
    state: str = Field(default="claimed", max_length=10)  # claimed | sent | failed
    claimed_by: str = Field(default="", max_length=100)
    lease_until: datetime
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    # Slack channel + ts, or a Teams conversation id (often over 100 characters) + activity id.
    channel: str | None = Field(default=None, max_length=300)
    message_ts: str | None = Field(default=None, max_length=200, index=True)
    created_at: datetime
    sent_at: datetime | None = Field(default=None)


class NudgeItem(SQLModel, table=True):
    """An action listed in a nudge, for one deadline window (e.g. "10 working days before
    30 Sep 2019"): the unique key means an action is never nudged twice for one window."""

    __table_args__ = (UniqueConstraint("action_id", "window_key"),)
    id: int | None = Field(default=None, primary_key=True)
    nudge_id: int = Field(foreign_key="nudgemessage.id", index=True)
    action_id: int = Field(foreign_key="action.id")
    window_key: str = Field(max_length=80)
    reason: str = Field(max_length=30)


class Escalation(SQLModel, table=True):
    """A message to a theme lead about an owner who stayed silent; once per silent spell."""

    __table_args__ = (UniqueConstraint("owner_id", "spell_key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    owner_id: int = Field(foreign_key="owner.id")
    recipient_id: int = Field(foreign_key="owner.id")
    spell_key: str = Field(max_length=80)
    action_ids: str = Field(default="", max_length=2000)  # comma-separated
    state: str = Field(default="claimed", max_length=10)
    claimed_by: str = Field(default="", max_length=100)
    lease_until: datetime
    attempts: int = Field(default=0)
    created_at: datetime
    sent_at: datetime | None = Field(default=None)


class DigestPost(SQLModel, table=True):
    """A digest for one channel and period (e.g. plan-wide, ISO week 2019-W38)."""

    __table_args__ = (UniqueConstraint("plan_id", "channel", "period_key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    channel: str = Field(max_length=100)
    period_key: str = Field(max_length=80)
    since: datetime | None = Field(default=None)  # what "changed since" covers
    state: str = Field(default="claimed", max_length=10)
    claimed_by: str = Field(default="", max_length=100)
    lease_until: datetime
    attempts: int = Field(default=0)
    created_at: datetime
    sent_at: datetime | None = Field(default=None)


class Absence(SQLModel, table=True):
    """An owner away until a date, optionally naming a deputy who gets their nudges."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="owner.id", index=True)
    starts: date
    until: date
    deputy_id: int | None = Field(default=None, foreign_key="owner.id")
    created_at: datetime
    cancelled_at: datetime | None = Field(default=None)


class SignOff(SQLModel, table=True):
    """A completion waiting for (or given) the theme lead's confirmation. At most one is
    open (undecided) per action: a second completion does not open another."""

    __table_args__ = (
        Index(
            "uq_signoff_open_action",
            "action_id",
            unique=True,
            sqlite_where=sa_text("decision IS NULL"),
            postgresql_where=sa_text("decision IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    update_id: int = Field(foreign_key="update.id")
    lead_id: int | None = Field(default=None, foreign_key="owner.id")
    requested_at: datetime
    decision: str | None = Field(default=None, max_length=10)  # confirmed | returned
    decided_by_id: int | None = Field(default=None, foreign_key="owner.id")
    decided_at: datetime | None = Field(default=None)
    comment: str = Field(default="", sa_column=_text(nullable=False, server_default=""))


class ProcessedEvent(SQLModel, table=True):
    """Chat events already handled (Slack retries the same event id up to three times)."""

    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime


class ChatConversation(SQLModel, table=True):
    """Where to reach a person on a chat platform (Slack DM channel, Teams conversation
    reference), so a scheduled nudge needs no conversations.open call."""

    __table_args__ = (UniqueConstraint("platform", "owner_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # slack | teams
    owner_id: int = Field(foreign_key="owner.id")
    conversation_id: str = Field(max_length=200)
    reference: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    updated_at: datetime


class AuditEntry(SQLModel, table=True):
    """Who did what when, for every administrative change: imports, role mapping, people,
    plan settings, erasures. Written in the same transaction as the change it records."""

    __table_args__ = (Index("ix_auditentry_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=300)  # "Pat Admin (slack U0PAT)", "command line (root)"
    action: str = Field(max_length=40)  # e.g. people.map, plan.set, people.erase
    subject: str = Field(default="", max_length=300)
    subject_owner_id: int | None = Field(default=None, index=True)
    details: str = Field(default="", sa_column=_text(nullable=False, server_default=""))


class ReassignRequest(SQLModel, table=True):
    """An owner's "this is no longer my action": for the programme office to act on. It is
    not progress, so it is kept apart from the update log."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    requested_by_id: int | None = Field(default=None, foreign_key="owner.id")
    requested_by_name: str = Field(default="", max_length=200)
    text: str = Field(sa_column=_text(nullable=False))
    source: str = Field(default="reply", max_length=20)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime
    resolved_at: datetime | None = Field(default=None)


class ChatMember(SQLModel, table=True):
    """A chat user the bot has met (Teams: on install or a first message), with what a
    proactive message needs: the conversation with them, the service URL and tenant. The
    owner is filled in once they are matched by email / user principal name, so someone
    who installs the bot before the programme office adds them is matched later."""

    __table_args__ = (
        UniqueConstraint("platform", "user_id"),
        Index("ix_chatmember_platform_owner", "platform", "owner_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # teams
    user_id: str = Field(max_length=200)  # Teams: 29:… id in the bot's tenant
    aad_object_id: str | None = Field(default=None, max_length=64)
    owner_id: int | None = Field(default=None, foreign_key="owner.id")
    email: str | None = Field(default=None, max_length=320)
    name: str = Field(default="", max_length=300)
    conversation_id: str | None = Field(default=None, max_length=300)  # the 1:1 chat
    service_url: str = Field(default="", max_length=500)
    tenant_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime


class TeamsChannel(SQLModel, table=True):
    """A channel of a team the bot is installed in: where a digest can be posted."""

    __table_args__ = (UniqueConstraint("channel_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=200)  # 19:…@thread.tacv2
    team_id: str = Field(max_length=200)
    team_name: str = Field(default="", max_length=300)
    name: str = Field(default="", max_length=300)  # "General" when Teams gives none
    service_url: str = Field(max_length=500)
    tenant_id: str | None = Field(default=None, max_length=64)
    removed_at: datetime | None = Field(default=None)
    updated_at: datetime


class TeamsSent(SQLModel, table=True):
    """A claimed message the Bot Connector accepted, journalled the moment it answered.
    The Connector has no message history to search (that needs Microsoft Graph), so this is
    what a sweep taking over a crashed one asks before resending."""

    __table_args__ = (UniqueConstraint("kind", "claim_id", "part"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # nudge | escalation | digest
    claim_id: int
    part: int = Field(default=0)  # a long message is split into parts
    conversation_id: str = Field(max_length=300)
    activity_id: str = Field(max_length=200)
    sent_at: datetime


class ConversationState(SQLModel, table=True):
    """What a person's next chat line may refer to, per platform (handlers/conversation.py):
    the actions in the last nudge shown or sent to them, and a question the bot asked that
    is still waiting for an answer. Kept in the database so a restart forgets nothing."""

    __table_args__ = (UniqueConstraint("platform", "user_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # console | slack | teams
    user_key: str = Field(max_length=200)  # "person:12", "role:3", or a platform user id
    nudged_action_ids: str = Field(
        default="", sa_column=_text(nullable=False, server_default="")
    )  # comma-separated, in the order the nudge listed them
    pending: str = Field(
        default="", sa_column=_text(nullable=False, server_default="")
    )  # JSON of the open question (AskStatus / AskAction), "" when none
    updated_at: datetime


class PeopleSync(SQLModel, table=True):
    """One run of matching the plan's people to a chat workspace's members (people sync):
    when it ran and what it found; the newest row is "last synced"."""

    __table_args__ = (Index("ix_peoplesync_platform_finished", "platform", "finished_at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # slack | teams
    started_at: datetime
    finished_at: datetime
    members: int = Field(default=0)
    matched: int = Field(default=0)
    newly_matched: int = Field(default=0)
    unmatched: int = Field(default=0)
    deactivated: int = Field(default=0)
    near_misses: int = Field(default=0)


class PendingText(SQLModel, table=True):
    """Words a person wrote that wait for their answer to the bot's question (which action?
    which status?): kept here, not in the question's buttons, where a long or non-ASCII
    comment would not fit. Only the person who wrote them can use them."""

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # slack | teams
    user_id: str = Field(max_length=100)  # the writer's chat user id
    text: str = Field(sa_column=_text(nullable=False))
    revised_text: str = Field(default="", sa_column=_text(nullable=False, server_default=""))
    created_at: datetime = Field(index=True)


class InboxItem(SQLModel, table=True):
    """A chat request the bot acknowledged, kept until it has been handled (storage/inbox.py).

    Written before the platform is told "received" (Slack never resends what it saw
    acknowledged), handled from here, and taken over by another instance (or this one after
    a restart) when the instance holding it stops renewing its lease. ``delivery_key`` is
    the platform's id for the delivery, so a re-delivery is not stored twice. Once handled
    the payload is emptied (it holds what people wrote); the row is kept a day so that a
    late re-delivery is still recognised, then deleted."""

    __table_args__ = (
        Index("ix_inboxitem_open", "done_at", "lease_until"),
        Index("ix_inboxitem_claimed_open", "claimed_by", "done_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=10)  # slack | teams
    kind: str = Field(max_length=40)  # which handler runs it, e.g. slack.message
    delivery_key: str = Field(max_length=200, unique=True)
    payload: str = Field(sa_column=_text(nullable=False))  # JSON; '' once handled
    received_at: datetime
    claimed_by: str = Field(max_length=100)  # the instance handling it
    lease_until: datetime
    attempts: int = Field(default=0)
    done_at: datetime | None = Field(default=None)


@event.listens_for(Update, "before_insert")
def _update_plan_id(_mapper, connection, target: Update) -> None:
    # Callers that know the plan set it; anything else still gets it right.
    if target.plan_id is None:
        target.plan_id = connection.scalar(
            select(Action.plan_id).where(Action.id == target.action_id)
        )
