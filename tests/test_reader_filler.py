"""Words after a status that are no news of their own are not stored as the update's words.

"V2 and V6 are both finished now" stored Completed with the words "now", and "not started
yet tbh, will pick up after xmas" stored "tbh, will pick up after xmas": the status was
right, the words a fragment. A status followed only by filler (now, already, at last,
thanks, cheers, today, …) stores no words; a discourse marker opening the words (tbh, to be
honest, fwiw, btw, thanks, …) is left off them. Words that are news stay whole, "thanks to
the new lead" among them.

The class is generated (status phrases × tails) and read by the reply reader; a sample runs
end to end through ``Conversation.handle`` on the bundled plan (tests/corpus/harness.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.update_text import parse_update_text, status_of_word
from tests.corpus.harness import check_stored_words

TODAY = date(2020, 1, 10)
STATUSES = ["done", "Completed", "finished", "complete", "on track", "On track", "not started",
            "delayed", "at risk", "behind schedule", "on hold"]  # fmt: skip
FILLER_TAILS = ["now", "now.", "now thanks", "already", "at last!", "finally", "thanks",
                "cheers", "today", "now, thank you", "as of today", "ta", "thx", "now tbh", "fwiw",
                "tbf", "honestly"]  # fmt: skip
MARKERS = ["tbh,", "tbh", "to be honest -", "fwiw", "btw:", "thanks,", "cheers -", "honestly,",
           "TBH,", "Thank you,"]  # fmt: skip
WORDS = ["will pick up after xmas", "waiting on estates for the keys",
         "report to board in Nov", "the panel met twice"]  # fmt: skip


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("tail", FILLER_TAILS)
def test_a_status_followed_only_by_filler_stores_no_words(status, tail):
    for sep in (" ", ", ", " - "):
        got = parse_update_text(f"{status}{sep}{tail}", today=TODAY)
        assert (got.status, got.commentary) == (status_of_word(status), ""), (status, sep, tail)


@pytest.mark.parametrize("marker", MARKERS)
@pytest.mark.parametrize("words", WORDS)
def test_a_discourse_marker_opening_the_words_is_left_off(marker, words):
    for status in ("not started yet", "on track", "delayed"):
        got = parse_update_text(f"{status} {marker} {words}", today=TODAY)
        assert (got.status, got.commentary) == (status_of_word(status), words), (status, marker)


SIGN_OFFS = ["thanks", "Thanks!", "cheers", "Cheers.", "thx", "ta", "many thanks", "thank you"]


@pytest.mark.parametrize("sign_off", SIGN_OFFS)
@pytest.mark.parametrize(
    "words",
    ["workshops booked", "report to board in Nov", "the panel met twice", "new lead in post"],
)
def test_a_sign_off_closing_the_words_is_left_off(sign_off, words):
    """ "on track, workshops booked thanks" stored the words "workshops booked thanks"."""
    for status in ("done", "on track", "delayed"):
        for sep in (" ", ", ", ". ", " - "):
            got = parse_update_text(f"{status}: {words}{sep}{sign_off}", today=TODAY)
            assert (got.status, got.commentary) == (status_of_word(status), words), (
                status, sep, sign_off)  # fmt: skip


@pytest.mark.parametrize(
    "text, words",
    [
        ("on track thanks to the new lead", "thanks to the new lead"),
        ("done, funding confirmed thanks to the ICB", "funding confirmed thanks to the ICB"),
        ("on track, sent to Etta", "sent to Etta"),
        ("done, now onto phase 2", "now onto phase 2"),
        ("completed today with the board's sign-off", "today with the board's sign-off"),
        ("on track - today's workshop went well", "today's workshop went well"),
        (
            "delayed, finally agreed a new date with estates",
            "finally agreed a new date with estates",
        ),
        (
            "at risk, thank you for asking: funding is unclear",
            "thank you for asking: funding is unclear",
        ),
        ("on track thank you all", "thank you all"),
    ],
)
def test_words_that_are_news_stay_whole(text, words):
    assert parse_update_text(text, today=TODAY).commentary == words


# Through the conversation, on the bundled plan (V12-V14 due 31 March 2020).
CASES = [
    ("V12 and V13 are both finished now", (), {"V12": "Completed", "V13": "Completed"}, ""),
    ("V14 not started yet tbh, will pick up after xmas", (), {"V14": "Not started"},
     "will pick up after xmas"),
    ("done now thanks", ("V12",), {"V12": "Completed"}, ""),
    ("on track, cheers", ("V13",), {"V13": "On track"}, ""),
    ("V14 delayed - waiting for estates, will chase. Cheers", (), {"V14": "Delayed"},
     "waiting for estates, will chase."),
    ("O1 on track thanks to the new lead", (), {"O1": "On track"}, "thanks to the new lead"),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "pg"])
def test_the_words_stored_through_the_conversation(backend, request):
    check_stored_words(request.getfixturevalue(f"{backend}_engine"), "filler", CASES)
