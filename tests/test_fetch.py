"""Tests of hubopt.build.fetch with a fake HTTP session serving recorded excerpts (no network)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from hubopt.build import fetch
from hubopt.build.fetch import MANIFEST_NAME, SOURCES, check_layout, districts_known, download, fetch_sources
from hubopt.errors import InputError

RECORDED = Path(__file__).parent / "data" / "recorded"
EPRACCUR = (RECORDED / "epraccur_head5.csv").read_bytes()
URL = "https://example.test/epraccur.csv"


class FakeResponse:
    def __init__(self, status: int, body: bytes, headers: dict[str, str], fail_after: int | None) -> None:
        self.status_code = status
        self.headers = headers
        self._body = body
        self._fail_after = fail_after

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")

    def iter_content(self, chunk_size: int = 1):
        sent = 0
        for i in range(0, len(self._body), chunk_size):
            block = self._body[i : i + chunk_size]
            if self._fail_after is not None and sent + len(block) > self._fail_after:
                yield block[: self._fail_after - sent]
                raise ConnectionError("connection reset by peer")
            sent += len(block)
            yield block


class FakeSession:
    """Serves ``files[url]``; honours Range unless ``ranges`` is False; can fail after N bytes once."""

    def __init__(
        self,
        files: dict[str, bytes],
        *,
        status: int = 200,
        fail_after: int | None = None,
        ranges: bool = True,
        wrong_length: bool = False,
    ) -> None:
        self.files = files
        self.status = status
        self.fail_after = fail_after
        self.ranges = ranges
        self.wrong_length = wrong_length
        self.calls: list[tuple[str, dict[str, str]]] = []

    def get(self, url: str, headers: dict[str, str] | None = None, stream: bool = False, timeout: object = None):
        headers = dict(headers or {})
        self.calls.append((url, headers))
        assert stream is True and timeout is not None
        if self.status != 200 or url not in self.files:
            return FakeResponse(self.status if self.status != 200 else 404, b"not found", {}, None)
        body = self.files[url]
        fail, self.fail_after = self.fail_after, None
        rng = headers.get("Range")
        if rng and self.ranges:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            part = body[start:]
            hdr = {"Content-Length": str(len(part)), "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
            return FakeResponse(206, part, hdr, fail)
        length = len(body) + (10 if self.wrong_length else 0)
        return FakeResponse(200, body, {"Content-Length": str(length)}, fail)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_full_download_renames_part(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    dest = download(
        URL,
        tmp_path / "e.csv",
        session=FakeSession({URL: EPRACCUR}),
        progress=lambda d, t: seen.append((d, t)),
        chunk=100,
    )
    assert dest.read_bytes() == EPRACCUR
    assert not (tmp_path / "e.csv.part").exists()
    assert seen[-1] == (len(EPRACCUR), len(EPRACCUR))


def test_interrupted_download_keeps_only_part_and_resume_completes(tmp_path: Path) -> None:
    session = FakeSession({URL: EPRACCUR}, fail_after=300)
    dest = tmp_path / "e.csv"
    with pytest.raises(InputError, match="interrupted after 300 bytes") as info:
        download(URL, dest, session=session, chunk=128)
    assert "resumes" in str(info.value)
    assert not dest.exists()
    assert (tmp_path / "e.csv.part").read_bytes() == EPRACCUR[:300]

    download(URL, dest, session=session, chunk=128, expected_sha256=sha(EPRACCUR))
    assert session.calls[-1][1]["Range"] == "bytes=300-"
    assert dest.read_bytes() == EPRACCUR
    assert not (tmp_path / "e.csv.part").exists()


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path) -> None:
    (tmp_path / "e.csv.part").write_bytes(b"garbage from an old attempt")
    download(URL, tmp_path / "e.csv", session=FakeSession({URL: EPRACCUR}, ranges=False))
    assert (tmp_path / "e.csv").read_bytes() == EPRACCUR


def test_checksum_mismatch_keeps_no_final_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="SHA-256"):
        download(URL, tmp_path / "e.csv", session=FakeSession({URL: EPRACCUR}), expected_sha256="0" * 64)
    assert not (tmp_path / "e.csv").exists()
    assert not (tmp_path / "e.csv.part").exists()


def test_short_body_is_size_mismatch(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Content-Length"):
        download(URL, tmp_path / "e.csv", session=FakeSession({URL: EPRACCUR}, wrong_length=True))
    assert not (tmp_path / "e.csv").exists()
    assert (tmp_path / "e.csv.part").exists()


def test_http_404_names_url(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"HTTP 404 for https://example.test/missing.csv") as info:
        download("https://example.test/missing.csv", tmp_path / "e.csv", session=FakeSession({}))
    assert "--url" in str(info.value)
    assert not (tmp_path / "e.csv").exists()


def test_connection_error_is_input_error(tmp_path: Path) -> None:
    class Down:
        def get(self, *args: object, **kwargs: object) -> None:
            raise ConnectionError("name resolution failed")

    with pytest.raises(InputError, match="could not connect"):
        download(URL, tmp_path / "e.csv", session=Down())


def test_fetch_sources_caches_and_refreshes(tmp_path: Path) -> None:
    session = FakeSession({URL: EPRACCUR})
    got = fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    path = got["epraccur"]
    assert path == tmp_path / SOURCES["epraccur"].filename and path.read_bytes() == EPRACCUR
    record = json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]["epraccur"]
    assert record["sha256"] == sha(EPRACCUR) and record["bytes"] == len(EPRACCUR) and record["url"] == URL
    assert set(record) == {"key", "url", "file", "bytes", "sha256", "downloaded_utc"}

    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    assert len(session.calls) == 1  # cached: no request

    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session, refresh=True)
    assert len(session.calls) == 2


def test_fetch_sources_redownloads_a_damaged_file(tmp_path: Path) -> None:
    session = FakeSession({URL: EPRACCUR})
    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    (tmp_path / SOURCES["epraccur"].filename).write_bytes(b"tampered")
    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    assert len(session.calls) == 2
    assert (tmp_path / SOURCES["epraccur"].filename).read_bytes() == EPRACCUR


def test_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown source 'nope'"):
        fetch_sources(["nope"], tmp_path, session=FakeSession({}))


SERIES = SOURCES["gp_list_sizes"].page
MAY_2023 = f"{SERIES}/may-2023"
MAY_2023_FILE = "https://files.digital.nhs.uk/F1/3E4D66/gp-reg-pat-prac-all.csv"
LIST_SIZES = (RECORDED / "gp_reg_pat_prac_all_head3.csv").read_bytes()


def gp_pages(**extra: bytes) -> dict[str, bytes]:
    """The recorded series page and May 2023 page (June 2023 is listed but not up: the session answers 404)."""
    return {
        SERIES: (RECORDED / "nhsd_gp_reg_series_page.html").read_bytes(),
        MAY_2023: (RECORDED / "nhsd_gp_reg_may_2023_page.html").read_bytes(),
        **extra,
    }


def test_gp_list_sizes_found_on_the_newest_month_with_files(tmp_path: Path) -> None:
    assert SOURCES["gp_list_sizes"].url is None and SOURCES["gp_list_sizes"].resolver is not None
    session = FakeSession(gp_pages(**{MAY_2023_FILE: LIST_SIZES}))
    got = fetch_sources(["gp_list_sizes"], tmp_path, session=session)
    assert got["gp_list_sizes"] == tmp_path / "gp-reg-pat-prac-all.csv"
    assert got["gp_list_sizes"].read_bytes() == LIST_SIZES
    asked = [url for url, _ in session.calls]
    assert asked == [SERIES, f"{SERIES}/june-2023", MAY_2023, MAY_2023_FILE]
    record = json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]["gp_list_sizes"]
    assert record["url"] == MAY_2023_FILE and record["page"] == SERIES

    fetch_sources(["gp_list_sizes"], tmp_path, session=session)
    assert len(session.calls) == 4  # cached: the pages are not read again
    fetch_sources(["gp_list_sizes"], tmp_path, session=session, refresh=True)
    assert [url for url, _ in session.calls[4:]] == asked


def test_gp_list_sizes_url_may_be_a_month_page_or_the_file(tmp_path: Path) -> None:
    session = FakeSession(gp_pages(**{MAY_2023_FILE: LIST_SIZES}))
    fetch_sources(["gp_list_sizes"], tmp_path / "a", urls={"gp_list_sizes": MAY_2023}, session=session)
    assert [url for url, _ in session.calls] == [MAY_2023, MAY_2023_FILE]
    record = json.loads((tmp_path / "a" / MANIFEST_NAME).read_text())["files"]["gp_list_sizes"]
    assert record["page"] == MAY_2023

    direct = FakeSession({MAY_2023_FILE: LIST_SIZES})
    fetch_sources(["gp_list_sizes"], tmp_path / "b", urls={"gp_list_sizes": MAY_2023_FILE}, session=direct)
    assert [url for url, _ in direct.calls] == [MAY_2023_FILE]
    assert "page" not in json.loads((tmp_path / "b" / MANIFEST_NAME).read_text())["files"]["gp_list_sizes"]


def test_gp_list_sizes_zip_is_cached_as_zip(tmp_path: Path) -> None:
    page = f"{SERIES}/january-2025"
    zipped = "https://files.digital.nhs.uk/00/TEST00/gp-reg-pat-prac-all.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("gp-reg-pat-prac-all.csv", LIST_SIZES)
    pages = {page: (RECORDED / "nhsd_gp_reg_month_page_zip_only.html").read_bytes(), zipped: buf.getvalue()}
    got = fetch_sources(["gp_list_sizes"], tmp_path, urls={"gp_list_sizes": page}, session=FakeSession(pages))
    assert got["gp_list_sizes"] == tmp_path / "gp-reg-pat-prac-all.zip"
    assert json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]["gp_list_sizes"]["url"] == zipped


def test_gp_list_sizes_page_without_the_link_is_a_clear_error(tmp_path: Path) -> None:
    changed = b"<html><body><a href='https://files.digital.nhs.uk/AA/BBBBBB/other.csv'>x</a></body></html>"
    session = FakeSession({MAY_2023: changed})
    with pytest.raises(InputError, match=r"may-2023 has no link to gp-reg-pat-prac-all\.csv or \.zip") as info:
        fetch_sources(["gp_list_sizes"], tmp_path, urls={"gp_list_sizes": MAY_2023}, session=session)
    assert "--url gp_list_sizes=URL" in str(info.value)
    assert not (tmp_path / "gp-reg-pat-prac-all.csv").exists()

    no_months = FakeSession({SERIES: b"<html><body><a href='/about'>About</a></body></html>"})
    with pytest.raises(InputError, match="links to no monthly release"):
        fetch_sources(["gp_list_sizes"], tmp_path, session=no_months)

    only_listed = FakeSession({SERIES: (RECORDED / "nhsd_gp_reg_series_page.html").read_bytes()})
    with pytest.raises(
        InputError, match=r"(?s)none of the newest monthly pages.*june-2023 \(the server answered HTTP 404"
    ):
        fetch_sources(["gp_list_sizes"], tmp_path, session=only_listed)

    with pytest.raises(InputError, match="HTTP 404 for the publication page") as info:
        fetch_sources(["gp_list_sizes"], tmp_path, session=FakeSession({}))
    assert "--url gp_list_sizes=URL" in str(info.value)


def test_changed_layout_is_reported_and_not_recorded(tmp_path: Path) -> None:
    body = (RECORDED / "epraccur_with_header.csv").read_bytes()
    with pytest.raises(InputError, match="layout changed") as info:
        fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=FakeSession({URL: body}))
    assert "epraccur.csv" in str(info.value) and "report" in str(info.value)
    assert "epraccur" not in json.loads((tmp_path / MANIFEST_NAME).read_text())["files"]


def test_check_layout_zip_and_csv_columns(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("epraccur.csv", EPRACCUR)
    (tmp_path / "epraccur.zip").write_bytes(buf.getvalue())
    check_layout("epraccur", tmp_path / "epraccur.zip")

    check_layout("gp_list_sizes", RECORDED / "gp_reg_pat_prac_all_head3.csv")
    check_layout("imd2019", RECORDED / "imd2019_file1_excerpt.csv")
    bad = tmp_path / "sizes.csv"
    bad.write_text("PRACTICE_CODE,PATIENTS\nA1,3\n")
    with pytest.raises(InputError, match="layout changed: there is no column 'CODE'") as info:
        check_layout("gp_list_sizes", bad)
    assert str(bad) in str(info.value)
    with pytest.raises(InputError, match="layout changed"):
        check_layout("epraccur", bad)


def test_districts_known_lists_unknown_codes() -> None:
    imd = RECORDED / "imd2019_file1_excerpt.csv"
    assert districts_known([" e07000110", "E06000033"], imd) == ["E07000110", "E06000033"]
    with pytest.raises(InputError, match="E07000999, E99999999"):
        districts_known(["E07000110", "E07000999", "E99999999"], imd)


def test_parse_url_overrides() -> None:
    assert fetch.parse_url_overrides(["epraccur=https://x.test/a.zip"]) == {"epraccur": "https://x.test/a.zip"}
    with pytest.raises(InputError, match="KEY=URL"):
        fetch.parse_url_overrides(["epraccur"])
    with pytest.raises(InputError, match="unknown source"):
        fetch.parse_url_overrides(["foo=https://x.test"])


def test_sources_registry_is_complete() -> None:
    for key, src in SOURCES.items():
        assert src.key == key and src.licence == "OGL v3" and src.page.startswith("https://")
        assert (src.url is not None and src.url.startswith("https://")) != (src.resolver is not None), key
    assert [k for k, s in SOURCES.items() if s.url is None] == ["gp_list_sizes"]


def test_cache_name_follows_the_address_extension() -> None:
    epraccur = SOURCES["epraccur"]
    assert fetch.cache_name(epraccur, epraccur.url) == "epraccur.csv"
    assert (
        fetch.cache_name(epraccur, "https://files.digital.nhs.uk/assets/ods/current/epraccur.zip") == "epraccur.zip"
    )
    assert fetch.cache_name(SOURCES["nspl"], SOURCES["nspl"].url) == "nspl.zip"


def test_check_layout_hospitals_published_with_not_signs_in_windows_1252(tmp_path: Path) -> None:
    header = "OrganisationID¬OrganisationCode¬OrganisationType¬OrganisationName¬Latitude¬Longitude\r\n"
    row = "1¬RWF03¬Hospital¬Maidstone Hospital¬51.27¬0.49\r\n"
    path = tmp_path / "Hospital.csv"
    path.write_bytes((header + row).encode("cp1252"))
    check_layout("hospitals", path)
    path.write_bytes((header.replace("Latitude", "Lat") + row).encode("cp1252"))
    with pytest.raises(InputError, match="there is no column 'Latitude'"):
        check_layout("hospitals", path)


def test_check_layout_sape_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Contents"
    sheet = wb.create_sheet("Mid-2020 Persons")
    sheet.append(["Mid-2020 Population Estimates for Lower Layer Super Output Areas in England and Wales"])
    sheet.append([])
    sheet.append(
        [
            "LA Code (2018 boundaries)",
            "LA name",
            "LA Code (2021 boundaries)",
            "LA name",
            "LSOA Code",
            "LSOA Name",
            "All Ages",
            0,
            1,
        ]
    )
    path = tmp_path / "sape.xlsx"
    wb.save(path)
    check_layout("sape_lsoa", path)
    sheet.cell(row=3, column=7, value="Everyone")
    wb.save(path)
    with pytest.raises(
        InputError, match=r"no sheet has a header row .*'Mid-2020 Persons' has .* no column 'All Ages'"
    ):
        check_layout("sape_lsoa", path)


def test_check_layout_epcn_zip(tmp_path: Path) -> None:
    """ODS ships ePCN.xlsx in epcn.zip; the header cells of its partner sheet hold line breaks."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "PCNDetails"
    wb.active.append(["PCN Code", "PCN Name"])
    sheet = wb.create_sheet("PCN Core Partner Details")
    header = [
        "Partner\nOrganisation\nCode",
        "PCN Code",
        "PCN Name",
        "Practice to PCN\nRelationship\nStart Date",
        "Practice to PCN\nRelationship\nEnd Date",
    ]
    sheet.append(header)
    book = tmp_path / "ePCN.xlsx"
    wb.save(book)
    path = tmp_path / "epcn.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(book, "ePCN.xlsx")
    check_layout("epcn", path)
    sheet.cell(row=1, column=3, value="Network")
    wb.save(book)
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(book, "ePCN.xlsx")
    with pytest.raises(InputError, match=r"no sheet has a header row .* no column 'PCN Name'"):
        check_layout("epcn", path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no workbook")
    with pytest.raises(InputError, match="ePCN workbook"):
        check_layout("epcn", path)


def test_check_layout_lsoa_lookup(tmp_path: Path) -> None:
    path = tmp_path / "lookup.csv"
    path.write_text("\ufeffLSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD\nE01000001,A,E01000001,A,U,E09000001\n")
    check_layout("lsoa_lookup", path)
    path.write_text("LSOA11CD,LSOA21CD\nE01000001,E01000001\n")
    with pytest.raises(InputError, match="no column 'CHGIND'"):
        check_layout("lsoa_lookup", path)


def test_fetch_sources_resumes_after_interruption(tmp_path: Path) -> None:
    session = FakeSession({URL: EPRACCUR}, fail_after=200)
    with pytest.raises(InputError, match="interrupted"):
        fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    assert not (tmp_path / "epraccur.csv").exists() and (tmp_path / "epraccur.csv.part").exists()
    seen: list[tuple[str, int, int | None]] = []
    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session, progress=lambda *a: seen.append(a))
    assert session.calls[-1][1]["Range"] == "bytes=200-"
    assert (tmp_path / "epraccur.csv").read_bytes() == EPRACCUR
    assert seen[-1] == ("epraccur", len(EPRACCUR), len(EPRACCUR))


def test_publication_page_links() -> None:
    from datetime import date

    from hubopt.build.publications import file_links, month_pages

    series = (RECORDED / "nhsd_gp_reg_series_page.html").read_text()
    assert month_pages(series, SERIES, today=date(2023, 5, 20)) == [MAY_2023, f"{SERIES}/april-2023"]
    assert month_pages(series, SERIES, today=date(2023, 6, 1))[0] == f"{SERIES}/june-2023"
    may = (RECORDED / "nhsd_gp_reg_may_2023_page.html").read_text()
    assert file_links(may, MAY_2023) == [MAY_2023_FILE]
    assert file_links(may, MAY_2023, name="gp-reg-pat-prac-map") == [
        "https://files.digital.nhs.uk/11/9809CA/gp-reg-pat-prac-map.csv"
    ]
    zipped = (RECORDED / "nhsd_gp_reg_month_page_zip_only.html").read_text()
    assert file_links(zipped, MAY_2023) == ["https://files.digital.nhs.uk/00/TEST00/gp-reg-pat-prac-all.zip"]
