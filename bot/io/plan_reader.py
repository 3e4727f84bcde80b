"""From grids of cell text to a validated PlanTable: find the header, skip titles and repeated
headers, join cells split across pages, carry themes and objectives down, split owners.

How rows are read, in the order the rules are tried (each documented where it is applied):

- Above the header: the first non-empty line is the title; a lone "Theme …"/"Priority …"
  heading there sets the theme of the first rows (seed 004 as CSV puts "3. Priority One: …"
  above its first header).
- A row equal to the header is a repeated header (one per page in Word exports): skipped.
- The first row after a repeated header, or at the top of a table continuing the previous
  one, is a *continuation* when its deadline, owner, theme and reference cells are all empty:
  its text is joined onto the previous action's cells (a cell split across a page break).
- In a Word table a row with only its first cell filled that is *not* merged across the table
  and reads as the tail of the cell above (that cell stops mid-sentence, or this one starts
  in lower case) is that action carried over a page break: joined onto it. Headings in
  Word are merged across the table.
- A row with only its first cell filled is a *section row*: its text sets the theme. When
  the first column is the action column (seed 004's layout) only a heading-like cell counts
  ("Priority Three: …", or a few words without a full stop); longer prose is skipped with a
  warning.
- When the plan has a theme column and the first column is the action, a lone heading row
  (seed 002's "GNs and MNs OD Timeline - Phase 1") is a section of the table: neither an
  action nor a theme.
- Month columns ("Oct-18" … "Apr-20", a timeline) hold milestones: kept per row with their
  month, never read as a deadline (bot/io/plan_import.py says why).
- Other rows are actions. Blank theme / objective / theme-tag cells carry down; a new theme
  clears the objective and tags carried from the old one.
- A section heading that names its lead officer ("Workforce Development – Lead Officer:
  Director of Workforce", "… (Lead: Jane Smith)") is a heading wherever it stands; the theme
  is its own title ("Workforce Development") and the officer is the section's lead (the
  import gives them the section's actions that name no owner, and makes them theme lead).
- In Word documents a "Theme …"/"Priority …"/"Section …" paragraph between tables sets the
  theme of the tables after it (the last such paragraph before a table wins). A table with
  no header row continues the plan only when nothing but blank paragraphs (a page break)
  separates it from the previous table.
- Sheets and tables with no header and no claim to continue the plan are skipped with a
  warning (a "Lookups" sheet, a contacts table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.io.cell_text import (
    clean_text,
    looks_like_heading,
    one_line,
    section_heading,
    split_lead_officer,
    split_leading_reference,
    strip_section_label,
    theme_name,
)
from bot.io.columns import FIELD_LABELS, AmbiguousHeader, Header, is_repeat, read_header
from bot.io.limits import MAX_CELL_CHARS, MAX_ROWS
from bot.io.owners import split_owners
from bot.io.plan_table import PlanFileError, PlanRow, PlanTable
from bot.io.readers import Grid, read_grid

# A header below this many non-blank rows is not a plan's header. Generous, because a Word
# document saved as text has pages of prose above its first table (seed 004: ~80 lines).
HEADER_SEARCH_ROWS = 300
_SENTENCE_END = (".", "!", "?", ":", ";")


def read_plan(path: str | Path) -> PlanTable:
    """Read a plan file (.csv, .tsv/.txt, .xlsx, .docx) into a PlanTable."""
    path = Path(path)
    return parse_grids(read_grid(path), source_name=path.name)


def parse_grids(grids: list[Grid], *, source_name: str = "") -> PlanTable:
    """Read already-loaded grids as one plan. Raises PlanFileError naming source_name."""
    try:
        return _PlanParser(grids).parse()
    except PlanFileError as exc:
        raise exc.in_file(source_name) if source_name else exc from None


@dataclass
class _Record:
    """An action being assembled; cells stay raw until the end, so a continuation row's
    text can still be joined on."""

    source_row: int
    source: str
    theme: str
    tags: list[str]
    objective: str  # raw, with the carried value filled in
    action: str
    reference: str
    deadline: str
    owner: str
    progress: str
    header: Header
    theme_heading: str = ""
    status: str = ""
    theme_lead: str = ""
    milestones: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Carry:
    theme: str = ""
    objective: str = ""
    tags: dict[int, str] = field(default_factory=dict)  # tag column -> raw text
    heading: str = ""  # the theme's cell or heading as the plan writes it, numbering and all
    lead: str = ""  # the lead officer the section heading names ("" if none)

    def new_theme(self, theme: str, heading: str = "") -> None:
        # The lead officer is no part of the theme's title, nor of its heading.
        theme, lead = split_lead_officer(theme)
        if heading:
            heading = split_lead_officer(one_line(heading))[0]
        if theme != self.theme:
            self.theme, self.objective, self.tags = theme, "", {}
            self.heading = one_line(heading) if heading else theme
            self.lead = lead
        elif lead:
            self.lead = lead


class _PlanParser:
    def __init__(self, grids: list[Grid]):
        self.grids = grids
        # Name the sheet/table in messages and rows only when there is more than one, so
        # that a plan reads the same from CSV as from a one-sheet workbook.
        self.many = len(grids) > 1
        self.records: list[_Record] = []
        self.warnings: list[str] = []
        self.carry = _Carry()
        self.header: Header | None = None  # the plan's (first) header
        self.title = ""
        self._header_grid: Grid | None = None
        # The first row that looked like a header but had no action column, for the error.
        self._headerless: tuple[Grid, int, Header] | None = None

    # -- the whole file ---------------------------------------------------------------

    def parse(self) -> PlanTable:
        self._check_size()
        current: Header | None = None  # the header of the grid being read
        for grid in self.grids:
            # Paragraphs between Word tables: the title, and headings naming a section.
            for line in grid.before:
                if not self.title and self.header is None:
                    self.title = _title_text(line)
                heading = section_heading(line) or _lead_heading(line)
                if heading:
                    self.carry.new_theme(heading, line)
            start, header = self._grid_header(grid, current)
            if header is None:
                continue  # skipped (warned); the next table may still continue `current`
            current = header
            self._read_body(grid, start, current)
        if self.header is None:
            raise self._no_header_error()
        if not self.records:
            raise PlanFileError(
                "no actions found below the header row",
                row=self._row_number_of_header(),
                sheet=self._sheet_name_of_header(),
            )
        rows = self._finish()
        return PlanTable(
            rows, self.header.found(), self.title, self.warnings, layout=self.header.layout()
        )

    def _check_size(self) -> None:
        total = 0
        for grid in self.grids:
            for cells, number in zip(grid.rows, grid.row_numbers, strict=True):
                if not any(c.strip() for c in cells):
                    continue
                total += 1
                for i, cell in enumerate(cells):
                    if len(cell) > MAX_CELL_CHARS:
                        raise PlanFileError(
                            f"the cell has {len(cell):,} characters; the limit is "
                            f"{MAX_CELL_CHARS:,} (is text from elsewhere pasted in by mistake?)",
                            row=number,
                            column=self._column_name_at(grid, i),
                            sheet=self._sheet(grid),
                        )
        if total > MAX_ROWS:
            raise PlanFileError(
                f"the file has {total:,} filled rows, more than the limit of {MAX_ROWS:,} "
                "rows a plan may have"
            )

    def _column_name_at(self, grid: Grid, index: int) -> str:
        """A column's header text if we can find the header cheaply, else its letter."""
        for _index, cells in _top_rows(grid):
            try:
                header = read_header(cells, 0)
            except AmbiguousHeader:
                header = None
            if header is not None:
                return header.name(index)
        return _column_letter(index) if grid.kind == "sheet" else f"column {index + 1}"

    def _sheet(self, grid: Grid) -> str | None:
        return grid.name if self.many and grid.name else None

    # -- headers ----------------------------------------------------------------------

    def _grid_header(self, grid: Grid, previous: Header | None) -> tuple[int, Header | None]:
        """(index of the first body row, header) for this grid, or (0, None) to skip it."""
        pre: list[tuple[list[str], int]] = []
        for index, cells in _top_rows(grid):
            if previous is not None and is_repeat(cells, previous):
                self._take_preamble(pre)
                return index + 1, previous
            try:
                header = read_header(cells, index)
            except AmbiguousHeader as exc:
                raise PlanFileError(
                    "the header has two action columns ("
                    + " and ".join(f"'{n}'" for n in exc.names)
                    + "); rename one so it is clear which holds the action",
                    row=grid.row_numbers[index],
                    sheet=self._sheet(grid),
                ) from None
            if header is not None and header.column_of("action") is not None:
                self._take_preamble(pre)
                self._adopt(header, grid)
                return index + 1, header
            if header is not None and self._headerless is None:
                self._headerless = (grid, index, header)
            if any(c.strip() for c in cells):
                pre.append((cells, grid.row_numbers[index]))
        if (
            previous is not None
            and grid.kind == "table"
            and not grid.before
            and _width(grid) <= len(previous.cells)
        ):
            # A Word table straight after the previous one (no text between them) continues
            # it without repeating the header. With text between, it is some other table
            # (contacts, sign-off) unless it has a header of its own.
            return 0, previous
        if self.header is not None or grid.kind == "table":
            if any(any(c.strip() for c in cells) for cells in grid.rows):
                self.warnings.append(
                    f"{grid.name or 'the file'}: no header row like the plan's; skipped"
                )
        return 0, None

    def _adopt(self, header: Header, grid: Grid) -> None:
        """Take a header found in a grid: the plan's, or one more like it."""
        for note in header.warnings:
            self.warnings.append(f"{self._where(grid, grid.row_numbers[header.row_index])}: {note}")
        if self.header is None:
            self.header = header
            self._header_grid = grid
            for i, f in sorted(header.fields.items()):
                if f == "ignored":
                    self.warnings.append(
                        f"column '{header.name(i)}' is not imported (no field for it)"
                    )
        elif header.key != self.header.key:
            self.warnings.append(
                f"{grid.name or 'the file'}: its header differs from the first "
                f"({', '.join(header.found().values())}); read by its own header"
            )

    def _take_preamble(self, pre: list[tuple[list[str], int]]) -> None:
        """Rows above a header: the first is the title (if we have none yet); lone
        headings set the theme for the rows that follow."""
        for cells, _number in pre:
            filled = [c for c in cells if c.strip()]
            if not self.title and self.header is None:
                self.title = _title_text(filled[0])
            if len(filled) == 1:
                heading = section_heading(filled[0]) or _lead_heading(filled[0])
                if heading:
                    self.carry.new_theme(heading, filled[0])

    def _no_header_error(self) -> PlanFileError:
        if self._headerless is not None:
            grid, index, header = self._headerless
            found = ", ".join(f"'{v}'" for v in header.found().values()) or "none"
            return PlanFileError(
                f"the header row has no action column (found {found}); expected one named "
                f"{FIELD_LABELS['action']}",
                row=grid.row_numbers[index],
                sheet=self._sheet(grid),
            )
        expected = "; ".join(FIELD_LABELS[f] for f in ("action", "deadline", "owner", "progress"))
        return PlanFileError(
            f"no header row found in the first {HEADER_SEARCH_ROWS} filled rows: expected a row of "
            f"column names such as {expected}"
        )

    def _row_number_of_header(self) -> int | None:
        grid = self._header_grid
        return grid.row_numbers[self.header.row_index] if grid and self.header else None

    def _sheet_name_of_header(self) -> str | None:
        grid = self._header_grid
        return self._sheet(grid) if grid else None

    # -- the rows under a header ------------------------------------------------------

    def _read_body(self, grid: Grid, start: int, header: Header) -> None:
        # A new Word table continuing the plan: its first row may finish the previous
        # table's last cell. (Sheets are not split by page breaks.)
        after_break = bool(self.records) and grid.kind != "sheet"
        width = len(header.cells)
        for index in range(start, len(grid.rows)):
            cells = grid.rows[index]
            number = grid.row_numbers[index]
            if not any(c.strip() for c in cells):
                continue
            if is_repeat(cells, header):
                after_break = True
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if after_break and self._is_continuation(cells, header):
                self._join(cells, header, grid, number)
                after_break = False
                continue
            after_break = False
            filled = [i for i, c in enumerate(cells) if c.strip()]
            if len(filled) == 1 and filled[0] == 0:
                if (
                    grid.merged_rows is not None
                    and index not in grid.merged_rows
                    and self._reads_as_tail(cells[0], header)
                ):
                    # Word: a lone first cell *not* merged across the table is the rest of
                    # the action above, carried over a page break; headings are merged.
                    self._join(cells, header, grid, number)
                    continue
                self._section_row(cells[0], header, grid, number)
                continue
            self._action_row(cells, header, grid, number)

    def _cell(self, cells: list[str], header: Header, fld: str) -> str:
        i = header.index.get(fld)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def _is_continuation(self, cells: list[str], header: Header) -> bool:
        if not self.records:
            return False
        if any(
            self._cell(cells, header, f)
            for f in ("deadline", "owner", "theme", "reference", "status")
        ):
            return False
        filled = [i for i, c in enumerate(cells) if c.strip()]
        if filled == [0] and _is_heading(cells[0]):
            return False  # "Priority Two: …" after a page break starts a section
        joinable = {"action", "objective", "progress", "tag"}
        return any(header.fields.get(i) in joinable for i in filled)

    def _reads_as_tail(self, text: str, header: Header) -> bool:
        """Could this lone first cell finish the previous action's cell? Not a "Theme …"
        heading, and the cell above stops mid-sentence or this one starts in lower case."""
        if not self.records or header.fields.get(0) not in ("action", "objective", "progress"):
            return False
        line = one_line(text)
        if not line or _is_heading(line):
            return False
        above = {
            "action": self.records[-1].action,
            "objective": self.records[-1].objective,
            "progress": self.records[-1].progress,
        }[header.fields[0]]
        stops = clean_text(above).rstrip().endswith(_SENTENCE_END)
        return not stops or line[:1].islower()

    def _join(self, cells: list[str], header: Header, grid: Grid, number: int) -> None:
        """Join a continuation row's text onto the previous action (see module docstring)."""
        prev = self.records[-1]
        joined = []
        action = self._cell(cells, header, "action")
        if action:
            prev.action = _join_words(prev.action, action)
            joined.append(header.name(header.column_of("action")))
        objective = self._cell(cells, header, "objective")
        if objective:
            longer = _join_words(prev.objective, objective)
            # Later rows carry the whole objective down, not its first half.
            if self.carry.objective == prev.objective:
                self.carry.objective = longer
            prev.objective = longer
            joined.append(header.name(header.column_of("objective")))
        progress = self._cell(cells, header, "progress")
        if progress:
            prev.progress = _join_paragraphs(prev.progress, progress)
            joined.append(header.name(header.column_of("progress")))
        for i in header.columns_of("tag"):
            if i < len(cells) and cells[i].strip():
                old = self.carry.tags.get(i, "")
                self.carry.tags[i] = _join_words(old, cells[i].strip())
                prev.tags = [self.carry.tags[k] for k in sorted(self.carry.tags)]
                joined.append(header.name(i))
        if joined:
            self.warnings.append(
                f"{self._where(grid, number)}: joined onto “{_first_words(prev.action)}” "
                f"(cells split across a page: {', '.join(joined)})"
            )

    def _section_row(self, text: str, header: Header, grid: Grid, number: int) -> None:
        theme_col = header.column_of("theme")
        if header.fields.get(0) == "action" and theme_col is not None and looks_like_heading(text):
            # Seed 002's "GNs and MNs OD Timeline - Phase 1": the themes come from their own
            # column, so a lone heading is a section of the table, neither action nor theme.
            self.warnings.append(
                f"{self._where(grid, number)}: '{one_line(text)[:60]}' read as a section row, "
                f"not an action (themes come from the column '{header.name(theme_col)}')"
            )
            return
        if header.fields.get(0) != "action":
            self.carry.new_theme(theme_name(text), text)
            return
        # The first column holds actions, so a lone cell may be a heading or stray prose.
        if section_heading(text) is not None or _lead_heading(text):
            self.carry.new_theme(strip_section_label(one_line(text)), text)
        elif looks_like_heading(text):
            self.carry.new_theme(strip_section_label(one_line(text)), text)
            self.warnings.append(
                f"{self._where(grid, number)}: only the first cell is filled; read "
                f"'{one_line(text)[:60]}' as a section heading (theme), not an action"
            )
        else:
            self.warnings.append(
                f"{self._where(grid, number)}: only the first cell is filled and it reads as "
                f"prose ('{one_line(text)[:60]}…'); skipped"
            )

    def _action_row(self, cells: list[str], header: Header, grid: Grid, number: int) -> None:
        theme_raw = self._cell(cells, header, "theme")
        if theme_raw:
            self.carry.new_theme(theme_name(theme_raw), theme_raw)
        for i in header.columns_of("tag"):
            if i < len(cells) and cells[i].strip():
                self.carry.tags[i] = cells[i].strip()
        objective = self._cell(cells, header, "objective")
        if objective:
            self.carry.objective = objective
        action = self._cell(cells, header, "action")
        if action and "<" in action and not clean_text(action):
            action = ""  # only empty HTML ("<p></p>"): no action text
        if not action:
            others = [
                header.name(i)
                for i, f in sorted(header.fields.items())
                if f in ("deadline", "owner", "progress", "reference", "status")
                and cells[i].strip()
            ]
            if others:
                raise PlanFileError(
                    f"no action text, but {', '.join(repr(o) for o in others)} "
                    f"{'is' if len(others) == 1 else 'are'} filled; every row with a "
                    "deadline, owner or update needs its action",
                    row=number,
                    column=header.name(header.column_of("action")),
                    sheet=self._sheet(grid),
                )
            return  # theme / objective only: a grouping row, carried down to the actions
        self.records.append(
            _Record(
                source_row=number,
                source=grid.name,
                theme=self.carry.theme,
                theme_heading=self.carry.heading,
                theme_lead=self.carry.lead,
                tags=[self.carry.tags[k] for k in sorted(self.carry.tags)],
                objective=self.carry.objective,
                action=action,
                reference=self._cell(cells, header, "reference"),
                deadline=self._cell(cells, header, "deadline"),
                owner=self._cell(cells, header, "owner"),
                progress=self._cell(cells, header, "progress"),
                header=header,
                status=self._cell(cells, header, "status"),
                milestones=[
                    (header.name(i), one_line(cells[i]))
                    for i in header.columns_of("milestone")
                    if i < len(cells) and one_line(cells[i])
                ],
            )
        )

    # -- finishing --------------------------------------------------------------------

    def _finish(self) -> list[PlanRow]:
        rows: list[PlanRow] = []
        seen_refs: dict[str, PlanRow] = {}
        for rec in self.records:
            action = clean_text(rec.action)
            reference = one_line(rec.reference)
            if not reference:
                reference, action = split_leading_reference(action)
            tags = []
            for tag in (one_line(t) for t in rec.tags):
                if tag and tag not in tags:
                    tags.append(tag)
            row = PlanRow(
                source_row=rec.source_row,
                theme=rec.theme,
                theme_heading=rec.theme_heading,
                owner_text=one_line(rec.owner),
                theme_tags=tags,
                objective=clean_text(rec.objective),
                action=action,
                reference=reference,
                deadline_text=one_line(rec.deadline),
                owners=split_owners(clean_text(rec.owner)),
                progress_text=clean_text(rec.progress),
                source=rec.source if self.many else "",
                status_text=one_line(rec.status),
                theme_lead=rec.theme_lead,
                milestones=rec.milestones,
            )
            if reference:
                first = seen_refs.setdefault(reference.upper(), row)
                if first is not row:
                    col = rec.header.column_of("reference")
                    raise PlanFileError(
                        f"reference '{reference}' is used twice: {first.where} and {row.where}; "
                        "each action needs its own reference",
                        row=row.source_row,
                        column=rec.header.name(col) if col is not None else None,
                        sheet=row.source or None,
                    )
            rows.append(row)
        return rows

    def _where(self, grid: Grid, number: int) -> str:
        return self._where_at(grid.name, number)

    def _where_record(self, rec: _Record) -> str:
        return self._where_at(rec.source, rec.source_row)

    def _where_at(self, source: str, number: int) -> str:
        return f"{source}, row {number}" if self.many and source else f"row {number}"


