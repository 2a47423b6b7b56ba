"""Settings: embedded defaults -> ``<instance>/kho.toml`` -> ``KHO_*`` env -> overrides.

Every key is a field of :class:`Settings`. A key that is not a field is a start-up
error naming the key and where it came from, so a typo never silently falls back to a
default. Paths left empty are derived from ``instance_path`` (SQLite database,
``objects/``, ``index/``, ``queue.sqlite3``). Nothing here opens a connection.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from archive.errors import KhoError

ENV_PREFIX = "KHO_"
# KHO_* variables that are not settings: the command line's message language
# (``kho --lang``), and the switch that skips reading the environment in tests
NOT_SETTINGS = frozenset({"KHO_LANG", "KHO_CONFIG_SKIP"})
GIB = 1024 ** 3


class ConfigError(KhoError):
    """Invalid or unknown configuration; ``field`` names the key."""

    code = "config_error"


@dataclass(frozen=True)
class Settings:
    """All configuration of one Kho instance. Sizes in bytes, times in seconds."""

    env: str = "production"                 # production | development | testing
    instance_path: str = "instance"
    secret_key: str = ""                    # required in production
    database_url: str = ""                  # default sqlite:///<instance>/kho.sqlite3
    storage: str = "local"                  # local | s3
    storage_path: str = ""                  # default <instance>/objects
    s3_bucket: str = ""
    s3_endpoint_url: str = ""               # empty: AWS default endpoint
    s3_region: str = ""
    s3_addressing_style: str = "auto"       # auto | path | virtual
    s3_prefix: str = ""                     # optional key prefix inside the bucket
    s3_presign_seconds: int = 300           # download links: issued after the access check
    s3_multipart_threshold: int = 64 * 1024 ** 2
    index_path: str = ""                    # default <instance>/index
    index_build_processes: int = 0          # processes of a full reindex; 0: one per CPU, at most 4
    index_parallel_from: int = 5000         # products from which a reindex writes in several processes
    index_postings_cache: int = 0           # decoded postings a process keeps (~16 bytes each); 0: sized to the index
    # single: this machine's index, as always; writer: indexes and publishes each generation to
    # the object store (search/main/); reader: never indexes, follows the writer's generations
    search_role: str = "single"             # single | writer | reader
    search_sync_seconds: float = 5.0        # a reader's poll of the published generation
    search_gc_grace_seconds: int = 3600     # a replaced generation stays in the store this long
    queue_url: str = ""                     # empty: SQLite file; redis://... for Redis
    queue_path: str = ""                    # default <instance>/queue.sqlite3
    queue_workers: int = 2                  # consumer threads/processes
    job_lease_seconds: int = 30             # a processing claim lasts this long unless renewed
    spool_path: str = ""                    # default <instance>/spool
    max_upload_bytes: int = 4 * GIB
    tool_timeout: int = 3600                # per ffmpeg/tesseract call
    ocr_enabled: bool = True
    ocr_languages: str = "vie"
    near_duplicates: bool = True            # fingerprints and near-duplicate flags (ingest/likeness.py)
    broadcast_loudness_lufs: float = -23.0  # EBU R128 integrated loudness target
    broadcast_true_peak_db: float = -1.0
    broadcast_channels: int = 1             # 1 mono (loudspeakers) or 2 stereo
    proxy_max_height: int = 720
    image_max_pixels: int = 180_000_000     # decompression-bomb guard
    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    host: str = "127.0.0.1"
    port: int = 8000
    login_rate_limit: int = 10              # failed sign-ins per 15 min per address
    session_cookie_secure: bool = False     # always mark the session cookie Secure
    trusted_proxies: int = 0                # reverse proxies whose X-Forwarded-* to trust
    # addresses or networks that may read /metrics without a token (space- or
    # comma-separated, e.g. "127.0.0.1 10.0.0.0/24"); empty: an admin token only
    metrics_allow: str = ""
    report_deadline: str = "25/11"          # dd/mm, yearly report due before
    # codes of the units that consolidate the yearly contributions of the units around
    # them (app/services/contributions/chain.py); space- or comma-separated
    report_consolidators: str = ""
    # overrides only: empty = read from the unit table on the report's date
    # (app/services/reports/letterhead.py); "Chủ quản | Cơ quan" for the issuer
    report_recipient: str = ""
    report_issuer: str = ""
    target_band_min: float = 0.15           # combined ethnic/foreign/digital share, Decision 1079
    target_band_max: float = 0.20
    public_url: str = ""                    # base URL of product pages in exports; default http://host:port
    oai_repository_identifier: str = "kho.local"  # oai:<this>:<id>; a domain name you control
    oai_repository_name: str = "Kho — kho lưu trữ sản phẩm truyền thông"
    oai_admin_email: str = "admin@kho.local"
    oai_page_size: int = 100                # records per OAI-PMH list response
    fixity_interval_days: int = 90          # every original re-checked at least this often
    fixity_rate_mb_s: float = 50.0          # I/O bound of the rolling fixity audit
    replica_storage: str = ""               # "" none | local | s3: the second copy of originals
    replica_storage_path: str = ""
    replica_s3_bucket: str = ""
    replica_s3_endpoint_url: str = ""
    replica_s3_region: str = ""
    replica_s3_profile: str = ""            # its own AWS credentials profile
    log_format: str = "text"                # text | json

    # --- derived paths -------------------------------------------------
    @property
    def instance(self) -> Path:
        return Path(self.instance_path).resolve()

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.instance / 'kho.sqlite3'}"

    @property
    def objects_dir(self) -> Path:
        return Path(self.storage_path).resolve() if self.storage_path else self.instance / "objects"

    @property
    def replica_dir(self) -> Path:
        """Folder of the local replica (``replica_storage_path``; required for ``local``)."""
        return Path(self.replica_storage_path).resolve()

    @property
    def index_dir(self) -> Path:
        return Path(self.index_path).resolve() if self.index_path else self.instance / "index"

    @property
    def queue_file(self) -> Path:
        return Path(self.queue_path).resolve() if self.queue_path else self.instance / "queue.sqlite3"

    @property
    def spool_dir(self) -> Path:
        return Path(self.spool_path).resolve() if self.spool_path else self.instance / "spool"

    @property
    def testing(self) -> bool:
        return self.env == "testing"

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied and validated."""
        return _build(dataclasses.asdict(self) | changes, source="override",
                      require_secret=bool(self.secret_key))


