"""Numba kernel of the Dirichlet-process latent-class capture-recapture sampler (LCMCR).

This module is the *kernel* half of the sampler (one Gibbs sweep, and a loop of sweeps that
records thinned draws); :mod:`uncounted.estimate.lcmcr` is the *driver* (chains, warm-up,
thinning, progress, diagnostics, result object).  Everything here works on plain numpy arrays
so that it can be compiled by numba in ``nopython`` mode.

Model (Manrique-Vallier 2016, *Biometrics* 72(4):1246-1254, section 2)
---------------------------------------------------------------------
Each of the ``N`` people has a capture history ``x_i`` in ``{0,1}^J`` and a latent class
``z_i`` in ``1..K``::

    x_ij | z_i = k   ~ Bernoulli(lambda_jk)                independent over lists j
    z_i              ~ Categorical(pi)
    pi               ~ truncated stick-breaking(alpha, K)  (Ishwaran & James 2001)
    alpha            ~ Gamma(a_alpha, rate = b_alpha)
    lambda_jk        ~ Beta(1, 1)
    p(N)             ∝ 1 / N

Only the ``n`` people with a non-zero history are seen; the ``n0 = N - n`` unseen people
are added by data augmentation.

Gibbs sweep on the frequency table
----------------------------------
Because people with the same history are exchangeable, the sampler never touches individuals:
the ``n_c`` people with observed pattern ``c`` are split among the classes by one
multinomial draw, so the cost of a sweep is O(patterns × K × J), independent of ``n``.
One sweep updates, in this order (each step leaves the posterior invariant):

1. ``(n0, z_missing) | lambda, pi`` as a block.  With
   ``p0 = sum_k pi_k prod_j (1 - lambda_jk)`` the probability of being missed, and the prior
   ``1/N``, the marginal full conditional of ``n0`` is negative binomial,
   ``p(n0) ∝ C(n + n0 - 1, n0) p0^n0 (1 - p0)^n`` (drawn as a gamma-Poisson mixture), and
   the missing people's classes are ``Multinomial(n0, pi_k prod_j(1 - lambda_jk) / p0)``.
2. ``z_observed | lambda, pi``: for each observed pattern, ``Multinomial(n_c, w_c)`` with
   ``w_ck ∝ pi_k prod_j lambda_jk^x_cj (1 - lambda_jk)^(1 - x_cj)``.
3. ``lambda_jk | z ~ Beta(1 + s_kj, 1 + m_k - s_kj)`` where ``m_k`` is the size of class
   ``k`` (missing people included) and ``s_kj`` how many of them are on list ``j``.
4. Label swaps: Metropolis moves exchanging adjacent classes, with ``V`` integrated out
   (see :func:`_label_swaps`; the Gibbs steps alone mix slowly over class orderings).
5. Stick-breaking weights ``V_k | z ~ Beta(1 + m_k, alpha + sum_{h>k} m_h)``, ``V_K = 1``.
6. ``alpha | V ~ Gamma(a_alpha + K - 1, rate = b_alpha - sum_{k<K} log(1 - V_k))``.

Multinomial draws are done as sequential conditional binomials until fewer than 16 people
are left, who are then placed one at a time by a branch-free categorical draw; since the
stick-breaking prior puts most people in the first few classes this usually costs two or
three binomial draws per pattern.

Randomness comes from the kernel's own xoshiro256++ generator (Blackman & Vigna 2021),
whose 4-word state is a local array of each call, seeded by SplitMix64 from the integer
``seed``: each call of :func:`run_sweeps` starts a fresh stream, so a block of sweeps is a
pure function of its inputs and seed, whatever else runs in the process or in other threads.
Chains get distinct seeds from the driver's ``SeedSequence``; with a period of 2^256 - 1,
streams from distinct seeds overlap with negligible probability.  Every sampler below is an
exact method (rejection or inversion); none relies on approximations beyond double rounding.

The R package LCMCR (0.4.14) truncates ``N`` at ``21 n`` (it redraws ``n0`` while
``n0 > 20 n``).  This kernel does not, unless ``max_n0 >= 0`` is passed.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numba import njit

__all__ = ["init_state", "run_sweeps", "seed_state"]

#: Floor for probabilities whose logarithm is taken.
_TINY = 1e-300
#: Weights of all 2^J histories are tabulated once per sweep up to this many lists (and
#: when 2^J <= 4 x the number of observed cells); above, they are computed cell by cell.
_TABLE_MAX_LISTS = 12
#: Floor for alpha.  Posterior mass below it means "one class" just as well, and it keeps
#: ``log(U) / alpha`` (the stick-breaking update of empty classes) finite.
_ALPHA_MIN = 1e-10
#: Below this, w0_k = pi_k prod_j (1 - lambda_jk) is not used as the base of the class
#: weights of observed patterns (it could have underflowed where those weights do not).
_RATIO_MIN_BASE = 1e-250
#: From this many people in a cell, its split is added to the class sizes and list counts a
#: whole row at a time; below, only the classes that got someone (at most that many).
_ROW_UPDATE_FROM = 8
#: Smallest positive double (subnormal): a floor that keeps a uniform draw on (0, t] above 0.
_SMALLEST_POSITIVE = 5e-324


# ---- random numbers -------------------------------------------------------------------
# xoshiro256++ (Blackman & Vigna 2021, "Scrambled linear pseudorandom number generators",
# ACM TOMS 47(4):36), seeded by SplitMix64 (Steele, Lea & Flood 2014) as its authors advise.
# The 4-word state lives in a small uint64 array owned by one chain and passed to every
# sampler below, so the generator is inlined into the kernel (numba's np.random goes through
# a thread-local Mersenne Twister behind a function call: 10 ns a double against 2 ns here).
#
# Numba compiles every jitted function separately and LLVM inlines only the smallest of
# them into their callers, so each call of a small sampler cost a real call with the array
# argument unpacked into 7 words.  The small, hot samplers are therefore inlined at numba's IR level
# (``inline="always"``), which halved the cost of a gamma or binomial draw; the large steps
# are not (inlining them too was no faster and made the first compilation take 150 s).
# ``error_model="numpy"`` drops the division-by-zero checks (no division here relies on
# them; divisors are positive by construction).
#
# ``_nrt=False`` compiles a function without numba's reference counting.  With it on, every
# inlined sampler took and released a reference to the generator's state array: two atomic
# increments (``lock xadd``) per random draw, about a seventh of a kosovo_aggregate sweep.
# Only the three functions that allocate (``seed_state``, ``init_state``, ``run_sweeps``)
# keep it; the arrays they hand down outlive every call below.  (Typed loosely: numba's type
# stubs do not list the option.)
#
# ``fastmath={"contract"}`` lets LLVM fuse ``a * b + c`` into one fused multiply-add: one
# rounding instead of two (never less accurate) and a shorter dependency chain; sweeps on
# kosovo_aggregate measured 2.4% faster (paired, from common chain states, 2026-12-07).  No
# other fast-math flag is set: the kernel relies on NaN and infinity comparisons (e.g.
# ``not tot > 0.0``), and reassociation measured 13% slower.  Fused or not, the draws agree
# to rounding: on eight reference tables, 200,000 sweeps gave the same draws of N as the
# unfused kernel, lambda and alpha within 2.2e-16.  A seeded run on a CPU without FMA
# instructions can still part from one with them after a rounding difference; on one
# machine, runs stay reproducible.
_kernel_jit: Any = functools.partial(
    njit, _nrt=False, cache=True, nogil=True, error_model="numpy", fastmath={"contract"}
)
_ROT_A = np.uint64(23)
_ROT_A_C = np.uint64(41)
_SHIFT_T = np.uint64(17)
_ROT_B = np.uint64(45)
_ROT_B_C = np.uint64(19)
_SH11 = np.uint64(11)
_SH32 = np.uint64(32)
_LOW7 = np.uint64(127)
_SM_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SM_M1 = np.uint64(0xBF58476D1CE4E5B9)
_SM_M2 = np.uint64(0x94D049BB133111EB)
_SH30 = np.uint64(30)
_SH27 = np.uint64(27)
_SH31 = np.uint64(31)
#: 2^-53: a 53-bit integer times this is a double in [0, 1) with every bit random.
_TWO_M53 = 1.0 / 9007199254740992.0


@njit(cache=True, nogil=True, error_model="numpy")
def seed_state(seed: int) -> np.ndarray:
    """The xoshiro256++ state for an integer seed: four SplitMix64 outputs from ``seed``."""
    rs = np.empty(4, dtype=np.uint64)
    x = np.uint64(seed)
    for i in range(4):
        x += _SM_GAMMA
        z = x
        z = (z ^ (z >> _SH30)) * _SM_M1
        z = (z ^ (z >> _SH27)) * _SM_M2
        rs[i] = z ^ (z >> _SH31)
    return rs


@_kernel_jit(inline="always")
def _next(rs: np.ndarray) -> np.uint64:
    """Next 64-bit output of xoshiro256++; advances the state ``rs`` in place."""
    s0 = rs[0]
    s1 = rs[1]
    s2 = rs[2]
    s3 = rs[3]
    t = s0 + s3
    result = ((t << _ROT_A) | (t >> _ROT_A_C)) + s0
    t = s1 << _SHIFT_T
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _ROT_B) | (s3 >> _ROT_B_C)
    rs[0] = s0
    rs[1] = s1
    rs[2] = s2
    rs[3] = s3
    return result


@_kernel_jit(inline="always")
def _uniform(rs: np.ndarray) -> float:
    """Uniform double in ``[0, 1)`` from the top 53 bits of one output."""
    return float(np.int64(_next(rs) >> _SH11)) * _TWO_M53


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables of the 128-layer normal ziggurat (Marsaglia & Tsang 2000, *J. Stat. Softw.* 5(8))."""
    dn = 3.442619855899
    tn = dn
    vn = 9.91256303526217e-3
    m1 = 2147483648.0
    kn = np.zeros(128, dtype=np.int64)
    wn = np.zeros(128)
    fn = np.zeros(128)
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0] = int((dn / q) * m1)
    wn[0] = q / m1
    wn[127] = dn / m1
    fn[0] = 1.0
    fn[127] = math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int((dn / tn) * m1)
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables()
_ZIG_R = 3.442620


