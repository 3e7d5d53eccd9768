"""Brent's derivative-free minimiser and root finder (Brent 1973, chs. 4 and 5).

R's ``optimize`` and ``uniroot`` are Brent's ``fmin`` and ``zeroin``.  Rcapture's profile
intervals are defined as *their* output at ``tol = 1e-4``, so we run the same algorithms
with the same tolerances: the iterates, and hence the stored limits, agree to far better
than the tolerance itself.  Written from the algorithm descriptions in R. P. Brent,
*Algorithms for Minimization without Derivatives*, Prentice-Hall, 1973.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["brent_fmin", "brent_zeroin", "RootNotBracketedError"]

_DBL_EPS = 2.220446049250313e-16


class RootNotBracketedError(ValueError):
    """``f(lower)`` and ``f(upper)`` have the same sign."""


def brent_fmin(f: Callable[[float], float], ax: float, bx: float, tol: float) -> float:
    """Minimise ``f`` on ``[ax, bx]`` by golden-section search with parabolic steps."""
    c = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(_DBL_EPS)
    a, b = ax, bx
    v = a + c * (b - a)
    w = x = v
    d = e = 0.0
    fx = f(x)
    fv = fw = fx
    tol3 = tol / 3.0
    while True:
        xm = (a + b) * 0.5
        tol1 = eps * abs(x) + tol3
        t2 = tol1 * 2.0
        if abs(x - xm) <= t2 - (b - a) * 0.5:
            break
        p = q = r = 0.0
        if abs(e) > tol1:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = (q - r) * 2.0
            if q > 0.0:
                p = -p
            else:
                q = -q
            r = e
            e = d
        if abs(p) >= abs(q * 0.5 * r) or p <= q * (a - x) or p >= q * (b - x):
            e = (b - x) if x < xm else (a - x)
            d = c * e
        else:
            d = p / q
            u = x + d
            if u - a < t2 or b - u < t2:
                d = tol1
                if x >= xm:
                    d = -d
        if abs(d) >= tol1:
            u = x + d
        elif d > 0.0:
            u = x + tol1
        else:
            u = x - tol1
        fu = f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv = w, fw
                w, fw = u, fu
            elif fu <= fv or v in (x, w):
                v, fv = u, fu
    return x


def brent_zeroin(
    f: Callable[[float], float],
    ax: float,
    bx: float,
    tol: float,
    maxiter: int = 1000,
    fa: float | None = None,
    fb: float | None = None,
) -> float:
    """A root of ``f`` in ``[ax, bx]`` by Brent's bisection / secant / inverse-quadratic method.

    Raises
    ------
    RootNotBracketedError
        If ``f(ax)`` and ``f(bx)`` have the same sign (as R's ``uniroot`` does).
    """
    a, b = ax, bx
    fa = f(a) if fa is None else fa
    fb = f(b) if fb is None else fb
    if not (math.isfinite(fa) and math.isfinite(fb)):
        raise RootNotBracketedError("f is not finite at an end point")
    if fa * fb > 0:
        raise RootNotBracketedError("f() values at end points not of opposite sign")
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _DBL_EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b
