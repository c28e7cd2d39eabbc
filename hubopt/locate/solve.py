"""Solving a PuLP model and reporting honestly what the solver achieved.

PuLP's ``status`` says "Optimal" for a CBC run stopped by its time limit; only ``sol_status`` tells a proven optimum
from a merely feasible answer. :func:`solve` reads ``sol_status``, the solver's best bound and its gap, and returns a
:class:`SolveReport` that never labels a time-limited result as optimal.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pulp

from hubopt.errors import InputError
from hubopt.locate._highs import new_highs
from hubopt.locate._highs import verdict as highs_verdict

#: Solvers hubopt knows, by the name used in scenario files.
SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class SolveReport:
    """What a solve achieved.

    Attributes
    ----------
    solver : str
        "HiGHS" or "CBC".
    status : str
        ``"optimal"`` (proven within ``gap_tolerance``), ``"feasible"`` (a solution, not proven optimal: see
        ``stopped_by`` and ``gap``), ``"infeasible"``, ``"unbounded"`` or ``"no solution"``.
    stopped_by : str or None
        Why a non-optimal solve stopped ("time limit", ...), or None.
    objective : float or None
        Objective value of the solution found.
    bound : float or None
        Best bound on the optimum (lower bound when minimising, upper when maximising).
    gap : float or None
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; 0 for a proven optimum reached exactly.
    seconds : float
        Wall-clock seconds of the solve, model hand-over included.
    n_variables, n_integer_variables, n_constraints : int
        Problem size.
    time_limit : float or None
        The time limit given.
    gap_tolerance : float
        The relative gap at which the solver was asked to stop.
    """

    solver: str
    status: str
    stopped_by: str | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    n_variables: int
    n_integer_variables: int
    n_constraints: int
    time_limit: float | None
    gap_tolerance: float

    @property
    def is_optimal(self) -> bool:
        """True only for a proven optimum."""
        return self.status == "optimal"

    @property
    def has_solution(self) -> bool:
        """True when a solution (optimal or not) is available."""
        return self.status in ("optimal", "feasible")

    def describe(self) -> str:
        """One line for a summary: status, objective, gap and time."""
        if self.status == "optimal":
            text = "proven optimal"
            if self.gap is not None and self.gap > 1e-9:
                text += f" (within gap {self.gap:.2e})"
        elif self.status == "feasible":
            gap = f"{self.gap:.2%}" if self.gap is not None and math.isfinite(self.gap) else "unknown"
            text = f"NOT proven optimal: stopped by {self.stopped_by or 'the solver'}, gap {gap} to the best bound"
        else:
            text = self.status
        if self.n_variables == 0 and self.n_constraints == 0 and self.status == "optimal":
            # The bound met a heuristic solution: optimality proven without solving a MIP.
            return (
                f"{self.solver}: {text} (the LP bound met the best heuristic solution; no branching needed), "
                f"{self.seconds:.2f} s"
            )
        return (
            f"{self.solver}: {text}; {self.n_variables:,} variables ({self.n_integer_variables:,} integer), "
            f"{self.n_constraints:,} constraints, {self.seconds:.2f} s"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for manifests (infinite numbers become None)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[key] = None
        return out


def check_solver_name(name: str) -> str:
    """Return the canonical solver name, or fail with the list of known solvers."""
    key = str(name).strip().lower()
    if key not in SOLVERS:
        raise InputError(f"unknown solver {name!r}", parameter="solver", hint=f"use one of: {', '.join(SOLVERS)}")
    return key


def solve(
    problem: pulp.LpProblem,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    threads: int | None = None,
    msg: bool = False,
    warm_start: bool = False,
) -> SolveReport:
    """Solve ``problem`` and report status from ``sol_status``, the best bound and the gap.

    Parameters
    ----------
    problem : pulp.LpProblem
        The model.
    solver : {"highs", "cbc"}
        Which solver to use.
    time_limit : float, optional
        Seconds before the solver stops with its best solution so far.
    mip_gap : float
        Relative gap at which to stop (0 asks for a proven optimum).
    threads : int, optional
        Solver threads.
    msg : bool
        Show the solver's log.
    warm_start : bool
        Start CBC from the variables' initial values (``LpVariable.setInitialValue``); ignored by HiGHS.

    Returns
    -------
    SolveReport
    """
    name = check_solver_name(solver)
    if time_limit is not None and time_limit <= 0:
        raise InputError("the time limit must be a positive number of seconds", parameter="time_limit")
    if mip_gap < 0:
        raise InputError("the MIP gap must be zero or positive", parameter="mip_gap")
    n_vars = len(problem.variables())
    n_int = sum(1 for v in problem.variables() if v.cat == pulp.LpInteger)
    n_cons = problem.numConstraints()
    start = time.perf_counter()
    if name == "highs":
        report = _solve_highs(problem, time_limit, mip_gap, threads, msg)
    else:
        report = _solve_cbc(problem, time_limit, mip_gap, threads, msg, warm_start)
    seconds = time.perf_counter() - start
    status, stopped_by, objective, bound = report
    gap = relative_gap(objective, bound) if status in ("optimal", "feasible") else None
    if status == "optimal" and gap is not None and gap > max(mip_gap, 1e-6) + 1e-9 and bound is not None:
        # A solver that says optimal while its own bound disagrees is not trusted.
        status, stopped_by = "feasible", stopped_by or "gap not closed"
    return SolveReport(
        solver="HiGHS" if name == "highs" else "CBC",
        status=status,
        stopped_by=stopped_by,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        n_variables=n_vars,
        n_integer_variables=n_int,
        n_constraints=n_cons,
        time_limit=time_limit,
        gap_tolerance=mip_gap,
    )


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(|objective|, 1e-9)``, or None when either is missing or infinite."""
    if objective is None or bound is None or not math.isfinite(objective) or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def checked_report(
    *,
    solver: str,
    status: str,
    stopped_by: str | None,
    objective: float | None,
    bound: float | None,
    size: tuple[int, int, int],
    seconds: float,
    time_limit: float | None,
    mip_gap: float,
) -> SolveReport:
    """A :class:`SolveReport` under hubopt's honesty rules, for models solved outside :func:`solve`.

    An "optimal" whose own bound is missing, or whose gap to it exceeds the tolerance, is reported as "feasible".

    Parameters
    ----------
    solver : {"highs", "cbc"}
        The solver used.
    status, stopped_by : str
        The solver's outcome (``optimal``, ``feasible``, ``infeasible``...) and why it stopped early.
    objective, bound : float or None
        The solution's objective and the best bound.
    size : tuple of int
        Variables, integer variables and constraints of the model solved.
    seconds, time_limit, mip_gap : float
        Time taken, the time limit given and the gap tolerance.
    """
    gap = relative_gap(objective, bound) if status in ("optimal", "feasible") else None
    if status == "optimal" and gap is not None and gap > max(mip_gap, 1e-6) + 1e-9:
        status, stopped_by = "feasible", stopped_by or "gap not closed"
    if status == "optimal" and bound is None:
        status, stopped_by = "feasible", stopped_by or "no bound"
    return SolveReport(
        solver="HiGHS" if solver == "highs" else "CBC",
        status=status,
        stopped_by=stopped_by,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        n_variables=size[0],
        n_integer_variables=size[1],
        n_constraints=size[2],
        time_limit=time_limit,
        gap_tolerance=mip_gap,
    )


