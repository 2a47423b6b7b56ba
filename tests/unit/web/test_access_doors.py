"""Every reading door follows the one access rule (issue 26), through the pages and the
JSON API: the counted attack of a commune account on every URL of a closed product
(page, API, thumbnails, previews, waveform, PDF page images, transcripts, downloads,
presigned redirects, history, suggestions, near-duplicate mentions, guessed URLs) —
no answer succeeds; a restricted product seen by its audience's commune and refused,
with its title, to the neighbour commune; a file stricter than its product hidden while
the product shows; the radio-consent warning on downloads.

Runs on SQLite here and on PostgreSQL through tests/integration/test_access_doors_pg.py.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.access_doors import add_consent, set_access, set_file_access
from tests.unit.ingest import likeness_media as made
from tests.unit.ingest.media_factory import text_pdf
from tests.unit.web.conftest import PASSWORD, Browser

COMMUNE, NEIGHBOUR = "xa-dak-koi-2025", "xa-kon-braih-2025"
RITUAL = "Lễ cúng lúa mới của người Xơ Đăng"
# bytes sent: streamed from a local store, or a redirect to a presigned S3 link
SENT = (200, 302)
VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBa con Xo Dang mua lua moi\n"


class Site:
    """The app with a producer and an office (no unit: they see everything), staff of
    Đăk Kôi (``xa``) and of its neighbour Kon Braih (``xa-ben``), each with a signed-in
    browser and an API token."""

    def __init__(self, app: Any) -> None:
        from app.services.access import accounts

        self.app, self.kho = app, app.extensions["kho"]
        for name, role, commune in (("sx", "producer", None), ("vp", "office", None),
                                    ("xa", "commune", COMMUNE),
                                    ("xa-ben", "commune", NEIGHBOUR)):
            accounts.add_user(self.kho, name, role, PASSWORD, commune=commune)
        self.tokens = {name: accounts.create_token(self.kho, name)
                       for name in ("sx", "vp", "xa", "xa-ben")}
        self.producer = accounts.actor_by_name(self.kho, "sx")
        self._browsers: dict[str, Browser] = {}

    def browser(self, name: str) -> Browser:
        if name not in self._browsers:
            b = Browser(self.app.test_client())
            assert b.login(name).status_code == 302
            self._browsers[name] = b
        return self._browsers[name]

    def api(self, name: str, path: str, method: str = "GET", **kw):
        headers = {"Authorization": f"Bearer {self.tokens[name]}", "Accept-Language": "vi"}
        return self.app.test_client().open(f"/api/v1{path}", method=method,
                                           headers=headers, **kw)

    def product(self, title: str) -> int:
        from app.services.catalogue.products import create_product

        return create_product(self.kho, self.producer, {"title": title})

    def add(self, product_id: int, path: Path, name: str = "") -> int:
        from app.services.files.intake import receive

        with path.open("rb") as stream:
            got = receive(self.kho, self.producer, product_id, stream, name or path.name)
        return got.track.file_id if got.track is not None else got.file_id


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("access")
    # what these tests add: a poster and its re-scan (a near-duplicate), and a bulletin
    # short enough for its captions (6 s: every ritual processes it again)
    first = made.poster(11, layout=1)
    found = {"poster": made.save(first, folder / "tranh-co-dong.jpg"),
             "rescan": made.save(made.rescan(first, 3), folder / "tranh-co-dong-quet-lai.jpg"),
             "bulletin": made.bulletin(folder / "ban-tin.mp3", seed=21, seconds=6.0)}
    found["pdf"] = text_pdf(folder / "bai-khan.pdf", ["Bai khan le cung lua moi",
                                                       "Trang hai cua bai khan"])
    found["vtt"] = folder / "ban-tin.vi.vtt"
    found["vtt"].write_bytes(VTT)
    return found


@pytest.fixture
def site(app) -> Site:
    return Site(app)


@pytest.fixture
def ritual(site: Site, media) -> dict[str, Any]:
    """A ritual with a poster, a recording with its transcript and the prayer as a PDF;
    a public re-scan of the poster (a near-duplicate the producer confirmed); then the
    ritual is closed. What the owning office sees of it is returned."""
    from app.services.catalogue import near_duplicates

    pid = site.product(RITUAL)
    poster = site.add(pid, media["poster"])
    audio = site.add(pid, media["bulletin"])
    site.add(pid, media["vtt"], "ban-tin.vi.vtt")
    pdf = site.add(pid, media["pdf"])
    rescan_pid = site.product("Tranh quét lại")
    rescan = site.add(rescan_pid, media["rescan"])
    near_duplicates.answer(site.kho, site.producer, rescan_pid, rescan, poster, "same")
    aired = site.api("xa", f"/products/{pid}/broadcasts", "POST",
                     json={"aired_on": (date.today() - timedelta(days=2)).isoformat()})
    assert aired.status_code == 201, aired.get_json()
    set_access(site.kho, pid, "closed")
    seen = site.api("vp", f"/products/{pid}").get_json()
    return {"id": pid, "poster": poster, "audio": audio, "pdf": pdf, "seen": seen,
            "public_id": rescan_pid, "public_file": rescan}


def _urls(r: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(page URLs, API URLs) of the closed product, from what its office sees."""
    pid, pages, calls = r["id"], [], []
    pages += [f"/products/{pid}", f"/products/{pid}/status.json", f"/products/{pid}/edit",
              f"/products/{pid}/upload"]
    calls += [f"/products/{pid}", f"/products/{pid}/history", f"/products/{pid}/broadcasts"]
    for f in r["seen"]["files"]:
        for name in ["original"] + [x["name"] for x in f["renditions"]]:
            path = f"/products/{pid}/files/{f['id']}/{name}"
            pages += [path, f"{path}?download=1"]
            calls.append(path)
        for t in f["tracks"]:
            track = f"/products/{pid}/files/{f['id']}/tracks/{t['id']}"
            pages += [f"{track}.vtt", f"{track}.vtt?download=1", f"{track}/original"]
            calls += [track, f"{track}?original=1"]
    pdf = f"/products/{pid}/files/{r['pdf']}/pages"
    pages += [f"{pdf}/1", f"{pdf}/1/image", f"{pdf}/2/image"]
    return pages, calls


