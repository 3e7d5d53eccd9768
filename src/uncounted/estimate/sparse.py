"""Sparse-table log-linear MSE: existence/identifiability checks and SparseMSE's stepwise fit.

Casualty and trafficking lists are often sparse: some pairs of lists share nobody, many
cells are zero.  The Poisson MLE of a log-linear model then may not exist (a parameter runs
off to minus infinity) or may not be identifiable (the design loses rank on the cells that
carry information).  Chan, Silverman & Vincent (2021, *JASA* 116, 1297-1306; arXiv
1902.05156) show how to handle this:

* A two-list parameter whose lists do not overlap is fixed at minus infinity ("extended"
  MLE): the cells containing both lists are removed and the parameter dropped.
* The MLE of the rest exists iff the observed sufficient statistics lie in the *relative
  interior* of the marginal cone, tested by a linear programme (Fienberg & Rinaldo 2012):
  maximise ``s`` subject to ``A x = A y``, ``x >= s``, ``x >= 0``; the MLE exists iff
  ``s* > 0``, i.e. some strictly positive table has the same margins as the data.
* The design must have full column rank on the remaining cells (identifiability).

Models are then chosen stepwise: starting from main effects, add the two-list parameter
whose observed overlap is least compatible (two-sided Poisson p-value) with the current
fit, if that p-value is below ``pthresh`` and the enlarged model passes both checks.  The
interval is the model-conditional Wald interval on the log dark figure,
``n + exp(b0 +- z se(b0))``, or a BCa bootstrap (DiCiccio & Efron 1996) with multinomial
resampling of the observed histories and jackknife acceleration, re-selecting the model in
every replicate as SparseMSE's ``estimatepopulation`` does.
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from uncounted.estimate.glm import PoissonFit, fit_poisson_glm
from uncounted.estimate.heterogeneity import observable_patterns
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import (
    RANDOM_STATE,
    EstimateResult,
    Estimator,
    Interval,
    Options,
    Predicate,
    build_provenance,
)
from uncounted.exceptions import EstimationWarning, InputError, NotEstimableError

__all__ = [
    "SparseMSE",
    "SparseFit",
    "check_identifiability",
    "lp_interior_slack",
    "mle_exists",
    "mle_exists_primal",
    "sparse_modelfit",
    "stepwise_fit",
    "bca_interval",
]

logger = logging.getLogger(__name__)

Pair = tuple[int, int]

#: error codes of :func:`check_identifiability` (as SparseMSE's ``checkident``)
OK, NOT_EXIST, NOT_IDENTIFIABLE = 0, 1, 2


def lp_interior_slack(A: np.ndarray, t: np.ndarray) -> float:
    """Largest ``s`` with ``A x = t``, ``x >= s``, ``x >= 0`` (Fienberg & Rinaldo 2012).

    ``A`` is parameters x cells (the transposed design), ``t = A y`` the sufficient
    statistics.  A positive value means a strictly positive table reproduces the margins,
    so the Poisson MLE exists.
    """
    npar, nobs = A.shape
    c = np.zeros(nobs + 1)
    c[-1] = -1.0  # maximise s
    A_eq = np.hstack([A, np.zeros((npar, 1))])
    A_ub = np.hstack([-np.eye(nobs), np.ones((nobs, 1))])  # s - x_i <= 0
    b_ub = np.zeros(nobs)
    bounds = [(0, None)] * nobs + [(0, None)]
    res = optimize.linprog(
        c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=t, bounds=bounds, method="highs"
    )
    if res.status != 0:
        if res.status == 3:  # unbounded: any s works
            return math.inf
        return 0.0
    return float(-res.fun)


def mle_exists(X: np.ndarray, y: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether the Poisson log-linear MLE for design ``X`` (cells x params) exists.

    Uses the dual of the Fienberg-Rinaldo programme (Haberman 1974, Thm 2.2): the MLE
    fails to exist iff some direction ``c`` in parameter space keeps every positive cell's
    linear predictor fixed (``X_P c = 0``) and lowers no zero cell's... rather, lowers some
    zero cell without raising any (``X_Z c <= 0``, not all 0).  Writing ``c = N z`` with
    ``N`` a basis of the null space of ``X_P`` leaves a small LP in ``z``:
    minimise ``sum(X_Z N z)`` subject to ``-1 <= X_Z N z <= 0``; the MLE exists iff the
    minimum is 0.  Much smaller than the primal (one variable per cell) on large tables;
    :func:`lp_interior_slack` gives the same answer (tested).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    pos = y > 0
    if pos.all():
        return True
    XP, XZ = X[pos], X[~pos]
    if XP.shape[0] == 0:
        return False
    N = linalg.null_space(XP)
    if N.shape[1] == 0:
        return True
    B = XZ @ N
    B[np.abs(B) < 1e-12] = 0.0
    if not np.any(B):
        return True
    res = optimize.linprog(
        B.sum(axis=0),
        A_ub=np.vstack([B, -B]),
        b_ub=np.concatenate([np.zeros(len(B)), np.ones(len(B))]),
        bounds=[(None, None)] * B.shape[1],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the programme is bounded and feasible (z = 0)
        return mle_exists_primal(X, y, tol)
    return bool(res.fun > -1e-7)


def mle_exists_primal(X: np.ndarray, y: np.ndarray, tol: float = 1e-9) -> bool:
    """:func:`mle_exists` by SparseMSE's primal LP (:func:`lp_interior_slack`)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    s = lp_interior_slack(X.T, X.T @ y)
    return s > tol * max(1.0, float(y.sum()))


