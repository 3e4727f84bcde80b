"""The class tables the corpus is composed from: how references are written, status wordings
with the status each one means, commentary fillers (no status words, no dates, no numbers),
joiners, questions, chit-chat and away notes. Each entry's meaning is given here, by hand,
from the reading spec (/work/scratch/reading_spec.md, issue 17)."""

from __future__ import annotations

C, OT, OG, DV, PE, DL, AR, NS = (
    "Completed",
    "On track",
    "Ongoing",
    "Developing",
    "Pending",
    "Delayed",
    "At risk",
    "Not started",
)
STATUSES = (C, OT, OG, DV, PE, DL, AR, NS)

# (wording, status, may follow a subject such as "It's" / "We're").
PLAIN = [
    ("done", C, True), ("complete", C, True), ("completed", C, True), ("finished", C, True),
    ("closed", C, True), ("achieved", C, False), ("delivered", C, False),
    ("signed off", C, False), ("finalised", C, True), ("finalized", C, True),
    ("I'd call that finished", C, False), ("all wrapped up", C, True), ("100%", C, False),
    ("100% complete", C, True), ("✅", C, False), ("Blue", C, False), ("RAG: B", C, False),
    ("on track", OT, True), ("on target", OT, True), ("on schedule", OT, True),
    ("going to plan", OT, True), ("in good shape", OT, True), ("progressing well", OT, True),
    ("Green", OT, False), ("RAG: G", OT, False),
    ("ongoing", OG, True), ("on-going", OG, True), ("in progress", OG, True),
    ("underway", OG, True), ("started", OG, False), ("progressing", OG, True),
    ("continuing", OG, True),
    ("developing", DV, False), ("in development", DV, True), ("being developed", DV, True),
    ("pending", PE, True), ("on hold", PE, True), ("paused", PE, True), ("parked", PE, True),
    ("suspended", PE, True), ("waiting for HR", PE, True), ("waiting on finance", PE, True),
    ("awaiting ET approval", PE, True), ("blocked", PE, True), ("stuck", PE, True),
    ("stalled", PE, True),
    ("delayed", DL, True), ("behind", DL, True), ("behind schedule", DL, True),
    ("slipped", DL, True), ("slipping", DL, True), ("late", DL, True), ("overdue", DL, True),
    ("Red", DL, False), ("RAG: R", DL, False),
    ("at risk", AR, True), ("Amber", AR, False), ("Yellow", AR, False), ("RAG: A", AR, False),
    ("off track", AR, True),
    ("not started", NS, True), ("yet to start", NS, False), ("no progress", NS, False),
    ("zero progress", NS, False), ("nothing yet", NS, False), ("0%", NS, False),
]  # fmt: skip

# Negation read by scope: the status the negated phrase means.
NEGATED = [
    ("not complete", OG, True), ("not completed", OG, True), ("not finished", OG, True),
    ("not done yet", OG, True), ("isn't there yet", OG, False), ("not there yet", OG, True),
    ("no longer delayed", OT, True), ("not at risk any more", OT, True),
    ("back on track", OT, True), ("not behind", OT, True), ("no longer behind", OT, True),
    ("no longer on hold", OG, True), ("not on track", AR, True), ("not begun", NS, True),
    ("hasn't begun", NS, False), ("hasn't started", NS, False), ("not yet started", NS, True),
    ("not started yet", NS, True),
]  # fmt: skip

# Partial completion is never Completed.
PARTIAL = [
    ("nearly done", OG, True), ("almost finished", OG, True), ("mostly finished", OG, True),
    ("largely complete", OG, True), ("partly done", OG, True), ("half done", OG, True),
    ("done except the final sign-off", OG, True), ("done apart from one part", OG, True),
    ("done but for the comms", OG, True), ("almost complete", OG, True),
]  # fmt: skip
# Hedged or distant completion, every hedge with every completion word: never Completed.
_DONE_ADJ = ["done", "complete", "finished", "completed", "wrapped up", "sorted"]
_HEDGES = ["basically", "effectively", "technically", "kind of", "sort of", "as good as",
           "just about"]  # fmt: skip
_DISTANT = ["far from", "nowhere near", "a long way from", "not even close to"]
PARTIAL += [(f"{h} {d}", OG, False) for h in _HEDGES for d in _DONE_ADJ]
PARTIAL += [(f"{d}-ish", OG, False) for d in _DONE_ADJ if " " not in d]
PARTIAL += [(f"{d} on paper", OG, False) for d in _DONE_ADJ[:4]]
NEGATED += [(f"{f} {d}", OG, False) for f in _DISTANT for d in _DONE_ADJ]
# An opinion negates the status it is about.
NEGATED += [
    (f"{w} {s}", st, False)
    for w in ("I don't think we're", "I wouldn't say we're", "I don't believe we're")
    for s, st in (("on track", AR), ("finished", OG), ("done", OG))
]
PERCENT_SUFFIXES = ["", " complete", " done", " through"]

