"""Fit the straight-line travel-time model and write it as JSON.

Usage::

    python -m hubopt.travel.fit_straight_line --source ../shared/data [--distance land] [--out PATH] [--pairs PATH]

Without ``--out`` the model is written to the committed ``hubopt/travel/straight_line_model.json`` (or, with
``--distance land``, ``hubopt/travel/land_distance_model.json``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hubopt.errors import HuboptError
from hubopt.files.atomic import atomic_path
from hubopt.files.cell_text import to_csv
from hubopt.files.output_folder import write_problem
from hubopt.travel.calibration import fit_straight_line_model
from hubopt.travel.estimate import DEFAULT_MODEL_PATH, DISTANCE_MEASURES, LAND_MODEL_PATH, StraightLineModel

__all__ = ["build_parser", "format_report", "main"]


def format_report(model: StraightLineModel) -> str:
    """A short plain-text report of a fitted model: form, coefficients, errors, candidates and data joined."""
    measure = "straight-line" if model.distance_measure == "straight_line" else "along-land"
    lines = [
        f"{measure.capitalize()} travel-time model: {model.form}",
        f"  {model.formula}   (t minutes, d {measure} km)",
        "  coefficients: " + ", ".join(f"{k} = {v:.6g}" for k, v in model.coefficients.items()),
        f"  MAE {model.mae_minutes:.3f} min, RMSE {model.rmse_minutes:.3f} min, "
        f"{100 * model.share_within_5_minutes:.1f} % within 5 min, CV MAE {model.cv_mae_minutes:.3f} min",
        f"  {model.n_pairs:,} pairs, {measure} {model.distance_range_km[0]:g}-{model.distance_range_km[1]:g} km",
        f"  source: {model.source}",
    ]
    if model.distance_note:
        lines.append(f"  distance: {model.distance_note}")
    if model.join:
        j = model.join
        lines.append(
            f"  join: {j.get('travel_time_rows', 0):,} travel-time rows, "
            f"{j.get('lsoas_without_centroid', 0)} LSOA names without a centroid, "
            f"{j.get('rows_whose_unit_has_no_location', 0)} rows whose unit postcode has no location "
            f"({j.get('units_without_location', 0)} units), {j.get('centroids_not_used', 0)} centroids not used; "
            f"{j.get('pairs', 0):,} pairs kept"
        )
        dropped = j.get("lsoas_without_centroid", 0) + j.get("rows_whose_unit_has_no_location", 0)
        if dropped:
            lines.append(f"  WARNING: {dropped} travel-time rows could not be joined and were left out of the fit")
    if model.candidates:
        lines.append(f"Candidates (chosen by {model.selection_rule}):")
        width = max(len(c.form) for c in model.candidates)
        lines.append(f"  {'form':<{width}}  params  CV MAE  CV RMSE  fit MAE")
        for c in sorted(model.candidates, key=lambda c: c.cv_mae_minutes):
            mark = "  <- chosen" if c.chosen else ("" if c.monotone else "  (not monotone)")
            lines.append(
                f"  {c.form:<{width}}  {c.n_params:>6}  {c.cv_mae_minutes:6.3f}  {c.cv_rmse_minutes:7.3f}  "
                f"{c.mae_minutes:7.3f}{mark}"
            )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the fitting command."""
    parser = argparse.ArgumentParser(
        prog="python -m hubopt.travel.fit_straight_line",
        description="Fit drive time against straight-line distance on the SAMueL modelled road times "
        "(West Kent and Mid & South Essex) and write the model as JSON.",
    )
    parser.add_argument(
        "--source",
        type=Path,
        required=True,
        help="the shared open-data folder (holding travel_times/, population/ and hospitals/)",
    )
    parser.add_argument(
        "--distance",
        choices=DISTANCE_MEASURES,
        default="straight_line",
        help="fit on straight-line distance (default) or on distance along land (round estuaries)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"where to write the model (default: {DEFAULT_MODEL_PATH}, or {LAND_MODEL_PATH.name} beside it "
        "with --distance land)",
    )
    parser.add_argument(
        "--pairs",
        type=Path,
        default=None,
        help="also write the per-pair table (distance, observed, predicted minutes) as CSV",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Fit the model, print a short report and write the JSON (and optionally the per-pair CSV).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when the input data cannot be used (the message is printed on stderr).
    """
    args = build_parser().parse_args(argv)
    try:
        model, pairs = fit_straight_line_model(args.source, distance=args.distance)
    except HuboptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_report(model))
    if args.out is None:
        args.out = DEFAULT_MODEL_PATH if args.distance == "straight_line" else LAND_MODEL_PATH
    try:
        model.to_json(args.out)
        print(f"Model written to {args.out}")
        if args.pairs is not None:
            with atomic_path(args.pairs) as tmp:
                to_csv(pairs, tmp)
            print(f"Pairs written to {args.pairs}")
    except OSError as exc:
        print(f"error: {write_problem(exc, args.out, 'travel model')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
