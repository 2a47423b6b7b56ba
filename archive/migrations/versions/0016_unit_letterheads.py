"""unit_letterheads: what a letterhead needs on each unit (reporting chain, part 2)

The yearly report's issuing body, place line, signer and recipient are read from the
unit table as it stood on the report's date (app/services/reports/letterhead.py), no
longer from the settings ``report_issuer`` / ``report_recipient`` (now overrides only).
Each unit gains:

- ``letterhead_name``: the body as the document's header writes it ("" = worked out
  from the name and level, e.g. "Ủy ban nhân dân xã Đăk Rve" for a commune);
- ``place_name``: the place of the date line (địa danh; "" = the commune's short name
  or the parent's place);
- ``signer_title`` / ``signer_name``: who signs ("" = the title by level, Nghị định
  30/2020; the name left as a dotted line);
- ``reports_to_id``: a configured recipient of its reports (None = the consolidating
  body above it, else the parent);
- ``consolidates``: the body collects the yearly contributions beneath it and issues
  the consolidated report (seeded for the district's Phòng VH-TT and the province's
  Sở VHTTDL).

The seeded units get the same values as a fresh ``kho init`` (archive/seed/
vocabularies.toml), only where the unit exists and the field is still empty.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# code -> (place_name, signer_title, reports_to code): as in the seed file
SEEDED = {
    "tinh-kon-tum": ("Kon Tum", "", ""),
    "tinh-quang-ngai-2025": ("Quảng Ngãi", "", ""),
    "huyen-kon-ray": ("Kon Rẫy", "", ""),
    "phong-vhtt-kon-ray": ("", "TRƯỞNG PHÒNG", "so-tttt-kon-tum"),
    "so-vhttdl-quang-ngai-2025": ("", "GIÁM ĐỐC", ""),
    "so-tttt-kon-tum": ("", "GIÁM ĐỐC", ""),
    "trung-tam-vhttdltt-kon-ray": ("", "GIÁM ĐỐC", ""),
}


CONSOLIDATORS = ("phong-vhtt-kon-ray", "so-vhttdl-quang-ngai-2025")


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        for name, size in (("letterhead_name", 300), ("place_name", 120),
                           ("signer_title", 200), ("signer_name", 200)):
            batch_op.add_column(sa.Column(name, sa.String(length=size), nullable=False,
                                          server_default=""))
        batch_op.add_column(sa.Column("reports_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consolidates", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f("fk_units_reports_to_id_units"), "units",
                                    ["reports_to_id"], ["id"])
    bind = op.get_bind()
    ids = dict(bind.execute(sa.text("SELECT code, id FROM units")).all())
    for code in CONSOLIDATORS:
        if code in ids:
            bind.execute(sa.text("UPDATE units SET consolidates = :yes WHERE id = :id"),
                         {"yes": True, "id": ids[code]})
    for code, (place, title, target) in SEEDED.items():
        if code in ids:
            bind.execute(sa.text(
                "UPDATE units SET place_name = :place, signer_title = :title, "
                "reports_to_id = :target WHERE id = :id"),
                {"place": place, "title": title, "id": ids[code], "target": ids.get(target)})


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_units_reports_to_id_units"),
                                 type_="foreignkey")
        batch_op.drop_column("consolidates")
        for name in ("reports_to_id", "signer_name", "signer_title",
                     "place_name", "letterhead_name"):
            batch_op.drop_column(name)
