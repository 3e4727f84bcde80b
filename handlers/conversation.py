"""What a line of chat means, decided once for every platform (console, Slack, Teams).

An adapter verifies and translates its platform's event, then hands the line here and
renders the Reply it gets back (handlers/replies.py). It never decides itself whether a
line is an update, a query or an answer.

API (``conv = Conversation(service)``; every method returns a Reply):

``conv.handle(actor, text, *, platform, user_key=None, thread_context=(), external_id=None,
source="reply", resolve_mention=None)``
    One line typed by ``actor``. ``platform`` is "console" | "slack" | "teams".
    ``user_key`` is the platform's id for the user; it is only used when the actor is not
    a known person or role (see ``context_key``), so a nudge remembered by the scheduled job
    and a reply typed later meet on the same key. ``thread_context``: the action ids of the
    nudge the line replies to, when the platform knows it (a reply in a nudge's Slack
    thread); otherwise the last nudge remembered for this person is used. ``external_id``
    is the platform's id for the message: a redelivered event stores nothing new.
    ``resolve_mention`` turns a platform mention id (Slack ``<@U1>``) into an OwnerView for
    `away … deputy @someone`.

``conv.pick_action(actor, action_id, text, *, platform, user_key=None, external_id=None,
source="reply")``
    The answer to an AskAction ("which action is that about?") given with a button: the
    earlier ``text`` is now about ``action_id``.

``conv.give_status(actor, action_id, status, *, platform, user_key=None, commentary="",
revised_text=None, external_id=None, source="button")``
    A status chosen with a button (on a nudge, or answering an AskStatus).

``conv.remember_nudge(platform, user_key, action_ids)``
    Record the actions of the nudge just shown or sent to a person (``person_key(owner)``
    for a scheduled nudge); a later free-text reply with no reference is about them.

``conv.forget(platform, user_key)``
    Drop the context (last nudge and open question) for that key.

``conv.intent(text) -> (kind, arg)``
    How a line would be read, without acting on it: "help", "away", "back", "owe",
    "query" or "update" (the console uses it to answer queries before `as NAME`, and the
    Slack `/actions` command to keep updates out of a query box).

``conv.last_nudge(platform, key)`` / ``conv.pending(platform, key)`` read the context.
Keys: ``person_key(owner)`` ("owner:12") for people and roles in the plan, else
``"user:" + user_key``; ``context_key(actor, user_key)`` picks it.

How a line is read, in this order (the first that applies wins):
  1. ``help`` / ``?``                                   → HelpText (the query language)
  2. ``away …``, ``back``                               → handlers/away.py
  3. ``owe``, ``what do I owe?``                        → the Nudge you would get (remembered)
  4. ``actions …`` or ``/actions …``                    → a query, always
  5. a query that is a word alone (``mine``, ``overdue``, ``all``, ``due soon``; see
     QUERY_ALONE) → a query, always, whatever the pending question;
  6. an answer to the question the bot asked last: a status ("on track", "done: booked")
     after AskStatus, a number or a listed reference after AskAction;
  7. a line that starts with a query keyword (``theme …``, ``due 1/4/2020..30/6/2020``,
     ``search …``) and does not read as a status update, or a reference alone (``L4``)
                                                        → a query
  8. anything else                                      → an update (handlers/update.py),
     about the reference it names, else the thread's action, else the last nudge's
     actions not yet answered (one left: it is about that one; several: AskAction).
Any new line closes the pending question; an AskStatus/AskAction reply opens a new one.
An update about an action of the last nudge takes it off the nudge's list, so after
"G1 on track" a bare "slipping to end of June" is about the nudge's other action.
An UpdateStored reply carries the plan's time zone, so renderers show local times.
The context is stored per platform and person (storage/conversation.py), so it survives
a restart and each platform keeps its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace

from bot.core.people import Actor
from bot.core.query import KEYWORDS
from bot.core.refs import ref_key
from bot.core.service import PlanService
from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from handlers.aside import AWAY_OFFER
from handlers.away import handle_away, handle_back
from handlers.query import handle_query
from handlers.replies import (
    AskAction,
    AskStatus,
    HelpText,
    Notice,
    Nudge,
    Problem,
    Reply,
    UpdatesStored,
    UpdateStored,
)
from handlers.update import StatusGiven, handle_reply, handle_status, handle_statuses
from storage.conversation import load_states, nudged_ids, save_state
from storage.engine import read_session, write_session
from storage.queries import NotFound, OwnerView

# A query that is complete in itself: alone on a line it is a query, never an update
# ("overdue" is not a status report, "mine" is not a comment).
QUERY_ALONE = frozenset({"mine", "overdue", "all", "help", "due soon", "my actions", "status"})
_OWE = re.compile(r"^(?:owe|what do i owe|what do i owe today|what's due|whats due)\??$", re.I)
_UNDO = re.compile(
    r"^(?:undo|undo\s+(?:that|it|last|my\s+last(?:\s+update)?)|take\s+that\s+back)[.!]?$", re.I
)
_AWAY_COMMAND = re.compile(r"^away\s+(?:until|till|til|from|back|to)\b", re.I)
_BACK = re.compile(r"^(?:back|i'?m back|i am back)[.!]?$", re.I)
# A thumbs-up alone (Slack's ":+1:", any skin tone): "yes" only to a yes/no question.
_THUMBS = re.compile(
    r"^\s*(?:👍|:\+1:|:thumbsup:)(?:[\U0001f3fb-\U0001f3ff\ufe0f]|:skin-tone-[2-6]:)?[\s!.]*$"
)
_REF_ALONE = re.compile(r"^(?:[A-Za-z]{1,4}-?\d{1,4}[a-z]?|#\d+)$")


def person_key(owner: OwnerView | int) -> str:
    """The context key of a person (or role) known to the plan."""
    owner_id = owner if isinstance(owner, int) else owner.id
    return f"owner:{owner_id}"


def context_key(actor: Actor, user_key: str | None) -> str:
    """Known people (and, in the console, roles) are keyed by owner id; anyone else by the
    platform's user id."""
    if actor.person is not None:
        return person_key(actor.person)
    if len(actor.role_ids) == 1:
        return person_key(next(iter(actor.role_ids)))
    if user_key:
        return f"user:{user_key}"
    raise ValueError("an actor who is not a known person needs a user_key")


