"""``hubopt fetch gtfs``: a region's GTFS zip from the Bus Open Data Service, cached, with a fake HTTP session.

No BODS response is stored here (a region's zip is hundreds of megabytes): the fake session serves a small
hand-made GTFS zip at the real address, and a web page where a zip was expected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from gtfs_feeds import WEEKDAY_CALENDAR, stop_times_csv, stops_csv, trips_csv, write_feed
from test_fetch import FakeSession

from hubopt.build import gtfs_fetch
from hubopt.build.gtfs_fetch import BODS_GTFS_URL, fetch_gtfs
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.io.gtfs import read_gtfs

SOUTH_EAST = BODS_GTFS_URL.format(region="south_east")


@pytest.fixture
def feed_bytes(tmp_path: Path) -> bytes:
    path = write_feed(
        tmp_path,
        "made.zip",
        stops=stops_csv(("A", 51.2, 0.2), ("B", 51.21, 0.2)),
        trips=trips_csv(("T1", "WK")),
        stop_times=stop_times_csv(("T1", "08:00:00", "08:00:00", "A", 1), ("T1", "08:10:00", "08:10:00", "B", 2)),
        calendar=WEEKDAY_CALENDAR,
    )
    return path.read_bytes()


def test_the_region_is_downloaded_once_then_reused(tmp_path: Path, feed_bytes: bytes) -> None:
    session = FakeSession({SOUTH_EAST: feed_bytes})
    path = fetch_gtfs("south_east", tmp_path / "cache", session=session)
    assert path.read_bytes() == feed_bytes
    assert len(read_gtfs(path).trips) == 1
    record = json.loads((tmp_path / "cache" / "fetch_manifest.json").read_text())["files"]["bods_gtfs_south_east"]
    assert record["url"] == SOUTH_EAST and record["bytes"] == len(feed_bytes)
    again = fetch_gtfs("south_east", tmp_path / "cache", session=session)
    assert again == path and len(session.calls) == 1
    fetch_gtfs("south_east", tmp_path / "cache", session=session, refresh=True)
    assert len(session.calls) == 2


def test_an_interrupted_download_resumes(tmp_path: Path, feed_bytes: bytes) -> None:
    session = FakeSession({SOUTH_EAST: feed_bytes}, fail_after=100)
    with pytest.raises(InputError):
        fetch_gtfs("south_east", tmp_path, session=session)
    path = fetch_gtfs("south_east", tmp_path, session=session)
    assert path.read_bytes() == feed_bytes
    assert session.calls[-1][1].get("Range") == "bytes=100-"


def test_a_web_page_instead_of_a_zip_is_refused(tmp_path: Path) -> None:
    session = FakeSession({SOUTH_EAST: b"<html>Please log in</html>"})
    with pytest.raises(InputError, match=r"not a zip.*web page"):
        fetch_gtfs("south_east", tmp_path, session=session)
    assert "bods_gtfs_south_east" not in json.loads((tmp_path / "fetch_manifest.json").read_text())["files"]


def test_an_unknown_region_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'kent' is not a Bus Open Data Service region"):
        fetch_gtfs("kent", tmp_path)


def test_the_command_fetches_the_area_region(
    tmp_path: Path, feed_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gtfs_fetch, "default_session", lambda: FakeSession({SOUTH_EAST: feed_bytes}))
    result = CliRunner().invoke(main, ["fetch", "gtfs", "--area", "west_kent", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "method: public_transport" in result.output
    assert (tmp_path / "bods_gtfs_south_east.zip").read_bytes() == feed_bytes
    result = CliRunner().invoke(main, ["fetch", "gtfs", "--cache", str(tmp_path)])
    assert result.exit_code != 0 and "give --region" in result.output
