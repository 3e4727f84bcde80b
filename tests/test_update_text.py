"""Free-text replies read into status, commentary and revised deadline."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.statuses import Status
from bot.core.update_text import parse_update_text

TODAY = date(2020, 1, 10)


@pytest.mark.parametrize(
    ("text", "status", "commentary"),
    [
        (
            "On track: workshops booked for 12 March",
            Status.ON_TRACK,
            "workshops booked for 12 March",
        ),
        ("on track - workshops booked", Status.ON_TRACK, "workshops booked"),
        ("ON-TRACK workshops booked", Status.ON_TRACK, "workshops booked"),
        ("ontrack", Status.ON_TRACK, ""),
        ("Completed -  signed off by GB", Status.COMPLETED, "signed off by GB"),
        ("completed", Status.COMPLETED, ""),
        ("Done.", Status.COMPLETED, ""),
        ("done, signed off", Status.COMPLETED, "signed off"),
        ("Finished!", Status.COMPLETED, ""),
        ("in progress", Status.ONGOING, ""),
        ("In-progress: drafting", Status.ONGOING, "drafting"),
        ("Ongoing: extensive support deployed", Status.ONGOING, "extensive support deployed"),
        ("Developing: menu of support continues", Status.DEVELOPING, "menu of support continues"),
        (
            "Pending: review to commence in quarter 3",
            Status.PENDING,
            "review to commence in quarter 3",
        ),
        (
            "on hold until the merger",
            Status.PENDING,
            "on hold until the merger",
        ),  # one phrase: kept whole
        ("behind", Status.DELAYED, ""),
        ("Behind schedule; HR capacity", Status.DELAYED, "HR capacity"),
        ("slipped", Status.DELAYED, ""),
        ("At risk: no budget", Status.AT_RISK, "no budget"),
        ("not started", Status.NOT_STARTED, ""),
        ("Not yet started - waiting for funding", Status.NOT_STARTED, "waiting for funding"),
        (
            "<p>Completed: Launch of a staff engagement week</p>",
            Status.COMPLETED,
            "Launch of a staff engagement week",
        ),
    ],
)
def test_leading_status(text, status, commentary):
    p = parse_update_text(text, today=TODAY)
    assert (p.status, p.commentary) == (status, commentary)


@pytest.mark.parametrize(
    "text",
    [
        "I am done with the first half",
        "Workshops booked for 12 March",
        # "We are on track I think" used to be here; a programme officer reads it as On
        # track, and so does the parser now (tests/test_replies_as_written.py).
        "ask Sarah",
        "see attached",
        "",
    ],
)
def test_no_leading_status_is_no_status(text):
    p = parse_update_text(text, today=TODAY)
    assert p.status is None and p.commentary == text.strip()


@pytest.mark.parametrize(
    ("text", "status", "due"),
    [
        ("Delayed: revised to June 2021", Status.DELAYED, date(2021, 6, 30)),
        ("On track, now due end of March", Status.ON_TRACK, date(2020, 3, 31)),
        ("slipping to 30/06/2021", Status.DELAYED, date(2021, 6, 30)),
        ("Waiting on HR, slipping to end of June", Status.DELAYED, date(2020, 6, 30)),
        # A new date with no status word is a slip (issue 17): Delayed.
        ("new date 31 March 2022", Status.DELAYED, date(2022, 3, 31)),
        ("Pending: moved to Q3", Status.PENDING, date(2020, 12, 31)),
        ("delayed until September as the panel moved", Status.DELAYED, date(2020, 9, 30)),
        ("deadline now 1/7/2021", Status.DELAYED, date(2021, 7, 1)),
    ],
)
def test_revised_deadline(text, status, due):
    p = parse_update_text(text, today=TODAY, fy_start_year=2019)
    assert (p.status, p.revised_due) == (status, due)
    assert p.commentary  # the phrase is kept for people to read


def test_a_date_that_is_not_a_revision_is_left_alone():
    p = parse_update_text("On track: workshops booked for 12 March", today=TODAY)
    assert p.revised is None
