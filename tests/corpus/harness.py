"""Runs replies through the real conversation path and scores what they stored.

One database holds three plans (the bundled sample plan, references such as G4; the same
plan with references 1..33; the seed 004 Word plan, whose actions have no reference and are
named #1..#46), loaded once; each case
runs after ``conv.forget`` (and ``conv.remember_nudge`` for the nudge it answers) so cases
are independent. What a case stored is read back from the database: the updates and
deadline revisions with ids above those before it. A deadline moved by an earlier case is
taken into account: a move counted from the deadline ("two weeks late") is resolved against
the due date as it stood just before the case.

Outcomes per expected action: stored (right or wrong), asked, or missed (neither). Scored:
  wrong     an update with another status or revised deadline than the truth, on an action
            the reply does not name, twice on one action, where the truth is to ask, or with
            commentary said about another action; a deadline moved without a move in the reply
  half      a reply about several actions where some were stored and others neither stored
            nor asked about
  asked     an unambiguous reply that asked (instead of storing)
  missed    an unambiguous reply that neither stored nor asked
  nonupd    a question / chit-chat / away note that stored anything
  kind      a question / chit-chat / away note not answered in kind (ActionFacts or
            ActionList / Notice / AwayOffer)
  lost      the part's own commentary not kept on its action (reported, not gated)
  raised    the reader raised
"""

from __future__ import annotations

import csv
import tempfile
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.app import sample_file
from bot.core.clock import FixedClock
from bot.core.people_admin import import_people
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from handlers import replies as R
from handlers.conversation import Conversation, person_key
from storage.engine import read_session, write_session
from storage.models import Absence, DeadlineRevision, Update
from storage.people import upsert_person
from tests.corpus.dates import DeadlinePlus
from tests.corpus.generate import TODAY, Case, Expect

ROOT = Path(__file__).resolve().parents[2]
HASHED_PLAN = ROOT / "tests" / "fixtures" / "plans" / "seed004.docx"
PLAN_NAMES = {
    "hashed": "Seed 004 OD plan",
    "sample": "Sample OD plan",
    "numbered": "Numbered OD plan",
}
ADMIN = "Pat Officer"
KINDS = {
    "question": {"ActionFacts", "ActionList"},
    "chitchat": {"Notice"},
    "away": {"AwayOffer", "Notice"},
}
GATED = ("raised", "wrong", "half", "nonupd")


def asked_ids(reply) -> tuple[int, ...]:
    """The actions a reply asks about (the reply contract's helper once it exists)."""
    helper = getattr(R, "asked_action_ids", None)
    if helper is not None:
        return tuple(helper(reply))
    if isinstance(reply, R.AskStatus):
        return (reply.action.id,)
    if isinstance(reply, R.AskAction):
        return tuple(a.id for a in reply.candidates)
    return ()


def is_question(reply) -> bool:
    return isinstance(reply, (R.AskStatus, R.AskAction)) or bool(asked_ids(reply))


class Bench:
    """One plan in the shared database, an administrator to act, and the state the scorer
    needs between cases (last ids, due dates)."""

    def __init__(self, engine, plan: str):
        today = TODAY[plan]
        self.plan = plan
        self.clock = FixedClock(datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC))
        self.service = PlanService(engine, self.clock, plan_name=PLAN_NAMES[plan])
        self.conv = Conversation(self.service)
        self.actor = self.service.actor_for_name(ADMIN)
        self.key = person_key(self.actor.person)
        snap = self.service.snapshot()
        self.ids = {a.label: a.id for a in snap.actions}
        self.labels = {a.id: a.label for a in snap.actions}
        self.due = {a.id: a.due_date for a in snap.actions}


