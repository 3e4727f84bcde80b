"""What a handler answers with. Plain data: each platform has a renderer for these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.digest import Digest
from bot.core.owing import Owed
from storage.models import Update
from storage.queries import ActionView, OwnerView


@dataclass(frozen=True)
class UpdateStored:
    action: ActionView
    update: Update
    created: bool  # False: a repeat of an update already stored; nothing new was written


@dataclass(frozen=True)
class AskStatus:
    """We know the action but not the status: ask with status buttons."""

    action: ActionView
    commentary: str
    revised_text: str | None = None


@dataclass(frozen=True)
class AskAction:
    """We could not tell which action the reply is about: ask with a button per candidate."""

    candidates: tuple[ActionView, ...]
    text: str


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
class ActionList:
    title: str
    actions: tuple[ActionView, ...]
    today: date
    updatable_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Nudge:
    """The one message a person gets listing every action they owe an update on."""

    person: OwnerView
    items: tuple[Owed, ...]
    today: date


@dataclass(frozen=True)
class DigestReply:
    digest: Digest


Reply = (
    UpdateStored
    | AskStatus
    | AskAction
    | Refusal
    | Problem
    | Notice
    | HelpText
    | ActionList
    | Nudge
    | DigestReply
)
