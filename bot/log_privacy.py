"""Logs carry no message bodies, no emails and no chat identifiers, at any level.

slack_sdk and slack_bolt log whole request and response bodies at DEBUG (the text of every
update, users.info profiles with emails), the Teams SDK logs every activity it receives, and
httpx logs each URL, which for the Bot Connector names the conversation and the user. A
log-record factory is the one place every record passes through whatever handlers are
attached, so it is installed once per process: it cuts those libraries' messages before
their body, headers, parameters or activity, and in every record replaces anything that
looks like an email address, and any Slack or Teams user, channel or conversation id or
directory object id, by a tag. A tag is a keyed hash with a key made when the process
starts: lines about the same account can still be told apart and followed within one run,
and nobody can find a person in the logs from their id (or keep them there after an
erasure: `progressbot people erase`). Names are not in logs either: the bot's own lines
name people by owner id (``without`` takes a person's name out of an error's text).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re

_EMAIL = re.compile(r"[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Where the chat libraries' DEBUG lines start carrying content.
_CUT = re.compile(
    r"(?:,?\s*(?:query_params|body_params|json_body|headers|body|params|payload|files)\s*[:=]"
    r"|\s+body:|\s+-\s+\{|\s*\(?\{['\"]"
    r"|\s(?:activity|account|from_|recipient|conversation)\s*[:=])",
    re.I,
)
_LIBRARIES = ("slack_sdk", "slack_bolt", "progressbot.slack", "microsoft_teams", "httpx", "urllib3")
_SEP = r"(?::|%3A)"
# Teams ids: 29:… users, 8:orgid:… users, a:… personal chats, 19:…@thread… channels and
# group chats, 28:… bots (the part after the prefix has a letter, so "19:53" stays a time);
# directory object ids and tenants are GUIDs; Slack users, bots, channels and DMs are an
# upper-case letter and eight or more capitals and digits, with a digit among them.
_CHAT_ID = re.compile(
    rf"(?<![\w%])(?:29|28|8|a|19){_SEP}(?=[\w.@%:-]*[A-Za-z])[\w.@%:-]+"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b[UWBDCG](?=[A-Z0-9]*[0-9])[A-Z0-9]{8,}\b"
)
_KEY = os.urandom(16)
_installed = False


def tag(value: str) -> str:
    """What a log line shows instead of a chat identifier."""
    return "<id:" + hmac.new(_KEY, value.encode(), hashlib.sha256).hexdigest()[:8] + ">"


def redact(name: str, message: str) -> str:
    if name.startswith(_LIBRARIES):
        m = _CUT.search(message)
        if m:
            message = message[: m.start()] + " [content not logged]"
    message = _EMAIL.sub("<email>", message)
    return _CHAT_ID.sub(lambda m: tag(m.group(0)), message)


def without(text: str, *values: str | None) -> str:
    """``text`` (e.g. an error's message) with each of ``values`` (a person's name, email)
    taken out, for a log line."""
    for v in values:
        if v and len(v) >= 3:
            text = re.sub(re.escape(v), "<person>", text, flags=re.I)
    return text


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
