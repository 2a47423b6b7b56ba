"""The province benchmark's row "the same with the default kho serve / --no-worker"
(issue 27): :func:`serve_rows` starts ``kho serve`` as an operator does, with its job
consumer and the rolling fixity audit, then without, and times the first request after
a product edit over real HTTP. Called by benchmarks/province_bench.py (``--parts stats``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

from province_bench import ROOT, Row, _span


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
