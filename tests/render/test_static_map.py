"""Tests of the static maps (hubopt.render.static_map) on small frames built here (no files read, no network)."""

from __future__ import annotations

import html
import io
import re
import socket
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from map_grid import many_hubs
from matplotlib import rc_context
from PIL import Image
from shapely.geometry import Point, box

from hubopt.errors import InputError
from hubopt.render.static_furniture import _nice_length
from hubopt.render.static_map import MapFrames, draw_static_map, write_static_maps

X0, Y0 = 560_000, 150_000


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the static map tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def make_zones() -> gpd.GeoDataFrame:
    """Twelve 1 km squares (4 x 3), two districts, two hubs; one zone reaches no hub."""
    n = 12
    cols = np.arange(n) % 4
    rows = np.arange(n) // 4
    hub = np.where(cols < 2, "S1", "S2").astype(object)
    hub[11] = None
    return gpd.GeoDataFrame(
        {
            "zone_id": [f"E0100{i:04d}" for i in range(n)],
            "zone_name": [f"Zone {i}" for i in range(n)],
            "district": np.where(cols < 2, "Ashford", "Bexley"),
            "population": np.full(n, 1500.0),
            "hub_id": hub,
            "hub_name": [{"S1": "Hub One", "S2": "Hub <b>Two</b>"}.get(h) for h in hub],
            "minutes": [4.0, 9.0, 14.0, 18.0, 6.0, 12.0, 22.0, 31.0, 8.0, 16.0, 47.0, np.inf],
            "imd_decile": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan, 3],
        },
        geometry=[
            box(X0 + c * 1000, Y0 + r * 1000, X0 + (c + 1) * 1000, Y0 + (r + 1) * 1000)
            for c, r in zip(cols, rows, strict=True)
        ],
        crs="EPSG:27700",
    )


def make_sites() -> gpd.GeoDataFrame:
    rows = [
        ("S1", "Hub One", "community_hospital", "existing", True, 500, 1500),
        ("S2", "Hub <b>Two</b>", "gp_practice", "existing", True, 2500, 1500),
        ("S3", "Riverside Surgery", "gp_practice", "existing", False, 3500, 500),
        ("S4", "Orchard Way", "new_build", "candidate", False, 1500, 2500),
        ("S5", "County General", "acute_hospital", "must-keep", False, 3200, 2600),
        ("S6", "Old Cottage", "community_hospital", "unavailable", False, 800, 2700),
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "type": [r[2] for r in rows],
            "status": [r[3] for r in rows],
            "chosen": [r[4] for r in rows],
        },
        geometry=[Point(X0 + r[5], Y0 + r[6]) for r in rows],
        crs="EPSG:27700",
    )


def test_writes_png_and_pdf_per_view(tmp_path: Path) -> None:
    zones, sites = make_zones(), make_sites()
    before = zones.copy()
    paths = write_static_maps(
        (zones, sites), tmp_path / "maps", title="Local care hubs: test", caption="A caption.", attribution="Credits"
    )
    names = [p.name for p in paths]
    assert names == [
        "map_travel_time.png",
        "map_travel_time.pdf",
        "map_catchments.png",
        "map_catchments.pdf",
        "map_deprivation.png",
        "map_deprivation.pdf",
    ]
    for path in paths:
        assert path.stat().st_size > 10_000
        if path.suffix == ".png":
            with Image.open(path) as image:
                assert image.size == (2338, 1654)  # A4 landscape at 200 dpi
                assert image.info.get("dpi", (200, 200))[0] == pytest.approx(200, abs=1)
                colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
                assert colours is not None and len(colours) > 50  # a drawing, not a blank page
        else:
            assert path.read_bytes().startswith(b"%PDF")
    assert zones.equals(before)


def test_accepts_a_run_like_object_and_mapframes(tmp_path: Path) -> None:
    class Study:
        districts = gpd.GeoDataFrame(
            {"lad_code": ["E1", "E2"], "lad_name": ["Ashford", "Bexley"]},
            geometry=[box(X0, Y0, X0 + 2000, Y0 + 3000), box(X0 + 2000, Y0, X0 + 4000, Y0 + 3000)],
            crs="EPSG:27700",
        )

    class Run:
        zones = make_zones()
        sites = make_sites()
        study = Study()

    paths = write_static_maps(Run(), tmp_path, title="T", caption="C", views=["catchments"], formats=["png"])
    assert [p.name for p in paths] == ["map_catchments.png"]
    frames = MapFrames(make_zones().drop(columns="imd_decile"), make_sites())
    paths = write_static_maps(frames, tmp_path / "b", title="T", caption="C", formats=["svg"])
    # without deciles there is no deprivation view
    assert [p.name for p in paths] == ["map_travel_time.svg", "map_catchments.svg"]


def test_key_lists_bands_hubs_and_symbols() -> None:
    fig = draw_static_map((make_zones(), make_sites()), "travel", title="T", caption="C")
    texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    joined = "\n".join(texts)
    assert "Under 10 minutes (33% of people)" in joined
    assert "45 minutes or more" in joined and "No hub reachable" in joined
    assert "1. Hub One" in joined and "2. Hub <b>Two</b>" in joined
    for label in ("Acute hospital", "GP practice", "Chosen hub", "District boundary"):
        assert label in joined
    assert any("not available" in t for t in texts)
    # scale bar and north arrow are on the map
    map_texts = [t.get_text() for t in fig.axes[0].texts]
    assert "N" in map_texts and any(t.endswith(" km") or t.endswith(" m") for t in map_texts)


