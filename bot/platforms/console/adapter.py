"""Console mode: the bot's conversations in a terminal, no chat workspace needed.

Lines are read from the keyboard or from a script (`--script FILE`, for tests and demos).
You act as one owner at a time (`as NAME`), move the simulated date (`today 2019-09-16`),
see the nudges owners would get, answer them in plain words, ask queries and print digests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from rich.console import Console
from rich.text import Text

from bot.core.clock import FixedClock
from bot.core.owing import who_owes_what
from bot.core.people import Actor
from bot.core.service import PlanService
from bot.core.statuses import Status
from bot.core.update_text import parse_update_text
from bot.platforms.console.render import render
from handlers.query import handle_query
from handlers.replies import AskAction, AskStatus, DigestReply, Notice, Nudge, Problem, Reply
from handlers.update import handle_reply, handle_status
from storage.queries import NotFound

HELP = """\
Commands (anything else is your reply to the bot, as the current owner):
  as NAME                 act as this owner, person or role (e.g. `as Chief Officer`)
  whoami                  who you are acting as
  today YYYY-MM-DD        set the simulated date
  nudges                  the nudge each owner would receive today
  owe                     what you owe (the nudge you would get)
  actions QUERY           ask about actions (`actions help` lists queries); `/actions` works too
  digest [DAYS]           the leadership digest (changes in the last DAYS days, default 7)
  digest now              post the digest now to the plan's leadership channels
  sweep [dry]             run the nudge sweep now: send the nudges due (dry: only show them)
  away until DATE [deputy NAME]
                          you are away: your nudges go to NAME, or wait; `back` ends it
  people                  owners, their emails and roles
  report [as at DATE] [theme WORDS] [since DATE] [as xlsx|docx|html|csv]
                          write the board report (Update on Progress) to a file here
  help                    this list
  quit                    leave
