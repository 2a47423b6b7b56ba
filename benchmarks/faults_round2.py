"""Counts for the faults of issue 23 (items 5–9) on one tree of Kho, SQLite instance.

    .venv/bin/python benchmarks/faults_round2.py .                 # this tree
    git archive <commit> | tar -x -C /tmp/kho-before
    .venv/bin/python benchmarks/faults_round2.py /tmp/kho-before   # the tree before

Each figure is what a user or an attacker would see: false "fixity.repair" events after
20 parallel uploads of one file's bytes (3 rounds), the peak resident memory of one
process processing a 164 KB PNG of 169 megapixels, and the answers to a 40 MB
description, ``?year=abc``, a malformed ``If-Match``, ``/metrics`` from 127.0.0.1
without a token, the public ``healthz`` with the database at a closed port (does it
name host, port or database?) and a download of an original damaged in its only copy.
Prints one JSON object.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

UPLOADS, ROUNDS = 20, 3


def _settings(folder: Path, **extra):
    from config import load_settings

    values = {"instance_path": str(folder), "env": "testing", "queue_url": "immediate",
              "secret_key": "bench", "ocr_enabled": False, **extra}
    return load_settings(values, environ={})


def _api(folder: Path, **extra):
    from app import create_app
    from app.services.access import accounts
    from app.services.instance.setup import init_instance

    app = create_app(_settings(folder, **extra))
    kho = app.extensions["kho"]
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "vp", "office", "12345678")
    return app, kho, {r: accounts.create_token(kho, n) for r, n in
                      (("producer", "sx"), ("office", "vp"))}


def false_repairs(folder: Path) -> int:
    from sqlalchemy import func, select

    from app.services.access.accounts import actor_by_name
    from app.services.catalogue import products
    from app.services.files.intake import receive
    from archive.models import Event

    total = 0
    for n in range(ROUNDS):
        _app, kho, _tokens = _api(folder / f"race-{n}", queue_url="")
        producer = actor_by_name(kho, "sx")
        pid = products.create_product(kho, producer, {"title": "Bản tin"})
        data, barrier = b"ID3" + os.urandom(6000), threading.Barrier(UPLOADS)

        def upload(i: int) -> None:
            barrier.wait(timeout=60)
            receive(kho, producer, pid, io.BytesIO(data), f"ban-tin-{i}.mp3")

        with ThreadPoolExecutor(UPLOADS) as pool:
            list(pool.map(upload, range(UPLOADS)))
        with kho.transaction() as s:
            total += s.scalar(select(func.count()).select_from(Event)
                              .where(Event.action == "fixity.repair"))
        kho.close()
    return total


def png_peak_mb(folder: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.unit.ingest.media_factory import one_colour_png

    png = one_colour_png(folder / "big.png", 13_000, 13_000)
    work = folder / "work"
    work.mkdir()
    script = ("import json, sys; from pathlib import Path; from ingest.detect import detect; "
              "from ingest.results import ProcessingOptions; from ingest.steps import process; "
              "p = Path(sys.argv[1]); print(json.dumps({r.step: r.outcome for r in process("
              "p, detect(p, p.name), Path(sys.argv[2]), ProcessingOptions(ocr_enabled=False))}))")
    # measured from a small intermediate process: a child's peak RSS counts what it
    # inherited at fork until its exec, and this process is large by now
    measure = ("import os, subprocess, sys; c = subprocess.Popen(sys.argv[1:]); "
               "print(os.wait4(c.pid, 0)[2].ru_maxrss, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-c", script,
                           str(png), str(work)], capture_output=True)
    return {"png_bytes": png.stat().st_size, "steps": json.loads(done.stdout or b"{}"),
            "peak_mb": round(int(done.stderr.split()[-1]) / 1024, 1)}


def answers(folder: Path) -> dict:
    from app.services.preservation import fixity

    app, kho, tokens = _api(folder / "answers")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['producer']}"}
    got = {}
    big = client.post("/api/v1/products", headers=auth,
                      json={"title": "Bản tin", "description": "x" * 40_000_000})
    got["40 MB description"] = big.status_code
    got["search ?year=abc"] = client.get("/api/v1/search?year=abc", headers=auth).status_code
    pid = client.post("/api/v1/products", headers=auth, json={"title": "Tin"}).get_json()["id"]
    got["If-Match: 1"] = client.patch(f"/api/v1/products/{pid}", json={"title": "Mới"},
                                      headers={**auth, "If-Match": "1"}).status_code
    got["/metrics from 127.0.0.1, no token"] = client.get("/metrics").status_code
    sent = client.post(f"/api/v1/products/{pid}/files", headers=auth,
                       data={"file": (io.BytesIO(os.urandom(5000)), "a.bin")},
                       content_type="multipart/form-data").get_json()["files"][0]
    [target] = fixity.select_targets(kho)
    path = kho.storage.root / target.storage_key
    raw = bytearray(path.read_bytes())
    raw[10] ^= 0xFF
    path.write_bytes(bytes(raw))
    fixity.run(kho, [target])
    down = client.get(f"/api/v1/products/{pid}/files/{sent['file_id']}/original",
                      headers={"Authorization": f"Bearer {tokens['office']}"})
    got["damaged original"] = f"{down.status_code}, Repr-Digest sent: " \
                              f"{'Repr-Digest' in down.headers}"
    kho.close()
    port = 1                                     # nothing listens on port 1
    url = f"postgresql+psycopg://kho_user@127.0.0.1:{port}/kho_secret_db"
    from app import create_app

    broken = create_app(_settings(folder / "down", database_url=url))
    text = broken.test_client().get("/api/v1/healthz").get_data(as_text=True)
    got["healthz names the database"] = any(s in text for s in ("127.0.0.1", "kho_secret_db",
                                                                "kho_user"))
    broken.extensions["kho"].close()
    return got


def main() -> None:
    tree = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {"tree": str(tree), "false repair events (3 × 20 uploads)":
                  false_repairs(folder)}
        result["169-megapixel PNG"] = png_peak_mb(folder)
        result.update(answers(folder))
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
