"""The OAI-PMH rows of benchmarks/province_bench.py (issue 27, part 4), on the province
corpus: pages at depth against the first and second pages, a sickle harvest, and —
with ``--oai-baseline DIR`` — the same harvest against the code of another source
tree (``git archive <commit> | tar -x -C DIR``: the code before a change) served from
the same database, alternating, so a change's effect is measured under the same load.
"""
from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]


def _row(*args, **kwargs):
    from province_bench import Row

    return Row(*args, **kwargs)


def _env(kho, root: Path = ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(kho.settings.instance), "KHO_SECRET_KEY": "bench",
                "KHO_QUEUE_URL": "immediate", "KHO_LANG": "en", "PYTHONPATH": str(root)})
    if kho.settings.database_url:
        env["KHO_DATABASE_URL"] = kho.settings.database_url
    if os.environ.get("KHO_OAI_PAGE_SIZE"):     # to try another page size
        env["KHO_OAI_PAGE_SIZE"] = os.environ["KHO_OAI_PAGE_SIZE"]
    return env


class Server:
    """``kho serve --no-worker --workers 1`` on a free port, stopped on exit; ``root``:
    the source tree it runs (another one for a baseline)."""

    def __init__(self, kho, root: Path = ROOT) -> None:
        from oai_bench import _children, _free_port

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--no-worker", "--workers", "1",
             "--port", str(self.port)], env=_env(kho, root), cwd=str(root),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/oai?verb=Identify", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit(f"kho serve ({root}) did not answer within 120 s")
                time.sleep(0.5)
        self.worker = _children(self.process.pid)[0]

    def get(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        with urllib.request.urlopen(self.url + path, timeout=600) as answer:
            body = answer.read()
        return time.perf_counter() - started, body

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def depth_token(kho, depth: int, prefix: str = "oai_dc") -> tuple[str, int]:
    """A resumption token at the keyset position of the ``depth``-th harvestable
    product in (updated_at, id) order, signed like the provider's; and the list size."""
    from datetime import datetime, timezone

    from sqlalchemy import func, select

    from app.services.access.visibility import harvestable_clause
    from app.services.common.clock import local_today
    from app.services.oai import resumption_tokens as tokens
    from app.services.records.native import as_utc
    from archive.models import Product

    today = local_today(kho.settings)
    with kho.transaction() as s:
        total = s.scalar(select(func.count()).select_from(Product)
                         .where(harvestable_clause(today)))
        stamp, pid = s.execute(select(Product.updated_at, Product.id)
                               .where(harvestable_clause(today))
                               .order_by(Product.updated_at, Product.id)
                               .offset(depth - 1).limit(1)).one()
    expires = int(datetime.now(timezone.utc).timestamp()) + 86_400
    state = tokens.ListState("ListRecords", prefix, "", None, None,
                             tokens.to_us(as_utc(stamp)), pid, depth, total, expires)
    return tokens.sign(state, kho.settings.secret_key), total


def kho_products(kho) -> int:
    from sqlalchemy import func, select

    from archive.models import Product

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Product))


def _token_of(body: bytes) -> str:
    found = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
    assert found, body[-500:]
    return found.group(1).decode()


