"""Keeps Action's cached latest-status columns in step with the append-only update log."""

from __future__ import annotations

from storage.models import Action, Update


def apply_to_action_cache(
    action: Action, update: Update, *, supersedes_import: bool = False
) -> None:
    """Fold ``update`` into ``action``'s cache. An update that states no status keeps the
    previous status (a comment is not a change of status) but still counts as a reply.
    ``supersedes_import``: the latest so far is imported progress, and a person's reply
    stored after it is newer whatever the two clocks said (an import stamped by the wall
    clock, replies on a console's `--today`)."""
    late = action.status_at is not None and update.created_at < action.status_at
    if late and not (supersedes_import and update.source != "import"):
        return  # an older update arriving late does not overwrite a newer one
    if update.status:
        action.status = update.status
    action.status_at = update.created_at
    action.last_update_id = update.id
    if update.source != "import":
        action.replied_at = update.created_at
    if update.revised_due is not None or update.revised_deadline_text:
        action.deadline_text = update.revised_deadline_text or action.deadline_text
        action.due_date = update.revised_due
        action.deadline_kind = "fixed" if update.revised_due else action.deadline_kind
        action.deadline_sure = update.revised_due is not None
