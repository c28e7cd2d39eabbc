"""The ERIC site-returns loader: the real Kent and Essex files, and small hand-made ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubopt.errors import InputError
from hubopt.io.eric import eric_source_label, latest_figures, read_eric_folder, read_eric_sites

# A 2016-17-style return cut down to the columns the loader reads (two header rows: section, then column).
_SECTIONS = [
    "",
    "",
    "",
    "",
    "",
    "Facilities Management (FM) Services",
    "",
    "",
    "",
    "",
    "",
    "Areas",
    "",
    "Quality of Buildings",
    "",
    "",
    "",
    "Energy",
    "Water Services",
    "",
    "Waste",
    "",
    "",
    "",
    "Cleanliness",
    "Inpatient Food Services",
    "Laundry & Linen",
    "Portering Services",
]
_COLUMNS = [
    "Organisation Code",
    "Organisation Name",
    "Site Code",
    "Site Name",
    "Site Type",
    "Estates and facilities finance costs (£)",
    "Estates and property maintenance (£)",
    "Grounds and gardens maintenance (£)",
    "Electro Bio Medical Equipment maintenance cost (£)",
    "Other Hard FM (Estates) costs (£)",
    "Other Soft FM (Hotel Services) costs (£)",
    "Gross internal floor area (m²)",
    "Occupied floor area (m²)",
    "Cost to eradicate high risk backlog (£)",
    "Cost to eradicate significant risk backlog (£)",
    "Cost to eradicate moderate risk backlog (£)",
    "Cost to eradicate low risk backlog (£)",
    "Energy costs (all energy supplies) (£)",
    "Water cost (£)",
    "Sewage cost (£)",
    "Landfill disposal cost (£)",
    "Incineration disposal cost (£)",
    "Waste reycling cost (£)",
    "Other recovery cost (£)",
    "Cleaning service cost (£)",
    "Inpatient food service cost (£)",
    "Laundry and linen service cost (£)",
    "Portering service cost (£)",
]
_SITE = ["RYY", "KENT COMMUNITY", "RYYX1", "SMALL HOSPITAL", "7. Community hospital (with inpatient beds)"]
# cost lines 1..17 (sum 153), GIFA 1000, occupied 900, backlog 10/20/30/40
_ROW = [*_SITE, *map(str, range(1, 7)), "1000", "900", "10", "20", "30", "40", *map(str, range(7, 18))]


def _write(tmp_path: Path, rows: list[list[str]], name: str = "ERIC_2016-17_site_data.csv") -> Path:
    def line(fields: list[str]) -> str:
        return ",".join(f'"{f}"' if "," in f else f for f in fields)

    path = tmp_path / name
    path.write_text("\n".join(line(r) for r in [_SECTIONS, _COLUMNS, *rows]) + "\n", encoding="utf-8")
    return path


def test_real_2016_17_figures_match_the_published_return(shared_data: Path) -> None:
    eric = read_eric_sites(shared_data / "estates_eric" / "ERIC_2016-17_site_data_kent_essex_trusts.csv")
    by_code = eric.set_index("site_code")
    assert by_code.loc["RYYD9", "gifa_m2"] == pytest.approx(5955)
    assert by_code.loc["RYYD9", "occupied_m2"] == pytest.approx(5002)
    assert by_code.loc["RYYD6", "gifa_m2"] == pytest.approx(1544)
    assert by_code.loc["RYYD6", "backlog_high"] == pytest.approx(27500)
    assert by_code.loc["RYYD6", "backlog_total"] == pytest.approx(27500 + 36000)
    assert by_code.loc["RYYD9", "site_type"] == "Community hospital (with inpatient beds)"
    assert eric.attrs["year"] == "2016-17"
    assert len(eric.attrs["cost_columns"]) == 17
    # Sevenoaks 2016-17: the 17 cost lines of its row, summed by hand from the file
    assert by_code.loc["RYYD9", "running_cost"] == pytest.approx(2247552, rel=1e-12)
    assert "AGGRE" not in by_code.index
    assert eric.attrs["excluded"]["trust aggregate rows (site code AGGRE)"] == 8


def test_real_folder_reads_every_year_and_keeps_each_figures_latest_year(shared_data: Path) -> None:
    eric = read_eric_folder(shared_data / "estates_eric")
    assert sorted(eric["year"].unique()) == ["2013-14", "2014-15", "2015-16", "2016-17"]
    assert eric.attrs["cost_columns"]["2013-14"] == []  # no facilities-management costs that year
    assert eric.loc[eric["year"] == "2013-14", "running_cost"].isna().all()
    latest = latest_figures(eric)
    assert latest.loc["RYYD9", "annual_cost_year"] == "2016-17"
    assert latest.loc["RYYD9", "floor_area_m2"] == pytest.approx(5955)
    # Sevenoaks' 2016-17 backlog is "Not Applicable": its 2015-16 figure is kept, with that year
    assert latest.loc["RYYD9", "backlog_cost_year"] == "2015-16"
    assert latest.loc["RYYD9", "backlog_cost"] == pytest.approx(67000 + 86000 + 113000 + 82500)
    assert latest.loc["RYYD6", "backlog_cost_year"] == "2016-17"


def test_hand_made_file_sums_the_cost_lines_and_the_backlog(tmp_path: Path) -> None:
    path = _write(tmp_path, [_ROW])
    eric = read_eric_sites(path)
    row = eric.iloc[0]
    assert row["running_cost"] == pytest.approx(sum(range(1, 18)))
    assert row["backlog_total"] == pytest.approx(100)
    assert row["gifa_m2"] == pytest.approx(1000)
    assert row["site_type"] == "Community hospital (with inpatient beds)"
    assert eric_source_label(row["year"], row["site_code"]) == "NHS Digital ERIC 2016-17, site RYYX1, OGL v3"


def test_not_applicable_adds_nothing_and_a_site_without_any_cost_has_none(tmp_path: Path) -> None:
    partial = list(_ROW)
    partial[5] = "Not Applicable"  # finance cost (1)
    partial[2] = "RYYX2"
    none = [*_SITE[:2], "RYYX3", *_SITE[3:]] + ["Not Applicable"] * 6 + ["", "", "", "", "", ""]
    none += ["Not Applicable"] * 11
    eric = read_eric_sites(_write(tmp_path, [partial, none])).set_index("site_code")
    assert eric.loc["RYYX2", "running_cost"] == pytest.approx(sum(range(2, 18)))
    assert np.isnan(eric.loc["RYYX3", "running_cost"])
    assert np.isnan(eric.loc["RYYX3", "backlog_total"])


def test_aggregate_and_subtotal_rows_are_left_out_and_counted(tmp_path: Path) -> None:
    aggregate = [*_SITE[:2], "AGGRE", "AGGREGATE SITE", "Aggregate Site", *_ROW[5:]]
    subtotal = ["RYY Result", "", "", "", "", *_ROW[5:]]
    eric = read_eric_sites(_write(tmp_path, [_ROW, aggregate, subtotal]))
    assert list(eric["site_code"]) == ["RYYX1"]
    assert sum(eric.attrs["excluded"].values()) == 2


def test_a_text_cell_names_the_file_row_and_column(tmp_path: Path) -> None:
    bad = list(_ROW)
    bad[12] = "about 900"
    path = _write(tmp_path, [[*_ROW[:2], "RYYX0", *_ROW[3:]], bad])
    with pytest.raises(InputError) as info:
        read_eric_sites(path)
    assert info.value.row == 4
    assert info.value.column == "Occupied floor area (m²)"
    assert str(path) in str(info.value)


def test_a_negative_area_is_refused_but_a_negative_waste_line_is_a_credit(tmp_path: Path) -> None:
    credit = list(_ROW)
    credit[22] = "-32500"  # waste recycling cost, net of a credit (as in the real 2015-16 return)
    assert read_eric_sites(_write(tmp_path, [credit]))["running_cost"].iloc[0] == pytest.approx(
        sum(range(1, 18)) - 12 - 32500
    )
    bad = list(_ROW)
    bad[11] = "-5"
    with pytest.raises(InputError, match="negative") as info:
        read_eric_sites(_write(tmp_path, [bad]))
    assert info.value.column == "Gross internal floor area (m²)"


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, [_ROW])
    text = path.read_text(encoding="utf-8").replace("Occupied floor area (m²)", "Floor area occupied")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_eric_sites(path)
    assert info.value.column == "Occupied floor area (m²)"
    assert "Areas" in info.value.problem


def test_a_repeated_site_and_a_file_without_its_year_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="more than one row") as info:
        read_eric_sites(_write(tmp_path, [_ROW, _ROW]))
    assert info.value.row == 4
    with pytest.raises(InputError, match="which year"):
        read_eric_sites(_write(tmp_path, [_ROW], name="site_data.csv"))
    assert (
        read_eric_sites(_write(tmp_path, [_ROW], name="site_data.csv"), year="2016-17")["year"].iloc[0] == "2016-17"
    )
