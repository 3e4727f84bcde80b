"""The neutral result of reading a plan file: rows of text, before any storage or date parsing.

`PlanRow` holds one action as the file wrote it (deadline and progress stay raw text);
`PlanTable` is the whole plan plus the header it was read by; `PlanFileError` is the one
error a bad file raises, always a single line naming the file, row and column where known.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PlanRow:
    source_row: int  # 1-based row of the action's first line: sheet row, CSV line, docx table row
    theme: str  # from a theme column or a section row, carried down; "" if none
    theme_tags: list[str]  # extra theme-like columns (seed 000's "Culture Theme"), carried down
    objective: str  # carried down; "" if none
    action: str
    reference: str  # "L4", "CF2"; from a Ref column or a leading "L4:" in the action; "" if none
    deadline_text: str  # as written; "" if none
    owners: list[str]
    progress_text: str  # the existing "Update on Progress" text; "" if none
    # Which sheet or table the row came from ("Sheet1", "table 3"); "" for CSV / text files.
    # Needed because docx row numbers restart in every table.
    source: str = ""
    status_text: str = ""  # a Status / RAG / BRAG column's cell as written; "" if none
    # The theme's cell or section heading as written ("3. Priority One: Becoming a Strategic
    # Commissioner"), and the owner cell as written ("New Chair and AO"): the board report
    # shows them as the plan had them.
    theme_heading: str = ""
    owner_text: str = ""
    # The lead officer the row's section heading names ("Workforce Development – Lead
    # Officer: Director of Workforce"): the action's owner when it names none of its own.
    theme_lead: str = ""
    # A timeline's month columns ("Oct-18": "Set-up"), as (header, text), the filled ones.
    milestones: list[tuple[str, str]] = field(default_factory=list)

    @property
    def where(self) -> str:
        """ "table 3, row 2" / "row 14": where to look for this row in the file."""
        return f"{self.source}, row {self.source_row}" if self.source else f"row {self.source_row}"


@dataclass
class PlanTable:
    rows: list[PlanRow]
    columns: dict[str, str]  # our field name -> header text found, e.g. {"action": "Actions"}
    title: str = ""  # first title line above the header, "" if none
    warnings: list[str] = field(default_factory=list)  # non-fatal notes, each naming row/column
    # The plan's columns in the file's order, as (field, header text): the report's layout.
    layout: list[tuple[str, str]] = field(default_factory=list)


class PlanFileError(Exception):
    """A plan file that cannot be loaded. ``str()`` is one line: file, place, problem."""

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        file: str | None = None,
        sheet: str | None = None,
    ):
        # Messages go to a chat or terminal as one line, so fold any newlines away.
        self.message = " ".join(message.split())
        self.row = row
        self.column = column
        self.file = file
        self.sheet = sheet
        super().__init__(str(self))

    def __str__(self) -> str:
        place = []
        if self.sheet:
            place.append(self.sheet)
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column:
            place.append(f"column '{self.column}'")
        if self.file and not place and self.message.startswith("is "):
            return f"{self.file} {self.message}"  # "plan.pdf is not a spreadsheet…"
        prefix = f"{self.file}: " if self.file else ""
        where = f"{', '.join(place)}: " if place else ""
        return f"{prefix}{where}{self.message}"

    def in_file(self, name: str) -> PlanFileError:
        """The same error with the file name filled in (if it was not already)."""
        if not self.file:
            self.file = name
            self.args = (str(self),)
        return self
