"""Spool files, work folders and partial objects of killed processes: reported by
``kho check``, removed at start-up once older than an hour; live work is kept."""
from __future__ import annotations

import os
import time
from datetime import timedelta

from click.testing import CliRunner

from app.cli import main
from app.services.common import leftovers
from archive.base import utcnow
from archive.models import File, Product
from tests.conftest import point_cli_at


def _aged(path, hours: float = 2):
    past = time.time() - hours * 3600
    os.utime(path, (past, past))
    return path


def test_old_leftovers_are_reported_then_removed_and_live_work_kept(kho, tmp_path,
                                                                    monkeypatch):
    spool = kho.settings.spool_dir
    spool.mkdir(parents=True, exist_ok=True)
    old_upload = spool / "upload-abc"
    old_upload.write_bytes(b"x" * 100)
    _aged(old_upload)
    dead = spool / "work-7-deadbeef"
    (dead / "out").mkdir(parents=True)
    _aged(dead / "out")
    _aged(dead)
    partial = kho.settings.objects_dir / "originals" / ".kho-partial-q1"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"y" * 50)
    _aged(partial)
    young = spool / "upload-young"
    young.write_bytes(b"z")
    live = spool / "work-1-cafe01"
    live.mkdir()
    _aged(live)
    with kho.transaction() as s:      # attempt cafe01 still holds its claim
        product = Product(title="Bản tin")
        s.add(product)
        s.flush()
        s.add(File(product_id=product.id, sha256="c" * 64, size=1, original_filename="a",
                   storage_key="k", status="processing", claimed_by="h:1:cafe01",
                   lease_expires_at=utcnow() + timedelta(seconds=30)))

    point_cli_at(monkeypatch, kho, tmp_path)
    checked = CliRunner().invoke(main, ["--lang", "en", "check"])
    assert "leftovers: 3 files of stopped processes older than an hour (150 bytes)" \
        in checked.output
    init = CliRunner().invoke(main, ["--lang", "en", "init"])
    assert init.exit_code == 0, init.output
    assert "Removed 3 leftovers of stopped processes (150 bytes)" in init.output
    assert sorted(p.name for p in spool.iterdir()) == ["upload-young", "work-1-cafe01"]
    assert not partial.exists()
    assert leftovers.find(kho).count == 0
