"""People trained at scale (activities issue, parts 2–4). From the repository root:

    .venv/bin/python benchmarks/people_bench.py import [--rows 5000] [--db sqlite postgresql]
    .venv/bin/python benchmarks/people_bench.py figures [--people 100000]
        [--attendances 1000000] [--db postgresql] [--repeat 50]

``import``: a 5,000-row XLSX attendance sheet (distinct people, the activity's counts
agreeing) imported with :func:`import_attendance` (parse, check, match people, add
attendances, count the trained people, one transaction) against the baseline of the
same run: reading the same sheet with openpyxl alone (read-only, every cell). Median
of 3 (each import on a fresh activity with new names).

``figures``: PEOPLE people with ATTENDANCES attendances over 2,000 trainings of one
year (bulk-inserted; the summary rows built by the same INSERT … SELECT as the ledger's),
then with the Flask test client in this process and an office token: ``GET
/api/v1/people/figures`` (p50/p95 over --repeat) against ``GET /api/v1/healthz`` in the
same run, and the first request after a change (a 10-row sheet imported for a new
activity, then the request) against a served one.

Prints Markdown rows for benchmarks/README.md. PostgreSQL: 127.0.0.1:5432, user
postgres, database ``kho_bench_people`` (dropped and created).
"""
from __future__ import annotations

import argparse
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/kho_bench_people"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Y", "A", "Đinh", "Võ", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hoa", "Thương", "Hùng", "Lan", "Mai", "Phúc",
         "Sơn", "Tâm", "Uyên", "Vinh", "Xuân", "Yến"]
UNITS = ["xa-dak-koi", "xa-dak-to-lung", "xa-dak-ruong", "tt-dak-rve", "xa-dak-pne",
         "xa-tan-lap", "xa-dak-to-re", "hoi-lhpn-kon-ray", "hoi-nong-dan-kon-ray",
         "phong-vhtt-kon-ray"]
GROUPS = ["human-rights-officials", "information-officials", "external-information-staff",
          "mass-organisation-key-staff", "other-officials"]


def _kho(db: str, tag: str):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from config import load_settings

    folder = CACHE / f"people-{db}-{tag}"
    shutil.rmtree(folder, ignore_errors=True)
    values = {"instance_path": str(folder), "env": "testing", "queue_url": "immediate",
              "secret_key": "bench", "ocr_enabled": False}
    if db == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "kho_bench_people" WITH (FORCE)')
            conn.execute('CREATE DATABASE "kho_bench_people" ENCODING \'UTF8\' '
                         'TEMPLATE template0')
        values["database_url"] = PG_URL
    kho = Kho(load_settings(values, environ={}))
    init_instance(kho)
    return kho


def _names(rng: random.Random, n: int, salt: str) -> list[str]:
    return [f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {salt}{i}"
            for i in range(n)]


def _sheet(path: Path, rows: int, salt: str) -> list[dict]:
    """Write an XLSX of ``rows`` distinct people; the activity's counts that agree."""
    from openpyxl import Workbook

    rng = random.Random(salt)
    book = Workbook(write_only=True)
    ws = book.create_sheet("Danh sách")
    ws.append(["STT", "Họ và tên", "Đơn vị", "Chức vụ", "Nhóm đối tượng", "Dân tộc",
               "Giới tính"])
    counts: dict[str, dict] = {}
    for i, name in enumerate(_names(rng, rows, salt), 1):
        group, sex = rng.choice(GROUPS), rng.choice(["Nam", "Nữ"])
        ethnic = rng.choice(["Kinh", "Xơ Đăng", "Ba Na"])
        ws.append([i, name, rng.choice(UNITS), "Cán bộ", group, ethnic, sex])
        c = counts.setdefault(group, {"target_group": group, "total": 0, "women": 0,
                                      "ethnic_minority": 0})
        c["total"] += 1
        c["women"] += sex == "Nữ"
        c["ethnic_minority"] += ethnic != "Kinh"
    book.save(path)
    return list(counts.values())


