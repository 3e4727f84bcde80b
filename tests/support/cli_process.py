"""`python -m bot ARGS` as a real, separate process, without paying the interpreter's start-up
and the libraries' imports (about 0.7 s of CPU) on every call.

A helper process (one per test process, started on first use) imports the third-party
libraries the command line uses, then waits. For each command it forks: the child sets the
caller's environment and working directory, points its stdin/stdout/stderr at files, and runs
``bot`` as ``python -m bot`` does (runpy, so the project's own modules are imported fresh in
every child, as in a real start). The caller gets a ``subprocess.CompletedProcess`` with the
child's exit code and output, as ``subprocess.run(..., capture_output=True, text=True)`` gives.

What a test sees of the process is the same: its own pid, exit code, stdout and stderr, files
it writes, nothing shared with the test. Only the third-party imports come ready-made.
``run_cli`` falls back to a plain ``subprocess.run`` when PROGRESSBOT_TEST_FORK=0 or the
helper cannot be started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imported once in the helper; none reads the environment in a way a command depends on.
# (matplotlib is left out: it picks its backend and config folder from the environment.)
_PRELOAD = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlmodel",
    "alembic.command",
    "alembic.config",
    "pydantic",
    "pydantic_settings",
    "typer",
    "click",
    "rich.console",
    "rich.table",
    "slack_sdk",
    "slack_sdk.web",
    "slack_bolt",
    "dateparser",
    "holidays",
    "openpyxl",
    "docx",
    "psycopg",
    "apscheduler.schedulers.background",
    "PIL.Image",
    "waitress",
)

# Runs in the helper process: stdin carries one JSON request a line, stdout one JSON answer.
_HELPER = r"""
import importlib, json, os, sys
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:
        pass
out = os.fdopen(os.dup(1), "w", buffering=1)
devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(devnull, 1)  # nothing a library prints may get into the answers
print(json.dumps({"ready": os.getpid()}), file=out)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            import time
            time.tzset()
            for fd, path, flags in ((0, req["stdin"], os.O_RDONLY),
                                    (1, req["stdout"], os.O_WRONLY | os.O_TRUNC),
                                    (2, req["stderr"], os.O_WRONLY | os.O_TRUNC)):
                f = os.open(path, flags)
                os.dup2(f, fd)
                os.close(f)
            sys.stdin = open(0, encoding="utf-8", closefd=False)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
            sys.argv = ["-m", *req["args"]]
            code = 0
            try:
                import runpy
                runpy.run_module("bot", run_name="__main__", alter_sys=True)
            except SystemExit as exc:
                c = exc.code
                code = c if isinstance(c, int) else (0 if c is None else 1)
                if not isinstance(c, int) and c is not None:
                    print(c, file=sys.stderr)
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            # What a normal exit does: exit handlers (logging's flush), then finalisers
            # (database connections closed, so no SQLite journal is left behind).
            import atexit, gc
            atexit._run_exitfuncs()
            sys.modules.pop("__main__", None)
            gc.collect()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(globals().get("code", 1))
    print(json.dumps({"pid": pid}), file=out)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), file=out)
"""


class _Helper:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HELPER, json.dumps(_PRELOAD)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = self.proc.stdout.readline()
        if not ready.startswith('{"ready"'):
            raise RuntimeError("the command-line helper did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, request: dict, timeout: float | None) -> int:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        pid = json.loads(self.proc.stdout.readline())["pid"]
        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, _kill, (pid,))
            timer.start()
        try:
            answer = self.proc.stdout.readline()
        finally:
            if timer is not None:
                timer.cancel()
        if not answer:
            raise RuntimeError("the command-line helper stopped")
        return json.loads(answer)["status"]


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


_helper: _Helper | None = None
_lock = threading.Lock()


def _get_helper() -> _Helper | None:
    global _helper
    if os.environ.get("PROGRESSBOT_TEST_FORK") == "0":
        return None
    if _helper is None or not _helper.alive():
        try:
            _helper = _Helper()
        except (OSError, RuntimeError):
            _helper = None
    return _helper


def run_cli(
    args: list[str] | tuple[str, ...],
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    input: str | None = None,
    timeout: float | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """``python -m bot ARGS`` in its own process; like ``subprocess.run(capture_output=True,
    text=True)``. A run past ``timeout`` is killed and raises ``subprocess.TimeoutExpired``."""
    args = [str(a) for a in args]
    env = dict(os.environ if env is None else env)
    cwd = str(cwd or os.getcwd())
    with _lock:
        helper = _get_helper()
        if helper is None:
            return subprocess.run(
                [sys.executable, "-m", "bot", *args],
                cwd=cwd,
                env=env,
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=check,
            )
        with tempfile.TemporaryDirectory(prefix="progressbot-cli-") as tmp:
            files = {k: Path(tmp) / k for k in ("stdin", "stdout", "stderr")}
            files["stdin"].write_text(input or "", encoding="utf-8")
            files["stdout"].touch()
            files["stderr"].touch()
            request = {"args": args, "env": env, "cwd": cwd}
            request.update({k: str(p) for k, p in files.items()})
            status = helper.run(request, timeout)
            out = files["stdout"].read_text(encoding="utf-8", errors="replace")
            err = files["stderr"].read_text(encoding="utf-8", errors="replace")
    cmd = [sys.executable, "-m", "bot", *args]
    if status == -9 and timeout is not None:
        raise subprocess.TimeoutExpired(cmd, timeout, output=out, stderr=err)
    if check and status != 0:
        raise subprocess.CalledProcessError(status, cmd, out, err)
    return subprocess.CompletedProcess(cmd, status, out, err)