def test_nice_scale_bar_lengths() -> None:
    assert _nice_length(50_000) == 10_000
    assert _nice_length(4_200) == 500
    assert _nice_length(30_000) == 5_000


def test_bad_input() -> None:
    with pytest.raises(InputError, match="unknown map view"):
        write_static_maps((make_zones(), make_sites()), "x", title="T", caption="C", views=["roads"])
    with pytest.raises(InputError, match="minutes"):
        write_static_maps((make_zones().drop(columns="minutes"), make_sites()), "x", title="T", caption="C")
    with pytest.raises(InputError, match="RunResult"):
        write_static_maps(42, "x", title="T", caption="C")


def test_dollar_signs_and_backslashes_are_drawn_as_written(tmp_path: Path) -> None:
    # Matplotlib reads text between $ signs as mathematics: one name failed the whole run, another was mangled.
    names = {"S1": "$\\frac{a}{$ Surgery", "S2": "Cost $5 and $"}
    zones, sites = make_zones(), make_sites()
    zones["hub_name"] = zones["hub_id"].map(names)
    sites["name"] = sites["site_id"].map(names).fillna(sites["name"])
    title, caption = "Hubs for $2m: \\alpha plan", "Costs in $ and \\$; 50% of $x^2$"
    frames = MapFrames(zones, sites)
    paths = write_static_maps(frames, tmp_path, title=title, caption=caption, formats=["png", "pdf", "svg"])
    assert len(paths) == 9 and all(p.stat().st_size > 0 for p in paths)
    for view in ("travel", "catchments"):
        fig = draw_static_map(frames, view, title=title, caption=caption)
        with rc_context({"svg.fonttype": "none"}):  # text as <text> elements, to read what was drawn
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg")
        drawn = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", buffer.getvalue())}
        for text in (title, caption, *names.values()):
            assert any(text in d for d in drawn), text


# --- Issue 12: outputs that tell the truth --------------------------------------------------------------------------


def key_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_must_open_sites_have_a_ring_and_a_key_entry() -> None:
    from matplotlib.colors import to_hex

    from hubopt.render.folium_map import MUST_OPEN_COLOUR

    sites = make_sites()
    sites["must_open"] = [False, True, False, False, False, False]
    fig = draw_static_map((make_zones(), sites), "travel", title="T", caption="C")
    joined = "\n".join(key_texts(fig))
    assert "2. Hub <b>Two</b> (must open)" in joined and "1. Hub One (" in joined
    assert "1. Hub One (must open)" not in joined
    assert "Must open: required by the scenario" in joined.replace("\n", " ")
    rings = [
        line
        for line in fig.axes[0].lines
        if line.get_marker() == "o"
        and line.get_markerfacecolor() == "none"
        and to_hex(line.get_markeredgecolor()) == MUST_OPEN_COLOUR
    ]
    # hub 2 (must_open) and County General (status must-keep)
    assert sorted((line.get_xdata()[0] - X0, line.get_ydata()[0] - Y0) for line in rings) == [
        (2500, 1500),
        (3200, 2600),
    ]


def test_every_catchment_has_its_own_style_in_the_key() -> None:
    from matplotlib.colors import to_hex

    n = 25
    zones, sites = many_hubs(n)
    fig = draw_static_map((zones, sites), "catchments", title="T", caption="C")
    legend = fig.axes[1].get_legend()
    styles = [
        (to_hex(h.get_facecolor()), h.get_hatch())
        for h, t in zip(legend.legend_handles, legend.get_texts(), strict=True)
        if t.get_text().split(".")[0].isdigit()
    ]
    assert len(styles) == n and len(set(styles)) == n
    texts = key_texts(fig)
    for i in range(n):
        assert sum(t.startswith(f"{i + 1}. Hub {i} ") for t in texts) == 1, i


def test_labels_of_close_hubs_do_not_overlap() -> None:
    """Twelve hubs packed into 3 km of a 40 km area (as in Southend): their numbers and the district names."""
    from matplotlib.text import Text

    from hubopt.render.static_map import LABEL_GID

    n_cols, n_rows = 8, 5
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i}" for i in range(n_cols * n_rows)],
            "zone_name": [f"Zone {i}" for i in range(n_cols * n_rows)],
            "district": ["West" if i % n_cols < 4 else "East" for i in range(n_cols * n_rows)],
            "population": 100.0,
            "hub_id": [f"H{i % 12}" for i in range(n_cols * n_rows)],
            "hub_name": [f"Hub {i % 12}" for i in range(n_cols * n_rows)],
            "minutes": 5.0,
        },
        geometry=[
            box(X0 + c * 5000, Y0 + r * 5000, X0 + (c + 1) * 5000, Y0 + (r + 1) * 5000)
            for r in range(n_rows)
            for c in range(n_cols)
        ],
        crs="EPSG:27700",
    )
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 3000, size=(12, 2)) + np.array([X0 + 19_000, Y0 + 11_000])
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"H{i}" for i in range(12)],
            "name": [f"Hub {i}" for i in range(12)],
            "type": "gp_practice",
            "status": "existing",
            "chosen": True,
        },
        geometry=[Point(x, y) for x, y in xy],
        crs="EPSG:27700",
    )
    fig = draw_static_map((zones, sites), "travel", title="T", caption="C")
    fig.canvas.draw()  # places the labels' texts
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_gid() == LABEL_GID]
    assert sorted(t.get_text() for t in labels if t.get_text().isdigit()) == sorted(str(i) for i in range(1, 13))
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text (a leader line may cross labels)
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not a.overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())