def _activity(kho, counts: list[dict], day: str = "10/03/2025") -> int:
    from app.services.access.actors import SYSTEM
    from app.services.activities import register

    return register.create_activity(kho, SYSTEM, {
        "kind": "training", "title": "Tập huấn", "starts_on": day, "ends_on": day,
        "organiser": "phong-vhtt-kon-ray", "communes": ["xa-dak-koi"], "plan_task": "2.2",
        "participants": counts, "products": []})


def bench_import(db: str, rows: int) -> dict:
    from openpyxl import load_workbook

    from app.services.access.actors import SYSTEM
    from app.services.activities.attendance_import import import_attendance

    kho = _kho(db, "import")
    ours, base = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(3):
            path = Path(folder) / f"sheet{run}.xlsx"
            counts = _sheet(path, rows, f"r{run}-")
            aid = _activity(kho, counts)
            started = time.perf_counter()
            book = load_workbook(path, read_only=True, data_only=True)
            cells = sum(len(r) for r in book.worksheets[0].iter_rows(values_only=True))
            book.close()
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            out = import_attendance(kho, SYSTEM, aid, path)
            ours.append(time.perf_counter() - started)
            assert out.imported and out.added == rows, [str(p.message) for p in out.problems][:5]
            assert cells >= rows * 7
    kho.close()
    k, b = statistics.median(ours), statistics.median(base)
    return {"db": db, "kho": k, "baseline": b, "ratio": k / b}


def _bulk(kho, people: int, attendances: int, *, units: Sequence[str] = UNITS,
          years: Sequence[int] = (2025,), activities: int = 2000) -> int:
    """PEOPLE people, ATTENDANCES attendances over ``activities`` trainings spread over
    ``years`` (people in ``units`` by code; the last one organises); the summary rows
    built like the ledger's. Returns the first year. (Also the province corpus's people:
    benchmarks/province_corpus.py.)"""
    from sqlalchemy import func, insert, select, text

    from app.services.common.bulk_insert import insert_new
    from archive.activities import Activity, ActivityParticipantCount
    from archive.base import utcnow
    from archive.models import Term, Unit
    from archive.people import Attendance, Person

    rng = random.Random(7)
    per = attendances // activities
    with kho.transaction() as s:
        ids_by_code = {c: i for c, i in s.execute(select(Unit.code, Unit.id))}
        unit_ids = [ids_by_code[c] for c in units]
        group_ids = [s.scalar(select(Term.id).where(Term.vocabulary == "target_group",
                                                    Term.code == c)) for c in GROUPS]
        kind = s.scalar(select(Term.id).where(Term.vocabulary == "activity_kind",
                                              Term.code == "training"))
        task = s.scalar(select(Term.id).where(Term.vocabulary == "plan_task",
                                              Term.code == "2.2"))
        now = utcnow()
        s.execute(insert(Activity), [{
            "kind_id": kind, "title": f"Tập huấn {i}", "starts_on": _day(years, i),
            "ends_on": _day(years, i), "organiser_id": unit_ids[-1],
            "plan_task_id": task, "created_at": now, "updated_at": now}
            for i in range(activities)])
        first = s.scalar(select(func.min(Activity.id)))
        s.execute(insert(ActivityParticipantCount), [
            {"activity_id": first + i, "target_group_id": group_ids[0], "total": per,
             "women": 0, "ethnic_minority": 0} for i in range(activities)])
        person_unit, person_group = [], []
        for start in range(0, people, 20000):
            batch = []
            for i in range(start, min(people, start + 20000)):
                u, g = rng.choice(unit_ids), rng.choice(group_ids)
                person_unit.append(u)
                person_group.append(g)
                batch.append({"name": f"Người {i}", "name_key": f"nguoi {i}", "unit_id": u,
                              "homonym": 0, "position": "", "ethnic_group": "", "sex": "",
                              "created_at": now, "updated_at": now})
            insert_new(s, Person.__table__, batch)
        pfirst = s.scalar(select(func.min(Person.id)))
    with kho.transaction() as s:
        for a in range(activities):
            chosen = rng.sample(range(people), per)
            insert_new(s, Attendance.__table__, [
                {"activity_id": first + a, "person_id": pfirst + p, "unit_id": person_unit[p],
                 "target_group_id": person_group[p], "position": "", "ethnic_group": "",
                 "sex": ""} for p in chosen])
    year = "extract(year from a.starts_on)::int" if kho.engine.dialect.name == "postgresql" \
        else "cast(strftime('%Y', a.starts_on) as integer)"
    with kho.transaction() as s:
        s.execute(text(f"""INSERT INTO trained_people (person_id, year, target_group_id, unit_id)
            SELECT DISTINCT t.person_id, {year}, t.target_group_id, p.unit_id
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            JOIN people p ON p.id = t.person_id"""))
        s.execute(text("""INSERT INTO trained_counts (year, unit_id, target_group_id, people)
            SELECT year, unit_id, target_group_id, count(*) FROM trained_people
            GROUP BY year, unit_id, target_group_id"""))
        s.execute(text("INSERT INTO staff_counts (unit_id, year, target_group_id, "
                       "staff, updated_at) VALUES (:u, :y, :g, 3000, :now)"),
                  [{"u": u, "y": y, "g": g, "now": now} for u in unit_ids for y in years
                   for g in group_ids])
    if kho.engine.dialect.name == "postgresql":
        with kho.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return years[0]


