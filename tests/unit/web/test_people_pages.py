"""Known answer, the same everywhere: three trainings with overlapping attendance lists
give the same unique people per group and unit and the same shares against 100 % / 70 %
on the dashboard, in GET /api/v1/stats and /api/v1/people/figures, in ``kho stats`` and
``kho people figures``, and in the yearly workbook. And the privacy rule: participant
names for office and admin accounts only, producers see none."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from app.cli import main
from tests.conftest import point_cli_at
from tests.unit.services.activities.people_data import HR, INFO, KEY, LISTS, three_trainings, \
    write_csv

from .conftest import Browser


@pytest.fixture
def answer(kho_rt, actors, tmp_path):
    return three_trainings(kho_rt, actors["office"], tmp_path)


def test_dashboard_shows_the_shares_and_people_still_to_train(as_role, answer):
    page = as_role("office").get("/dashboard?from=01/01/2025&to=31/12/2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    start = html.index('id="people"')
    section = html[start:html.index('\n</section>', start)]     # the people card
    assert "Con người và hoạt động" in section
    info = section[section.index(f'id="people-{INFO}"'):][:900]
    assert 'data-value="0.5"' in info and "2 người còn phải tập huấn" in info
    key = section[section.index(f'id="people-{KEY}"'):][:900]
    assert 'data-value="0.6"' in key and "70 %" in key and "1 người còn phải tập huấn" in key
    assert "Xã Đăk Kôi" in section and "Nguyễn Văn An" not in section


def test_the_api_and_the_cli_give_the_same_figures(app, kho_rt, users, answer, tmp_path,
                                                   monkeypatch):
    from app.services.access import accounts

    token = accounts.create_token(kho_rt, users["office"], "tests")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    stats = client.get("/api/v1/stats?from=2025-01-01&to=2025-12-31", headers=auth).get_json()
    people = client.get("/api/v1/people/figures?year=2025", headers=auth).get_json()["people"]
    assert stats["people"] == people
    groups = {g["code"]: g for g in people["by_group"]}
    assert (groups[INFO]["trained"], groups[INFO]["staff"], groups[INFO]["share"],
            groups[INFO]["target_share"], groups[INFO]["to_train"]) == (2, 4, 0.5, 1.0, 2)
    assert (groups[HR]["trained"], groups[HR]["staff"], groups[HR]["to_train"]) == (1, 2, 1)
    assert (groups[KEY]["trained"], groups[KEY]["staff"], groups[KEY]["share"],
            groups[KEY]["target_share"], groups[KEY]["to_train"]) == (3, 5, 0.6, 0.7, 1)
    assert {(u["unit"], u["code"], u["trained"]) for u in people["by_unit"]} == {
        ("xa-dak-koi-2025", INFO, 2), ("xa-dak-koi-2025", HR, 1), ("hoi-lhpn-kon-ray", KEY, 3)}
    assert stats["activities"]["total"] == 3 and stats["activities"]["participants"] == 10

    point_cli_at(monkeypatch, kho_rt, tmp_path)
    run = CliRunner().invoke(main, ["stats", "--from", "2025-01-01", "--to", "2025-12-31",
                                    "--json"], catch_exceptions=False)
    assert json.loads(run.output)["people"] == people
    text = CliRunner().invoke(main, ["--lang", "vi", "people", "figures", "--year", "2025"],
                              catch_exceptions=False).output
    key_line = next(line for line in text.splitlines() if line.startswith("Cán bộ chủ chốt"))
    assert re.search(r"\s3\s+5\s+60,0\s%\s+70,0\s%\s+1$", key_line), key_line


def test_the_workbook_has_the_activities_and_people_sheets(kho_rt, actors, answer, tmp_path):
    from app.services.reports.yearly import write_report

    out = tmp_path / "bao-cao-2025.xlsx"
    write_report(kho_rt, actors["office"], 2025, out)
    book = load_workbook(out)
    rows = list(book["Hoạt động"].iter_rows(values_only=True))
    assert len([r for r in rows if isinstance(r[0], int)]) == 3
    people = [r for r in book["Người được tập huấn"].iter_rows(values_only=True)]
    by_key = {(r[0], r[1]): r[2:] for r in people}
    key = by_key[("Toàn bộ", "Cán bộ chủ chốt của các tổ chức chính trị - xã hội")]
    assert key == (3, 5, 0.6, 0.7, 1)
    assert by_key[("Xã Đăk Kôi", "Cán bộ, công chức làm công tác quản lý thông tin, truyền thông")] \
        == (2, 4, 0.5, 1.0, 2)
    assert "Nguyễn Văn An" not in str(people) + str(rows)


def test_names_for_office_and_admin_only(app, as_role, kho_rt, actors, answer, users):
    from app.services.access import accounts

    activity = answer["A"]
    link = f'href="/activities/{activity}/attendance"'
    assert link in as_role("office").get(f"/activities/{activity}").get_data(as_text=True)
    assert link not in as_role("producer").get(f"/activities/{activity}").get_data(as_text=True)
    office = as_role("office").get(f"/activities/{activity}/attendance")
    assert office.status_code == 200 and "Nguyễn Văn An" in office.get_data(as_text=True)
    assert as_role("producer").get(f"/activities/{activity}/attendance").status_code == 403
    assert as_role("producer").get("/people").status_code == 403
    token = accounts.create_token(kho_rt, users["producer"], "tests")
    listed = app.test_client().get(f"/api/v1/activities/{activity}/attendance",
                                   headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 403 and "Nguyễn" not in listed.get_data(as_text=True)


def test_a_bad_sheet_shows_its_qc_report_and_imports_nothing(as_role, kho_rt, actors,
                                                              tmp_path):
    from app.services.activities import register
    from tests.unit.services.activities.people_data import training

    day, rows = LISTS["A"]
    aid = register.create_activity(kho_rt, actors["office"], training(day, rows))
    bad = write_csv(tmp_path / "bad.csv", [["", *rows[0][1:]], rows[1], rows[2]])
    b: Browser = as_role("office")
    token = b.token(f"/activities/{aid}/attendance")
    with open(bad, "rb") as fh:
        page = b.client.post(f"/activities/{aid}/attendance", data={
            "csrf_token": token, "sheet": (fh, "bad.csv")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Dòng 2, cột Họ và tên: tên trống" in html
    assert "Không nhập gì" in html
    good = write_csv(tmp_path / "good.csv", rows)
    with open(good, "rb") as fh:
        page = b.client.post(f"/activities/{aid}/attendance", data={
            "csrf_token": token, "sheet": (fh, "good.csv")}, content_type="multipart/form-data")
    assert page.status_code == 200 and "Trần Thị Bình" in page.get_data(as_text=True)


def test_staff_and_spokesperson_pages_record(as_role):
    b = as_role("office")
    page = b.post("/people/staff?year=2025", {"year": "2025", "unit": "xa-dak-koi",
                                              "target_group": INFO, "staff": "7"},
                  token_from="/people/staff")
    assert page.status_code == 303
    assert "7" in b.get("/people/staff?year=2025").get_data(as_text=True)
    page = b.post("/people/spokespersons?year=2025", {
        "year": "2025", "unit": "phong-vhtt-kon-ray", "designated": "yes",
        "name": "Lê Thị Hồng", "position": "Trưởng phòng"}, token_from="/people/spokespersons")
    assert page.status_code == 303
    html = b.get("/dashboard?from=01/01/2025&to=31/12/2025").get_data(as_text=True)
    assert 'id="people-spokespersons"' in html
    sp = html[html.index('id="people-spokespersons"'):][:700]
    assert 'data-value="1.0"' in sp


def test_the_document_counts_the_plan_task_of_the_trainings(kho_rt, actors, answer, tmp_path):
    from docx import Document

    from app.services.reports.yearly import write_report

    out = tmp_path / "bao-cao-2025.docx"
    write_report(kho_rt, actors["office"], 2025, out)
    rows = [[c.text for c in r.cells] for t in Document(str(out)).tables for r in t.rows]
    task = next(r for r in rows if r and r[0].startswith("2.2."))
    assert task[-3:] == ["3", "10", "6"]      # activities, participants, people trained
