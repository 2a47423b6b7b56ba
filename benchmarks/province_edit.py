"""benchmarks/province_bench.py's ``edit`` part: a product edit's latency with the
statistics triggers (migrations 0024, 0025: every write of a product row, its terms,
communes, files, publication… marks the product in ``stats_dirty``) against the same
edit without them — the issue's "a product edit's latency / today's ≤ 1.2".

Two copies of the corpus's database (SQLite: the backup API into two files;
PostgreSQL: ``CREATE DATABASE … TEMPLATE``, else ``pg_dump | pg_restore``), the
``stats_*`` triggers dropped in one of them. The edit is the service layer's
``catalogue.products.update_product`` as the API's PUT calls it: title, themes,
languages and communes of one of 20 products (seeded), switched between two states so
every edit changes product row, terms and communes; the index flush it queues goes to
the default SQLite job queue in the copy's folder (no worker: it is queued, not run).
Rounds alternate the two copies, ``repeat`` edits each; medians of wall ms and of the
CPU ms of this process (on SQLite the triggers run in it) plus, on PostgreSQL, the
mean CPU of the copy's server backends (read from /proc in clock ticks when the server
is on this machine).
"""
from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
STATES = ({"themes": ["intl-law"], "languages": "vie; bdq", "title_suffix": " (a)"},
          {"themes": [], "languages": "vie", "title_suffix": " (b)"})


