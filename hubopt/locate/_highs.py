"""Hand a sparse model straight to HiGHS (highspy), and read its status as honestly as :mod:`hubopt.locate.solve`.

Building a model of hundreds of thousands of variables through PuLP's Python objects takes seconds before the
solver starts; here the constraint matrix is a :class:`scipy.sparse.csc_matrix` passed in one call to
``Highs.passModel``. The outcome maps ``HighsModelStatus`` to the same words as :class:`SolveReport`: a run stopped
by its time limit is "feasible" (with the gap to HiGHS's best bound) when it holds a solution, never "optimal".
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TypeAlias

import highspy
import numpy as np
from scipy import sparse


class QuietHighs(highspy.Highs):
    """``highspy.Highs`` that prints nothing unless asked to.

    ``highspy.Highs()`` enables its callbacks while still constructing, and HiGHS logs its banner ("Running
    HiGHS ...: Copyright ...") to standard output at that moment, before any option can be set. Here the output is
    switched off before the callbacks are enabled; set ``output_flag`` to true afterwards for the solver's log (the
    banner then comes with the first run).
    """

    def enableCallbacks(self) -> None:  # noqa: N802 (highspy's name)
        """Switch the output off on the first call (during construction), then enable callbacks as highspy does."""
        if not getattr(self, "_quiet_started", False):
            self._quiet_started = True
            self.setOptionValue("output_flag", False)
        super().enableCallbacks()


def new_highs(msg: bool = False) -> highspy.Highs:
    """A HiGHS instance that shows its log (banner included) only when ``msg`` is true."""
    highs = QuietHighs()
    highs.setOptionValue("output_flag", bool(msg))
    return highs


#: The value of one HiGHS option (``Highs.setOptionValue`` takes a bool, int, float or string).
HighsOptionValue: TypeAlias = bool | int | float | str

#: Why a HiGHS run stopped short of a verdict, in the words :class:`SolveReport` uses after "stopped by".
STOPS = {
    "kTimeLimit": "time limit",
    "kIterationLimit": "iteration limit",
    "kSolutionLimit": "solution limit",
    "kInterrupt": "an interruption",
    "kHighsInterrupt": "an interruption",
    "kObjectiveBound": "objective bound",
    "kObjectiveTarget": "objective target",
    "kMemoryLimit": "memory limit",
    "kUnknown": "HiGHS with status unknown (no limit was reached; HiGHS gave no reason)",
    "kNotset": "HiGHS before it solved (status not set)",
    "kModelEmpty": "HiGHS: the model is empty",
    "kLoadError": "HiGHS: error loading the model",
    "kModelError": "HiGHS: error in the model",
    "kPresolveError": "HiGHS: error in presolve",
    "kSolveError": "HiGHS: error while solving",
    "kPostsolveError": "HiGHS: error in postsolve",
}


def verdict(model_status: str, has_solution: bool) -> tuple[str, str | None]:
    """The status and the reason it stopped (in :class:`SolveReport`'s words) for a HiGHS model status.

    Parameters
    ----------
    model_status : str
        HiGHS's status name, e.g. ``"kTimeLimit"`` (``str(HighsModelStatus.kTimeLimit)`` without its class).
    has_solution : bool
        Whether HiGHS holds a primal feasible solution (``primal_solution_status`` is feasible).

    Returns
    -------
    status : str
        "optimal", "feasible", "infeasible", "unbounded" or "no solution".
    stopped_by : str or None
        Why a run stopped short of a proof (None for a verdict: optimal, infeasible, unbounded). A status hubopt
        does not know is named as HiGHS gave it, never guessed to be the time limit.
    """
    if model_status == "kOptimal":
        return ("optimal", None) if has_solution else ("no solution", "HiGHS: optimal but without a solution")
    if model_status == "kInfeasible":
        return "infeasible", None
    if model_status == "kUnbounded":
        return "unbounded", None
    if model_status == "kUnboundedOrInfeasible":
        # hubopt's models are bounded (every objective term is bounded below when minimising, above when
        # maximising), so "unbounded or infeasible" is infeasible.
        return "infeasible", None
    reason = STOPS.get(model_status, f"HiGHS with status {model_status}")
    return ("feasible" if has_solution else "no solution"), reason


def _status_name(status: object) -> str:
    return str(status).rsplit(".", 1)[-1]


INF = highspy.kHighsInf


@dataclass
class HighsOutcome:
    """What one HiGHS run achieved.

    Attributes
    ----------
    status : str
        "optimal", "feasible", "infeasible", "unbounded" or "no solution" (as in :class:`SolveReport`).
    stopped_by : str or None
        Why a run with a solution stopped before proving optimality.
    objective, bound : float or None
        Objective of the solution, and the best bound on the optimum (in the model's own sense).
    x : numpy.ndarray or None
        Column values of the solution.
    row_dual, col_dual : numpy.ndarray or None
        Duals and reduced costs (LPs solved to optimality only).
    seconds : float
        Wall-clock seconds, hand-over included.
    model_status : str
        HiGHS's own status name, e.g. "kTimeLimit".
    """

    status: str
    stopped_by: str | None
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    seconds: float
    model_status: str


def _bounds(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.where(np.isposinf(v), INF, np.where(np.isneginf(v), -INF, v))


class HighsModel:
    """A HiGHS instance holding one model, which may grow (columns, rows) and be re-solved from the last basis.

    Parameters
    ----------
    cost : numpy.ndarray, shape (n_cols,)
        Objective coefficients.
    matrix : scipy.sparse matrix, shape (n_rows, n_cols)
        Constraint matrix (converted to CSC).
    col_lower, col_upper, row_lower, row_upper : numpy.ndarray
        Bounds (``numpy.inf`` for none).
    integer : numpy.ndarray of bool, optional
        Which columns are integer; none when omitted (an LP).
    maximize : bool
        Maximise instead of minimise.
    msg : bool
        Show HiGHS's log.
    options : dict, optional
        Further HiGHS options.
    """

    def __init__(
        self,
        cost: np.ndarray,
        matrix: sparse.spmatrix | sparse.sparray,
        col_lower: np.ndarray,
        col_upper: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        *,
        integer: np.ndarray | None = None,
        maximize: bool = False,
        msg: bool = False,
        options: dict[str, HighsOptionValue] | None = None,
    ) -> None:
        a = sparse.csc_matrix(matrix)
        n_rows, n_cols = a.shape
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        self.cost = np.asarray(cost, dtype=float)
        lp.col_cost_ = self.cost
        lp.col_lower_ = _bounds(col_lower)
        lp.col_upper_ = _bounds(col_upper)
        lp.row_lower_ = _bounds(row_lower)
        lp.row_upper_ = _bounds(row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        lp.a_matrix_.num_col_ = n_cols
        lp.a_matrix_.num_row_ = n_rows
        self.is_mip = integer is not None and bool(np.any(integer))
        if self.is_mip:
            assert integer is not None
            kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
            lp.integrality_ = [kinds[int(flag)] for flag in integer]
        if maximize:
            lp.sense_ = highspy.ObjSense.kMaximize
        self.highs = new_highs(msg)
        for key, value in (options or {}).items():
            self.highs.setOptionValue(key, value)
        self.highs.passModel(lp)

    def add_columns(
        self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, columns: sparse.spmatrix | sparse.sparray
    ) -> None:
        """Append columns (``columns`` has one column per new variable, rows as in the model)."""
        a = sparse.csc_matrix(columns)
        self.cost = np.concatenate([self.cost, np.asarray(cost, dtype=float)])
        self.highs.addCols(
            a.shape[1], np.asarray(cost, dtype=float), _bounds(lower), _bounds(upper), a.nnz,
            a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
        )  # fmt: skip

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, rows: sparse.spmatrix | sparse.sparray) -> None:
        """Append rows (``rows`` has one row per new constraint, columns as in the model)."""
        a = sparse.csr_matrix(rows)
        self.highs.addRows(
            a.shape[0], _bounds(lower), _bounds(upper), a.nnz,
            a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
        )  # fmt: skip

    def run(
        self, *, time_limit: float | None = None, mip_gap: float = 0.0, start: np.ndarray | None = None
    ) -> HighsOutcome:
        """Solve (again) and read the outcome.

        Parameters
        ----------
        time_limit : float, optional
            Seconds.
        mip_gap : float
            Relative gap at which the MIP stops (0: prove optimality; the absolute gap is then 0 too).
        start : numpy.ndarray, optional
            A feasible solution (column values) to start the MIP from.
        """
        t0 = time.perf_counter()
        h = self.highs
        # HiGHS compares its time limit with its run clock, which adds up over every run of this instance: a
        # re-solve (the LP pricing rounds) gets the time already spent plus the time it may still take.
        h.setOptionValue("time_limit", h.getRunTime() + max(time_limit, 1e-3) if time_limit is not None else INF)
        if self.is_mip:
            h.setOptionValue("mip_rel_gap", float(mip_gap))
            h.setOptionValue("mip_abs_gap", 0.0 if mip_gap == 0 else 1e-6)
            if start is not None:
                sol = highspy.HighsSolution()
                sol.col_value = np.asarray(start, dtype=float)
                sol.value_valid = True
                h.setSolution(sol)
        h.run()
        model_status = _status_name(h.getModelStatus())
        info = h.getInfo()
        has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
        status, stopped_by = verdict(model_status, has_solution)
        x = row_dual = col_dual = None
        objective = bound = None
        if status in ("optimal", "feasible"):
            solution = h.getSolution()
            x = np.asarray(solution.col_value, dtype=float)
            objective = float(info.objective_function_value)
            if self.is_mip:
                # The objective of the solution itself. HiGHS (1.16) given a start that presolve reduces reports
                # its objective and its bound in the presolved space, without the cost of the columns presolve
                # fixed (West Kent's set cover: 3 for 6 hubs). Both miss the same constant, so HiGHS's proven gap
                # (objective - bound) holds, shifted to the solution's true cost.
                actual = float(self.cost @ x)
                raw = float(info.mip_dual_bound)
                bound = raw + (actual - objective) if math.isfinite(raw) else None
                objective = actual
            elif status == "optimal":
                bound = objective
                if solution.dual_valid:
                    row_dual = np.asarray(solution.row_dual, dtype=float)
                    col_dual = np.asarray(solution.col_dual, dtype=float)
        return HighsOutcome(
            status=status,
            stopped_by=stopped_by,
            objective=objective,
            bound=bound,
            x=x,
            row_dual=row_dual,
            col_dual=col_dual,
            seconds=time.perf_counter() - t0,
            model_status=model_status,
        )


def run_highs(
    cost: np.ndarray,
    matrix: sparse.spmatrix | sparse.sparray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    integer: np.ndarray | None = None,
    maximize: bool = False,
    time_limit: float | None = None,
    mip_gap: float = 0.0,
    start: np.ndarray | None = None,
    msg: bool = False,
    options: dict[str, HighsOptionValue] | None = None,
) -> HighsOutcome:
    """Solve ``min/max cost @ x`` s.t. ``row_lower <= matrix @ x <= row_upper``, bounds, integrality, once.

    See :class:`HighsModel` for the parameters and :meth:`HighsModel.run` for ``time_limit``, ``mip_gap`` and
    ``start``. The seconds reported include handing the model over.
    """
    t0 = time.perf_counter()
    model = HighsModel(
        cost, matrix, col_lower, col_upper, row_lower, row_upper,
        integer=integer, maximize=maximize, msg=msg, options=options,
    )  # fmt: skip
    out = model.run(time_limit=time_limit, mip_gap=mip_gap, start=start)
    out.seconds = time.perf_counter() - t0
    return out
