"""The ``hubopt`` command."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from hubopt import builtin
from hubopt._version import __version__
from hubopt.errors import HuboptError, InputError


class _Group(click.Group):
    """A click group that prints hubopt's own errors as plain messages, without a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except HuboptError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(2)


def _values(*groups: tuple[object, ...]) -> list[str]:
    """Values of a many-valued option: ``--years 2025 2030``, ``--years 2025,2030`` or repeated options."""
    return [part for group in groups for text in group for part in str(text).replace(",", " ").split()]


#: A message counting its way through a step: "How many hubs: 3 of 10 solved (p-median)".
_COUNT = re.compile(r"\b(\d+) of (\d+)\b")


class _ProgressLines:
    """Show the run's progress messages on standard error, one "· ..." line each.

    A message with a count ("3 of 10") rewrites the line in place on a terminal, until the last one; elsewhere (a
    log file, a pipe) every message is a line of its own.
    """

    def __init__(self) -> None:
        self.open_line = False  # a count line is on screen without its newline yet

    def __call__(self, message: str) -> None:
        count = _COUNT.search(message)
        text = click.style(f"· {message}", fg="bright_black")
        last = count is not None and count.group(1) == count.group(2)
        if count is not None and sys.stderr.isatty():
            click.echo(f"\r\x1b[K{text}", err=True, nl=last)
            self.open_line = not last
            return
        if self.open_line:
            click.echo(err=True)
            self.open_line = False
        click.echo(text, err=True)


_progress = _ProgressLines()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hubopt")
def main() -> None:
    """hubopt: where should local care hubs and community beds go?

    Reads a scenario file (study area, year, demand weights, site rules, model), chooses hub sites among the
    existing estate, and writes a map, tables and a manifest.
    """


def _run(
    scenario_path: Path,
    out: Path | None,
    overwrite: bool,
    housing: Path | None = None,
    compare_with: Path | None = None,
    refresh: bool = False,
) -> None:
    from hubopt.analysis.compare import compare_runs, read_run
    from hubopt.files.output_folder import add_outputs
    from hubopt.pipeline import run_scenario, summary_lines
    from hubopt.pipeline.appraisal import reoptimisation_for_run
    from hubopt.render.compare_outputs import write_comparison
    from hubopt.scenario import load_scenario

    if compare_with is not None and not (compare_with / "manifest.json").is_file():
        raise InputError(
            "there is no earlier run to compare with here"
            + ("" if compare_with.is_dir() else " (the folder does not exist)")
            + " (a run folder holds manifest.json)",
            path=compare_with,
            setting="--compare-with",
            hint="name the output folder of an earlier 'hubopt run'",
        )
    scenario = load_scenario(scenario_path)
    previous = compare_with
    if housing is not None:
        scenario.housing_file = housing.resolve()
        previous = previous or scenario.output_folder
        out = out or scenario.output_folder.with_name(f"{scenario.output_folder.name}_{housing.stem}")
    run = run_scenario(scenario, out=out, overwrite=overwrite, refresh=refresh, progress=_progress)
    folder = run.folder
    assert folder is not None  # run_scenario always writes its outputs and records where
    click.echo("\n".join(summary_lines(run)))
    if previous is not None:
        if (Path(previous) / "manifest.json").exists():
            before = read_run(previous)
            check = reoptimisation_for_run(run, before.hub_ids())
            comparison = compare_runs(before, folder, reoptimisation=check)
            written = add_outputs(folder, lambda staging: write_comparison(comparison, staging), what="comparison")
            click.echo("\n".join(comparison.lines()))
            click.echo(f"  Comparison written to {folder}/ ({', '.join(written)})")
        else:
            click.secho(
                f"  No earlier run at {previous} to compare with (run the scenario without --housing "
                "first, or name one with --compare-with).",
                fg="yellow",
            )
    if "map.html" in run.outputs:
        click.secho(f"  Finished in {run.seconds:.1f} s. Open {folder / 'map.html'} in a browser.", fg="green")
    else:
        click.secho(
            f"  Finished in {run.seconds:.1f} s. Written to {folder}/ (no map: outputs.map is false).", fg="green"
        )


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Folder for the outputs (default: outputs.folder).")
@click.option("--overwrite", is_flag=True, help="Replace the outputs of an earlier run in the same folder.")
@click.option(
    "--housing",
    type=click.Path(path_type=Path),
    default=None,
    help="Rerun with this housing trajectory instead of demand.housing.file; the run goes to a new "
    "folder (OUTPUTS_<file name>) and is compared with the previous run in outputs.folder: people added per zone, "
    "each hub's load, bed need, and what re-optimising gains over keeping the previous hubs.",
)
@click.option(
    "--compare-with",
    type=click.Path(path_type=Path),
    default=None,
    help="A previous run folder to compare this run with.",
)
@click.option("--refresh", is_flag=True, help="Recompute cached network travel times.")
def run(
    scenario: Path, out: Path | None, overwrite: bool, housing: Path | None, compare_with: Path | None, refresh: bool
) -> None:
    """Run SCENARIO (a YAML file) and write its map, tables and manifest."""
    _run(scenario, out, overwrite, housing=housing, compare_with=compare_with, refresh=refresh)