class Conversation:
    def __init__(self, service: PlanService):
        self.service = service

    # -- one line -----------------------------------------------------------------------------
    def handle(
        self,
        actor: Actor,
        text: str,
        *,
        platform: str,
        user_key: str | None = None,
        thread_context: tuple[int, ...] = (),
        external_id: str | None = None,
        source: str = "reply",
        resolve_mention: Callable[[str], OwnerView | None] | None = None,
    ) -> Reply:
        line = " ".join(text.split())
        if not line:
            return Problem(
                "That message was empty: reply with a status and a comment, e.g. "
                "'On track: workshops booked', or ask e.g. `mine` or `help`."
            )
        key = context_key(actor, user_key)
        before = pending, nudged = self._load(platform, key)
        kind, arg = self.intent(line)
        if kind == "help":
            return self._settle(platform, key, before, HelpText(_help()))
        if kind == "away":
            reply = handle_away(self.service, actor, arg, resolve_mention=resolve_mention)
            if isinstance(reply, Problem) and not _AWAY_COMMAND.match(line):
                # "away at a conference this week" is news, not the command: offer it.
                reply = Notice(f"{AWAY_OFFER} ({reply.text})")
            return self._settle(platform, key, before, reply)
        if kind == "back":
            return self._settle(platform, key, before, handle_back(self.service, actor))
        if kind == "undo":
            return self._settle(platform, key, before, self.undo(actor))
        if kind == "owe":
            return self._settle(platform, key, before, self._owe(actor, platform, key))
        if kind == "query" and arg is not None:  # a query however the question stands
            return self._settle(platform, key, before, handle_query(self.service, actor, arg))
        answer = self._answer(actor, line, pending, source=source, external_id=external_id)
        if answer is not None:
            return self._settle(platform, key, before, answer)
        if kind == "query":
            return self._settle(platform, key, before, handle_query(self.service, actor, line))
        reply = handle_reply(
            self.service,
            actor,
            text,  # line breaks kept: they separate one action's words from the next
            context_action_ids=thread_context or nudged,
            source=source,
            external_id=external_id,
        )
        return self._settle(platform, key, before, reply)

    def intent(self, text: str) -> tuple[str, str | None]:
        """What kind of line this is, before any open question is considered: ("help", _),
        ("away", rest), ("back", _), ("owe", _), ("query", query text) for a query that
        stands whatever the question, ("query", None) for a query unless the line answers
        the open question, or ("update", None)."""
        line = " ".join(text.split())
        low = line.lower().rstrip("?").strip()
        word, _, rest = line.partition(" ")
        word_l = word.lower().lstrip("/")
        if low == "help" or line == "?":
            return "help", None
        if word_l == "away":
            return "away", rest
        if _BACK.match(line):
            return "back", None
        if _UNDO.match(line):
            return "undo", None
        if _OWE.match(line):
            return "owe", None
        if word_l == "actions":
            return "query", rest
        if low in QUERY_ALONE:
            return "query", low
        if _REF_ALONE.match(line) or (
            word_l.rstrip("?,") in KEYWORDS and not self._reads_as_update(line)
        ):
            return "query", None
        return "update", None

    def undo(self, actor: Actor) -> Reply:
        """Take back the actor's last update (within 15 minutes): "undo" or the Undo button."""
        found = self.service.undo_last(actor)
        if found is None:
            return Notice(
                "There is nothing of yours to undo: only an update you made in the last "
                "15 minutes can be taken back."
            )
        done, action = found
        label = action.label if action is not None else f"#{done.undone.action_id}"
        what = done.undone.status or "comment"
        back = done.restored.status or "no status"
        if not done.created:
            return Notice(f"Your update on {label} ({what}) was already undone.")
        moved = ""
        if done.restored.revised_due is not None:
            moved = f"; deadline back to {done.restored.revised_due:%-d %b %Y}"
        return Notice(
            f"Undone: your update on {label} ({what}) is taken back. {label} is {back} "
            f"again{moved}. The history keeps both, and the undo is in the audit trail."
        )

    # -- buttons ------------------------------------------------------------------------------
    def pick_action(
        self,
        actor: Actor,
        action_id: int,
        text: str,
        *,
        platform: str,
        user_key: str | None = None,
        external_id: str | None = None,
        source: str = "reply",
    ) -> Reply:
        key = context_key(actor, user_key)
        before = self._load(platform, key)
        reply = handle_reply(
            self.service,
            actor,
            text,
            context_action_ids=(action_id,),
            source=source,
            external_id=external_id,
        )
        return self._settle(platform, key, before, reply)

    def give_status(
        self,
        actor: Actor,
        action_id: int,
        status: str,
        *,
        platform: str,
        user_key: str | None = None,
        commentary: str = "",
        revised_text: str | None = None,
        external_id: str | None = None,
        source: str = "button",
        snapshot=None,
    ) -> Reply:
        """A status given by button or form (``snapshot``: see handlers/update.py)."""
        given = StatusGiven(actor, action_id, status, source, commentary, revised_text,
                            external_id, snapshot)  # fmt: skip
        return self.give_statuses(platform, [(given, user_key)])[0]

    def give_statuses(
        self, platform: str, given: list[tuple[StatusGiven, str | None]]
    ) -> list[Reply]:
        """Several statuses given at once (a burst of clicks, each with its chat user key):
        the conversations read in one query, the updates stored in one transaction."""
        keys = [context_key(one.actor, user_key) for one, user_key in given]
        replies = handle_statuses(self.service, [one for one, _key in given])
        # Read after the store, which leaves conversations alone: the people clicking are
        # waiting for their updates to be stored, not for this.
        befores = self._load_many(platform, keys)
        out, settled = [], set()
        for (one, _u), key, before, reply in zip(given, keys, befores, replies, strict=True):
            if key in settled:  # their second click of the burst: as their first left it
                before = self._load(platform, key)
            settled.add(key)
            pending = before[0]
            if (
                pending
                and pending.get("kind") == "status"
                and int(pending["action"]) == one.action_ref
            ):
                # A button answering the bot's question: then the next action of that reply.
                reply = self._then_ask(reply, pending.get("later") or [])
            out.append(self._settle(platform, key, before, reply))
        return out

    # -- context ------------------------------------------------------------------------------
    def remember_nudge(self, platform: str, user_key: str, action_ids: tuple[int, ...]) -> None:
        with write_session(self.service.engine) as s:
            save_state(
                s,
                platform,
                user_key,
                now=self.service.clock.now(),
                nudged_action_ids=tuple(action_ids),
                pending="",
            )

    def forget(self, platform: str, user_key: str) -> None:
        with write_session(self.service.engine) as s:
            save_state(
                s,
                platform,
                user_key,
                now=self.service.clock.now(),
                nudged_action_ids=(),
                pending="",
            )

    def last_nudge(self, platform: str, user_key: str) -> tuple[int, ...]:
        return self._load(platform, user_key)[1]

    def pending(self, platform: str, user_key: str) -> dict | None:
        """The open question, as stored (``{"kind": "status"|"action", …}``), or None."""
        return self._load(platform, user_key)[0]

    # -- inside -------------------------------------------------------------------------------
    def _load(self, platform: str, key: str) -> tuple[dict | None, tuple[int, ...]]:
        return self._load_many(platform, [key])[0]

    def _load_many(self, platform: str, keys: list[str]) -> list[tuple[dict | None, tuple]]:
        with read_session(self.service.engine) as s:
            states = load_states(s, platform, keys)
        out = []
        for key in keys:
            state = states.get(key)
            pending = json.loads(state.pending) if state is not None and state.pending else None
            out.append((pending, nudged_ids(state)))
        return out

    def _settle(
        self, platform: str, key: str, before: tuple[dict | None, tuple[int, ...]], reply: Reply
    ) -> Reply:
        """Store what the reply leaves open: the question it asks (any other reply closes the
        one that was open), and the last nudge's actions still unanswered (an update about
        one of them takes it off, so "slipping to June" after "G1 done" is about the rest)."""
        pending, nudged = before
        if isinstance(reply, UpdateStored):
            reply = self._in_plan_time(reply)
        asked = _pending_of(reply) or ""
        values: dict = {}
        if asked != (json.dumps(pending) if pending is not None else ""):
            values["pending"] = asked
        done = {
            one.action.id
            for one in (reply.stored if isinstance(reply, UpdatesStored) else (reply,))
            if isinstance(one, UpdateStored)
        }
        if done & set(nudged):
            values["nudged_action_ids"] = tuple(i for i in nudged if i not in done)
        if values:
            with write_session(self.service.engine) as s:
                save_state(s, platform, key, now=self.service.clock.now(), **values)
        return reply

    def _in_plan_time(self, reply: UpdateStored) -> UpdateStored:
        if reply.in_plan_time:  # read with the action (a click): no second read of the plan
            return reply
        try:
            # The action's own plan's time zone (several plans can each have their own).
            tz = self.service.for_plan(reply.action.plan_id).plan().timezone
        except NotFound:
            return reply
        return replace(reply, timezone=tz) if tz != reply.timezone else reply

    def _owe(self, actor: Actor, platform: str, key: str) -> Reply:
        items = self.service.owed_by(actor)
        if not items:
            return Notice("You owe no updates today. Thank you!")
        mine = actor.owner_ids()
        owners = items[0].action.owners
        person = actor.person or next((o for o in owners if o.id in mine), owners[0])
        self.remember_nudge(platform, key, tuple(o.action.id for o in items))
        # `owe` covers every plan the asker may read, grouped by plan when several.
        return Nudge(
            person, tuple(items), self.service.today(), plans=self.service.plan_heads(actor)
        )

    def _answer(
        self, actor: Actor, line: str, pending: dict | None, *, source: str, external_id
    ) -> Reply | None:
        """The line as the answer to the open question, or None if it is not one."""
        if pending is None:
            return None
        if pending.get("kind") == "status":
            status, extra = self._status_answer(line)
            if _THUMBS.match(line):
                options = pending.get("options") or []
                if len(options) != 1:
                    # A thumbs-up to "what is its status?" says seen, not which status: the
                    # same question again, nothing stored.
                    return self._ask_again(pending)
                status, extra = Status.from_label(options[0]), ""  # a yes to a yes/no
            if status is None:
                return None
            commentary = " ".join(c for c in (pending.get("commentary", ""), extra) if c)
            reply = handle_status(
                self.service,
                actor,
                int(pending["action"]),
                status.value,
                commentary=commentary,
                revised_text=pending.get("revised") or None,
                source=source,
                external_id=external_id,
            )
            return self._then_ask(reply, pending.get("later") or [])
        if pending.get("kind") == "action":
            choice = self._choice(line, pending)
            if choice is None:
                return None
            return handle_reply(
                self.service,
                actor,
                pending.get("text", ""),
                context_action_ids=(choice,),
                source=source,
                external_id=external_id,
            )
        return None

    def _ask_again(self, pending: dict) -> Reply | None:
        """The open status question asked again, as it was."""
        try:
            snap = self.service.snapshot()
        except NotFound:
            return None
        action = next((a for a in snap.actions if a.id == int(pending["action"])), None)
        if action is None:
            return None
        later = [(int(i), c, r) for i, c, r in pending.get("later") or []]
        by_id = {a.id: a for a in snap.actions}
        return AskStatus(
            action,
            pending.get("commentary", ""),
            pending.get("revised") or None,
            tuple(pending.get("options") or ()),
            tuple(x for x in later if x[0] in by_id),
            tuple(by_id[i].label for i, _, _ in later if i in by_id),
        )

    def _then_ask(self, reply: Reply, later: list) -> Reply:
        """After one answer, the next action of the same reply still waiting for a status."""
        if not later or not isinstance(reply, UpdateStored):
            return reply
        try:
            snap = self.service.snapshot()
        except NotFound:
            return reply
        by_id = {a.id: a for a in snap.actions}
        queue = [(int(i), c, r) for i, c, r in later if int(i) in by_id]
        if not queue:
            return reply
        (first, words, revised), rest = queue[0], queue[1:]
        ask = AskStatus(
            by_id[first],
            words,
            revised or None,
            (),
            tuple(rest),
            tuple(by_id[i].label for i, _, _ in rest),
        )
        return UpdatesStored((reply,), (), ask)

    def _status_answer(self, text: str) -> tuple[Status | None, str]:
        """The status (and any extra comment) in an answer to "what is its status?"."""
        try:
            return Status.from_label(text), ""
        except ValueError:
            parsed = parse_update_text(text, today=self.service.today())
            # Only a reply that starts with a status answers the question; "G9 slipping to
            # June" is a new update about another action, not an answer.
            if parsed.status is None or parsed.commentary == text.strip():
                return None, ""
            return parsed.status, parsed.commentary

    def _choice(self, text: str, pending: dict) -> int | None:
        """A number from the list (``2``, ``#2``) or one of the listed references."""
        ids: list[int] = [int(i) for i in pending.get("candidates", [])]
        refs: list[str] = list(pending.get("refs", []))
        t = text.strip().rstrip(".")
        n = t.lstrip("#")
        if n.isdigit() and 1 <= int(n) <= len(ids) and not t.startswith("#"):
            return ids[int(n) - 1]
        for action_id, ref in zip(ids, refs, strict=False):
            # However the reference is written ("l2.", "L2)"): bot/core/refs.py.
            if ref and ref_key(ref) == ref_key(text):
                return action_id
        if t.startswith("#") and n.isdigit() and int(n) in ids:
            return int(n)
        if t.startswith("#") and n.isdigit() and 1 <= int(n) <= len(ids):
            return ids[int(n) - 1]
        return None

    def _reads_as_update(self, line: str) -> bool:
        try:
            today = self.service.today()
            parsed = parse_update_text(line, today=today)
            # Torn between statuses is still an update (the bot will ask), not a query.
            return parsed.status is not None or bool(parsed.options)
        except NotFound:
            return False


def _pending_of(reply: Reply) -> str | None:
    if isinstance(reply, UpdatesStored) and reply.asking is not None:
        reply = reply.asking
    if isinstance(reply, AskStatus):
        return json.dumps(
            {
                "kind": "status",
                "action": reply.action.id,
                "commentary": reply.commentary,
                "revised": reply.revised_text or "",
                "options": list(reply.options),
                "later": [list(x) for x in reply.later],
            }
        )
    if isinstance(reply, AskAction) and reply.candidates:
        return json.dumps(
            {
                "kind": "action",
                "candidates": [a.id for a in reply.candidates],
                # Choosing among plans: a reference would name every one of them; the
                # plan's name (or its number) chooses.
                "refs": list(reply.plan_names) or [a.ref or "" for a in reply.candidates],
                "text": reply.text,
            }
        )
    return None


def _help() -> str:
    from bot.core.query import HELP

    return HELP