def _triggers_sql(db: str, conn) -> list[str]:
    """DROP statements of the statistics triggers."""
    if db == "sqlite":
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_%'")]
        return [f'DROP TRIGGER "{n}"' for n in names]
    rows = conn.execute(
        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE 'stats_%'").fetchall()
    return [f'DROP TRIGGER "{n}" ON "{table}"' for n, table in rows]


def _copy_sqlite(kho, folder: Path, drop: bool) -> dict[str, Any]:
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("objects", "index", "spool"):
        (folder / sub).mkdir(parents=True)
    source = sqlite3.connect(str(kho.settings.instance / "kho.sqlite3"))
    target = sqlite3.connect(str(folder / "kho.sqlite3"))
    source.backup(target)
    source.close()
    dropped = _triggers_sql("sqlite", target) if drop else []
    for statement in dropped:
        target.execute(statement)
    target.commit()
    target.close()
    return {"instance_path": str(folder), "dropped": len(dropped)}


def _copy_postgres(kho, folder: Path, name: str, drop: bool) -> dict[str, Any]:
    import psycopg

    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("objects", "index", "spool"):
        (folder / sub).mkdir(parents=True)
    source = kho.settings.database_url.rsplit("/", 1)[1]
    url = kho.settings.database_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        try:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        except psycopg.errors.ObjectInUse:          # someone is connected to the corpus
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
            dump = subprocess.Popen(["pg_dump", "-Fc", kho.settings.database_url],
                                    stdout=subprocess.PIPE)
            subprocess.run(["pg_restore", "--no-owner", "-d", url], stdin=dump.stdout,
                           check=True)
            dump.wait()
    dropped = []
    if drop:
        with psycopg.connect(url, autocommit=True) as conn:
            dropped = _triggers_sql("postgresql", conn)
            for statement in dropped:
                conn.execute(statement)
    return {"instance_path": str(folder), "database_url": url, "dropped": len(dropped)}


def _backend_cpu(kho) -> float:
    """CPU seconds of the PostgreSQL backends connected to ``kho``'s database (0 when
    their processes are not visible here)."""
    from sqlalchemy import text

    with kho.engine.connect() as conn:
        pids = [r[0] for r in conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def _editor(settings: dict[str, Any], db: str):
    from sqlalchemy import select

    from app.bootstrap import Kho
    from app.services.access.actors import SYSTEM
    from app.services.catalogue.products import update_product
    from archive.models import Product, Unit
    from config import load_settings

    kho = Kho(load_settings({**settings, "secret_key": "bench", "ocr_enabled": False},
                            environ={}))
    with kho.transaction() as s:
        ids = sorted(s.scalars(select(Product.id).where(Product.access_level == "public")
                               .order_by(Product.id).limit(2000)))
        communes = list(s.scalars(select(Unit.code).where(Unit.level == "commune",
                                                          Unit.valid_to.is_(None))
                                  .order_by(Unit.code).limit(2)))
        picked = random.Random(27).sample(ids, 20)
        titles = dict(s.execute(select(Product.id, Product.title)
                                .where(Product.id.in_(picked))).all())
    turn = {"n": 0}

    def edit() -> tuple[float, float, float]:
        n = turn["n"]
        turn["n"] += 1
        pid = picked[n % len(picked)]
        state = STATES[(n // len(picked)) % 2]
        data = {"title": titles[pid] + state["title_suffix"], "themes": state["themes"],
                "languages": state["languages"], "communes": communes[(n // len(picked)) % 2]}
        backend = _backend_cpu(kho) if db == "postgresql" else 0.0
        started, cpu = time.perf_counter(), time.process_time()
        changes = update_product(kho, SYSTEM, pid, data)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        backend = (_backend_cpu(kho) - backend) if db == "postgresql" else 0.0
        assert changes, (pid, data)
        return wall * 1000, cpu * 1000, backend * 1000
    return kho, edit


def edit_rows(kho, db: str, work: Path, repeat: int, rounds: int) -> tuple[list, dict]:
    from province_bench import Row

    folder = work / f"edit-{db}"
    copies: dict[str, dict[str, Any]] = {}
    for name, drop in (("with", False), ("without", True)):
        if db == "sqlite":
            copies[name] = _copy_sqlite(kho, folder / name, drop)
        else:
            copies[name] = _copy_postgres(kho, folder / name, f"kho27_edit_{name}", drop)
    editors = {name: _editor({k: v for k, v in c.items() if k != "dropped"}, db)
               for name, c in copies.items()}
    for _kho, edit in editors.values():           # warm-up: imports, statement caches
        for _ in range(5):
            edit()
    times: dict[str, list[tuple[float, float, float]]] = {"with": [], "without": []}
    loads = []
    for _ in range(rounds):
        for name, (_kho, edit) in editors.items():
            times[name] += [edit() for _ in range(repeat)]
            loads.append(os.getloadavg()[0])
    for edited, _edit in editors.values():
        edited.close()
    if db == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for c in copies.values():
                name = c["database_url"].rsplit("/", 1)[1]
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(folder, ignore_errors=True)
    # the backends' CPU is counted in clock ticks (10 ms): its mean, not its median
    med = {name: [statistics.median(t[0] for t in found), statistics.median(t[1] for t in found),
                  statistics.mean(t[2] for t in found)] for name, found in times.items()}
    w, o = med["with"], med["without"]
    load = f"load {min(loads):.1f}–{max(loads):.1f}"
    server = db == "postgresql" and (w[2] or o[2])
    cpu_with = w[1] + (w[2] if server else 0)
    cpu_without = o[1] + (o[2] if server else 0)
    what = "this process + server backends" if server else "this process"
    rows = [Row(f"a product edit (update_product: title, themes, languages, commune) "
                f"with the statistics triggers / without them ({copies['without']['dropped']} "
                f"dropped on a copy), median of {len(times['with'])} alternating in "
                f"{rounds} rounds ({load})", db,
                f"**{w[0]:.1f} ms** wall, {cpu_with:.1f} ms CPU ({what})",
                f"{o[0]:.1f} ms wall, {cpu_without:.1f} ms CPU",
                f"**{cpu_with / cpu_without:.2f}** CPU, {w[0] / o[0]:.2f} wall", "≤ 1.2")]
    return rows, {"medians": med, "loads": loads, "dropped": copies["without"]["dropped"]}
