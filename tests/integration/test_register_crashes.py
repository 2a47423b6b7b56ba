"""The activities register's writers killed half-way (SIGKILL), on SQLite (file, WAL)
and PostgreSQL: an attendance import, an evidence upload, a consent with its scanned
form and a contribution filing run as real processes, are killed while their
transaction is open (or their bytes are arriving), and the rows, objects and figures
are counted afterwards — nothing half-written, nothing counted twice, nothing stuck:
the same work run again (several at once, for the import and the consent) completes.

"Half-way" is observed, not guessed: the process is killed once the database shows it
holding an open write transaction (PostgreSQL: a backend with a transaction id;
SQLite: the write lock is taken), or once the evidence's bytes are being written.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.stored_keys import stored_keys
from tests.unit.services.activities.people_data import training, write_csv
from tests.unit.services.instance.worker_processes import env_for

PEOPLE = 4_000             # rows: the import transaction lasts long enough to be caught
UNITS = ["Xã Đăk Kôi", "Xã Đăk Tơ Lung", "Hội Liên hiệp Phụ nữ huyện Kon Rẫy",
         "Phòng Văn hóa và Thông tin huyện Kon Rẫy"]
GROUPS = ["information-officials", "human-rights-officials", "mass-organisation-key-staff"]
WAIT_SECONDS = 90
WRITERS = 3          # consents recorded at once with the same form


@pytest.fixture
def crash_kho(either_kho):
    """SQLite, then PostgreSQL, with an office account."""
    from app.services.access.accounts import add_user

    add_user(either_kho, "vp", "office", "mat-khau-dai-du")
    return either_kho


def _writing(kho) -> bool:
    """Another connection holds an open write transaction on the catalogue."""
    if kho.engine.dialect.name == "postgresql":
        probe = create_engine(kho.settings.database, poolclass=None)
        try:
            with probe.connect() as conn:
                return bool(conn.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))
        finally:
            probe.dispose()
    path = kho.engine.url.database
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:                # "database is locked": a writer is in
        return True
    finally:
        conn.close()


def _kill_when(child: subprocess.Popen, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        assert child.poll() is None, "the writer ended before it could be killed half-way"
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(30) == -signal.SIGKILL


def _kho_command(kho, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", *args], env=env_for(kho.settings),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finished(child: subprocess.Popen) -> str:
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0, out.decode()
    return out.decode()


def _sheet(path: Path) -> list[list[str]]:
    rng = random.Random(PEOPLE)
    rows = [[f"{rng.choice(['Nguyễn', 'Y', 'A', 'Đinh'])} Văn Người{i}", rng.choice(UNITS),
             "Cán bộ", rng.choice(GROUPS), rng.choice(["Kinh", "Xơ Đăng"]),
             rng.choice(["Nam", "Nữ"])] for i in range(PEOPLE)]
    write_csv(path, rows)
    return rows


def _people_rows(kho) -> tuple[int, int, int, int]:
    from archive.people import Attendance, AttendanceImport, Person, TrainedPerson

    with kho.transaction() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Person, Attendance, TrainedPerson, AttendanceImport))


def test_an_attendance_import_killed_half_way_leaves_nothing_and_runs_again(
        crash_kho, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.activities import register
    from app.services.activities.figures import people_figures
    from archive.people import AttendanceImport

    sheet = tmp_path / "danh-sach.csv"
    rows = _sheet(sheet)
    office = actor_by_name(crash_kho, "vp")
    aid = register.create_activity(crash_kho, office, training("12/06/2025", rows))

    killed = _kho_command(crash_kho, "activity", "import-attendance", str(aid), str(sheet),
                          "--as", "vp")
    _kill_when(killed, lambda: _writing(crash_kho))
    assert _people_rows(crash_kho) == (0, 0, 0, 0)        # all or nothing: nothing

    # the same sheet twice at once after the crash: no lock left behind, each person once
    again = [_kho_command(crash_kho, "activity", "import-attendance", str(aid), str(sheet),
                          "--as", "vp") for _ in range(2)]
    for child in again:
        _finished(child)
    assert _people_rows(crash_kho) == (PEOPLE, PEOPLE, PEOPLE, 2)
    with crash_kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == PEOPLE
        # the second import waited for the first, then found everyone listed
        assert sorted(s.scalars(select(AttendanceImport.added))) == [0, PEOPLE]


def test_an_evidence_upload_killed_half_way_leaves_no_row_and_no_visible_object(
        crash_kho, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.activities import evidence, register
    from app.services.common import leftovers
    from archive.activities import ActivityEvidence

    office = actor_by_name(crash_kho, "vp")
    aid = register.create_activity(crash_kho, office, training("12/06/2025", []))
    minutes = tmp_path / "bien-ban.pdf"
    with open(minutes, "wb") as out:                  # 120 MB: long enough to catch
        out.write(b"%PDF-1.4\n")
        for _ in range(120):
            out.write(os.urandom(1024 * 1024))
    storage_root = Path(crash_kho.settings.instance_path) / "objects"
    script = ("import sys; from app.bootstrap import Kho; from config import load_settings;"
              "from app.services.access.accounts import actor_by_name;"
              "from app.services.activities import evidence;"
              "kho = Kho(load_settings()); actor = actor_by_name(kho, 'vp');"
              f"evidence.add_evidence(kho, actor, {aid}, open(sys.argv[1], 'rb'),"
              " 'Biên bản hội nghị.pdf', 'minutes')")
    child = subprocess.Popen([sys.executable, "-c", script, str(minutes)],
                             env=env_for(crash_kho.settings), stderr=subprocess.PIPE)

    def bytes_arriving() -> bool:
        spool = Path(crash_kho.settings.spool_dir)
        return any(p.is_file() and p.stat().st_size > 10 * 1024 * 1024
                   for folder in (spool, storage_root) if folder.exists()
                   for p in folder.rglob("*"))

    _kill_when(child, bytes_arriving)
    with crash_kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ActivityEvidence)) == 0
    assert stored_keys(crash_kho.storage) == []        # no object anyone could read

    # the leftovers sweep (at start-up, for files over an hour old) takes the pieces
    removed = leftovers.clean(crash_kho, max_age=0)
    assert removed.count >= 1
    assert not any(p.is_file() for p in Path(crash_kho.settings.spool_dir).rglob("*"))
    with open(minutes, "rb") as stream:
        added = evidence.add_evidence(crash_kho, office, aid, stream, "Biên bản hội nghị.pdf",
                                      "minutes")
    assert not added.duplicate
    with crash_kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ActivityEvidence)) == 1
    assert len(stored_keys(crash_kho.storage)) == 1


def _big_form(path: Path, megabytes: int) -> Path:
    """A scanned form of ``megabytes`` MiB (a PDF header, random bytes: no two alike)."""
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n")
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))
    return path


def _consent_writer(kho, product_id: int, form: Path, given_by: str) -> subprocess.Popen:
    """A process recording a consent with ``form`` as its scanned form."""
    script = ("import sys; from app.bootstrap import Kho; from config import load_settings;"
              "from app.services.access.accounts import actor_by_name;"
              "from app.services.catalogue import consents;"
              "kho = Kho(load_settings()); actor = actor_by_name(kho, 'sx');"
              f"consents.add_consent(kho, actor, {product_id}, {{'given_by': sys.argv[2],"
              " 'uses': ['radio', 'website']}, open(sys.argv[1], 'rb'), 'Phiếu đồng ý.pdf')")
    return subprocess.Popen([sys.executable, "-c", script, str(form), given_by],
                            env=env_for(kho.settings), stderr=subprocess.PIPE)


def _consent_state(kho, product_id: int) -> tuple[int, int, int]:
    """Consent rows, their ``consent.add`` history entries, and the product's version."""
    from archive.access import ProductConsent
    from archive.models import Product, ProductChange

    with kho.transaction() as s:
        return (s.scalar(select(func.count()).select_from(ProductConsent)),
                s.scalar(select(func.count()).select_from(ProductChange).where(
                    ProductChange.action == "consent.add")),
                s.get(Product, product_id).version or 0)


