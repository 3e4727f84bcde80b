"""One Notifier over several chat platforms: each person is reached on the platform they are
matched on, each digest channel on the platform it belongs to.

A person matched in Slack (a Slack user id stored) gets Slack; one matched only in Teams (a
Teams member with their email or an explicit match) gets Teams; anyone else goes to the
first platform, which may still find them by email. Teams channel ids (``19:…@thread.…``)
go to Teams, any other channel to Slack.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.delivery import Delivered, Kind, Notifier
from bot.platforms.teams.notifier import is_teams_channel
from storage.chat_members import matched_owner_ids
from storage.engine import read_session
from storage.queries import OwnerView


class RoutingNotifier:
    def __init__(self, engine, *, slack: Notifier | None = None, teams: Notifier | None = None):
        if slack is None and teams is None:
            raise ValueError("a routing notifier needs at least one platform")
        self.engine = engine
        self.slack = slack
        self.teams = teams

    @property
    def parallel_sends(self) -> int:
        """As many sends in flight as Teams takes; Slack's client retries its own 429s."""
        return getattr(self.teams, "parallel_sends", 1) if self.teams is not None else 1

    def for_person(self, person: OwnerView) -> Notifier:
        if self.slack is None:
            return self.teams
        if self.teams is None or person.chat_user_id:
            return self.slack
        with read_session(self.engine) as s:
            in_teams = person.id in matched_owner_ids(s, "teams")
        return self.teams if in_teams else self.slack

    def for_channel(self, channel: str) -> Notifier:
        if is_teams_channel(channel):
            return self.teams or self.slack
        return self.slack or self.teams

    def send_nudge(self, recipient, nudge, claim_id: int) -> Delivered:
        return self.for_person(recipient).send_nudge(recipient, nudge, claim_id)

    def send_escalation(self, recipient, notice, claim_ids: Sequence[int]) -> Delivered:
        return self.for_person(recipient).send_escalation(recipient, notice, claim_ids)

    def post_digest(self, channel: str, digest, claim_id: int) -> Delivered:
        return self.for_channel(channel).post_digest(channel, digest, claim_id)

    def already_delivered(
        self, kind: Kind, claim_id: int, target: OwnerView | str
    ) -> Delivered | None:
        if isinstance(target, str):
            return self.for_channel(target).already_delivered(kind, claim_id, target)
        # Ask every platform: the person may have been matched elsewhere since the claim.
        for n in (self.slack, self.teams):
            if n is not None:
                found = n.already_delivered(kind, claim_id, target)
                if found is not None:
                    return found
        return None
