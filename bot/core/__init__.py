"""Platform-neutral core: plans, deadlines, statuses, who owes what, digests. No chat imports."""
