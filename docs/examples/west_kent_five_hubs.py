# ---
# jupytext:
#   formats: py:percent
# ---

# %% [markdown]
# # Five local care hubs for West Kent, from Python
#
# This example uses hubopt as a library, as an analyst would in a notebook: load the West Kent sample study, ask for
# five hubs (p-median, straight-line drive times), look at the answer, try a swap, and draw the map. It is the
# demo's question without the sweep, the beds and the options appraisal, so its hubs and access figures are the
# demo summary's in the README.
#
# Open it in Jupyter with jupytext, or run it as a script: `python docs/examples/west_kent_five_hubs.py`. Nothing is
# written except the map, into `west_kent_five_hubs/` in the working directory.

# %%
from pathlib import Path

import hubopt

# The West Kent sample study ships inside hubopt: `builtin:west_kent` names it (a study folder of your own is a path).
STUDY = "builtin:west_kent"
OUT = Path("west_kent_five_hubs")

# %% [markdown]
# ## The study
#
# A study is a folder of small areas (zones) with their population and projections, the candidate sites and the
# districts. `load_study` checks every file and returns GeoDataFrames in British National Grid (EPSG:27700).

# %%
study = hubopt.load_study(STUDY)
print(f"{study.name}: {len(study.zones)} zones, {len(study.sites)} candidate sites, base year {study.base_year}")

# %% [markdown]
# ## The question, as a scenario
#
# A scenario holds the same settings as a scenario file (see `hubopt/scenarios/west_kent_hubs.yaml` and the README);
# here it is a dict. Relative paths are read from `base_dir`. Every setting is checked as in a file: a misspelt key or
# an impossible value raises `hubopt.InputError` naming the setting.

# %%
settings = {
    "name": "West Kent: five local care hubs",
    "study": STUDY,
    "year": 2030,
    "demand": {
        "weights": {"0-64": 1.0, "65-74": 2.0, "75-84": 3.0, "85+": 4.0},
        "registration_share": "study",
        "housing": {"file": f"{STUDY}/housing_illustrative.csv", "mode": "within"},
    },
    "sites": {
        "types": ["gp_practice", "community_hospital", "acute_hospital"],
        "must_open": ["RYYD9"],
        # Darent Valley Hospital (Dartford), status external: another area's service at the border, serving the
        # zones nearest to it, never one of the five hubs.
        "extra_register": f"{STUDY}/border_services.csv",
    },
    "travel": {"mode": "drive", "method": "straight_line"},
    "model": {"type": "p-median", "hubs": 5, "explain": False},
    "outputs": {"folder": str(OUT), "thresholds": [15, 30]},
}
scenario = hubopt.Scenario.from_dict(settings, base_dir=Path.cwd())

# %% [markdown]
# ## Solve
#
# `run` returns the result and writes nothing (pass `write=True` to write the demo's outputs). `result.zones` and
# `result.sites` are GeoDataFrames: each zone's hub and minutes to it; each site, chosen or not, with the people it
# serves.

# %%
result = hubopt.run(scenario)
hubs = result.sites[result.sites["chosen"]].sort_values("served_population", ascending=False)
print(hubs[["site_id", "name", "served_population", "mean_minutes"]].to_string(index=False))
print(
    f"Mean {result.access['mean_minutes']:.1f} min, 95th percentile {result.access['p95_minutes']:.1f} min, "
    f"within 15 min {result.access['within_15_share']:.1%}; zones in {result.zones.crs}"
)

# %% [markdown]
# ## Try a swap
#
# `evaluate_option` measures any set of hubs with the run's travel times: here the optimum with its cheapest swap
# (The Wells Medical Practice for Grosvenor & St James Medical Centre, per the demo summary).

# %%
site_ids = result.candidates.sites["site_id"].astype(str).tolist()


def measure(option: list[str]) -> dict[str, float]:
    """Access, equity, coverage and cost measures of the hubs ``option``, each zone served by its nearest."""
    return hubopt.evaluate_option(
        option,
        result.minutes,
        site_ids,
        result.zones["population"].to_numpy(),
        result.demand.demand,
        result.zones["imd_decile"].to_numpy(dtype=float),
        result.candidates.sites,
        scenario.thresholds,
    )


optimum = measure(hubs["site_id"].tolist())
swapped = measure([s for s in hubs["site_id"] if s != "G82041"] + ["G82025"])
change = swapped["demand_mean_minutes"] / optimum["demand_mean_minutes"] - 1
print(f"Swapped: mean {swapped['mean_minutes']:.1f} min, {change:+.2%} age-weighted travel")

# %% [markdown]
# ## The map
#
# `write_hub_map` draws the zones coloured by minutes to their hub, the hubs and their catchments, as one HTML file
# that works offline.

# %%
map_file = hubopt.write_hub_map(
    result.zones,
    result.sites,
    OUT / "map.html",
    title=f"{scenario.name}",
    caption=f"{len(hubs)} hubs for {scenario.year}; drive times estimated from straight-line distance",
    districts=study.districts,
)
print(f"Map: {map_file}")