@dataclass(frozen=True)
class _Model:
    """Cells, design and bookkeeping of one SparseMSE model."""

    patterns: np.ndarray  # cells kept (rows of the full observable table)
    y: np.ndarray
    X: np.ndarray
    pairs: tuple[Pair, ...]  # pairs with overlap, as design columns
    empty: tuple[Pair, ...]  # pairs in the model without overlap (fixed at -inf)


def _build(h: CaptureHistories, pairs: Sequence[Pair]) -> _Model:
    k = h.k
    pats = observable_patterns(k)
    y = h.cell_counts().astype(float)
    keep = np.ones(len(y), dtype=bool)
    with_overlap: list[Pair] = []
    empty: list[Pair] = []
    for i, j in pairs:
        both = (pats[:, i] == 1) & (pats[:, j] == 1)
        if float(y[both].sum()) == 0.0:
            empty.append((i, j))
            keep &= ~both
        else:
            with_overlap.append((i, j))
    P = pats[keep]
    cols = [np.ones(len(P))] + [P[:, j].astype(float) for j in range(k)]
    cols += [(P[:, i] * P[:, j]).astype(float) for i, j in with_overlap]
    return _Model(P, y[keep], np.column_stack(cols), tuple(with_overlap), tuple(empty))


def check_identifiability(h: CaptureHistories, pairs: Sequence[Pair]) -> int:
    """SparseMSE's ``checkident``: 0 ok, 1 MLE does not exist, 2 not identifiable, 3 both.

    Pairs of lists without overlap are first fixed at minus infinity (their cells removed);
    the LP test of existence and the rank test of identifiability run on what remains
    (Chan, Silverman & Vincent 2021, sec. 2; Fienberg & Rinaldo 2012).
    """
    # Existence and rank depend only on which cells are zero (Haberman 1974), so the answer
    # is cached on the support: bootstrap replicates share few distinct supports.
    support = (h.cell_counts() > 0).tobytes()
    return _check_support(h.k, support, tuple(sorted(pairs)))


@functools.lru_cache(maxsize=65536)
def _check_support(k: int, support: bytes, pairs: tuple[Pair, ...]) -> int:
    pos = np.frombuffer(support, dtype=bool)
    pats = observable_patterns(k)
    h = CaptureHistories(pats[pos], np.ones(int(pos.sum()), dtype=np.int64))
    m = _build(h, pairs)
    rankdef = m.X.shape[1] - int(np.linalg.matrix_rank(m.X))
    exists = mle_exists(m.X, m.y)
    return int(not exists) * NOT_EXIST + int(rankdef > 0) * NOT_IDENTIFIABLE


def describe_check(code: int) -> str:
    """Human-readable reason for a :func:`check_identifiability` code."""
    reasons = []
    if code & NOT_EXIST:
        reasons.append(
            "the maximum likelihood estimate does not exist (a zero-count pattern of the "
            "table forces a parameter to infinity; Fienberg & Rinaldo 2012)"
        )
    if code & NOT_IDENTIFIABLE:
        reasons.append(
            "the model is not identifiable (its design loses rank on the cells that carry "
            "information, e.g. too many non-overlapping lists)"
        )
    return "; ".join(reasons) or "ok"


