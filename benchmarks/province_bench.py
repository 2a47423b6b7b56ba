"""Issue 27's figures in one run, on the province corpus (benchmarks/province_corpus.py).

    .venv/bin/python benchmarks/province_bench.py --db sqlite postgresql [--scale 1]
        [--parts oai export report edit] [--harvest 50000] [--repeat 5] [--rounds 3]
        [--oai-baseline DIR [--compare-records 20000]]

For each database the corpus is built once (or reused from /tmp/kho-province) and each
figure is measured against its baseline in the same run; a Markdown table with every
row of the issue's table is printed at the end, with the load average. Rows owned
elsewhere are hooks, marked ``hook``:

* statistics rows (dashboard and API p95, first request after an edit / a broadcast
  log / a download, 8 simultaneous requests, served = recount = baseline): measured
  by benchmarks/summary_bench.py's ``measure`` on this corpus (the summary rows
  against healthz, a served request and the rows-into-Python baseline); then the row
  "the same with the default kho serve / --no-worker" over real HTTP (:func:`serve_rows`:
  ``kho serve`` with its job consumer, measured while the rolling fixity audit writes
  its events, against ``kho serve --no-worker`` before and after it);
* search rows (p95/p50 Kho / FTS5, reindex CPU per record): measured by
  benchmarks/search_bench.py and reindex_bench.py on their own corpora; fill
  :data:`SEARCH_HOOK` the same way to have them in this table.

Owned here (issue 27, part 4):

* ``oai``: ``kho serve --no-worker --workers 1`` over the corpus; the first
  ``ListRecords`` page (it also counts the list), the second page (a token at depth
  100) and a page at depth 900,000 (scaled with the corpus: a token signed with the
  instance's key holding the keyset position of that record), each ``--repeat`` times
  alternating,
  medians; then a harvest of ``--harvest`` records with sickle from that depth (0 =
  the whole list), records/s and the worker's CPU and peak RSS. With
  ``--oai-baseline DIR`` (a source tree of the code before a change: ``git archive
  <commit> | tar -x -C DIR``) first ``--compare-records`` records harvested from the
  start against a server of that code and one of this tree, alternating for
  ``--rounds`` rounds: records/s and the worker's CPU per page, before and after
  (benchmarks/province_oai.py).
* ``report``: the consolidated XLSX yearly report of the year produced with the most
  products, in a fresh process, against openpyxl write-only writing the same cells,
  alternating ``--rounds`` times; CPU and wall seconds, peak RSS of each process
  (benchmarks/report_bench.py ``province_rows``).
* ``edit``: a product edit through the service layer with the statistics triggers
  and without them (dropped on a copy of the database), alternating, CPU and wall
  (benchmarks/province_edit.py).
* ``export``: ``kho export --format jsonl`` of the whole public catalogue in a fresh
  process, its resident memory and the bytes written sampled every 0.5 s (peak, and
  the memory once a tenth of the file is written against the peak after that: flat
  memory means a ratio of about 1), against a
  baseline in the same run: the same products' rows SELECTed in keyset order and
  dumped with ``json.dumps`` (benchmarks/export_bench.py).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


@dataclass
class Row:
    """One line of the figures table: a figure on one database, its baseline, the ratio
    and the issue's target."""

    figure: str
    db: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    load: str = ""


SEARCH_HOOK: Optional[Callable[[Any, dict, str], list[Row]]] = None
STATS_FIGURES = (
    ("dashboard and /api/v1/stats p95, unfiltered and filtered / healthz p95", "≤ 10×"),
    ("first request after a product edit, a broadcast log, a download / a served request",
     "≤ 2×"),
    ("the same with the default kho serve (consumer and audit running) / --no-worker",
     "≤ 2×"),
    ("each of 8 simultaneous requests right after an edit / a served request", "≤ 2×"),
    ("served figures = full recount = rows-into-Python baseline", "100 %"))
# the report and edit rows are measured here: parts ``report`` and ``edit``
SEARCH_FIGURES = (
    ("search p95 and p50, every type, Kho / FTS5, two corpora", "≤ 1.0"),
    ("full reindex CPU per record, Kho / FTS5; at 1 M / at 100k", "≤ 12×; ≤ 1.1"))


def _hooked(hook, figures, who: str, kho, corpus: dict, url: str, db: str) -> list[Row]:
    if hook is not None:
        return hook(kho, corpus, url)
    return [Row(name, db, f"hook: {who}", target=target) for name, target in figures]


# --- JSONL export ---------------------------------------------------------------------

