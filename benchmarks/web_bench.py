"""Web and API search under load (issue 5). From the repository root:

    .venv/bin/python benchmarks/web_bench.py [--products 20000] [--seconds 20]
    .venv/bin/python benchmarks/web_bench.py --upload-gib 2

Builds (once, cached in benchmarks/.cache/web-N/) an instance with N synthetic products
from benchmarks/corpus.py in the catalogue and the index, starts `kho serve --no-worker`
(gunicorn, 2 worker processes) on a free loopback port, and loads it from a second
process with wrk (Debian package `wrk`): 3-word unaccented queries rotated over 3,000
distinct queries against GET /api/v1/search and against the HTML search page, plus
/api/v1/healthz as the same-run reference for the server's fixed cost. Prints a
Markdown table (requests/s, p50, p95, p99) for benchmarks/README.md. With --upload-gib
it instead uploads one file of that size through HTTP and reports the worker's peak RSS.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
CACHE = ROOT / "benchmarks" / ".cache"
PASSWORD = "benchmark-password"
QUERIES = 3000

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], %(headers)s)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.timeout))
end
"""


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(instance), "KHO_QUEUE_URL": "immediate"})
    return env


def build_instance(count: int) -> tuple[Path, str]:
    """The cached instance with ``count`` products; returns (folder, API token)."""
    from corpus import CorpusGenerator
    from sqlalchemy import insert

    from app.bootstrap import build
    from app.services.access import accounts
    from archive.models import Product

    instance = CACHE / f"web-{count}"
    token_file = instance / "bench-token"
    if token_file.exists():
        return instance, token_file.read_text().strip()
    shutil.rmtree(instance, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "app", "init"], env=_env(instance), check=True,
                   capture_output=True)
    kho = build({"instance_path": str(instance), "queue_url": "immediate"})
    accounts.add_user(kho, "bench", "producer", PASSWORD)
    records = list(CorpusGenerator(seed=20231).products(count))
    with kho.transaction() as session:
        session.execute(insert(Product), [
            {"id": r.id, "title": r.title, "description": r.description, "status": "ready",
             "produced_on": r.produced_on, "tags": r.tags, "suggestions": [],
             "access_level": "public" if r.access_tokens else "closed"} for r in records])
    for start in range(0, count, 5000):
        kho.index.upsert(records[start:start + 5000])
    token = accounts.create_token(kho, "bench")
    kho.close()
    token_file.write_text(token)
    return instance, token


def session_cookie(base: str) -> str:
    """Sign in through the real form (CSRF token included) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": "bench", "password": PASSWORD}
    if csrf:
        form["csrf_token"] = csrf.group(1)
    opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=10).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run_wrk(base: str, paths: list[str], headers: dict[str, str], seconds: int,
            connections: int, workdir: Path) -> dict[str, float]:
    path_file = workdir / f"paths-{abs(hash(tuple(paths)))}.txt"
    path_file.write_text("\n".join(paths) + "\n")
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()) + "}"
    script = workdir / "load.lua"
    script.write_text(WRK_SCRIPT % {"paths": path_file, "headers": lua_headers})
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                          base], capture_output=True, text=True, check=True).stdout
    requests, micros, p50, p95, p99, errors = re.search(
        r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", out).groups()
    return {"rps": int(requests) / (int(micros) / 1e6), "p50": float(p50), "p95": float(p95),
            "p99": float(p99), "errors": int(errors)}


def wait_ready(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/healthz", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        kids += [int(k) for k in text]
    return kids


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def upload(gib: float) -> None:
    """Upload a GIB-sized file through HTTP (curl, multipart) to one gunicorn worker and
    report that worker's peak RSS next to its RSS before the upload."""
    from tests.s3server import free_port

    instance, token = build_instance(100)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(instance)
    env["KHO_MAX_UPLOAD_BYTES"] = str(int(gib * 1024 ** 3) + 1024 ** 2)
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--no-worker", "--port",
                               str(port), "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base)
        [worker] = _children(server.pid)
        before = _peak_rss_mb(worker)
        auth = ["-H", f"Authorization: Bearer {token}"]
        created = subprocess.run(["curl", "-sf", *auth, "-H", "Content-Type: application/json",
                                  "-d", '{"title": "Tệp lớn"}', base + "/api/v1/products"],
                                 capture_output=True, check=True, text=True).stdout
        pid = json.loads(created)["id"]
        with tempfile.TemporaryDirectory(dir=instance) as tmp:
            big = Path(tmp) / "lon.bin"
            with big.open("wb") as fh:
                block = os.urandom(1024 * 1024)
                for _ in range(int(gib * 1024)):
                    fh.write(block)
            t0 = time.perf_counter()
            out = subprocess.run(["curl", "-sf", *auth, "-F", f"file=@{big}",
                                  f"{base}/api/v1/products/{pid}/files"],
                                 capture_output=True, text=True)
            took = time.perf_counter() - t0
        peak = _peak_rss_mb(worker)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    ok = out.returncode == 0 and '"files"' in out.stdout
    print(f"| HTTP upload of {gib:g} GiB (multipart, curl) | worker peak RSS {peak:.0f} MB | "
          f"before upload {before:.0f} MB | {took:.1f} s | {'stored' if ok else out.stderr} |")


def main() -> None:
    parser = argparse.ArgumentParser(description="search under load")
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--upload-gib", type=float, default=0,
                        help="instead of the search load, upload a file of this size")
    args = parser.parse_args()
    if args.upload_gib:
        upload(args.upload_gib)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    from corpus import CorpusGenerator
    from tests.s3server import free_port

    instance, token = build_instance(args.products)
    # more distinct queries than the result cache holds (256), so most requests search
    queries = CorpusGenerator(seed=7).query_texts("unaccented", QUERIES)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--no-worker", "--port",
                               str(port), "--workers", "2"], env=_env(instance),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_ready(base)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            auth = {"Authorization": f"Bearer {token}"}
            api_paths = ["/api/v1/search?" + urllib.parse.urlencode({"q": q}) for q in queries]
            page_paths = ["/search?" + urllib.parse.urlencode({"q": q}) for q in queries]
            for path in api_paths[:20] + page_paths[:20]:   # warm both workers' searchers
                req = urllib.request.Request(base + path, headers=auth)
                urllib.request.urlopen(req, timeout=30).read()
            cookie = {"Cookie": session_cookie(base)}
            for name, paths, headers in (
                    ("GET /api/v1/healthz (reference)", ["/api/v1/healthz"], {}),
                    ("GET /api/v1/search", api_paths, auth),
                    ("GET /search (HTML page)", page_paths, cookie)):
                r = run_wrk(base, paths, headers, args.seconds, args.connections, work)
                rows.append((name, r))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    print(f"\n{args.products:,} products, wrk -t2 -c{args.connections} -d{args.seconds}s, "
          "gunicorn 2 workers x 4 threads, same 2-core machine\n")
    print("| endpoint | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} |")
    print(json.dumps({n: r for n, r in rows}))


if __name__ == "__main__":
    main()