def _day(years: Sequence[int], i: int) -> date:
    """The day of the i-th bulk activity: months in turn, then the next year."""
    return date(years[(i // 12) % len(years)], 1 + i % 12, 1 + i % 28)


def _timed(call, repeat: int, warm: int = 2) -> dict[str, float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)]}


def bench_figures(db: str, people: int, attendances: int, repeat: int) -> dict:
    from app import create_app
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM
    from app.services.activities.attendance_import import import_attendance

    kho = _kho(db, "figures")
    started = time.perf_counter()
    year = _bulk(kho, people, attendances)
    built = time.perf_counter() - started
    accounts.add_user(kho, "vanphong", "office", "mat-khau-dai-du")
    token = accounts.create_token(kho, "vanphong", "bench")
    app = create_app(kho.settings)
    logging.getLogger("kho.requests").setLevel(logging.WARNING)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    def healthz():
        assert client.get("/api/v1/healthz").status_code in (200, 503)

    def figures():
        answer = client.get(f"/api/v1/people/figures?year={year}", headers=auth)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]

    out = {"db": db, "built_s": built, "healthz": _timed(healthz, repeat),
           "figures": _timed(figures, repeat)}
    runs = iter(range(10**6))
    folder = Path(tempfile.mkdtemp())

    def change_then_figures():
        run = next(runs)
        path = folder / f"s{run}.xlsx"
        aid = _activity(kho, _sheet(path, 10, f"c{run}-"), "15/05/2025")
        assert import_attendance(kho, SYSTEM, aid, path).imported
        started = time.perf_counter()
        figures()
        return (time.perf_counter() - started) * 1000

    after = sorted(change_then_figures() for _ in range(10))
    out["after_change"] = {"p50": statistics.median(after), "p95": after[-1]}
    shutil.rmtree(folder, ignore_errors=True)
    kho.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["import", "figures"])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--attendances", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for db in args.db:
        if args.what == "import":
            r = bench_import(db, args.rows)
            print(f"| import {args.rows:,} rows ({db}) | {r['kho']:.2f} s | openpyxl read: "
                  f"{r['baseline']:.2f} s | **{r['ratio']:.2f}** | ≤ 5 s, ≤ 1.5 |")
        else:
            r = bench_figures(db, args.people, args.attendances, args.repeat)
            h, f, c = r["healthz"], r["figures"], r["after_change"]
            print(f"({db}: corpus built in {r['built_s']:.0f} s)")
            print(f"| healthz ({db}) | {h['p50']:.1f} | {h['p95']:.1f} | |")
            print(f"| people figures ({db}) | {f['p50']:.1f} | {f['p95']:.1f} | "
                  f"p95 ratio **{f['p95'] / h['p95']:.1f}** (≤ 10) |")
            print(f"| first request after an import ({db}) | {c['p50']:.1f} | {c['p95']:.1f} | "
                  f"p50 ratio **{c['p50'] / f['p50']:.2f}** (≤ 2) |")


if __name__ == "__main__":
    main()
