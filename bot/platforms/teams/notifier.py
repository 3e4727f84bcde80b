"""Delivers the scheduled jobs' messages through Teams (the Notifier protocol): nudges and
escalations as proactive 1:1 cards, digests to team channels (``19:…@thread.tacv2``).

The jobs claim each message in the database before calling here. Each part the Bot
Connector accepts is journalled at once (storage/teams_sent.py) under its claim id, because
the Connector keeps no history a bot can search: ``already_delivered`` reads that journal,
and a resumed send skips the parts already out. 429s (after Retry-After) and 5xx answers
are retried by the SDK client; what still fails is a DeliveryError, so the claim is released
and a later sweep retries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.core.delivery import Delivered, DeliveryError, Kind
from bot.core.service import PlanService
from bot.platforms.teams import cards as cd
from bot.platforms.teams.connector import ConnectorError, TeamsConnector, message
from bot.platforms.teams.people import TeamsPeople
from bot.platforms.teams.sdk import LoopStopped
from handlers.conversation import person_key
from handlers.replies import DigestReply, EscalationNotice, Nudge
from storage.chat_members import teams_channel
from storage.conversation import save_state
from storage.engine import read_session, write_session
from storage.queries import OwnerView
from storage.teams_sent import journal_sent, sent_parts

log = logging.getLogger(__name__)
CHART_BUDGET = 56 * 1024  # the chart travels as a data: URI inside its own card


def is_teams_channel(channel: str) -> bool:
    c = channel.strip()
    return c.startswith("19:") and "@thread." in c


class TeamsNotifier:
    # Sends the sweep may have in flight: Teams takes about 50 requests a second per app
    # (and 7 per conversation; each nudge goes to its own), one at a time would use a
    # fraction of that. The connector's pacer (pacing.py) holds them to that rate, so this
    # only has to cover each nudge's own time (claim, journal, round trip: 50-200 ms on a
    # busy machine): 8 kept the sweep at 43 a second when the machine was loaded.
    parallel_sends = 24

    def __init__(self, connector: TeamsConnector, service: PlanService, people: TeamsPeople):
        self.connector = connector
        self.service = service
        self.people = people

    # -- Notifier --------------------------------------------------------------------------------
    def send_nudge(self, recipient: OwnerView, nudge: Nudge, claim_id: int) -> Delivered:
        conv, url = self._reach(recipient)
        parts = cd.nudge_cards(
            nudge.person.name, nudge.items, nudge.today, claim_id=claim_id, plans=nudge.plans
        )
        refs = ", ".join(o.action.label for o in nudge.items)
        text = f"{len(nudge.items)} action{'s' if len(nudge.items) != 1 else ''} need an update: {cd.cut(refs, 500)}"
        ids = tuple(o.action.id for o in nudge.items)

        def remember(session) -> None:
            # A reply that names no action is about this nudge (handlers/conversation.py);
            # stored in the same transaction as the journal of the first part.
            save_state(
                session,
                "teams",
                person_key(recipient),
                now=self.service.clock.now(),
                nudged_action_ids=ids,
                pending="",
            )

        return self._send_parts("nudge", claim_id, conv, url, parts, text, also=remember)

    def send_escalation(
        self, recipient: OwnerView, notice: EscalationNotice, claim_ids: Sequence[int]
    ) -> Delivered:
        conv, url = self._reach(recipient)
        n = len(notice.silent)
        text = f"{n} owner{'s' if n != 1 else ''} have not replied to their nudges"
        return self._send_parts(
            "escalation", claim_ids[0], conv, url, cd.escalation_cards(notice), text
        )

    def post_digest(self, channel: str, digest: DigestReply, claim_id: int) -> Delivered:
        with read_session(self.service.engine) as s:
            row = teams_channel(s, channel.strip())
            url = row.service_url if row is not None else None
        if url is None:
            raise DeliveryError(
                f"the bot is not installed in a team with channel {channel}: add the app to the "
                "team, then try again"
            )
        parts = cd.digest_cards(digest.digest)
        chart = self._chart(digest)
        if chart is not None:
            parts.append(chart)
        return self._send_parts(
            "digest", claim_id, channel.strip(), url, parts, cd.digest_title(digest.digest)
        )

    def already_delivered(
        self, kind: Kind, claim_id: int, target: OwnerView | str
    ) -> Delivered | None:
        with read_session(self.service.engine) as s:
            parts = sent_parts(s, kind, claim_id)
        if not parts:
            return None
        return Delivered(parts[0].conversation_id, parts[0].activity_id)

    # -- helpers ---------------------------------------------------------------------------------
    def _reach(self, person: OwnerView) -> tuple[str, str]:
        try:
            where = self.people.reach(person)
        except LoopStopped as exc:
            raise DeliveryError(f"not sent to {person.name}: the bot is stopping") from exc
        except ConnectorError as exc:
            raise DeliveryError(
                f"can't open a chat with {person.name}: {exc}", retry_after=exc.retry_after
            ) from exc
        if where is None:
            raise DeliveryError(
                f"{person.name} has not installed the bot in Teams (email "
                f"{person.email or 'not set'}): ask them to add it, or set their email with "
                "`progressbot people set`"
            )
        return where.conversation_id, where.service_url

    def _send_parts(
        self,
        kind: str,
        claim_id: int,
        conv: str,
        url: str,
        parts: list[dict],
        text: str,
        also=None,
    ) -> Delivered:
        """Send the parts in order, journalling each as the Connector accepts it. A claim
        taken over after a crash reaches here only if its first part never went out
        (``already_delivered`` said so), so every part is sent."""
        first = None
        for i, card in enumerate(parts):
            try:
                activity_id = self.connector.send(
                    conv, url, message(card, text if i == 0 else ""), paced=True
                )
            except LoopStopped as exc:
                if first:
                    break  # shutting down after the first part: the message is out
                # Refused before anything was sent (the bot is stopping): certainly not
                # delivered, so the claim is released for the next instance, not held.
                raise DeliveryError(f"{kind} not sent: the bot is stopping") from exc
            except ConnectorError as exc:
                if first:
                    log.warning(
                        "%s %s: part %d of %d not delivered: %s", kind, claim_id, i + 1,
                        len(parts), exc,
                    )  # fmt: skip
                    break  # the message is out; the rest is lost detail, not a resend
                raise DeliveryError(
                    f"Teams refused the {kind}: {exc}", retry_after=exc.retry_after
                ) from exc
            with write_session(self.service.engine) as s:
                journal_sent(s, kind, claim_id, i, conv, activity_id, now=self.service.clock.now())
                if i == 0 and also is not None:
                    also(s)
            first = first or activity_id
        return Delivered(conv, first or "")

    def _chart(self, digest: DigestReply) -> dict | None:
        try:
            from bot.core.digest import render_status_chart

            png = render_status_chart(digest.digest)
            for scale in (1.0, 0.75, 0.5):
                card = cd.chart_card(png if scale == 1.0 else _shrunk(png, scale))
                if cd.size_of(message(card)) <= CHART_BUDGET:
                    return card
        except Exception:  # noqa: BLE001 - a chart is a nicety; the digest stands alone
            log.exception("could not draw the status chart")
            return None
        log.warning("status chart too large for one Teams message even at low resolution")
        return None


def _shrunk(png: bytes, scale: float) -> bytes:
    """The chart at ``scale`` of its size, for a message that must stay under Teams' limit."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        small = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()
