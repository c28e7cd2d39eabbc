"""Solvers print nothing unless the caller asks for their messages (``msg=True``).

HiGHS logs its banner ("Running HiGHS ...: Copyright ...") from C++ when a ``highspy.Highs`` is constructed, once per
process until it has been printed. Each check therefore runs in a fresh Python process and reads its standard output
at the file-descriptor level: an earlier test in this process cannot have used the banner up.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hubopt.locate.solve import cbc_command

ROOT = Path(__file__).resolve().parents[2]
BANNERS = ("Running HiGHS", "Copyright (c)", "Welcome to the CBC", "Includes third-party software")

SOLVES = textwrap.dedent(
    """
    import numpy as np
    from hubopt.locate.beds import place_beds
    from hubopt.locate.coverage import solve_mclp
    from hubopt.locate.median import solve_p_median
    from hubopt.locate.options import SolverOptions

    rng = np.random.default_rng(3)
    cost = rng.uniform(1.0, 40.0, size=(14, 6))
    weights = rng.uniform(1.0, 10.0, size=14)
    for solver in ("highs", "cbc"):
        options = SolverOptions(solver=solver, msg={msg})
        pm = solve_p_median(cost, weights, 2, options=options, reduce=False, tree=False)
        mc = solve_mclp(cost, weights, 2, 15.0, options=options)
        beds = place_beds(cost, weights / 5, 20.0, min_unit=4, max_beds=np.full(6, 12.0), options=options)
        assert pm.report.status == mc.report.status == beds.report.status == "optimal", solver
    print("solved")
    """
)


def run_python(code: str) -> str:
    """Standard output of ``code`` run by this interpreter in a fresh process from the repository root."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not cbc_command().available(), reason="CBC is not installed")
def test_quiet_solves_print_no_banner() -> None:
    out = run_python(SOLVES.format(msg=False))
    assert out.strip() == "solved", out
    assert not any(banner in out for banner in BANNERS)


def test_msg_true_still_shows_the_highs_log() -> None:
    code = SOLVES.format(msg=True).replace('("highs", "cbc")', '("highs",)')
    out = run_python(code)
    assert "Running HiGHS" in out
    assert out.rstrip().endswith("solved")


def test_pulp_highs_path_prints_no_banner() -> None:
    """The models built in PuLP (beds, capacitated, centre) reach HiGHS through PuLP's own construction."""
    code = textwrap.dedent(
        """
        import pulp
        from hubopt.locate.solve import solve

        prob = pulp.LpProblem("t", pulp.LpMinimize)
        x = pulp.LpVariable("x", 0, 10, cat="Integer")
        prob += x
        prob += x >= 2.5
        report = solve(prob, solver="highs", time_limit=5, mip_gap=0.0)
        assert report.status == "optimal" and abs(report.objective - 3.0) < 1e-9
        print("solved")
        """
    )
    out = run_python(code)
    assert out.strip() == "solved", out
