"""Use cases that set up and check an instance: ``kho init`` and health checks."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from app.bootstrap import Kho
from app.services.instance import consumer
from app.services.preservation import status
from app.services.stats import summary
from app.services.search import indexing, sync
from archive import db
from archive.errors import KhoError
from archive.seed import seed_vocabularies
from config import Settings
from config.settings import read_instance_file

log = logging.getLogger("kho.setup")


@dataclass
class InitReport:
    database: str
    storage: str
    index: str
    seeded: dict[str, int] = field(default_factory=dict)
    secret_created: bool = False
    reindexed: int | None = None  # products, when an index from another version was rebuilt


def ensure_secret(settings: Settings) -> bool:
    """Write a random ``secret_key`` into ``<instance>/kho.toml`` if none is configured.

    Returns True when a secret was written. The file is created with mode 0600.
    """
    if settings.secret_key:
        return False
    path = settings.instance / "kho.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_instance_file(path).get("secret_key"):
        return False
    line = f'secret_key = "{secrets.token_hex(32)}"\n'
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(existing + line, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return True


def _storage_description(kho: Kho) -> str:
    s = kho.settings
    if s.storage == "s3":
        return f"s3://{s.s3_bucket} ({s.s3_endpoint_url or 'AWS'})"
    return str(s.objects_dir)


def init_instance(kho: Kho) -> InitReport:
    """Idempotently prepare an instance: schema, storage, index folder, vocabularies,
    the statistics' summary cells.

    Order matters: the database and the storage are checked first, so a wrong URL or a
    missing bucket stops ``kho init`` before any table is created. Raises
    ServiceUnavailable or StorageError naming what failed.
    """
    s = kho.settings
    db.check(kho.engine)           # both engines answer before anything is written
    kho.storage.ensure()
    kho.storage.check()
    if kho.replica is not None:    # the second copy must be usable from the start
        kho.replica.ensure()
    s.instance.mkdir(parents=True, exist_ok=True)
    s.spool_dir.mkdir(parents=True, exist_ok=True)
    db.upgrade(kho.engine)
    kho.index.ensure()
    with kho.transaction() as session:
        seeded = seed_vocabularies(session)
    # An upgrade that changed the index layout: the old index refuses searches,
    # so rebuild it now (about 10 ms per product) rather than on the first search.
    # A search reader copies the writer's index instead (best effort: its follower
    # polls again), and a writer publishes what it has.
    reindexed = None
    if sync.role(kho) == sync.READER:
        _first_sync(kho)
    elif not kho.index.is_current():
        reindexed = indexing.reindex_all(kho)
    sync.after_write(kho)
    # the statistics' summary cells: counted now after an upgrade that marked every
    # product (migration 0024) or changed a vocabulary, not by the first dashboard request
    summary.fold(kho)
    return InitReport(database=db.describe(kho.engine), storage=_storage_description(kho),
                      index=str(s.index_dir), seeded=seeded, reindexed=reindexed)


def _first_sync(kho: Kho) -> None:
    try:
        sync.follow_once(kho)
    except KhoError as exc:
        log.warning("search index not copied from the writer yet: %s", exc)


def require_current_schema(kho: Kho) -> None:
    """Raise ServiceUnavailable if the database is unreachable or needs ``kho init``."""
    db.check(kho.engine)
    db.require_current(kho.engine)


def health(kho: Kho) -> dict[str, str]:
    """Component -> "ok" or a one-line error, for ``/healthz`` and ``kho check``; the
    ``fixity`` and ``replica`` lines say "degraded: …" when a copy of an original is
    faulty or the replica lags (see ``app.services.preservation.status.overall``), and
    the ``consumer`` line (under ``kho serve``) when its job consumer is down or was
    just restarted (``app.services.instance.consumer``)."""
    results: dict[str, str] = {}
    checks = {"database": lambda: require_current_schema(kho), "storage": kho.storage.check,
              "index": lambda: kho.index.doc_count(), "queue": lambda: kho.queue.check()}
    for name, probe in checks.items():
        try:
            probe()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - every failure becomes a status line
            results[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    search = sync.health_line(kho)               # only on a search writer or reader
    if search is not None:
        results["search"] = search
    supervised = consumer.check(kho.settings)   # only under kho serve's own consumer
    if supervised is not None:
        results["consumer"] = supervised
    if results["database"] == "ok":     # fixity and replica lag are read from it

        results.update(status.checks(kho))
    return results


UNAVAILABLE = "unavailable: not answering (the operator sees why in kho check and the log)"


def public_health(kho: Kho) -> tuple[dict[str, str], dict[str, str]]:
    """(what anyone may read, the full lines) for the public ``/healthz``: a component
    that does not answer reads UNAVAILABLE there — its error names hosts, ports,
    database names, folders or buckets, which are the operator's to know (``kho
    check`` and the server log show them). "ok" and "degraded: …" lines (counts and
    times) are kept."""
    full = health(kho)
    shown = {name: line if line == "ok" or line.startswith("degraded") else UNAVAILABLE
             for name, line in full.items()}
    return shown, full