@_kernel_jit(inline="always")
def _normal(rs: np.ndarray) -> float:
    """A standard normal draw by the ziggurat method (Marsaglia & Tsang 2000).

    One 64-bit output supplies both the signed 32-bit integer (its top 32 bits) and the
    layer index (its low 7 bits, independent of the former), avoiding the index/value
    correlation of the original single-integer version (Doornik 2005).
    """
    r = _next(rs)
    hz = np.int64(r >> _SH32) - 2147483648
    iz = np.int64(r & _LOW7)
    if abs(hz) < _ZIG_K[iz]:
        return hz * _ZIG_W[iz]
    while True:
        x = hz * _ZIG_W[iz]
        if iz == 0:
            # the tail beyond r (Marsaglia 1964)
            while True:
                x = -math.log(1.0 - _uniform(rs)) / _ZIG_R
                y = -math.log(1.0 - _uniform(rs))
                if y + y >= x * x:
                    break
            return _ZIG_R + x if hz > 0 else -_ZIG_R - x
        if _ZIG_F[iz] + _uniform(rs) * (_ZIG_F[iz - 1] - _ZIG_F[iz]) < math.exp(-0.5 * x * x):
            return x
        r = _next(rs)
        hz = np.int64(r >> _SH32) - 2147483648
        iz = np.int64(r & _LOW7)
        if abs(hz) < _ZIG_K[iz]:
            return hz * _ZIG_W[iz]


