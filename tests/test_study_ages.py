"""Single years of age in a study (zone_ages.csv) and projections in the finest age groups the file gives
(issue 16, item 4: age groups as the service needs them): the built files on the real data, and the checks of each
file when a study is read."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hubopt.build.areas import area_for
from hubopt.build.sources import SOURCE_FILES
from hubopt.build.study import build_study
from hubopt.build.study_ages import apportion_ages
from hubopt.demand.projection import zone_population
from hubopt.errors import InputError
from hubopt.io.age_bands import AGE_BANDS, STANDARD_BANDS, band_column, parse_band
from hubopt.io.forecast_groups import describe_groups, finest_age_groups
from hubopt.io.forecasts import read_snpp, snpp_age_bands
from hubopt.io.population import read_sape_syoa
from hubopt.study import load_study

REPO = Path(__file__).resolve().parents[1]
STUDIES = {"west_kent": REPO / "hubopt" / "studies" / "west_kent"}
STUDIES["mid_south_essex"] = REPO / "hubopt" / "studies" / "mid_south_essex"
SNPP = {
    "west_kent": "2022-based_SNPP_migration_category_variant_2023geog_persons_westkent_age65plus_and_allages.csv",
    "mid_south_essex": "2022-based_SNPP_migration_category_variant_2023geog_persons_mse_age65plus_and_allages.csv",
}
AGE_COLUMNS = [*(f"age_{a}" for a in range(90)), "age_90_plus"]


def _standard_band(label: str) -> str:
    lo = parse_band(label)[0]
    return next(b for b, (b_lo, b_hi) in AGE_BANDS.items() if b_lo <= lo and (b_hi is None or lo <= b_hi))


# --- the built files, on the real data ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["west_kent", "mid_south_essex"])
def test_built_zone_ages_add_up_to_the_bands_and_are_the_sape_counts(name: str, shared_data: Path) -> None:
    study = load_study(STUDIES[name])
    ages = study.zone_ages
    assert ages is not None and list(ages.columns) == ["zone_id", *AGE_COLUMNS]
    assert ages["zone_id"].tolist() == study.zones["zone_id"].tolist()
    for band, (lo, hi) in AGE_BANDS.items():
        cols = [c for c in AGE_COLUMNS if lo <= int(c.split("_")[1]) <= (hi if hi is not None else 200)]
        np.testing.assert_array_equal(ages[cols].sum(axis=1), study.zones[band_column(band)])  # whole people
    sape = read_sape_syoa(shared_data / SOURCE_FILES["sape"]).set_index("lsoa_code")
    mine = sape.loc[ages["zone_id"]]
    np.testing.assert_array_equal(ages[AGE_COLUMNS].to_numpy(), mine[AGE_COLUMNS].to_numpy())
    np.testing.assert_array_equal(ages[AGE_COLUMNS].sum(axis=1).to_numpy(), mine["all_ages"].to_numpy())


@pytest.mark.parametrize("name", ["west_kent", "mid_south_essex"])
def test_finest_projection_groups_add_up_to_all_ages_and_to_the_old_bands(name: str, shared_data: Path) -> None:
    study = load_study(STUDIES[name])
    assert study.projection_bands.labels == ("0-64", *map(str, range(65, 90)), "90+")
    snpp = read_snpp(shared_data / SOURCE_FILES["snpp"] / SNPP[name])
    snpp = snpp[snpp["area_code"].isin(set(study.zones["district_code"]))]
    proj = study.projections
    totals = proj.groupby(["district_code", "year"])["population"].sum()
    all_ages = snpp[snpp["age_group"] == "All ages"].set_index(["area_code", "year"])["population"]
    assert len(totals) == len(all_ages) == 26 * study.zones["district_code"].nunique()
    # the file's figures have 3 decimals, so the groups (and 0-64, All ages minus them) add up exactly, but for
    # the float sums
    np.testing.assert_allclose(totals, all_ages.reindex(totals.index), rtol=1e-12, atol=1e-6)
    bands = proj.assign(band=proj["band"].map(_standard_band)).groupby(["district_code", "band", "year"])
    new = bands["population"].sum()
    old = snpp_age_bands(snpp).set_index(["area_code", "band", "year"])["population"]
    assert len(new) == len(old) == 4 * len(totals)
    np.testing.assert_allclose(new, old.reindex(new.index), rtol=1e-12, atol=1e-6)


@pytest.fixture(scope="module")
def west_kent_2021(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wk2021_ages") / "study"
    build_study(shared_data, out, area_for("west_kent"), zones="2021")
    return out


def test_the_2021_zones_single_years_add_up_exactly_to_their_bands(west_kent_2021: Path) -> None:
    study = load_study(west_kent_2021)  # which checks each zone's single years against its bands
    ages = study.zone_ages
    assert ages is not None and len(ages) == len(study.zones) == 321
    values = ages[AGE_COLUMNS].to_numpy()
    assert np.abs(values * 1000 - np.round(values * 1000)).max() < 1e-6  # 3 decimals at most
    for band, (lo, hi) in AGE_BANDS.items():
        cols = [c for c in AGE_COLUMNS if lo <= int(c.split("_")[1]) <= (hi if hi is not None else 200)]
        np.testing.assert_allclose(ages[cols].sum(axis=1), study.zones[band_column(band)], atol=1e-6)
    # Maidstone 001F (E01034990, Census 2021: 2,313) merged from 2011 LSOAs E01024334 and E01024338: its single
    # years are its bands shared in the profile of its parents' single years summed (within 0.001 of a person).
    committed = load_study(STUDIES["west_kent"]).zone_ages
    assert committed is not None
    parents = committed.set_index("zone_id").loc[["E01024334", "E01024338"]].sum()
    zone = ages.set_index("zone_id").loc["E01034990"]
    bands = study.zones.set_index("zone_id").loc["E01034990"]
    for band, (lo, hi) in AGE_BANDS.items():
        cols = [c for c in AGE_COLUMNS if lo <= int(c.split("_")[1]) <= (hi if hi is not None else 200)]
        expected = bands[band_column(band)] * parents[cols] / parents[cols].sum()
        np.testing.assert_allclose(zone[cols].astype(float), expected.astype(float), atol=0.001)


def test_apportioned_single_years_add_up_exactly_to_the_bands_in_thousandths() -> None:
    weights = pd.DataFrame(np.random.default_rng(0).random((3, 91)) * 20, columns=AGE_COLUMNS)
    weights.iloc[1] = 0.0  # no profile: each band shared equally among its ages
    bands = pd.DataFrame(
        {"pop_0_64": [100.123, 6.5, 0.001], "pop_65_74": [3.3, 1.0, 0.0], "pop_75_84": [1, 2, 3], "pop_85_plus": 0.6}
    )
    ages = apportion_ages(bands, weights)
    milli = ages.to_numpy() * 1000
    assert np.abs(milli - np.round(milli)).max() < 1e-6 and (ages.to_numpy() >= 0).all()
    for band, (lo, hi) in AGE_BANDS.items():
        cols = [c for c in AGE_COLUMNS if lo <= int(c.split("_")[1]) <= (hi if hi is not None else 200)]
        np.testing.assert_array_equal(
            np.round(milli[:, [AGE_COLUMNS.index(c) for c in cols]].sum(axis=1)),
            np.round(bands[band_column(band)].to_numpy() * 1000),
        )
    assert ages.loc[1, "age_70"] == pytest.approx(0.1) and ages.loc[1, "age_0"] == pytest.approx(0.1)  # 6.5 / 65
    # the shares follow the weights, to a thousandth of a person
    share = (
        bands.loc[0, "pop_65_74"]
        * weights.loc[0, "age_70"]
        / weights.loc[0, [f"age_{a}" for a in range(65, 75)]].sum()
    )
    assert ages.loc[0, "age_70"] == pytest.approx(share, abs=0.001)


# --- the finest groups of a projections file ----------------------------------------------------------------------


def _snpp(groups_of: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        {"area_code": code, "area_name": code, "age_group": g, "year": 2022, "population": 1.0}
        for code, groups in groups_of.items()
        for g in groups
    ]
    return pd.DataFrame(rows)


def test_finest_groups_of_a_file_with_every_single_year_are_the_single_years() -> None:
    every = [*map(str, range(90)), "90+", "All ages"]
    groups = finest_age_groups(_snpp({"A": every}))
    assert groups.bands.labels == (*map(str, range(90)), "90+") and groups.derived == ()
    assert describe_groups(groups.bands) == "0 to 89 (single years), 90+"
    assert "share one growth figure" in groups.note() and "(90+)" in groups.note()


def test_finest_groups_derive_the_missing_ages_from_all_ages() -> None:
    older = [*map(str, range(70, 90)), "90+", "All ages"]
    groups = finest_age_groups(_snpp({"A": older}))
    assert groups.bands.labels == ("0-69", *map(str, range(70, 90)), "90+") and groups.derived == ("0-69",)
    assert groups.note().startswith(
        "projections.csv holds the projections in the finest age groups the projections file gives: 0-69, 70 to 89 "
        "(single years), 90+ (0-69 as All ages minus the other groups). The ages within one group (0-69, 90+) share "
        "one growth figure, because the file gives no finer split of them"
    )
    # five-year groups beside single years: the single years are the finer
    mixed = ["0-4", "5-9", "5", "6", "7", "8", "9", "20-64", "65+", "All ages"]
    assert finest_age_groups(_snpp({"A": mixed})).bands.labels == (
        "0-4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10-19",
        "20-64",
        "65+",
    )
    # ages missing on both sides of a group: All ages gives one figure for them, so they make one group with it
    apart = finest_age_groups(_snpp({"A": ["0-4", "10-14", "20+", "All ages"]}))
    assert apart.bands.labels == ("0-4", "5-19", "20+") and apart.derived == ("5-19",)
    # two areas: the groups both can give
    two = finest_age_groups(_snpp({"A": [*map(str, range(90)), "90+"], "B": older}))
    assert two.bands.labels == ("0-69", *map(str, range(70, 90)), "90+") and two.derived == ("0-69",)


def test_finest_groups_refuse_what_no_group_can_be_made_of() -> None:
    with pytest.raises(InputError, match=r"area A \(A\) has no projection for ages 0-64 and no 'All ages' row"):
        finest_age_groups(_snpp({"A": [*map(str, range(65, 90)), "90+"]}))
    with pytest.raises(InputError, match=r"age groups of area A \(A\) overlap without one holding the other"):
        finest_age_groups(_snpp({"A": ["0-69", "65-74", "75+", "All ages"]}))


# --- reading a study: zone_ages.csv and projections.csv checked ----------------------------------------------------


ZONES = ["Z0", "Z1", "Z2", "Z3"]
DISTRICTS = ["E06000017", "E06000017", "E06000018", "E06000018"]


def small_study(folder: Path, *, bands: list[str] | None = None) -> Path:
    """A SYNTHETIC four-zone study in two districts (Rutland's coordinates), with zone_ages.csv and projections
    in ``bands`` (default: 0-64, then single years 65 to 89, 90+)."""
    folder.mkdir(parents=True, exist_ok=True)
    centres = [(486000 + 3000 * i, 306000) for i in range(4)]
    zones = pd.DataFrame(
        {
            "zone_id": ZONES,
            "zone_name": [f"Zone {i}" for i in range(4)],
            "district_code": DISTRICTS,
            "district_name": ["Rutland", "Rutland", "Other", "Other"],
            "centroid_easting": [c[0] for c in centres],
            "centroid_northing": [c[1] for c in centres],
            "pop_0_64": 650,
            "pop_65_74": 200,
            "pop_75_84": 100,
            "pop_85_plus": 50,
            "population": 1000,
            "imd_rank": 20000,
            "imd_decile": 7,
        }
    )
    zones.to_csv(folder / "zones.csv", index=False)
    ages = pd.DataFrame({"zone_id": ZONES})
    for col in AGE_COLUMNS:
        age = int(col.split("_")[1])
        ages[col] = 10 if age < 65 else 20 if age < 75 else 10 if age < 85 else 8 if age < 90 else 10
    ages.to_csv(folder / "zone_ages.csv", index=False)
    polys = pd.DataFrame({"zone_id": ZONES})
    gpd.GeoDataFrame(
        polys, geometry=[box(x - 1500, y - 1500, x + 1500, y + 1500) for x, y in centres], crs="EPSG:27700"
    ).to_crs("EPSG:4326").to_file(folder / "zone_boundaries.geojson", driver="GeoJSON")
    pd.DataFrame(
        {
            "site_id": ["S0"],
            "name": ["Site 0"],
            "type": "gp_practice",
            "status": "existing",
            "easting": [487000],
            "northing": [306000],
        }
    ).to_csv(folder / "sites.csv", index=False)
    labels = bands or ["0-64", *map(str, range(65, 90)), "90+"]
    rows = []
    for code in dict.fromkeys(DISTRICTS):
        for i, label in enumerate(labels):
            for year in (2022, 2023):
                rows.append((code, code, label, year, (1.1 if year == 2023 else 1.0) * (1000.0 + i)))
    pd.DataFrame(rows, columns=["district_code", "district_name", "band", "year", "population"]).to_csv(
        folder / "projections.csv", index=False
    )
    (folder / "study.yaml").write_text("name: Ages test\nbase_year: 2017\n")
    return folder


def _edit(path: Path, change) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = change(table)
    table.to_csv(path, index=False)


def test_a_small_study_reads_its_single_years_and_finer_projections(tmp_path: Path) -> None:
    study = load_study(small_study(tmp_path / "s"))
    assert study.zone_ages is not None and study.zone_ages.shape == (4, 92)
    assert study.zone_ages["zone_id"].tolist() == ZONES and study.zone_ages["age_70"].dtype == float
    assert study.projection_bands.labels == ("0-64", *map(str, range(65, 90)), "90+")
    assert study.files["zone_ages.csv"] == tmp_path / "s" / "zone_ages.csv"


def test_finer_projections_without_single_years_give_the_same_demand_as_their_standard_bands(tmp_path: Path) -> None:
    fine_folder = small_study(tmp_path / "fine")
    (fine_folder / "zone_ages.csv").unlink()  # the zones give bands only, so the bands grow as whole groups
    fine = load_study(fine_folder)
    standard_folder = small_study(tmp_path / "standard", bands=list(AGE_BANDS))
    proj = fine.projections.assign(band=fine.projections["band"].map(_standard_band))
    proj.groupby(["district_code", "district_name", "band", "year"], as_index=False, sort=False)[
        "population"
    ].sum().to_csv(standard_folder / "projections.csv", index=False)
    standard = load_study(standard_folder)
    assert standard.projection_bands == STANDARD_BANDS
    for year in (2019, 2022, 2023):
        got, method = zone_population(fine, year)
        want, want_method = zone_population(standard, year)
        assert method == want_method
        cols = [*(band_column(b) for b in AGE_BANDS), "population"]
        np.testing.assert_allclose(got[cols].to_numpy(float), want[cols].to_numpy(float), rtol=1e-12)


def test_each_single_year_grows_as_its_own_projection_group(tmp_path: Path) -> None:
    study = load_study(small_study(tmp_path / "s"))
    pop, method = zone_population(study, 2023)
    # by hand: the two zones of a district hold 20 people of each age 65-74 (single years), so each holds half of
    # the district's projected people of that age; the projection gives group i (age 65 + i - 1) 1.1 x (1000 + i)
    labels = list(study.projection_bands.labels)
    expected_65_74 = sum(1.1 * (1000.0 + labels.index(str(a))) / 2 for a in range(65, 75))
    np.testing.assert_allclose(pop["pop_65_74"], expected_65_74, rtol=1e-12)
    expected_0_64 = 1.1 * 1000.0 / 2  # under-65s: one group, split between the two zones
    np.testing.assert_allclose(pop["pop_0_64"], expected_0_64, rtol=1e-12)
    assert "(0-64, each single year 65-89, 90+)" in method


def test_projection_groups_across_the_bands_scale_each_part_of_a_band(tmp_path: Path) -> None:
    study = load_study(small_study(tmp_path / "s", bands=["0-59", "60-69", "70+"]))
    pop, method = zone_population(study, 2023)
    # ages 60-64 (5 x 10 people a zone) and 65-69 (5 x 20) share the group 60-69: 1.1 x 1001 people a district
    group_60_69 = 1.1 * 1001.0 / 2
    part_60_64 = group_60_69 * 50 / 150
    np.testing.assert_allclose(pop["pop_0_64"], 1.1 * 1000.0 / 2 + part_60_64, rtol=1e-12)
    assert "ages 60-64 of band 0-64, ages 65-69 of band 65-74 grow as the group 60-69" in method
    totals = pop.groupby("district_code")["population"].sum()
    np.testing.assert_allclose(totals, 1.1 * (1000.0 + 1001.0 + 1002.0), rtol=1e-12)


def test_a_study_without_zone_ages_has_none(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s")
    (folder / "zone_ages.csv").unlink()
    study = load_study(folder)
    assert study.zone_ages is None and "zone_ages.csv" not in study.files


def test_single_years_within_the_tolerance_of_the_bands_are_accepted(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s")
    _edit(folder / "zone_ages.csv", lambda t: t.assign(age_70=["20.005", "20", "20", "20"]))
    assert load_study(folder).zone_ages["age_70"].iloc[0] == pytest.approx(20.005)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="zone_id"), r"zone_ages.csv, column 'zone_id': .* has no column 'zone_id'"),
        (lambda t: t.assign(zone_id=["Z0", "", "Z2", "Z3"]), r"zone_ages.csv, row 3, column 'zone_id': .*missing"),
        (
            lambda t: t.assign(zone_id=["Z0", "Z1", "Z1", "Z3"]),
            r"zone_ages.csv, row 4, column 'zone_id': duplicate zone 'Z1' \(also on row 3\)",
        ),
        (
            lambda t: t.assign(zone_id=["Z0", "Z1", "Z9", "Z3"]),
            r"zone_ages.csv, row 4, column 'zone_id': zone 'Z9' is not a zone of zones.csv",
        ),
        (lambda t: t.iloc[:3], r"zone_ages.csv, column 'zone_id': 1 zone\(s\) of zones.csv have no row: Z3"),
        (lambda t: t.drop(columns="age_30"), r"zone_ages.csv, column 'age_31': no column counts age\(s\) 30"),
        (
            lambda t: t.assign(age_90=t["age_90_plus"]),
            r"zone_ages.csv, column 'age_90_plus': column age_90_plus counts ages another column counts too",
        ),
        (lambda t: t.assign(notes="x"), r"zone_ages.csv, column 'notes': 'notes' is not an age column"),
        (
            lambda t: t.rename(columns={"age_90_plus": "age_90"}),
            r"zone_ages.csv, column 'age_90': no column counts ages 91\+ \(the oldest column must be open-ended",
        ),
        (
            lambda t: t.assign(age_5=["10", "10", "-1", "10"]),
            r"zone_ages.csv, row 4, column 'age_5': '-1' is below the smallest allowed value 0",
        ),
        (lambda t: t.assign(age_5=["10", "ten", "10", "10"]), r"zone_ages.csv, row 3, column 'age_5': 'ten' is not"),
        (
            lambda t: t.assign(age_5=["10", "10", "10", "inf"]),
            r"zone_ages.csv, row 5, column 'age_5': .*not a finite",
        ),
        (
            lambda t: t.assign(age_70=["20", "20", "21", "20"]),
            r"zone_ages.csv, row 4, column 'age_65..age_74': zone Z2: the single years of age 65-74 \(age_65 to "
            r"age_74\) add up to 201.000 but zones.csv gives 200.000 for band 65-74 \(column pop_65_74\)",
        ),
        (
            lambda t: t.assign(age_90_plus=["10", "10", "10", "10.02"]),
            r"zone_ages.csv, row 5, column 'age_85..age_90_plus': zone Z3: .* add up to 50.020 but zones.csv gives "
            r"50.000 for band 85\+",
        ),
    ],
)
def test_bad_zone_ages_are_refused_naming_file_row_and_column(tmp_path: Path, change, message: str) -> None:
    folder = small_study(tmp_path / "s")
    _edit(folder / "zone_ages.csv", change)
    with pytest.raises(InputError, match=message):
        load_study(folder)


def test_zone_ages_that_cannot_make_the_bands_are_refused(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s")
    old = [f"age_{a}" for a in range(80, 90)] + ["age_90_plus"]
    _edit(
        folder / "zone_ages.csv",
        lambda t: t.drop(columns=old).assign(age_80_plus=t[old].astype(float).sum(axis=1).astype(str)),
    )
    with pytest.raises(InputError, match=r"column 'age_80_plus': the age columns cannot make the band 75-84"):
        load_study(folder)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (
            ["0-64", "60-74", "75-84", "85+"],
            r"row 4, column 'band': the age bands of district E06000017 .*age 60 in two",
        ),
        (["0-64", "70-74", "75-84", "85+"], r"row 4, column 'band': .* age\(s\) 65-69 in no band"),
        (["0-64", "65-74", "75-84", "85-120"], r"row 8, column 'band': .*must be open-ended"),
        (["0-64", "65 to 74", "75-84", "85+"], r"row 4, column 'band': '65 to 74' is not an age band label"),
    ],
)
def test_projection_bands_that_do_not_fit_together_are_refused(tmp_path: Path, bands: list[str], message) -> None:
    folder = small_study(tmp_path / "s", bands=bands)
    with pytest.raises(InputError, match=r"projections.csv, " + message):
        load_study(folder)


def test_districts_with_other_projection_bands_are_refused(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s", bands=list(AGE_BANDS))

    def coarser(t: pd.DataFrame) -> pd.DataFrame:
        other = t["district_code"] == "E06000018"
        t.loc[other & t["band"].isin(["65-74", "75-84"]), "band"] = "65-84"
        t = t[~(other & (t["band"] == "65-84")) | ~t.duplicated(["district_code", "band", "year"])]
        return t

    _edit(folder / "projections.csv", coarser)
    with pytest.raises(
        InputError,
        match=r"projections.csv, row 12, column 'band': district 'E06000018' has other age bands than district "
        r"E06000017: it has 65-84, which E06000017 has not; it lacks 65-74, 75-84, which E06000017 has",
    ):
        load_study(folder)


def test_old_projections_in_the_standard_bands_stay_valid(tmp_path: Path) -> None:
    study = load_study(small_study(tmp_path / "s", bands=list(AGE_BANDS)))
    assert study.projection_bands == STANDARD_BANDS and study.projection_bands.is_standard
