"""The one place that builds engines, storage, index and queue from Settings.

:class:`Kho` is the runtime handed to every service. Each resource is built on first
use (so ``kho --help`` or ``kho vocab list`` never touch S3 or the index), and built
once per Kho: one SQLAlchemy engine, one boto3 client, one Whoosh index handle.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Optional

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive import db
from archive.storage import LocalStorage, Storage
from config import Settings, load_settings


class Kho:
    """Runtime resources of one instance; cheap to create, lazy to use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        return db.make_engine(self.settings.database)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return db.make_sessionmaker(self.engine)

    def transaction(self):
        """Context manager: a session committed on success, rolled back on error."""
        return db.transaction(self.sessions)

    @cached_property
    def storage(self) -> Storage:
        """The primary object store (``storage`` settings)."""
        s = self.settings
        return make_storage(s, s.storage, path=s.objects_dir, bucket=s.s3_bucket,
                            endpoint_url=s.s3_endpoint_url, region=s.s3_region)

    @cached_property
    def replica(self) -> Optional[Storage]:
        """The second copy of originals (``replica_*`` settings), or None if not set."""
        s = self.settings
        if not s.replica_storage:
            return None
        return make_storage(s, s.replica_storage, path=s.replica_dir,
                            bucket=s.replica_s3_bucket, endpoint_url=s.replica_s3_endpoint_url,
                            region=s.replica_s3_region, profile=s.replica_s3_profile)

    @cached_property
    def index(self):
        from search_index import SearchIndex

        return SearchIndex(self.settings.index_dir,
                           postings_cache_size=self.settings.index_postings_cache or None)

    @cached_property
    def queue(self):
        from app.queue import make_queue

        return make_queue(self.settings)

    def close(self) -> None:
        """Release what was opened (engine pool, index searcher)."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "index" in self.__dict__:
            self.index.close()


def make_storage(s: Settings, kind: str, *, path: Path, bucket: str, endpoint_url: str,
                 region: str, profile: str = "") -> Storage:
    """A store of ``kind`` (``local`` folder ``path`` or ``s3`` ``bucket``); the S3
    addressing style, key prefix, multipart threshold and link lifetime are shared by
    the primary store and the replica. Nothing is contacted until first use."""
    if kind == "s3":
        from archive.s3 import S3Storage

        return S3Storage(bucket, endpoint_url=endpoint_url or None, region=region or None,
                         addressing_style=s.s3_addressing_style, prefix=s.s3_prefix,
                         multipart_threshold=s.s3_multipart_threshold,
                         presign_seconds=s.s3_presign_seconds, profile=profile or None)
    return LocalStorage(path)


def build(overrides: Mapping[str, Any] | None = None, *, require_secret: bool = True,
          settings: Settings | None = None) -> Kho:
    """A Kho from explicit ``settings`` or from the usual configuration sources."""
    return Kho(settings or load_settings(overrides, require_secret=require_secret))
