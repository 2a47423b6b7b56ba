"""A known-answer catalogue for the yearly report tests (last calendar year, so every
broadcast date is in the past whenever the tests run).

In YEAR, four products: a radio feature in Vietnamese and Xơ Đăng on commune radio
and social media, digitised, filed under Đăk Pne (merged into Đăk Rve in 2025); an
English poster with no file; a closed Vietnamese video whose only file failed;
a Vietnamese photo with no channel, digitised. Outside YEAR: a product of YEAR-1
and an undated one (it counts in the year it was created, this year).

Expected for YEAR: total 4, digitised 2 (50 %), ethnic 1, foreign 1, digital 1,
combined 2 (50 %: the ethnic and digital product is the same one), online 0;
broadcasts 2 in Đăk Rve (March) and 1 in Kon Braih (April); one download by the
commune account of Đăk Kôi.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from tests.unit.api.conftest import png_bytes
from tests.access_doors import set_access

PASSWORD = "mat-khau-dai-du-1"


@dataclass
class Catalogue:
    year: int
    feature: int
    poster: int
    video: int
    photo: int
    older: int
    undated: int


def build(kho) -> Catalogue:
    from app.services.access import accounts
    from app.services.broadcasts.log import log_broadcast
    from app.services.files.downloads import open_rendition
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from app.services.common.clock import local_today
    from archive.models import File
    from tests.broadcast_copies import give_broadcast_copy

    year = local_today(kho.settings).year - 1
    for name, role, commune in (("sx", "producer", None), ("vanphong", "office", None),
                                ("quantri", "admin", None),
                                ("daixa", "commune", "xa-dak-koi-2025")):
        accounts.add_user(kho, name, role, PASSWORD, commune=commune)
    producer = accounts.actor_by_name(kho, "sx")
    admin = accounts.actor_by_name(kho, "quantri")

    def make(title: str, **data) -> int:
        return create_product(kho, producer, {"title": title, **data})

    feature = make("Phóng sự quyền trẻ em song ngữ", kind="radio-feature",
                   languages=["vie", "sed"], channels=["commune-radio", "social-media"],
                   plan_task="3.3", lead_unit="trung-tam-vhttdltt-kon-ray",
                   communes=["xa-dak-pne"], produced_on=f"01/03/{year}")
    poster = make("Tranh cổ động tiếng Anh", kind="poster", languages=["eng"],
                  channels=["exhibition"], communes=["xa-kon-braih-2025"],
                  produced_on=f"01/04/{year}", lead_unit="phong-vhtt-kon-ray")
    video = make("Video hạn chế", kind="video", languages=["vie"],
                 channels=["district-radio"], produced_on=f"10/05/{year}")
    set_access(kho, video, "closed")
    photo = make("Ảnh tư liệu Đăk Kôi", kind="photo", languages=["vie"],
                 produced_on=f"20/06/{year}")
    older = make("Sản phẩm năm trước", languages=["sed"], produced_on=f"20/06/{year - 1}")
    undated = make("Sản phẩm chưa ghi ngày", languages=["eng"])
    file_of = {}
    for pid in (feature, photo, video):
        file_of[pid] = receive(kho, producer, pid, io.BytesIO(png_bytes((40 + pid, 30))),
                               f"anh-{pid}.png").file_id
    with kho.transaction() as s:        # the video's file failed processing
        s.execute(update(File).where(File.id == file_of[video]).values(status="failed",
                                                                          problem="tool.failed",
                                                                          error_detail="hỏng"))
    give_broadcast_copy(kho, feature)       # its broadcast MP3: it may be logged as aired
    log_broadcast(kho, admin, feature, f"{year}-03-02", "23479")   # GSO: that day's commune
    log_broadcast(kho, admin, feature, f"{year}-03-20", "23479")   # GSO: that day's commune
    _old_log(kho, poster, date(year, 4, 9), "23497")
    fetched = open_rendition(kho, accounts.actor_by_name(kho, "daixa"), feature,
                             file_of[feature], "original")
    fetched.iter_range(0, fetched.size - 1)    # the bytes go out: now it is a download
    _date_downloads(kho, date(year, 7, 1))     # recorded today: move into the year
    return Catalogue(year, feature, poster, video, photo, older, undated)


def _old_log(kho, product_id: int, day: date, gso_code: str) -> None:
    """A log written before only airable products could be logged (a poster "aired"):
    such rows still count until withdrawn."""
    from sqlalchemy import select

    from archive.models import Broadcast, Unit

    with kho.transaction() as s:
        units = list(s.scalars(select(Unit).where(Unit.gso_code == gso_code)))
        commune = next((u for u in units if u.valid_on(day)), units[0])  # that day's
        s.add(Broadcast(product_id=product_id, commune_id=commune.id, aired_on=day))


def _date_downloads(kho, day: date) -> None:
    from archive.usage import DownloadRecord

    with kho.transaction() as s:
        s.execute(update(DownloadRecord).values(day=day))
