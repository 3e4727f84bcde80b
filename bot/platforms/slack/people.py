"""Matching Slack users to the plan's people, by chat user id or the email Slack verified
(never by display name: bot/core/identity.py), with caching: a user is looked up once
(users.info / users.lookupByEmail) and the id is stored on the person."""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.people import Actor
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

    def user_for_email(self, email: str) -> str | None:
        """The Slack user id for an email, or None if nobody in the workspace has it."""
        try:
            return self.client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise
