"""Catalogue backup and restore: ``kho backup --out DIR`` and ``kho restore DIR``.

A backup folder holds a consistent snapshot of the catalogue taken while Kho runs —
SQLite's online backup API (``catalogue.sqlite3``) or ``pg_dump`` in its custom format
(``catalogue.pgdump``) — the effective settings without secrets (``settings.toml``: the
secret key is left out, a database password shown as ``***``) and ``manifest.json``
with the SHA-256 and size of each file. It is written under ``DIR.partial`` and renamed
to ``DIR`` when complete, so a folder named DIR is always a whole backup.

Originals are not in the backup: they stay in storage, and their replica is their
backup. The search index is derived data: after a restore, ``kho reindex`` rebuilds it.

:func:`restore` checks every checksum first, then loads the catalogue into an *empty*
database only (no tables: a catalogue is never overwritten); PostgreSQL restores in
one transaction (``pg_restore --single-transaction``), SQLite by an atomic rename.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Optional

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from app.bootstrap import Kho
from archive.base import utcnow
from archive.errors import Conflict, NotFound, ServiceUnavailable, ValidationError
from archive.models import File, Product
from config import Settings

FORMAT = "kho-backup/1"
MANIFEST = "manifest.json"
SETTINGS = "settings.toml"
SQLITE_FILE = "catalogue.sqlite3"
PG_FILE = "catalogue.pgdump"
SECRET_KEYS = ("secret_key",)
TOOL_TIMEOUT = 6 * 3600      # seconds allowed for pg_dump / pg_restore


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    database: str              # "sqlite" | "postgresql"
    products: int
    files: int
    bytes: int                 # size of the backup folder's files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dialect(kho: Kho) -> str:
    name = kho.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise ValidationError("backups support SQLite and PostgreSQL, not %(name)s",
                              field="database_url", name=name)
    return name


def backup(kho: Kho, out: Path) -> BackupReport:
    """Write a backup folder ``out`` (which must not exist yet, or be empty).

    Raises Conflict when ``out`` holds files, ServiceUnavailable when the database or
    ``pg_dump`` fails (with the tool's message).
    """
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Conflict("%(path)s already exists and is not empty: choose a new folder",
                       field="out", path=str(out))
    dialect = _dialect(kho)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with kho.transaction() as session:
        products = session.scalar(select(func.count()).select_from(Product)) or 0
        files = session.scalar(select(func.count()).select_from(File)) or 0
    if dialect == "sqlite":
        _sqlite_snapshot(kho, partial / SQLITE_FILE)
    else:
        _pg_dump(kho, partial / PG_FILE)
    (partial / SETTINGS).write_text(settings_without_secrets(kho.settings), encoding="utf-8")
    _write_manifest(kho, partial, dialect, products, files)
    if out.exists():
        out.rmdir()
    partial.rename(out)
    size = sum(p.stat().st_size for p in out.iterdir())
    return BackupReport(out, dialect, products, files, size)


def _sqlite_snapshot(kho: Kho, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections write."""
    raw = kho.engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()


def _libpq(kho: Kho) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment,
    never on a command line other users can read."""
    url = kho.engine.url
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _require_tool(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ServiceUnavailable("%(tool)s is not installed (Debian: apt-get install "
                                 "postgresql-client)", field="database_url", tool=tool)


def _run_tool(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    _require_tool(tool)
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ServiceUnavailable("%(tool)s did not finish in %(seconds)s seconds",
                                 field="database_url", tool=tool, seconds=TOOL_TIMEOUT) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ServiceUnavailable("%(tool)s failed: %(reason)s", field="database_url",
                                 tool=tool, reason=" ".join(tail))


def tool_major(tool: str) -> int:
    """Major version of ``pg_dump``/``pg_restore`` (``pg_dump (PostgreSQL) 15.20`` -> 15)."""
    _require_tool(tool)
    text = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", text)
    return int(match.group(1)) if match else 0


def _pg_dump(kho: Kho, target: Path) -> None:
    """pg_dump's custom format; refuses a pg_dump older than the server (it would fail
    or miss what it does not know)."""
    with kho.engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    client = tool_major("pg_dump")
    if client < server:
        raise ServiceUnavailable("pg_dump %(client)s is older than the PostgreSQL %(server)s "
                                 "server: install postgresql-client-%(server)s",
                                 field="database_url", client=client, server=server)
    args, env = _libpq(kho)
    _run_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
               f"--file={target}", *args], env)


def settings_without_secrets(settings: Settings) -> str:
    """The settings that differ from the defaults, as ``kho.toml`` lines, without the
    secret key and with a database password written ``***``."""
    defaults = Settings()
    lines = [f"# Kho settings at backup time ({utcnow():%Y-%m-%d %H:%M} UTC), without secrets"]
    for item in dataclasses.fields(Settings):
        value = getattr(settings, item.name)
        if item.name in SECRET_KEYS or item.name == "instance_path":
            continue
        if value == getattr(defaults, item.name):
            continue
        if item.name == "database_url" and value:
            value = make_url(value).render_as_string(hide_password=True)
        lines.append(f"{item.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _schema_revision(kho: Kho) -> Optional[str]:
    # alembic takes ~0.3 s to import: only a backup or restore pays for it
    from alembic.runtime.migration import MigrationContext

    with kho.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _write_manifest(kho: Kho, folder: Path, dialect: str, products: int, files: int) -> None:
    entries = {p.name: {"sha256": _sha256(p), "size": p.stat().st_size}
               for p in sorted(folder.iterdir()) if p.name != MANIFEST}
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(),
                "kho_version": version("kho"), "schema_revision": _schema_revision(kho),
                "database": dialect, "products": products, "files": files,
                "contents": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


# --- restore ------------------------------------------------------------------------

@dataclass(frozen=True)
class RestoreReport:
    database: str
    products: int
    files: int
    schema_revision: Optional[str]


def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder after checking every file's size and SHA-256.

    Raises NotFound (no folder or manifest) or ValidationError naming the damaged file.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise NotFound("%(path)s is not a Kho backup (no manifest.json)", field="backup",
                       path=str(folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("%(path)s is not readable JSON", field=MANIFEST,
                              path=str(path)) from None
    if manifest.get("format") != FORMAT:
        raise ValidationError("unknown backup format %(format)s", field=MANIFEST,
                              format=str(manifest.get("format")))
    for name, entry in manifest.get("contents", {}).items():
        member = folder / name
        if not member.is_file():
            raise ValidationError("%(file)s is missing from the backup", field=name, file=name)
        if member.stat().st_size != entry["size"] or _sha256(member) != entry["sha256"]:
            raise ValidationError("%(file)s does not match its checksum in the manifest: the "
                                  "backup is damaged", field=name, file=name)
    return manifest


def restore(kho: Kho, folder: Path) -> RestoreReport:
    """Load the catalogue of backup ``folder`` into this instance's empty database.

    Raises what :func:`read_manifest` raises, Conflict when the database is not empty
    or is of the other kind than the backup, ServiceUnavailable when pg_restore fails.
    """
    folder = Path(folder).resolve()
    manifest = read_manifest(folder)
    dialect = _dialect(kho)
    if manifest["database"] != dialect:
        raise Conflict("this backup holds a %(backup)s catalogue, the instance uses "
                       "%(instance)s", field="database_url", backup=manifest["database"],
                       instance=dialect)
    tables = inspect(kho.engine).get_table_names()
    if tables:
        raise Conflict("the database %(where)s is not empty (%(count)s tables): restore into a "
                       "new, empty database; a catalogue is never overwritten",
                       field="database_url", where=kho.engine.url.render_as_string(
                           hide_password=True), count=len(tables))
    if dialect == "sqlite":
        _sqlite_restore(kho, folder / SQLITE_FILE)
    else:
        args, env = _libpq(kho)
        _run_tool(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                   "--exit-on-error", *args, str(folder / PG_FILE)], env)
    with kho.transaction() as session:
        products = session.scalar(select(func.count()).select_from(Product)) or 0
        files = session.scalar(select(func.count()).select_from(File)) or 0
    return RestoreReport(dialect, products, files, _schema_revision(kho))


def _sqlite_restore(kho: Kho, source: Path) -> None:
    """Put the snapshot in place of the (empty) database file with one rename."""
    target = Path(kho.engine.url.database).resolve()
    kho.engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, temp)
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.replace(temp, target)