def harvest(server: Server, records: int, token: Optional[str] = None) -> dict[str, float]:
    """Sickle harvests ``records`` records (0: to the end) from the start of the list
    or from ``token``: wall seconds, the server worker's and sickle's CPU seconds."""
    from sickle import Sickle

    from oai_bench import _cpu_seconds, _peak_rss_kib

    cpu, started, count = _cpu_seconds(server.worker), time.perf_counter(), 0
    client_cpu = time.process_time()
    found = Sickle(server.url + "/oai").ListRecords(
        **({"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}))
    for _record in found:
        count += 1
        if records and count >= records:
            break
    return {"records": count, "seconds": time.perf_counter() - started,
            "server_cpu": _cpu_seconds(server.worker) - cpu,
            "client_cpu": time.process_time() - client_cpu,
            "rss_mib": _peak_rss_kib(server.worker) / 1024}


def oai_rows(kho, db: str, repeat: int, records: int) -> tuple[list, dict]:
    """Pages at depth against the first and second pages, then a harvest of
    ``records`` from the depth page (0: the whole list from the start)."""
    _token, total = depth_token(kho, 1)
    products = kho_products(kho)
    # 900,000 of a million products (the depth), scaled with the corpus, and
    # at least a page before the end
    depth = max(1, min(int(900_000 * products / 1_000_000), total - 101))
    deep, _ = depth_token(kho, depth)
    first_path = "/oai?verb=ListRecords&metadataPrefix=oai_dc"
    out: dict[str, Any] = {"total": total, "depth": depth}
    with Server(kho) as server:
        _, body = server.get(first_path)                        # warm-up, and page 2's token
        second = f"/oai?verb=ListRecords&resumptionToken={_token_of(body)}"
        deep_path = f"/oai?verb=ListRecords&resumptionToken={deep}"
        server.get(deep_path)
        times: dict[str, list[float]] = {"first": [], "second": [], "deep": []}
        for _ in range(repeat):
            for name, path in (("first", first_path), ("second", second),
                               ("deep", deep_path)):
                seconds, body = server.get(path)
                assert b"<record>" in body, body[:400]
                times[name].append(seconds * 1000)
        out.update({k: statistics.median(v) for k, v in times.items()})
        out["harvest"] = harvest(server, records, deep if records else None)
    h = out["harvest"]
    stretch = (f"{h['records']:,} records from depth {depth:,}" if records
               else f"the whole list, {h['records']:,} records")
    rows = [
        _row(f"OAI ListRecords page at depth {depth:,} / first page (with the list count)",
             db, f"{out['deep']:.0f} ms", f"{out['first']:.0f} ms",
             f"**{out['deep'] / out['first']:.2f}**", "≤ 1.2"),
        _row(f"OAI ListRecords page at depth {depth:,} / second page (both from a token)",
             db, f"{out['deep']:.0f} ms", f"{out['second']:.0f} ms",
             f"**{out['deep'] / out['second']:.2f}**", "≤ 1.2"),
        _row(f"OAI harvest with sickle, {stretch}", db,
             f"**{h['records'] / h['seconds']:,.0f} records/s** wall; "
             f"{h['records'] / max(h['server_cpu'], 0.01):,.0f} records per CPU-s of the "
             f"server worker", f"server CPU {h['server_cpu']:.1f} s, sickle CPU "
             f"{h['client_cpu']:.1f} s, worker peak RSS {h['rss_mib']:.0f} MiB", "",
             "≥ 1,000 records/s"),
    ]
    return rows, out


def oai_compare(kho, db: str, baseline: Path, records: int, rounds: int) -> tuple[list, dict]:
    """The same harvest of ``records`` records from the start of the list (default
    page size unless ``KHO_OAI_PAGE_SIZE``) against a server of ``baseline``'s code
    and one of this tree, both over this corpus, alternating for ``rounds`` rounds:
    medians of records/s (wall) and of the server worker's CPU ms per page."""
    size = int(os.environ.get("KHO_OAI_PAGE_SIZE") or kho.settings.oai_page_size)
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    loads = []
    with Server(kho, baseline) as before, Server(kho) as after:
        for server in (before, after):                # warm-up: imports, caches
            harvest(server, 2 * size)
        for _ in range(rounds):
            for name, server in (("before", before), ("after", after)):
                runs[name].append(harvest(server, records))
                loads.append(os.getloadavg()[0])
    out: dict[str, Any] = {"runs": runs, "loads": loads, "page_size": size}
    for name, found in runs.items():
        out[name] = {
            "records_s": statistics.median(r["records"] / r["seconds"] for r in found),
            "cpu_ms_page": statistics.median(1000 * r["server_cpu"] / (r["records"] / size)
                                             for r in found),
            "client_ms_page": statistics.median(1000 * r["client_cpu"] / (r["records"] / size)
                                                for r in found),
            "rss_mib": max(r["rss_mib"] for r in found)}
    b, a = out["before"], out["after"]
    load = f"load {min(loads):.1f}–{max(loads):.1f}"
    rows = [
        _row(f"OAI harvest with sickle, {records:,} records from the start, pages of {size}, "
             f"median of {rounds} alternating ({load})", db,
             f"**{a['records_s']:,.0f} records/s**", f"before: {b['records_s']:,.0f} records/s",
             f"{a['records_s'] / b['records_s']:.2f}", "≥ 1,000 records/s"),
        _row(f"the same: server worker CPU per page of {size} ({load})", db,
             f"**{a['cpu_ms_page']:.1f} ms** ({1000 * size / a['cpu_ms_page']:,.0f} "
             f"records per CPU-s); sickle {a['client_ms_page']:.1f} ms; worker RSS "
             f"{a['rss_mib']:.0f} MiB", f"before: {b['cpu_ms_page']:.1f} ms; sickle "
             f"{b['client_ms_page']:.1f} ms; RSS {b['rss_mib']:.0f} MiB",
             f"**{a['cpu_ms_page'] / b['cpu_ms_page']:.2f}**", "lower"),
    ]
    return rows, out
