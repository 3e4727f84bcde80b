"""Acknowledging Slack promptly.

After ack(), bolt's request thread still has to notice the acknowledgement (it polls every
10 ms) and write the HTTP response. Heavy work started at once holds the GIL and delays that
answer, so the slow part waits a moment first: invisible to the user, it keeps the ack as
quick as a bare app's (bench/bench_slack_ack.py measures it).
"""

from __future__ import annotations

import time

ACK_GRACE_SECONDS = 0.03


def acked(ack, **kwargs) -> None:
    """Acknowledge, then give the acknowledgement time to leave before the slow work."""
    ack(**kwargs)
    time.sleep(ACK_GRACE_SECONDS)