def _guessed(r: dict[str, Any]) -> list[str]:
    """URLs an attacker guesses: the closed files under the public product's id, the
    public file under the closed product's id, renditions that may exist, the ids next
    to them."""
    pid, other, other_file = r["id"], r["public_id"], r["public_file"]
    guessed = []
    for fid in (r["poster"], r["audio"], r["pdf"]):
        for name in ("thumbnail", "preview", "waveform", "broadcast", "lowband", "poster",
                     "proxy", "text", "original", "page-1"):
            guessed.append(f"/products/{other}/files/{fid}/{name}")
    guessed += [f"/products/{other}/files/{r['pdf']}/pages/1/image",
                f"/products/{pid}/files/{other_file}/thumbnail",
                f"/products/{pid}/files/{r['poster']}/page-1",
                f"/products/{pid}/files/{r['pdf'] + 1}/thumbnail",
                f"/products/{pid + 1}/files/{r['poster']}/thumbnail",
                f"/products/{pid}/files/{r['audio']}/tracks/1.vtt",
                f"/products/{other}/files/{r['audio']}/tracks/1.vtt"]
    return guessed


def test_a_commune_account_gets_nothing_from_any_url_of_a_closed_product(site, ritual):
    issued: list[str] = []
    local = site.kho.storage

    class PresigningStorage:
        """The local store, offering direct links the way S3 does (and noting them)."""

        def __getattr__(self, name):
            return getattr(local, name)

        def presigned_url(self, key, *, filename=None, content_type=None, expires=None):
            issued.append(key)
            return f"https://objects.example/{key}?expires={expires}"

    pages, calls = _urls(ritual)
    guessed = _guessed(ritual)
    office = site.browser("vp")
    assert all(office.get(u).status_code < 400 for u in pages if "/edit" not in u
               and "/upload" not in u), "the URLs tried are the product's real ones"
    site.kho.__dict__["storage"] = PresigningStorage()
    commune = site.browser("xa")
    tried = [(u, commune.get(u).status_code) for u in pages + guessed]
    tried += [(f"/api/v1{u}", site.api("xa", u).status_code) for u in calls + guessed]
    tried += [(f"/api/v1{u} (HEAD)", site.api("xa", u, "HEAD").status_code)
              for u in calls if "/files/" in u]
    succeeded = [(u, code) for u, code in tried if code < 400]
    assert succeeded == [] and len(tried) >= 120     # 131 URLs when written
    assert {code for _, code in tried} <= {403, 404, 405}
    assert issued == []            # no presigned link was even asked for


