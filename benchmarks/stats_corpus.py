"""A large synthetic catalogue for benchmarks/stats_bench.py, written with bulk inserts.

``generate(kho, products, usage_rows)`` fills an initialised instance (schema and seed
vocabularies) with ``products`` products from 2023 to today — languages, channels,
themes, communes (old communes before the 1/7/2025 merger, new ones after), files
(ready or failed), publications — and ``usage_rows`` broadcast plus download rows
(half each), seeded so that every run builds the same catalogue. Rows are sent as
multi-row ``INSERT`` statements in chunks of CHUNK, a few seconds per million rows.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator, Optional

from sqlalchemy import insert, select, text

from app.services.access import accounts
from archive.catalogue import product_communes, product_terms
from archive.harvests import Publication
from archive.models import Broadcast, File, Product, Term, Unit, User
from archive.usage import DownloadRecord

CHUNK = 20_000
FIRST = date(2023, 1, 1)
MERGER = date(2025, 7, 1)
PASSWORD = "benchmark-password"
RENDITIONS = ("original", "broadcast", "proxy", "preview")


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(kho, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with kho.engine.begin() as conn:
        for batch in _chunks(rows):
            conn.execute(insert(table), batch)
            count += len(batch)
    return count


class _Vocab:
    def __init__(self, kho) -> None:
        with kho.transaction() as s:
            terms = list(s.scalars(select(Term)))
            units = list(s.scalars(select(Unit)))
        by = lambda v: [t for t in terms if t.vocabulary == v]          # noqa: E731
        self.kinds, self.tasks, self.themes = by("kind"), by("plan_task"), by("theme")
        languages, channels = by("language"), by("channel")
        self.vie = next(t.id for t in languages if t.code == "vie")
        self.ethnic = [t.id for t in languages if t.ethnic_minority]
        self.foreign = [t.id for t in languages if t.foreign]
        self.channels = [t.id for t in channels]
        self.offices = [u.id for u in units if u.level.startswith("district")]
        self.old_communes = [u.id for u in units if u.level == "commune" and u.valid_to]
        self.new_communes = [u.id for u in units if u.level == "commune" and not u.valid_to]

    def communes_on(self, day: date) -> list[int]:
        return self.old_communes if day < MERGER else self.new_communes


def _products(rng: random.Random, v: _Vocab, count: int, today: date, made: dict,
              stamps_until: Optional[date] = None) -> Iterator:
    span = (today - FIRST).days
    # created_at / updated_at squeezed linearly into FIRST..stamps_until when given (a
    # corpus dated up to 2028 keeps its record datestamps in the past, still distinct
    # per day, so OAI-PMH and exports see every product)
    squeeze = ((stamps_until - FIRST).days / span) if stamps_until and span else 1.0
    for pid in range(1, count + 1):
        created = FIRST + timedelta(days=rng.randrange(span))
        produced = created - timedelta(days=rng.randrange(60)) if rng.random() < 0.85 else None
        if produced is not None and produced < FIRST:
            produced = FIRST
        made[pid] = produced or created
        stamped = FIRST + timedelta(seconds=int((created - FIRST).days * 86_400 * squeeze))
        at = datetime.combine(stamped, time(3, 0), timezone.utc)
        yield {"id": pid, "title": f"Sản phẩm truyền thông quyền con người số {pid}",
               "description": "", "kind_id": rng.choice(v.kinds).id,
               "plan_task_id": rng.choice(v.tasks).id if rng.random() < 0.8 else None,
               "lead_unit_id": rng.choice(v.offices), "produced_on": produced,
               "tags": [], "suggestions": [], "rights_note": "",
               # ~3 % closed (the same draw that made them "sensitive" before issue 26),
               # and 1 % under an embargo that opened 30 days after their creation
               # (harvested with that day as datestamp: OAI-PMH's second stream)
               "access_level": "closed" if rng.random() < 0.03 else "public",
               "embargo_until": created + timedelta(days=30) if pid % 100 == 7
               and created + timedelta(days=30) <= today else None,
               "status": "ready", "created_at": at, "updated_at": at}


def _terms(rng: random.Random, v: _Vocab, count: int) -> Iterator:
    for pid in range(1, count + 1):
        roll, chosen = rng.random(), set()
        if roll < 0.70:
            chosen.add(v.vie)
        elif roll < 0.85:
            chosen.update({v.vie, rng.choice(v.ethnic)})
        elif roll < 0.93:
            chosen.add(rng.choice(v.ethnic))
        elif roll < 0.97:
            chosen.add(rng.choice(v.foreign))
        if rng.random() > 0.05:
            chosen.update(rng.sample(v.channels, rng.choice((1, 1, 2))))
        chosen.add(rng.choice(v.themes).id)
        for term_id in chosen:
            yield {"product_id": pid, "term_id": term_id}


def _communes(rng: random.Random, v: _Vocab, made: dict) -> Iterator:
    for pid, day in made.items():
        if rng.random() < 0.8:
            yield {"product_id": pid, "unit_id": rng.choice(v.communes_on(day))}


def _files(rng: random.Random, made: dict, files: dict) -> Iterator:
    fid = 0
    for pid in made:
        if rng.random() < 0.75:
            fid += 1
            files[fid] = pid
            sha = f"{rng.getrandbits(256):064x}"
            yield {"id": fid, "product_id": pid, "sha256": sha, "size": 1000 + fid,
                   "media_type": "audio/mpeg", "category": "audio",
                   "original_filename": f"tep-{fid}.mp3",
                   "storage_key": f"originals/{sha[:2]}/{sha[2:4]}/{sha}", "technical": {},
                   "status": "ready" if rng.random() < 0.95 else "failed"}


def _broadcasts(rng: random.Random, v: _Vocab, made: dict, count: int, today: date) -> Iterator:
    seen: set[tuple[int, int, date]] = set()
    products = list(made)
    while len(seen) < count:
        pid = rng.choice(products)
        first = made[pid]
        day = first + timedelta(days=rng.randrange(max(1, (today - first).days + 1)))
        key = (pid, rng.choice(v.communes_on(day)), day)
        if key not in seen:
            seen.add(key)
            yield {"product_id": pid, "commune_id": key[1], "aired_on": day, "note": ""}


def _downloads(rng: random.Random, users: list[tuple[int, int]], files: dict, count: int,
               today: date) -> Iterator:
    seen: set[tuple[int, int, str, date]] = set()
    span, file_ids = (today - FIRST).days + 1, list(files)
    while len(seen) < count:
        user_id, commune_id = rng.choice(users)
        key = (user_id, rng.choice(file_ids), rng.choice(RENDITIONS),
               FIRST + timedelta(days=rng.randrange(span)))
        if key not in seen:
            seen.add(key)
            at = datetime.combine(key[3], time(2, 0), timezone.utc)
            yield {"user_id": user_id, "commune_id": commune_id, "product_id": files[key[1]],
                   "file_id": key[1], "rendition": key[2], "day": key[3],
                   "count": rng.randint(1, 6), "first_at": at, "last_at": at}


def generate(kho, products: int, usage_rows: int, today: date, seed: int = 1079,
             stamps_until: Optional[date] = None) -> dict:
    """Fill the instance; returns how many rows each table received. Products are
    made from 2023 to ``today`` (the last day of the corpus, may be in the future);
    ``stamps_until`` keeps their created/updated times before that day."""
    rng, v = random.Random(seed), _Vocab(kho)
    accounts.add_user(kho, "vanphong", "office", PASSWORD)
    for n, commune in enumerate(v.new_communes * 20):
        with kho.transaction() as s:
            s.add(User(username=f"daixa{n}", role="commune", unit_id=commune))
    with kho.transaction() as s:
        users = [(u.id, u.commune_id) for u in s.scalars(select(User).where(
            User.role == "commune"))]
    made: dict[int, date] = {}
    files: dict[int, int] = {}
    counts = {"products": _bulk(kho, Product.__table__, _products(rng, v, products, today,
                                                                  made, stamps_until))}
    counts["product_terms"] = _bulk(kho, product_terms, _terms(rng, v, products))
    counts["product_communes"] = _bulk(kho, product_communes, _communes(rng, v, made))
    counts["files"] = _bulk(kho, File.__table__, _files(rng, made, files))
    counts["publications"] = _bulk(kho, Publication.__table__, (
        {"product_id": pid, "version_at": datetime(2030, 1, 1, tzinfo=timezone.utc),
         "via": "oai"} for pid in made if rng.random() < 0.1))
    counts["broadcasts"] = _bulk(kho, Broadcast.__table__,
                                 _broadcasts(rng, v, made, usage_rows // 2, today))
    counts["download_records"] = _bulk(kho, DownloadRecord.__table__,
                                       _downloads(rng, users, files, usage_rows // 2, today))
    if kho.engine.dialect.name == "postgresql":
        with kho.engine.begin() as conn:
            for table in ("products", "files", "broadcasts", "download_records"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))          # what autovacuum would do after a load
        # The triggers counted every airing and download into ~19,000 usage cells (at
        # 5,000,000 rows), one UPDATE each within the hour: 5 million dead row versions,
        # 254 MB for 19,338 rows, that every read of the cells scanned (75 ms). A
        # deployment writes them over years with autovacuum reclaiming them as they
        # come; the table is compacted to what it would hold then.
        with kho.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM FULL ANALYZE stats_usage_cells"))
    return counts