# Subjects that may come before an adjectival wording.
SUBJECTS = ["It's ", "We're ", "This is ", "Currently ", "Now ", "Status: "]
SUBJECTS_DONE = ["It's ", "This is ", "Now ", "Status: "]
DONE_WORDS = {p for p, s, _a in PLAIN if s == C}

# Commentary: no status word, no date, no number, no question, no reference, no comma.
FILLERS = [
    "workshops booked with the team",
    "paper with the exec team for comment",
    "HR have the draft",
    "the steering group met and agreed the approach",
    "see the #FYI note on the intranet",
    "details at https://intranet.example.nhs.uk/od/plan",
    "comms drafted with the engagement team",
    "Estates confirmed the rooms",
    "feedback from staff has been positive",
    "the working group has agreed its terms of reference",
    "ToR agreed by ET",
    "network leads engaged",
    "survey results shared with directorates",
    "training materials drafted by L&D",
    "#wellbeing champions recruited",
    "focus groups held with staff",
    "one-pager circulated to managers",
    "guidance published on the staff intranet",
    "the Governing Body noted the paper",
    "shared with the Culture Champions",
    "CSU colleagues supporting",
    "slides at https://nhs.example.org/s/odplan",
    "budget agreed with finance",
    "see email from Helen",
    "lead appointed",
    "PCN clinical directors engaged",
    "Deloitte facilitating",
    "Our Voice Our Forum consulted",
    "the coaching offer is live on the hub",
    "the draft policy is with staff side",
    "the intranet page is up",
    "interviews held and an offer made",
    "recognition scheme relaunched #thankyou",
    "the team has met twice",
    "SLT endorsed the approach",
    "the toolkit is with the comms team",
    "JNCC consulted on the draft",
    "minutes are on SharePoint",
    "ICS colleagues involved",
    "staff briefing held",
]

# How a reference is written (sample plan: letter + number). ``{L}`` letters, ``{n}`` number.
REF_FORMS = [
    "{L}{n}", "{l}{n}", "{L}.{n}", "{L}-{n}", "{L} {n}", "({L}{n})", "[{L}{n}]", "{L}{n}.",
    "{L}{n}:", "re {L}{n}", "Re {L}{n}", "ref: {L}{n}", "action {L}{n}", "Action {L} {n}",
]  # fmt: skip
# A plan whose actions have no reference (named #id): "#35", "no. 35", "item 35", "action 35".
HASH_FORMS = ["#{n}", "no. {n}", "No. {n}", "item {n}", "action {n}", "Action {n}"]
# A plan that numbers its actions: the same, and a bare "12" opening a part (first here).
NUM_FORMS = ["{n}", "no. {n}", "No. {n}", "item {n}", "action {n}", "Action {n}"]
# After a reference and before the status.
REF_SEPS = [" ", ": ", " - ", " – ", " — ", ", "]

# Joiners between the parts of a reply about several actions ({sep} between parts).
PART_JOINERS = [", ", "; ", " and ", " but ", "\n", ". ", " / "]
BULLETS = ["- ", "* ", "• "]

# "the rest": the nudge's actions not named elsewhere.
REST_WORDS = [
    "the rest", "The rest", "the others", "The others", "everything else", "Everything else",
    "all the others", "All the others", "the rest are", "everything else is", "the others are",
]  # fmt: skip

# Listed together, sharing the words after them: {a}, {b}, {c} are references.
LISTED_2 = [
    "{a} and {b} both {s}", "{a}/{b} {s}", "{a} & {b}: {s}", "{a}, {b}: {s}", "{a} and {b} {s}",
    "Both {a} and {b} {s}",
]  # fmt: skip
LISTED_3 = ["{a}, {b} and {c}: {s}", "{a}, {b}, {c} - {s}", "{a}/{b}/{c} {s}"]

# Date moves: {D} is a date phrase (tests/corpus/dates.py). ``prep`` templates need a date
# that reads after "to"; the others take any (incl. "in two weeks").
MOVES_PREP = [
    "moved to {D}", "pushed back to {D}", "put back to {D}", "deferred to {D}",
    "deferred until {D}", "postponed to {D}", "postponed until {D}", "rescheduled to {D}",
    "extended to {D}", "revised to {D}", "slipped to {D}", "slipping to {D}", "delayed to {D}",
    "delayed until {D}", "delayed till {D}", "won't be done until {D}", "not before {D}",
    "new date {D}", "new target date {D}", "new deadline {D}", "new deadline: {D}",
]  # fmt: skip
MOVES_ANY = [
    "now due {D}", "now expected {D}", "probably {D} now", "likely {D} now", "aiming for {D}",
    "hopefully {D}",
]  # fmt: skip
# Statuses said alongside a move (the move alone means Delayed).
MOVE_STATUSES = [
    ("on track", OT), ("On track", OT), ("Amber", AR), ("at risk", AR), ("on hold", PE),
    ("pending", PE), ("ongoing", OG), ("in progress", OG), ("delayed", DL), ("Delayed", DL),
    ("behind", DL), ("not started", NS), ("developing", DV),
]  # fmt: skip