def test_lists_and_neighbours_never_name_a_closed_product(site, ritual):
    pid, other = ritual["id"], ritual["public_id"]
    commune = site.browser("xa")
    marks = (RITUAL, f"/products/{pid}\"", f'"product_id": {pid}', "tranh-co-dong.jpg")
    reads = {
        "search page": commune.get("/search?q=Xơ+Đăng").get_data(as_text=True),
        "search page, all": commune.get("/search").get_data(as_text=True),
        "public product page": commune.get(f"/products/{other}").get_data(as_text=True),
        "public product status": commune.get(f"/products/{other}/status.json")
        .get_data(as_text=True),
        "API search": site.api("xa", "/search?q=Xơ+Đăng").get_data(as_text=True),
        "API public product": site.api("xa", f"/products/{other}").get_data(as_text=True),
        "API public history": site.api("xa", f"/products/{other}/history")
        .get_data(as_text=True),
        "broadcast list": commune.get("/broadcasts").get_data(as_text=True),
        "API broadcast list": site.api("xa", "/broadcasts").get_data(as_text=True),
    }
    named = {where: [m for m in marks if m in text] for where, text in reads.items()}
    assert named == {where: [] for where in reads}
    flags = site.api("xa", f"/products/{other}").get_json()["files"][0]["near_duplicates"]
    assert flags == []
    office = site.api("vp", f"/products/{other}").get_json()
    assert [f["title"] for f in office["files"][0]["near_duplicates"]] == [RITUAL]
    history = site.api("vp", f"/products/{other}/history").get_json()["history"]
    assert any(h["action"] == "file.near_duplicate" for h in history)
    assert [b["product_id"] for b in site.api("vp", "/broadcasts").get_json()["broadcasts"]] \
        == [pid]


def test_a_restricted_ritual_is_heard_in_its_commune_and_refused_next_door(site, media):
    pid = site.product(RITUAL)
    audio = site.add(pid, media["bulletin"])
    set_access(site.kho, pid, "restricted", units=[COMMUNE])
    here, there = site.browser("xa"), site.browser("xa-ben")
    assert here.get(f"/products/{pid}").status_code == 200
    assert here.get(f"/products/{pid}/files/{audio}/broadcast").status_code in SENT
    assert site.api("xa", f"/products/{pid}").get_json()["access"] == {
        "level": "restricted", "audience": {"units": [COMMUNE], "roles": []}}
    refused = site.api("xa-ben", f"/products/{pid}")
    body = refused.get_json()
    assert refused.status_code == 403 and body["error"] == "forbidden"
    assert "access" in body["fields"] and RITUAL in body["message"]
    assert there.get(f"/products/{pid}").status_code == 403
    for path in (f"/products/{pid}/files/{audio}/broadcast",
                 f"/products/{pid}/files/{audio}/waveform", f"/products/{pid}/history"):
        assert site.api("xa-ben", path).status_code == 403, path
    # under embargo even its own commune finds nothing, and the neighbour no title
    set_access(site.kho, pid, "restricted", units=[COMMUNE],
               embargo=date.today() + timedelta(days=30))
    assert site.api("xa", f"/products/{pid}").status_code == 404
    assert RITUAL not in site.api("xa-ben", f"/products/{pid}").get_data(as_text=True)


