"""The activities register: recording with checked fields, units as they were on the
activity's days, audit trail, versions, unit scoping and deletion."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.activities import register
from app.services.activities.register import ActivityFilter
from archive.activities import Activity, ActivityChange
from archive.errors import NotFound, PermissionDenied, PreconditionFailed, ValidationError
from archive.models import Term

from .conftest import training


def test_seeded_vocabularies_carry_plan_tasks_and_target_shares(kho):
    with kho.transaction() as s:
        kinds = {t.code: t for t in s.scalars(select(Term).where(Term.vocabulary == "activity_kind"))}
        groups = {t.code: t.target_percent for t in s.scalars(
            select(Term).where(Term.vocabulary == "target_group"))}
    assert len(kinds) == 11 and kinds["press-briefing"].plan_tasks == ["2.1"]
    assert kinds["training"].label_vi == "Tập huấn, bồi dưỡng"
    assert groups["mass-organisation-key-staff"] == 70
    assert groups["human-rights-officials"] == 100 and groups["citizens"] is None


def test_a_training_is_recorded_with_its_counts_and_audit(kho, actors):
    aid = register.create_activity(kho, actors["producer"], training())
    activity, people = register.get_activity(kho, actors["producer"], aid)
    assert activity.title == "Tập huấn kỹ năng truyền thông về quyền con người"
    assert (activity.starts_on.isoformat(), activity.ends_on.isoformat()) == ("2025-09-12", "2025-09-13")
    assert activity.participants == 70 and activity.version == 1
    assert people is False            # a producer never sees participants' names
    history = register.activity_history(kho, actors["admin"], aid)
    assert history[0]["action"] == "create" and history[0]["user"] == "sx"


def test_one_day_when_no_last_day_is_given(kho, actors):
    aid = register.create_activity(kho, actors["office"], training(ends_on=""))
    activity, _ = register.get_activity(kho, actors["office"], aid)
    assert activity.one_day and activity.starts_on.isoformat() == "2025-09-12"


def test_every_bad_field_is_named_and_nothing_is_written(kho, actors):
    with pytest.raises(ValidationError) as err:
        register.create_activity(kho, actors["producer"], training(
            kind="picnic", title=" ", starts_on="14/09/2025", ends_on="13/09/2025",
            participants=[{"target_group": "citizens", "total": 10, "women": 11}],
            colour="red"))
    fields = err.value.fields
    assert set(fields) == {"kind", "title", "ends_on", "participants", "colour"}
    assert "women" in str(fields["participants"])
    with kho.transaction() as s:
        assert s.scalar(select(Activity.id)) is None


def test_a_2019_activity_cannot_name_a_commune_of_2025_and_is_told_which_to_use(kho, actors):
    with pytest.raises(ValidationError) as err:
        register.create_activity(kho, actors["producer"], training(
            starts_on="05/03/2019", ends_on="", organiser="phong-vhtt-kon-ray",
            communes=["xa-kon-braih-2025"]))
    problem = str(err.value.fields["communes"])
    assert "01/07/2025" in problem
    assert "Xã Đăk Ruồng" in problem and "Xã Tân Lập" in problem   # its predecessors
    with pytest.raises(ValidationError) as err:       # and the other way round
        register.create_activity(kho, actors["producer"], training(communes=["xa-dak-ruong"]))
    assert "Xã Kon Braih" in str(err.value.fields["communes"])
    with pytest.raises(ValidationError) as err:       # a merged commune that kept its name
        register.create_activity(kho, actors["producer"], training(communes=["xa-dak-koi"]))
    assert str(err.value.fields["communes"]) == ("Xã Đăk Kôi (xa-dak-koi) ended on 30/06/2025;"
                                                 " on 12/09/2025 use Xã Đăk Kôi"
                                                 " (xa-dak-koi-2025)")
    with pytest.raises(ValidationError) as err:       # and the other way round
        register.create_activity(kho, actors["producer"], training(
            starts_on="05/03/2019", ends_on="", organiser="phong-vhtt-kon-ray",
            communes=["xa-dak-koi-2025"]))
    assert str(err.value.fields["communes"]) == (
        "Xã Đăk Kôi (xa-dak-koi-2025) exists only from 01/07/2025; on 05/03/2019 use"
        " Xã Đăk Kôi (xa-dak-koi) / Xã Đăk Tơ Lung")
    aid = register.create_activity(kho, actors["producer"], training(
        starts_on="05/03/2019", ends_on="", organiser="phong-vhtt-kon-ray",
        communes=["xa-dak-ruong"]))
    assert aid


def test_an_edit_is_audited_and_a_stale_version_refused(kho, actors):
    aid = register.create_activity(kho, actors["producer"], training())
    changes = register.update_activity(kho, actors["producer"], aid,
                                       {"place": "Nhà văn hóa thôn 3"}, if_version=1)
    assert changes == {"place": ["Hội trường UBND xã Đăk Kôi", "Nhà văn hóa thôn 3"]}
    with pytest.raises(PreconditionFailed):
        register.update_activity(kho, actors["producer"], aid, {"place": "x"}, if_version=1)
    activity, _ = register.get_activity(kho, actors["producer"], aid)
    assert activity.version == 2 and activity.place == "Nhà văn hóa thôn 3"
    assert [h["action"] for h in register.activity_history(kho, actors["admin"], aid)] == \
        ["update", "create"]


def test_a_commune_office_sees_its_communes_activities_only(kho, actors):
    here = register.create_activity(kho, actors["office"], training())
    there = register.create_activity(kho, actors["office"], training(
        organiser="xa-kon-braih-2025", communes=["xa-kon-braih-2025"]))
    mine = register.list_activities(kho, actors["commune_office"])
    assert [a.id for a in mine.items] == [here]
    with pytest.raises(NotFound):
        register.get_activity(kho, actors["commune_office"], there)
    _, people = register.get_activity(kho, actors["commune_office"], here)
    assert people is True             # an office account of the activity's scope
    assert {a.id for a in register.list_activities(kho, actors["producer"]).items} == {here, there}
    with pytest.raises(PermissionDenied):   # nor records activities of another commune
        register.create_activity(kho, actors["commune_office"], training(
            organiser="xa-kon-braih-2025", communes=["xa-kon-braih-2025"]))


def test_commune_staff_read_but_do_not_record_and_producers_do_not_delete(kho, actors):
    aid = register.create_activity(kho, actors["producer"], training(
        organiser="xa-kon-braih-2025", communes=["xa-kon-braih-2025"]))
    assert register.get_activity(kho, actors["commune"], aid)[1] is False
    with pytest.raises(PermissionDenied):
        register.create_activity(kho, actors["commune"], training())
    with pytest.raises(PermissionDenied):
        register.delete_activity(kho, actors["producer"], aid)
    register.delete_activity(kho, actors["office"], aid)
    with pytest.raises(NotFound):
        register.get_activity(kho, actors["office"], aid)
    with kho.transaction() as s:
        last = s.scalars(select(ActivityChange).where(ActivityChange.activity_id == aid)
                         .order_by(ActivityChange.id.desc())).first()
    assert last.action == "delete" and last.changes["deleted"]["title"].startswith("Tập huấn")


def test_search_folds_diacritics_and_filters(kho, actors):
    register.create_activity(kho, actors["office"], training())
    register.create_activity(kho, actors["office"], training(
        kind="contest", title="Cuộc thi tìm hiểu pháp luật", plan_task="6.1",
        description="", place=""))
    found = register.list_activities(kho, actors["office"], ActivityFilter(q="tap huan"))
    assert [a.title for a in found.items] == ["Tập huấn kỹ năng truyền thông về quyền con người"]
    assert register.list_activities(kho, actors["office"], ActivityFilter(kind="contest")).total == 1
    assert register.list_activities(kho, actors["office"], ActivityFilter(year=2024)).total == 0


def test_deleting_a_training_takes_its_people_out_of_the_trained_counts(kho, actors):
    from archive.people import TrainedCount
    from tests.activity_catalogue import _participant
    from app.services.activities.people_ledger import recount
    from archive.people import Person

    aid = register.create_activity(kho, actors["office"], training())
    _participant(kho, aid)
    with kho.transaction() as s:
        recount(s, list(s.scalars(select(Person.id))))
    with kho.transaction() as s:
        assert [(c.year, c.people) for c in s.scalars(select(TrainedCount))] == [(2025, 1)]
    register.update_activity(kho, actors["office"], aid, {"starts_on": "12/01/2026",
                                                          "ends_on": ""})
    with kho.transaction() as s:
        assert [(c.year, c.people) for c in s.scalars(select(TrainedCount))
                if c.people] == [(2026, 1)]
    register.delete_activity(kho, actors["office"], aid)
    with kho.transaction() as s:
        assert [c.people for c in s.scalars(select(TrainedCount)) if c.people] == []


@pytest.mark.parametrize("product_id", [2 ** 31, 10 ** 20, 0, -3])
def test_a_product_number_no_row_can_have_is_named_not_a_crash(kho, actors, product_id):
    # 2**31 overflowed PostgreSQL's INTEGER (a 500); every such number is "no product"
    with pytest.raises(ValidationError) as err:
        register.create_activity(kho, actors["office"], training(
            products=[{"product_id": product_id, "use": "shown"}]))
    assert "products" in err.value.fields and str(product_id) in str(err.value.fields["products"])
