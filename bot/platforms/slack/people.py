"""Matching Slack users to the plan's people, by chat user id or the email Slack verified
(never by display name: bot/core/identity.py): in bulk from the member list
(``SlackDirectory``, users.list, for jobs/people_sync.py), and one at a time with caching
(users.info for someone writing to the bot; users.lookupByEmail only as the fall-back for a
person added since the last people sync)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.people import Actor
from bot.core.people_match import Member
from bot.core.service import PlanService


class SlackPeople:
    def __init__(self, service: PlanService, client: WebClient):
        self.service = service
        self.client = client
        self._profiles: dict[str, tuple[str | None, str]] = {}  # user id -> (email, name)
        self._lock = threading.Lock()

    def profile(self, user_id: str) -> tuple[str | None, str]:
        """(email Slack verified or None, display name) of a Slack user, cached for the life
        of the process (a failed look-up is not cached unless Slack says there is no such user)."""
        with self._lock:
            if user_id in self._profiles:
                return self._profiles[user_id]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") not in ("user_not_found", "users_not_found"):
                # A passing failure must not leave a real owner unmatched until a restart.
                return (None, user_id)
            result: tuple[str | None, str] = (None, user_id)
        else:
            prof = user.get("profile", {})
            name = prof.get("real_name") or user.get("real_name") or user.get("name") or user_id
            # Only an email Slack vouches for identifies anyone: none for deactivated users,
            # bots, or an address Slack says is unconfirmed. The name is for display only.
            trusted = not (
                user.get("deleted") or user.get("is_bot") or user.get("is_email_confirmed") is False
            )
            result = (prof.get("email") if trusted else None, name)
        with self._lock:
            self._profiles[user_id] = result
        return result

    def actor(self, user_id: str) -> Actor:
        """The actor behind a Slack user: by user id, else by the email Slack verified (asked
        only the first time); the display name is only shown."""
        actor = self.service.actor_for_chat_user(user_id)
        if actor.person is not None:
            return actor
        email, name = self.profile(user_id)
        return self.service.actor_for_chat_user(user_id, email=email, display_name=name)

    def actors(self, user_ids) -> dict[str, Actor]:
        """``actor`` for several Slack users (a burst of clicks): those already linked read
        together, the rest one by one."""
        found = self.service.actors_for_chat_users(user_ids)
        for user_id in set(user_ids) - found.keys():
            found[user_id] = self.actor(user_id)
        return found

    def user_for_email(self, email: str) -> str | None:
        """The Slack user id for an email, or None if nobody in the workspace has it."""
        try:
            return self.client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise


class SlackDirectory:
    """The workspace's members from users.list (Tier 2, ~20 calls a minute), a page of up to
    ``page_size`` at a time following the cursor; the client waits out 429s (Retry-After)."""

    platform = "slack"

    def __init__(self, client: WebClient, *, page_size: int = 1000):
        self.client = client
        self.page_size = page_size
        self.pages = 0

    def members(self) -> Iterator[Member]:
        cursor = None
        while True:
            page = self.client.users_list(limit=self.page_size, cursor=cursor)
            self.pages += 1
            for user in page.get("members") or ():
                yield member_from_slack(user)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return


def member_from_slack(user: dict) -> Member:
    profile = user.get("profile") or {}
    # Only an email Slack vouches for identifies anyone (as in SlackPeople.profile).
    confirmed = user.get("is_email_confirmed") is not False
    return Member(
        user_id=user["id"],
        email=(profile.get("email") or None) if confirmed else None,
        name=profile.get("real_name") or user.get("real_name") or user.get("name") or "",
        deactivated=bool(user.get("deleted")),
        is_bot=bool(user.get("is_bot")),
    )