def test_the_restricted_products_403_carries_its_title_and_id(site, media):
    from app.services.catalogue.products import load_product
    from archive.errors import PermissionDenied

    pid = site.product(RITUAL)
    site.add(pid, media["poster"])
    set_access(site.kho, pid, "restricted", units=[COMMUNE])
    from app.services.access import accounts

    neighbour = accounts.actor_by_name(site.kho, "xa-ben")
    with site.kho.transaction() as session, pytest.raises(PermissionDenied) as caught:
        load_product(session, neighbour, pid)
    assert caught.value.field == "access"
    assert caught.value.params["title"] == RITUAL and caught.value.params["product_id"] == pid


def test_a_file_stricter_than_its_product_is_hidden_while_the_product_shows(site, media):
    from app.services.catalogue.product_view import thumbnails
    from app.services.access import accounts

    pid = site.product("Phỏng vấn già làng")
    raw = site.add(pid, media["poster"])
    edited = site.add(pid, media["bulletin"])
    site.add(pid, media["vtt"], "ban-tin.vi.vtt")
    set_file_access(site.kho, raw, "closed")
    commune = site.browser("xa")
    assert commune.get(f"/products/{pid}").status_code == 200
    seen = site.api("xa", f"/products/{pid}").get_json()
    assert [f["id"] for f in seen["files"]] == [edited]
    for name in ("original", "thumbnail", "preview"):
        assert commune.get(f"/products/{pid}/files/{raw}/{name}").status_code == 404
        assert site.api("xa", f"/products/{pid}/files/{raw}/{name}").status_code == 404
    assert commune.get(f"/products/{pid}/files/{edited}/broadcast").status_code in SENT
    xa = accounts.actor_by_name(site.kho, "xa")
    assert thumbnails(site.kho, [pid], xa) == {}
    assert thumbnails(site.kho, [pid], site.producer) == {pid: raw}
    history = site.api("xa", f"/products/{pid}/history").get_json()["history"]
    assert raw not in {h.get("file_id") for h in history}
    assert edited in {h.get("file_id") for h in history}
    # the recording closed too: its transcript goes with it
    set_file_access(site.kho, edited, "closed")
    track = site.api("vp", f"/products/{pid}").get_json()["files"][1]["tracks"][0]["id"]
    assert commune.get(f"/products/{pid}/files/{edited}/tracks/{track}.vtt").status_code == 404
    assert site.api("xa", f"/products/{pid}").get_json()["files"] == []
    assert site.api("vp", f"/products/{pid}/files/{edited}/tracks/{track}").status_code == 200


def test_a_download_warns_when_consent_does_not_allow_the_radio(site, media):
    pid = site.product("Lời kể của già làng")
    audio = site.add(pid, media["bulletin"])
    add_consent(site.kho, pid, ["website", "archive"])
    product = site.api("xa", f"/products/{pid}").get_json()
    assert product["allowed_uses"] == ["website", "archive"]
    assert product["download_warning"].startswith("Người cho phép chưa đồng ý")
    download = site.api("xa", f"/products/{pid}/files/{audio}/broadcast")
    assert download.status_code in SENT and download.headers["Kho-Warning"] == \
        "radio-not-consented"
    page = site.browser("xa").get(f"/products/{pid}/files/{audio}/broadcast?download=1")
    assert page.status_code in SENT and page.headers["Kho-Warning"] == "radio-not-consented"
    add_consent(site.kho, pid, ["radio", "website"], given_by="Con trai già làng")
    assert site.api("xa", f"/products/{pid}").get_json()["allowed_uses"] == ["website"]
    other = site.product("Bản tin có đồng ý phát thanh")
    other_audio = site.add(other, media["bulletin"])
    add_consent(site.kho, other, ["radio"])
    assert site.api("xa", f"/products/{other}").get_json()["download_warning"] is None
    plain = site.api("xa", f"/products/{other}/files/{other_audio}/broadcast")
    assert plain.status_code in SENT and "Kho-Warning" not in plain.headers
