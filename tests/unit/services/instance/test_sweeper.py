"""How often a consumer sweeps: every 10 s, or a third of the job lease when an
operator made the lease shorter — so a dead consumer's file is taken over within
about 1.3 leases whatever the lease (tests/unit/services/instance/test_worker_recovery.py
kills consumers with a 5 s lease and waits for that takeover)."""
from __future__ import annotations

from app.bootstrap import Kho
from app.services.instance.sweeper import SWEEP_SECONDS, Sweeper
from tests.conftest import make_settings


def test_the_sweep_follows_a_short_lease_and_keeps_ten_seconds_otherwise(tmp_path):
    short = Kho(make_settings(tmp_path / "short", job_lease_seconds=6))
    usual = Kho(make_settings(tmp_path / "usual"))
    try:
        assert Sweeper(short).every == 2.0
        assert Sweeper(usual).every == SWEEP_SECONDS == 10.0
        assert Sweeper(usual, every=0.5).every == 0.5
        zero = Kho(make_settings(tmp_path / "zero", job_lease_seconds=0))
        assert Sweeper(zero).every == 1.0          # never a loop without a pause
        zero.close()
    finally:
        short.close()
        usual.close()
