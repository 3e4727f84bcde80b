"""The status vocabulary of progress updates and the BRAG colour each status reads as."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Statuses as NHS progress reports write them (the word that leads an update)."""

    COMPLETED = "Completed"
    ON_TRACK = "On track"
    ONGOING = "Ongoing"
    DEVELOPING = "Developing"
    PENDING = "Pending"
    DELAYED = "Delayed"
    AT_RISK = "At risk"
    NOT_STARTED = "Not started"

    @classmethod
    def from_label(cls, label: str) -> Status:
        """The status whose label is ``label`` (case and spacing ignored)."""
        key = " ".join(label.split()).casefold()
        for status in cls:
            if status.value.casefold() == key:
                return status
        raise ValueError(f"unknown status {label!r}; known: {', '.join(s.value for s in cls)}")


class Colour(StrEnum):
    """BRAG: Blue = complete, Red, Amber, Green; Grey for not yet started."""

    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


DEFAULT_COLOURS: dict[Status, Colour] = {
    Status.COMPLETED: Colour.BLUE,
    Status.ON_TRACK: Colour.GREEN,
    Status.ONGOING: Colour.GREEN,
    Status.DEVELOPING: Colour.AMBER,
    Status.PENDING: Colour.AMBER,
    Status.AT_RISK: Colour.AMBER,
    Status.DELAYED: Colour.RED,
    Status.NOT_STARTED: Colour.GREY,
}

# Hex values used by renderers (Slack attachments colour bar, HTML report, chart).
COLOUR_HEX: dict[Colour, str] = {
    Colour.BLUE: "#005EB8",  # NHS blue
    Colour.GREEN: "#009639",
    Colour.AMBER: "#FFB81C",
    Colour.RED: "#DA291C",
    Colour.GREY: "#768692",
}

# Statuses that close an action: no more nudges.
CLOSED_STATUSES: frozenset[Status] = frozenset({Status.COMPLETED})
