"""Block Kit for the leaders' digest and for escalations. A digest can be long, so it is
built as a list of messages, each well inside Slack's limits (50 blocks, 3,000 characters a
section): the first carries the totals, the rest follow in its thread."""

from __future__ import annotations

from bot.core.digest import Digest, ThemeDigest, colour_of
from bot.platforms.slack.blocks import _EMOJI, cut, esc, escape, fallback, fit, mrkdwn, plain
from handlers.replies import EscalationNotice

MESSAGE_BLOCK_BUDGET = 45  # a margin under 50
SECTION_BUDGET = 2800  # a margin under 3,000
LIST_LIMIT = 25  # items per list in a theme before "…and N more"


def _counts_line(counts, order) -> str:
    return " · ".join(
        f"{_EMOJI[colour_of(s)]} {escape(s)} *{counts[s]}*" for s in order if counts.get(s)
    )


def _chunks(lines: list[str], budget: int = SECTION_BUDGET) -> list[str]:
    """Join lines into texts each under ``budget`` characters (a line never splits)."""
    out, cur = [], ""
    for line in lines:
        line = fit(line, budget)  # escaped already: never cut inside an entity
        if cur and len(cur) + 1 + len(line) > budget:
            out.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        out.append(cur)
    return out


def _theme_blocks(td: ThemeDigest, digest: Digest) -> list[dict]:
    from bot.core.digest import STATUS_ORDER

    blocks = [
        {"type": "header", "text": plain(cut(f"{td.theme.name} — {td.total} actions", 150), 150)},
        {"type": "section", "text": mrkdwn(_counts_line(td.counts, STATUS_ORDER) or "no actions")},
    ]
    lines: list[str] = []

    def listing(title: str, items: list[str]) -> None:
        if not items:
            return
        lines.append(f"*{title}*")
        lines.extend(items[:LIST_LIMIT])
        if len(items) > LIST_LIMIT:
            lines.append(f"…and {len(items) - LIST_LIMIT} more")

    changes = []
    for c in td.changes:
        a = escape(c.action.label)
        if c.kind == "slipped":
            old = f"{c.old_due:%-d %b %Y}" if c.old_due else "?"
            new = f"{c.new_due:%-d %b %Y}" if c.new_due else esc(c.new_deadline_text, 60)
            changes.append(f"• *{a}* deadline {old} → {new}")
        else:
            verb = "completed" if c.kind == "completed" else escape(c.status or "comment")
            note = f" — {esc(c.summary, 1000)}" if c.commentary else ""
            changes.append(f"• *{a}* {verb}{note}")
    listing(f"Changed since the last digest ({len(changes)})", changes)
    listing(
        f"Overdue ({len(td.overdue)})",
        [
            f"• *{esc(a.label, 100)}* {esc(a.text, 90)} (due {a.due_date:%-d %b %Y})"
            for a in td.overdue
        ],
    )
    listing(
        f"Due in the next {digest.horizon_days} days ({len(td.due_next)})",
        [
            f"• *{esc(a.label, 100)}* {esc(a.text, 90)} (due {a.due_date:%-d %b %Y})"
            for a in td.due_next
        ],
    )
    for text in _chunks(lines):
        blocks.append({"type": "section", "text": mrkdwn(text)})
    return blocks


def digest_messages(digest: Digest) -> list[tuple[str, list[dict]]]:
    """The digest as (fallback text, blocks) messages, each under Slack's limits."""
    from bot.core.digest import STATUS_ORDER

    title = digest.title or digest.plan_name
    since = f" since {digest.since:%-d %b %Y}" if digest.since else ""
    head_text = f"{title}: progress digest for {digest.today:%-d %b %Y}{since}"
    head = [
        {"type": "header", "text": plain(cut(head_text, 150), 150)},
        {
            "type": "section",
            "text": mrkdwn(
                f"*{digest.total} actions* · {digest.new_updates} new updates\n"
                + _counts_line(digest.counts, STATUS_ORDER)
            ),
        },
    ]
    groups: list[list[dict]] = [_theme_blocks(td, digest) for td in digest.themes]
    if digest.silent:
        lines = [
            f"• {escape(p.name)}: {escape(', '.join(a.label for a in acts))}"
            for p, acts in digest.silent
        ]
        silent = [{"type": "header", "text": plain("Not replied to their nudges", 150)}]
        silent += [{"type": "section", "text": mrkdwn(t)} for t in _chunks(lines)]
        groups.append(silent)
    messages: list[list[dict]] = [head]
    for group in groups:
        if len(messages[-1]) + len(group) > MESSAGE_BLOCK_BUDGET:
            messages.append([])
        for block in group:
            if len(messages[-1]) >= MESSAGE_BLOCK_BUDGET:
                messages.append([])
            messages[-1].append(block)
    out = []
    for i, blocks in enumerate(messages):
        text = head_text if i == 0 else f"{head_text} (part {i + 1} of {len(messages)})"
        out.append((fallback(text), blocks))
    return out


def escalation_blocks(notice: EscalationNotice) -> tuple[str, list[dict]]:
    n = len(notice.silent)
    text = f"{n} owner{'s' if n != 1 else ''} have not replied to their nudges"
    lines = []
    for s in notice.silent:
        refs = ", ".join(a.label for a in s.actions)
        last = f"last reply {s.last_reply:%-d %b %Y}" if s.last_reply else "no reply yet"
        lines.append(f"• *{escape(s.person.name)}* — {s.nudges} nudges, {last}: {escape(refs)}")
    blocks = [
        {
            "type": "section",
            "text": mrkdwn(
                f"Hello {escape(notice.recipient.name)}, these owners have not answered their nudges:"
            ),
        }
    ]
    blocks += [{"type": "section", "text": mrkdwn(t)} for t in _chunks(lines)][:40]
    return text, blocks
