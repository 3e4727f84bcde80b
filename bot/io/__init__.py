"""Reading plan files: CSV, tab-separated text, XLSX and DOCX → a validated PlanTable.

- ``readers``: file → grids of cell text (one per CSV, sheet or Word table); refuses files
  that are not what their extension says.
- ``plan_reader``: grids → ``PlanTable`` (header, titles, section rows, repeated headers,
  cells split across pages, carry-down); ``read_plan(path)`` is the entry point.
- ``plan_table``: ``PlanRow``, ``PlanTable`` and ``PlanFileError``, the one error type.
- ``columns``: header names and their synonyms; ``cell_text``: HTML and heading clean-up;
  ``owners``: splitting an owner cell into owners.
- ``plan_import``: the table → the store (deadlines parsed, one transaction).
- ``limits``: how big a plan file may be; ``zip_limits``: an .xlsx/.docx's unpacked sizes and
  XML shape checked (streaming, no tree) before anything parses it.
"""