@dataclass(frozen=True)
class SparseFit:
    """A fitted SparseMSE model."""

    fit: PoissonFit
    pairs: tuple[Pair, ...]
    empty: tuple[Pair, ...]
    n: int
    aic: float
    lists: tuple[str, ...]
    steps: tuple[dict[str, Any], ...] = field(default=())

    @property
    def dark_figure(self) -> float:
        return math.exp(self.fit.intercept)

    @property
    def estimate(self) -> float:
        return self.n + self.dark_figure

    def term_names(self) -> list[str]:
        return [f"{self.lists[i]}:{self.lists[j]}" for i, j in self.pairs]

    def wald(self, quantiles: Sequence[float]) -> np.ndarray:
        """``n + exp(b0 + z_q se(b0))`` for each quantile ``q``."""
        z = stats.norm.ppf(np.asarray(quantiles, dtype=float))
        return np.asarray(
            self.n + np.exp(self.fit.intercept + z * self.fit.intercept_se), dtype=float
        )


def sparse_modelfit(h: CaptureHistories, pairs: Sequence[Pair] = ()) -> SparseFit:
    """Fit main effects plus the given two-list parameters (SparseMSE's ``modelfit``).

    The AIC is increased by 2 per non-overlapping pair in the model, as SparseMSE does, to
    count the parameters fixed at minus infinity.
    """
    m = _build(h, pairs)
    with np.errstate(over="ignore"):
        fit = fit_poisson_glm(m.X, m.y)
    return SparseFit(
        fit=fit,
        pairs=m.pairs,
        empty=m.empty,
        n=h.n_observed,
        aic=fit.aic + 2 * len(m.empty),
        lists=h.lists,
    )


def stepwise_fit(h: CaptureHistories, pthresh: float = 0.02) -> SparseFit:
    """SparseMSE's ``stepwisefit``: add two-list effects by Poisson p-value.

    At each step, for every candidate pair the observed number of people on both lists is
    compared with its Poisson distribution under the current fit; the two-sided p-value is
    ``min(P(X <= obs), P(X >= obs))``.  The smallest p-value below ``pthresh`` whose model
    passes :func:`check_identifiability` is added (ties: first pair in lexicographic
    order).  ``pthresh = 0`` returns main effects only.
    """
    k = h.k
    if pthresh == 0:
        return sparse_modelfit(h, ())
    ints = [(i, j) for i in range(k - 1) for j in range(i + 1, k)]
    pats_obs = h.patterns
    cnt_obs = h.counts.astype(float)
    nstar = np.array([float(cnt_obs[(pats_obs[:, i] == 1) & (pats_obs[:, j] == 1)].sum())
                      for i, j in ints])
    chosen: list[Pair] = []
    included = np.zeros(len(ints), dtype=bool)
    zfit = sparse_modelfit(h, ())
    model = _build(h, ())
    steps: list[dict[str, Any]] = []
    for _ in range(len(ints)):
        mu = zfit.fit.mu
        P = model.patterns
        pval = np.ones(len(ints))
        for jj, (i, j) in enumerate(ints):
            if included[jj]:
                continue
            pstar = float(mu[(P[:, i] == 1) & (P[:, j] == 1)].sum())
            pval[jj] = min(
                float(stats.poisson.cdf(nstar[jj], pstar)),
                float(stats.poisson.sf(nstar[jj] - 1, pstar)),
            )
            if check_identifiability(h, chosen + [(i, j)]) > 0:
                pval[jj] = 1.0
        pmin = float(pval.min())
        if pmin >= pthresh:
            break
        best = int(np.flatnonzero(pval == pmin)[0])
        chosen.append(ints[best])
        included[best] = True
        steps.append({"added": f"{h.lists[ints[best][0]]}:{h.lists[ints[best][1]]}",
                      "p_value": pmin})
        zfit = sparse_modelfit(h, chosen)
        model = _build(h, chosen)
    return SparseFit(
        fit=zfit.fit, pairs=zfit.pairs, empty=zfit.empty, n=zfit.n, aic=zfit.aic,
        lists=zfit.lists, steps=tuple(steps),
    )


