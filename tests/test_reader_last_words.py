"""The last word of a reply is the owner's, even when it could join a next part.

"V6 on track, board paper going to SMT then" was stored "board paper going to SMT": the
reader cut the words that join a part to the next one ("and", "then", "re", "item", a list
number) from the end of every part, the last one too, where nothing follows. Now only the
parts another part follows lose them; the last keeps its words and loses only stray marks.
Generated (endings × statuses × one or two actions), with controls where a joiner does
join two parts; end to end on the bundled plan, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.corpus.generate import Case, Expect
from tests.corpus.harness import load_plans, report, run_cases

ENDINGS = ["board paper going to SMT then", "waiting on the finance item",
           "will pick it up once HR confirm the action", "slides agreed, comms next then",
           "awaiting sign off from the chair re", "now on the agenda as item",
           "see minutes no."]  # fmt: skip
STATUSES = [("on track", "On track"), ("delayed", "Delayed"), ("Amber", "At risk")]


def _cases():
    out = []
    for i, words in enumerate(ENDINGS):
        said, status = STATUSES[i % len(STATUSES)]
        out.append((f"V2 {said}, {words}", [("V2", status, words)]))
        out.append(
            (f"V2 done, V6 {said} - {words}", [("V2", "Completed", ""), ("V6", status, words)])
        )
    # Controls: the joiner joins two parts, and stays out of the first one's words.
    out.append(("V2 done and V6 on track", [("V2", "Completed", ""), ("V6", "On track", "")]))
    out.append(("V2 done, then V6 delayed", [("V2", "Completed", ""), ("V6", "Delayed", "")]))
    out.append(("V2 on track, workshops booked, and V6 on hold",
                [("V2", "On track", "workshops booked"), ("V6", "Pending", "")]))  # fmt: skip
    return out


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_the_last_word_is_kept_and_joiners_between_parts_are_not(backend, request):
    engine = request.getfixturevalue(f"{backend}_engine")
    benches = load_plans(engine)
    for text, expected in _cases():
        exp = tuple(Expect(ref, status, None) for ref, status, _w in expected)
        [o] = run_cases(benches, [Case("last words", "sample", text, expect=exp)])
        assert not {"raised", "wrong", "half", "missed"} & set(o.fails), report([o])
        got = sorted((r[0], r[1], r[3] or "") for r in o.stored)
        assert got == sorted(expected), (text, o.stored)