def numbered_copy(folder: Path) -> Path:
    """The sample plan with its references replaced by 1..33: a plan that numbers its
    actions, where a bare "12" opening a part is a reference."""
    with open(sample_file("sample_plan.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for n, row in enumerate(rows[1:], 1):
        row[0] = str(n)
    out = folder / "numbered_plan.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return out


def load_plans(engine) -> dict[str, Bench]:
    """The three plans into ``engine`` (seed 004 first, so its actions are #1..#46), the
    sample people (their roles own actions in both copies of the sample plan), and an
    administrator who may update every action."""
    when = datetime(2019, 9, 1, 9, 0, tzinfo=UTC)
    clock = FixedClock(when)
    import_plan(engine, clock, HASHED_PLAN, plan_name=PLAN_NAMES["hashed"], fy_start_year=2019)
    sample = sample_file("sample_plan.csv")
    import_plan(engine, clock, sample, plan_name=PLAN_NAMES["sample"], fy_start_year=2019)
    with tempfile.TemporaryDirectory() as tmp:
        numbered = numbered_copy(Path(tmp))
        import_plan(engine, clock, numbered, plan_name=PLAN_NAMES["numbered"], fy_start_year=2019)
    import_people(engine, clock, sample_file("sample_people.csv"))
    with write_session(engine) as s:
        upsert_person(s, ADMIN, email="pat.officer@example.org", is_admin=True, now=when)
    return {plan: Bench(engine, plan) for plan in PLAN_NAMES}


@dataclass
class Outcome:
    case: Case
    reply_kind: str
    reply_text: str
    stored: list = field(default_factory=list)  # (label, status, revised_due, commentary)
    asked: tuple[str, ...] = ()
    fails: dict[str, str] = field(default_factory=dict)  # kind -> why
    unambiguous: bool = False


def _watermarks(engine) -> tuple[int, int, int]:
    with read_session(engine) as s:
        u = s.exec(select(func.max(Update.id))).one() or 0
        r = s.exec(select(func.max(DeadlineRevision.id))).one() or 0
        a = s.exec(select(func.count(Absence.id))).one() or 0
    return u, r, a


def run_cases(benches: dict[str, Bench], cases: list[Case]) -> list[Outcome]:
    engine = next(iter(benches.values())).service.engine
    marks = list(_watermarks(engine))
    out = []
    for case in cases:
        out.append(run_case(benches[case.plan], case, marks))
    return out


def run_case(b: Bench, case: Case, marks: list[int]) -> Outcome:
    conv = b.conv
    if case.nudge:  # the nudge replaces the context (and closes any open question)
        conv.remember_nudge("console", b.key, tuple(b.ids[lab] for lab in case.nudge))
    else:
        conv.forget("console", b.key)
    due_before = dict(b.due)
    try:
        reply = conv.handle(b.actor, case.text, platform="console")
        kind, text = type(reply).__name__, str(getattr(reply, "text", ""))[:200]
    except Exception:  # noqa: BLE001 - a reader that raises is a finding, not a crash here
        reply, kind, text = None, "raised", traceback.format_exc(limit=-3)[-600:]
    with read_session(b.service.engine) as s:
        ups = s.exec(select(Update).where(Update.id > marks[0]).order_by(Update.id)).all()
        revs = s.exec(
            select(DeadlineRevision)
            .where(DeadlineRevision.id > marks[1])
            .order_by(DeadlineRevision.id)
        ).all()
        absences = s.exec(select(func.count(Absence.id))).one() or 0
    ups = [(u.id, u.action_id, u.status, u.revised_due, u.commentary) for u in ups]
    revs = [(r.id, r.action_id, r.due_date) for r in revs]
    marks[0] = max([marks[0], *(u[0] for u in ups)])
    marks[1] = max([marks[1], *(r[0] for r in revs)])
    new_absences, marks[2] = absences - marks[2], absences
    for _id, action_id, due in revs:
        b.due[action_id] = due
    o = Outcome(case, kind, text)
    o.stored = [(b.labels.get(a, f"id{a}"), st, rd, com) for _i, a, st, rd, com in ups]
    o.asked = tuple(b.labels.get(i, f"id{i}") for i in (asked_ids(reply) if reply else ()))
    if reply is None:
        o.fails["raised"] = text
    score(o, b, due_before, revs, new_absences)
    return o


def truth_of(e, b: Bench, due_before) -> tuple[str | None, date | None]:
    """(status or None = ask, revised due or None) for an expected action, now. A move
    counted from a deadline the action lacks, or landing in the past, stores the status with
    no revised deadline."""
    if isinstance(e.date, DeadlinePlus):
        today = b.clock.now().date()
        return e.status, e.date.resolve(due_before.get(b.ids[e.ref]), today)
    return e.status, e.date


def score(o: Outcome, b: Bench, due_before, revs, new_absences: int) -> None:
    case = o.case
    if case.kind != "update":
        if o.stored or revs or (new_absences and case.kind != "away"):
            o.fails["nonupd"] = f"stored {o.stored or revs}"
        elif new_absences:
            o.fails["nonupd"] = "recorded an absence without asking"
        if o.reply_kind not in KINDS[case.kind] and "raised" not in o.fails:
            o.fails["kind"] = f"answered with {o.reply_kind}"
        return
    expected = {e.ref: e for e in case.expect}
    truths = {ref: truth_of(e, b, due_before) for ref, e in expected.items()}
    o.unambiguous = all(t[0] is not None for t in truths.values())
    by_ref = defaultdict(list)
    for row in o.stored:
        by_ref[row[0]].append(row)
    wrong, missed_refs = [], []
    for ref, rows in by_ref.items():
        if ref not in expected:
            wrong.append(f"stored on {ref}, which the reply does not name")
        elif len(rows) > 1:
            wrong.append(f"{ref} stored {len(rows)} times")
    for ref, e in expected.items():
        status, due = truths[ref]
        rows = by_ref.get(ref, [])
        if rows:
            _l, st, rd, com = rows[0]
            if status is None:
                wrong.append(f"{ref} stored {st!r} where it must ask")
            elif st != status:
                wrong.append(f"{ref} stored {st!r}, truth {status!r}")
            elif rd != due and not (rd is None and due == due_before.get(b.ids[ref])):
                # (A "move" to the deadline it already has may store no revision.)
                wrong.append(f"{ref} revised due {rd}, truth {due}")
            others = [x.words for x in case.expect if x.ref != ref and x.words]
            if any(w in (com or "") for w in others):
                wrong.append(f"{ref} commentary {com!r} carries another action's words")
            if e.words and e.words not in (com or ""):
                o.fails.setdefault("lost", f"{ref} commentary {com!r} lost {e.words!r}")
        elif ref in o.asked or (isinstance_ask(o) and not o.asked):
            if status is not None:
                o.fails.setdefault("asked", f"asked about {ref} (truth {status}, {due})")
        else:
            missed_refs.append(ref)
            if status is not None:
                o.fails.setdefault("missed", f"{ref} neither stored nor asked ({o.reply_kind})")
    moved = {b.labels.get(a) for _i, a, _d in revs}
    for ref in moved:
        if ref in truths and truths[ref][1] is None and not by_ref.get(ref):
            wrong.append(f"{ref} deadline moved with no move in the reply")
        elif ref not in truths:
            wrong.append(f"{ref} deadline moved; the reply does not name it")
    if wrong:
        o.fails["wrong"] = "; ".join(wrong)
    if len(expected) > 1 and by_ref and missed_refs:
        o.fails["half"] = f"stored {sorted(by_ref)}, nothing for {missed_refs}"


def isinstance_ask(o: Outcome) -> bool:
    return o.reply_kind in ("AskStatus", "AskAction", "AskReading")


# -- reporting -------------------------------------------------------------------------------

COLUMNS = ("n", "ok", "wrong", "half", "asked", "missed", "nonupd", "kind", "lost", "raised")


def table(outcomes: list[Outcome]) -> str:
    rows: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        for key in (o.case.klass, "TOTAL"):
            c = rows[key]
            c["n"] += 1
            c["ok"] += not o.fails
            for f in o.fails:
                c[f] += 1
    lines = [f"{'class':24}" + "".join(f"{h:>8}" for h in COLUMNS)]
    for klass in [*sorted(k for k in rows if k != "TOTAL"), "TOTAL"]:
        lines.append(f"{klass:24}" + "".join(f"{rows[klass][h]:>8}" for h in COLUMNS))
    return "\n".join(lines)


def asked_rate(outcomes: list[Outcome]) -> tuple[int, int]:
    """(unambiguous replies asked about or missed, unambiguous replies)."""
    clear = [o for o in outcomes if o.unambiguous]
    return sum(1 for o in clear if "asked" in o.fails or "missed" in o.fails), len(clear)


def failures(outcomes: list[Outcome], kind: str, limit: int = 10) -> str:
    bad = [o for o in outcomes if kind in o.fails]
    lines = [f"-- {kind}: {len(bad)} (first {min(limit, len(bad))})"]
    for o in bad[:limit]:
        c = o.case
        lines.append(
            f"  [{c.klass}/{c.plan}] {c.text!r}"
            + (f" (nudge {', '.join(c.nudge)})" if c.nudge else "")
            + f"\n      expect {[(e.ref, e.status, str(e.date) if e.date else None) for e in c.expect]}"
            + f"\n      got {o.reply_kind} stored={[(r[0], r[1], str(r[2]) if r[2] else None) for r in o.stored]} asked={list(o.asked)}"
            + f"\n      why {o.fails[kind]}"
        )
    return "\n".join(lines)


def report(
    outcomes: list[Outcome],
    kinds=("raised", "wrong", "half", "asked", "missed", "nonupd", "kind", "lost"),
) -> str:
    n_asked, n_clear = asked_rate(outcomes)
    head = f"asked or missed on unambiguous: {n_asked}/{n_clear}" + (
        f" = {100 * n_asked / n_clear:.1f}%" if n_clear else ""
    )
    return "\n".join([table(outcomes), head, *(failures(outcomes, k) for k in kinds)])


def check_stored_words(engine, klass: str, cases) -> None:
    """Each of ``cases`` — (text, nudged refs, {ref: status}, the words stored) — through
    ``Conversation.handle`` on the bundled plans in ``engine``: stored as said, with exactly
    those words, and nothing raised, wrong, half-stored or missed."""
    benches = load_plans(engine)
    for text, nudge, statuses, words in cases:
        case = Case(klass, "sample", text, nudge=nudge,
                    expect=tuple(Expect(ref, st) for ref, st in statuses.items()))  # fmt: skip
        [o] = run_cases(benches, [case])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        stored = {row[0]: (row[1], row[3]) for row in o.stored}
        assert stored == {ref: (st, words) for ref, st in statuses.items()}, (text, o.stored)
