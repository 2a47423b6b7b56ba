"""The consolidated yearly report at scale (issue 21). From the repository root:

    .venv/bin/python benchmarks/report_bench.py [--products 100000] [--rows 200000]
        [--communes 96] [--reuse]

Builds (or with --reuse, keeps) a SQLite instance: the seed units plus synthetic
communes of Quảng Ngãi (valid from 1/7/2025) up to --communes, N products spread over
them (benchmarks/stats_corpus.py, the same generator as stats_bench.py) with ROWS
broadcast + download rows, and one accepted contribution of this year from every
expected commune (three paragraphs of results, difficulties and proposals each).
Then, each in a child process of its own (wall time of the writing call, peak RSS =
VmHWM):

* **Kho, province**: ``write_reports`` of the whole catalogue (every product listed)
  for this year, issued by the consolidating body (the Sở VHTTDL), DOCX and XLSX from
  one count (``kho report --out bc.docx --out bc.xlsx``);
* **Kho, commune**: the same for one commune's part (``--commune`` scope, issued by
  its People's Committee);
* **baseline**: python-docx and openpyxl (write-only) alone writing the same
  paragraphs, tables and cells (read back from the province's files first; that
  reading is not timed).

Prints the Markdown table for benchmarks/README.md with the ratios of the same run:
Kho ÷ baseline (target ≤ 1.5) and commune ÷ province (target ≤ 0.1), on wall time
and on CPU time (the machine is shared: CPU seconds are the load-independent figure);
peak RSS (target ≤ 300 MB).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
CACHE = ROOT / "benchmarks" / ".cache"
PARAGRAPH = ("Trong năm, đơn vị đã phối hợp với đài truyền thanh xã tổ chức tuyên truyền "
             "về quyền con người bằng tiếng Việt và tiếng Xơ Đăng, lồng ghép trong các "
             "buổi sinh hoạt thôn, làng; phát hành tờ rơi, pa-nô và đăng tải tin bài trên "
             "trang thông tin điện tử, mạng xã hội của xã. ")


def _settings(n: int, communes: int):
    from config import load_settings

    return load_settings({"instance_path": str(CACHE / f"report-sqlite-{n}-{communes}"),
                          "env": "testing", "queue_url": "immediate", "secret_key": "bench",
                          "ocr_enabled": False}, environ={})


def _add_communes(kho, total: int) -> None:
    """Synthetic communes of the merged province, up to ``total`` current communes."""
    from sqlalchemy import select

    from archive.models import Unit

    with kho.transaction() as session:
        province = session.scalar(select(Unit).where(Unit.code == "tinh-quang-ngai-2025"))
        have = len([u for u in session.scalars(select(Unit).where(Unit.level == "commune"))
                    if u.valid_to is None])
        for n in range(1, total - have + 1):
            session.add(Unit(code=f"xa-thu-{n:03d}", name=f"Xã Thử Nghiệm {n:03d}",
                             short_name=f"Thử Nghiệm {n:03d}", level="commune",
                             gso_code=f"9{n:04d}", parent=province,
                             valid_from=date(2025, 7, 1)))


def _add_contributions(kho, year: int) -> int:
    """An accepted contribution of ``year`` from every commune the Sở expects."""
    from sqlalchemy import select

    from app.services.contributions import chain, rules
    from archive.contributions import Contribution
    from archive.models import Unit

    text = "\n\n".join([PARAGRAPH * 2] * 3)
    with kho.transaction() as session:
        body = session.scalar(select(Unit).where(Unit.code == "so-vhttdl-quang-ngai-2025"))
        expected = chain.expected_units(session, kho.settings, body.id,
                                        rules.deadline(kho.settings, year))
        for unit in expected:
            session.add(Contribution(unit_id=unit.id, year=year, state="accepted",
                                     results=text, difficulties=text, proposals=text,
                                     submitted_at=datetime(year, 11, 20, 3,
                                                           tzinfo=timezone.utc)))
        return len(expected)


def prepare(n: int, rows: int, communes: int, reuse: bool):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from stats_corpus import generate

    settings = _settings(n, communes)
    marker = settings.instance / f"bench-report-{rows}.json"
    if reuse and marker.exists():
        return Kho(settings), json.loads(marker.read_text()), 0.0
    shutil.rmtree(settings.instance, ignore_errors=True)
    kho = Kho(settings)
    init_instance(kho)
    started = time.perf_counter()
    _add_communes(kho, communes)
    counts = generate(kho, n, rows, date.today())
    counts["contributions"] = _add_contributions(kho, date.today().year)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps(counts))
    return kho, counts, seconds


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(args: list[str], settings) -> dict:
    values = {"instance_path": settings.instance_path, "env": "testing",
              "secret_key": "bench", "queue_url": "immediate", "ocr_enabled": False}
    if settings.database_url:
        values["database_url"] = settings.database_url
    env = dict(os.environ, KHO_BENCH_SETTINGS=json.dumps(values))
    child = subprocess.run([sys.executable, __file__, "--child", *args], env=env,
                           capture_output=True, text=True)
    if child.returncode:
        raise SystemExit(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def child_kho(scope_name: str, folder: str) -> dict:
    """Write the DOCX and the XLSX of the whole catalogue (province) or one commune
    from one count (``write_reports``, as ``kho report --out x.docx --out x.xlsx``)."""
    from app.bootstrap import Kho
    from app.services.access.actors import SYSTEM
    from app.services.reports.yearly import write_reports
    from app.services.stats.plan_progress import parse_scope
    from config import load_settings

    kho = Kho(load_settings(json.loads(os.environ["KHO_BENCH_SETTINGS"]), environ={}))
    params = {} if scope_name == "province" else {"commune": "xa-thu-001"}
    out = {fmt: str(Path(folder) / f"{scope_name}.{fmt}") for fmt in ("docx", "xlsx")}
    started, cpu = time.perf_counter(), time.process_time()
    written = write_reports(kho, SYSTEM, date.today().year, [Path(p) for p in out.values()],
                            scope=parse_scope(kho, params))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"total": seconds, "cpu": cpu, "listed": written[1].listed,
            "products": written[0].products, "peak_mb": _peak_rss_mb(), "files": out,
            "bytes": {f: Path(p).stat().st_size for f, p in out.items()}}


def _docx_content(path: str) -> list:
    """The body in order: ("p", text, bold) or ("t", rows of cell texts)."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(path)
    body = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            paragraph = Paragraph(element, document)
            body.append(("p", paragraph.text))
        elif element.tag.endswith("}tbl"):
            table = Table(element, document)
            body.append(("t", [[c.text for c in row.cells] for row in table.rows]))
    return body


