"""What a handler answers with. Plain data: each platform has a renderer for these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# The messages the scheduled jobs hand a Notifier live in the core (bot/core/replies.py), which
# must not import handlers; they are answers too, so they are named here as well.
from bot.core.replies import DigestReply, EscalationNotice, Nudge, SilentOwner  # noqa: F401
from bot.core.signoff import SignOffRequest
from storage.models import Update
from storage.queries import ActionView, OwnerView


@dataclass(frozen=True)
class UpdateStored:
    action: ActionView
    update: Update
    created: bool  # False: a repeat of an update already stored; nothing new was written
    signoff: SignOffRequest | None = None  # the theme lead is now asked to confirm
    timezone: str = "Europe/London"  # the plan's: times are shown in it
    in_plan_time: bool = False  # ``timezone`` was read with the action: its plan's for sure

    def local_time(self, fmt: str = "%-d %b %Y %H:%M %Z") -> str:
        """When it was stored, in the plan's time zone."""
        from zoneinfo import ZoneInfo

        return self.update.created_at.astimezone(ZoneInfo(self.timezone)).strftime(fmt)


@dataclass(frozen=True)
class UpdatesStored:
    """One reply naming several actions ("G3 & G4 done"): each stored where the owner may,
    the others refused with the reason."""

    stored: tuple[UpdateStored, ...]
    refused: tuple[Refusal, ...] = ()
    asking: AskStatus | None = None  # a part of the reply the bot could not read: its question

    @property
    def text(self) -> str:
        parts = [
            f"{s.action.label}: {s.update.status or 'comment'}"
            + (f", due {s.update.revised_due:%-d %b %Y}" if s.update.revised_due else "")
            for s in self.stored
        ]
        n = len(self.stored)
        out = (
            f"Stored {n} update{'s' if n != 1 else ''}: " + "; ".join(parts) + "." if parts else ""
        )
        ask = self.asking.question if self.asking is not None else ""
        return " ".join([out, *(r.text for r in self.refused), ask]).strip()


@dataclass(frozen=True)
class ReassignRequested:
    """ "This is no longer my action": passed to the programme office, not stored as progress."""

    action: ActionView
    requested_by: str
    text: str
    admins: tuple[OwnerView, ...]  # who will see it
    request_id: int
    created: bool = True

    @property
    def message(self) -> str:
        who = ", ".join(a.name for a in self.admins) or "the programme office"
        return (
            f"Thanks {self.requested_by}: I've asked {who} to reassign {self.action.label} "
            f"({self.action.text[:80]}). Nothing was stored as progress."
        )

    @property
    def admin_message(self) -> str:
        owners = ", ".join(o.name for o in self.action.owners) or "no one"
        return (
            f"Reassignment request from {self.requested_by} for {self.action.label} "
            f"(owners: {owners}): “{self.text}”"
        )


@dataclass(frozen=True)
class AskStatus:
    """We know the action but not the status: ask with status buttons (only the readings in
    ``options`` when the reply was torn between them). ``later``: other actions of the same
    reply still to ask about, each (action id, commentary, revised text), asked in turn."""

    action: ActionView
    commentary: str
    revised_text: str | None = None
    options: tuple[str, ...] = ()
    later: tuple[tuple[int, str, str], ...] = ()
    later_labels: tuple[str, ...] = ()

    @property
    def question(self) -> str:
        if self.options:
            return f"Did you mean {' or '.join(self.options)} for {self.action.label}?"
        return f"What is the status of {self.action.label}?"


@dataclass(frozen=True)
class AskAction:
    """We could not tell which action the reply is about: ask with a button per candidate."""

    candidates: tuple[ActionView, ...]
    text: str
    # A reference in several of the asker's plans: the name of each candidate's plan (the
    # choices are the plans); empty for the usual "which action?".
    plan_names: tuple[str, ...] = ()

    @property
    def question(self) -> str:
        if self.plan_names and self.candidates:
            ref = self.candidates[0].label
            return f"{ref} is in several of your plans: which plan's {ref} is that about?"
        return "Which action is that about?"


@dataclass(frozen=True)
class Refusal:
    text: str