@main.command()
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the comparison tables (default: RUN_B/compare_with_<RUN_A name>).",
)
def compare(run_a: Path, run_b: Path, out: Path | None) -> None:
    """Compare two runs: people added per zone, each hub's load, bed need, hubs and beds changed, who is better
    or worse off.

    The folder is replaced only when an earlier comparison (or other output of hubopt's) is in it.
    """
    from hubopt.analysis.compare import compare_runs
    from hubopt.files.output_folder import prepare
    from hubopt.render.compare_outputs import write_comparison_folder

    comparison = compare_runs(run_a, run_b)
    folder = out or (run_b / f"compare_with_{run_a.name}")
    with prepare(folder, overwrite=True, what="comparison") as target:
        with target.writing() as staging:
            written = write_comparison_folder(comparison, staging)
        target.commit()
    click.echo("\n".join(comparison.lines()))
    click.echo(f"Written to {folder}/ ({', '.join(written)})")


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the outputs (default: maps/west_kent_hubs in the current folder).",
)
def demo(out: Path | None) -> None:
    """Run the built-in West Kent scenario (builtin:west_kent_hubs) and write its outputs to
    maps/west_kent_hubs in the current folder; replaces the previous demo outputs.

    Only a folder that holds an earlier run (or nothing) is replaced; a folder with other files is refused.
    """
    _run(builtin.DEMO_SCENARIO, out, overwrite=True)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path), default=f"{builtin.PREFIX}west_kent_hubs")
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port to serve on (default: 8765, or a free port when that one is busy; 0: any free port).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the browser (only print the address).")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds each solve may take before it stops with its best answer, labelled not proven (the scenario's "
    "model.time_limit applies to hubopt run).",
)
def app(scenario: Path, port: int | None, no_browser: bool, time_limit: float) -> None:
    """Start the forum workbench on SCENARIO (default: builtin:west_kent_hubs) and open it in the browser.

    Click sites on or off, change the number of hubs, the model, the travel mode or the year, and see the best
    answer at once with its proof; pin options, compare them, save them into the scenario, export a consultation
    pack. It runs on this computer only (127.0.0.1) and needs no internet. Stop it with Ctrl+C.
    """
    from hubopt.app.serve import serve
    from hubopt.app.server import create_app
    from hubopt.scenario import load_scenario
    from hubopt.workbench import Workbench

    workbench = Workbench.open(load_scenario(scenario), time_limit=time_limit, progress=_progress)
    serve(create_app(workbench), port, open_browser=not no_browser, say=lambda text: click.secho(text, fg="green"))


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--years",
    "years_text",
    multiple=True,
    required=True,
    metavar="YEAR [YEAR ...]",
    help="Years to tabulate, e.g. --years 2025 2030 2035.",
)
@click.argument("more_years", nargs=-1, type=int)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the demand tables (default: beside the scenario's outputs, ending _demand).",
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier demand table in the same folder.")
def demand(
    scenario: Path, years_text: tuple[str, ...], more_years: tuple[int, ...], out: Path | None, overwrite: bool
) -> None:
    """Write SCENARIO's demand by zone for several years, with growth by district and age band."""
    from hubopt.demand.tables import demand_table, fastest_growing_zones, growth_by_district, summary_lines
    from hubopt.errors import InputError
    from hubopt.files.cell_text import to_csv
    from hubopt.files.output_folder import prepare, write_folder_manifest
    from hubopt.pipeline.demand import scenario_demand
    from hubopt.scenario import load_scenario
    from hubopt.study import load_study

    years = []
    for part in _values(years_text, more_years):
        if not part.isdigit():
            raise InputError(f"{part!r} is not a year", hint="give years as numbers, e.g. --years 2025 2030")
        years.append(int(part))
    sc = load_scenario(scenario)
    folder = out or sc.output_folder.with_name(sc.output_folder.name + "_demand")
    with prepare(folder, overwrite=overwrite, what="demand table") as target:
        study = load_study(sc.study)
        demand_for_year = scenario_demand(study, sc)  # the demand of `hubopt run`: housing, registration share ...
        demands = [demand_for_year(y) for y in sorted(set(years))]
        table = demand_table(study, demands)
        lines = summary_lines(table, [d.method for d in demands])
        with target.writing() as staging:
            to_csv(table, staging / "demand_by_zone.csv")
            to_csv(growth_by_district(table), staging / "growth_by_district.csv")
            to_csv(fastest_growing_zones(table, 20), staging / "fastest_growing_zones.csv")
            (staging / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            write_folder_manifest(staging, "demand", scenario=str(sc.path), years=sorted(set(years)))
        target.commit()
    click.echo("\n".join(lines))
    click.secho(f"Demand tables written to {folder}", fg="green")


@main.group()
def fetch() -> None:
    """Download data from the internet, only when you ask (never during a run, the demo or the tests)."""


@fetch.command("network")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["drive", "walk"]),
    default="drive",
    show_default=True,
    help="Road network for driving, or footpaths for walking.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="GraphML file to write (default: the network file a mode of this kind names in the scenario, "
    "else network_<mode>.graphml in the study folder, or <study>_network_<mode>.graphml in the current folder "
    "for a built-in study).",
)
@click.option(
    "--buffer-m",
    type=float,
    default=None,
    help="Metres around the study area to include (default: travel.network_buffer_m, 2000).",
)
def fetch_network(scenario: Path, mode: str, out: Path | None, buffer_m: float | None) -> None:
    """Download SCENARIO's study-area OpenStreetMap network (osmnx, cached) and save it as GraphML."""
    from hubopt.scenario import load_scenario
    from hubopt.study import load_study
    from hubopt.travel.download import download_network

    sc = load_scenario(scenario)
    study = load_study(sc.study)
    if out is None:
        named = [m.network for m in sc.travel_modes.values() if m.method == "network" and m.mode == mode]
        out = named[0] if named and named[0] is not None else builtin.default_network_file(sc.study, mode)
    area = study.zones.union_all()
    _progress(f"Downloading the {mode} network for {study.name} (+{buffer_m or sc.network_buffer_m:g} m) to {out}")
    graph = download_network(
        area, mode=mode, buffer_m=buffer_m or sc.network_buffer_m, cache_dir=sc.travel_cache, out_path=out
    )
    click.echo(f"Saved {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges to {out}")
    click.echo(
        "Use it in the scenario, e.g.\n  travel:\n    modes:\n      car: {method: network, mode: "
        f"{mode}, network: {out}}}"
    )


@fetch.command("gtfs")
@click.option("--region", type=str, default=None, help="Bus Open Data Service region, e.g. south_east (Kent).")
@click.option("--area", type=str, default=None, help="A named area whose region to fetch: west_kent.")
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=Path(builtin.CACHE_FOLDER_NAME) / "gtfs",
    show_default=True,
    help="Where the downloaded timetables are kept (relative to the current folder).",
)
@click.option("--url", type=str, default=None, help="Another address for the file (e.g. with an API key).")
@click.option("--refresh", is_flag=True, help="Download again even when the cache holds a verified copy.")
def fetch_gtfs_command(region: str | None, area: str | None, cache: Path, url: str | None, refresh: bool) -> None:
    """Download a region's bus timetables (GTFS, Bus Open Data Service) for a public_transport travel mode."""
    from hubopt.build.gtfs_fetch import AREA_REGIONS, BODS_REGIONS, fetch_gtfs

    if region is None and area is not None:
        if area not in AREA_REGIONS:
            raise HuboptError(f"no Bus Open Data Service region is known for {area!r}; give --region")
        region = AREA_REGIONS[area]
    if region is None:
        raise HuboptError(f"give --region (one of: {', '.join(BODS_REGIONS)}) or --area")
    with click.progressbar(length=0, label=f"{region:<16}", show_pos=True) as bar:

        def progress(done: int, total: int | None) -> None:
            if total and bar.length != total:
                bar.length = total
            bar.update(done - bar.pos)

        path = fetch_gtfs(region, cache, url=url, refresh=refresh, progress=progress)
    click.echo(f"  {region:<16} {path}")
    click.echo(
        "Use it in the scenario, e.g.\n  travel:\n    modes:\n      bus: {method: public_transport, "
        f'gtfs: {path}, day: tuesday, window: "08:00-10:00"}}'
    )