def child_baseline(docx_path: str, xlsx_path: str, folder: str) -> dict:
    """python-docx and openpyxl (write-only) alone writing the same content."""
    from docx import Document
    from openpyxl import Workbook, load_workbook

    body = _docx_content(docx_path)
    source = load_workbook(xlsx_path, read_only=True)
    sheets = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
              for ws in source.worksheets]
    source.close()
    started, cpu = time.perf_counter(), time.process_time()
    document = Document()
    for kind, content in body:
        if kind == "p":
            document.add_paragraph(content)
        else:
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for row, texts in zip(table.rows, content):
                for cell, text in zip(row.cells, texts):
                    cell.text = text
    document.save(str(Path(folder) / "baseline.docx"))
    docx_seconds = time.perf_counter() - started
    started = time.perf_counter()
    book = Workbook(write_only=True)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(str(Path(folder) / "baseline.xlsx"))
    xlsx_seconds = time.perf_counter() - started
    return {"seconds": {"docx": docx_seconds, "xlsx": xlsx_seconds},
            "total": docx_seconds + xlsx_seconds, "cpu": time.process_time() - cpu,
            "peak_mb": _peak_rss_mb(),
            "cells": sum(len(r) for _, rows in sheets for r in rows),
            "paragraphs": sum(1 for k, _ in body if k == "p"),
            "tables": sum(1 for k, _ in body if k == "t")}


def busiest_year(kho) -> tuple[int, int]:
    """The year produced with the most products, and how many."""
    from sqlalchemy import func, select

    from archive.models import Product

    produced = func.extract("year", Product.produced_on)
    with kho.transaction() as s:
        counts = {int(y): n for y, n in s.execute(select(produced, func.count())
                                                  .group_by(produced)).all() if y}
    year = max(counts, key=lambda y: counts[y])
    return year, counts[year]


def child_year_xlsx(year: str, out: str) -> dict:
    """In the child: the consolidated XLSX report of ``year`` (every product of the
    year listed, issued by the consolidating body), as ``kho report --year``."""
    from app.bootstrap import Kho
    from app.services.access.actors import SYSTEM
    from app.services.reports.yearly import write_report
    from config import load_settings

    kho = Kho(load_settings(json.loads(os.environ["KHO_BENCH_SETTINGS"]), environ={}))
    started, cpu = time.perf_counter(), time.process_time()
    written = write_report(kho, SYSTEM, int(year), Path(out))
    return {"total": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "listed": written.listed, "peak_mb": _peak_rss_mb(),
            "bytes": Path(out).stat().st_size}