_FIELDS = {f.name: f for f in fields(Settings)}
_CHOICES = {
    "env": {"production", "development", "testing"},
    "storage": {"local", "s3"},
    "s3_addressing_style": {"auto", "path", "virtual"},
    "default_locale": {"vi", "en"},
    "broadcast_channels": {1, 2},
    "replica_storage": {"", "local", "s3"},
    "log_format": {"text", "json"},
    "search_role": {"single", "writer", "reader"},
}


def _coerce(key: str, value: Any, source: str) -> Any:
    kind = _FIELDS[key].type
    try:
        if kind == "bool" and isinstance(value, str):
            low = value.strip().lower()
            if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(value)
            value = low in {"1", "true", "yes", "on"}
        elif kind == "bool":
            value = bool(value)
        elif kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            value = int(value)
        elif kind == "float":
            value = float(value)
        else:
            value = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"invalid {kind} value {value!r} (from {source})", field=key) from None
    allowed = _CHOICES.get(key)
    if allowed is not None and value not in allowed:
        raise ConfigError(f"must be one of {sorted(allowed)}, got {value!r} (from {source})",
                          field=key)
    if kind == "int" and value < 0:
        raise ConfigError(f"must not be negative (from {source})", field=key)
    return value


def _check_timezone(name: str) -> None:
    """Raise ConfigError unless ``name`` is an IANA time zone (``Asia/Ho_Chi_Minh``):
    "today" for broadcasts and unit validity is taken there, so a typo must stop
    start-up rather than fail the first request that needs the date."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use a name like 'Asia/Ho_Chi_Minh')",
                          field="timezone") from None


def _check_networks(value: str) -> None:
    """``metrics_allow``: addresses or networks (``10.0.0.0/24``), space/comma-separated."""
    import ipaddress

    for part in value.replace(",", " ").split():
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigError(f"not an IP address or network: {part!r}",
                              field="metrics_allow") from None


def _check_replica(settings: Settings) -> None:
    """A replica must name its own folder or bucket, not the primary's: two names for
    one place would be one copy counted twice."""
    if settings.replica_storage == "local":
        if not settings.replica_storage_path:
            raise ConfigError("required when replica_storage is 'local'",
                              field="replica_storage_path")
        if settings.storage == "local" and settings.replica_dir == settings.objects_dir:
            raise ConfigError("must be another folder than storage_path",
                              field="replica_storage_path")
    if settings.replica_storage == "s3":
        if not settings.replica_s3_bucket:
            raise ConfigError("required when replica_storage is 's3'", field="replica_s3_bucket")
        same_place = (settings.storage == "s3" and settings.replica_s3_bucket == settings.s3_bucket
                      and settings.replica_s3_endpoint_url == settings.s3_endpoint_url)
        if same_place:
            raise ConfigError("must be another bucket than s3_bucket", field="replica_s3_bucket")


def _build(values: Mapping[str, Any], source: str, require_secret: bool = True) -> Settings:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in _FIELDS:
            raise ConfigError("unknown configuration key (from %(source)s)", field=key,
                              source=source)
        clean[key] = _coerce(key, value, source)
    settings = Settings(**clean)
    if settings.storage == "s3" and not settings.s3_bucket:
        raise ConfigError("required when storage is 's3'", field="s3_bucket")
    _check_replica(settings)
    if not 1 <= settings.s3_presign_seconds <= 604800:     # what S3 accepts (7 days)
        raise ConfigError("must be 1 to 604800 seconds", field="s3_presign_seconds")
    if settings.search_sync_seconds <= 0:
        raise ConfigError("must be more than 0 seconds", field="search_sync_seconds")
    _check_timezone(settings.timezone)
    _check_networks(settings.metrics_allow)
    if require_secret and settings.env == "production" and not settings.secret_key:
        raise ConfigError("no secret key set: run 'kho init' (it writes one into "
                          "the instance file) or set KHO_SECRET_KEY", field="secret_key")
    return settings


def read_instance_file(path: Path) -> dict[str, Any]:
    """Keys of ``kho.toml`` (flat table). Raises ConfigError on bad TOML."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", field=str(path)) from None
    nested = [k for k, v in data.items() if isinstance(v, dict)]
    if nested:
        raise ConfigError(f"{path}: tables are not supported, use flat keys", field=nested[0])
    return data


