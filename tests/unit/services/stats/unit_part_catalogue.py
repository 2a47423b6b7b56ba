"""A small catalogue split between two communes and the province, with the office
accounts that report on each part (shared by the service, web, API and PostgreSQL
tests of unit-scoped accounts).

- Xã Đăk Kôi (2025) has K1 (its own), K2 (filed under Đăk Tơ Lung, which it absorbed)
  and K3 (led by the old district centre, filed under the old Đăk Kôi);
- Xã Đăk Rve (2025) has R1 (its own) and R2 (filed under Đăk Pne, which it absorbed);
- the Sở VHTTDL led B1 (no commune); N1 has neither a lead unit nor a commune.
Broadcasts: K1 aired by Đăk Kôi and by Đăk Rve, R1 by Đăk Rve. Downloads: one by Đăk
Kôi, two by Đăk Rve, one by the centre (no commune).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from archive.models import Broadcast, Product, Term, Unit
from archive.usage import DownloadRecord

PASSWORD = "mật-khẩu-văn-phòng"
# account -> its unit (None: an office account without a unit, which sees everything)
OFFICES = {"vh.dakkoi": "xa-dak-koi-2025", "vh.dakrve": "xa-dak-rve-2025",
           "so.vhttdl": "so-vhttdl-quang-ngai-2025", "vanphong": None}
PRODUCTS = {   # name: (lead unit, communes, language)
    "K1": ("xa-dak-koi-2025", ["xa-dak-koi-2025"], "sed"),
    "K2": (None, ["xa-dak-to-lung"], "vie"),
    "K3": ("trung-tam-vhttdltt-kon-ray", ["xa-dak-koi"], "vie"),
    "R1": ("xa-dak-rve-2025", ["xa-dak-rve-2025"], "vie"),
    "R2": (None, ["xa-dak-pne"], "sed"),
    "B1": ("so-vhttdl-quang-ngai-2025", [], "vie"),
    "N1": (None, [], "vie"),
}
# what each account's part holds
PART = {"vh.dakkoi": {"K1", "K2", "K3"}, "vh.dakrve": {"R1", "R2"},
        "so.vhttdl": set(PRODUCTS) - {"N1"}, "vanphong": set(PRODUCTS)}
BROADCASTS = {"vh.dakkoi": {"xa-dak-koi-2025": 1}, "vh.dakrve": {"xa-dak-rve-2025": 2},
              "so.vhttdl": {"xa-dak-koi-2025": 1, "xa-dak-rve-2025": 2,
                            "xa-kon-braih-2025": 0}}
DOWNLOADS = {"vh.dakkoi": {"xa-dak-koi-2025": 1}, "vh.dakrve": {"xa-dak-rve-2025": 2}}


def build(kho, *, with_users: bool = True) -> dict[str, int]:
    """Insert the products, broadcasts and downloads (and the office accounts);
    product name -> id."""
    from app.services.access import accounts

    ids: dict[str, int] = {}
    with kho.transaction() as s:
        terms = {(t.vocabulary, t.code): t for t in s.scalars(select(Term))}
        units = {u.code: u for u in s.scalars(select(Unit))}
        for name, (lead, communes, language) in PRODUCTS.items():
            p = Product(title=f"Sản phẩm {name}", kind=terms[("kind", "radio-feature")],
                        produced_on=date(2025, 9, 1), status="ready",
                        lead_unit=units[lead] if lead else None,
                        communes=[units[c] for c in communes],
                        terms=[terms[("language", language)]])
            s.add(p)
            s.flush()
            ids[name] = p.id
        s.add_all([Broadcast(product_id=ids[p], commune=units[c], aired_on=date(2025, 10, d))
                   for p, c, d in (("K1", "xa-dak-koi-2025", 1), ("K1", "xa-dak-rve-2025", 2),
                                   ("R1", "xa-dak-rve-2025", 3))])
        s.add_all([DownloadRecord(commune_id=units[c].id if c else None, product_id=ids[p],
                                  file_id=0, rendition="broadcast", day=date(2025, 10, 5),
                                  count=1)
                   for c, p in (("xa-dak-koi-2025", "K1"), ("xa-dak-rve-2025", "R1"),
                                ("xa-dak-rve-2025", "K1"), (None, "B1"))])
    if with_users:
        for name, unit in OFFICES.items():
            accounts.add_user(kho, name, "office", PASSWORD, unit=unit)
    return ids
