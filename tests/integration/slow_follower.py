"""A reader's sync in its own process, reading the S3 store slowly, for the kill -9 test
(tests/integration/test_search_nodes_s3.py): ``python -m tests.integration.slow_follower
<index folder> <bucket> <endpoint>``. The throttle is the test's, around the real store:
the copy, checks and switch are Kho's own (``search_index.following.sync``)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from archive.s3 import S3Storage
from search_index.following import sync

READ_BYTES = 256 * 1024      # bytes handed over per read
PAUSE = 0.05                 # seconds before each read: ~5 MB/s


class _Slow:
    def __init__(self, body) -> None:
        self.body = body

    def read(self, size: int = -1) -> bytes:
        time.sleep(PAUSE)
        return self.body.read(READ_BYTES if size is None or size < 0 else min(size, READ_BYTES))

    def close(self) -> None:
        self.body.close()


class SlowStore(S3Storage):
    def open(self, key: str):
        return _Slow(super().open(key))


def main() -> None:
    folder, bucket, endpoint = sys.argv[1:4]
    store = SlowStore(bucket, endpoint_url=endpoint, region="us-east-1",
                      addressing_style="path")
    outcome = sync(Path(folder), store)
    print(f"applied {outcome.status.generation}", flush=True)


if __name__ == "__main__":
    main()
