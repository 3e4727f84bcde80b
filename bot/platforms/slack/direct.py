"""Direct messages to a person in Slack, first contact included, without conversations.open.

A person with a stored DM channel is posted to there. A person without one (nobody has
written to them yet) is posted to with their user id as the channel: Slack delivers it into
the app's DM with them and its reply names that DM channel (D…), which is stored at once,
so threads, edits, look-before-resend and thread replies work as for any other message.
The user id comes from a people sync (jobs/people_sync.py); users.lookupByEmail is only the
fall-back for someone added since, and is asked once per email, hit or miss.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.core.delivery import DeliveryError
from bot.core.service import PlanService
from bot.platforms.slack.people import SlackPeople
from storage.chat import conversation_for, remember_conversation
from storage.engine import read_session, write_session
from storage.people import find_by_chat_user, get_owner
from storage.people_sync import may_look_up, remember_lookup
from storage.queries import OwnerView

log = logging.getLogger(__name__)
PLATFORM = "slack"


class Unreachable(DeliveryError):
    """No way to message the person in Slack (no user, or a deactivated account)."""


class DirectMessages:
    def __init__(self, service: PlanService, client: WebClient, people: SlackPeople):
        self.service = service
        self.client = client
        self.people = people

    def stored_channel(self, person: OwnerView) -> str | None:
        with read_session(self.service.engine) as s:
            conv = conversation_for(s, PLATFORM, person.id)
        return conv.conversation_id if conv is not None else None

    def user_id(self, person: OwnerView) -> str:
        """The person's Slack user id: stored (people sync), else one users.lookupByEmail
        for an email not looked up before. Raises Unreachable when there is none."""
        if person.chat_deactivated:
            raise Unreachable(
                f"{person.name}'s Slack account is deactivated: not messaged "
                "(see `progressbot people list --unmatched`)"
            )
        if person.chat_user_id:
            return person.chat_user_id
        with read_session(self.service.engine) as s:
            owner = get_owner(s, person.id)
            if owner.chat_user_id:
                return owner.chat_user_id
            ask = may_look_up(owner)
        user_id = None
        if ask:
            user_id = self.people.user_for_email(person.email or "")
            with write_session(self.service.engine) as s:
                holder = find_by_chat_user(s, user_id) if user_id else None
                if holder is not None and holder.id != person.id:
                    # One Slack user, one person: an administrator sorts this out.
                    raise Unreachable(
                        f"the Slack user with {person.name}'s email is already "
                        f"{holder.name}: check both with `progressbot people list`"
                    )
                remember_lookup(s, get_owner(s, person.id), user_id)
        if not user_id:
            raise Unreachable(
                f"{person.name} has no Slack user (email {person.email or 'not set'}): "
                "run `progressbot people sync`, or fix the email with `progressbot people set`"
            )
        return user_id

    def target(self, person: OwnerView) -> str:
        """Where a post to ``person`` goes: the stored DM channel, else their user id."""
        return self.stored_channel(person) or self.user_id(person)

    def remember(self, person: OwnerView, channel: str) -> None:
        """Store the DM channel a first-contact post landed in."""
        with write_session(self.service.engine) as s:
            remember_conversation(s, PLATFORM, person.id, channel, now=self.service.clock.now())

    def post(self, person: OwnerView, **message) -> SlackResponse:
        """chat.postMessage to the person; a first contact stores the DM channel it opened."""
        target = self.target(person)
        result = self.client.chat_postMessage(channel=target, **message)
        if result.get("channel") and result["channel"] != target:
            self.remember(person, result["channel"])
        return result

    def dm_for_lookback(self, person: OwnerView) -> str | None:
        """The DM channel to search for an earlier send. A claim taken over after a crash
        may have been posted by user id with the crash before the channel was stored: then
        the channel is asked for once (conversations.open, on this rare path only)."""
        channel = self.stored_channel(person)
        if channel is not None:
            return channel
        user_id = person.chat_user_id
        if not user_id:
            return None  # never had a user id: nothing can have been sent
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        except SlackApiError as exc:
            raise DeliveryError(
                f"can't find the DM with {person.name}: {exc.response.get('error')}"
            ) from exc
        self.remember(person, channel)
        return channel
