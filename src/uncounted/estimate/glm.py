"""Poisson log-linear GLM by iteratively reweighted least squares (IRLS).

Every log-linear MSE estimator here (Rcapture's models, SparseMSE's stepwise search, our
hierarchical search) fits a Poisson GLM with log link to the ``2**k - 1`` observable cells
and reads the unobserved cell off the intercept (Fienberg 1972; Cormack 1989).  To reproduce
R's numbers to 1e-6 -- including on sparse tables where the MLE sits at the boundary and the
iteration simply stops -- the fit follows the documented behaviour of R's ``glm.fit``
(McCullagh & Nelder 1989, sec. 2.5; R's ``?glm.control``): start at ``mu = y + 0.1``, stop
when ``|dev - dev_old| / (|dev| + 0.1) < 1e-8`` or after 25 iterations, drop columns that
are linearly dependent on earlier ones (coefficient ``NaN``, "aliased"), and report the
unscaled covariance ``(X' W X)^{-1}`` from the last weighted least-squares step.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

__all__ = ["PoissonFit", "fit_poisson_glm", "aliased_columns"]

logger = logging.getLogger(__name__)

_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class PoissonFit:
    """A fitted Poisson log-linear model.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, one per design column (``NaN`` where the column is aliased).
    cov : numpy.ndarray
        Unscaled covariance ``(X' W X)^{-1}`` (rows/columns of aliased coefficients are NaN).
    mu : numpy.ndarray
        Fitted cell means.
    deviance : float
        Poisson deviance ``2 * sum(y log(y/mu) - (y - mu))``.
    df_resid : int
        Cells minus estimated coefficients.
    aic : float
        ``-2 log L + 2 rank`` with the full Poisson log likelihood (as R's ``glm``).
    rank : int
        Number of non-aliased coefficients.
    converged : bool
        Whether the deviance criterion was met within ``maxit`` iterations.
    iterations : int
        IRLS iterations run.
    warnings : tuple of str
        Numerical trouble (non-convergence, fitted rates numerically 0, aliasing).
    """

    coef: np.ndarray
    cov: np.ndarray
    mu: np.ndarray
    deviance: float
    df_resid: int
    aic: float
    rank: int
    converged: bool
    iterations: int
    warnings: tuple[str, ...] = field(default=())

    @property
    def loglik(self) -> float:
        """Poisson log likelihood at the fit."""
        return -(self.aic - 2 * self.rank) / 2

    def bic(self, n: float) -> float:
        """``-2 log L + rank * log(n)``."""
        return -2 * self.loglik + self.rank * math.log(n)

    @property
    def intercept(self) -> float:
        """Coefficient of the first (intercept) column."""
        return float(self.coef[0])

    @property
    def intercept_se(self) -> float:
        """Standard error of the intercept."""
        return float(math.sqrt(self.cov[0, 0]))


def aliased_columns(X: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Boolean mask of columns that are linear combinations of earlier columns.

    Mirrors the limited pivoting of LINPACK ``dqrdc2`` used by R's ``lm``/``glm``: columns
    are taken in order and one whose norm after projection on the kept columns falls below
    ``tol`` times its original norm is set aside.
    """
    n, p = X.shape
    q = np.zeros((n, 0))
    out = np.zeros(p, dtype=bool)
    for j in range(p):
        v = X[:, j].astype(float)
        norm0 = float(np.linalg.norm(v))
        if norm0 == 0.0:
            out[j] = True
            continue
        r = v - q @ (q.T @ v) if q.shape[1] else v
        r = r - q @ (q.T @ r) if q.shape[1] else r  # re-orthogonalise
        nr = float(np.linalg.norm(r))
        if nr < tol * norm0:
            out[j] = True
        else:
            q = np.column_stack([q, r / nr])
    return out


def _dev(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def fit_poisson_glm(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | None = None,
    *,
    tol: float = 1e-8,
    maxit: int = 25,
    start: np.ndarray | None = None,
) -> PoissonFit:
    """Fit ``log E[y] = offset + X beta`` by IRLS, as R's ``glm(family = poisson)`` does.

    Parameters
    ----------
    X : array of shape (m, p)
        Design matrix, intercept column included (first).
    y : array of shape (m,)
        Non-negative responses (need not be integers: profile likelihoods use a fractional
        unobserved cell).
    offset : array of shape (m,), optional
        Known term added to the linear predictor.
    tol, maxit : float, int
        R's ``glm.control`` defaults (``epsilon = 1e-8``, ``maxit = 25``).
    start : array, optional
        Starting coefficients (default: R's ``mustart = y + 0.1``).

    Returns
    -------
    PoissonFit
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    m, p = X.shape
    off = np.zeros(m) if offset is None else np.asarray(offset, dtype=float)
    warns: list[str] = []
    alias = aliased_columns(X)
    if alias.any():
        warns.append("design matrix not of full rank: aliased coefficients set to NaN")
    keep = ~alias
    Xk = X[:, keep]
    eta = (
        off + Xk @ np.asarray(start, dtype=float)[keep] if start is not None else np.log(y + 0.1)
    )
    mu = np.exp(eta)
    dev_old = _dev(y, mu)
    converged = False
    beta = np.zeros(Xk.shape[1])
    w_last = mu
    it = 0
    for it in range(1, maxit + 1):  # noqa: B007 - iteration count is reported
        z = (eta - off) + (y - mu) / mu
        w = mu
        sw = np.sqrt(w)
        beta_new, *_ = np.linalg.lstsq(Xk * sw[:, None], z * sw, rcond=None)
        eta_new = off + Xk @ beta_new
        mu_new = np.exp(eta_new)
        dev = _dev(y, mu_new)
        # R halves the step only if the deviance is not finite
        inner = 0
        while not math.isfinite(dev) and inner < 30:
            beta_new = (beta_new + beta) / 2
            eta_new = off + Xk @ beta_new
            mu_new = np.exp(eta_new)
            dev = _dev(y, mu_new)
            inner += 1
        beta, eta, mu, w_last = beta_new, eta_new, mu_new, w
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            converged = True
            break
        dev_old = dev
    if not converged:
        warns.append("glm.fit: algorithm did not converge")
    if np.any(mu < 10 * _EPS):
        warns.append("glm.fit: fitted rates numerically 0 occurred")
    xtwx = Xk.T @ (Xk * w_last[:, None])
    try:
        cov_k = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError:
        cov_k = np.linalg.pinv(xtwx)
    coef = np.full(p, np.nan)
    coef[keep] = beta
    cov = np.full((p, p), np.nan)
    cov[np.ix_(keep, keep)] = cov_k
    rank = int(keep.sum())
    dev = _dev(y, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        logpmf = np.where(
            mu > 0,
            y * np.log(np.where(mu > 0, mu, 1.0)) - mu - special.gammaln(y + 1),
            np.where(y == 0, 0.0, -np.inf),
        )
    aic = float(-2 * np.sum(logpmf) + 2 * rank)
    return PoissonFit(
        coef=coef,
        cov=cov,
        mu=mu,
        deviance=dev,
        df_resid=m - rank,
        aic=aic,
        rank=rank,
        converged=converged,
        iterations=it,
        warnings=tuple(warns),
    )