def _pieces(folder: Path) -> list[Path]:
    """Files left in ``folder``, hidden ones (a store's partial objects) included."""
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_consent_forms_killed_half_way_then_at_once_leave_each_consent_once(
        crash_kho, tmp_path):
    """A consent whose 120 MB form is killed while its bytes arrive leaves no row, no
    history and no object anyone could read, only pieces the leftovers sweep takes;
    then WRITERS processes record a consent with the same form at once: each consent
    once, one object (content-addressed), one history entry and one version each,
    and no spool file or partial object left."""
    from app.services.access.accounts import actor_by_name, add_user
    from app.services.catalogue import products
    from app.services.common import leftovers
    from archive.access import ProductConsent

    add_user(crash_kho, "sx", "producer", "mat-khau-dai-du")
    producer = actor_by_name(crash_kho, "sx")
    pid = products.create_product(crash_kho, producer, {"title": "Phỏng vấn già làng"})
    before = _consent_state(crash_kho, pid)
    spool = Path(crash_kho.settings.spool_dir)
    storage_root = Path(crash_kho.settings.instance_path) / "objects"

    killed = _consent_writer(crash_kho, pid, _big_form(tmp_path / "lon.pdf", 120), "A Blưu")
    _kill_when(killed, lambda: any(p.stat().st_size > 10 * 1024 * 1024
                                   for folder in (spool, storage_root)
                                   for p in _pieces(folder)))
    assert _consent_state(crash_kho, pid) == before          # nothing recorded
    assert stored_keys(crash_kho.storage) == []             # no object anyone could read
    assert leftovers.clean(crash_kho, max_age=0).count >= 1
    assert _pieces(spool) == [] and _pieces(storage_root) == []

    form = _big_form(tmp_path / "phieu.pdf", 8)
    writers = [_consent_writer(crash_kho, pid, form, f"Người thứ {n}") for n in range(WRITERS)]
    for child in writers:
        out = child.communicate(timeout=300)[1]
        assert child.returncode == 0, out.decode()
    count, history, version = _consent_state(crash_kho, pid)
    assert (count, history, version) == (WRITERS, WRITERS, before[2] + WRITERS)
    with crash_kho.transaction() as s:
        givers = sorted(s.scalars(select(ProductConsent.given_by)))
        forms = set(s.execute(select(ProductConsent.evidence_sha256,
                                     ProductConsent.evidence_key)).all())
    assert givers == sorted(f"Người thứ {n}" for n in range(WRITERS))
    assert len(forms) == 1                                  # one form, stored once
    assert stored_keys(crash_kho.storage) == [forms.pop()[1]]
    assert _pieces(spool) == []                             # nothing stuck in transit
    assert [p for p in _pieces(storage_root) if p.name.startswith(".")] == []