@_kernel_jit(inline="always")
def _gamma(rs: np.ndarray, shape: float) -> float:
    """A ``Gamma(shape, 1)`` draw for ``shape >= 1``.

    Marsaglia & Tsang (2000), "A simple method for generating gamma variables", *ACM TOMS*
    26(3):363-372, with their squeeze (most draws cost one normal and one uniform).
    """
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = _normal(rs)
        t = 1.0 + c * x
        if t <= 0.0:
            continue
        t = t * t * t
        u = _uniform(rs)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * t
        if u > 0.0 and math.log(u) < 0.5 * x2 + d * (1.0 - t + math.log(t)):
            return d * t


@_kernel_jit(inline="always")
def _beta(rs: np.ndarray, a: float, b: float) -> float:
    """A ``Beta(a, b)`` draw for ``a, b >= 1`` as ``G_a / (G_a + G_b)``."""
    ga = _gamma(rs, a)
    return ga / (ga + _gamma(rs, b))


@_kernel_jit()
def _log_gamma(rs: np.ndarray, shape: float) -> float:
    """Logarithm of a ``Gamma(shape, 1)`` draw, exact also for tiny shapes.

    For ``shape < 1`` uses ``G_a = G_{a+1} U^{1/a}`` (Marsaglia & Tsang 2000, section 6) on
    the log scale, so the draw cannot underflow to 0.
    """
    if shape >= 1.0:
        return math.log(_gamma(rs, shape))
    u = 1.0 - _uniform(rs)  # in (0, 1]
    return math.log(_gamma(rs, shape + 1.0)) + math.log(u) / shape


@_kernel_jit(inline="always")
def _int_power(x: float, n: int) -> float:
    """``x ** n`` for an integer ``n >= 0`` by repeated squaring, without a branch per bit.

    numba's ``**`` branches on every bit of ``n`` (``if n & 1``), and ``n``, the number of
    people left in a cell, changes from draw to draw.  Here each bit selects the factor (a
    conditional move) instead: with ``**`` in the inversion binomial, kosovo_aggregate's
    sweeps measured 22% slower (paired timing from common chain states, 2026-12-07).
    """
    r = 1.0
    while n:
        r *= x if n & 1 else 1.0
        x *= x
        n >>= 1
    return r


#: The unrolled head of the binomial inversion search covers x < _INV_HEAD.
_INV_HEAD = 12
#: 1 / x for 0 < x < _INV_HEAD (index 0 unused): the head's divisions become multiplications.
_RECIPROCALS = np.array([0.0] + [1.0 / x for x in range(1, _INV_HEAD)])


@_kernel_jit(inline="always")
def _binomial_inversion(rs: np.ndarray, n: int, p: float) -> int:
    """Binomial(n, p) by inversion of the cdf; for small ``n p`` (and ``p <= 1/2``).

    The draw is the number of cdf values ``F(x)`` below the uniform.  The first
    ``_INV_HEAD`` of them are all computed and counted without a branch: a sequential search
    leaves its loop at a random step, a mispredicted branch that cost more than the whole
    arithmetic of the head.  Beyond the head (``n p`` near the 15 where BTRS takes over) the
    search goes on term by term.  Past ``x = n`` the recurrence's factor is zero, so ``F``
    stops growing; a uniform above ``F(n)`` (rounding) ends in the tail's ``x > n`` check.
    """
    u = _uniform(rs)
    if u <= 1.0 - n * p:
        # squeeze: P(X = 0) = (1 - p)^n >= 1 - n p (Bernoulli's inequality), so u lies in
        # the first cell of the cdf without computing it (most draws when n p is tiny)
        return 0
    q = 1.0 - p
    s = p / q
    a = (n + 1) * s
    r = _int_power(q, n)  # P(X = 0)
    f = r  # F(x)
    x = 0
    for t in range(1, _INV_HEAD):
        x += u > f
        r *= a * _RECIPROCALS[t] - s  # P(X = t) = P(X = t - 1) (a / t - s)
        f += r
    x += u > f
    if x < _INV_HEAD:
        return x
    x = _INV_HEAD - 1
    while u > f:
        x += 1
        if x > n:
            return n
        r *= a / x - s
        f += r
    return x


