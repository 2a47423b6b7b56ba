"""Redis unreachable while producers write, then back: every write kept, and the
outbox's jobs reach the real Redis queue at the consumer's start-up."""
from __future__ import annotations

import io
import os

from sqlalchemy import func, select

from archive.outbox import JobOutbox
from tests.conftest import make_settings
from tests.unit.api.conftest import build_api
from tests.unit.api.test_api_faults import closed_port


def test_jobs_staged_while_redis_was_down_are_sent_when_it_is_back(tmp_path, pg_url,
                                                                   redis_url):
    import redis

    from app.bootstrap import Kho
    from app.services.instance import jobs

    redis.Redis.from_url(redis_url).flushdb()
    down = make_settings(tmp_path / "instance", database_url=pg_url,
                         queue_url=f"redis://127.0.0.1:{closed_port()}/0")
    api = next(build_api(down))
    pid = api.create()["id"]
    results = []
    for i in range(3):
        response = api.call("producer", "POST", f"/products/{pid}/files",
                            data={"file": (io.BytesIO(os.urandom(2000 + i)), f"tin-{i}.bin")},
                            content_type="multipart/form-data")
        assert response.status_code == 201
        results.append(response.get_json()["files"][0])
    assert [r["processing"] for r in results] == ["pending"] * 3
    assert api.call("producer", "PATCH", f"/products/{pid}",
                    json={"title": "Sửa khi mất Redis"}).status_code == 200
    api.kho.close()

    back = Kho(make_settings(tmp_path / "instance", database_url=pg_url, queue_url=redis_url))
    jobs.recover_unfinished(back)
    waiting = sorted(args[0] for args in back.queue.waiting_args("file.process"))
    assert waiting == sorted(r["file_id"] for r in results)
    with back.transaction() as s:
        assert s.scalar(select(func.count(JobOutbox.id))) == 0
    back.close()