def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.iterdir():
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _sampled_run(args: list[str], env: dict[str, str], folder: Path,
                 every: float = 0.5) -> dict:
    """Run a child writing into ``folder``; its wall seconds and (seconds, VmRSS KiB,
    bytes in ``folder``) sampled every ``every`` s."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    samples: list[tuple[float, int, int]] = []
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            rss = next(int(line.split()[1]) for line in status.read_text().splitlines()
                       if line.startswith("VmRSS:"))
            samples.append((time.perf_counter() - started, rss, _folder_bytes(folder)))
        except (OSError, ValueError, StopIteration):
            pass
        time.sleep(every)
    code = process.returncode          # poll() reaped it: its CPU is in os.times()
    seconds = time.perf_counter() - started
    err = process.stderr.read().decode()[-2000:]
    process.stderr.close()
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return {"seconds": seconds, "samples": samples}


def export_rows(kho, db: str, work: Path) -> tuple[list[Row], dict]:
    """The JSONL export of the whole public catalogue against its baseline; memory
    sampled against the bytes written, so start-up (imports) is told from growth: the
    resident memory once a tenth of the file is written vs the peak after it."""
    import shutil

    from export_bench import _baseline_dump

    folder = work / f"export-{db}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = folder / "province.jsonl"
    cpu = time.process_time()
    baseline_s = _baseline_dump(kho, work / f"baseline-{db}.jsonl")
    baseline_cpu = time.process_time() - cpu
    (work / f"baseline-{db}.jsonl").unlink()
    before = os.times()
    from province_oai import _env

    run = _sampled_run([sys.executable, "-m", "app", "export", "--format", "jsonl",
                        "--out", str(out)], _env(kho), folder)
    after = os.times()
    child_cpu = (after.children_user - before.children_user
                 + after.children_system - before.children_system)
    with open(out, "rb") as handle:
        records = sum(1 for _ in handle)
    size = out.stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    samples = run["samples"] or [(0.0, 0, 0)]
    writing = [(rss, written) for _t, rss, written in samples if written > 0]
    at_tenth = next((rss for rss, written in writing if written >= size / 10),
                    samples[-1][1])
    after_tenth = max([rss for rss, written in writing if written >= size / 10] or [0])
    peak = max(rss for _t, rss, _w in samples)
    result = {"records": records, "seconds": run["seconds"], "cpu": child_cpu,
              "baseline_s": baseline_s, "baseline_cpu": baseline_cpu, "bytes": size,
              "peak_mib": peak / 1024, "at_tenth_mib": at_tenth / 1024,
              "after_tenth_mib": after_tenth / 1024, "samples": len(samples),
              "curve_mib": [(round(t), round(r / 1024), round(w / size, 2))
                            for t, r, w in samples[::max(1, len(samples) // 20)]]}
    rows = [
        Row(f"`kho export --format jsonl`, {records:,} public records", db,
            f"{run['seconds']:.0f} s = **{records / run['seconds']:,.0f} records/s** "
            f"({child_cpu:.0f} CPU s = {records / max(child_cpu, 0.01):,.0f} records/CPU-s)",
            f"SELECT + json.dumps {baseline_s:.0f} s ({baseline_cpu:.0f} CPU s)",
            f"{run['seconds'] / baseline_s:.2f}", ""),
        Row("export memory: peak RSS; RSS once 10 % of the file was written → peak after "
            f"({len(samples)} samples, 0.5 s apart)", db,
            f"**{peak / 1024:.0f} MiB**; {at_tenth / 1024:.0f} → {after_tenth / 1024:.0f} MiB",
            "", f"**{after_tenth / max(at_tenth, 1):.2f}**", "flat (≈ 1.0)"),
    ]
    return rows, result


# --- kho serve with its consumer against --no-worker ---------------------------------

def _span(a: float, b: float) -> str:
    low, high = sorted((a, b))
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}"


class _Serve:
    """``kho serve`` as an operator starts it (2 web workers × 4 threads, the default
    queue: huey's SQLite file in the instance), with its job consumer (``worker``) or
    ``--no-worker``; an API token and a signed-in office session over real HTTP."""

    def __init__(self, kho, worker: bool) -> None:
        import urllib.error
        import urllib.request

        from oai_bench import _free_port
        from province_oai import _env

        env = _env(kho)
        env.pop("KHO_QUEUE_URL")                   # the default queue, not "immediate"
        self.url = f"http://127.0.0.1:{_free_port()}"
        # the servers' and the consumer's log lines (requests, audit), kept to read
        self.log = Path("/tmp") / f"kho-serve-{os.getpid()}.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", self.url.rsplit(":", 1)[1]]
                + ([] if worker else ["--no-worker"]), env=env, cwd=str(ROOT),
                stdout=subprocess.DEVNULL, stderr=log)
        self.instance = kho.settings.instance
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/v1/healthz", timeout=60)
                break
            except urllib.error.HTTPError:           # 503: answering, something degraded
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit("kho serve did not answer within 180 s")
                time.sleep(0.5)
        try:
            self._sign_in(kho)
        except BaseException:
            self.stop()
            raise

    def _sign_in(self, kho) -> None:
        import http.cookiejar
        import urllib.error
        import urllib.parse
        import urllib.request

        from app.services.access import accounts
        from stats_corpus import PASSWORD

        self.token = accounts.create_token(kho, "vanphong", "bench-serve")
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        html = self.browser.open(self.url + "/login", timeout=600).read().decode()
        csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        try:        # signed in: the session cookie comes with the redirect, whose
            self.browser.open(self.url + "/login", data=urllib.parse.urlencode(  # page
                {"username": "vanphong", "password": PASSWORD, "csrf_token": csrf}
            ).encode(), timeout=600).read()    # (search) may answer 503 on a corpus
        except urllib.error.HTTPError:         # without a current index
            pass

    def api(self) -> float:
        import urllib.request

        request = urllib.request.Request(self.url + "/api/v1/stats",
                                         headers={"Authorization": f"Bearer {self.token}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as answer:
            answer.read()
            assert answer.status == 200
        return (time.perf_counter() - started) * 1000

    def dashboard(self) -> float:
        started = time.perf_counter()
        with self.browser.open(self.url + "/dashboard", timeout=600) as answer:
            body = answer.read()
            assert answer.status == 200 and "/login" not in answer.url, body[:200]
        return (time.perf_counter() - started) * 1000

    def consumer_pid(self) -> Optional[int]:
        import json

        try:
            return json.loads((self.instance / "consumer.json").read_text()).get("pid")
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        import signal

        consumer = self.consumer_pid()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if consumer and Path(f"/proc/{consumer}").exists():   # left behind: ours, end it
            os.kill(consumer, signal.SIGKILL)


def _fixity_events(kho) -> int:
    from sqlalchemy import func, select

    from archive.models import Event

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event)
                        .where(Event.action == "fixity.check"))


def serve_rows(kho, db: str, repeat: int, audit_wait: float = 330) -> tuple[list[Row], dict]:
    """The issue's row "the same with the default ``kho serve`` (consumer and audit
    running) / ``--no-worker``": the first ``/api/v1/stats`` and ``/dashboard`` after a
    product edit (``repeat`` edits each, a second apart, as the issue's six requests),
    and a served request a second later, on ``kho serve`` with its consumer — measured
    once the rolling fixity audit is writing its events (it ticks every 5 minutes: up
    to ``audit_wait`` s of waiting) — against ``kho serve --no-worker``, measured before
    and after it (the two runs' requests pooled); medians."""
    import statistics

    from summary_bench import _changes

    edit = _changes(kho)["a product edit"]

    def run(worker: bool) -> dict:
        server = _Serve(kho, worker)
        try:
            out: dict[str, Any] = {"worker": worker}
            for _ in range(2):
                server.api(), server.dashboard()
            if worker:
                before, waited = _fixity_events(kho), time.monotonic()
                while _fixity_events(kho) == before and time.monotonic() - waited < audit_wait:
                    time.sleep(5)
                out["waited_s"] = round(time.monotonic() - waited)
                out["audit_events_before"] = _fixity_events(kho) - before
                cpu0 = _proc_cpu(server.consumer_pid())
            load0 = os.getloadavg()[0]
            times: dict[str, list[float]] = {k: [] for k in
                                             ("api_edit", "api_served", "dash_edit",
                                              "dash_served")}
            events0 = _fixity_events(kho)
            for _ in range(repeat):
                edit()
                times["api_edit"].append(server.api())
                time.sleep(1)
                times["api_served"].append(server.api())
                edit()
                times["dash_edit"].append(server.dashboard())
                time.sleep(1)
                times["dash_served"].append(server.dashboard())
            out["audit_events_during"] = _fixity_events(kho) - events0
            if worker:
                out["consumer_cpu_s"] = round(_proc_cpu(server.consumer_pid()) - cpu0, 1)
            out["load"] = (load0, os.getloadavg()[0])
            out["times"] = times
            return out
        finally:
            server.stop()

    runs = [run(False), run(True), run(False)]
    worker, plain = runs[1], runs[0::2]

    def med(found: list[dict], key: str) -> float:
        return statistics.median([t for r in found for t in r["times"][key]])

    loads = [x for r in runs for x in r["load"]]
    load = _span(min(loads), max(loads))
    rows = []
    for label, key in (("/api/v1/stats", "api"), ("/dashboard", "dash")):
        w_edit, p_edit = med([worker], f"{key}_edit"), med(plain, f"{key}_edit")
        w_served, p_served = med([worker], f"{key}_served"), med(plain, f"{key}_served")
        rows.append(Row(
            f"first {label} after a product edit, `kho serve` with its consumer (audit "
            f"writing {worker['audit_events_during']:,} fixity events meanwhile) / "
            f"`--no-worker`, median of {repeat} / {2 * repeat}", db,
            f"{w_edit:,.1f} ms", f"{p_edit:,.1f} ms", f"**{w_edit / p_edit:.2f}**", "≤ 2×",
            load))
        rows.append(Row(f"the same, a served {label} a second later", db,
                        f"{w_served:,.1f} ms", f"{p_served:,.1f} ms",
                        f"{w_served / p_served:.2f}", "", load))
    detail = {"runs": [{k: v for k, v in r.items() if k != "times"} for r in runs],
              "times": [r["times"] for r in runs]}
    return rows, detail


def _proc_cpu(pid: Optional[int]) -> float:
    """utime + stime of ``pid`` and its reaped children, seconds (0 if gone)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


# --- the table ------------------------------------------------------------------------

def table(rows: list[Row]) -> str:
    lines = ["| figure | db | Kho | baseline (same run) | ratio | target | load |",
             "|---|---|---|---|---:|---|---|"]
    lines += [f"| {r.figure} | {r.db} | {r.value} | {r.baseline} | {r.ratio} | {r.target} "
              f"| {r.load} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    import province_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=("sqlite", "postgresql"))
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0],
                        help="one per --db, or one for all")
    parser.add_argument("--parts", nargs="+", default=["stats", "search", "oai", "export"],
                        choices=("stats", "search", "oai", "export", "report", "edit"))
    parser.add_argument("--harvest", type=int, default=50_000,
                        help="records harvested from the depth page on "
                             "(0: the whole list from the start)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--oai-baseline", type=Path,
                        help="a source tree of the code before (git archive <commit> | "
                             "tar -x -C DIR): the oai part also harvests from the start "
                             "against it and this tree, alternating")
    parser.add_argument("--compare-records", type=int, default=20_000,
                        help="records per harvest of the --oai-baseline comparison")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of the comparisons (oai, edit)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kho-province/out"))
    args = parser.parse_args()
    scales = args.scale * len(args.db) if len(args.scale) == 1 else args.scale
    rows: list[Row] = []
    loads = [os.getloadavg()[0]]
    for db, scale in zip(args.db, scales):
        kho, corpus = province_corpus.open_corpus(db, scale, rebuild=args.rebuild)
        counts = corpus["counts"]
        print(f"{db}: {counts['products']:,} products, {counts['broadcasts']:,} broadcasts, "
              f"{counts['download_records']:,} downloads, {counts['people']:,} people, "
              f"{counts['attendances']:,} attendances; built in "
              f"{corpus['total_seconds']:.0f} s", flush=True)
        if "stats" in args.parts:
            from summary_bench import province_rows     # benchmarks/summary_bench.py
            found = province_rows(kho, args.repeat)
            marks = getattr(found, "loads", None) or [0.0] * (len(found) + 1)
            rows += [Row(f, db, v, ratio=r, load=_span(marks[i], marks[i + 1]))
                     for i, (f, v, r) in enumerate(found)]
            for row in rows[-len(found):]:
                print(db, "stats", row.figure, "|", row.value, "|", row.ratio, "|",
                      row.load, flush=True)
            found, detail = serve_rows(kho, db, 10)
            rows += found
            print(db, "serve", detail, flush=True)
        if "search" in args.parts:
            rows += _hooked(SEARCH_HOOK, SEARCH_FIGURES, "search_bench.py", kho, corpus,
                            "", db)
        if "oai" in args.parts:
            from province_oai import oai_compare, oai_rows
            if args.oai_baseline:
                found, detail = oai_compare(kho, db, args.oai_baseline,
                                            args.compare_records, args.rounds)
                rows += found
                print(db, "oai before/after", detail, flush=True)
            found, detail = oai_rows(kho, db, args.repeat, args.harvest)
            rows += found
            print(db, "oai", detail, flush=True)
        if "report" in args.parts:
            from report_bench import province_rows as report_rows
            found, detail = report_rows(kho, db, args.work, args.rounds)
            rows += found
            print(db, "report", detail, flush=True)
        if "edit" in args.parts:
            from province_edit import edit_rows
            found, detail = edit_rows(kho, db, args.work, max(args.repeat, 20), args.rounds)
            rows += found
            print(db, "edit", detail, flush=True)
        if "export" in args.parts:
            found, detail = export_rows(kho, db, args.work)
            rows += found
            print(db, "export", detail, flush=True)
        loads.append(os.getloadavg()[0])
        kho.close()
    print()
    print(table(rows))
    print(f"\nLoad average (1 min) during the run: {min(loads):.1f}–{max(loads):.1f} on "
          f"{os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