def load_settings(overrides: Mapping[str, Any] | None = None, *,
                  environ: Mapping[str, str] | None = None,
                  require_secret: bool = True) -> Settings:
    """Resolve settings in order: defaults, instance file, ``KHO_*`` env, overrides.

    ``instance_path`` itself may come from ``KHO_INSTANCE_PATH`` or the overrides, and
    selects which ``kho.toml`` is read. ``require_secret=False`` lets ``kho init`` run
    before a secret exists. Raises :class:`ConfigError` naming the offending key.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    env_values: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in NOT_SETTINGS:
            env_values[name[len(ENV_PREFIX):].lower()] = value
    for key in env_values:
        if key not in _FIELDS:
            raise ConfigError("unknown configuration key (from %(source)s)",
                              field=ENV_PREFIX + key.upper(), source="environment")
    instance = overrides.get("instance_path") or env_values.get("instance_path") or "instance"
    file_values = read_instance_file(Path(instance) / "kho.toml")
    for key in file_values:
        if key not in _FIELDS:
            raise ConfigError("unknown configuration key (from %(source)s)", field=key,
                              source=str(Path(instance) / "kho.toml"))
    merged: dict[str, Any] = {}
    merged.update({k: _coerce(k, v, "kho.toml") for k, v in file_values.items()})
    merged.update({k: _coerce(k, v, "environment") for k, v in env_values.items()})
    merged.update({k: v for k, v in overrides.items()})
    merged["instance_path"] = str(instance)
    return _build(merged, source="settings", require_secret=require_secret)
