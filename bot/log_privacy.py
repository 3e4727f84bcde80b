"""Logs carry no message bodies and no emails, at any level.

slack_sdk and slack_bolt log whole request and response bodies at DEBUG (the text of every
update, users.info profiles with emails). A log-record factory is the one place every record
passes through whatever handlers are attached, so it is installed once per process: it cuts
those libraries' messages before their body, headers or parameters, and replaces anything
that looks like an email address in every record.
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Where the chat libraries' DEBUG lines start carrying content.
_CUT = re.compile(
    r"(?:,?\s*(?:query_params|body_params|json_body|headers|body|params|payload|files)\s*[:=]"
    r"|\s+body:|\s+-\s+\{|\s*\(?\{['\"])",
    re.I,
)
_LIBRARIES = ("slack_sdk", "slack_bolt", "progressbot.slack", "microsoft_teams", "httpx", "urllib3")
_installed = False


def redact(name: str, message: str) -> str:
    if name.startswith(_LIBRARIES):
        m = _CUT.search(message)
        if m:
            message = message[: m.start()] + " [content not logged]"
    return _EMAIL.sub("<email>", message)


def install() -> None:
    """Wrap the log-record factory (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's business
            return record
        cleaned = redact(record.name, message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
