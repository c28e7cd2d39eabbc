"""``hubopt study build --source CACHE`` on a download cache of ``hubopt fetch data``.

No network here, so the cache is assembled in a temporary folder from the real files of ../shared/data, each
**real row repackaged as the publisher ships it**: population estimates written into an Excel workbook with title
rows above the table on a "Mid-2017 Persons" sheet, the NHS Digital list sizes and the ONS projections zipped, the
postcode points zipped as ``Data/NSPL_MAY_2025_UK.csv``, the LSOA polygons joined into one national-style GeoJSON
file, the hospital list written ``¬``-separated in Windows-1252, the national ePCN workbook zipped as ``epcn.zip``,
and a ``fetch_manifest.json`` as ``hubopt fetch data`` writes it. Nothing is invented: every value comes from
../shared/data (the few synthetic values of the error tests say so). Building West Kent from it must reproduce the
committed ``hubopt/studies/west_kent`` tables (the district outlines excepted: a cache holds no district boundaries,
so they are dissolved from the LSOA polygons).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hubopt.build.areas import WEST_KENT, area_for
from hubopt.build.fetch import MANIFEST_NAME, SOURCES
from hubopt.build.sources import SOURCE_FILES, BuildSources
from hubopt.build.study import build_study
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.io.population import read_sape_syoa
from hubopt.io.postcodes import PostcodeLookup
from hubopt.io.practices import read_list_sizes
from hubopt.io.site_facts import AVAILABILITY_COLUMNS
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "hubopt" / "studies" / "west_kent"
WK_DISTRICTS = ["E07000110", "E07000111", "E07000115", "E07000116"]
SAPE_NAME = "sape20dt1mid2017lsoasyoaestimatesformatted.xlsx"
IMD_WORKBOOK = "deprivation/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
EPCN_WORKBOOK = "pcn/ePCN_oct2024_england.xlsx"


# --- the cache: real rows, repackaged as the publishers ship them -------------------------------------------------


def sape_workbook(rows: list[list[str]], dest: Path, *, sheet: str = "Mid-2017 Persons") -> None:
    """Real SAPE rows (header first) written as an ONS workbook: a contents sheet, then the persons sheet with
    title rows above the table and counts (and the single-age headers) stored as numbers."""
    wb = openpyxl.Workbook()  # not write-only: like Excel, it records each sheet's dimension and shares strings
    contents = wb.active
    contents.title = "Contents"
    contents.append(["Contents"])
    contents.append([sheet])
    ws = wb.create_sheet(sheet)
    ws.append(  # a title row in the style of ONS's workbooks (layout, not data)
        [
            "Mid-2017 Population Estimates for Lower Layer Super Output Areas in England and Wales by Single Year "
            "of Age and Sex"
        ]
    )
    ws.append([])
    ws.append(["Persons"])
    ws.append([])
    header = rows[0]
    ws.append([int(h) if h.isdigit() else h for h in header])
    numeric = [i for i, h in enumerate(header) if h.isdigit() or h in ("All Ages", "90+")]
    for row in rows[1:]:
        ws.append([int(v) if i in numeric and v.isdigit() else v for i, v in enumerate(row)])
    wb.save(dest)


def zip_file(dest: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def nspl_csv(shared: Path) -> bytes:
    """The real NSPL (May 2025) postcode points of ../shared/data, as one whole-country-style CSV with NSPL's own
    column names (``pcds``, ``lat``, ``long``; the lookup's other columns are not in ../shared/data)."""
    out = io.StringIO()
    out.write("pcds,lat,long\n")
    for f in sorted((shared / SOURCE_FILES["postcodes"]).glob("*.csv")):
        lines = f.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "Postcode,lat,long"
        out.write("\n".join(lines[1:]) + "\n")
    return out.getvalue().encode("utf-8")


def national_boundaries(shared: Path) -> bytes:
    """The real LSOA 2011 polygons of the 13 districts of ../shared/data, joined into one GeoJSON file as the
    national file is published (one FeatureCollection)."""
    features = []
    for f in sorted((shared / SOURCE_FILES["lsoa_boundaries"]).glob("*.json")):
        features.extend(json.loads(f.read_text(encoding="utf-8"))["features"])
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def hospital_list(shared: Path) -> bytes:
    """The real NHS website hospital rows as the NHS website publishes Hospital.csv: ``¬``-separated, Windows-1252.
    The ../shared/data copy was re-saved with a row number before each data row; that extra field is dropped."""
    with (shared / SOURCE_FILES["hospitals"]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], [r[1:] for r in rows[1:]]
    assert all(len(r) == len(header) for r in data)
    out = io.StringIO()
    csv.writer(out, delimiter="¬", lineterminator="\r\n").writerows([header, *data])
    return out.getvalue().encode("cp1252")


def national_projections(shared: Path) -> bytes:
    """The real projection rows of every extract in ../shared/data's projections folder, in one file as ONS
    publishes it (the header once, then each extract's rows)."""
    files = sorted((shared / SOURCE_FILES["snpp"]).glob("*.csv"))
    lines = files[0].read_bytes().splitlines(keepends=True)[:1]
    for f in files:
        body = f.read_bytes().splitlines(keepends=True)
        assert body[0] == lines[0]  # one edition, one header
        lines.extend(body[1:])
    return b"".join(lines)


def manifest(cache: Path, files: dict[str, str], shared: Path, origin: dict[str, str]) -> None:
    """A fetch_manifest.json as hubopt fetch data writes it. ``url`` is where each file really came from (a file
    of ../shared/data, as a file: address) and ``downloaded_utc`` the time this test assembled the cache: these
    files were not downloaded."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = {}
    for key, name in files.items():
        data = (cache / name).read_bytes()
        records[key] = {
            "key": key,
            "url": (shared / origin[key]).as_uri(),
            "file": name,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "downloaded_utc": now,
        }
    (cache / MANIFEST_NAME).write_text(json.dumps({"files": records}, indent=2) + "\n", encoding="utf-8")


def assemble_cache(shared: Path, cache: Path) -> Path:
    cache.mkdir(parents=True)
    files = {key: SOURCES[key].filename for key in SOURCES if key != "lsoa_lookup"}
    # The mid-2017 table, named after ONS's mid-2017 release file (sape20dt1mid2017lsoasyoaestimatesformatted.zip,
    # which holds an old .xls workbook; written here as .xlsx, the format of ONS's later releases).
    files["sape_lsoa"] = SAPE_NAME
    files["gp_list_sizes"] = "gp-reg-pat-prac-all.zip"  # newer months are published zipped
    origin = {
        k: SOURCE_FILES[k2]
        for k, k2 in (
            ("epraccur", "epraccur"),
            ("gp_list_sizes", "list_sizes"),
            ("sape_lsoa", "sape"),
            ("lsoa_centroids", "centroids"),
            ("snpp", "snpp"),
            ("lsoa_boundaries", "lsoa_boundaries"),
            ("nspl", "postcodes"),
            ("hospitals", "hospitals"),
        )
    }
    origin["imd2019"] = IMD_WORKBOOK
    origin["epcn"] = EPCN_WORKBOOK

    (cache / files["epraccur"]).write_bytes((shared / SOURCE_FILES["epraccur"]).read_bytes())  # ODS's own layout
    zip_file(
        cache / files["gp_list_sizes"],
        {"gp-reg-pat-prac-all.csv": (shared / SOURCE_FILES["list_sizes"]).read_bytes()},
    )
    with (shared / SOURCE_FILES["sape"]).open(encoding="utf-8-sig", newline="") as fh:
        sape_workbook(list(csv.reader(fh)), cache / files["sape_lsoa"])
    (cache / files["lsoa_centroids"]).write_bytes((shared / SOURCE_FILES["centroids"]).read_bytes())  # portal CSV
    zip_file(
        cache / files["snpp"],
        {"2022 SNPP Population persons.csv": national_projections(shared)},
    )
    (cache / files["imd2019"]).symlink_to(shared / IMD_WORKBOOK)  # the untouched national workbook
    (cache / files["lsoa_boundaries"]).write_bytes(national_boundaries(shared))
    zip_file(cache / files["nspl"], {"Documents/readme.txt": b"", "Data/NSPL_MAY_2025_UK.csv": nspl_csv(shared)})
    (cache / files["hospitals"]).write_bytes(hospital_list(shared))
    zip_file(cache / files["epcn"], {"ePCN.xlsx": (shared / EPCN_WORKBOOK).read_bytes()})  # the national workbook
    manifest(cache, files, shared, origin)
    return cache


@pytest.fixture(scope="module")
def cache(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assemble_cache(shared_data, tmp_path_factory.mktemp("fetch") / "sources")


@pytest.fixture(scope="module")
def cli_build(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """West Kent's four districts built from the cache on the command line, as the README shows."""
    out = tmp_path_factory.mktemp("built") / "west_kent_districts"
    result = CliRunner().invoke(
        main, ["study", "build", "--districts", *WK_DISTRICTS, "--source", str(cache), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


# --- a build from the cache reproduces the committed study ----------------------------------------------------------


def test_cache_build_has_the_committed_zones_population_and_projections(cli_build: tuple[Path, str]) -> None:
    out, output = cli_build
    for name in ("zones.csv", "zone_boundaries.geojson", "projections.csv"):
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), name
    study = load_study(out)
    z = study.zones
    assert len(z) == 309 and study.base_year == 2017
    assert int((z["pop_65_74"] + z["pop_75_84"] + z["pop_85_plus"]).sum()) == 103_860
    meta = yaml.safe_load((out / "study.yaml").read_text())
    assert meta["counts"]["population (mid-2017)"] == 534_111
    assert meta["districts"] == dict(WEST_KENT.districts)
    assert "population (mid-2017): 534,111" in output and "dissolved per district" in output


def test_cache_build_has_the_committed_practices(cli_build: tuple[Path, str]) -> None:
    out, _ = cli_build
    built = pd.read_csv(out / "sites.csv", dtype=str, keep_default_na=False)
    committed = pd.read_csv(COMMITTED / "sites.csv", dtype=str, keep_default_na=False)
    committed = committed[committed["type"] == "gp_practice"].reset_index(drop=True)
    assert len(built) == 53 and (built["type"] == "gp_practice").all()  # no hospitals: --districts names none
    # The availability facts are the plan's, for hospitals only: written when some site has one (not here).
    facts = list(AVAILABILITY_COLUMNS)
    assert not set(facts) & set(built.columns) and (committed[facts] == "").all().all()
    pd.testing.assert_frame_equal(built.drop(columns="source"), committed.drop(columns=["source", *facts]))
    # The list sizes and postcode points are dated from the files themselves; the epraccur release is not in the
    # file, so it is named by the manifest's download date.
    date = json.loads((out / "build_report.json").read_text())["source"]["files"]["epraccur"]["downloaded_utc"][:10]
    assert set(built["source"]) == {
        f"ODS epraccur downloaded {date}; list size NHS Digital Jan 2021; location NSPL May 2025 postcode"
    }


def test_cache_build_dissolves_the_district_outlines(cli_build: tuple[Path, str]) -> None:
    out, _ = cli_build
    districts = gpd.read_file(out / "districts.geojson").to_crs(27700).set_index("lad_code")
    zones = gpd.read_file(out / "zone_boundaries.geojson").to_crs(27700)
    zones["district"] = zones["zone_id"].map(load_study(out).zones.set_index("zone_id")["district_code"])
    dissolved = zones.dissolve("district").geometry
    committed = gpd.read_file(COMMITTED / "districts.geojson").to_crs(27700).set_index("lad_code").geometry
    assert list(districts.index) == WK_DISTRICTS
    for code in WK_DISTRICTS:
        mine = districts.geometry[code]
        assert mine.intersection(dissolved[code]).area / mine.union(dissolved[code]).area > 0.99
        # the committed outlines are ONS's super-generalised district boundaries: the same districts, drawn coarser
        assert mine.intersection(committed[code]).area / mine.union(committed[code]).area > 0.95
    report = json.loads((out / "build_report.json").read_text())
    assert any("dissolved per district" in n for n in report["notes"])
    attribution = (out / "ATTRIBUTION.md").read_text()
    assert "| districts.geojson | LSOA 2011 generalised clipped boundaries, dissolved per district |" in attribution
    assert "sites.csv (hospital locations)" not in attribution


def test_cache_build_records_its_sources(cache: Path, cli_build: tuple[Path, str]) -> None:
    out, _ = cli_build
    report = json.loads((out / "build_report.json").read_text())
    recorded = json.loads((cache / MANIFEST_NAME).read_text())["files"]
    assert report["source"]["download_cache"] == str(cache)
    assert set(report["source"]["files"]) == set(recorded)
    for key, record in report["source"]["files"].items():
        assert record["sha256"] == recorded[key]["sha256"] and record["file"] == recorded[key]["file"]
    attribution = (out / "ATTRIBUTION.md").read_text()
    committed = (COMMITTED / "ATTRIBUTION.md").read_text()
    for row in ("| zones.csv (population by age band) |", "| sites.csv (list sizes) |", "| sites.csv (practice loc"):
        line = next(x for x in committed.splitlines() if x.startswith(row))
        assert line in attribution, row  # mid-2017 (SAPE20DT1), January 2021, NSPL May 2025: read from the files
    assert (
        "| projections.csv | 2022-based subnational population projections (2022snpppopulationsyoamigcat23.zip)"
        in attribution
    )
    assert "Population is mid-2017" in attribution


def test_named_area_from_the_cache_locates_hospitals_in_the_published_hospital_list(
    cache: Path, shared_data: Path, tmp_path: Path
) -> None:
    """``--area west_kent`` from the cache: its hospitals come from the ¬-separated Windows-1252 Hospital.csv.

    The IMD is the CSV export of the workbook's IMD2019 sheet here, only to keep the test quick (the loader reads
    both; the command-line build above reads the workbook)."""
    src = partial_cache(cache, tmp_path / "cache", replace={"imd2019": shared_data / SOURCE_FILES["imd"]})
    # hubopt fetch data downloads no ERIC returns: a cache holds them in estates_eric/ when the user adds them
    (src / SOURCE_FILES["eric"]).symlink_to(shared_data / SOURCE_FILES["eric"])
    out = tmp_path / "wk"
    report = build_study(src, out, WEST_KENT)
    assert report.base_year == 2017
    built = pd.read_csv(out / "sites.csv", dtype=str, keep_default_na=False)
    committed = pd.read_csv(COMMITTED / "sites.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(built.drop(columns="source"), committed.drop(columns="source"))
    hospitals = committed["type"] != "gp_practice"
    assert (built.loc[hospitals, "source"] == committed.loc[hospitals, "source"]).all()
    assert (out / "zones.csv").read_bytes() == (COMMITTED / "zones.csv").read_bytes()
    assert (
        "| sites.csv (hospital locations) | NHS website organisation data, Hospital list (downloaded "
        in (out / "ATTRIBUTION.md").read_text()
    )


# --- what a cache must hold, and clear errors when it does not ------------------------------------------------------


def partial_cache(
    cache: Path, dest: Path, *, leave_out: str = "", replace: dict[str, Path | bytes] | None = None
) -> Path:
    """A copy of the cache (links to its files) without one source, or with some files replaced: by another real
    file (its manifest record then points at it) or by bytes written here (recorded as synthetic)."""
    dest.mkdir()
    records = json.loads((cache / MANIFEST_NAME).read_text())["files"]
    kept = {}
    for key, record in records.items():
        if key == leave_out:
            continue
        name = record["file"]
        new = (replace or {}).get(key)
        if new is None:
            (dest / name).symlink_to(cache / name)
        elif isinstance(new, Path):
            (dest / name).symlink_to(new)
        else:
            (dest / name).write_bytes(new)
        data = (dest / name).read_bytes()
        url = record["url"] if new is None else new.as_uri() if isinstance(new, Path) else "synthetic: this test"
        kept[key] = {**record, "url": url, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (dest / MANIFEST_NAME).write_text(json.dumps({"files": kept}), encoding="utf-8")
    return dest


def test_missing_file_names_the_source_and_the_fetch_command(cache: Path, tmp_path: Path) -> None:
    src = partial_cache(cache, tmp_path / "cache", leave_out="lsoa_centroids")
    result = CliRunner().invoke(
        main, ["study", "build", "--districts", "E07000116", "--source", str(src), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert (
        "the download cache has no LSOA (December 2011) population-weighted centroids (source 'lsoa_centroids')"
        in message
    )
    assert f"hubopt fetch data --only lsoa_centroids --cache {src}" in message
    assert not (tmp_path / "out").exists()
    # A manifest that lists a file the folder lacks says so.
    (src / MANIFEST_NAME).write_text(json.dumps({"files": json.loads((cache / MANIFEST_NAME).read_text())["files"]}))
    with pytest.raises(InputError, match=r"fetch_manifest.json lists lsoa2011_population_weighted_centroids.csv"):
        BuildSources.at(src).path("centroids")


def test_cache_is_told_from_a_source_folder(cache: Path, shared_data: Path, tmp_path: Path) -> None:
    assert BuildSources.at(cache).cache and not BuildSources.at(shared_data).cache
    unlisted = tmp_path / "no_manifest"  # files under their cache names, without a manifest, are a cache too
    unlisted.mkdir()
    (unlisted / "nspl.zip").symlink_to(cache / "nspl.zip")
    sources = BuildSources.at(unlisted)
    assert sources.cache and sources.path("postcodes") == unlisted / "nspl.zip"
    with pytest.raises(InputError, match=r"hubopt fetch data --only snpp --cache"):
        sources.path("snpp")
    with pytest.raises(InputError, match=r"the download cache has no hospitals/hosp_107_stroke_units_england.csv"):
        sources.path("stroke_units")  # not an official download: Mid and South Essex needs ../shared/data


def test_zip_without_the_expected_member(cache: Path, tmp_path: Path) -> None:
    # SYNTHETIC zip files: member names only, with no content.
    males_females = tmp_path / "snpp.zip"
    zip_file(males_females, {"2022 SNPP Population males.csv": b"", "2022 SNPP Population females.csv": b""})
    src = partial_cache(cache, tmp_path / "cache", replace={"snpp": males_females.read_bytes()})
    with (
        pytest.raises(InputError, match=r"holds no .csv file named with 'persons' for the projections") as info,
        BuildSources.at(src).readable("snpp"),
    ):
        pass
    assert "'2022 SNPP Population males.csv'" in str(info.value) and info.value.path == str(
        src / "2022snpppopulationsyoamigcat23.zip"
    )

    no_data = tmp_path / "nspl.zip"
    zip_file(no_data, {"Documents/NSPL User Guide.txt": b""})
    with pytest.raises(InputError, match=r"holds no NSPL CSV file \(such as Data/NSPL_MAY_2025_UK.csv\)") as info:
        PostcodeLookup.from_nspl_zip(no_data, ["TN1 1AA"])
    assert "Documents/NSPL User Guide.txt" in str(info.value)


def test_errors_inside_a_zip_member_name_the_zip_and_member(cache: Path, tmp_path: Path) -> None:
    # SYNTHETIC damage: the real list-size CSV with its NUMBER_OF_PATIENTS column renamed.
    with zipfile.ZipFile(cache / "gp-reg-pat-prac-all.zip") as zf:
        text = zf.read("gp-reg-pat-prac-all.csv").decode("utf-8")
    damaged = tmp_path / "damaged.zip"
    zip_file(damaged, {"gp-reg-pat-prac-all.csv": text.replace("NUMBER_OF_PATIENTS", "PATIENTS", 1).encode()})
    src = partial_cache(cache, tmp_path / "cache", replace={"gp_list_sizes": damaged.read_bytes()})

    with (
        pytest.raises(InputError, match="no number of patients column") as info,
        BuildSources.at(src).readable("list_sizes") as (file, _),
    ):
        read_list_sizes(file)
    assert info.value.path == f"{src / 'gp-reg-pat-prac-all.zip'} [gp-reg-pat-prac-all.csv]"


def test_population_must_name_its_mid_year(cache: Path, shared_data: Path, tmp_path: Path) -> None:
    # The real mid-2017 rows as a CSV file whose name does not say the year (and the IMD as its CSV export).
    src = partial_cache(
        cache,
        tmp_path / "cache",
        replace={"sape_lsoa": shared_data / SOURCE_FILES["sape"], "imd2019": shared_data / SOURCE_FILES["imd"]},
    )
    records = json.loads((src / MANIFEST_NAME).read_text())
    (src / SAPE_NAME).rename(src / "lsoa-population.csv")
    records["files"]["sape_lsoa"]["file"] = "lsoa-population.csv"
    (src / MANIFEST_NAME).write_text(json.dumps(records))
    with pytest.raises(InputError, match="do not say which mid-year they are for") as info:
        build_study(src, tmp_path / "out", area_for(None, ["E07000116"]))
    assert info.value.path == str(src / "lsoa-population.csv")


# --- the publishers' packaging, read by the loaders ---------------------------------------------------------------


def sape_rows(shared: Path) -> list[list[str]]:
    with (shared / SOURCE_FILES["sape"]).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_population_workbook_in_the_mid_2020_layout(shared_data: Path, tmp_path: Path) -> None:
    """Real Tunbridge Wells rows under the column names of ONS's mid-2020 workbook (``LSOA Code``, ``LSOA Name``,
    ``All Ages``, 0 ... ``90+``; its local-authority columns are left out: the mid-2017 rows do not hold them)."""
    rows = sape_rows(shared_data)
    header = rows[0]
    tw = [r for r in rows[1:] if r[2].startswith("Tunbridge Wells ")]
    table = [["LSOA Code", "LSOA Name", *header[3:]]] + [[r[0], r[2], *r[3:]] for r in tw]
    book = tmp_path / "tunbridge_wells_sape20dt1.xlsx"
    sape_workbook(table, book)
    syoa = read_sape_syoa(book)
    assert len(syoa) == 68 == len(tw)
    assert syoa.attrs["mid_year"] == 2017  # from the sheet's name
    assert syoa.attrs["table"] == "SAPE20DT1" and syoa.attrs["where"] == f"{book} [sheet Mid-2017 Persons]"
    assert syoa["all_ages"].sum() == sum(int(r[3]) for r in tw)


def test_population_workbook_errors(shared_data: Path, tmp_path: Path) -> None:
    rows = sape_rows(shared_data)
    # SYNTHETIC damage: the real header without its "All Ages" column name.
    no_total = [[("Total count" if h == "All Ages" else h) for h in rows[0]], *rows[1:30]]
    book = tmp_path / "no_total.xlsx"
    sape_workbook(no_total, book)
    with pytest.raises(InputError, match=r"no sheet of the workbook has a header row with an LSOA code") as info:
        read_sape_syoa(book)
    assert "sheets searched: 'Mid-2017 Persons'" in str(info.value) and info.value.path == str(book)

    # Without a persons sheet, any sheet holding the table is read (its title names the year), but never a sheet of
    # one sex.
    book = tmp_path / "table1.xlsx"
    sape_workbook(rows[:30], book, sheet="Table 1")
    assert read_sape_syoa(book).attrs["mid_year"] == 2017
    book = tmp_path / "males.xlsx"
    sape_workbook(rows[:30], book, sheet="Mid-2017 Males")  # SYNTHETIC: persons rows under a males sheet name
    with pytest.raises(InputError, match=r"sheets searched: 'Contents'; .* not read: 'Mid-2017 Males'"):
        read_sape_syoa(book)

    # SYNTHETIC damage: one count made text; the message names the sheet and its row (title rows counted).
    bad = [list(r) for r in rows[:30]]
    bad[5][10] = "n/a"
    book = tmp_path / "bad_count.xlsx"
    sape_workbook(bad, book)
    with pytest.raises(InputError, match=r"'n/a' is not a (whole )?number") as info:
        read_sape_syoa(book)
    assert info.value.path == f"{book} [sheet Mid-2017 Persons]"
    assert info.value.row == 5 + 5  # header on sheet row 5, then the fifth data row


def test_postcode_lookup_streams_only_the_postcodes_asked_for(
    cache: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hubopt.io._nspl as nspl

    monkeypatch.setattr(nspl, "_BLOCK_ROWS", 40_000)  # several blocks from the 185,964 rows
    whole = PostcodeLookup.from_nspl_latlon(shared_data / SOURCE_FILES["postcodes"])
    wanted = ["TN1 1AA", "me16 9qq", "SS165NL", "CO5 9AG"]
    lookup = PostcodeLookup.from_nspl_zip(cache / "nspl.zip", wanted)
    assert len(lookup) == sum(p in whole for p in wanted) >= 3
    known = [p for p in wanted if p in whole]
    assert (lookup.locate(known) == whole.locate(known)).all()
    assert lookup.files == [f"{cache / 'nspl.zip'} [Data/NSPL_MAY_2025_UK.csv]"]
    with pytest.raises(InputError, match="none of the 1 postcodes asked for"):
        PostcodeLookup.from_nspl_zip(cache / "nspl.zip", ["ZZ9 9ZZ"])


def test_postcode_zip_errors_name_member_and_row(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    import hubopt.io._nspl as nspl

    monkeypatch.setattr(nspl, "_BLOCK_ROWS", 3)
    lines = (shared_data / SOURCE_FILES["postcodes"] / "TN.csv").read_text().splitlines()[:11]
    # SYNTHETIC damage: the latitude of the 8th postcode (file row 9) made text.
    cells = lines[8].split(",")
    lines[8] = ",".join([cells[0], "north", cells[2]])
    path = tmp_path / "nspl.zip"
    zip_file(path, {"Data/NSPL_MAY_2025_UK.csv": ("\n".join(["pcds,lat,long", *lines[1:]]) + "\n").encode()})
    with pytest.raises(InputError, match="'north' is not a number") as info:
        PostcodeLookup.from_nspl_zip(path, [cells[0]])
    assert (info.value.path, info.value.row, info.value.column) == (f"{path} [Data/NSPL_MAY_2025_UK.csv]", 9, "lat")


def test_population_workbook_inside_a_zip(shared_data: Path, tmp_path: Path) -> None:
    """ONS shipped some years' workbook zipped (e.g. sape22dt2mid2020lsoasyoaestimatesunformatted.zip holding
    SAPE22DT2-mid-2020-lsoa-syoa-estimates-unformatted.xlsx): the member is read, and messages name zip, member
    and sheet. Real rows; the one damaged value is SYNTHETIC."""
    rows = sape_rows(shared_data)[:40]
    book = tmp_path / "book.xlsx"
    sape_workbook(rows, book)
    src = tmp_path / "cache"
    src.mkdir()
    packed = src / "sape20dt1mid2017lsoasyoaestimatesformatted.zip"
    zip_file(packed, {"SAPE20DT1-mid-2017-lsoa-syoa-estimates.xlsx": book.read_bytes()})
    (src / MANIFEST_NAME).write_text(json.dumps({"files": {"sape_lsoa": {"key": "sape_lsoa", "file": packed.name}}}))
    with BuildSources.at(src).readable("sape") as (file, name):
        syoa = read_sape_syoa(file)
    assert name == f"{packed} [SAPE20DT1-mid-2017-lsoa-syoa-estimates.xlsx]"
    assert len(syoa) == sum(1 for r in rows[1:] if r[2]) and syoa.attrs["mid_year"] == 2017

    rows[5][10] = "n/a"
    sape_workbook(rows, book)
    zip_file(packed, {"SAPE20DT1-mid-2017-lsoa-syoa-estimates.xlsx": book.read_bytes()})
    with (
        pytest.raises(InputError, match=r"'n/a' is not a number") as info,
        BuildSources.at(src).readable("sape") as (file, _),
    ):
        read_sape_syoa(file)
    assert info.value.path == f"{name} [sheet Mid-2017 Persons]" and info.value.row == 10