#: log(k!) tabulated for k < _LOG_FACTORIAL_N (64 KB, saves a logarithm per lookup in the
#: exact tests of BTRS and PTRS); ``lgamma`` above.  (With Stirling's series above the table
#: instead, LLVM computed the series' logarithm on every lookup, table hit or not, since it
#: may evaluate a logarithm speculatively; ``lgamma`` is a call it must not hoist.)
_LOG_FACTORIAL_N = 8192
_LOG_FACTORIAL = np.array([math.lgamma(k + 1.0) for k in range(_LOG_FACTORIAL_N)])


@_kernel_jit()
def _log_factorial(k: float) -> float:
    """``log(k!)`` for integer-valued ``k >= 0``: table below 8192, else ``lgamma``."""
    if k < _LOG_FACTORIAL_N:
        return _LOG_FACTORIAL[int(k)]
    return math.lgamma(k + 1.0)


@_kernel_jit(inline="always")
def _binomial_btrs(rs: np.ndarray, n: int, p: float) -> int:
    """Binomial(n, p) for ``n p >= 15``, ``p <= 1/2``: transformed rejection with squeeze.

    Algorithm BTRS of Hörmann (1993), "The generation of binomial random variates",
    *J. Statist. Comput. Simul.* 46:101-110.  The constants of the exact acceptance test
    (two log-factorials and ``log(p / q)``) are computed only when a proposal falls outside
    the squeeze, which happens for roughly one proposal in seven: the draws are the same as
    with eager set-up, only cheaper.
    """
    q = 1.0 - p
    spq = math.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    # squeeze bound v <= v_r = 0.92 - 4.2 / b, multiplied through by b > 0 (no division)
    b_v_r = 0.92 * b - 4.2
    have_h = False
    alpha = 0.0
    lpq = 0.0
    m = 0.0
    h = 0.0
    while True:
        u = _uniform(rs) - 0.5
        v = _uniform(rs)
        us = 0.5 - abs(u)
        if us < 1e-12:
            continue
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v * b <= b_v_r:
            return int(k)
        if not have_h:
            alpha = (2.83 + 5.1 / b) * spq
            lpq = math.log(p / q)
            m = math.floor((n + 1) * p)
            h = _log_factorial(m) + _log_factorial(n - m)
            have_h = True
        lv = math.log(v * alpha / (a / (us * us) + b))
        if lv <= h - _log_factorial(k) - _log_factorial(n - k) + (k - m) * lpq:
            return int(k)


