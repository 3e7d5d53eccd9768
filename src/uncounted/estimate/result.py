"""Result objects and the estimator base class shared by every MSE method.

Every estimator in :mod:`uncounted.estimate` follows scikit-learn's shape: the constructor
only stores keyword arguments, :meth:`Estimator.fit` validates them (against declared
constraints, so every message reads the same) and returns ``self``, and the fitted result is
a frozen :class:`EstimateResult` in ``result_``.
"""

from __future__ import annotations

import html
import inspect
import json
import logging
import math
import numbers
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from uncounted.estimate.histories import CaptureHistories, as_histories
from uncounted.exceptions import EstimationError, InputError

__all__ = [
    "EstimateResult",
    "Estimator",
    "Interval",
    "Options",
    "build_provenance",
    "json_safe",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- JSON helpers
def json_safe(obj: Any) -> Any:
    """Convert numpy/pandas values (recursively) to plain JSON-serialisable Python.

    Non-finite floats become ``None`` (JSON has no NaN/inf); DataFrames become lists of
    records; arrays become lists.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, pd.DataFrame):
        return [json_safe(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [json_safe(x) for x in obj.tolist()]
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [json_safe(x) for x in obj]
    return str(obj)


def _package_version() -> str:
    try:
        from uncounted import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover - package always importable in practice
        return "unknown"


def build_provenance(
    histories: CaptureHistories | None,
    seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Provenance block of a result: package version, input hash, seed and settings."""
    prov: dict[str, Any] = {
        "package": "uncounted",
        "version": _package_version(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "input_sha256": histories.sha256() if histories is not None else None,
        "lists": list(histories.lists) if histories is not None else None,
        "seed": seed,
        "settings": json_safe(dict(settings or {})),
    }
    prov.update(json_safe(extra))
    return prov


# ---------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class EstimateResult:
    """The outcome of one estimator on one capture-history table.

    Attributes
    ----------
    method : str
        Human-readable method and model, e.g. ``"loglinear Mt"`` or ``"LCMCR K=10"``.
    estimate : float
        Point estimate of the *total* population ``N`` (observed + unobserved).
    interval : tuple of float
        ``(lower, upper)`` interval for ``N`` (either may be ``inf`` / ``nan`` if unbounded
        or not computed).
    interval_kind : str
        ``"profile"``, ``"wald"``, ``"wald-log"``, ``"bca"``, ``"percentile"``,
        ``"posterior"``, ``"none"``, ...
    level : float
        Nominal coverage of ``interval`` (e.g. 0.95).
    n_observed : int
        People observed on at least one list (a hard lower bound for ``N``).
    diagnostics : dict
        Method-specific figures (deviance, AIC, standard error, R-hat, ...).
    warnings : tuple of str
        Statistical trouble found during the fit (also emitted as ``EstimationWarning``).
    draws : numpy.ndarray or None
        Posterior or bootstrap draws of ``N`` (chains x draws for samplers), if any.
    models : pandas.DataFrame or None
        Candidate models with their fit statistics / weights, where a search or average ran.
    provenance : dict
        Package version, ``input_sha256`` of the table, seed and settings.
    """

    method: str
    estimate: float
    interval: tuple[float, float]
    interval_kind: str
    level: float
    n_observed: int
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    draws: np.ndarray | None = None
    models: pd.DataFrame | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def lower(self) -> float:
        """Lower limit of the interval."""
        return float(self.interval[0])

    @property
    def upper(self) -> float:
        """Upper limit of the interval."""
        return float(self.interval[1])

    @property
    def unobserved(self) -> float:
        """Estimated number of people on no list (``N - n``): the "dark figure"."""
        return float(self.estimate) - self.n_observed

    def to_frame(self) -> pd.DataFrame:
        """A one-row numeric tidy frame: ``N, lower, upper, level, n_observed`` plus scalars.

        Only numeric diagnostics are included (as ``diag_<name>`` columns); ``method`` and
        ``interval_kind`` are in the index-free string columns of :meth:`to_dict`, so the
        frame stays numeric and concatenates cleanly across strata or methods.
        """
        row: dict[str, float] = {
            "N": float(self.estimate),
            "lower": float(self.interval[0]),
            "upper": float(self.interval[1]),
            "level": float(self.level),
            "n_observed": float(self.n_observed),
            "unobserved": self.unobserved,
            "n_warnings": float(len(self.warnings)),
        }
        for k, v in self.diagnostics.items():
            if isinstance(v, (numbers.Real, np.bool_)) and not isinstance(v, bool):
                row[f"diag_{k}"] = float(v)
        return pd.DataFrame([row], index=pd.Index([self.method], name="method"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with keys ``N, lower, upper, method, interval_kind, level,
        n_observed, warnings, diagnostics, provenance`` (and ``models`` when present)."""
        out: dict[str, Any] = {
            "N": json_safe(self.estimate),
            "lower": json_safe(self.interval[0]),
            "upper": json_safe(self.interval[1]),
            "method": self.method,
            "interval_kind": self.interval_kind,
            "level": json_safe(self.level),
            "n_observed": int(self.n_observed),
            "warnings": list(self.warnings),
            "diagnostics": json_safe(self.diagnostics),
            "provenance": json_safe(self.provenance),
        }
        if self.models is not None:
            out["models"] = json_safe(self.models.reset_index())
        if self.draws is not None:
            out["n_draws"] = int(np.asarray(self.draws).size)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        pct = f"{100 * self.level:g}%"
        lines = [
            f"{self.method}",
            f"  N = {self.estimate:,.1f}   {pct} {self.interval_kind} interval "
            f"[{_fmt(self.interval[0])}, {_fmt(self.interval[1])}]",
            f"  observed n = {self.n_observed:,}; unobserved = {_fmt(self.unobserved)}",
        ]
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        pct = f"{100 * self.level:g}%"
        rows = [
            ("N", _fmt(self.estimate)),
            (f"{pct} interval ({html.escape(self.interval_kind)})",
             f"{_fmt(self.interval[0])} – {_fmt(self.interval[1])}"),
            ("observed n", f"{self.n_observed:,}"),
        ]
        body = "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows)
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        warn_html = f"<ul class='uncounted-warnings'>{warn}</ul>" if warn else ""
        return (
            f"<div class='uncounted-result'><strong>{html.escape(self.method)}</strong>"
            f"<table>{body}</table>{warn_html}</div>"
        )


def finite(v: Any) -> float | None:
    """``v`` as a float, or None when it is missing or not finite.

    An interval limit is None when it does not exist: a profile-likelihood interval whose
    likelihood never falls far enough has no finite upper limit, and an envelope across
    methods that includes it has none either.
    """
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def format_count(v: Any, missing: str = "–") -> str:
    """A count or an interval limit for people to read (``1,234``), or ``missing`` when there
    is none (see :func:`finite`)."""
    x = finite(v)
    return missing if x is None else f"{x:,.0f}"


def _fmt(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:,.1f}"


# ---------------------------------------------------------------------- constraints
@dataclass(frozen=True)
class Interval:
    """A numeric parameter constraint ``type in [left, right]`` (closed unless told).

    ``right`` may reference the data through the strings ``"k"`` or ``"k-1"`` (number of
    lists), resolved in :meth:`Estimator.fit`.
    """

    type: type
    left: float | None
    right: float | str | None
    closed: str = "both"  # "both", "left", "right", "neither"

    def check(self, value: Any, k: int | None) -> bool:
        if isinstance(value, bool):
            return False
        if self.type is int:
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real):
            return False
        right = self._right(k)
        v = float(value)
        if math.isnan(v):
            return False
        if self.left is not None:
            if self.closed in ("both", "left") and v < self.left:
                return False
            if self.closed in ("right", "neither") and v <= self.left:
                return False
        if right is not None:
            if self.closed in ("both", "right") and v > right:
                return False
            if self.closed in ("left", "neither") and v >= right:
                return False
        return True

    def _right(self, k: int | None) -> float | None:
        if isinstance(self.right, str):
            if k is None:
                return None
            expr = self.right.replace(" ", "")
            if expr == "k":
                return float(k)
            if expr.startswith("k-"):
                return float(k - int(expr[2:]))
            raise ValueError(f"unsupported bound expression {self.right!r}")
        return self.right

    def describe(self, k: int | None) -> str:
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        left = "-inf" if self.left is None else _num(self.left)
        right_v = self._right(k)
        if right_v is None:
            right = "inf" if not isinstance(self.right, str) else str(self.right)
        else:
            right = _num(right_v)
        kind = "an int" if self.type is int else "a float"
        return f"{kind} in {lb}{left}, {right}{rb}"


@dataclass(frozen=True)
class Options:
    """A parameter constraint: one of a fixed set of values."""

    values: tuple[Any, ...]

    def check(self, value: Any, k: int | None) -> bool:
        return any(value is v or (type(value) is type(v) and value == v) for v in self.values)

    def describe(self, k: int | None) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class IsInstance:
    """A parameter constraint: an instance of one of some types."""

    types: tuple[type, ...]
    label: str

    def check(self, value: Any, k: int | None) -> bool:
        return isinstance(value, self.types) and not (
            isinstance(value, bool) and bool not in self.types
        )

    def describe(self, k: int | None) -> str:
        return self.label


@dataclass(frozen=True)
class Predicate:
    """A parameter constraint given by a function (for structured values)."""

    func: Callable[[Any], bool]
    label: str

    def check(self, value: Any, k: int | None) -> bool:
        try:
            return bool(self.func(value))
        except Exception:  # noqa: BLE001 - any failure means "does not satisfy"
            return False

    def describe(self, k: int | None) -> str:
        return self.label


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


Constraint = Interval | Options | IsInstance | Predicate

#: Constraint for ``random_state`` parameters.
RANDOM_STATE: list[Constraint] = [
    Options((None,)),
    IsInstance((numbers.Integral,), "an int"),
    IsInstance((np.random.Generator, np.random.SeedSequence), "a numpy Generator"),
]


# ---------------------------------------------------------------------- estimator
class Estimator:
    """Base class: scikit-learn shaped estimators of population size.

    Subclasses declare ``_parameter_constraints`` (parameter name -> list of constraints, any
    of which may hold), implement :meth:`_fit` returning an :class:`EstimateResult`, and
    store every constructor argument unchanged as an attribute of the same name.

    Examples
    --------
    >>> est = LogLinear(model="Mt").fit(table)        # doctest: +SKIP
    >>> est.estimate_, est.interval_                   # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {}

    result_: EstimateResult

    # -- sklearn-like parameter access
    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments as stored."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Set constructor arguments (validated at the next :meth:`fit`)."""
        valid = set(self._get_param_names())
        for key, value in params.items():
            if key not in valid:
                raise InputError(
                    f"Invalid parameter {key!r} for {type(self).__name__}; "
                    f"valid parameters are {sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def clone(self) -> Estimator:
        """A new unfitted estimator with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name, value in self.get_params().items():
            default = sig.parameters[name].default
            if default is inspect.Parameter.empty or not _same(value, default):
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- validation
    def _validate_params(self, k: int | None = None) -> None:
        """Check every declared constraint; raise one :class:`InputError` listing all problems.

        Messages follow scikit-learn's form:
        ``The 'max_order' parameter must be an int in [1, 4]. Got 0.``
        """
        problems = []
        for name, constraints in self._parameter_constraints.items():
            value = getattr(self, name)
            if any(c.check(value, k) for c in constraints):
                continue
            desc = [c.describe(k) for c in constraints]
            allowed = desc[0] if len(desc) == 1 else ", ".join(desc[:-1]) + " or " + desc[-1]
            problems.append(f"The {name!r} parameter must be {allowed}. Got {value!r}.")
        if problems:
            raise InputError(" ".join(problems))

    # -- fitting
    def fit(self, histories: Any, lists: Sequence[str] | None = None) -> Estimator:
        """Fit to a capture-history table and return ``self``.

        Parameters
        ----------
        histories : CaptureHistories, DataFrame or array
            The table (see :func:`~uncounted.estimate.histories.as_histories`).
        lists : sequence of str, optional
            List names, if ``histories`` does not carry them.
        """
        h = as_histories(histories, lists)
        self._validate_params(h.k)
        self.histories_ = h
        self.result_ = self._fit(h)
        return self

    def _fit(self, histories: CaptureHistories) -> EstimateResult:  # pragma: no cover
        raise NotImplementedError

    def _check_fitted(self) -> EstimateResult:
        res = getattr(self, "result_", None)
        if res is None:
            raise EstimationError(
                f"This {type(self).__name__} is not fitted yet; call fit(histories) first."
            )
        return res

    @property
    def estimate_(self) -> float:
        """Point estimate of the total population N."""
        return self._check_fitted().estimate

    @property
    def interval_(self) -> tuple[float, float]:
        """Interval for N."""
        return self._check_fitted().interval


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except Exception:  # noqa: BLE001
        return False
