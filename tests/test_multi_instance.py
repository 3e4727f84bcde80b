"""Two `progressbot run` processes (HTTP mode) on one PostgreSQL, at CI size: both schedulers
sweep the same plan at once, PostgreSQL is restarted while the sweep is under way, and a burst
of concurrent button clicks and DMs is spread across both (a share of them delivered to both,
as Slack re-delivers). Every nudge goes out once, every update is stored once, the digest is
posted once. bench/bench_multi_instance.py runs the same at full size (1,000 owners, 500
requests)."""

from __future__ import annotations

from tests.support.multi_instance import run_two_instances


def test_two_instances_share_one_postgres(tmp_path, own_pg_server):
    result = run_two_instances(
        tmp_path, own_pg_server, owners=40, actions=120, requests=80, duplicates=20
    )
    # The sweep and what the restart did to it
    assert result.restarted_mid_sweep, result.describe()
    assert result.nudges_expected > 0, "nothing falls due today (a non-working day?)"
    assert result.nudge_messages == result.nudges_expected, result.describe()
    assert result.nudges_sent_in_db == result.nudges_expected, result.describe()
    assert result.nudge_recipients_twice == [], result.describe()
    # The burst: every request acknowledged, each update stored once
    assert result.bad_statuses == [], result.describe()
    assert result.updates_stored == result.requests, result.describe()
    assert result.updates_doubled == [], result.describe()
    # The digest: once
    assert result.digest_posts == 1, result.describe()
    assert result.slack_refusals == [], result.describe()