@fetch.command("data")
@click.option(
    "--area", type=str, default=None, help="A named area (west_kent, mid_south_essex) whose districts to check."
)
@click.option(
    "--districts",
    type=str,
    multiple=True,
    metavar="CODE [CODE ...]",
    help="ONS district codes the study will cover (checked against the IMD file once it is downloaded).",
)
@click.argument("more_districts", nargs=-1)
@click.option("--only", type=str, multiple=True, help="Fetch only these sources (keys; default: all).")
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=Path(builtin.CACHE_FOLDER_NAME) / "sources",
    show_default=True,
    help="Where the downloaded files are kept (relative to the current folder).",
)
@click.option(
    "--url",
    "urls",
    type=str,
    multiple=True,
    metavar="KEY=URL",
    help="Use this address for a source (publishers move files); for gp_list_sizes it may be a month's "
    "publication page.",
)
@click.option("--refresh", is_flag=True, help="Download again even when the cache holds a verified copy.")
def fetch_data(
    area: str | None,
    districts: tuple[str, ...],
    more_districts: tuple[str, ...],
    only: tuple[str, ...],
    cache: Path,
    urls: tuple[str, ...],
    refresh: bool,
) -> None:
    """Download the official files a study is built from (ODS, NHS Digital, ONS, MHCLG) into a cache.

    Sources (--only): epraccur, gp_list_sizes (found on NHS Digital's newest monthly page), sape_lsoa,
    lsoa_centroids, snpp, imd2019, lsoa_boundaries, nspl, hospitals, lsoa_lookup. Downloads resume after an
    interruption, are checked (size, recorded checksum, file layout) and only then kept as complete; a cached file
    is reused until --refresh.
    """
    from hubopt.build.areas import area_for
    from hubopt.build.fetch import SOURCES, check_layout, districts_known, fetch_sources, parse_url_overrides

    keys = list(only) or list(SOURCES)
    unknown = [k for k in keys if k not in SOURCES]
    if unknown:
        raise HuboptError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    codes = _values(districts, more_districts)
    spec = area_for(area, codes) if (area or codes) else None
    show: dict[str, Callable[[int], None]] = {}  # per source: show that many bytes done on its progress bar
    finish: list[Callable[[], None]] = []  # close each bar, in the order they opened

    def progress(key: str, done: int, total: int | None) -> None:
        if key not in show:
            bar = click.progressbar(length=total or 0, label=f"{key:<16}", show_pos=True)
            bar.__enter__()
            show[key] = lambda now: bar.update(now - bar.pos)
            finish.append(lambda: bar.__exit__(None, None, None))
        show[key](done)

    try:
        paths = fetch_sources(keys, cache, urls=parse_url_overrides(urls), refresh=refresh, progress=progress)
    finally:
        for close in finish:
            close()
    for key, path in paths.items():
        check_layout(key, path)
        click.echo(f"  {key:<16} {path}")
    if spec is not None and "imd2019" in paths:
        districts_known(list(spec.districts), paths["imd2019"])
        click.echo(f"  districts checked: {', '.join(spec.districts)}")
    click.secho(f"Downloaded and checked {len(paths)} file(s) into {cache}", fg="green")


