"""Known answer: three trainings with overlapping lists give people, not attendances,
per group and unit, rolled up into the 2025 communes, against 100 % and 70 %."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.services.activities.figures import activities_by_plan_task, people_figures
from archive.people import Attendance, Person

from .people_data import HR, INFO, KEY, three_trainings


def test_three_trainings_give_unique_people_and_shares(kho, actors, tmp_path):
    three_trainings(kho, actors["office"], tmp_path)
    with kho.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 6
        assert s.scalar(select(func.count()).select_from(Attendance)) == 10
        fig = people_figures(s, None, 2025)
        tasks = activities_by_plan_task(s, None, 2025)
    groups = {g.code: g for g in fig.by_group}
    assert (groups[INFO].trained, groups[INFO].staff, groups[INFO].to_train) == (2, 4, 2)
    assert (groups[HR].trained, groups[HR].staff, groups[HR].to_train) == (1, 2, 1)
    assert (groups[KEY].trained, groups[KEY].staff, groups[KEY].to_train) == (3, 5, 1)
    assert groups[KEY].target_percent == 70 and groups[INFO].target_percent == 100
    assert groups[KEY].share.value == 0.6 and groups[INFO].share.value == 0.5
    units = {(u.unit_code, u.code): (u.trained, u.staff) for u in fig.by_unit}
    assert units == {("xa-dak-koi-2025", INFO): (2, 4), ("xa-dak-koi-2025", HR): (1, 2),
                     ("hoi-lhpn-kon-ray", KEY): (3, 5)}
    assert fig.people_trained == 6 and fig.activities == 3 and fig.participants == 10
    assert [(t.plan_task, t.activities, t.participants, t.people_trained) for t in tasks] \
        == [("2.2", 3, 10, 6)]


def test_without_rollup_the_old_communes_stand_apart(kho, actors, tmp_path):
    three_trainings(kho, actors["office"], tmp_path)
    with kho.transaction() as s:
        fig = people_figures(s, None, 2025, rollup=False)
    units = {(u.unit_code, u.code): (u.trained, u.staff) for u in fig.by_unit}
    assert units[("xa-dak-koi", INFO)] == (1, 2)
    assert units[("xa-dak-to-lung", INFO)] == (1, 2)


def test_a_commune_office_sees_its_communes_people_only(kho, actors, tmp_path):
    from app.services.activities.people_matching import list_people
    from app.services.activities.people_view import request_people

    three_trainings(kho, actors["office"], tmp_path)
    mine = request_people(kho, actors["commune_office"], {"year": "2025"})
    assert {(u.unit_code, u.code) for u in mine.by_unit} == {("xa-dak-koi-2025", INFO),
                                                           ("xa-dak-koi-2025", HR)}
    assert mine.people_trained == 3
    names = {p.name for p in list_people(kho, actors["commune_office"])}
    assert names == {"Nguyễn Văn An", "Y Hoa", "A Thương"}


def test_moving_or_deleting_an_activity_recounts_its_people(kho, actors, tmp_path):
    from sqlalchemy import update

    from app.services.activities.people_ledger import activity_changed
    from archive.activities import Activity

    ids = three_trainings(kho, actors["office"], tmp_path)
    with kho.transaction() as s:
        activity_changed(s, ids["C"], deleting=True)
        s.execute(update(Activity).where(Activity.id == ids["B"])
                  .values(starts_on=date(2024, 4, 15), ends_on=date(2024, 4, 15)))
        activity_changed(s, ids["B"])
    with kho.transaction() as s:
        assert people_figures(s, None, 2025).people_trained == 3      # A only
        assert people_figures(s, None, 2024).people_trained == 4      # B moved to 2024
