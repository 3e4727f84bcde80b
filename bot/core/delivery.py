"""How the scheduled jobs hand messages to a chat platform: the Notifier protocol.

The jobs (jobs/sweep.py, jobs/escalation.py, jobs/digest_job.py) decide what goes out and claim
it in the database first; a Notifier only delivers. Each platform has one (the console's is
bot/platforms/console/notifier.py; Slack's tags every message with its claim id in message
metadata). ``already_delivered`` is how a sweep that takes over a claim left by a crashed one
avoids the duplicate when the crash came after the platform accepted the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.core.replies import DigestReply, EscalationNotice, Nudge
    from storage.queries import OwnerView

Kind = Literal["nudge", "escalation", "digest"]


@dataclass(frozen=True)
class Delivered:
    """Where a message landed: the platform's conversation id and message id/timestamp."""

    channel: str
    message_ts: str


class DeliveryError(Exception):
    """A message could not be delivered. The claim is released and a later sweep retries;
    ``retry_after`` (seconds) is a hint from the platform (e.g. Slack's Retry-After)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@runtime_checkable
class Notifier(Protocol):
    def send_nudge(self, recipient: OwnerView, nudge: Nudge, claim_id: int) -> Delivered:
        """Direct-message ``recipient`` the nudge; the claim id goes into the message so
        already_delivered can find it."""
        ...

    def send_escalation(
        self, recipient: OwnerView, notice: EscalationNotice, claim_ids: Sequence[int]
    ) -> Delivered:
        """Tell a theme lead (or administrator) who stayed silent; one message for all
        ``claim_ids`` (one per silent owner)."""
        ...

    def post_digest(self, channel: str, digest: DigestReply, claim_id: int) -> Delivered:
        """Post the digest to a leadership channel (split into several messages if long)."""
        ...

    def already_delivered(
        self, kind: Kind, claim_id: int, target: OwnerView | str
    ) -> Delivered | None:
        """The message for ``claim_id`` if it did go out (to a person, or a channel name)."""
        ...
