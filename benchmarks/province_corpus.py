"""The province corpus of issue 27 (part 5): one Kho for the merged Quảng Ngãi.

At ``scale`` 1.0: 1,000,000 products over the province's 96 communes (from 1/7/2025)
and their pre-2025 predecessors, produced 2023–2028, 5,000,000 usage rows (2,500,000
broadcasts + 2,500,000 download records), 100,000 people and 1,000,000 attendances
over 2,000 trainings. ``--scale 0.1`` makes a tenth of every count.

It extends the project's seeded generators rather than repeating them:

* the units: the seed data's own (its 3 merged communes of 1/7/2025 with their 7
  predecessors, ``parent`` the province, ``successor`` links) plus 93 communes made
  the same way (2–4 predecessors each, valid to 30/06/2025, under 12 former districts),
  so the catalogue has 96 communes after the merger as the province has;
* products, terms, communes, files, publications, broadcasts and downloads:
  ``benchmarks/stats_corpus.generate`` (it reads the communes from the unit table, so
  it spreads over all of them), dated up to 31/12/2028 with record datestamps kept
  before the corpus was made (``stamps_until``);
* people and attendances: ``benchmarks/people_bench._bulk`` over every commune and the
  years 2023–2028, its summary rows built like the ledger's.

Every draw is seeded: the same scale and seed give the same rows on SQLite and
PostgreSQL. Rows go as multi-row INSERTs (COPY for people). A built corpus is kept
under ``/tmp/kho-province/<engine>-<products>/`` (PostgreSQL: database
``kho_province_<products>``) with ``corpus.json`` (counts and generation seconds) and
reused by :func:`open_corpus`; ``--rebuild`` makes it again.

    .venv/bin/python benchmarks/province_corpus.py --db sqlite [--scale 0.1] [--rebuild]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

WORK = Path("/tmp/kho-province")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
COMMUNES = 96
LAST_DAY = date(2028, 12, 31)          # the plan's last year
STAMPS_UNTIL = date(2026, 11, 30)      # record datestamps stay in the past
YEARS = (2023, 2024, 2025, 2026, 2027, 2028)
FULL = {"products": 1_000_000, "usage_rows": 5_000_000, "people": 100_000,
        "attendances": 1_000_000}
SEED = 2027


def sizes(scale: float) -> dict[str, int]:
    """The counts at ``scale`` (1.0 = the issue's province)."""
    return {name: max(1, int(count * scale)) for name, count in FULL.items()}


def add_communes(kho, communes: int = COMMUNES, seed: int = SEED) -> dict[str, int]:
    """Make the unit table hold ``communes`` communes from 1/7/2025 under the merged
    province, each with 2–4 predecessors valid until 30/06/2025 (the seed data's
    communes kept as they are). Returns how many units were added by level."""
    from sqlalchemy import insert, select

    from archive.models import Unit

    rng = random.Random(seed)
    with kho.transaction() as s:
        by_code = {u.code: u for u in s.scalars(select(Unit))}
        province = by_code["tinh-quang-ngai-2025"].id
        old_province = by_code["tinh-kon-tum"].id if "tinh-kon-tum" in by_code else None
        current = [u for u in by_code.values() if u.level == "commune" and not u.valid_to]
        missing = communes - len(current)
    added = {"district": 0, "commune": 0, "former commune": 0}
    if missing <= 0:
        return added
    districts = 12
    with kho.engine.begin() as conn:
        table = Unit.__table__
        first_district = conn.execute(insert(table).returning(table.c.id), [
            {"code": f"huyen-tinh-{n:02d}", "name": f"UBND huyện Tỉnh Lộ {n}",
             "short_name": f"Tỉnh Lộ {n}", "level": "district", "parent_id": old_province,
             "valid_to": date(2025, 6, 30)} for n in range(1, districts + 1)]).scalars().all()
        added["district"] = len(first_district)
        for n in range(1, missing + 1):
            new_id = conn.execute(insert(table).returning(table.c.id), [{
                "code": f"xa-tinh-{n:03d}-2025", "name": f"Xã Tỉnh Lộ {n}",
                "short_name": f"Tỉnh Lộ {n}", "level": "commune", "gso_code": f"9{n:04d}",
                "parent_id": province, "valid_from": date(2025, 7, 1)}]).scalar_one()
            olds = [{"code": f"xa-tinh-{n:03d}-{k}", "name": f"Xã Tỉnh Lộ {n}.{k}",
                     "short_name": f"Tỉnh Lộ {n}.{k}", "level": "commune",
                     "gso_code": f"8{n:03d}{k}", "parent_id": first_district[n % districts],
                     "valid_to": date(2025, 6, 30), "successor_id": new_id}
                    for k in range(1, rng.randint(2, 4) + 1)]
            conn.execute(insert(table), olds)
            added["commune"] += 1
            added["former commune"] += len(olds)
    return added


def generate(kho, scale: float = 1.0, seed: int = SEED) -> dict[str, Any]:
    """Fill an initialised instance with the province corpus at ``scale``; returns the
    rows per table and the seconds each part took."""
    import people_bench
    import stats_corpus
    from sqlalchemy import select

    from archive.models import Unit

    n = sizes(scale)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    counts: dict[str, Any] = {"units": add_communes(kho, seed=seed)}
    counts.update(stats_corpus.generate(kho, n["products"], n["usage_rows"], LAST_DAY,
                                        seed=seed, stamps_until=STAMPS_UNTIL))
    timings["catalogue and usage"] = time.perf_counter() - started
    with kho.transaction() as s:
        communes = list(s.scalars(select(Unit.code).where(Unit.level == "commune")
                                  .order_by(Unit.id)))
    started = time.perf_counter()
    people_bench._bulk(kho, n["people"], n["attendances"],
                       units=communes + ["so-vhttdl-quang-ngai-2025"], years=YEARS,
                       activities=max(1, min(2000, n["attendances"] // 50)))
    counts.update(people=n["people"], attendances=n["attendances"])
    timings["people and attendances"] = time.perf_counter() - started
    return {"counts": counts, "seconds": timings}


def _settings(db: str, products: int, folder: Path, reset: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"instance_path": str(folder), "queue_url": "immediate",
                              "secret_key": "bench", "ocr_enabled": False}
    if db == "postgresql":
        name = f"kho_province_{products}"
        if reset:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        values["database_url"] = PG_URL.format(name=name)
    return values


def open_corpus(db: str, scale: float = 1.0, *, rebuild: bool = False,
                work: Path = WORK) -> tuple[Any, dict[str, Any]]:
    """(Kho, description) of the province corpus on ``db`` (sqlite or postgresql),
    built on first use (minutes at scale 1) and reused afterwards."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from archive.db import upgrade
    from config import load_settings

    products = sizes(scale)["products"]
    folder = work / f"{db}-{products}"
    marker = folder / "corpus.json"
    if marker.exists() and not rebuild:
        kho = Kho(load_settings(_settings(db, products, folder, False), environ={}))
        # a corpus made before a new migration: bring its schema to the head (not
        # ``kho init``, which would rebuild the search index of a million products
        # whenever its layout changed; the corpus's index is left empty)
        upgrade(kho.engine)
        return kho, json.loads(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    kho = Kho(load_settings(_settings(db, products, folder, True), environ={}))
    init_instance(kho)
    started = time.perf_counter()
    info = generate(kho, scale)
    info.update(db=db, scale=scale, total_seconds=time.perf_counter() - started,
                instance=str(folder), database_url=kho.settings.database_url)
    marker.write_text(json.dumps(info, indent=1, default=str))
    return kho, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    kho, info = open_corpus(args.db, args.scale, rebuild=args.rebuild)
    kho.close()
    print(json.dumps(info, indent=1, default=str))


if __name__ == "__main__":
    main()