@dataclass(frozen=True)
class Problem:
    """The input could not be used; the text says what and where."""

    text: str


@dataclass(frozen=True)
class Notice:
    text: str


@dataclass(frozen=True)
class HelpText:
    text: str


@dataclass(frozen=True)
class DeadlineStep:
    """One deadline an action has had: as written, the date it means, when and by whom."""

    text: str
    due: date | None
    at: datetime
    by: str  # the author of the update that moved it, or "the plan (import)"


@dataclass(frozen=True)
class ActionDetail:
    """What `actions REF` adds for one action: its last update and its deadline history."""

    status: str | None
    commentary: str
    at: datetime | None  # None: no update at all yet
    author: str
    source: str
    deadlines: tuple[DeadlineStep, ...]
    timezone: str = "Europe/London"

    def local(self, when: datetime, fmt: str = "%-d %b %Y") -> str:
        from zoneinfo import ZoneInfo

        return when.astimezone(ZoneInfo(self.timezone)).strftime(fmt)

    def lines(self) -> list[str]:
        """The detail as plain lines (every renderer shows these words)."""
        if self.at is None:
            out = ["Last update: none yet."]
        else:
            said = f" — {self.commentary}" if self.commentary else ""
            who = "imported with the plan" if self.source == "import" else f"by {self.author}"
            out = [f"Last update: {self.status or 'comment'}{said} ({self.local(self.at)}, {who})"]
        for i, d in enumerate(self.deadlines):
            due = f" ({d.due:%-d %b %Y})" if d.due and d.text != f"{d.due:%-d %b %Y}" else ""
            kind = "Deadline" if i == 0 else "Revised"
            out.append(f"{kind}: {d.text}{due}, {self.local(d.at)}, {d.by}")
        if not self.deadlines:
            out.append("Deadline history: none recorded.")
        return out

    def as_dict(self) -> dict:
        return {
            "last_update": None
            if self.at is None
            else {
                "status": self.status,
                "commentary": self.commentary,
                "at": self.at.isoformat(),
                "author": self.author,
                "source": self.source,
            },
            "deadlines": [
                {"text": d.text, "due": d.due.isoformat() if d.due else None,
                 "at": d.at.isoformat(), "by": d.by}
                for d in self.deadlines
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class ActionList:
    title: str
    actions: tuple[ActionView, ...]
    today: date
    updatable_ids: frozenset[int] = field(default_factory=frozenset)
    detail: ActionDetail | None = None  # one action asked for by its reference


@dataclass(frozen=True)
class AwayNotice:
    """An absence recorded or ended: the confirmation echoes what was understood."""

    person: OwnerView
    until: date | None  # None: back (absence ended)
    deputy: OwnerView | None = None
    ended: int = 0  # absences cancelled by "back"

    @property
    def text(self) -> str:
        if self.until is None:
            if not self.ended:
                return f"Welcome back, {self.person.name}: you were not marked as away."
            return f"Welcome back, {self.person.name}: your nudges come to you again."
        back = self.until + timedelta(days=1)
        to = (
            f"your nudges go to {self.deputy.name}"
            if self.deputy
            else "your nudges wait until you are back"
        )
        return (
            f"Noted, {self.person.name}: away until {self.until:%A %-d %B %Y} "
            f"(back {back:%A %-d %B}); {to}. Say `back` to end it early."
        )


def asked_action_ids(reply) -> tuple[int, ...]:
    """The actions a reply asks the person about (nothing was stored for them)."""
    if isinstance(reply, UpdatesStored):
        return asked_action_ids(reply.asking) if reply.asking is not None else ()
    if isinstance(reply, AskStatus):
        return (reply.action.id, *(i for i, _, _ in reply.later))
    if isinstance(reply, AskAction):
        return tuple(a.id for a in reply.candidates)
    return ()


Reply = (
    UpdateStored
    | UpdatesStored
    | ReassignRequested
    | AskStatus
    | AskAction
    | Refusal
    | Problem
    | Notice
    | HelpText
    | ActionList
    | Nudge
    | DigestReply
    | EscalationNotice
    | AwayNotice
)