def _top_rows(grid: Grid):
    """(index, cells) of the rows a header may be in: up to HEADER_SEARCH_ROWS non-blank."""
    seen = 0
    for index, cells in enumerate(grid.rows):
        if any(c.strip() for c in cells):
            seen += 1
            if seen > HEADER_SEARCH_ROWS:
                return
        yield index, cells


def _first_words(raw: str, width: int = 40) -> str:
    """An action named by its first words (a Word table's row number says little)."""
    line = one_line(raw)
    if len(line) <= width:
        return line
    cut = line[: width + 1].rsplit(" ", 1)[0] if " " in line[:width] else line[:width]
    return cut.rstrip(" ,;:") + "…"


def _lead_heading(text: str) -> str | None:
    """A heading naming its lead officer ("Workforce – Lead Officer: Director of
    Workforce"), whole, or None: the theme's title is split from it in _Carry.new_theme."""
    title, lead = split_lead_officer(text)
    return one_line(text) if lead and looks_like_heading(title) else None


def _is_heading(text: str) -> bool:
    return section_heading(text) is not None or _lead_heading(text) is not None


def _width(grid: Grid) -> int:
    return max((len(r) for r in grid.rows), default=0)


def _title_text(text: str) -> str:
    return one_line(text).strip("*# ")


def _join_words(first: str, second: str) -> str:
    return f"{first} {second}" if first else second


def _join_paragraphs(first: str, second: str) -> str:
    """Progress text split across a page: a new line where the first part ended a sentence,
    else a space (the split fell mid-sentence, e.g. "…with the aim of" / "consolidating…")."""
    if not first:
        return second
    ends_sentence = clean_text(first).endswith(_SENTENCE_END)
    return f"{first}\n{second}" if ends_sentence else f"{first} {second}"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
