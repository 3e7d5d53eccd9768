"""Rcapture's closed-population log-linear models: M0, Mt, Mh, Mth, Mb and Mbh.

The twelve models of Rcapture's ``closedp.t`` (Baillargeon & Rivest 2007) are Poisson
log-linear models on the ``2**k - 1`` observable capture histories.  Write ``f(w)`` for the
number of lists history ``w`` is on.

* **M0**: ``log mu_w = u + b f(w)`` (one capture probability).
* **Mt**: ``log mu_w = u + sum_j b_j w_j`` (independence of lists; one probability per list).
* **Mh / Mth**: M0 / Mt plus a *heterogeneity* column ``h(f(w))`` (Rivest & Baillargeon
  2007; Darroch et al. 1993; Agresti 1994):

  - Chao (LB): ``max(f - j + 1, 0)`` for ``j = 3..k``.  Its estimate is Chao's (1987)
    lower bound; the ``eta`` coefficients should be >= 0, so with ``neg=True`` negative
    ones are removed one at a time, first one first, refitting each time (as Rcapture).
  - Poisson(theta): ``theta**f - 1`` (theta = 2 by default).
  - Darroch: ``f**2 / 2``.
  - Gamma(theta): ``log(theta) - log(theta + f)`` (theta = 3.5).

* **Mb**: behavioural response (trap happiness / shyness), columns "lists before the first
  capture" and ``f - 1``; **Mbh** adds ``1 - w_1``.  Their abundance is not ``n + exp(u)``
  but a closed form in the coefficients (Rivest & Lévesque 2001).

For all other models ``N = n + exp(u)`` with standard error
``sqrt(exp(u) + exp(2u) var(u))`` (Rivest & Lévesque 2001; Baillargeon & Rivest 2007).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from uncounted.estimate.glm import PoissonFit, fit_poisson_glm
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import (
    EstimateResult,
    Estimator,
    Interval,
    IsInstance,
    Options,
    build_provenance,
)
from uncounted.exceptions import EstimationWarning, InputError, NotEstimableError

__all__ = [
    "CLOSEDP_MODELS",
    "ClosedPopulation",
    "ModelSpec",
    "closedp",
    "fit_closed_model",
    "observable_patterns",
]

logger = logging.getLogger(__name__)

#: The twelve model names of Rcapture's ``closedp.t``, in its order.
CLOSEDP_MODELS: tuple[str, ...] = (
    "M0",
    "Mt",
    "Mh Chao (LB)",
    "Mh Poisson2",
    "Mh Darroch",
    "Mh Gamma3.5",
    "Mth Chao (LB)",
    "Mth Poisson2",
    "Mth Darroch",
    "Mth Gamma3.5",
    "Mb",
    "Mbh",
)


def observable_patterns(k: int) -> np.ndarray:
    """All ``2**k - 1`` observable histories in standard order (row ``i`` = binary ``i+1``)."""
    idx = np.arange(1, 2**k, dtype=np.int64)
    shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
    return np.asarray((idx[:, None] >> shifts[None, :]) & 1, dtype=np.int64)


@dataclass(frozen=True)
class ModelSpec:
    """A closed-population model: base ``M0/Mt/Mh/Mth/Mb/Mbh`` and heterogeneity form."""

    base: str
    heterogeneity: str | None = None
    theta: float | None = None

    _NAMES: ClassVar[dict[str, tuple[str, str | None, float | None]]] = {
        "M0": ("M0", None, None),
        "Mt": ("Mt", None, None),
        "Mb": ("Mb", None, None),
        "Mbh": ("Mbh", None, None),
    }

    @classmethod
    def parse(cls, name: str) -> ModelSpec:
        """Parse an Rcapture model name such as ``"Mth Poisson2"`` or ``"Mh Chao (LB)"``."""
        name = name.strip()
        if name in cls._NAMES:
            b, h, t = cls._NAMES[name]
            return cls(b, h, t)
        parts = name.split(None, 1)
        if len(parts) == 2 and parts[0] in ("Mh", "Mth"):
            rest = parts[1].strip()
            if rest in ("Chao (LB)", "Chao", "LB"):
                return cls(parts[0], "Chao", None)
            if rest == "Darroch":
                return cls(parts[0], "Darroch", None)
            for h in ("Poisson", "Gamma"):
                if rest.startswith(h):
                    tail = rest[len(h):].strip()
                    try:
                        theta = float(tail) if tail else (2.0 if h == "Poisson" else 3.5)
                    except ValueError:
                        break
                    return cls(parts[0], h, theta)
        raise InputError(
            f"Unknown closed-population model {name!r}. Use one of {list(CLOSEDP_MODELS)}, or "
            "'Mh'/'Mth' followed by 'Chao (LB)', 'Darroch', 'Poisson<theta>' or 'Gamma<theta>'."
        )

    @property
    def name(self) -> str:
        if self.heterogeneity is None:
            return self.base
        if self.heterogeneity == "Chao":
            return f"{self.base} Chao (LB)"
        if self.heterogeneity == "Darroch":
            return f"{self.base} Darroch"
        return f"{self.base} {self.heterogeneity}{self.theta:g}"

    def design(self, k: int) -> tuple[np.ndarray, list[str], int]:
        """Design matrix (intercept first), column names, and ``nca`` (non-eta columns)."""
        pats = observable_patterns(k)
        nb = pats.sum(axis=1).astype(float)
        m = pats.shape[0]
        cols: list[np.ndarray] = [np.ones(m)]
        names = ["(Intercept)"]
        if self.base in ("M0", "Mh"):
            cols.append(nb)
            names.append("beta")
        elif self.base in ("Mt", "Mth"):
            for j in range(k):
                cols.append(pats[:, j].astype(float))
                names.append(f"beta{j + 1}")
        elif self.base in ("Mb", "Mbh"):
            before = np.argmax(pats == 1, axis=1).astype(float)
            if self.base == "Mbh":
                cols.append(1.0 - pats[:, 0])
                names.append("eta")
            cols.append(before)
            names.append("beta1")
            cols.append(nb - 1.0)
            names.append("beta2")
        else:  # pragma: no cover - guarded by parse
            raise InputError(f"Unknown base model {self.base!r}")
        nca = len(cols)
        h = self.heterogeneity
        if h == "Chao":
            if k < 3:
                cols.append(np.zeros(m))
                names.append("eta")
            else:
                for j in range(3, k + 1):
                    cols.append(np.maximum(nb - j + 1, 0.0))
                    names.append(f"eta{j}")
        elif h == "Poisson":
            assert self.theta is not None
            cols.append(self.theta**nb - 1.0)
            names.append("tau")
        elif h == "Darroch":
            cols.append(nb**2 / 2.0)
            names.append("tau")
        elif h == "Gamma":
            assert self.theta is not None
            cols.append(np.log(self.theta) - np.log(self.theta + nb))
            names.append("tau")
        return np.column_stack(cols), names, nca


@dataclass(frozen=True)
class ClosedFit:
    """One fitted closed-population model (Poisson GLM) with its abundance estimate."""

    spec: ModelSpec
    fit: PoissonFit
    columns: tuple[str, ...]
    removed_eta: tuple[str, ...]
    n: int
    k: int
    abundance: float
    stderr: float
    bic: float
    design: np.ndarray

    def row(self) -> dict[str, Any]:
        return {
            "model": self.spec.name,
            "abundance": self.abundance,
            "stderr": self.stderr,
            "deviance": self.fit.deviance,
            "df": self.fit.df_resid,
            "AIC": self.fit.aic,
            "BIC": self.bic,
            "converged": self.fit.converged,
            "removed_eta": ",".join(self.removed_eta),
            "warnings": "; ".join(self.fit.warnings),
        }


def chao_negative_eta(
    X: np.ndarray, y: np.ndarray, names: list[str], nca: int, fit: PoissonFit
) -> tuple[np.ndarray, list[str], PoissonFit, list[str]]:
    """Remove negative Chao ``eta`` columns one at a time (first first), refitting each time.

    Rivest & Baillargeon (2007) show the eta parameters of the lower-bound model are >= 0;
    Rcapture's ``neg = TRUE`` enforces that by dropping the first negative one and refitting
    until none is negative.
    """
    removed: list[str] = []
    while True:
        eta = fit.coef[nca:]
        neg = np.where(~np.isnan(eta) & (eta < 0))[0]
        if neg.size == 0:
            break
        pos = nca + int(neg[0])
        X = np.delete(X, pos, axis=1)
        removed.append(names[pos])
        names = names[:pos] + names[pos + 1:]
        fit = fit_poisson_glm(X, y)
    return X, names, fit, removed


def _abundance(spec: ModelSpec, fit: PoissonFit, n: int, k: int) -> tuple[float, float]:
    b = fit.coef
    V = fit.cov
    if spec.base == "Mb":
        e1, e2 = math.exp(b[1]), math.exp(b[2])
        den = 1.0 + e2 - e1
        N = math.exp(b[0]) * (1.0 + e2) ** k / den
        v = N * np.array([1.0, e1 / den, k * e2 / (1.0 + e2) - e2 / den])
        var = float(v @ V @ v) - N
    elif spec.base == "Mbh":
        e3 = math.exp(b[3])
        den = 1.0 + math.exp(b[3]) - math.exp(b[2])
        g = math.exp(b[1] + b[2]) / den
        base = math.exp(b[0]) * (1.0 + e3) ** (k - 1)
        N = base * (1.0 + g)
        v = base * np.array(
            [
                1.0 + g,
                g,
                g + math.exp(b[1] + 2 * b[2]) / den**2,
                (k - 1) * e3 / (1.0 + e3) - math.exp(b[1] + b[2] + b[3]) / den**2,
            ]
        )
        var = float(v @ V @ v) - N
    else:
        e0 = math.exp(b[0])
        N = n + e0
        var = e0 + e0**2 * V[0, 0]
    se = math.sqrt(var) if var >= 0 else float("nan")
    return float(N), se


def fit_closed_model(
    histories: CaptureHistories, model: str | ModelSpec, neg: bool = True
) -> ClosedFit:
    """Fit one Rcapture closed-population model to a capture-history table."""
    spec = model if isinstance(model, ModelSpec) else ModelSpec.parse(model)
    k = histories.k
    if k < 3 and spec.base in ("Mh", "Mth", "Mbh"):
        raise NotEstimableError(
            f"Model {spec.name} needs at least 3 lists; the table has {k}. Use M0, Mt or Mb."
        )
    y = histories.cell_counts().astype(float)
    X, names, nca = spec.design(k)
    with np.errstate(over="ignore"):
        fit = fit_poisson_glm(X, y)
    removed: list[str] = []
    if spec.heterogeneity == "Chao" and neg:
        X, names, fit, removed = chao_negative_eta(X, y, names, nca, fit)
    n = histories.n_observed
    N, se = _abundance(spec, fit, n, k)
    bic = fit.aic - 2 * fit.rank + fit.rank * math.log(n)
    return ClosedFit(
        spec=spec,
        fit=fit,
        columns=tuple(names),
        removed_eta=tuple(removed),
        n=n,
        k=k,
        abundance=N,
        stderr=se,
        bic=bic,
        design=X,
    )


def closedp(histories: CaptureHistories, neg: bool = True) -> pd.DataFrame:
    """All of Rcapture's ``closedp.t`` models, one row each (Baillargeon & Rivest 2007).

    Parameters
    ----------
    histories : CaptureHistories
    neg : bool
        Set negative Chao eta parameters to zero (Rcapture's default).

    Returns
    -------
    pandas.DataFrame
        Indexed by model name, columns ``abundance, stderr, deviance, df, AIC, BIC,
        converged, removed_eta, warnings``.  With two lists only M0, Mt and Mb are fitted.
    """
    names = CLOSEDP_MODELS if histories.k >= 3 else ("M0", "Mt", "Mb")
    rows = [fit_closed_model(histories, m, neg=neg).row() for m in names]
    return pd.DataFrame(rows).set_index("model")


class ClosedPopulation(Estimator):
    """One of Rcapture's closed-population log-linear models, with its interval.

    Parameters
    ----------
    model : str
        ``"M0"``, ``"Mt"``, ``"Mh Chao (LB)"``, ``"Mth Poisson2"``, ``"Mb"``, ... (see
        :data:`CLOSEDP_MODELS`), ``"Mh Poisson<theta>"``/``"Mth Gamma<theta>"`` for other
        theta, or ``"best-aic"`` / ``"best-bic"`` to take the best of the profile-capable
        models (all but Mb and Mbh).
    interval : {"profile", "wald", "none"}
        ``"profile"``: multinomial profile-likelihood interval (Cormack 1992) as Rcapture's
        ``closedpCI.t`` (the multinomial MLE that goes with it is in
        ``diagnostics["estimate_multinomial"]``).  ``"wald"``: the log-normal interval of
        Chao (1987), ``n + (N - n) / C, n + (N - n) C``.  ``"none"``: no interval.  The point
        estimate is always the Poisson ``closedp.t`` abundance.
    level : float
        Interval coverage.
    neg : bool
        Drop negative Chao eta parameters (Rcapture's default ``True``).
    fmax_sup : float
        The profile upper limit is searched up to ``fmax_sup * N`` (Rcapture's
        ``fmaxSupCL``); beyond that it is reported as ``inf`` with a warning.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "model": [IsInstance((str,), "a model name")],
        "interval": [Options(("profile", "wald", "none"))],
        "level": [Interval(float, 0.0, 1.0, closed="neither")],
        "neg": [Options((True, False))],
        "fmax_sup": [Interval(float, 1.0, None, closed="neither")],
    }

    def __init__(
        self,
        model: str = "Mt",
        interval: str = "profile",
        level: float = 0.95,
        neg: bool = True,
        fmax_sup: float = 3.0,
    ) -> None:
        self.model = model
        self.interval = interval
        self.level = level
        self.neg = neg
        self.fmax_sup = fmax_sup

    def _choose(self, h: CaptureHistories) -> tuple[str, pd.DataFrame | None]:
        if self.model not in ("best-aic", "best-bic"):
            return self.model, None
        table = closedp(h, neg=self.neg)
        crit = "AIC" if self.model == "best-aic" else "BIC"
        cand = table.drop(index=[m for m in ("Mb", "Mbh") if m in table.index])
        return str(cand[crit].idxmin()), table

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        from uncounted.estimate.profile import closed_profile_interval

        name, table = self._choose(histories)
        cf = fit_closed_model(histories, name, neg=self.neg)
        if not cf.abundance >= histories.n_observed:
            raise NotEstimableError(
                f"{cf.spec.name} gives N = {cf.abundance:,.1f}, below the {histories.n_observed:,} "
                "people observed: the model does not fit this table (Rcapture flags it with "
                "infoFit). Use another model."
            )
        msgs = [f"{cf.spec.name}: {w}" for w in cf.fit.warnings]
        n = histories.n_observed
        diag: dict[str, Any] = {
            "model": cf.spec.name,
            "estimate_poisson": cf.abundance,
            "stderr": cf.stderr,
            "deviance": cf.fit.deviance,
            "df": cf.fit.df_resid,
            "aic": cf.fit.aic,
            "bic": cf.bic,
            "removed_eta": list(cf.removed_eta),
        }
        if self.interval == "profile":
            if cf.spec.base in ("Mb", "Mbh"):
                raise InputError(
                    f"The profile interval is not available for {cf.spec.name} (as in "
                    "Rcapture's closedpCI). Use interval='wald' or another model."
                )
            prof = closed_profile_interval(
                histories, cf, alpha=1 - self.level, fmax_sup=self.fmax_sup, neg=self.neg
            )
            estimate = cf.abundance
            lo, hi = prof.lower, prof.upper
            diag["estimate_multinomial"] = prof.estimate
            diag["upper_censored"] = prof.upper_censored
            if prof.upper_censored:
                msgs.append(
                    f"profile upper limit is beyond {prof.search_max:,.0f} "
                    f"(fmax_sup={self.fmax_sup:g}); reported as inf"
                )
            if prof.lower_at_n:
                msgs.append("profile lower limit not found above n; reported as n")
            kind = "profile"
        elif self.interval == "wald":
            estimate = cf.abundance
            lo, hi = chao_lognormal_interval(n, cf.abundance, cf.stderr, self.level)
            kind = "wald-log"
        else:
            estimate = cf.abundance
            lo, hi = float("nan"), float("nan")
            kind = "none"
        if cf.fit.df_resid <= 0:
            msgs.append(f"{cf.spec.name} has no residual degrees of freedom")
        for w in msgs:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        return EstimateResult(
            method=f"loglinear {cf.spec.name}",
            estimate=float(estimate),
            interval=(float(lo), float(hi)),
            interval_kind=kind,
            level=self.level,
            n_observed=n,
            diagnostics=diag,
            warnings=tuple(msgs),
            draws=None,
            models=table,
            provenance=build_provenance(histories, None, self.get_params()),
        )


def chao_lognormal_interval(
    n: int, N: float, se: float, level: float = 0.95
) -> tuple[float, float]:
    """Chao's (1987, eq. 12) log-normal interval ``n + (N - n)/C, n + (N - n) C``.

    ``C = exp(z sqrt(log(1 + se**2 / (N - n)**2)))``: it keeps the lower limit above ``n``.
    """
    f0 = N - n
    if not (f0 > 0 and math.isfinite(se)):
        return float(n), float("nan")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    C = math.exp(z * math.sqrt(math.log(1 + se**2 / f0**2)))
    return n + f0 / C, n + f0 * C


def model_table(histories: CaptureHistories, models: Sequence[str]) -> pd.DataFrame:
    """:func:`closedp`-style rows for a chosen set of models."""
    return pd.DataFrame([fit_closed_model(histories, m).row() for m in models]).set_index(
        "model"
    )