def child_xlsx_baseline(xlsx_path: str, out: str) -> dict:
    """In the child: openpyxl (write-only) alone writing the cells of ``xlsx_path``
    (read back first, not timed)."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(xlsx_path, read_only=True)
    sheets = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
              for ws in source.worksheets]
    source.close()
    started, cpu = time.perf_counter(), time.process_time()
    book = Workbook(write_only=True)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(out)
    return {"total": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "peak_mb": _peak_rss_mb(), "cells": sum(len(r) for _, rows in sheets
                                                    for r in rows)}


def province_rows(kho, db: str, work: Path, rounds: int = 3) -> tuple[list, dict]:
    """benchmarks/province_bench.py's ``report`` part: the consolidated XLSX report of
    the year produced with the most products, each in a fresh process, against
    openpyxl write-only writing the same cells, alternating for ``rounds`` rounds;
    medians of the wall and CPU seconds of the writing call, the highest peak RSS
    (VmHWM) of each kind of process."""
    import statistics

    from province_bench import Row

    from app.services.stats import summary

    # the summary cells current, as an instance's workers keep them (a corpus written
    # in bulk has every product marked): the report's figures then add up cells, as
    # they do in service; this fold is not timed (after it, none is left to do)
    folding = time.perf_counter()
    summary.fold(kho)
    folded_s = time.perf_counter() - folding
    year, products = busiest_year(kho)
    folder = work / f"report-{db}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = folder / f"bao-cao-{year}.xlsx"
    runs: dict[str, list[dict]] = {"kho": [], "baseline": []}
    loads = []
    for _ in range(rounds):
        runs["kho"].append(_child(["year", str(year), str(out)], kho.settings))
        runs["baseline"].append(_child(["xlsx-baseline", str(out),
                                        str(folder / "baseline.xlsx")], kho.settings))
        loads.append(os.getloadavg()[0])
    shutil.rmtree(folder, ignore_errors=True)

    def median(found: list[dict]) -> dict:
        return {**found[0], "total": statistics.median(r["total"] for r in found),
                "cpu": statistics.median(r["cpu"] for r in found),
                "peak_mb": max(r["peak_mb"] for r in found)}
    kho_run, baseline = median(runs["kho"]), median(runs["baseline"])
    detail = {"year": year, "products": products, "runs": runs, "loads": loads,
              "fold_s": folded_s}
    rows = [Row(f"a year's consolidated report: XLSX of {year}, {kho_run['listed']:,} "
                f"products listed ({baseline['cells']:,} cells) / openpyxl write-only "
                f"writing the same cells, median of {rounds} alternating (load "
                f"{min(loads):.1f}–{max(loads):.1f})", db,
                f"{kho_run['total']:.1f} s ({kho_run['cpu']:.1f} CPU s), peak RSS "
                f"**{kho_run['peak_mb']:.0f} MB**",
                f"{baseline['total']:.1f} s ({baseline['cpu']:.1f} CPU s), peak RSS "
                f"{baseline['peak_mb']:.0f} MB",
                f"**{kho_run['cpu'] / baseline['cpu']:.2f}** CPU, "
                f"{kho_run['total'] / baseline['total']:.2f} wall", "≤ 1.5×, ≤ 300 MB")]
    return rows, detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--communes", type=int, default=96)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {"kho": child_kho, "year": child_year_xlsx,
                  "xlsx-baseline": child_xlsx_baseline}.get(kind, child_baseline)(*rest)
        print(json.dumps(result))
        return
    kho, counts, built = prepare(args.products, args.rows, args.communes, args.reuse)
    folder = kho.settings.instance / "reports"
    folder.mkdir(exist_ok=True)
    province = _child(["kho", "province", str(folder)], kho.settings)
    commune = _child(["kho", "commune", str(folder)], kho.settings)
    baseline = _child(["baseline", province["files"]["docx"], province["files"]["xlsx"],
                       str(folder)], kho.settings)
    print(f"catalogue: {counts} (built in {built:.0f} s)")
    print(f"baseline content: {baseline['paragraphs']} paragraphs, {baseline['tables']} "
          f"tables, {baseline['cells']:,} cells")
    print("| run | products listed | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, r in (("Kho, province: DOCX + XLSX (whole catalogue)", province),
                    ("Kho, one commune: DOCX + XLSX", commune),
                    ("python-docx + openpyxl write-only alone (province content)", baseline)):
        listed = r.get("listed")
        print(f"| {name} | {listed if listed is not None else '–'} | {r['total']:.2f} | "
              f"{r['cpu']:.2f} | {r['peak_mb']:.0f} |")
    print(f"\nKho ÷ baseline: wall {province['total'] / baseline['total']:.2f}, CPU "
          f"{province['cpu'] / baseline['cpu']:.2f} (target ≤ 1.5); commune ÷ province: "
          f"wall {commune['total'] / province['total']:.3f}, CPU "
          f"{commune['cpu'] / province['cpu']:.3f} (target ≤ 0.1); peak RSS "
          f"{max(province['peak_mb'], commune['peak_mb']):.0f} MB (target ≤ 300)")


if __name__ == "__main__":
    main()
