"""Known-answer statistics: a small catalogue built here, every indicator checked exactly.

The catalogue (products P1..P7 below) covers: a product with no file, a failed file, a
product in two languages on two channels that is both ethnic and digital (counted once
in the combined share), a foreign-language one, products filed under communes merged in
2025, a closed one, an undated one created on the last evening of 2025 in UTC (1/1/2026
in Vietnam), a published one and one whose publication is older than its last change.
tests/integration/test_stats_postgres.py runs these same tests on PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from sqlalchemy import select

from app.services.stats import plan_progress
from app.services.access.actors import PERMISSIONS, Actor
from app.services.stats.plan_progress import Ratio, YearRow
from app.services.stats.next_steps import next_steps
from app.services.common.clock import local_today
from archive.errors import PermissionDenied, ValidationError
from archive.harvests import Publication
from archive.models import Broadcast, File, Product, Term, Unit
from archive.usage import DownloadRecord

OFFICE = Actor(None, "vanphong", "office")
ADMIN = Actor(None, "quantri", "admin")
T0 = datetime(2026, 1, 20, 3, 0, tzinfo=timezone.utc)

# title, kind, produced_on, languages, channels, themes, plan task, lead unit, communes,
# file statuses, closed (access level)
PRODUCTS = {
    "P1": ("Triển lãm lưu động", "poster", date(2023, 5, 1), ["vie"], ["district-radio"], [],
           None, "trung-tam-vhttdltt-kon-ray", ["tt-dak-rve"], [], False),
    "P2": ("Phóng sự hỏng tệp", "radio-feature", date(2024, 2, 10), ["vie"],
           ["commune-radio"], [], None, "trung-tam-vhttdltt-kon-ray",
           ["xa-dak-ruong", "xa-tan-lap"], ["failed"], False),
    "P3": ("Quyền trẻ em song ngữ", "radio-feature", date(2024, 6, 1), ["vie", "sed"],
           ["commune-radio", "social-media"], ["intl-law"], "3.3",
           "trung-tam-vhttdltt-kon-ray", ["xa-tan-lap"], ["ready"], False),
    "P4": ("Human rights in English", "video", date(2025, 3, 1), ["eng"], ["commune-radio"],
           ["policy-law"], "4.1", "phong-gddt-kon-ray", ["xa-dak-koi-2025"], ["ready"], False),
    "P5": ("Hồ sơ hạn chế", "radio-feature", date(2025, 8, 1), ["bdq"], [], [], None,
           "trung-tam-vhttdltt-kon-ray", ["xa-kon-braih-2025"], ["ready", "failed"], True),
    "P6": ("Chưa phân loại", None, None, [], [], [], None, None, [], ["processing"], False),
    "P7": ("Bài trên cổng thông tin", "video", date(2026, 1, 15), ["vie"],
           ["district-website"], [], None, "trung-tam-vhttdltt-kon-ray", ["xa-dak-rve-2025"],
           ["ready"], False),
}
# P6 was created at 18:00 UTC on 31/12/2025, which is 01:00 on 1/1/2026 in Vietnam
CREATED = {"P6": datetime(2025, 12, 31, 18, 0, tzinfo=timezone.utc)}


def _build(kho) -> dict[str, int]:
    """Insert the catalogue; product name -> id."""
    this_year = local_today(kho.settings).year
    ids: dict[str, int] = {}
    with kho.transaction() as s:
        terms = {(t.vocabulary, t.code): t for t in s.scalars(select(Term))}
        units = {u.code: u for u in s.scalars(select(Unit))}
        for n, (title, kind, made, langs, chans, themes, task, lead, communes, files,
                closed) in PRODUCTS.items():
            p = Product(title=title, kind=terms[("kind", kind)] if kind else None,
                        produced_on=made, lead_unit=units[lead] if lead else None,
                        plan_task=terms[("plan_task", task)] if task else None,
                        terms=[terms[("language", c)] for c in langs]
                        + [terms[("channel", c)] for c in chans]
                        + [terms[("theme", c)] for c in themes],
                        communes=[units[c] for c in communes],
                        access_level="closed" if closed else "public",
                        status="ready", created_at=CREATED.get(n, T0), updated_at=T0)
            for k, status in enumerate(files):
                p.files.append(File(sha256=f"{n}{k}".ljust(64, "0"), size=10,
                                    original_filename=f"{n}-{k}.mp3",
                                    storage_key=f"originals/{n}{k}", status=status,
                                    problem="audio.unreadable" if status == "failed" else "",
                                    error_detail="ffprobe: invalid data"
                                    if status == "failed" else ""))
            s.add(p)
            s.flush()
            ids[n] = p.id
        s.add_all([Publication(product_id=ids["P5"], version_at=T0, via="oai"),
                   Publication(product_id=ids["P7"], version_at=T0 - timedelta(days=1),
                               via="export")])
        aired = [("P3", "xa-tan-lap", date(2025, 5, 10)),
                 ("P3", "xa-kon-braih-2025", date(2025, 8, 1)),
                 ("P7", "xa-dak-rve-2025", date(this_year, 1, 1)),
                 ("P5", "xa-kon-braih-2025", date(this_year, 1, 1))]
        s.add_all([Broadcast(product_id=ids[p], commune=units[c], aired_on=d)
                   for p, c, d in aired])
        downloads = [("xa-kon-braih-2025", "P3", date(2025, 9, 1), 5),
                     ("xa-tan-lap", "P3", date(2025, 6, 1), 1),
                     ("xa-kon-braih-2025", "P5", date(2026, 1, 25), 2),
                     (None, "P7", date(2026, 1, 25), 1)]
        s.add_all([DownloadRecord(commune_id=units[c].id if c else None, product_id=ids[p],
                                  file_id=0, rendition="broadcast", day=d, count=n)
                   for c, p, d, n in downloads])
    return ids


@pytest.fixture
def catalogue(kho) -> dict[str, int]:
    return _build(kho)


def figures(kho, actor=OFFICE, **params):
    return plan_progress.compute_stats(kho, actor, plan_progress.parse_scope(kho, params))


def counts_of(rows) -> dict:
    return {r.code: r.total for r in rows}


def test_an_empty_archive_has_zero_everywhere_and_no_verdict(kho):
    st = figures(kho)
    assert st.counts() == dict.fromkeys(st.counts(), 0)
    assert st.digitisation_rate == Ratio(0, 0, 0.0) and st.combined_share.value == 0.0
    assert st.target.verdict == "no_data" and set(st.verdicts.values()) == {"no_data"}
    assert [r.year for r in st.by_year][:6] == [2023, 2024, 2025, 2026, 2027, 2028]
    assert all(r.total == 0 for r in st.by_year)
    assert st.by_unit == st.by_commune == st.by_language == []
    assert st.projection.combined_share is None and st.projection.basis_years == ()
    # today's communes are listed with nothing counted: which communes use the archive
    assert {r.code: r.count for r in st.broadcasts_by_commune} == {
        "xa-dak-koi-2025": 0, "xa-dak-rve-2025": 0, "xa-kon-braih-2025": 0}
    assert json.loads(json.dumps(plan_progress.stats_json(st)))["total"] == 0


def test_every_indicator_of_the_whole_archive(kho, catalogue):
    st = figures(kho)
    assert st.counts() == {"total": 7, "digitised": 4, "ethnic_language": 2,
                           "foreign_language": 1, "digital_platform": 2, "combined": 4,
                           "online": 1}
    assert st.digitisation_rate == Ratio(4, 7, 4 / 7)
    assert st.ethnic_language_share.fraction == Fraction(2, 7)
    assert st.foreign_language_share.fraction == Fraction(1, 7)
    assert st.digital_platform_share.fraction == Fraction(2, 7)
    # P3 is ethnic and digital: counted once (P3, P4, P5, P7)
    assert st.combined_share == Ratio(4, 7, 4 / 7)
    assert st.online_rate == Ratio(1, 7, 1 / 7)     # P5; P7's publication is stale
    assert (st.target.band_min, st.target.band_max, st.target.verdict) == (0.15, 0.2, "above")
    assert st.verdicts == {"ethnic_language_share": "above", "foreign_language_share": "below",
                           "digital_platform_share": "above", "combined_share": "above"}


def test_breakdowns_by_year_unit_kind_language_channel_theme_task(kho, catalogue):
    st = figures(kho)
    years = {r.year: (r.total, r.digitised, r.combined) for r in st.by_year}
    assert {y: years[y] for y in range(2023, 2029)} == {
        2023: (1, 0, 0), 2024: (2, 1, 1), 2025: (2, 2, 2), 2026: (2, 1, 1),
        2027: (0, 0, 0), 2028: (0, 0, 0)}       # undated P6 counts in 2026 (Vietnam)
    assert counts_of(st.by_unit) == {"phong-gddt-kon-ray": 1,
                                     "trung-tam-vhttdltt-kon-ray": 5, None: 1}
    assert st.by_unit[-1].code is None and st.by_unit[-1].label("en") == "(not set)"
    assert counts_of(st.by_kind) == {"radio-feature": 3, "video": 2, "poster": 1, None: 1}
    assert [r.code for r in st.by_kind] == ["radio-feature", "video", "poster", None]
    assert counts_of(st.by_language) == {"vie": 4, "sed": 1, "bdq": 1, "eng": 1, None: 1}
    assert counts_of(st.by_channel) == {"district-radio": 1, "commune-radio": 3,
                                        "social-media": 1, "district-website": 1, None: 2}
    assert counts_of(st.by_theme) == {"intl-law": 1, "policy-law": 1, None: 5}
    assert counts_of(st.by_plan_task) == {"3.3": 1, "4.1": 1, None: 5}
    sed = next(r for r in st.by_language if r.code == "sed")
    assert (sed.digitised, sed.ethnic_language, sed.digital_platform, sed.combined) == (1, 1, 1, 1)


def test_old_communes_roll_up_into_their_successors_or_show_as_they_were(kho, catalogue):
    rolled = figures(kho)
    # P2 is filed under two communes merged into Kon Braih: counted once there
    assert counts_of(rolled.by_commune) == {"xa-dak-koi-2025": 1, "xa-dak-rve-2025": 2,
                                            "xa-kon-braih-2025": 3, None: 1}
    kon_braih = next(r for r in rolled.by_commune if r.code == "xa-kon-braih-2025")
    assert (kon_braih.digitised, kon_braih.combined, kon_braih.online) == (2, 2, 1)
    as_filed = figures(kho, rollup="false")
    assert counts_of(as_filed.by_commune) == {
        "tt-dak-rve": 1, "xa-dak-rve-2025": 1, "xa-dak-ruong": 1, "xa-tan-lap": 2,
        "xa-kon-braih-2025": 1, "xa-dak-koi-2025": 1, None: 1}
    assert as_filed.total == rolled.total == 7


def test_broadcasts_and_downloads_per_commune_and_month(kho, catalogue):
    this_year = local_today(kho.settings).year
    st = figures(kho)
    assert {r.code: r.count for r in st.broadcasts_by_commune} == {
        "xa-dak-koi-2025": 0, "xa-dak-rve-2025": 1, "xa-kon-braih-2025": 3}
    assert [(r.year, r.month, r.count) for r in st.broadcasts_by_month] == [
        (2025, 5, 1), (2025, 8, 1), (this_year, 1, 2)]
    assert {(r.code, r.year, r.month): r.count for r in st.broadcasts_by_commune_month} == {
        ("xa-kon-braih-2025", 2025, 5): 1, ("xa-kon-braih-2025", 2025, 8): 1,
        ("xa-dak-rve-2025", this_year, 1): 1, ("xa-kon-braih-2025", this_year, 1): 1}
    # one DownloadRecord row is one download, whatever its coalesced request count
    assert {r.code: r.count for r in st.downloads_by_commune} == {
        "xa-dak-koi-2025": 0, "xa-dak-rve-2025": 0, "xa-kon-braih-2025": 3, None: 1}
    as_filed = figures(kho, rollup="no")
    assert {r.code: r.count for r in as_filed.downloads_by_commune if r.count} == {
        "xa-tan-lap": 1, "xa-kon-braih-2025": 2, None: 1}
    assert {r.code: r.count for r in as_filed.broadcasts_by_commune if r.count} == {
        "xa-tan-lap": 1, "xa-kon-braih-2025": 2, "xa-dak-rve-2025": 1}


def test_period_filter_uses_produced_on_or_the_vietnam_day_of_creation(kho, catalogue):
    y2024 = figures(kho, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert y2024.counts() == {"total": 2, "digitised": 1, "ethnic_language": 1,
                              "foreign_language": 0, "digital_platform": 1, "combined": 1,
                              "online": 0}
    assert y2024.broadcasts_by_month == [] and sum(r.count for r in y2024.downloads_by_commune) == 0
    # P6 was created on 31/12/2025 in UTC but 1/1/2026 in Vietnam
    assert figures(kho, **{"from": "01/01/2025", "to": "31/12/2025"}).total == 2
    in_2026 = figures(kho, **{"from": "2026-01-01", "to": "2026-12-31"})
    assert in_2026.total == 2 and in_2026.digitised == 1
    y2025 = plan_progress.compute_stats(kho, OFFICE, plan_progress.year_scope(kho, 2025))
    assert [(r.year, r.month) for r in y2025.broadcasts_by_month] == [(2025, 5), (2025, 8)]
    assert {r.code: r.count for r in y2025.downloads_by_commune if r.count} == {
        "xa-kon-braih-2025": 2}
    assert figures(kho, **{"from": "2025-06-01"}).total == 3        # P5, P6, P7
    assert figures(kho, to="2024-03-01").total == 2                  # P1, P2
    assert figures(kho, **{"from": "2024", "to": "2024"}).total == 2  # the whole year


def test_unit_and_commune_filters_by_code_or_gso_code(kho, catalogue):
    gddt = figures(kho, unit="phong-gddt-kon-ray")
    assert (gddt.total, gddt.foreign_language, gddt.combined) == (1, 1, 1)
    assert counts_of(gddt.by_commune) == {"xa-dak-koi-2025": 1}
    assert sum(r.count for r in gddt.broadcasts_by_commune) == 0
    kb = figures(kho, commune="xa-kon-braih-2025")
    assert kb.counts() == {"total": 3, "digitised": 2, "ethnic_language": 2,
                           "foreign_language": 0, "digital_platform": 1, "combined": 2,
                           "online": 1}
    assert {r.code: r.count for r in kb.broadcasts_by_commune} == {"xa-kon-braih-2025": 3}
    assert {r.code: r.count for r in kb.downloads_by_commune} == {"xa-kon-braih-2025": 3}
    # 23497 was Tân Lập and is now Kon Braih: the GSO code means today's commune
    assert figures(kho, commune="23497").counts() == kb.counts()
    assert figures(kho, commune="23497").scope.commune == "xa-kon-braih-2025"
    assert figures(kho, commune="xa-tan-lap").total == 2
    assert figures(kho, commune="xa-kon-braih-2025", rollup="false").total == 1
    assert figures(kho, commune="23485").total == 1          # today's Đăk Kôi: P4
    both = figures(kho, unit="trung-tam-vhttdltt-kon-ray", commune="xa-kon-braih-2025",
                   **{"from": "2025-01-01"})
    assert both.total == 1 and both.online == 1                  # P5


def test_bad_filters_are_named(kho):
    cases = [({"from": "31/02/2024"}, "from"), ({"to": "hôm qua"}, "to"),
             ({"from": "2025-01-01", "to": "2024-01-01"}, "to"),
             ({"unit": "phong-khong-co"}, "unit"), ({"commune": "99999"}, "commune"),
             ({"commune": "trung-tam-vhttdltt-kon-ray"}, "commune"),
             ({"rollup": "maybe"}, "rollup")]
    for params, field in cases:
        with pytest.raises(ValidationError) as err:
            plan_progress.parse_scope(kho, params)
        assert err.value.field == field, params


def test_only_office_and_admin_see_statistics(kho, catalogue):
    for role in ("producer", "commune"):
        actor = Actor(None, role, role)
        with pytest.raises(PermissionDenied):
            figures(kho, actor)
        with pytest.raises(PermissionDenied):
            next_steps(kho, actor, plan_progress.Scope())
    assert figures(kho, ADMIN).total == 7


def test_what_to_do_next(kho, catalogue):
    todo = next_steps(kho, OFFICE, plan_progress.Scope())
    assert todo.not_digitised_total == 3
    assert sorted(p.id for p in todo.not_digitised) == sorted(
        catalogue[n] for n in ("P1", "P2", "P6"))
    assert {r.code: r.count for r in todo.not_digitised_by_unit} == {
        "trung-tam-vhttdltt-kon-ray": 2, None: 1}
    assert todo.failed_files_total == 2
    assert sorted(f.product_id for f in todo.failed_files) == sorted(
        [catalogue["P2"], catalogue["P5"]])
    assert all(f.error.startswith("The audio file is damaged or is not audio")
               for f in todo.failed_files)      # the problem, rendered in the page's words
    assert todo.unclassified_total == 2
    assert {p.id: p.missing for p in todo.unclassified} == {
        catalogue["P5"]: ("channel",), catalogue["P6"]: ("language", "channel")}
    assert [c.code for c in todo.silent_communes] == ["xa-dak-koi-2025"]
    scoped = next_steps(kho, OFFICE, plan_progress.parse_scope(kho, {"unit": "phong-gddt-kon-ray"}))
    assert (scoped.not_digitised_total, scoped.failed_files_total,
            scoped.unclassified_total) == (0, 0, 0)
    assert len(next_steps(kho, OFFICE, plan_progress.Scope(), limit=1).not_digitised) == 1


def test_silent_communes_past_months_from_the_cells_this_month_from_the_log(
        kho, catalogue, monkeypatch):
    """Months before this one are read from the airings' summary cells, this month from
    the broadcast log up to today: an airing later this month (logged ahead) does not
    count, a withdrawn one does not count, and both ways give the same list."""
    from app.services.stats import next_steps as todo

    year = local_today(kho.settings).year
    monkeypatch.setattr(todo, "local_today", lambda settings: date(year, 7, 15))
    with kho.transaction() as s:
        units = {u.code: u for u in s.scalars(select(Unit))}
        product = s.scalar(select(Product.id).limit(1))
        koi, braih = units["xa-dak-koi-2025"], units["xa-kon-braih-2025"]
        s.add_all([Broadcast(product_id=product, commune=koi, aired_on=date(year, 7, 20),
                             slot="sau"),                                  # after "today"
                   Broadcast(product_id=product, commune=koi, aired_on=date(year, 3, 5),
                             withdrawn_at=datetime.now(timezone.utc)),     # withdrawn
                   Broadcast(product_id=product, commune=braih, aired_on=date(year, 7, 3))])
    # Đăk Rve aired on 1 January only (the cells), Kon Braih also this month (the log)
    silent = next_steps(kho, OFFICE, plan_progress.Scope()).silent_communes
    assert [c.code for c in silent] == ["xa-dak-koi-2025"]
    assert silent == next_steps(kho, OFFICE, plan_progress.Scope(),
                                recount=True).silent_communes


def test_closed_products_count_but_are_not_listed_to_those_who_may_not_see_them(
        kho, catalogue, monkeypatch):
    # a deployment that opens the dashboard to commune staff (who never see P5)
    monkeypatch.setitem(PERMISSIONS, "stats.view", frozenset({"admin", "office", "commune"}))
    staff = Actor(None, "xa", "commune")
    assert figures(kho, staff).ethnic_language == 2              # P5 counts
    todo = next_steps(kho, staff, plan_progress.Scope())
    assert todo.failed_files_total == 2 and todo.unclassified_total == 2
    listed = {f.product_id for f in todo.failed_files} | {p.id for p in todo.unclassified}
    assert catalogue["P5"] not in listed and catalogue["P2"] in listed
    # P2's failed file closed beyond its public product: counted, not listed
    with kho.transaction() as s:
        s.scalars(select(File).where(File.product_id == catalogue["P2"])).one() \
            .access_level = "closed"
    todo = next_steps(kho, staff, plan_progress.Scope())
    assert todo.failed_files_total == 2 and todo.failed_files == []
    assert {f.product_id for f in next_steps(kho, OFFICE, plan_progress.Scope())
            .failed_files} == {catalogue["P2"], catalogue["P5"]}


def test_band_verdicts_are_exact_at_the_edges():
    assert plan_progress.verdict(Ratio.of(3, 20), 0.15, 0.20) == "within"       # 15 % exactly
    assert plan_progress.verdict(Ratio.of(1, 5), 0.15, 0.20) == "within"        # 20 % exactly
    assert plan_progress.verdict(Ratio.of(299, 2000), 0.15, 0.20) == "below"
    assert plan_progress.verdict(Ratio.of(201, 1000), 0.15, 0.20) == "above"
    assert plan_progress.verdict(Ratio.of(0, 0), 0.15, 0.20) == "no_data"


def test_projection_is_the_straight_line_through_the_plan_years():
    def year(y, combined, total=100):
        return YearRow(total, total, 0, 0, 0, combined, 0, year=y)
    rows = [year(2023, 5), year(2024, 7), year(2025, 9), year(2026, 0, total=0),
            year(2028, 0, total=0)]
    p = plan_progress.projection(rows, date(2026, 6, 1))
    assert p.basis_years == (2023, 2024, 2025)        # years with products, up to today
    assert p.combined_share == pytest.approx(0.15, abs=1e-12)   # +2 points a year
    assert p.digitisation_rate == 1.0
    assert plan_progress.projection(rows[:1], date(2026, 6, 1)).combined_share is None
    falling = [year(2023, 30), year(2024, 10), year(2025, 5)]
    assert plan_progress.projection(falling, date(2026, 6, 1)).combined_share == 0.0   # not below 0


def test_no_projection_from_fewer_than_three_years():
    def year(y, combined, total=100):
        return YearRow(total, total, 0, 0, 0, combined, 0, year=y)
    two = plan_progress.projection([year(2024, 30), year(2025, 10)], date(2026, 6, 1))
    assert (two.combined_share, two.digitisation_rate, two.basis_years) == (
        None, None, (2024, 2025))             # a line through two points read "0,0 % in 2028"
    empty_year = year(2026, 0, total=0)       # a year without products does not count
    assert plan_progress.projection([year(2024, 30), year(2025, 10), empty_year],
                                    date(2026, 6, 1)).combined_share is None
    three = plan_progress.projection([year(2023, 30), year(2024, 10), year(2025, 20)],
                                     date(2026, 6, 1))
    assert three.basis_years == (2023, 2024, 2025) and three.combined_share is not None


def test_projection_of_the_catalogue(kho, catalogue):
    # combined per year 0, 1/2, 1, 1/2: slope 1/5 a year, 1.2 in 2028, shown as 100 %
    p = figures(kho).projection
    assert p.basis_years == (2023, 2024, 2025, 2026)
    assert (p.year, p.combined_share, p.digitisation_rate) == (2028, 1.0, 1.0)


@pytest.mark.parametrize("today, on, days", [
    (date(2026, 11, 20), date(2026, 11, 25), 5), (date(2026, 11, 25), date(2026, 11, 25), 0),
    (date(2026, 11, 26), date(2027, 11, 25), 364)])
def test_days_left_before_the_report_deadline(kho, monkeypatch, today, on, days):
    monkeypatch.setattr(plan_progress, "local_today", lambda settings: today)
    deadline = plan_progress.report_deadline(kho)
    assert (deadline.on, deadline.days_left, deadline.today) == (on, days, today)


def test_json_carries_the_same_numbers(kho, catalogue):
    st = figures(kho, commune="xa-kon-braih-2025")
    body = json.loads(json.dumps(plan_progress.stats_json(st)))
    assert body["total"] == 3 and body["digitised"] == 2
    assert body["digitisation_rate"] == 2 / 3 and body["combined_share"] == 2 / 3
    assert body["online_rate"] == 1 / 3 and body["foreign_language_share"] == 0.0
    assert body["counts"] == st.counts()
    assert body["target"] == {"band_min": 0.15, "band_max": 0.2, "verdict": "above"}
    assert body["scope"] == {"from": None, "to": None, "unit": None,
                             "commune": "xa-kon-braih-2025", "rollup": True,
                             "account_unit": None}
    for name in ("by_year", "by_unit", "by_commune", "by_kind", "by_language", "by_channel",
                 "by_theme", "by_plan_task", "broadcasts_by_commune", "downloads_by_commune",
                 "broadcasts_by_month", "projection", "deadline"):
        assert name in body
    assert {r["code"]: r["total"] for r in body["by_unit"]} == {"trung-tam-vhttdltt-kon-ray": 3}