def _status_from_sol_status(problem: pulp.LpProblem) -> str:
    sol = problem.sol_status
    if sol == pulp.LpSolutionOptimal:
        return "optimal"
    if sol == pulp.LpSolutionIntegerFeasible:
        return "feasible"
    if sol == pulp.LpSolutionInfeasible:
        return "infeasible"
    if sol == pulp.LpSolutionUnbounded:
        return "unbounded"
    # Some solver interfaces leave sol_status at "no solution" for a proven infeasible or unbounded model; the
    # negative verdict may then come from status (which never promotes a result to optimal here).
    if problem.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if problem.status == pulp.LpStatusUnbounded:
        return "unbounded"
    return "no solution"


def cbc_stop_reason(result_text: str) -> str:
    """Why CBC stopped before a proof, from the ``Result - ...`` line of its log, in :class:`SolveReport`'s words."""
    text = result_text.strip().lower()
    if not text:
        return "CBC, which gave no reason (its log has no result line)"
    for keys, reason in _CBC_STOPS:
        if all(key in text for key in keys):
            return reason
    return f"CBC ({result_text.strip()})"


def cbc_verdict(status: str, result_text: str) -> tuple[str, str | None]:
    """The status (from PuLP's ``sol_status``) and why CBC stopped, checked against CBC's own result line.

    A result line saying CBC "stopped" (on its time limit, a node limit...) never leaves the status "optimal".
    """
    stopped = "stopped" in result_text.lower()
    if status == "optimal" and stopped:
        status = "feasible"
    if status in ("feasible", "no solution"):
        return status, cbc_stop_reason(result_text)
    return status, None