@main.group()
def study() -> None:
    """Build a study (zones, sites, projections) for any set of districts from the published files."""


@study.command("build")
@click.option("--area", type=str, default=None, help="A named area: west_kent or mid_south_essex.")
@click.option(
    "--districts",
    type=str,
    multiple=True,
    metavar="CODE [CODE ...]",
    help="ONS district codes, e.g. --districts E07000066 E07000068 (instead of --area).",
)
@click.argument("more_districts", nargs=-1)
@click.option("--name", type=str, default=None, help="Name of a study built from --districts.")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    required=True,
    help="The download cache of 'hubopt fetch data' (the national files as published), or a folder laid out as "
    "../shared/data (see its SOURCES.md).",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Study folder to write.")
@click.option(
    "--lsoa-lookup",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="ONS 'LSOA (2011) to LSOA (2021)' lookup CSV, to convert a population table keyed by LSOA 2021 to the "
    "study's LSOA 2011 zones (hubopt fetch data --only lsoa_lookup downloads it).",
)
def study_build(
    area: str | None,
    districts: tuple[str, ...],
    more_districts: tuple[str, ...],
    name: str | None,
    source: Path,
    out: Path,
    lsoa_lookup: Path | None,
) -> None:
    """Build a study folder from the published files (the same schema as the built-in builtin:west_kent).

    --source is the download cache of 'hubopt fetch data' (workbooks and zip files are read as published; the
    district outlines are the study's LSOA polygons dissolved per district) or a folder laid out as
    ../shared/data. The zones are LSOA 2011; the base year is the mid-year of the population estimates. A
    population table keyed by LSOA 2021 is converted to the zones with --lsoa-lookup; without it, sources of
    different LSOA geographies are refused.
    """
    from hubopt.build.areas import area_for
    from hubopt.build.study import build_study

    spec = area_for(area, _values(districts, more_districts), name)
    report = build_study(source, out, spec, lsoa_lookup=lsoa_lookup, progress=_progress)
    click.echo(f"{spec.name} study written to {out}")
    click.echo("\n".join(report.lines()))
    if lsoa_lookup is not None and not report.lsoa_conversions:
        click.echo("  note: --lsoa-lookup was not needed: no small-area source is keyed by LSOA 2021")


