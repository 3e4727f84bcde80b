"""What the scheduled jobs hand a Notifier (bot/core/delivery.py): a person's nudge, the
leaders' digest, an escalation about silent owners. Plain data, rendered by each platform.

They are in the core because the Notifier protocol names them and the core imports no handler;
handlers/replies.py, where every other answer is, names them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.digest import Digest
from bot.core.owing import Owed
from storage.queries import ActionView, OwnerView


@dataclass(frozen=True)
class Nudge:
    """The one message a person gets listing every action they owe an update on."""

    person: OwnerView
    items: tuple[Owed, ...]
    today: date
    # Owners whose actions this message carries for them (away, with this person as deputy;
    # or a role nobody holds, sent to an administrator).
    covering: tuple[OwnerView, ...] = ()
    # (plan id, name) of the plans served when there are several: the message is grouped
    # under a heading per plan. Empty with one plan (no headings).
    plans: tuple[tuple[int, str], ...] = ()

    def groups(self) -> list[tuple[str | None, tuple[Owed, ...]]]:
        """The items grouped by plan, in the plans' order: (plan name, items); one group
        named None when only one plan is served."""
        return group_by_plan(self.items, self.plans)


def group_by_plan(items, plans: tuple[tuple[int, str], ...]) -> list[tuple[str | None, tuple]]:
    """``items`` (anything with ``.action.plan_id``) under a heading per plan, in the order of
    ``plans``; one group named None when ``plans`` is empty (one plan served)."""
    if not plans:
        return [(None, tuple(items))]
    order = {pid: i for i, (pid, _) in enumerate(plans)}
    names = dict(plans)
    grouped: dict[int, list] = {}
    for item in items:
        grouped.setdefault(item.action.plan_id, []).append(item)
    return [
        (names.get(pid, ""), tuple(grouped[pid]))
        for pid in sorted(grouped, key=lambda p: order.get(p, len(order)))
    ]


@dataclass(frozen=True)
class DigestReply:
    digest: Digest


@dataclass(frozen=True)
class SilentOwner:
    """An owner nudged ``nudges`` times since their last reply, and the actions still open."""

    person: OwnerView
    actions: tuple[ActionView, ...]
    nudges: int
    last_reply: datetime | None


@dataclass(frozen=True)
class EscalationNotice:
    """To a theme lead (or an administrator): owners who have not answered their nudges."""

    recipient: OwnerView
    silent: tuple[SilentOwner, ...]
    today: date
