"""Where a reply states a status, read by the scope of each phrase, never by the word it
contains: "not complete" is Ongoing, "no longer delayed" On track, "hasn't begun" Not
started, "done except the final sign-off" Ongoing (partial completion is never Completed),
"waiting on HR" Pending, "RAG: A" At risk.

``mentions(text)`` lists every status phrase with its place; words that mean something else
("sorry for the late reply", "waiting list", "late October", a question such as "is it
overdue?", "could be delayed if…" read as a risk) are not statuses. Misspelt status words
("compelted", "dleayed", "on trak") are read when one status word is the clear nearest
reading (rapidfuzz) and the typo is not itself an English word (wordfreq).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.core.statuses import Status

C, OT, OG, DV, PE, DL, AR, NS = (
    Status.COMPLETED,
    Status.ON_TRACK,
    Status.ONGOING,
    Status.DEVELOPING,
    Status.PENDING,
    Status.DELAYED,
    Status.AT_RISK,
    Status.NOT_STARTED,
)

DONE = (
    r"(?:done\s+(?:and|&|n)\s+dusted|completed?|completely\s+done|finished|done|closed|achieved|delivered|signed[\s-]+off|"
    r"finali[sz]ed|wrapped\s+up|concluded|sorted\s+out|sorted(?!\s+out\b))"
)
# A completion word followed by an object is a step, not the action's status
# ("completed the first phase", "done with the first half", "delivered a workshop").
_OBJECT = (
    r"(?!\s+(?:the|a|an|our|my|his|her|their|these|those|some|first|initial|1st|2nd|"
    # "completed this" / "finished that action" is the action itself; "this phase" a step.
    r"(?:this|that)(?!\s*(?:$|[.!,;:)]|(?:\s+(?:action|item|one|task|piece\s+of\s+work|work)\b)))|"
    r"one|two|phase|stage|part|with|on|in\s+(?:part|principle)|for\s+(?:now|the\s+(?:first|next))"
    r"|up\s+to)\b)"
)
_NEG = (
    r"(?:cannot|can\s+not|not|never|no\s+longer|no\s+lo[a-z]{2,5}|nor|(?:is|are|was|were|has|have|had|does|do|did|wo|ca|could|"
    r"should|would|ai)n[’']?t)"
)
_ANY_WORD = (
    r"(?:on[\s-]?track|complete[d]?|finished|done|on[\s-]?going|in\s+progress|developing|"
    r"pending|delayed|at[\s-]risk|started|behind|late|on[\s-]hold|paused|blocked|stuck)"
)

# Completion hedged, or with distance from it: not done ("done-ish", "basically complete",
# "far from finished"); done on paper, in theory, for one phase only.
_HEDGE = (
    r"(?:basically|effectively|technically|kind\s+of|sort\s+of|kinda|sorta|as\s+good\s+as|"
    r"just\s+about|to\s+all\s+intents(?:\s+and\s+purposes)?|in\s+theory|on\s+paper)"
)
_FAR = (
    r"(?:far\s+from|nowhere\s+near|a\s+long\s+way\s+(?:from|off)|not\s+(?:even\s+)?(?:close|near)"
    r"\s+to|anything\s+but|hardly|barely|scarcely)"
)
# "I don't think we're on track", "wouldn't say it's complete": the opinion negates the status.
_DOUBT = (
    r"(?:(?:do|does|would|could|ca|wo)n[’']?t|do\s+not|would\s+not|cannot|doubt)\s+(?:really\s+)?"
    r"(?:think|say|believe|reckon|imagine|expect|call)?\s*(?:that\s+)?(?:it|we|this|that|they|"
    r"things)?(?:[’']s|[’']re|[’']ll\s+be|\s+is|\s+are|\s+will\s+be|\s+(?:have|has)\s+been)?\s*"
    r"(?:quite\s+|fully\s+|really\s+|still\s+)?"
)

# A time still to come straight after a completion word: "done in 3 weeks", "done by Friday",
# "finished next week" forecast completion, they do not report it. ("Signed off by ET" names
# who; "completed by March" may be past or to come: update_text compares the date with today.)
_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
FUTURE_TAIL = (
    r"\s+(?:by\s+(?:the\s+)?(?:next|tomorrow|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri)(?:day)?)|"
    r"in\s+(?:a|an|one|two|three|four|five|six|few|couple|\d+|the\s+next|another|a\s+few|"
    r"a\s+couple)\b[\w\s]{0,12}?\b(?:days?|weeks?|wks?|months?|fortnight)|"
    r"within\s+(?:the|a|an|one|two|three|\d+|the\s+next)\b|next\s+(?:week|month|quarter|year|"
    r"(?:mon|tues|wednes|thurs|fri)day)|tomorrow|later\s+(?:this|today|in)|soon)\b"
)
# "No progress this month", "no progress since the last update", "no progress to report": nothing
# moved in a spell (or nothing to tell), which says nothing of whether the action ever
# started; an action under way for a year is not Not started. Only "no progress (yet, to
# date, so far)" and "no progress" alone are. Put after the words it qualifies.
IN_A_SPELL = (
    r"(?!\s+(?:made\s+|at\s+all\s+)?(?:this|last|since|over|during|recently|lately|to\s+report|"
    r"in\s+(?:the\s+)?(?:last|past|recent|previous|latest)|"
    r"for\s+(?:a\s+(?:while|bit|few|couple|month|week)|the\s+(?:last|past)|some\s+time|\d+|two|"
    r"three|several|weeks|months)|on\s+(?:this|it|that)\s+(?:this|since|in|over|for|lately|"
    r"recently))\b)"
)
_PATTERNS: list[tuple[str, Status | None, str]] = [
    (DONE + FUTURE_TAIL, None, "future"),
    # "ok to close", "happy for this to be closed", "can come off the list": done, asking
    # for it to be recorded so.
    (
        r"(?:ok|okay|happy|fine|content)\s+(?:for\s+(?:this|it)\s+)?to\s+(?:be\s+)?(?:close[d]?|"
        r"sign(?:ed)?\s+(?:it\s+|this\s+)?off|mark(?:ed)?\s+(?:it\s+|this\s+)?(?:as\s+)?(?:complete[d]?|"
        r"done))|please\s+close\s+(?:this|it)(?:\s+one)?(?:\s+off)?|(?:can|could)\s+(?:now\s+)?come\s+"
        r"off\s+the\s+(?:list|plan|tracker|log)",
        C,
        "word",
    ),
    # Done late is done ("delivered a month late", "completed 2 weeks late").
    (
        DONE + r"\s+(?:a|an|one|two|three|four|\d+|a\s+couple\s+of|a\s+few)\s+(?:days?|weeks?|"
        r"months?|fortnights?)\s+(?:late|early|behind\s+schedule|ahead\s+of\s+schedule)",
        C,
        "word",
    ),
    (_DOUBT + r"(?:" + DONE + r"|there|over\s+the\s+line)", OG, "negated"),
    (_DOUBT + r"(?:on[\s-]?track|on\s+target|on\s+schedule)", AR, "negated"),
    (_FAR + r"\s+(?:being\s+)?(?:" + DONE + r"|there|over\s+the\s+line)", OG, "partial"),
    (_FAR + r"\s+(?:on[\s-]?track|on\s+target|on\s+schedule)", AR, "negated"),
    (
        r"(?:barely|only\s+just|just|recently|newly)\s+(?:been\s+)?(?:started|begun|kicked\s+off)",
        OG,
        "word",
    ),
    (_HEDGE + r"\s+(?:now\s+)?" + DONE, OG, "partial"),
    (
        DONE + r"(?:\s*-\s*ish|\s*\(\s*ish\s*\)|ish|\s+(?:on\s+paper|in\s+theory|in\s+name\s+only|"
        r"(?:for|in)\s+(?:phase|stage|part)\s+\w+(?:\s+only)?|only\s+(?:for|in)\s+(?:phase|stage|part)"
        r"\s+\w+))",
        OG,
        "partial",
    ),
    # "met the deadline", "March target achieved": done, on time.
    (
        r"(?:met|achieved)\s+(?:the\s+|our\s+|its\s+)?(?:[\w/]+\s+)?(?:deadline|target\s+date|due\s+date)|"
        r"(?:deadline|target\s+date|due\s+date)\s+(?:was\s+|has\s+been\s+)?(?:met|achieved)",
        C,
        "word",
    ),
    # "won't make the March date", "going to miss the deadline"; "will hit the target".
    (
        r"(?:(?:wo|ca)n[’']?t|will\s+not|cannot|not\s+going\s+to|unable\s+to)\s+(?:make|hit|meet|achieve)"
        r"\s+(?:the\s+|our\s+|this\s+)?(?:[\w/]+\s+)?(?:deadline|date|target|timescales?)|(?:will|going\s+to|"
        r"gonna|set\s+to|likely\s+to)\s+miss\s+(?:the\s+|our\s+)?(?:[\w/]+\s+)?(?:deadline|date|target)",
        DL,
        "word",
    ),
    # "50% complete" is under way; "100%" is done.
    (
        r"(?<![\d.])[1-9]\d?(?:\.\d+)?\s*%(?:\s+(?:complete[d]?|done|finished|through|delivered|"
        r"of\s+the\s+way(?:\s+there)?))?",
        OG,
        "percent",
    ),
    (r"(?<![\d.])100\s*%(?:\s+(?:complete[d]?|done|finished|delivered))?", C, "word"),
    # A risk of slipping is a risk, not a delay ("could slip", "may be delayed").
    (
        r"(?:could|might|may|likely\s+to|liable\s+to|in\s+danger\s+of|(?:a\s+|some\s+)?risk\s+"
        r"(?:of|that\s+(?:it|we|this)\s+(?:will|could|might|may))|risks?|possibly|potentially)\s+"
        r"(?:well\s+)?(?:be\s+|get\s+|end\s+up\s+(?:being\s+)?|being\s+)?"
        # "might be a month late", "could be 2 weeks behind": the size of the slip it may be
        r"(?:(?:a|one|two|three|four|\d+|a\s+couple\s+of|a\s+few|several)\s+"
        r"(?:days?|weeks?|wks?|months?|fortnights?)\s+(?=late|behind))?"
        r"(?:slip(?:ping|s|ped)?|delayed|late|missed|missing\s+the\s+(?:deadline|date)|behind|"
        r"(?:pushed|put|moved|set)\s+back|deferred|postponed|sliding|slide|"
        r"(?<=be\s|et\s)moved(?=\s+(?:to|into|out|until)\b))",
        AR,
        "hedge",
    ),
    # Completion to come is no status ("should be complete by 30 Sept", "to be signed off").
    (
        r"(?:should|will|would|to|must|could|might|may|shall|going\s+to|gonna|needs?\s+to|hope\s+to|"
        r"aim\s+to|expect\s+to|expected\s+to|due\s+to|plan\s+to|planned\s+to|intend\s+to|"
        r"\w+'ll)\s+(?:now\s+|then\s+|hopefully\s+|definitely\s+)?(?:be\s+|get\s+|have\s+)?"
        # "I'll get it done by Friday", "will have it finished next week"
        r"(?:(?:it|this|that|them|these|everything|the\s+\w+)\s+)?"
        r"(?:fully\s+|all\s+)?(?:been\s+)?" + DONE,
        None,
        "future",
    ),
    # Closure that waits on something ("can be closed once the audit signs off", "could be
    # signed off after the March board"): no status yet.
    (
        r"(?:can|could|may|might|ready\s+to|able\s+to|ok\s+to|okay\s+to|happy\s+to)\s+"
        r"(?:now\s+|then\s+)?(?:be\s+)?" + DONE + r"\s+(?:once|when|after|as\s+soon\s+as|"
        r"subject\s+to|provided|pending|if|following|on\s+receipt)\b",
        None,
        "future",
    ),
    # Completion hoped for: "hopefully done by the end of the month", "probably finished".
    (
        r"(?:hopefully|probably|likely|possibly|all\s+being\s+well|fingers\s+crossed|"
        r"with\s+luck|touch\s+wood)\s*,?\s+(?:it\s+|we\s+|this\s+)?(?:will\s+|should\s+|'ll\s+)?"
        r"(?:be\s+|have\s+it\s+|get\s+it\s+)?(?:all\s+)?" + DONE,
        None,
        "future",
    ),
    # ... or a condition ("until integration complete", "once the review is done").
    (
        r"(?:until|till|once|when|after|before|unless)\s+(?:[\w'’]+\s+){0,4}(?:is\s+|are\s+|has\s+been\s+)?"
        + DONE,
        None,
        "future",
    ),
    # One person's or team's part done is not the action done: "my bit's finished", "done
    # from my side", "done my part, waiting on finance".
    (
        r"(?:my|our|his|her|their|the\s+team's|our\s+team's)\s+(?:bit|part|side|element|section|piece|"
        r"contribution|end|share)(?:[’']s|\s+is|\s+has\s+been|\s+was)?\s+(?:now\s+|all\s+)?"
        + DONE
        + r"|"
        + DONE
        + r"\s+(?:from|on|at|for)\s+(?:my|our|his|her|their)\s+(?:side|end|part)|"
        r"(?:done|finished|completed)\s+(?:my|our|his|her|their)\s+(?:bit|part|side|element|section|piece|"
        r"contribution|share)",
        OG,
        "partial",
    ),
    # A hedge said as a sentence of its own after the status: "Done. Well, mostly."
    (
        r"(?<=[.!?;]\s)(?:well\s*,?\s*)?(?:mostly|almost|nearly|partly|largely|sort\s+of|kind\s+of|"
        r"more\s+or\s+less|in\s+theory|on\s+paper|not\s+quite|not\s+entirely|ish)(?=\s*[.!]*\s*$)",
        OG,
        "afterhedge",  # partial of a completion, a hedge of an On track
    ),
    # Partial completion.
    (
        r"(?:nearly|almost|mostly|largely|partly|partially|half|substantially|virtually|"
        r"practically|pretty\s+much|not\s+quite|not\s+fully|not\s+entirely|not\s+yet\s+fully|"
        r"not\s+totally|all\s+but|more\s+or\s+less|broadly|essentially|90%|95%|99%)\s+"
        r"(?:been\s+|now\s+)?(?:" + DONE + r"|there)|getting\s+there",
        OG,
        "partial",
    ),
    (
        DONE
        + r"\s*[,;:\-–—]?\s*(?:except|apart\s+from|but\s+for|bar|barring|save\s+for|other\s+than|"
        r"aside\s+from|minus|excluding|with\s+the\s+exception\s+of|"
        # "complete, pending sign-off" waits on something; "complete; pending" is two statuses
        r"(?:pending|subject\s+to|awaiting)(?=\s+[\w'’-])|"
        r"in\s+part|in\s+principle|for\s+the\s+most\s+part|mostly|largely|partly)\b",
        OG,
        "partial",
    ),
    (
        DONE + r"\s*[,;:\-–—]?\s*(?:but|though|although|however|yet)\b[^.;!?]*?\b(?:still|"
        r"remains?|remaining|outstanding|to\s+(?:do|go|finish|complete|follow|be\s+\w+ed)|left|"
        r"not\s+yet|awaiting|waiting)\b",
        OG,
        "partial",
    ),
    # "19 of 20 done", "3 out of 5 sessions delivered": a share done is under way.
    (
        r"(?<![\d.])\d{1,4}\s*(?:of|out\s+of|/)\s*\d{1,4}\s+(?:\w+\s+){0,2}?(?:are\s+|is\s+|have\s+been\s+|"
        r"now\s+)?" + DONE,
        OG,
        "partial",
    ),
    (
        r"(?:first|one|some|most|part|parts|half|phase\s+\w+|stage\s+\w+|the\s+first\s+\w+)\s+"
        r"(?:of\s+(?:it|the\s+\w+)\s+)?(?:is\s+|are\s+|has\s+been\s+|have\s+been\s+|now\s+)?"
        + DONE,
        OG,
        "partial",
    ),
    # A step of the action done is not the action done ("the planning of this was done").
    (
        r"(?:the\s+)?(?:planning|scoping|design|preparation|prep|groundwork|initial\s+work|"
        r"first\s+draft|draft|consultation|procurement|analysis|ground\s+work|pilot)\s+"
        r"(?:of\s+(?:this|it|the\s+\w+)\s+|for\s+(?:this|it)\s+)?(?:was|is|has\s+been|have\s+been|"
        r"now|were|are)\s+(?:now\s+)?" + DONE,
        None,
        "step",
    ),
    # Completion negated.
    (
        _NEG + r"\s+(?:yet\s+|quite\s+|fully\s+|been\s+|entirely\s+|totally\s+|actually\s+|"
        r"completely\s+)*(?:" + DONE + r"|there|over\s+the\s+line)(?:\s+yet)?",
        OG,
        "negated",
    ),
    (
        r"(?:still|yet)\s+(?:needs?\s+)?to\s+(?:be\s+)?(?:finish|complet|sign(?:ed)?\s+off|finalis|"
        r"finaliz|deliver|close|wrap)\w*|incomplete|unfinished|not\s+finali[sz]ed",
        OG,
        "negated",
    ),
    # Not begun.
    (
        _NEG + r"\s+(?:yet\s+|even\s+|actually\s+)*(?:been\s+)?(?:started|begun|began|commenced|"
        r"kicked\s+off|underway|under\s+way|got\s+going|got\s+started|start(?:ed)?\s+yet)",
        NS,
        "negated",
    ),
    # "neither has started", "none of them started": not begun, for each of them.
    (
        r"(?:neither|none\s+of\s+(?:them|these|those|my\s+actions))\s+(?:\w+\s+){0,3}?(?:has|have|is|are)?"
        r"\s*(?:yet\s+|even\s+)?(?:been\s+)?(?:started|begun|commenced|kicked\s+off|underway)",
        NS,
        "negated",
    ),
    (
        r"(?:neither|none\s+of\s+(?:them|these|those|my\s+actions))\s+(?:\w+\s+){0,3}?(?:is|are|has\s+been|"
        r"have\s+been)?\s*(?:yet\s+)?(?:complete[d]?|done|finished|closed|delivered)",
        OG,
        "negated",
    ),
    (
        r"(?:yet|still)\s+to\s+(?:start|begin|commence|get\s+going|get\s+started|kick\s+off)|"
        r"(?:no|zero|nil|little\s+or\s+no|not\s+any)\s+progress"
        + IN_A_SPELL
        + r"(?:\s+(?:yet|to\s+date|so\s+far|made))?|"
        r"nothing\s+(?:done\s+|happened\s+|started\s+|to\s+report\s+)?(?:yet|so\s+far|to\s+date)|"
        r"not\s+(?:yet\s+)?(?:been\s+)?(?:looked\s+at|touched)|haven't\s+got\s+to\s+it|"
        r"(?<![\d.])0\s*%",
        NS,
        "word",
    ),
    # A delay (or risk) negated: back on track.
    (
        _NEG + r"\s+(?:any\s+)?(?:longer\s+)?(?:been\s+)?(?:delayed|behind(?:\s+schedule)?|late|"
        r"at[\s-]+risk|slipping|slipped|fallen\s+behind|off[\s-]+track|a\s+risk|running\s+late|"
        r"in\s+danger)(?:\s+(?:any\s?more|at\s+all|so\s+far|yet))?",
        OT,
        "negated",
    ),
    (r"back\s+on[\s-]?track|caught\s+up|(?:have|has)\s+recovered", OT, "word"),
    # A hold negated: moving again.
    (
        _NEG + r"\s+(?:on[\s-]+hold|paused|pending|blocked|stuck|stalled|waiting)"
        r"(?:\s+any\s?more)?|unblocked|resumed|restarted|back\s+underway|up\s+and\s+running\s+again",
        OG,
        "negated",
    ),
    # On track negated.
    (
        _NEG + r"\s+(?:really\s+|quite\s+|at\s+all\s+|even\s+|remotely\s+|anywhere\s+near\s+)?"
        r"(?:on[\s-]?track|on\s+target|on\s+schedule|"
        r"going\s+(?:to|according\s+to)\s+plan)|off[\s-]+track",
        AR,
        "negated",
    ),
    # Any other status word negated ("not developing", "isn't ongoing"): unclear, so ask.
    (_NEG + r"\s+(?:\w+\s+)?" + _ANY_WORD, None, "unclear"),
    # Plain phrases.
    (
        r"on[\s-]?track|ontrack|on\s+target|on\s+schedule|(?:going|progressing)\s+(?:to|according\s+to)"
        r"\s+plan|in\s+good\s+shape|(?:progressing|going|coming\s+along)\s+(?:well|nicely)|"
        r"(?:good|great|excellent|solid|"
        r"strong)\s+progress|ahead\s+of\s+schedule|all\s+good|in\s+hand|under\s+control",
        OT,
        "word",
    ),
    (
        r"at[\s-]+risk|some\s+risk|risky|in\s+jeopardy|touch\s+and\s+go|off[\s-]+course|"
        r"off\s+the\s+rails|derailed|gone\s+(?:a\s+bit\s+)?(?:sideways|pear[\s-]+shaped)|hit\s+"
        r"(?:a\s+|some\s+)?(?:snag|snags|problems?|hurdles?|wall|brick\s+wall|roadblocks?)|(?:serious\s+|real\s+)?"
        r"concerns?\s+(?:about|around|over)\s+(?:delivery|the\s+deadline|timescales?|timing|"
        r"meeting\s+the)",
        AR,
        "word",
    ),
    (
        r"on[\s-]+hold|paused|parked|suspended|pending|(?:waiting|waits)\s+(?:for|on)|awaiting|"
        r"blocked|stuck|stalled|held\s+up",
        PE,
        "word",
    ),
    (
        r"developing(?!\s+(?:a|an|the|new|our|their|its|this|that|these|those|and|data|plans?|"
        r"proposals?|models?|options?|relationships?|skills?|staff|people|leaders?)\b)|"
        r"in\s+development|being\s+developed|under\s+development|in\s+draft|drafting",
        DV,
        "word",
    ),
    (
        r"in[\s-]+progress|on[\s-]?going|underway|under\s+way|progressing|(?:has|have|had|was|"
        r"were|is|are|work|we|it)\s+started|started\s+(?:on|work)|continuing|continues|"
        r"being\s+(?:implemented|delivered|rolled\s+out|worked\s+on|progressed|taken\s+forward)|"
        r"work\s+continues|(?:some|steady)\s+progress|moving\s+forward|re-?opened|"
        r"(?:chugging|ticking|trundling|plodding|moving|rolling|cracking)\s+(?:along|on)|"
        r"(?:pressing|pushing|cracking|getting)\s+on(?:\s+with\s+it)?(?=\s*(?:[.!,;]|$))|"
        r"(?<=[.,;:\-–—]\s)started(?=\s*[.!]*\s*$)",
        OG,
        "word",
    ),
    (
        r"delayed|behind\s+(?:schedule|plan|time|target)|running\s+(?:late|behind)|slipp(?:ed|ing)|"
        r"(?:is|are|be|been|was|now|a\s+bit|slightly|bit|little|weeks?|months?|days?)\s+late(?!\s+"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|winter|next|this))"
        r"|behind(?=\s*(?:[.!?,;:)\-–—]|$))"
        r"|overdue|postponed|deferred|pushed\s+back|put\s+back|(?:we're|we\s+are|is|are|now|"
        r"running|fallen|fell|slightly|a\s+bit|bit|weeks?|months?)\s+behind|"
        r"(?:a|some|slight|short|further|small|significant)\s+(?:delay|slip|slippage)(?!\s+in\s+"
        r"(?:replying|responding|getting))|slippage",
        DL,
        "word",
    ),
    (DONE + _OBJECT, C, "word"),
    # Office prose for done, as the seeds' "Delivered" column writes it: "The new rota is in
    # place", "Policy was ratified at July board", "has been rolled out". Only where nothing
    # in its sentence qualifies it (``_qualified``). Set up, established, launched, approved
    # (and "is live") are not here: seed 000 rates "New group established and first meeting in
    # November" On track and "Learning Hub launched" Developing: often steps, so asked about.
    (
        r"(?:(?:is|are|now)\s+(?:now\s+)?(?:fully\s+)?(?:in\s+place|embedded)|"
        r"(?:has|have)\s+(?:now\s+)?(?:been\s+)?(?:fully\s+)?(?:implemented|rolled\s+out|ratified|"
        r"adopted|embedded|put\s+in\s+place)|"
        r"(?:was|were)\s+(?:fully\s+|formally\s+)?(?:implemented|rolled\s+out|ratified|adopted|"
        r"embedded|put\s+in\s+place))(?![\w-])",
        C,
        "statement",
    ),
    (
        # the same said headline-style: "Policy ratified at July board", "Rota implemented"
        r"(?<![^\s(])(?<!being\s)(?<!be\s)(?<!to\s)(?:ratified|implemented|rolled\s+out)"
        r"(?=\s+(?:at|by|in|on|across|to|from|with|last|this|and)\b|\s*[.!,;]*\s*$)",
        C,
        "statement",
    ),
]
# The bounds hold for every alternative of a pattern, not just its first and last.
_COMPILED = [(re.compile(rf"(?<![\w-])(?:{p})(?![\w])", re.I), s, k) for p, s, k in _PATTERNS]

_COLOUR = {"blue": C, "b": C, "green": OT, "g": OT, "amber": AR, "a": AR, "yellow": AR}
_COLOUR |= {"red": DL, "r": DL}
_RAG = re.compile(
    r"(?<!\w)(?:b?rag(?:\s+(?:status|rating))?|rating|rated|status)\s*(?:is\s+|now\s+|:|-|–|=|of)?"
    r"\s*(?:now\s+|still\s+|currently\s+)?(?P<c>blue|green|amber|yellow|red|[bgar](?:\s*/\s*[bgar])?)"
    r"(?![\w])|(?<![\w])(?:is|now|remains?|currently|still|at|stays?)\s+(?P<c2>green|amber|red|blue)"
    r"(?=\s*(?:[.!,;)]|$))|\((?P<c3>green|amber|red|blue|[bgar])\)|"
    # a colour on its own at the end: "…, Green", "… noted the paper. Red!"
    r"(?<=[.,;:\-–—])\s*(?P<c4>blue|green|amber|yellow|red)(?=\s*[.!]*\s*$)|"
    # a split rating of neighbouring colours, "amber/green": its worse colour, as a RAG column
    # reads it ("Red / Green" is two readings: asked)
    r"(?<![\w/])(?P<c5>(?:amber|yellow)\s*/\s*(?:green|red)|(?:green|red)\s*/\s*(?:amber|yellow))"
    r"(?![\w/])|"
    # a rating that moved: "moved from red to amber", "improved to green", "downgraded to amber"
    r"(?<![\w])(?:moved|changed|gone|going|improved|upgraded|downgraded|dropped|slipped|returned|"
    r"reverted|back|come\s+down|gone\s+up|gone\s+down)\s+(?:(?:from|off)\s+(?:blue|green|amber|"
    r"yellow|red)\s+)?(?:to|into)\s+(?P<c7>blue|green|amber|yellow|red)\b|"
    # a rating it had: "(was green)", "previously amber" — history, no status
    r"(?<![\w])(?:was|previously|formerly|originally|initially|last\s+month)\s+(?:rated\s+)?"
    r"(?P<c6>blue|green|amber|yellow|red)\b",
    re.I,
)
_EXCLUDE = re.compile(
    r"(?:sorry|apologies|apologise|apologize)\s+(?:for|about)\s+(?:the\s+|my\s+|this\s+)?"
    r"(?:delay|late\w*|slow)[^.;!?,]*|"
    r"(?:sorry|apologies)\b[^.!?;]{0,25}\b(?:late|delayed|slow)\b|"
    r"(?:late|delayed|slow)\s+(?:reply|response|replying|responding|notice|night|start|finish|"
    r"afternoon|morning|evening|shift|email)|"
    r"delay\s+in\s+(?:replying|responding|getting\s+back|coming\s+back)|"
    r"waiting\s+(?:list|lists|time|times|room|areas?)|"
    r"risk\s+(?:register|assessment|log|management|appetite|rating|score|stratification)|"
    r"(?:early|mid|late)[\s-]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|"
    r"autumn|winter|next|this)\w*|"
    r"(?:red|green|blue|amber)\s+(?:tape|light|space|paper|book|line|flag|plan|team|zone)|"
    r"\b(?:if|unless|in\s+case|otherwise|should\s+(?:the|we|it|funding))\b[^.;,!?]*",
    re.I,
)
_QUESTION = re.compile(r"[^.!?\n]*\?")
_ASKING = re.compile(
    r"\b(?:when|who|whom|whose|what|what's|whats|which|where|why|how|is|are|was|were|has|have|"
    r"does|do|did|can|could|should|will|would|shall|am|any|anything|isn't|aren't|hasn't)\b",
    re.I,
)
_CLAUSE_ASK = re.compile(r"(?:^|[-–—,;:(]\s*)(?=" + _ASKING.pattern + ")", re.I)


def question_start(sentence: str) -> int:
    """Where the question in a sentence ending in "?" begins: the last clause that opens with
    a question word ("This is on schedule - can you close it?" asks from "can"); 0 when no
    clause does ("V5 overdue?")."""
    starts = [m.end() for m in _CLAUSE_ASK.finditer(sentence)]
    return starts[-1] if starts else 0


_NOW = re.compile(
    r"\b(?:now|but\s+now|has\s+since|have\s+since|since\s+then|subsequently|eventually|finally|"
    r"then|however|update|latest|today|as\s+of\s+\w+)\b",
    re.I,
)
_PAST = re.compile(
    r"\b(?:was|were|had\s+been|previously|initially|originally|earlier|last\s+(?:month|week|time)|"
    r"at\s+first)\b",
    re.I,
)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    status: Status | None  # None: a status word negated in a way with no clear meaning
    kind: str  # word | partial | negated | hedge | unclear | colour


def _excluded(text: str) -> list[tuple[int, int]]:
    zones = [(m.start(), m.end()) for m in _EXCLUDE.finditer(text)]
    for m in _QUESTION.finditer(text):
        # The question runs from its question word ("Done - is there anything else?" keeps
        # "Done"); with none ("V5 overdue?") the whole sentence is the question.
        zones.append((m.start() + question_start(m.group(0)), m.end()))
    return zones


def _inside(zones, a: int, b: int) -> bool:
    return any(s <= a and b <= e for s, e in zones)


def mentions(text: str) -> list[Mention]:
    """Every status phrase in ``text`` (misspellings read), in order, none overlapping."""
    fixed, src = fix_spelling(text)
    zones = _excluded(fixed)
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []

    def free(a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in taken)

    for m in _RAG.finditer(fixed):
        if not _inside(zones, m.start(), m.end()):
            taken.append((m.start(), m.end()))
            if m.group("c6"):
                continue  # "was green": what it was, not what it is
            c = next(
                m.group(g) for g in ("c", "c2", "c3", "c4", "c5", "c7") if m.group(g)
            ).casefold()
            letters = [p.strip() for p in c.split("/")]
            order = [DL, AR, OT, C]
            status = min((_COLOUR[p] for p in letters), key=order.index)
            found.append(Mention(m.start(), m.end(), status, "colour"))
    for pattern, status, kind in _COMPILED:
        for m in pattern.finditer(fixed):
            a, b = m.start(), m.end()
            if not free(a, b) or _inside(zones, a, b):
                continue
            taken.append((a, b))
            found.append(Mention(a, b, status, kind))
    found.sort(key=lambda x: x.start)
    found = [_hedged(fixed, m) for m in found if m.kind != "statement" or not _qualified(fixed, m)]
    if src:  # positions in the text as written
        found = [Mention(src[m.start], src[m.end - 1] + 1, m.status, m.kind) for m in found]
    return found


# On track said with a hedge ("sort of on track I suppose", "on track-ish", "more or less on
# track, fingers crossed") is neither a confident On track nor a stated risk: the vocabulary
# (PRODUCT.md) has no hedged rating, and the doubt is the owner's to rate, so the bot asks,
# offering On track and At risk. "We are on track I think" stays On track: an opinion stated
# plainly (tests/test_replies_as_written.py).
_HEDGE_BEFORE = re.compile(
    r"(?:\b(?:sort\s+of|kind\s+of|sorta|kinda|more\s+or\s+less|roughly|broadly|largely|mostly|"
    r"just\s+about|pretty\s+much|almost|nearly|reasonably|fairly|hopefully|probably|possibly|"
    r"maybe|perhaps|i\s+(?:hope|guess|suppose)|should|might|could|"
    # "not sure we're on track", "unsure whether it is on track": doubt, not a denial
    r"not\s+(?:really\s+|entirely\s+|totally\s+|100%\s+|at\s+all\s+)?(?:sure|certain|"
    r"convinced|confident)|unsure|uncertain|unclear)\b[\s,]*"
    r"(?:(?:that|whether|if|we[’']re|we\s+are|it[’']s|it\s+is|this\s+is|things\s+are|"
    r"(?:still\s+)?be|still|now|looking|seem(?:s|ing)?\s+to\s+be|reasonably|fairly|pretty)\s+"
    r"){0,3})$",
    re.I,
)
_HEDGE_AFTER = re.compile(r"^(?:\s*-\s*ish|ish|\s*\(\s*ish\s*\))\b", re.I)
_AFTERTHOUGHT = re.compile(
    r"\b(?:i|we)\s+(?:suppose|guess)\b|\bfingers\s+crossed\b|\btouch\s+wood\b|"
    r"\bi\s+hope(?!\s+to\b)|\b(?:sort|kind)\s+of\s*[.!]*$|\bish\b|\bhopefully\s*[.!]*$|"
    r"\bjust\s+about\s*[.!]*$|\bmore\s+or\s+less\s*[.!]*$|\bin\s+theory\b",
    re.I,
)
# A hedge is about the On track said in its own clause, close by: not about what follows a
# colon ("On track: the panel should approve it in March, hopefully").
_CLAUSE = re.compile(r"[.:;!?\n]|\bbut\b|\bhowever\b|\balthough\b|\bthough\b", re.I)


# What makes "is in place" less than done: a part, a step, a hedge, a negation, or a time
# to come ("in place from next month", "will be implemented", "partially rolled out").
_QUALIFIER = re.compile(
    r"\b(?:partial(?:ly)?|partly|in\s+part|mostly|largely|some|most|initial(?:ly)?|pilot\w*|"
    r"phase|stage|first|interim|draft|trial\w*|temporar(?:y|ily)|in\s+principle|almost|nearly|"
    r"not|no|never|yet|n[’']t|except|apart\s+from|but|however|although|though|only|until|"
    r"once|when|if|unless|will|going\s+to|to\s+be|planned|plan(?:s|ning)?\s+to|due\s+to|"
    r"from|starting|next|should|hopefully|expected|expect|hope|aim\w*|soon|shortly|"
    r"some\s+areas|one\s+site|(?:\d+|one|two|three|four|five)\s+(?:of|out\s+of)|being|"
    r"sort\s+of|kind\s+of|basically|effectively|technically|in\s+theory|on\s+paper|"
    r"mainly|generally|broadly|subject\s+to|pending|awaiting|waiting|still|to\s+follow|"
    r"to\s+come|remaining|outstanding|"
    # a group in place to do the work is a step ("A working group is in place to take this
    # forward"), as "New group established" is (seed 000)
    r"group|panel|committee|forum|network|to\s+take\s+(?:this|it)\s+forward|"
    r"to\s+(?:progress|oversee|drive|scope|explore|develop|review))\b",
    re.I,
)


def _qualified(text: str, m: Mention) -> bool:
    """Is the done said at ``m`` qualified anywhere in its sentence (so not clearly done)?"""
    cuts = [x.end() for x in re.finditer(r"[.;!?\n]", text[: m.start])]
    stop = re.search(r"[.;!?\n]", text[m.end :])
    sentence = text[cuts[-1] if cuts else 0 : m.end + (stop.start() if stop else len(text))]
    return bool(_QUALIFIER.search(sentence))


def _hedged(text: str, m: Mention) -> Mention:
    """An On track mention turned into a hedged one (status None, kind "hedged") when the
    words around it hedge it; any other mention as it is."""
    if m.status is OT and m.kind in ("word", "colour") and hedged_on_track(text, m.start, m.end):
        return Mention(m.start, m.end, None, "hedged")
    return m


def hedged_on_track(text: str, start: int, end: int) -> bool:
    """Is the On track said at ``text[start:end]`` hedged by the words of its clause?"""
    cuts = [x.end() for x in _CLAUSE.finditer(text, 0, start)]
    first = cuts[-1] if cuts else 0
    stop = _CLAUSE.search(text, end)
    before, after = text[first:start], text[end : stop.start() if stop else len(text)]
    return bool(
        _HEDGE_BEFORE.search(before[-60:])
        or _HEDGE_AFTER.match(after)
        or _AFTERTHOUGHT.search(before[-40:])
        or _AFTERTHOUGHT.search(after[:40])
    )


# Statuses that cannot both be true of one action at once ("on track but delayed"); others sit
# together ("developing, work continues", "not started - waiting for funding").
_CLASH = {
    frozenset(p)
    for p in [(C, NS), (C, DL), (C, AR), (C, PE), (OT, DL), (OT, AR), (OT, NS), (NS, OG), (NS, DV)]
}


_TELLING = [DL, AR, PE, NS, DV, OG, OT, C]


def clash(a: Status, b: Status) -> bool:
    return frozenset((a, b)) in _CLASH


def conclude(text: str, found: list[Mention], *, latest_wins: bool = False):
    """(status, options) from the mentions of one part: one status, or None with the
    readings to offer when the part claims several (or a negation with no clear meaning)."""
    if not found:
        return None, ()
    found = [m for m in found if m.kind != "future" and not _history(text, m)]
    if not found:
        return None, ()
    if any(m.kind != "percent" and m.status is not None for m in found):
        # "50% complete, on track for March": the figure is progress, the words the status.
        found = [m for m in found if m.kind != "percent"]
    if any(m.kind == "hedged" for m in found):
        # "sort of on track I suppose": asked, On track or At risk offered (with any other
        # status the part states).
        said = [m.status for m in found if m.status is not None]
        return None, tuple(dict.fromkeys([OT, AR, *said]))
    statuses = list(dict.fromkeys(m.status for m in found))
    if statuses == [None]:
        return None, ()
    if len(statuses) == 1:
        return statuses[0], ()
    # Partial completion beats the completion it qualifies; a hedge beats the delay it hedges.
    real = [m for m in found if m.status is not None]
    if not real:
        return None, ()
    kinds = {m.kind for m in real}
    if kinds & {"partial", "afterhedge"} and {m.status for m in real} <= {C, OG}:
        return OG, ()
    last = real[-1]
    if latest_wins or _later_statement(text, found, last):
        return last.status, ()
    distinct = list(dict.fromkeys(m.status for m in real))
    if not any(clash(a, b) for a in distinct for b in distinct):
        # No contradiction ("progressing, waiting on HR", "waiting on HR, slipping to June"):
        # the more telling status, as a programme officer would rate it.
        return min(distinct, key=_TELLING.index), ()
    return None, tuple(distinct)


_HISTORY = re.compile(
    r"\b(?:initially|originally|previously|at\s+first|had\s+(?:to\s+be|been))\b[^.;!?]*$", re.I
)


_WAS_UNTIL_BEFORE = re.compile(r"\b(?:was|were|had\s+been)\s+(?:\w+\s+)?$", re.I)
_WAS_UNTIL_AFTER = re.compile(r"\s*,?\s*(?:until|till|up\s+to|right\s+up\s+to)\b", re.I)


def _history(text: str, m: Mention) -> bool:
    """A status told as history ("Initially these had to be delayed…"), not as it stands."""
    start = max(text.rfind(".", 0, m.start), text.rfind(";", 0, m.start), -1) + 1
    if _WAS_UNTIL_BEFORE.search(text[start : m.start]) and _WAS_UNTIL_AFTER.match(text, m.end):
        return True  # "we were on track until the strike": no longer so
    found = _HISTORY.search(text[start : m.start])
    # "previously amber, now green": what follows "now" is how it stands.
    return bool(found) and not re.search(
        r"\b(?:now|but|since|then|however)\b", text[start + found.start() : m.end], re.I
    )


# A "now" set apart right after a rating dates that rating ("Amber/Green now, waiting for
# finance", "Amber now - waiting on …"): not a newer status after it. update_text.py's
# label reading uses it too.
RATING_NOW = re.compile(r"[\s,]*(?:now|today|as\s+of\s+(?:now|today))\s*[:;,.!\-–—]+\s*", re.I)


def _later_statement(text: str, found: list[Mention], last: Mention) -> bool:
    """ "was delayed but now back on track": the latest statement is the status."""
    before = text[: last.start]
    earlier = [m for m in found if m is not last and m.status is not None]
    if not earlier:
        return True
    lead_in = before[earlier[-1].end :]
    # "Amber/Green now, waiting for finance": that "now" dates the rating before it.
    own_now = RATING_NOW.match(lead_in)
    if own_now is not None:
        lead_in = lead_in[own_now.end() :]
    if _NOW.search(lead_in) or _NOW.search(text[last.start : last.end]):
        return True
    return all(_PAST.search(text[max(0, m.start - 25) : m.start]) for m in earlier)


# -- spelling ---------------------------------------------------------------------------------
_VOCAB = (
    "completed complete finished delayed ongoing pending developing started progress slipped "
    "slipping behind paused achieved delivered underway track schedule target signed hold "
    "progressing stalled blocked awaiting waiting risk finalised incomplete unfinished "
    "postponed deferred overdue ontrack inprogress signedoff offtrack longer anymore finalized "
    "continuing continues suspended begun start there shape parked wrapped stuck green amber "
    "yellow blue closed "
    # Words that turn a status round: a typo in them must not leave the status standing.
    "nowhere near close think believe basically effectively technically anything hardly "
    "barely"
).split()
_VOCAB = list(dict.fromkeys(_VOCAB))  # each word once: a repeat is no second reading
_TOKEN = re.compile(r"[A-Za-z]{4,}")


@lru_cache(maxsize=20000)
def _nearest(token: str) -> str | None:
    low = token.lower()
    if low in _VOCAB:
        return None
    from rapidfuzz import fuzz, process

    best = process.extract(low, _VOCAB, scorer=fuzz.ratio, limit=2)
    if not best or best[0][1] < 80:
        return None
    if len(best) > 1 and best[1][1] >= best[0][1] - 4:
        return None  # two words as near: no clear reading
    if _is_word(low):
        return None  # "complex", "delivery", "closer" are words, not typos
    return best[0][0]


def near_misses(token: str) -> tuple[str, ...]:
    """Status words a misspelt ``token`` is near but not clearly one of ("Dleyaed": delayed),
    so it was not read; empty for a real word, a clear reading, or nothing near."""
    low = token.lower()
    if len(low) < 4 or low in _VOCAB or _nearest(token) is not None or _is_word(low):
        return ()
    from rapidfuzz import fuzz, process

    return tuple(w for w, score, _ in process.extract(low, _VOCAB, scorer=fuzz.ratio, limit=3)
                 if score >= 65)  # fmt: skip


@lru_cache(maxsize=20000)
def _is_word(low: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(low, "en") >= 2.5


def fix_spelling(text: str) -> tuple[str, list[int]]:
    """``text`` with misspelt status words corrected where one reading is clear, and for each
    character of the result the position it came from in ``text`` (one past the end last)."""
    out: list[str] = []
    src: list[int] = []
    last = 0
    for m in _TOKEN.finditer(text):
        near = _nearest(m.group(0))
        if near is None:
            continue
        out.append(text[last : m.start()])
        src.extend(range(last, m.start()))
        out.append(near)
        width = m.end() - m.start()
        src.extend(m.start() + min(i, width - 1) for i in range(len(near)))
        last = m.end()
    if not out:
        return text, []
    out.append(text[last:])
    src.extend(range(last, len(text) + 1))
    return "".join(out), src