def _contributions(kho) -> int:
    from archive.contributions import Contribution

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Contribution))


def test_contribution_filings_at_once_some_killed_give_one_whole_contribution(
        crash_kho, tmp_path):
    """Four processes file the same unit's contribution at once; two are killed as soon
    as a write is seen (a filing is one short transaction, so a kill may land before,
    inside or after it — the outcome must be whole in every case)."""
    from app.services.access.actors import SYSTEM
    from app.services.contributions.contribution_view import get_contribution
    results = tmp_path / "ket-qua.txt"
    said = "Đã tổ chức 12 hội nghị tuyên truyền về quyền con người. " * 350
    results.write_text(said, encoding="utf-8")
    unit = "xa-dak-koi-2025"
    filings = [_kho_command(crash_kho, "contribution", "file", unit, "2025",
                            "--results-file", str(results), "--submit") for _ in range(4)]
    deadline = time.monotonic() + WAIT_SECONDS
    while not _writing(crash_kho) and all(c.poll() is None for c in filings[:2]):
        assert time.monotonic() < deadline, "no filing ever started writing"
        time.sleep(0.01)
    for child in filings[:2]:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    said_back = [child.communicate(timeout=300)[0].decode() for child in filings[2:]]
    # the first to get the lock files it; a later one is refused: submitted already
    assert any(c.returncode == 0 for c in filings[2:]) or _contributions(crash_kho), said_back
    assert _contributions(crash_kho) == 1
    view = get_contribution(crash_kho, SYSTEM, unit, 2025)
    assert view["state"] == "submitted"
    assert view["results"] == said.strip()