def quantile_type8(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Sample quantiles by Hyndman & Fan's type 8 (median-unbiased), as R's ``type = 8``."""
    xs = np.sort(np.asarray(x, dtype=float))
    n = len(xs)
    out = np.empty(len(probs))
    for i, p in enumerate(np.asarray(probs, dtype=float)):
        h = (n + 1.0 / 3.0) * p + 1.0 / 3.0
        lo = math.floor(h)
        if lo < 1:
            out[i] = xs[0]
        elif lo >= n:
            out[i] = xs[-1]
        else:
            out[i] = xs[lo - 1] + (h - lo) * (xs[lo] - xs[lo - 1])
    return out


def bca_interval(
    boot: np.ndarray, estimate: float, ahat: float, alpha: Sequence[float]
) -> np.ndarray:
    """BCa limits (DiCiccio & Efron 1996): bias ``z0`` from the share of replicates below
    the estimate, acceleration ``ahat`` from the jackknife; type-8 quantiles of ``boot``."""
    frac = float(np.mean(boot < estimate))
    z0 = float(stats.norm.ppf(frac))
    za = stats.norm.ppf(np.asarray(alpha, dtype=float))
    za0 = za + z0
    zq = stats.norm.cdf(z0 + za0 / (1 - ahat * za0))
    return quantile_type8(boot, zq)


def _pairs_constraint(value: Any) -> bool:
    if value is None:
        return True
    return all(len(p) == 2 for p in value)


class SparseMSE(Estimator):
    """Log-linear MSE for sparse tables (Chan, Silverman & Vincent 2021; R's SparseMSE).

    Parameters
    ----------
    method : {"stepwise", "main", "fixed"}
        Stepwise selection of two-list effects, main effects only (= Rcapture's Mt), or the
        two-list effects in ``pairs``.
    pthresh : float
        p-value threshold of the stepwise search (SparseMSE's default 0.02).
    pairs : sequence of pairs of list names or indices, optional
        The two-list effects when ``method="fixed"``.
    interval : {"wald", "bca"}
        Model-conditional Wald interval on the log dark figure, or BCa bootstrap with the
        model re-selected in every replicate (slow: ``n_boot`` stepwise searches).
    level : float
        Interval coverage.
    n_boot : int
        Bootstrap replicates for ``interval="bca"``.
    random_state : int, numpy Generator or None
        Seed of the bootstrap.

    Raises
    ------
    NotEstimableError
        In ``fit`` when the requested (fixed) model has no finite or identifiable MLE, with
        the reason.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [Options(("stepwise", "main", "fixed"))],
        "pthresh": [Interval(float, 0.0, 1.0, closed="both")],
        "pairs": [Predicate(_pairs_constraint, "None or a sequence of pairs of lists")],
        "interval": [Options(("wald", "bca"))],
        "level": [Interval(float, 0.0, 1.0, closed="neither")],
        "n_boot": [Interval(int, 10, None, closed="left")],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        method: str = "stepwise",
        pthresh: float = 0.02,
        pairs: Sequence[tuple[Any, Any]] | None = None,
        interval: str = "wald",
        level: float = 0.95,
        n_boot: int = 1000,
        random_state: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.method = method
        self.pthresh = pthresh
        self.pairs = pairs
        self.interval = interval
        self.level = level
        self.n_boot = n_boot
        self.random_state = random_state
        self.progress = progress

    def _resolve_pairs(self, h: CaptureHistories) -> list[Pair]:
        out: list[Pair] = []
        for a, b in self.pairs or ():
            ij = []
            for x in (a, b):
                if isinstance(x, str):
                    if x not in h.lists:
                        raise InputError(f"Unknown list {x!r} in pairs; lists are {list(h.lists)}.")
                    ij.append(h.lists.index(x))
                else:
                    ij.append(int(x))
            i, j = sorted(ij)
            if i == j or j >= h.k:
                raise InputError(f"Invalid pair {(a, b)!r} for {h.k} lists.")
            out.append((i, j))
        return out

    def select(self, h: CaptureHistories) -> SparseFit:
        """The fitted model for a table (no interval)."""
        if self.method == "stepwise":
            return stepwise_fit(h, self.pthresh)
        if self.method == "main":
            return sparse_modelfit(h, ())
        pairs = self._resolve_pairs(h)
        code = check_identifiability(h, pairs)
        if code:
            raise NotEstimableError(
                f"SparseMSE fixed model {pairs}: {describe_check(code)}. Remove the offending "
                "two-list effects or use method='stepwise'."
            )
        return sparse_modelfit(h, pairs)

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        h, dropped = drop_empty_lists(histories)
        check_estimable(h)
        sf = self.select(h)
        a = (1 - self.level) / 2
        msgs = [f"glm: {w}" for w in sf.fit.warnings]
        if dropped:
            msgs.insert(0, f"lists with nobody on them were dropped: {dropped}")
        diag: dict[str, Any] = {
            "terms": sf.term_names(),
            "empty_overlaps": [f"{h.lists[i]}:{h.lists[j]}" for i, j in sf.empty],
            "intercept": sf.fit.intercept,
            "intercept_se": sf.fit.intercept_se,
            "stderr": math.sqrt(sf.dark_figure + sf.dark_figure**2 * sf.fit.cov[0, 0]),
            "deviance": sf.fit.deviance,
            "df": sf.fit.df_resid,
            "aic": sf.aic,
            "dark_figure": sf.dark_figure,
            "steps": list(sf.steps),
        }
        draws = None
        if self.interval == "wald":
            lo, hi = (float(v) for v in sf.wald([a, 1 - a]))
            kind = "wald-log"
        else:
            boot, ahat = self._bootstrap(h, sf.estimate)
            lo, hi = (float(v) for v in bca_interval(boot, sf.estimate, ahat, [a, 1 - a]))
            draws = boot
            kind = "bca"
            diag["ahat"] = ahat
            diag["boot_sd"] = float(np.std(boot, ddof=1))
            diag["n_boot"] = len(boot)
        for w in msgs:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        return EstimateResult(
            method=f"SparseMSE {self.method}",
            estimate=sf.estimate,
            interval=(lo, hi),
            interval_kind=kind,
            level=self.level,
            n_observed=h.n_observed,
            diagnostics=diag,
            warnings=tuple(msgs),
            draws=draws,
            models=None,
            provenance=build_provenance(
                h, self.random_state if isinstance(self.random_state, int) else None,
                {k: v for k, v in self.get_params().items() if k != "progress"},
            ),
        )

    def _bootstrap(self, h: CaptureHistories, estimate: float) -> tuple[np.ndarray, float]:
        rng = np.random.default_rng(self.random_state)
        pats, counts = h.patterns, h.counts
        n = int(counts.sum())
        probs = counts / n
        boot = np.empty(self.n_boot)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b in range(self.n_boot):
                c = rng.multinomial(n, probs)
                boot[b] = self.select(CaptureHistories(pats, c, h.lists)).estimate
                if self.progress is not None:
                    self.progress(b + 1, self.n_boot + len(counts))
            jack = np.zeros(len(counts))
            for j in range(len(counts)):
                c = counts.copy()
                c[j] -= 1
                keep = c > 0
                jack[j] = self.select(CaptureHistories(pats[keep], c[keep], h.lists)).estimate
        w = counts.astype(float)
        jr = float(np.sum(w * jack) / np.sum(w)) - jack
        ahat = float(np.sum(w * jr**3) / (6 * np.sum(w * jr**2) ** 1.5))
        return boot, ahat


def check_estimable(h: CaptureHistories, min_lists: int = 2) -> None:
    """Refuse tables no log-linear model can use, with the reason.

    Raises
    ------
    NotEstimableError
        If fewer than ``min_lists`` lists hold anyone, or no two lists overlap (then the
        independence model has no information on the unobserved cell).
    """
    sizes = h.list_sizes
    informative = [name for name, s in sizes.items() if 0 < s < h.n_observed]
    if len(informative) < min_lists:
        raise NotEstimableError(
            f"Only {len(informative)} informative list(s) ({informative}); at least "
            f"{min_lists} are needed. A list with nobody, or with everybody, says nothing "
            "about who is missing."
        )
    ov = h.overlap_matrix().to_numpy().copy()
    np.fill_diagonal(ov, 0)
    if ov.sum() == 0:
        raise NotEstimableError(
            "No two lists share anybody, so the overlap that multiple systems estimation "
            "relies on is absent: the number unobserved cannot be estimated. Check the "
            "record linkage or merge lists."
        )


def drop_empty_lists(h: CaptureHistories) -> tuple[CaptureHistories, list[str]]:
    """Remove lists that hold nobody (their main effect would be minus infinity).

    Returns the reduced table and the names dropped; a table that would keep fewer than
    two lists is returned unchanged (the estimability check then refuses it).
    """
    empty = [str(name) for name, s in h.list_sizes.items() if s == 0]
    if not empty or h.k - len(empty) < 2:
        return h, []
    return h.subset([x for x in h.lists if x not in empty]), empty


def stepwise_table(h: CaptureHistories, pthresh: float = 0.02) -> pd.DataFrame:
    """The steps of :func:`stepwise_fit` as a table (term added and its p-value)."""
    return pd.DataFrame(list(stepwise_fit(h, pthresh).steps))