Replies: `L4 on track: workshops booked`, `G2 done`, `slipping to end of June`."""


class ConsoleSession:
    def __init__(self, service: PlanService, clock: FixedClock, console: Console):
        self.service = service
        self.clock = clock
        self.console = console
        self.actor: Actor | None = None
        self.pending: Reply | None = None  # an AskStatus/AskAction waiting for an answer
        self.context: tuple[int, ...] = ()  # actions in the last nudge shown to this actor
        self.line_no = 0

    # -- driving ----------------------------------------------------------------------------
    def run(self, lines: Iterable[str], *, echo: bool = False) -> None:
        for raw in lines:
            self.line_no += 1
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if echo:
                self.console.print(Text.assemble((self._prompt(), "bold magenta"), line))
            if line.lower() in ("quit", "exit"):
                return
            self.handle(line)

    def interactive(self) -> None:
        self.console.print(HELP, markup=False, highlight=False)
        while True:
            try:
                line = self.console.input(f"[bold magenta]{self._prompt()}[/]")
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return
            if line.strip().lower() in ("quit", "exit"):
                return
            if line.strip():
                self.handle(line.strip())

    def _prompt(self) -> str:
        who = self.actor.display_name if self.actor else "nobody"
        return f"[{self.clock.now().date():%Y-%m-%d} as {who}] > "

    def show(self, reply: Reply) -> None:
        self.console.print(render(reply))

    # -- one line ---------------------------------------------------------------------------
    def handle(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        cmd = word.lower().lstrip("/")
        try:
            if cmd == "help" and not rest:
                self.console.print(HELP, markup=False, highlight=False)
            elif cmd == "as":
                self._as(rest)
            elif cmd == "whoami":
                self.show(
                    Notice(
                        f"You are {self.actor.display_name}."
                        if self.actor
                        else "You are nobody yet: `as NAME`."
                    )
                )
            elif cmd == "today":
                self._today(rest)
            elif cmd == "nudges":
                self._nudges()
            elif cmd == "owe" or line.lower().rstrip("?") in ("what do i owe", "what do i owe?"):
                self._owe()
            elif cmd == "actions":
                self.show(handle_query(self.service, self._need_actor(), rest))
            elif cmd == "digest":
                self._digest(rest)
            elif cmd == "sweep":
                self._sweep(rest)
            elif cmd == "away":
                self._away(rest)
            elif cmd == "back" and not rest:
                self._back()
            elif cmd == "people":
                self._people()
            elif cmd == "report":
                from bot.platforms.console.report_file import console_report

                console_report(self, rest)
            else:
                self._reply(line)
        except NotFound as exc:
            self.show(Problem(str(exc)))
        except _NoActor:
            self.show(Problem("Say who you are first: `as NAME` (see `people`)."))

    def _need_actor(self) -> Actor:
        if self.actor is None:
            raise _NoActor
        return self.actor

    def _as(self, name: str) -> None:
        self.actor = self.service.actor_for_name(name.strip())
        self.pending, self.context = None, ()
        self.show(Notice(f"You are now {self.actor.display_name}."))

    def _today(self, text: str) -> None:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            self.show(Problem(f"`today` needs a date as YYYY-MM-DD, not {text.strip()!r}"))
            return
        self.clock.set(datetime.combine(day, time(9, 0), tzinfo=UTC))
        self.show(Notice(f"Today is now {day:%A %-d %B %Y}."))

    def _nudges(self) -> None:
        snap = self.service.snapshot()
        today = self.service.today(snap)
        owed = who_owes_what(snap, today, self.service.policy)
        if not owed:
            self.show(Notice("Nobody owes an update today."))
        for person, items in owed.items():
            self.show(Nudge(person, tuple(items), today))
            if self.actor and person.id in self.actor.owner_ids():
                self.context = tuple(o.action.id for o in items)

    def _owe(self) -> None:
        actor = self._need_actor()
        items = self.service.owed_by(actor)
        if not items:
            self.show(Notice("You owe no updates today. Thank you!"))
            return
        self.context = tuple(o.action.id for o in items)
        snap_today = self.service.today()
        person = actor.person or next(
            o for o in items[0].action.owners if o.id in actor.owner_ids()
        )
        self.show(Nudge(person, tuple(items), snap_today))

    def _digest(self, rest: str) -> None:
        if rest.strip().lower() == "now":
            from bot.platforms.console.notifier import post_digest_now

            post_digest_now(self)
            return
        days = int(rest) if rest.strip().isdigit() else 7
        from datetime import timedelta

        digest = self.service.leadership_digest(since=self.clock.now() - timedelta(days=days))
        self.show(DigestReply(digest))

    def _sweep(self, rest: str) -> None:
        from bot.platforms.console.notifier import sweep_now

        sweep_now(self, dry_run=rest.strip().lower() in ("dry", "dry-run", "--dry-run"))

    def _away(self, rest: str) -> None:
        from handlers.away import handle_away

        self._show_away(handle_away(self.service, self._need_actor(), rest))

    def _back(self) -> None:
        from handlers.away import handle_back

        self._show_away(handle_back(self.service, self._need_actor()))

    def _show_away(self, reply: Reply) -> None:
        from handlers.replies import AwayNotice

        self.show(Notice(reply.text) if isinstance(reply, AwayNotice) else reply)

    def _people(self) -> None:
        from bot.core.people_admin import people_rows
        from bot.platforms.console.reports import people_table

        self.console.print(people_table(people_rows(self.service.engine)))

    def _reply(self, text: str) -> None:
        actor = self._need_actor()
        pending, self.pending = self.pending, None
        if isinstance(pending, AskStatus):
            status, extra = _status_answer(text, self.service)
            if status is not None:
                commentary = " ".join(c for c in (pending.commentary, extra) if c)
                self.show(
                    handle_status(
                        self.service,
                        actor,
                        pending.action.id,
                        status.value,
                        commentary=commentary,
                        revised_text=pending.revised_text,
                        source="console",
                    )
                )
                return
        if isinstance(pending, AskAction):
            choice = _choice(text, pending)
            if choice is not None:
                reply = handle_reply(
                    self.service,
                    actor,
                    pending.text,
                    context_action_ids=(choice,),
                    source="console",
                )
                self._after(reply)
                return
        reply = handle_reply(
            self.service, actor, text, context_action_ids=self.context, source="console"
        )
        self._after(reply)

    def _after(self, reply: Reply) -> None:
        if isinstance(reply, AskStatus | AskAction):
            self.pending = reply
        self.show(reply)


class _NoActor(Exception):
    pass


def _status_answer(text: str, service: PlanService) -> tuple[Status | None, str]:
    """The status (and any extra comment) in an answer to "what is its status?"."""
    try:
        return Status.from_label(text), ""
    except ValueError:
        parsed = parse_update_text(text, today=service.today())
        # Only a reply that starts with a status answers the question; "G9 slipping to
        # June" is a new update about another action, not an answer.
        if parsed.status is None or parsed.commentary == text.strip():
            return None, ""
        return parsed.status, parsed.commentary


def _choice(text: str, pending: AskAction) -> int | None:
    t = text.strip().lstrip("#")
    if t.isdigit() and 1 <= int(t) <= len(pending.candidates):
        return pending.candidates[int(t) - 1].id
    for a in pending.candidates:
        if (a.ref or "").casefold() == t.casefold():
            return a.id
    return None
