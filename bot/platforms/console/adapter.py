"""Console mode: the bot's conversations in a terminal, no chat workspace needed.

Lines are read from the keyboard or from a script (`--script FILE`, for tests and demos).
You act as one owner at a time (`as NAME`), move the simulated date (`today 2019-09-16`),
see the nudges owners would get, answer them in plain words, ask queries and print digests.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bot.core.clock import SettableClock, moment_for
from bot.core.owing import who_owes_what
from bot.core.people import Actor
from bot.core.service import PlanService
from bot.platforms.console.render import render
from handlers.conversation import Conversation, person_key
from handlers.job_words import JobWordsError, read_job_words
from handlers.replies import ActionList, DigestReply, Notice, Nudge, Problem, Reply
from storage.queries import NotFound

PLATFORM = "console"

HELP = """\
Commands (anything else is your reply to the bot, as the current owner):
  as NAME                 act as this owner: a person, or a role (its holder answers)
  whoami                  who you are acting as
  today YYYY-MM-DD        set the simulated date
  nudges                  the nudge each owner would receive today
  owe                     what you owe (the nudge you would get)
  actions QUERY           ask about actions (`actions help` lists queries); `/actions` works too
  digest [DAYS]           the leadership digest (changes in the last DAYS days, default 7)
  digest now              post the digest now to the plan's leadership channels
  sweep [dry]             run the nudge sweep now: send the nudges due (`dry` or
                          `preview`: only show them; any other word is refused)
  away until DATE [deputy NAME]
                          you are away: your nudges go to NAME, or wait; `back` ends it
  people                  owners, their emails and roles
  report [as at DATE] [theme WORDS] [since DATE] [with EXTRAS] [as xlsx|docx|html|csv]
                          write the board report (the plan's own table) to a file in the
                          folder the console was started in; EXTRAS: status, owner,
                          changes, attribution, slips
  help                    this list
  quit                    leave
Replies: `L4 on track: workshops booked`, `G2 done`, `slipping to end of June` (about
your last nudge's action). Queries such as `overdue` or `mine` work on their own too.
A line starting with `#`, or text after two spaces and a `#`, is a comment (and is said to be
ignored); `#23 done` is a reply about action #23, and "On track: #FYI relaunched" keeps its
hashtag."""


# Replies that mean the line was not understood or not allowed (`--json` marks them).
TROUBLE = frozenset({"Problem", "Refusal"})


class ConsoleSession:
    def __init__(
        self,
        service: PlanService,
        clock: SettableClock,
        console: Console,
        *,
        json_out: TextIO | None = None,
    ):
        self.service = service
        self.clock = clock
        self.conversation = Conversation(service)
        self.actor: Actor | None = None
        self.line_no = 0
        # --json: each input line's output is captured as plain text and written to
        # ``json_out`` as one JSON object a line, with the kinds of reply it got.
        self.json_out = json_out
        self._buffer = io.StringIO() if json_out is not None else None
        self.console = (
            Console(file=self._buffer, width=100, color_system=None, emoji=False)
            if self._buffer is not None
            else console
        )
        self._kinds: list[str] = []
        self._empty = False  # a query answered with no actions

    # -- driving ----------------------------------------------------------------------------
    def run(self, lines: Iterable[str], *, echo: bool = False) -> None:
        for raw in lines:
            self.line_no += 1
            line = strip_comment(raw)
            if not line:
                continue
            if echo and self.json_out is None:
                self.console.print(Text.assemble((self._prompt(), "bold magenta"), line))
            self._say_ignored(raw)
            if line.lower() in ("quit", "exit"):
                return
            self._kinds, self._empty = [], False
            self.handle(line)
            if self.json_out is not None:
                self._emit_json(line)

    def _emit_json(self, line: str) -> None:
        assert self._buffer is not None and self.json_out is not None
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        kinds = self._kinds or ["Text"]
        record = {
            "line": self.line_no,
            "input": line,
            "as": self.actor.display_name if self.actor else None,
            "today": self.service.today().isoformat(),
            "replies": kinds,
            "ok": not TROUBLE.intersection(kinds),
            "empty": self._empty or not text.strip(),
            "text": "\n".join(t.rstrip() for t in text.strip("\n").splitlines()),
        }
        self.json_out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.json_out.flush()

    def interactive(self) -> None:
        self.console.print(HELP, markup=False, highlight=False)
        while True:
            try:
                line = self.console.input(f"[bold magenta]{self._prompt()}[/]")
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return
            raw, line = line, strip_comment(line)
            if line.lower() in ("quit", "exit"):
                return
            if line:
                self._say_ignored(raw)
                self.handle(line)

    def _say_ignored(self, raw: str) -> None:
        dropped = ignored_comment(raw)
        if dropped and self.json_out is None:
            self.console.print(
                Text(f"(ignored as a comment: {dropped[:80]})", style="dim"), highlight=False
            )

    def _prompt(self) -> str:
        who = self.actor.display_name if self.actor else "nobody"
        return f"[{self.service.today():%Y-%m-%d} as {who}] > "

    def show(self, reply: Reply) -> None:
        self._kinds.append(type(reply).__name__)
        if isinstance(reply, ActionList) and not reply.actions:
            self._empty = True
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
                        f"You are {self.actor.description}."
                        if self.actor
                        else "You are nobody yet: `as NAME`."
                    )
                )
            elif cmd == "today":
                self._today(rest)
            elif cmd == "nudges":
                self._nudges()
            elif cmd == "digest":
                self._digest(rest)
            elif cmd == "sweep":
                self._sweep(rest)
            elif cmd == "people":
                self._people()
            elif cmd == "report":
                from bot.platforms.console.report_file import console_report

                console_report(self, rest)
            else:
                self._converse(line)
        except NotFound as exc:
            hint = ": `people` lists everyone" if str(exc).startswith("nobody called") else ""
            self.show(Problem(f"{exc}{hint}"))
        except _NoActor:
            self.show(Problem("Say who you are first: `as NAME` (see `people`)."))

    def _as(self, name: str) -> None:
        self.actor = self.service.actor_for_name(name.strip())
        a = self.actor
        if a.via_role:
            text = (
                f"{a.via_role} is held by {a.display_name}: you are now acting as "
                f"{a.display_name} (their own actions and the role's)."
            )
        elif a.person is None and a.role_ids:
            text = (
                f"You are now acting for {a.display_name}, a role nobody holds now: you can "
                "ask and update its actions; give it to someone with `progressbot people set`."
            )
        else:
            text = f"You are now {a.display_name}."
        self.show(Notice(text))

    def _today(self, text: str) -> None:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            self.show(Problem(f"`today` needs a date as YYYY-MM-DD, not {text.strip()!r}"))
            return
        self.clock.set(moment_for(day.isoformat(), self.service.default_plan().timezone))
        self.show(Notice(f"Today is now {day:%A %-d %B %Y}."))

    def _nudges(self) -> None:
        snap = self.service.snapshot()
        today = self.service.today(snap)
        owed = who_owes_what(snap, today, self.service.policy)
        if not owed:
            self.show(Notice("Nobody owes an update today."))
        for person, items in owed.items():
            self.show(Nudge(person, tuple(items), today, plans=self.service.plan_heads()))
            # What each owner was shown is their last nudge: a reply refers to it.
            self.conversation.remember_nudge(
                PLATFORM, person_key(person), tuple(o.action.id for o in items)
            )

    def _digest(self, rest: str) -> None:
        try:
            words = read_job_words("digest", rest)
        except JobWordsError as exc:
            self.show(Problem(str(exc)))
            return
        if words.now:
            from bot.platforms.console.notifier import post_digest_now

            post_digest_now(self)
            return
        since = self.clock.now() - timedelta(days=words.days or 7)
        for one in self.service.each_plan():  # several plans: each plan's own digest
            self.show(DigestReply(one.leadership_digest(since=since)))

    def _sweep(self, rest: str) -> None:
        from bot.platforms.console.notifier import sweep_now

        try:
            words = read_job_words("sweep", rest)
        except JobWordsError as exc:
            self.show(Problem(str(exc)))
            return
        sweep_now(self, dry_run=words.dry_run)

    def _people(self) -> None:
        from bot.core.people_admin import people_rows
        from bot.platforms.console.reports import people_table

        self.console.print(people_table(people_rows(self.service.engine)))

    def _converse(self, line: str) -> None:
        """Anything that is not a console command is chat: handlers/conversation.py decides
        what it means. Before `as NAME` only queries (which change nothing) are answered."""
        if self.actor is None:
            kind, _ = self.conversation.intent(line)
            if kind not in ("query", "help"):
                raise _NoActor
        # Whoever runs the console holds the database, like the CLI's `actions`: before `as`
        # they read as the administrator (only queries get this far, so nothing is written).
        actor = self.actor or Actor("administrator", is_admin=True)
        self.show(
            self.conversation.handle(
                actor,
                line,
                platform=PLATFORM,
                user_key=None if self.actor else "nobody",
                source="console",
            )
        )


class _NoActor(Exception):
    pass


# A comment is a line that starts with `#` (not `#23`), or a `#` after two or more spaces
# (`sweep dry   # preview`). One space before a `#` is the owner's own words: "On track:
# #FYI Live relaunched" keeps its hashtags. What a comment drops is said (``ignored``).
_COMMENT = re.compile(r"(?:^\s*|\s{2,})#(?!\d).*$")


def strip_comment(line: str) -> str:
    """The line without its `# comment` (and surrounding spaces); "" for a comment line."""
    return _COMMENT.sub("", line).strip()


def ignored_comment(line: str) -> str:
    """The comment ``strip_comment`` drops from a line that has words too, or ""."""
    m = _COMMENT.search(line)
    if m is None or not line[: m.start()].strip():
        return ""
    return m.group(0).strip()