# Dates that belong to something else: never a move. {D} a date phrase.
NOT_MOVES = [
    "workshops booked for {D}",
    "goes to the board on {D}",
    "the first session ran in May and the next is set for {D}",
    "paper to ET on {D}",
    "next steering group {D}",
    "staff event planned for {D}",
    "report to Governing Body {D}",
]

QUESTIONS = [
    "when is {r} due?", "When is {r} due?", "who owns {r}?", "Who owns {r}?", "is {r} mine?",
    "what's the status of {r}", "What's the status of {r}?", "is {r} overdue?",
    "has {r} been completed?", "Has {r} been completed?", "is {r} on track?",
    "is {r} delayed?", "when's {r} due", "who is the lead for {r}?", "any news on {r}?",
    "is {r} still on hold?", "what's the deadline for {r}?", "is {r} at risk?",
]  # fmt: skip
QUESTIONS_PLAIN = ["what is overdue?", "What's overdue?", "what is due soon?", "what do I own?"]

CHITCHAT = [
    "thanks", "Thanks", "thank you!", "Thank you", "ok", "OK", "okay", "Okay thanks",
    "cheers", "Cheers!", "noted", "Noted, thanks", "no", "yes", "will do", "Will do",
    "will do it on Friday", "I'll update you next week", "hi", "Hi there", "hello",
    "sorry for the late reply", "Sorry for the delay in replying", "apologies for the late reply",
    "thanks, will do", "Morning!", "ta", "Will get back to you", "Thanks for the reminder",
    "OK thanks", "cheers, will do",
]  # fmt: skip

AWAY = [
    "I'm away next week", "I am away next week", "on leave until 3 March",
    "On leave until 20 January", "off sick this week", "Off sick this week",
    "out of office till Monday", "Out of office until Monday", "I'm on annual leave next week",
    "I'm off sick today", "on annual leave until 14 February", "I'm on leave until the 20th",
    "I'm on leave next week", "Out of office until Wednesday", "off sick today",
    "I'm on holiday until the 14th", "on annual leave this week", "I'm out of the office today",
    "Off until Monday", "on leave all next week", "I'm off on leave from tomorrow",
    "away at a conference this week", "I'm on study leave next week", "off sick until Friday",
]  # fmt: skip

# Words the typo generator must not produce: real words near the status words.
REAL_WORDS = frozenset(
    """close closes closet clsoed loses dome done doe one complete completes compete
    competed deleted delated relayed delay delays decayed layed paced posed parked parker
    perked pended penned pending spending trace track tack rack tracks stick stack stuck
    stall stalk stale stalled stalls halted started starter stared stated tarted darted
    begun began begin behind bending finish finished fished finesse finished finises
    ongoing outgoing hold holds held bold achieve achieves archived pasued paused pause
    paced passed pusher suspend suspense""".split()
)

# "was X, now Y": the latest wins. (earlier wording, later wording, later status)
SEQUENCE_FORMS = ["was {a}, now {b}", "previously {a}, now {b}", "was {a} but now {b}",
                  "{A} before, now {b}"]  # fmt: skip
SEQ_WORDS = [
    ("delayed", DL), ("on hold", PE), ("at risk", AR), ("behind", DL), ("amber", AR),
    ("on track", OT), ("not started", NS), ("paused", PE), ("in progress", OG),
    ("red", DL), ("green", OT), ("complete", C), ("underway", OG),
]  # fmt: skip
# Two statuses that cannot both hold: the bot must ask.
CONTRADICTIONS = [
    ("done", "delayed"), ("complete", "behind schedule"), ("on track", "delayed"),
    ("Green", "at risk"), ("on track", "behind"), ("finished", "not started"),
    ("completed", "on hold"), ("on schedule", "slipping"), ("Blue", "Red"),
    ("on target", "at risk"), ("done", "not started"), ("Green", "Red"),
]  # fmt: skip
CONTRA_JOINS = [" but ", " / ", ", ", " and ", " - "]
# Words about the reply itself, not the action: never a status, never a question.
ASIDES = [
    "sorry for the late reply", "Sorry for the delay in replying", "apologies for the late reply",
    "Can you close it on the system?", "thanks", "Thanks!", "cheers", "hope that helps",
    "Is that what you need?", "sorry this is late",
]  # fmt: skip
