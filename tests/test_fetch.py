"""Tests of hubopt.fetch with a fake HTTP session serving recorded excerpts (no network)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from hubopt import fetch
from hubopt.errors import InputError
from hubopt.fetch import MANIFEST_NAME, SOURCES, check_layout, districts_known, download, fetch_sources

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


def test_fetch_sources_without_address_asks_for_url(tmp_path: Path) -> None:
    assert SOURCES["gp_list_sizes"].url is None
    with pytest.raises(InputError, match="--url gp_list_sizes=URL"):
        fetch_sources(["gp_list_sizes"], tmp_path, session=FakeSession({}))
    with pytest.raises(InputError, match="unknown source 'nope'"):
        fetch_sources(["nope"], tmp_path, session=FakeSession({}))


def test_changed_layout_is_reported_and_not_recorded(tmp_path: Path) -> None:
    body = (RECORDED / "epraccur_with_header.csv").read_bytes()
    with pytest.raises(InputError, match="layout changed") as info:
        fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=FakeSession({URL: body}))
    assert "epraccur.zip" in str(info.value) and "report" in str(info.value)
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
        assert src.url is None or src.url.startswith("https://")


def test_fetch_sources_resumes_after_interruption(tmp_path: Path) -> None:
    session = FakeSession({URL: EPRACCUR}, fail_after=200)
    with pytest.raises(InputError, match="interrupted"):
        fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session)
    assert not (tmp_path / "epraccur.zip").exists() and (tmp_path / "epraccur.zip.part").exists()
    seen: list[tuple[str, int, int | None]] = []
    fetch_sources(["epraccur"], tmp_path, urls={"epraccur": URL}, session=session, progress=lambda *a: seen.append(a))
    assert session.calls[-1][1]["Range"] == "bytes=200-"
    assert (tmp_path / "epraccur.zip").read_bytes() == EPRACCUR
    assert seen[-1] == ("epraccur", len(EPRACCUR), len(EPRACCUR))