@_kernel_jit(inline="always")
def _binomial(rs: np.ndarray, n: int, p: float) -> int:
    """Exact Binomial(n, p) draw: inversion when ``n min(p, 1-p) < 15``, else BTRS.

    (BTRS is valid from ``n p >= 10``; with the branch-free head of the inversion search,
    inversion measured faster up to about 15.)

    (Written without recursion for ``p > 1/2`` so that numba can inline it.)
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    x = _binomial_inversion(rs, n, pp) if n * pp < 15.0 else _binomial_btrs(rs, n, pp)
    return n - x if flip else x


@_kernel_jit()
def _poisson(rs: np.ndarray, mu: float) -> int:
    """Exact Poisson(mu) draw: inversion below ``mu = 10``, else PTRS.

    PTRS is the transformed rejection method with squeeze of Hörmann (1993), "The
    transformed rejection method for generating Poisson random variables", *Insurance:
    Mathematics and Economics* 12:39-45.
    """
    if mu <= 0.0:
        return 0
    if mu < 10.0:
        emu = math.exp(-mu)
        while True:
            # sequential search of the cdf; P(X > 400) < 1e-300 for mu < 10, so the cut-off
            # (a guard against rounding in u -= p) never binds in practice
            u = _uniform(rs)
            p = emu
            k = 0
            while u > p and k < 400:
                u -= p
                k += 1
                p *= mu / k
            if k < 400:
                return k
    smu = math.sqrt(mu)
    b = 0.931 + 2.53 * smu
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = _uniform(rs) - 0.5
        v = _uniform(rs)
        us = 0.5 - abs(u)
        if us <= 0.0:
            continue  # u = -1/2 exactly: k would be -infinity, rejected below anyway
        k = math.floor((2.0 * a / us + b) * u + mu + 0.43)
        if us >= 0.07 and v <= v_r:
            return int(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if v <= 0.0:
            return int(k)  # log(v) = -infinity passes the test below
        # the exact test's two constant logarithms are taken only here, when the squeeze
        # fails (most draws return above): the same draws, two logarithms fewer
        log_mu = math.log(mu)
        log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
        if (math.log(v) + log_inv_alpha - math.log(a / (us * us) + b)
                <= -mu + k * log_mu - _log_factorial(k)):
            return int(k)


#: Below this many people left to allocate, classes are drawn one person at a time.  With
#: the branch-free categorical draw, 12 to 32 measured alike on kosovo_aggregate and 6 or
#: 64 slower; since the inversion search has had a branch-free head, 16 measured a little
#: faster than 20 on kosovo_aggregate and UKdat.
_CATEGORICAL_BELOW = 16


@_kernel_jit()
def _multinomial_into(
    rs: np.ndarray, count: int, weights: np.ndarray, suffix: np.ndarray, out: np.ndarray
) -> None:
    """Split ``count`` among ``len(weights)`` cells with probabilities ∝ ``weights``.

    ``out`` is overwritten; ``suffix`` (float) is scratch space.  The cells are visited in
    label order (the label swaps keep large classes first, and sorting by weight for every
    pattern measured slower); each gets ``Binomial(rest, w_k / sum of the weights not yet
    visited)`` (the conditional binomial decomposition of the multinomial) until fewer than
    ``_CATEGORICAL_BELOW`` people are left, who are then placed one by one with categorical
    draws by inversion of the cumulative weights.  Both steps are exact.
    """
    K = weights.shape[0]
    acc = 0.0
    for i in range(K - 1, -1, -1):
        out[i] = 0
        acc += weights[i]
        suffix[i] = acc
    rest = count
    i = 0
    while rest >= _CATEGORICAL_BELOW and i < K - 1:
        if suffix[i] <= 0.0:
            break
        a = _binomial(rs, rest, weights[i] / suffix[i])
        out[i] = a
        rest -= a
        i += 1
    if rest == 0:
        return
    if i == K - 1 or suffix[i] <= 0.0:
        # last cell takes the rest (or all remaining weights are zero: degenerate input)
        out[i] += rest
        return
    # one person at a time: the class is the last t with suffix[t] >= y, for y uniform on
    # (0, suffix[i]].  suffix is non-increasing, so this is a count over all K classes, with
    # no branch to mispredict: classes before i all have suffix >= suffix[i] >= y, and a
    # class of zero weight is never the last one counted (y > 0, hence the floor).
    top = suffix[i]
    for _ in range(rest):
        y = max(top * (1.0 - _uniform(rs)), _SMALLEST_POSITIVE)
        cnt = 0
        for t in range(K):
            cnt += suffix[t] >= y
        out[cnt - 1] += 1


@_kernel_jit()
def _sweep(
    rs: np.ndarray,
    patterns: np.ndarray,
    counts: np.ndarray,
    n_obs: int,
    lam: np.ndarray,
    pi: np.ndarray,
    v: np.ndarray,
    state_f: np.ndarray,
    state_i: np.ndarray,
    a_alpha: float,
    b_alpha: float,
    max_n0: int,
    w: np.ndarray,
    suffix: np.ndarray,
    alloc: np.ndarray,
    m: np.ndarray,
    s: np.ndarray,
    q: np.ndarray,
    logv: np.ndarray,
    log1mv: np.ndarray,
    codes: np.ndarray,
    table: np.ndarray,
    w0: np.ndarray,
    ratio: np.ndarray,
    on_start: np.ndarray,
    on_idx: np.ndarray,
) -> None:
    """One Gibbs sweep; updates ``lam``, ``pi``, ``v``, ``state_f`` and ``state_i`` in place.

    ``state_f = [alpha]``, ``state_i = [n0, redraws]``.  ``codes`` holds each pattern as a
    bit mask and ``table`` is scratch space of shape ``(2^J, K)``, or ``(0, K)`` to compute
    the weights pattern by pattern.
    """
    n_pat, J = patterns.shape
    K = pi.shape[0]

    # q[k, j] = 1 - lambda_jk ; w0_k = pi_k prod_j q_kj
    for k in range(K):
        for j in range(J):
            q[k, j] = 1.0 - lam[k, j]
        m[k] = 0
    for j in range(J):
        for k in range(K):
            s[j, k] = 0

    # ---- 1. (n0, z_missing) ------------------------------------------------------------
    p0 = 0.0
    for k in range(K):
        prod = pi[k]
        for j in range(J):
            prod *= q[k, j]
        w[k] = prod
        w0[k] = prod
        p0 += prod
    if p0 > 0.0:
        odds = p0 / (1.0 - p0) if p0 < 1.0 else np.inf
        n0 = 0
        while True:
            lam_pois = _gamma(rs, float(n_obs)) * odds
            if lam_pois > 1e15:
                # the posterior of N has (numerically) no mass at finite values here;
                # record the event and keep a huge but representable value
                lam_pois = 1e15
                state_i[1] += 1
            n0 = _poisson(rs, lam_pois)
            if max_n0 < 0 or n0 <= max_n0:
                break
            state_i[1] += 1
    else:
        n0 = 0
    state_i[0] = n0
    if n0 > 0:
        _multinomial_into(rs, n0, w, suffix, alloc)
        for k in range(K):
            m[k] += alloc[k]

    # ---- 2. z_observed -----------------------------------------------------------------
    use_table = table.shape[0] > 0
    if use_table:
        # few lists: the weights of all 2^J histories at once, by doubling over the lists
        # (table[code, k] with bit j of code = on list j); the factors are multiplied in the
        # same order as below, so the weights are the same numbers, at a fraction of the
        # cost when 2^J is not much larger than the number of observed cells
        for k in range(K):
            table[0, k] = pi[k]
        size = 1
        for j in range(J):
            for code in range(size):
                for k in range(K):
                    base = table[code, k]
                    table[code + size, k] = base * lam[k, j]
                    table[code, k] = base * q[k, j]
            size *= 2
    else:
        # many lists: w_ck = w0_k prod_{j on c} lambda_jk / (1 - lambda_jk), one factor per
        # list the pattern is on (patterns are sparse) instead of one per list; a class whose
        # w0_k is near underflow or has some lambda_jk = 1 is marked (w0_k = -1) and
        # computed factor by factor below
        for k in range(K):
            if not w0[k] >= _RATIO_MIN_BASE:
                w0[k] = -1.0
                continue
            for j in range(J):
                if q[k, j] > 0.0:
                    ratio[k, j] = lam[k, j] / q[k, j]
                else:
                    w0[k] = -1.0
                    break
    for c in range(n_pat):
        tot = 0.0
        if use_table:
            code = codes[c]
            for k in range(K):
                prod = table[code, k]
                w[k] = prod
                tot += prod
        else:
            for k in range(K):
                if w0[k] >= 0.0:
                    prod = w0[k]
                    for t in range(on_start[c], on_start[c + 1]):
                        prod *= ratio[k, on_idx[t]]
                else:
                    prod = pi[k]
                    for j in range(J):
                        if patterns[c, j]:
                            prod *= lam[k, j]
                        else:
                            prod *= q[k, j]
                w[k] = prod
                tot += prod
        if not tot > 0.0:
            # underflow (many lists): recompute on the log scale
            mx = -np.inf
            for k in range(K):
                if pi[k] > 0.0:
                    lp = math.log(pi[k])
                    for j in range(J):
                        if patterns[c, j]:
                            lp += math.log(max(lam[k, j], _TINY))
                        else:
                            lp += math.log(max(q[k, j], _TINY))
                else:
                    lp = -np.inf
                w[k] = lp
                if lp > mx:
                    mx = lp
            for k in range(K):
                w[k] = math.exp(w[k] - mx)
        _multinomial_into(rs, counts[c], w, suffix, alloc)
        if counts[c] >= _ROW_UPDATE_FROM:
            # s is stored list by list (s[j, k]): whole-row adds, with no branch on which
            # classes got people (a mispredicted branch per class on large cells)
            for k in range(K):
                m[k] += alloc[k]
            for t in range(on_start[c], on_start[c + 1]):
                j = on_idx[t]
                for k in range(K):
                    s[j, k] += alloc[k]
        else:
            # a handful of people: at most that many classes to update
            for k in range(K):
                a = alloc[k]
                if a > 0:
                    m[k] += a
                    for t in range(on_start[c], on_start[c + 1]):
                        s[on_idx[t], k] += a

    _update_lambda(rs, lam, m, s)
    _label_swaps(rs, m, lam, state_f[0])
    _update_sticks(rs, pi, v, state_f, m, logv, log1mv, a_alpha, b_alpha)


@_kernel_jit()
def _update_lambda(rs: np.ndarray, lam: np.ndarray, m: np.ndarray, s: np.ndarray) -> None:
    """Step 3: ``lambda_jk | z ~ Beta(1 + s_kj, 1 + m_k - s_kj)`` (uniform for empty classes).

    ``s`` is stored list by list, ``s[j, k]``, so that the sweep adds a cell's allocation to
    it a whole row at a time.

    When ``s_kj`` is 0 or ``m_k`` one shape is 1 and the draw is by inversion (one uniform)
    instead of two gamma draws.
    """
    K, J = lam.shape
    for k in range(K):
        mk = m[k]
        if mk == 0:
            for j in range(J):
                lam[k, j] = _uniform(rs)
        else:
            for j in range(J):
                skj = s[j, k]
                if skj == 0:
                    # Beta(1, b): 1 - U^(1/b) by inversion of the cdf 1 - (1 - x)^b
                    lam[k, j] = -math.expm1(math.log(1.0 - _uniform(rs)) / (1.0 + mk))
                elif skj == mk:
                    # Beta(a, 1): U^(1/a) by inversion of the cdf x^a
                    lam[k, j] = math.exp(math.log(1.0 - _uniform(rs)) / (1.0 + mk))
                else:
                    lam[k, j] = _beta(rs, 1.0 + skj, 1.0 + mk - skj)


@_kernel_jit()
def _log_sb_term(a: float, b: float, alpha: float) -> float:
    """``log B(1 + a, alpha + b)``: one factor of the stick-breaking marginal of the sizes."""
    return math.lgamma(1.0 + a) + math.lgamma(alpha + b) - math.lgamma(1.0 + a + alpha + b)


@_kernel_jit()
def _label_swaps(rs: np.ndarray, m: np.ndarray, lam: np.ndarray, alpha: float) -> None:
    """Step 4: Metropolis swaps of adjacent class labels, with ``V`` integrated out.

    Gibbs updates hardly ever change the order of the classes, yet the order matters under
    the (non-exchangeable) truncated stick-breaking prior: a large class sitting behind
    empty ones, or in the last slot ``K`` (whose ``V_K = 1``), changes the conditional of
    ``alpha``, and chains can stay in such a configuration, with a different ``alpha`` and a
    shifted ``N``, for 10^5 sweeps (seen on NewOrl).  Following the label-switching moves of
    Papaspiliopoulos & Roberts (2008, *Biometrika* 95:169-186) and Hastie, Liverani &
    Richardson (2015, *Stat. Comput.* 25:1023-1037), classes ``j`` and ``j + 1`` swap their
    members and ``lambda`` rows with probability ``min(1, f(m') / f(m))``, where

        f(m) = prod_{k < K} B(1 + m_k, alpha + sum_{h > k} m_h)

    is the probability of the class sizes with the stick-breaking weights integrated out
    (the likelihood is unchanged because ``lambda`` moves with the members).  ``V`` is then
    drawn afresh from its full conditional (step 5), which makes the pair of steps an exact
    collapsed update.  Pairs are visited from the back, so a large class can move forward
    by several places in one sweep.  Swapping two empty classes is a no-op in distribution
    and is skipped.  For ``j + 1 < K`` the ratio reduces to
    ``(alpha + m_{j+1} + t) / (alpha + m_j + t)`` with ``t = sum_{h > j+1} m_h``: moving the
    larger class forward is always accepted.
    """
    K, J = lam.shape
    tail = 0  # sum of m_h for h > j + 1
    for j in range(K - 2, -1, -1):
        a = m[j]
        b = m[j + 1]
        if a == 0 and b == 0:
            continue
        t = float(tail)
        if j + 1 == K - 1:
            # only the factor k = K-2 involves the pair (the last class has no factor)
            log_r = _log_sb_term(b, a, alpha) - _log_sb_term(a, b, alpha)
            accept = log_r >= 0.0 or math.log(1.0 - _uniform(rs)) < log_r
        else:
            # the two factors k = j, j+1 before and after the swap reduce, through
            # Gamma(x + 1) = x Gamma(x), to (alpha + b + t) / (alpha + a + t); accept when
            # U < ratio, compared without logarithms: U (alpha + a + t) < alpha + b + t
            accept = b >= a or (1.0 - _uniform(rs)) * (alpha + a + t) < alpha + b + t
        if accept:
            m[j] = b
            m[j + 1] = a
            for i in range(J):
                x = lam[j, i]
                lam[j, i] = lam[j + 1, i]
                lam[j + 1, i] = x
        tail += m[j + 1]


@_kernel_jit()
def _update_sticks(
    rs: np.ndarray,
    pi: np.ndarray,
    v: np.ndarray,
    state_f: np.ndarray,
    m: np.ndarray,
    logv: np.ndarray,
    log1mv: np.ndarray,
    a_alpha: float,
    b_alpha: float,
) -> None:
    """Steps 5 and 6: ``V | z``, then ``alpha | V``.

    ``logv`` and ``log1mv`` are scratch arrays of length K.
    """
    K = pi.shape[0]
    # V_k and 1 - V_k are both formed from two gamma draws, G_a / (G_a + G_b) and
    # G_b / (G_a + G_b) (neither is computed as 1 minus the other): 1 - V_k is often far
    # below double-precision epsilon (trailing empty classes when alpha is small), and
    # computing it as 1 - V_k would round it to 0 and bias the alpha update.  When a shape
    # is below 1 the gamma draw itself can underflow, so that case stays on the log scale.
    # ``logv`` holds 1 - V_k (linear scale) and ``log1mv`` its logarithm.
    alpha = state_f[0]
    tail = 0
    for k in range(K):
        tail += m[k]
    for k in range(K - 1):
        tail -= m[k]
        b = alpha + tail
        if m[k] == 0:
            # V ~ Beta(1, b): 1 - V = U^(1/b) exactly (inverse cdf), one uniform
            log_1mv = math.log(1.0 - _uniform(rs)) / b
            v[k] = -math.expm1(log_1mv)
            logv[k] = math.exp(log_1mv)
        elif b >= 1.0:
            ga = _gamma(rs, 1.0 + m[k])
            gb = _gamma(rs, b)
            tot = ga + gb
            v[k] = ga / tot
            one_m_v = gb / tot
            logv[k] = one_m_v
            log_1mv = math.log(one_m_v)
        else:
            lga = math.log(_gamma(rs, 1.0 + m[k]))
            lgb = _log_gamma(rs, b)
            mx = max(lga, lgb)
            lsum = mx + math.log(math.exp(lga - mx) + math.exp(lgb - mx))
            v[k] = math.exp(lga - lsum)
            log_1mv = lgb - lsum
            logv[k] = math.exp(log_1mv)
        log1mv[k] = log_1mv
    v[K - 1] = 1.0

    remaining = 1.0
    sum_log1mv = 0.0
    for k in range(K - 1):
        pi[k] = remaining * v[k]
        remaining *= logv[k]
        sum_log1mv += log1mv[k]
    pi[K - 1] = remaining

    # ---- 6. alpha | V ------------------------------------------------------------------
    rate = b_alpha - sum_log1mv
    shape = a_alpha + K - 1
    # (the log scale is needed only below shape 1, where the draw can underflow)
    g = _gamma(rs, shape) if shape >= 1.0 else math.exp(_log_gamma(rs, shape))
    state_f[0] = max(g / rate, _ALPHA_MIN)


@njit(cache=True, nogil=True, error_model="numpy")
def init_state(
    n_obs: int, K: int, J: int, a_alpha: float, b_alpha: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw a random starting state (``n0`` starts at ``n``).

    ``lambda`` is drawn from its Beta(1, 1) prior (so chains start apart, as R-hat needs);
    the class weights from the stick-breaking prior with ``alpha = 1``, which puts most of
    the weight on the first classes.  (Drawing ``alpha`` from its Gamma(0.25, 0.25) prior
    instead can start a chain with a large ``alpha`` and weight on the last class, a
    configuration the sampler can take 10^5 sweeps to leave.)  ``alpha`` itself is redrawn
    from its full conditional at the end of the first sweep.

    Returns ``(lam, pi, v, state_f, state_i)`` with shapes ``(K, J)``, ``(K,)``, ``(K,)``,
    ``(1,)`` (``alpha``) and ``(2,)`` (``n0``, number of ``n0`` redraws).
    """
    rs = seed_state(seed)
    lam = np.empty((K, J))
    for k in range(K):
        for j in range(J):
            lam[k, j] = _uniform(rs)
    alpha = 1.0
    pi = np.empty(K)
    v = np.empty(K)
    log_remaining = 0.0
    for k in range(K - 1):
        lga = _log_gamma(rs, 1.0)
        lgb = _log_gamma(rs, alpha)
        mx = max(lga, lgb)
        lsum = mx + math.log(math.exp(lga - mx) + math.exp(lgb - mx))
        v[k] = math.exp(lga - lsum)
        pi[k] = math.exp(log_remaining + lga - lsum)
        log_remaining += lgb - lsum
    v[K - 1] = 1.0
    pi[K - 1] = math.exp(log_remaining)
    state_f = np.empty(1)
    state_f[0] = alpha
    state_i = np.zeros(2, dtype=np.int64)
    state_i[0] = n_obs
    return lam, pi, v, state_f, state_i


@njit(cache=True, nogil=True, error_model="numpy")
def run_sweeps(
    patterns: np.ndarray,
    counts: np.ndarray,
    lam: np.ndarray,
    pi: np.ndarray,
    v: np.ndarray,
    state_f: np.ndarray,
    state_i: np.ndarray,
    a_alpha: float,
    b_alpha: float,
    max_n0: int,
    n_sweeps: int,
    thin: int,
    seed: int,
    out_n: np.ndarray,
    out_alpha: np.ndarray,
    out_kstar: np.ndarray,
) -> None:
    """Run ``n_sweeps`` sweeps from the given state (updated in place).

    After every ``thin``-th sweep the draw of ``N = n + n0``, ``alpha`` and the number of
    occupied classes ``K*`` is written to the next slot of ``out_n``, ``out_alpha`` and
    ``out_kstar`` (each of length ``n_sweeps // thin``; pass ``thin = n_sweeps + 1`` and
    empty outputs for warm-up).  The generator is seeded afresh from ``seed``.

    Parameters
    ----------
    patterns : int8 array (n_patterns, J)
        The observed (non-zero) capture patterns.
    counts : int64 array (n_patterns,)
        Number of people with each pattern (all > 0).
    """
    rs = seed_state(seed)
    n_pat, J = patterns.shape
    K = pi.shape[0]
    n_obs = 0
    for c in range(n_pat):
        n_obs += counts[c]
    w = np.empty(K)
    suffix = np.empty(K)
    alloc = np.zeros(K, dtype=np.int64)
    m = np.zeros(K, dtype=np.int64)
    s = np.zeros((J, K), dtype=np.int64)
    q = np.empty((K, J))
    logv = np.empty(K)
    log1mv = np.empty(K)
    codes = np.zeros(n_pat, dtype=np.int64)
    if J <= _TABLE_MAX_LISTS and 4 * n_pat >= (1 << J):
        table = np.empty((1 << J, K))
        for c in range(n_pat):
            for j in range(J):
                if patterns[c, j]:
                    codes[c] += 1 << j
    else:
        table = np.empty((0, K))
    w0 = np.empty(K)
    ratio = np.empty((K, J))
    on_start = np.zeros(n_pat + 1, dtype=np.int64)
    for c in range(n_pat):
        on_start[c + 1] = on_start[c]
        for j in range(J):
            if patterns[c, j]:
                on_start[c + 1] += 1
    on_idx = np.empty(on_start[n_pat], dtype=np.int64)
    for c in range(n_pat):
        t = on_start[c]
        for j in range(J):
            if patterns[c, j]:
                on_idx[t] = j
                t += 1
    slot = 0
    n_out = out_n.shape[0]
    for it in range(n_sweeps):
        _sweep(rs, patterns, counts, n_obs, lam, pi, v, state_f, state_i, a_alpha, b_alpha,
               max_n0, w, suffix, alloc, m, s, q, logv, log1mv, codes, table, w0, ratio,
               on_start, on_idx)
        if (it + 1) % thin == 0 and slot < n_out:
            out_n[slot] = n_obs + state_i[0]
            out_alpha[slot] = state_f[0]
            kstar = 0
            for k in range(K):
                if m[k] > 0:
                    kstar += 1
            out_kstar[slot] = kstar
            slot += 1
