"""Writing a file only its owner can read (a person's exported data): created 0600 from the
start, never widened, and swapped into place whole, as reports are (bot/io/report_layout.py)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(out: Path, data: bytes) -> Path:
    """Write ``data`` to ``out`` readable and writable by its owner only. The text goes to a
    temporary file beside it (mkstemp makes it 0600 whatever the umask), which then
    replaces ``out``: no half-written file, and no moment when others could read it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)  # mkstemp's mode already; said again so nobody relies on luck
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
