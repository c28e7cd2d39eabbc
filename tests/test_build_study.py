"""Studies for any districts: Mid and South Essex from the real files, custom district lists, missing sources,
LSOA 2011 / 2021 sources."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hubopt.build.areas import MID_SOUTH_ESSEX, area_for
from hubopt.build.study import SOURCE_FILES, build_study
from hubopt.build.study_write import scaling_note
from hubopt.build.vintages import population_to_zones, source_vintage
from hubopt.cli import main
from hubopt.errors import InputError
from hubopt.io.deprivation import read_imd2019
from hubopt.io.forecasts import read_snpp
from hubopt.io.hospitals import read_nhs_hospitals
from hubopt.io.population import read_census2021_lsoa
from hubopt.io.sites import ESTATE_COLUMNS
from hubopt.pipeline import run_scenario
from hubopt.pipeline.demand import scenario_demand
from hubopt.scenario import load_scenario
from hubopt.study import load_study
from hubopt.travel.land_mask import LAND_MASK_FILE, LandMask

REPO = Path(__file__).resolve().parents[1]
MSE = REPO / "hubopt" / "studies" / "mid_south_essex"
WK_SNPP = "2022-based_SNPP_migration_category_variant_2023geog_persons_westkent_age65plus_and_allages.csv"
MSE_SNPP = "2022-based_SNPP_migration_category_variant_2023geog_persons_mse_age65plus_and_allages.csv"
FILES = (
    "zones.csv",
    "zone_ages.csv",
    "sites.csv",
    "projections.csv",
    "study.yaml",
    "ATTRIBUTION.md",
    "build_report.json",
    "zone_boundaries.geojson",
    "districts.geojson",
)


MSE_COMMUNITY_HOSPITALS = {
    "RAJ25": ("Brentwood Community Hospital", "CM15 8DR", "Brentwood"),
    "R1L10": ("Rochford Community Hospital", "SS4 1RB", "Rochford"),
    "R1L50": ("Thurrock Community Hospital", "RM16 2PX", "Thurrock"),
    "RATPH": ("Orsett Hospital", "RM16 3EU", "Thurrock"),
    "RDEEK": ("Halstead Hospital", "CO9 2DL", "Braintree"),
    "NBI02": ("Billericay Community Hospital", "CM12 9SA", "Basildon"),
}


def test_committed_mid_south_essex_study() -> None:
    study = load_study(MSE)
    assert len(study.zones) == 705
    assert (study.sites["type"] == "gp_practice").sum() == 147
    acute = study.sites[study.sites["type"] == "acute_hospital"].set_index("site_id")["name"]
    assert set(acute) == {"Broomfield Hospital", "Southend Hospital", "Basildon University Hospital"}
    # the projections of all nine districts: 27 age groups (0-64, 65, ..., 89, 90+) x 26 years (2022-2047) each
    assert study.projections.groupby("district_code").size().to_dict() == {
        d: 27 * 26 for d in MID_SOUTH_ESSEX.districts
    }
    assert "projections_missing_for" not in study.metadata
    attribution = (MSE / "ATTRIBUTION.md").read_text()
    assert "no population projections" not in attribution
    assert "every zone keeps its mid-2017 share of its district's group" in attribution  # how 2017 zones are scaled
    assert "interpolated linearly between the mid-2017 totals and 2022" in attribution
    # no ERIC figure is filled for Mid and South Essex, so ATTRIBUTION.md does not list ERIC as a source of one
    assert "| sites.csv (community hospitals' annual_cost" not in attribution
    assert study.sites[list(ESTATE_COLUMNS)].isna().all().all()


def test_mid_south_essex_community_hospitals_from_the_nhs_list(shared_data: Path) -> None:
    sites = load_study(MSE).sites.set_index("site_id")
    community = sites[sites["type"] == "community_hospital"]
    assert sorted(community.index) == sorted(MSE_COMMUNITY_HOSPITALS)
    listed = read_nhs_hospitals(shared_data / SOURCE_FILES["hospitals"]).set_index("code")
    for code, (name, postcode, district) in MSE_COMMUNITY_HOSPITALS.items():
        row = community.loc[code]
        assert (row["name"], row["postcode"], row["district"], row["status"]) == (
            name,
            postcode,
            district,
            "existing",
        )
        assert listed.loc[code, "postcode"] == postcode  # the code and place as the NHS hospital list has them
        assert row.geometry.distance(listed.to_crs(sites.crs).loc[code].geometry) < 1.0
        assert "NHS website hospital list" in row["source"]
        assert pd.isna(row["beds"]) and pd.isna(row["piloted_beds"])  # no sourced beds; never West Kent's
    assert pd.to_numeric(sites["beds"], errors="coerce").fillna(0).sum() == 0
    notes = " ".join((MSE / "ATTRIBUTION.md").read_text().split())
    assert "No community-bed figures are held for Mid and South Essex" in notes


def test_rebuild_equals_committed(shared_data: Path, tmp_path: Path) -> None:
    build_study(shared_data, tmp_path / "mse", MID_SOUTH_ESSEX)
    for name in FILES:
        assert (tmp_path / "mse" / name).read_bytes() == (MSE / name).read_bytes(), name
    # The land mask too: the committed one is the build's, not a copy of a source file.
    rebuilt, committed = LandMask.read(tmp_path / "mse" / LAND_MASK_FILE), LandMask.read(MSE / LAND_MASK_FILE)
    assert (rebuilt.shape, rebuilt.x_min, rebuilt.y_max, rebuilt.source) == (
        committed.shape,
        committed.x_min,
        committed.y_max,
        committed.source,
    )
    assert np.array_equal(rebuilt.land, committed.land)


def test_custom_districts(shared_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "study",
            "build",
            "--districts",
            "E07000066",
            "E07000068",
            "--name",
            "Basildon and Brentwood",
            "--source",
            str(shared_data),
            "--out",
            str(tmp_path / "bb"),
        ],
    )
    assert result.exit_code == 0, result.output
    study = load_study(tmp_path / "bb")
    imd = read_imd2019(shared_data / "deprivation" / "IMD2019_File1_westkent_mse.csv")
    assert len(study.zones) == imd["lad_code"].isin(["E07000066", "E07000068"]).sum()
    assert study.metadata["districts"] == {"E07000066": "Basildon", "E07000068": "Brentwood"}
    assert set(study.zones["district_name"]) == {"Basildon", "Brentwood"}


def test_bad_districts(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="E99999999 have no LSOAs in the IMD file"):
        build_study(shared_data, tmp_path / "x", area_for(None, ["E99999999"]))
    with pytest.raises(InputError, match="not ONS local authority district codes"):
        area_for(None, ["Maidstone"])
    with pytest.raises(InputError, match="unknown area 'kent'"):
        area_for("kent")
    with pytest.raises(InputError, match="the source folder does not exist"):
        build_study(tmp_path / "nowhere", tmp_path / "x", MID_SOUTH_ESSEX)


def mse_scenario(tmp_path: Path, **demand) -> Path:
    data = yaml.safe_load((REPO / "hubopt" / "scenarios" / "mid_south_essex_hubs.yaml").read_text())
    data["study"] = str(MSE)
    data["demand"].update(demand)
    data["outputs"]["folder"] = str(tmp_path / "out")
    path = tmp_path / "mse.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_mid_south_essex_runs_end_to_end_to_2030(tmp_path: Path) -> None:
    sc = load_scenario(mse_scenario(tmp_path))
    assert sc.year == 2030 and "community_hospital" in sc.site_types
    run = run_scenario(sc)
    assert len(run.zones) == 705
    assert run.result.report.is_optimal
    assert len(run.result.open_sites) == 10
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert "scaled to district projections for 2030" in manifest["methods"]["demand"]
    assert "HELD FLAT" not in (run.folder / "summary.txt").read_text()
    # the community hospitals were candidates: 156 sites, not the 150 practices and acute hospitals of before
    candidates = run.candidates.sites
    assert len(candidates) == 156
    assert set(MSE_COMMUNITY_HOSPITALS) <= set(candidates["site_id"])
    # the people modelled are the file's 2030 total of the nine districts (1,258,859.8), not 2017's 1,181,125
    assert run.demand.population["population"].sum() == pytest.approx(1_258_859.8, abs=1.0)
    # and an existing community hospital is one of the ten hubs
    opened = set(candidates["site_id"].iloc[run.result.open_sites])
    assert opened & set(MSE_COMMUNITY_HOSPITALS)
    # Travel along land: Burnham-on-Crouch (Maldon 008C-G) is no longer sent across the Crouch to a Southend hub
    # at a crow-fly time (18.6-19.7 minutes to Central Surgery, Southchurch Boulevard, before), but to a hub on its
    # own side of the estuary (Blackwater Medical Centre, Maldon, 21.4-22.5 minutes).
    assert "distance along land" in manifest["methods"]["travel"]
    burnham = run.zones[run.zones["zone_name"].str.startswith("Maldon 008")]
    assert len(burnham) == 5
    hubs = run.sites.set_index("site_id").loc[burnham["hub_id"]]
    assert (hubs.geometry.y > 194_000).all()  # north of the Crouch
    assert (burnham["minutes"] > 20.0).all()


def test_mid_south_essex_demand_in_2030_grows_where_its_projection_grows(shared_data: Path) -> None:
    """The scenario's demand for 2030 against 2017's, district by district, with the totals from the real file."""
    study = load_study(MSE)
    demand = scenario_demand(study, load_scenario(REPO / "hubopt" / "scenarios" / "mid_south_essex_hubs.yaml"))
    base, later = demand(2017), demand(2030)
    assert "scaled to district projections for 2030" in later.method
    snpp = read_snpp(shared_data / SOURCE_FILES["snpp"] / MSE_SNPP)
    file_2030 = snpp[(snpp["age_group"] == "All ages") & (snpp["year"] == 2030)].set_index("area_code")["population"]
    assert file_2030["E07000074"] == pytest.approx(72_750.613, abs=1e-6)  # Maldon, 2030, as the file gives it
    district = base.population["district_code"].to_numpy()
    assert (later.population["district_code"].to_numpy() == district).all()
    grows = 0
    for code in MID_SOUTH_ESSEX.districts:
        inside = district == code
        pop_2017 = base.population.loc[inside, "population"].sum()
        pop_2030 = later.population.loc[inside, "population"].sum()
        assert pop_2030 == pytest.approx(file_2030[code], abs=1.0)  # the zones add up to the file's total
        if file_2030[code] > pop_2017:
            grows += 1
            assert later.demand[inside].sum() > base.demand[inside].sum()
    assert grows == 9  # every district is projected above its mid-2017 population in 2030
    assert later.demand.sum() > base.demand.sum()


def test_missing_projections_need_an_explicit_choice(tmp_path: Path) -> None:
    study = tmp_path / "mse_without_projections"
    shutil.copytree(MSE, study)
    table = pd.read_csv(study / "projections.csv", dtype=str)
    table[~table["district_code"].isin(["E07000074", "E07000075"])].to_csv(study / "projections.csv", index=False)
    path = mse_scenario(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["study"] = str(study)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        InputError,
        match=r"(?s)no population projections for district\(s\) E07000074, E07000075.*"
        r"demand\.beyond_projection: hold",
    ):
        run_scenario(load_scenario(path))
    assert not (tmp_path / "out").exists()


# --- LSOA 2011 / LSOA 2021 ----------------------------------------------------------------------------------------

LOOKUP_FIXTURE = REPO / "tests" / "data" / "fixtures" / "lsoa11_lsoa21_lookup_maidstone_tunbridge_wells.csv"
CENSUS = "population/census2021_lsoa21_usual_residents_westkent_mse.csv"
TUNBRIDGE_WELLS = ["E07000116"]


def source_folder(shared_data: Path, tmp_path: Path, **replace: Path) -> Path:
    """A source folder laid out as ../shared/data whose files link to the real ones, some replaced by others."""
    src = tmp_path / "source"
    for key, rel in SOURCE_FILES.items():
        link = src / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(replace.get(key, shared_data / rel))
    return src


def test_population_on_lsoa_2021_refused_without_lookup(shared_data: Path, tmp_path: Path) -> None:
    src = source_folder(shared_data, tmp_path, sape=shared_data / CENSUS)
    out = tmp_path / "tw"
    result = CliRunner().invoke(
        main, ["study", "build", "--districts", *TUNBRIDGE_WELLS, "--source", str(src), "--out", str(out)]
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    sape, imd = src / SOURCE_FILES["sape"], src / SOURCE_FILES["imd"]
    assert f"{sape} (population estimates) is keyed by LSOA 2021" in message
    assert f"{imd} (the study's zones, IMD 2019) is keyed by LSOA 2011" in message
    assert "--lsoa-lookup FILE" in message
    assert not out.exists()


def test_lsoa_2021_centroids_refused_even_with_lookup(shared_data: Path, tmp_path: Path) -> None:
    header_only = tmp_path / "centroids_lsoa21.csv"
    header_only.write_text("LSOA21CD,LSOA21NM,X,Y\n")  # only the header is read before the refusal
    src = source_folder(shared_data, tmp_path, centroids=header_only)
    with pytest.raises(InputError, match="a lookup converts counts, not the points or polygons") as info:
        build_study(src, tmp_path / "tw", area_for(None, TUNBRIDGE_WELLS), lsoa_lookup=LOOKUP_FIXTURE)
    assert info.value.path == str(src / SOURCE_FILES["centroids"])
    with pytest.raises(InputError, match="the LSOA lookup file does not exist"):
        build_study(src, tmp_path / "tw", area_for(None, TUNBRIDGE_WELLS), lsoa_lookup=tmp_path / "none.csv")


def test_vintage_of_each_real_source(shared_data: Path) -> None:
    assert source_vintage(shared_data / SOURCE_FILES["imd"]) == "2011"
    assert source_vintage(shared_data / SOURCE_FILES["sape"]) == "2011"
    assert source_vintage(shared_data / SOURCE_FILES["centroids"]) == "2011"
    assert source_vintage(shared_data / SOURCE_FILES["lsoa_boundaries"]) == "2011"
    assert source_vintage(shared_data / CENSUS) == "2021"


def census_table(shared_data: Path) -> pd.DataFrame:
    return read_census2021_lsoa(shared_data / CENSUS).rename(columns={"lsoa21_code": "lsoa_code"})


def zone_codes(shared_data: Path, districts: list[str]) -> list[str]:
    imd = read_imd2019(shared_data / SOURCE_FILES["imd"])
    return sorted(imd.loc[imd["lad_code"].isin(districts), "lsoa_code"])


def test_census_2021_population_converted_to_lsoa_2011_zones(shared_data: Path) -> None:
    census = census_table(shared_data)
    zones = zone_codes(shared_data, ["E07000110", "E07000116"])
    out, conversion = population_to_zones(census, ["population"], zones, LOOKUP_FIXTURE, path=shared_data / CENSUS)
    assert list(out["lsoa_code"]) == zones  # every Maidstone and Tunbridge Wells zone, none else
    pop21 = census.set_index("lsoa_code")["population"]
    in_area = census["lsoa21_name"].str.startswith(("Maidstone ", "Tunbridge Wells "))
    assert out["population"].sum() == pytest.approx(census.loc[in_area, "population"].sum())  # nobody lost
    pop = out.set_index("lsoa_code")["population"]
    assert pop["E01024320"] == pop21["E01024320"]  # Maidstone 003A, unchanged
    assert pop["E01024801"] == pop21["E01035012"] + pop21["E01035013"]  # TW 008A, split into 008E and 008F
    assert pop["E01024334"] == pop["E01024338"] == pop21["E01034990"] / 2  # Maidstone 001B, 001D merged: 001F
    assert conversion.record() == {
        "file": str(shared_data / CENSUS),
        "from": "LSOA 2021",
        "to": "LSOA 2011",
        "lookup": str(LOOKUP_FIXTURE),
        "lsoa2021_rows": 168,
        "lsoa2011_unchanged": 156,
        "lsoa2011_split": 5,
        "lsoa2011_merged": 2,
        "lsoa2011_outside_study": 0,
    }
    assert "5 split in 2021" in conversion.note() and "2 merged in 2021" in conversion.note()


def test_conversion_refuses_gaps_and_irregular_changes(shared_data: Path, tmp_path: Path) -> None:
    census = census_table(shared_data)
    sevenoaks = zone_codes(shared_data, ["E07000111"])
    with pytest.raises(InputError, match="74 of the study's LSOA 2011 zones are not in the lookup"):
        population_to_zones(census, ["population"], sevenoaks, LOOKUP_FIXTURE, path=shared_data / CENSUS)

    tw = zone_codes(shared_data, TUNBRIDGE_WELLS)
    short = census[census["lsoa_code"] != "E01035013"]
    with pytest.raises(InputError, match=r"1 LSOA 2021 code.* not in the file: E01035013") as info:
        population_to_zones(short, ["population"], tw, LOOKUP_FIXTURE, path=shared_data / CENSUS)
    assert info.value.path == str(shared_data / CENSUS)

    irregular = tmp_path / "irregular.csv"
    irregular.write_text(LOOKUP_FIXTURE.read_text().replace("Tunbridge Wells 008E,S", "Tunbridge Wells 008E,X"))
    with pytest.raises(InputError, match=r"CHGIND X.*E01035012 <- E01024801") as info:
        population_to_zones(census, ["population"], tw, irregular, path=shared_data / CENSUS)
    assert info.value.path == str(shared_data / CENSUS)


def test_lookup_not_needed_when_every_source_is_lsoa_2011(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "tw"
    args = ["study", "build", "--districts", *TUNBRIDGE_WELLS, "--source", str(shared_data), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--lsoa-lookup", str(LOOKUP_FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "--lsoa-lookup was not needed" in result.output
    meta = yaml.safe_load((out / "study.yaml").read_text())
    assert "lsoa_conversions" not in meta and meta["zone_geography"] == "LSOA 2011"
    assert "lsoa_conversions" not in json.loads((out / "build_report.json").read_text())
    assert len(load_study(out).zones) == len(zone_codes(shared_data, TUNBRIDGE_WELLS))


def test_build_converts_an_lsoa_2021_population_table(shared_data: Path, tmp_path: Path) -> None:
    """The wiring of a conversion through a whole build. The counts are SYNTHETIC (one person of each single year
    of age per LSOA 2021, written here, not population data): no single-year-of-age table on LSOA 2021 is among the
    real files. Codes, names and every other source are real."""
    census = read_census2021_lsoa(shared_data / CENSUS)
    tw21 = census[census["lsoa21_name"].str.startswith("Tunbridge Wells ")]
    ages = [str(a) for a in range(90)] + ["90+"]
    table = pd.DataFrame({"LSOA 2021 Code": tw21["lsoa21_code"], "LSOA 2021 Name": tw21["lsoa21_name"]})
    table["All Ages"] = len(ages)
    for age in ages:
        table[age] = 1
    synthetic = tmp_path / "synthetic_sape_lsoa21_tunbridge_wells.csv"
    table.to_csv(synthetic, index=False)
    src = source_folder(shared_data, tmp_path, sape=synthetic)
    out = tmp_path / "tw"

    report = build_study(src, out, area_for(None, TUNBRIDGE_WELLS), lsoa_lookup=LOOKUP_FIXTURE)
    study = load_study(out)
    assert len(tw21) == 69 and len(study.zones) == 68
    pop = study.zones.set_index("zone_id")["population"]
    assert pop.sum() == 69 * 91  # nobody lost
    assert pop["E01024801"] == 2 * 91  # Tunbridge Wells 008A: its two 2021 parts summed back
    assert (pop.drop("E01024801") == 91).all()
    assert study.zones.set_index("zone_id").loc["E01024801", "pop_85_plus"] == 2 * 6
    # the single years of age are converted with the bands: one person of each age, two in the zone summed back
    ages = study.zone_ages.set_index("zone_id")
    assert ages.shape == (68, 91) and (ages.loc["E01024801"] == 2).all() and (ages.drop("E01024801") == 1).all().all()
    record = {
        "file": str(src / SOURCE_FILES["sape"]),
        "from": "LSOA 2021",
        "to": "LSOA 2011",
        "lookup": str(LOOKUP_FIXTURE),
        "lsoa2021_rows": 69,
        "lsoa2011_unchanged": 67,
        "lsoa2011_split": 1,
        "lsoa2011_merged": 0,
        "lsoa2011_outside_study": 0,
    }
    assert report.lsoa_conversions == [record]
    assert yaml.safe_load((out / "study.yaml").read_text())["lsoa_conversions"] == [record]
    assert json.loads((out / "build_report.json").read_text())["lsoa_conversions"] == [record]
    attribution = (out / "ATTRIBUTION.md").read_text()
    assert "LSOA (2011) to LSOA (2021) lookup" in attribution and "1 split in 2021" in attribution


def test_build_refuses_projections_with_a_year_column_deleted(shared_data: Path, tmp_path: Path) -> None:
    real = shared_data / SOURCE_FILES["snpp"] / WK_SNPP
    gap = tmp_path / "projections"
    gap.mkdir()
    pd.read_csv(real, dtype=str).drop(columns=["2030"]).to_csv(gap / WK_SNPP, index=False)
    src = source_folder(shared_data, tmp_path, snpp=gap)
    with pytest.raises(InputError) as info:
        build_study(src, tmp_path / "tw", area_for(None, TUNBRIDGE_WELLS))
    assert f"file {src / SOURCE_FILES['snpp'] / WK_SNPP}" in str(info.value)
    assert "has years 2022 to 2047 but not 2030" in str(info.value)
    assert not (tmp_path / "tw" / "study.yaml").exists()


def test_build_reads_every_projection_extract_of_the_source_folder(shared_data: Path, tmp_path: Path) -> None:
    # Maldon's projections are in the Mid and South Essex extract, Tunbridge Wells's in West Kent's: one build
    # of both districts takes each from its own file.
    out = tmp_path / "two"
    build_study(shared_data, out, area_for(None, ["E07000074", "E07000116"]))
    proj = load_study(out).projections.set_index(["district_code", "year"])
    totals = proj.groupby(level=["district_code", "year"])["population"].sum()
    assert totals[("E07000074", 2022)] == pytest.approx(67_568, abs=0.01)  # Maldon, SOURCES.md
    assert totals[("E07000074", 2047)] == pytest.approx(81_051, abs=1.0)
    assert totals[("E07000116", 2022)] == pytest.approx(read_wk_total(shared_data, "E07000116", 2022), abs=0.01)


def read_wk_total(shared_data: Path, code: str, year: int) -> float:
    snpp = read_snpp(shared_data / SOURCE_FILES["snpp"] / WK_SNPP)
    rows = snpp[(snpp["area_code"] == code) & (snpp["age_group"] == "All ages") & (snpp["year"] == year)]
    return float(rows["population"].iloc[0])


def test_build_refuses_a_district_in_two_projection_extracts(shared_data: Path, tmp_path: Path) -> None:
    twice = tmp_path / "projections"
    twice.mkdir()
    for name in (WK_SNPP, MSE_SNPP):
        (twice / name).symlink_to(shared_data / SOURCE_FILES["snpp"] / name)
    lines = (shared_data / SOURCE_FILES["snpp"] / WK_SNPP).read_text(encoding="utf-8").splitlines()
    (twice / "copy_of_maidstone.csv").write_text("\n".join(lines[:28]) + "\n", encoding="utf-8")
    src = source_folder(shared_data, tmp_path, snpp=twice)
    with pytest.raises(InputError, match=f"area E07000110 is in two .* extracts: {WK_SNPP} and copy_of_maidstone"):
        build_study(src, tmp_path / "tw", area_for(None, TUNBRIDGE_WELLS))
    assert not (tmp_path / "tw" / "study.yaml").exists()


def test_study_projections_with_a_year_missing_are_refused(tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(REPO / "hubopt" / "studies" / "west_kent", study)
    table = pd.read_csv(study / "projections.csv", dtype=str)
    table[table["year"] != "2031"].to_csv(study / "projections.csv", index=False)
    with pytest.raises(InputError, match=r"projections.csv.*has years 2022 to 2047 but not 2031"):
        load_study(study)
    table[~((table["year"] == "2031") & (table["band"] == "90+"))].to_csv(study / "projections.csv", index=False)
    with pytest.raises(InputError, match=r"district E07000110, band 90\+ has no projection for 2031"):
        load_study(study)


# --- Primary Care Networks (the plan's clusters) ------------------------------------------------------------------

WK = REPO / "hubopt" / "studies" / "west_kent"


@pytest.mark.parametrize(
    ("folder", "with_pcn", "without", "pcns"),
    [(WK, 50, ["G82076", "G82605", "G82641"], 10), (MSE, 144, ["F81035", "F81695", "Y06389"], 26)],
)
def test_committed_studies_carry_each_practice_pcn(
    folder: Path, with_pcn: int, without: list[str], pcns: int
) -> None:
    sites = load_study(folder).sites
    practices = sites[sites["type"] == "gp_practice"]
    has = practices["pcn_code"].notna()
    assert int(has.sum()) == with_pcn
    assert sorted(practices.loc[~has, "site_id"]) == without
    assert practices.loc[has, "pcn_code"].str.fullmatch(r"U\d{5}").all()
    assert practices.loc[has, "pcn_name"].str.endswith("PCN").all()
    assert practices.loc[has, "pcn_code"].nunique() == pcns
    assert sites.loc[sites["type"] != "gp_practice", "pcn_code"].isna().all()
    report = json.loads((folder / "build_report.json").read_text())
    assert report["counts"]["GP practices with a PCN (ePCN)"] == with_pcn
    assert report["counts"]["GP practices without a PCN"] == len(without)
    assert any(", ".join(without) in note for note in report["notes"])
    assert "Contains NHS England ODS data (ePCN" in (folder / "ATTRIBUTION.md").read_text()


def test_west_kent_practice_pcns_as_published() -> None:
    sites = load_study(WK).sites.set_index("site_id")
    assert sites.loc["G82083", ["pcn_code", "pcn_name"]].tolist() == ["U05510", "MALLING PCN"]  # Thornhills


def test_build_refuses_a_practice_in_two_pcns(shared_data: Path, tmp_path: Path) -> None:
    real = shared_data / SOURCE_FILES["pcn"]
    lines = real.read_text(encoding="utf-8-sig").splitlines()
    header_end = next(i for i, line in enumerate(lines) if line.startswith("F81001,"))
    twice = lines[header_end].replace("U27924,BENFLEET PCN", "U49929,ROCHFORD PCN")
    bad = tmp_path / "epcn_bad.csv"
    bad.write_text("\n".join([*lines, twice]) + "\n", encoding="utf-8")
    src = source_folder(shared_data, tmp_path, pcn=bad)
    with pytest.raises(InputError, match="practice F81001 is in two PCNs") as err:
        build_study(src, tmp_path / "out", area_for(None, TUNBRIDGE_WELLS))
    assert err.value.column == "PCN Code"
    assert err.value.row == len(lines) + 1


def test_scaling_note_names_the_interpolation_only_when_the_projections_start_after_the_base_year() -> None:
    assert "interpolated linearly between the mid-2017 totals and 2022" in scaling_note(2017, "2022")
    assert "interpolated" not in scaling_note(2022, "2022")
    assert "keeps its mid-2022 share of its district's group" in scaling_note(2022, "2022")


def test_a_study_without_projections_does_not_credit_a_projections_source(shared_data: Path, tmp_path: Path) -> None:
    # Maldon built from a projections folder holding West Kent's extract only: its projections.csv is empty, and
    # ATTRIBUTION.md says so instead of naming the ONS projections as its source.
    only_wk = tmp_path / "projections"
    only_wk.mkdir()
    (only_wk / WK_SNPP).symlink_to(shared_data / SOURCE_FILES["snpp"] / WK_SNPP)
    src = source_folder(shared_data, tmp_path, snpp=only_wk)
    out = tmp_path / "maldon"
    build_study(src, out, area_for(None, ["E07000074"]))
    assert load_study(out).projections.empty
    assert yaml.safe_load((out / "study.yaml").read_text())["projections_missing_for"] == ["E07000074"]
    attribution = (out / "ATTRIBUTION.md").read_text()
    assert (
        "| projections.csv (empty) | none: the projections read hold none of the study's districts | | |"
        in attribution
    )
    assert "subnational population projections" not in attribution
    assert "a run for a year after the base year needs demand.beyond_projection: hold" in attribution
    assert "keeps its mid-2017 share" not in attribution