class QuietPulpHighs(pulp.HiGHS):
    """PuLP's HiGHS interface, on a HiGHS instance that prints its banner only when ``msg`` is true.

    PuLP constructs ``highspy.Highs()``, which prints HiGHS's banner before PuLP can switch the output off; this
    builds the instance with :func:`hubopt.locate._highs.new_highs` and then sets the same options PuLP does.
    """

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        """Create the HiGHS instance for ``lp`` and set the gaps, threads, time limit and other options."""
        lp.solverModel = new_highs(bool(self.msg))
        if self.callbackTuple:
            lp.solverModel.setCallback(*self.callbackTuple)
        for cb_type in self.callbacksToActivate or ():
            lp.solverModel.startCallback(cb_type)
        values = {
            "mip_rel_gap": self.gapRel,
            "mip_abs_gap": self.gapAbs,
            "threads": self.threads,
            "time_limit": None if self.timeLimit is None else float(self.timeLimit),
        }
        for key, value in {**{k: v for k, v in values.items() if v is not None}, **self.optionsDict}.items():
            lp.solverModel.setOptionValue(key, value)


def _solve_highs(
    problem: pulp.LpProblem, time_limit: float | None, mip_gap: float, threads: int | None, msg: bool
) -> tuple[str, str | None, float | None, float | None]:
    cmd = QuietPulpHighs(
        msg=msg, timeLimit=time_limit, gapRel=mip_gap, gapAbs=0.0 if mip_gap == 0 else None, threads=threads
    )
    problem.solve(cmd)
    highs = problem.solverModel
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    # HiGHS's own status, not PuLP's reading of it (PuLP calls a time-limited run without a solution feasible).
    status, stopped_by = highs_verdict(str(highs.getModelStatus()).rsplit(".", 1)[-1], has_solution)
    objective = float(pulp.value(problem.objective)) if status in ("optimal", "feasible") else None
    bound: float | None = None
    if objective is not None and any(v.cat == pulp.LpInteger for v in problem.variables()):
        raw = float(info.mip_dual_bound)
        if math.isfinite(raw):
            # PuLP hands HiGHS the negated objective of a maximisation (HiGHS minimises), without its constant.
            # HiGHS's bound and its objective are in the same (its own) space: the gap it proved between them,
            # carried over to the solution's objective, is the bound (robust to a constant HiGHS left out).
            sign = -1.0 if problem.sense == pulp.LpMaximize else 1.0
            bound = objective + sign * (raw - float(info.objective_function_value))
    elif status == "optimal":
        bound = objective
    return status, stopped_by, objective, bound