@main.group()
def scenario() -> None:
    """The built-in scenarios (west_kent_hubs, mid_south_essex_hubs): copy one to edit it."""


@scenario.command("copy")
@click.argument("name")
@click.argument("destination", type=click.Path(path_type=Path))
def copy_scenario_command(name: str, destination: Path) -> None:
    """Copy the built-in scenario NAME (e.g. west_kent_hubs) to DESTINATION, a new .yaml file, to edit it.

    The copy still names its built-in study (study: builtin:west_kent), so it runs from any folder.
    """
    source = builtin.copy_scenario(name, destination)
    click.echo(f"Copied {source.name} to {destination}; edit it, then: hubopt run {destination}")


@main.group()
def data() -> None:
    """Build hubopt's own data tables from the published source files."""


@data.command("fit-travel-model")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder of the real published files, laid out as ../shared/data.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the fitted model (default: the package's straight_line_model.json, or "
    "land_distance_model.json with --distance land).",
)
@click.option(
    "--distance",
    type=click.Choice(["straight_line", "land"]),
    default="straight_line",
    show_default=True,
    help="Fit on straight-line distance, or on distance along land (round estuaries, from the clipped boundaries).",
)
def fit_travel_model(source: Path, out: Path | None, distance: str) -> None:
    """Fit the offline drive-time model (straight-line or land distance) on modelled road times; report its error."""
    from hubopt.travel.fit_straight_line import main as fit_main

    argv = ["--source", str(source), "--distance", distance] + (["--out", str(out)] if out is not None else [])
    code = fit_main(argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
