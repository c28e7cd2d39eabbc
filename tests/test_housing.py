"""New housing: reading trajectories (wide and long), people by age band, allocation to zones (within/additional)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hubopt.demand.housing import (
    DEFAULT_PERSONS_PER_DWELLING,
    allocate_housing,
    housing_people,
    locate_in_zones,
)
from hubopt.demand.projection import zone_population
from hubopt.demand.trajectory import check_housing_years, read_housing_trajectory
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, band_column
from hubopt.io.postcodes import PostcodeLookup
from hubopt.study import Study, load_study

WEST_KENT = Path(__file__).resolve().parents[1] / "hubopt" / "studies" / "west_kent"
BANDS = [band_column(b) for b in AGE_BANDS]
X0, Y0 = 550_000.0, 150_000.0

# Four 1 km squares in a row: Z1, Z2 in district D1; Z3, Z4 in district D2.
ZONE_POP = {
    "Z1": [800, 100, 60, 40],
    "Z2": [1200, 100, 40, 10],
    "Z3": [500, 200, 100, 50],
    "Z4": [300, 50, 30, 20],
}
# Projected district totals for 2030 by band.
PROJ_2030 = {"D1": [2200, 250, 120, 60], "D2": [900, 300, 150, 100]}


@pytest.fixture
def study(tmp_path: Path) -> Study:
    rows = []
    for k, (zid, pop) in enumerate(ZONE_POP.items()):
        rows.append(
            {
                "zone_id": zid,
                "zone_name": zid,
                "district_code": "D1" if k < 2 else "D2",
                "district_name": "One" if k < 2 else "Two",
                "centroid_easting": X0 + 1000 * k + 500,
                "centroid_northing": Y0 + 500,
                **dict(zip(BANDS, map(float, pop), strict=True)),
                "population": float(sum(pop)),
                "geometry": box(X0 + 1000 * k, Y0, X0 + 1000 * (k + 1), Y0 + 1000),
            }
        )
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:27700")
    proj = pd.DataFrame(
        [
            {"district_code": d, "district_name": d, "band": b, "year": 2030, "population": float(v)}
            for d, values in PROJ_2030.items()
            for b, v in zip(AGE_BANDS, values, strict=True)
        ]
    )
    sites = gpd.GeoDataFrame({"site_id": []}, geometry=[], crs="EPSG:27700")
    return Study("toy", tmp_path, 2017, zones, sites, proj, None, {})


def write(tmp_path: Path, text: str, name: str = "housing.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


WIDE = (
    "name,easting,northing,2017,2018,2019,2020,notes\n"
    f"North Farm,{X0 + 200},{Y0 + 300},50,10,20,,phase 1\n"
    f"Mill Lane,{X0 + 2600},{Y0 + 700},0,5,5,30,\n"
)
LONG = (
    "Name,Year,Dwellings,Easting,Northing\n"
    f"North Farm,2017,50,{X0 + 200},{Y0 + 300}\n"
    "North Farm,2018,10,,\n"
    "North Farm,2019,20,,\n"
    f"Mill Lane,2018,5,{X0 + 2600},{Y0 + 700}\n"
    f"Mill Lane,2019,5,{X0 + 2600},{Y0 + 700}\n"
    "Mill Lane,2020,30,,\n"
)
PROFILE = {"0-64": 0.7, "65-74": 0.2, "75-84": 0.075, "85+": 0.025}


def test_wide_and_long_layouts_read_the_same(tmp_path: Path) -> None:
    wide = read_housing_trajectory(write(tmp_path, WIDE, "wide.csv"))
    long = read_housing_trajectory(write(tmp_path, LONG, "long.csv"))
    assert wide.layout == "wide" and long.layout == "long"
    assert list(wide.table.columns[:6]) == ["name", "year", "dwellings", "easting", "northing", "row"]
    w = wide.table[wide.table["dwellings"] > 0].reset_index(drop=True)
    cols = ["name", "year", "dwellings", "easting", "northing"]
    pd.testing.assert_frame_equal(w[cols], long.table[cols], check_dtype=False)
    assert wide.years == [2017, 2018, 2019, 2020]
    assert wide.sites["name"].tolist() == ["North Farm", "Mill Lane"]
    # Blank cell in the wide layout = no dwellings; rows name the file line.
    farm_2020 = wide.table.query("name == 'North Farm' and year == 2020")
    assert farm_2020["dwellings"].item() == 0 and farm_2020["row"].item() == 2
    assert long.table.query("name == 'Mill Lane' and year == 2020")["row"].item() == 7


def test_people_hand_checked_with_given_profile(tmp_path: Path) -> None:
    traj = read_housing_trajectory(write(tmp_path, WIDE))
    people = housing_people(traj, 2019, base_year=2017, age_profile=PROFILE)
    # Completed after 2017 up to and including 2019: North Farm 10 + 20 = 30, Mill Lane 5 + 5 = 10.
    assert people["dwellings"].tolist() == [30, 10]
    assert DEFAULT_PERSONS_PER_DWELLING == 2.4
    np.testing.assert_allclose(people["people"], [72.0, 24.0])
    np.testing.assert_allclose(people["pop_65_74"], [72 * 0.2, 24 * 0.2])
    np.testing.assert_allclose(people[BANDS].sum(axis=1), people["people"])
    other = housing_people(traj, 2020, base_year=2017, persons_per_dwelling=3.0, age_profile=PROFILE)
    np.testing.assert_allclose(other["people"], [90.0, 120.0])
    assert housing_people(traj, 2017, base_year=2017, age_profile=PROFILE)["people"].sum() == 0


def test_people_default_profile_is_the_districts_projection(tmp_path: Path, study: Study) -> None:
    traj = read_housing_trajectory(write(tmp_path, WIDE))
    people = housing_people(traj, 2030, base_year=2017, study=study)
    assert people["zone_id"].tolist() == ["Z1", "Z3"]
    assert people["district_code"].tolist() == ["D1", "D2"]
    d2 = np.array(PROJ_2030["D2"], dtype=float)
    np.testing.assert_allclose(people.loc[1, BANDS].to_numpy(dtype=float), 40 * 2.4 * d2 / d2.sum())
    assert "district D2" in people.loc[1, "profile"]
    with pytest.raises(InputError, match="no age profile"):
        housing_people(traj, 2030, base_year=2017)


def test_point_in_polygon_and_nearest_zone_fallback(tmp_path: Path, study: Study) -> None:
    where = locate_in_zones(study, [X0 + 1500, X0 + 3999], [Y0 + 10, Y0 + 999])
    assert where["zone_id"].tolist() == ["Z2", "Z4"] and where["inside"].all()
    text = f"name,easting,northing,2020\nEdge,{X0 + 4300},{Y0 + 500},100\n"
    traj = read_housing_trajectory(write(tmp_path, text))
    people = housing_people(traj, 2020, base_year=2017, age_profile=PROFILE)
    pop, _ = zone_population(study, 2030)
    _, report = allocate_housing(study, pop, people, mode="additional", max_distance_m=500)
    assert report.snapped["name"].tolist() == ["Edge"]
    assert report.snapped["zone_id"].item() == "Z4"
    assert report.snapped["distance_m"].item() == pytest.approx(300.0)
    assert "outside every zone" in report.describe() and "300 m" in report.describe()
    with pytest.raises(InputError, match=r"row 2.*300 m from the nearest \(Z4\)"):
        allocate_housing(study, pop, people, max_distance_m=100)
    with pytest.raises(InputError, match="max_distance_m is not set"):
        allocate_housing(study, pop, people)


def test_within_keeps_district_band_totals_and_additional_adds(tmp_path: Path, study: Study) -> None:
    traj = read_housing_trajectory(write(tmp_path, WIDE))
    people = housing_people(traj, 2020, base_year=2017, age_profile=PROFILE)
    pop, _ = zone_population(study, 2030)
    before = pop.groupby("district_code")[BANDS].sum()

    within, report = allocate_housing(study, pop, people)
    assert report.mode == "within"
    after = within.groupby("district_code")[BANDS].sum()
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(within["population"], within[BANDS].sum(axis=1))
    # Hand check, D1 band 65-74: projected 250, housing 30 dwellings x 2.4 x 0.2 = 14.4 at Z1.
    z1, z2 = pop.set_index("zone_id").loc[["Z1", "Z2"], "pop_65_74"]
    factor = (250 - 14.4) / 250
    got = within.set_index("zone_id")["pop_65_74"]
    assert got["Z1"] == pytest.approx(z1 * factor + 14.4)
    assert got["Z2"] == pytest.approx(z2 * factor)
    assert report.by_district.loc["D1", "people"] == pytest.approx(72.0)
    assert report.by_district.loc["D1", "scale_65_74"] == pytest.approx(factor)
    assert pop["pop_65_74"].sum() == pytest.approx(550)  # caller's table unchanged

    extra, report = allocate_housing(study, pop, people, mode="additional")
    added = extra.groupby("district_code")[BANDS].sum() - before
    np.testing.assert_allclose(added.loc["D1"].to_numpy(), 72 * np.array(list(PROFILE.values())))
    np.testing.assert_allclose(added.loc["D2"].to_numpy(), 96 * np.array(list(PROFILE.values())))
    assert "added" in report.describe()


def test_housing_beyond_the_district_total(tmp_path: Path, study: Study) -> None:
    text = f"name,easting,northing,2020\nHuge,{X0 + 3500},{Y0 + 500},200\n"
    people = housing_people(read_housing_trajectory(write(tmp_path, text)), 2020, base_year=2017, age_profile=PROFILE)
    pop, _ = zone_population(study, 2030)
    # 200 x 2.4 x 0.2 = 96 people aged 65-74 fit in D2's 300; aged 85+: 12 of 100 fit too; 0-64: 336 of 900.
    allocate_housing(study, pop, people)
    people_big = people.copy()
    people_big[BANDS] *= 10
    with pytest.raises(
        InputError, match=r"aged 0-64 in district D2, more than the district's projected total of 900"
    ):
        allocate_housing(study, pop, people_big)
    with pytest.raises(InputError, match="unknown housing mode"):
        allocate_housing(study, pop, people, mode="extra")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name,easting,northing,2025\nA,550100,150100,-5\n", r"row 2, column '2025': dwellings cannot be negative"),
        ("name,easting,northing,2025\nA,550100,150100,lots\n", r"row 2, column '2025': 'lots' is not a number"),
        ("name,easting,northing,2025,total\nA,550100,150100,5,5\n", r"column 'total': the column 'total' is not"),
        ("name,easting,northing,2025/26\nA,550100,150100,5\n", r"column '2025/26'.*\n.*financial-year"),
        ("name,easting,northing,2025\nA,550100,150100,5\nA,550200,150100,5\n", r"row 3.*duplicate site name 'A'"),
        ("name,easting,northing,2025\nA,,,5\n", r"row 2.*has no location"),
        ("name,easting,northing,2025\nA,550100,,5\n", r"row 2, column 'northing': easting is filled in"),
        ("name,year,dwellings,lon,lat\nA,2025,5,0.3,51.2\nA,2025,6,,\n", r"row 3.*duplicate site name and year"),
        ("name,year,dwellings,lon,lat\nA,25,5,0.3,51.2\n", r"row 2, column 'year': '25' is not a calendar year"),
        ("name,year,dwellings,lon,lat\nA,2025,-1,0.3,51.2\n", r"row 2, column 'dwellings': dwellings cannot be"),
        ("name,year,lon,lat\nA,2025,0.3,51.2\n", r"column 'dwellings'.*has a 'year' column but no 'dwellings'"),
        ("name,year,dwellings,lon,lat,2026\nA,2025,5,0.3,51.2,4\n", r"column '2026'.*long layout"),
        ("name,year,dwellings,postcode\nA,2025,5,\nA,2026,5,\n", r"row 2.*has no location"),
        ("name,year,dwellings,postcode\nA,2025,5,TN1 1AA\n", r"row 2.*no postcode lookup was given"),
        ("name,lon,lat\nA,0.3,51.2\n", r"no dwellings: no year columns"),
        ("site,lon,lat,2025\n,0.3,51.2,5\n", r"row 2, column 'site': the value is missing"),
    ],
)
def test_bad_trajectories_name_file_row_and_column(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        read_housing_trajectory(path)
    assert str(path) in str(err.value)


def test_unknown_postcodes_are_listed_with_their_rows(tmp_path: Path) -> None:
    lookup = PostcodeLookup.from_frame(
        pd.DataFrame({"postcode": ["TN1 1AA"], "easting": [558_600.0], "northing": [139_500.0]}), source="test"
    )
    text = "name,postcode,2025\nA,TN1 1AA,5\nB,TN9 9ZZ,5\nC,ME1 1ZZ,5\n"
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=r"2 postcodes not found.*'TN9 9ZZ' \(row 3\).*'ME1 1ZZ' \(row 4\)"):
        read_housing_trajectory(path, postcodes=lookup)
    ok = read_housing_trajectory(write(tmp_path, "name,postcode,2025\nA,tn11aa,5\n", "ok.csv"), postcodes=lookup)
    assert ok.table[["easting", "northing"]].iloc[0].tolist() == [558_600.0, 139_500.0]
    assert ok.table["located_by"].iloc[0] == "postcode"


def test_bad_profiles_and_persons(tmp_path: Path) -> None:
    traj = read_housing_trajectory(write(tmp_path, WIDE))
    with pytest.raises(InputError, match=r"add up to 0\.9, not 1"):
        housing_people(traj, 2020, base_year=2017, age_profile={**PROFILE, "0-64": 0.6})
    with pytest.raises(InputError, match="missing: 85\\+"):
        housing_people(traj, 2020, base_year=2017, age_profile={"0-64": 0.7, "65-74": 0.2, "75-84": 0.1})
    with pytest.raises(InputError, match="persons per dwelling must be above zero"):
        housing_people(traj, 2020, base_year=2017, persons_per_dwelling=0, age_profile=PROFILE)
    with pytest.raises(InputError, match="before the base year"):
        housing_people(traj, 2016, base_year=2017, age_profile=PROFILE)


def test_illustrative_west_kent_file() -> None:
    traj = read_housing_trajectory(WEST_KENT / "housing_illustrative.csv")
    assert traj.years == list(range(2025, 2036))
    assert (WEST_KENT / "housing_illustrative.md").read_text().count("ILLUSTRATIVE") >= 1
    study = load_study(WEST_KENT)
    people = housing_people(traj, 2035, base_year=study.base_year, study=study)
    assert people["inside"].all()
    assert people["zone_id"].tolist() == ["E01024404", "E01024353", "E01024761", "E01024813", "E01024465"]
    pop, _ = zone_population(study, 2035)
    new, report = allocate_housing(study, pop, people)
    np.testing.assert_allclose(
        new.groupby("district_code")[BANDS].sum().to_numpy(), pop.groupby("district_code")[BANDS].sum().to_numpy()
    )
    assert report.sites["people"].sum() == pytest.approx(2745 * 2.4)


def test_dwellings_the_run_could_never_count_are_refused(tmp_path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("name,easting,northing,2016,2020\nEarly,575000,155000,10,0\nLater,575000,155000,0,5\n")
    t = read_housing_trajectory(path)
    with pytest.raises(InputError, match=r"(?s)row 2, column '2016'.*in or before the study's base year 2017"):
        check_housing_years(t, base_year=2017, last_year=2047)
    path.write_text("name,easting,northing,2020,2050\nSite,575000,155000,10,4\n")
    t = read_housing_trajectory(path)
    with pytest.raises(InputError, match=r"(?s)row 2, column '2050'.*after the projections end in 2047"):
        check_housing_years(t, base_year=2017, last_year=2047)
    check_housing_years(t, base_year=2017, last_year=None)  # no projections: nothing to be after


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "name,easting,northing,2025\nA,550100,150100,1000000000\n",
            r"row 2, column '2025': 1,000,000,000 dwellings",
        ),
        (
            "name,year,dwellings,easting,northing\nA,2025,50,550100,150100\nA,2026,20000,,\n",
            r"row 3, column 'dwellings': 20,000 dwellings completed in one year at one site is not plausible",
        ),
    ],
)
def test_implausible_dwellings_are_refused(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        read_housing_trajectory(path)
    assert str(path) in str(err.value) and "more than 10,000" in str(err.value)


def test_implausible_persons_per_dwelling_is_refused(tmp_path: Path) -> None:
    traj = read_housing_trajectory(write(tmp_path, WIDE))
    with pytest.raises(InputError, match=r"setting 'demand.housing.persons_per_dwelling'.*at most 10, not 50"):
        housing_people(traj, 2020, base_year=2017, persons_per_dwelling=50, age_profile=PROFILE)


def test_housing_site_with_easting_and_northing_swapped_is_named(study: Study) -> None:
    with pytest.raises(
        InputError, match=r"(?s)outside every zone.*easting and northing look swapped: \(551500, 150500\) is inside"
    ):
        locate_in_zones(study, [Y0 + 500], [X0 + 1500], names=["Swapped"], rows=[2], path="housing.csv")