def cbc_command(**options: Any) -> pulp.LpSolver:
    """CBC from the ``cbcbox`` package (``pulp[cbc]``); PuLP's bundled binary only when that is missing."""
    coin = pulp.COIN_CMD(msg=False, **options)
    if coin.available():
        return coin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        bundled = pulp.PULP_CBC_CMD(msg=False, **options)
    if not bundled.available():
        raise InputError(
            "the CBC solver is not installed",
            parameter="solver",
            hint="install it with: pip install 'pulp[cbc]', or use solver: highs",
        )
    return bundled


#: Words of CBC's result line (all must appear, lower case) and the reason they mean, first match wins.
_CBC_STOPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("iterations or time",), "iteration or time limit"),
    (("time",), "time limit"),
    (("gap",), "gap limit"),
    (("node",), "node limit"),
    (("solution", "limit"), "solution limit"),
    (("ctrl-c",), "an interruption"),
    (("user",), "an interruption"),
    (("interrupt",), "an interruption"),
    (("difficult",), "CBC's numerical difficulties"),
    (("iteration",), "iteration limit"),
)
_CBC_RESULT = re.compile(r"^Result - (.*)$", re.MULTILINE)
_CBC_OBJECTIVE = re.compile(r"^Objective value:\s+(\S+)", re.MULTILINE)
_CBC_BOUND = re.compile(r"^(?:Lower|Upper) bound:\s+(\S+)", re.MULTILINE)


def _printed_bound(
    bound: float | None, cbc_objective: re.Match[str] | None, status: str, result_text: str
) -> float | None:
    """CBC prints its bound to 6 significant digits only: when it declares an optimum and the printed bound agrees
    with its objective to that precision, the bound is the objective (not a false gap of a few 1e-6)."""
    if bound is None or cbc_objective is None or status != "optimal" or "optimal" not in result_text.lower():
        return bound
    try:
        value = float(cbc_objective.group(1))
    except ValueError:
        return bound
    if bound == 0 or not math.isfinite(bound):
        return bound
    printed = 0.5 * 10.0 ** (math.floor(math.log10(abs(bound))) - 5)
    return value if abs(bound - value) <= printed else bound


def _solve_cbc(
    problem: pulp.LpProblem,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    msg: bool,
    warm_start: bool = False,
) -> tuple[str, str | None, float | None, float | None]:
    with tempfile.TemporaryDirectory(prefix="hubopt-cbc-") as tmp:
        log_path = Path(tmp) / "cbc.log"
        options: dict[str, Any] = {"timeLimit": time_limit, "gapRel": mip_gap, "threads": threads}
        if warm_start:
            options["warmStart"] = True
        cmd = cbc_command(logPath=str(log_path), **options)
        problem.solve(cmd)
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if msg:
        print(log)
    status = _status_from_sol_status(problem)
    objective = float(pulp.value(problem.objective)) if status in ("optimal", "feasible") else None
    result = _CBC_RESULT.search(log)
    result_text = result.group(1).strip() if result else ""
    bound: float | None = None
    match = _CBC_BOUND.search(log)
    if match:
        try:
            bound = float(match.group(1))
        except ValueError:
            bound = None
    bound = _printed_bound(bound, _CBC_OBJECTIVE.search(log), status, result_text)
    has_integers = any(v.cat == pulp.LpInteger for v in problem.variables())
    if bound is None and status == "optimal":
        bound = objective
    if bound is not None and objective is not None and has_integers:
        # CBC's log states the bound for the model as it solved it (minimisation sense, no constant).
        cbc_obj = _CBC_OBJECTIVE.search(log)
        if cbc_obj:
            try:
                shift = objective - float(cbc_obj.group(1))
            except ValueError:
                shift = 0.0
            if problem.sense == pulp.LpMaximize and abs(objective + float(cbc_obj.group(1))) < abs(shift):
                bound = -bound + (objective + float(cbc_obj.group(1)))
            else:
                bound = bound + shift
    status, stopped_by = cbc_verdict(status, result_text)
    return status, stopped_by, objective, bound
