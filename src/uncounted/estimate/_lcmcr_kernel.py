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
One sweep updates, in this order (each step draws from the exact full conditional):

1. ``(n0, z_missing) | lambda, pi`` as a block.  With
   ``p0 = sum_k pi_k prod_j (1 - lambda_jk)`` the probability of being missed, and the prior
   ``1/N``, the marginal full conditional of ``n0`` is negative binomial,
   ``p(n0) ∝ C(n + n0 - 1, n0) p0^n0 (1 - p0)^n`` (drawn as a gamma-Poisson mixture), and
   the missing people's classes are ``Multinomial(n0, pi_k prod_j(1 - lambda_jk) / p0)``.
2. ``z_observed | lambda, pi``: for each observed pattern, ``Multinomial(n_c, w_c)`` with
   ``w_ck ∝ pi_k prod_j lambda_jk^x_cj (1 - lambda_jk)^(1 - x_cj)``.
3. ``lambda_jk | z ~ Beta(1 + s_kj, 1 + m_k - s_kj)`` where ``m_k`` is the size of class
   ``k`` (missing people included) and ``s_kj`` how many of them are on list ``j``.
4. Stick-breaking weights ``V_k | z ~ Beta(1 + m_k, alpha + sum_{h>k} m_h)``, ``V_K = 1``.
5. ``alpha | V ~ Gamma(a_alpha + K - 1, rate = b_alpha - sum_{k<K} log(1 - V_k))``.

Multinomial draws are done as sequential conditional binomials that stop as soon as the
count is used up; since the stick-breaking prior puts most people in the first few classes
this usually costs two or three binomial draws per pattern.

Randomness comes from numba's own Mersenne Twister, seeded inside compiled code by
``np.random.seed``: each call of :func:`run_sweeps` reseeds it, so a block of sweeps is a
pure function of its inputs and seed, whatever else runs in the process.

The R package LCMCR (0.4.14) truncates ``N`` at ``21 n`` (it redraws ``n0`` while
``n0 > 20 n``).  This kernel does not, unless ``max_n0 >= 0`` is passed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["init_state", "run_sweeps"]

#: Floor for probabilities whose logarithm is taken.
_TINY = 1e-300


@njit(cache=True, nogil=True)
def _log_gamma(shape: float) -> float:
    """Logarithm of a ``Gamma(shape, 1)`` draw, exact also for tiny shapes.

    For ``shape < 1`` uses ``G_a = G_{a+1} U^{1/a}`` (Marsaglia & Tsang 2000, section 6) on
    the log scale, so the draw cannot underflow to 0.
    """
    if shape >= 1.0:
        return math.log(np.random.gamma(shape, 1.0))
    u = 1.0 - np.random.random()  # in (0, 1]
    return math.log(np.random.gamma(shape + 1.0, 1.0)) + math.log(u) / shape


@njit(cache=True, nogil=True)
def _multinomial_into(
    count: int, weights: np.ndarray, suffix: np.ndarray, out: np.ndarray
) -> None:
    """Split ``count`` among ``len(weights)`` cells with probabilities ∝ ``weights``.

    ``out`` is overwritten.  ``suffix`` is scratch space of the same length.  Sequential
    conditional binomials: cell ``k`` gets ``Binomial(rest, w_k / sum_{h>=k} w_h)``.
    """
    K = weights.shape[0]
    acc = 0.0
    for k in range(K - 1, -1, -1):
        acc += weights[k]
        suffix[k] = acc
    for k in range(K):
        out[k] = 0
    rest = count
    if rest == 1:
        # one person: a single categorical draw
        u = np.random.random() * suffix[0]
        c = 0.0
        for k in range(K):
            c += weights[k]
            if u < c:
                out[k] = 1
                return
        # rounding: give it to the last class with positive weight
        for k in range(K - 1, -1, -1):
            if weights[k] > 0.0:
                out[k] = 1
                return
        out[K - 1] = 1
        return
    for k in range(K - 1):
        if rest == 0:
            return
        if suffix[k] <= 0.0:
            break
        p = weights[k] / suffix[k]
        if p >= 1.0:
            out[k] = rest
            return
        if p > 0.0:
            a = np.random.binomial(rest, p)
            out[k] = a
            rest -= a
    out[K - 1] += rest


@njit(cache=True, nogil=True)
def _sweep(
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
) -> None:
    """One Gibbs sweep; updates ``lam``, ``pi``, ``v``, ``state_f`` and ``state_i`` in place.

    ``state_f = [alpha]``, ``state_i = [n0, redraws]``.
    """
    n_pat, J = patterns.shape
    K = pi.shape[0]

    # q[k, j] = 1 - lambda_jk ; w0_k = pi_k prod_j q_kj
    for k in range(K):
        for j in range(J):
            q[k, j] = 1.0 - lam[k, j]
        m[k] = 0
        for j in range(J):
            s[k, j] = 0

    # ---- 1. (n0, z_missing) ------------------------------------------------------------
    p0 = 0.0
    for k in range(K):
        prod = pi[k]
        for j in range(J):
            prod *= q[k, j]
        w[k] = prod
        p0 += prod
    if p0 > 0.0:
        odds = p0 / (1.0 - p0) if p0 < 1.0 else np.inf
        n0 = 0
        while True:
            lam_pois = np.random.gamma(n_obs, 1.0) * odds
            if lam_pois > 1e15:
                # the posterior of N has (numerically) no mass at finite values here;
                # record the event and keep a huge but representable value
                lam_pois = 1e15
                state_i[1] += 1
            n0 = np.random.poisson(lam_pois)
            if max_n0 < 0 or n0 <= max_n0:
                break
            state_i[1] += 1
    else:
        n0 = 0
    state_i[0] = n0
    if n0 > 0:
        _multinomial_into(n0, w, suffix, alloc)
        for k in range(K):
            m[k] += alloc[k]

    # ---- 2. z_observed -----------------------------------------------------------------
    for c in range(n_pat):
        tot = 0.0
        for k in range(K):
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
        _multinomial_into(counts[c], w, suffix, alloc)
        for k in range(K):
            a = alloc[k]
            if a > 0:
                m[k] += a
                for j in range(J):
                    if patterns[c, j]:
                        s[k, j] += a

    # ---- 3. lambda | z -----------------------------------------------------------------
    for k in range(K):
        mk = m[k]
        if mk == 0:
            for j in range(J):
                lam[k, j] = np.random.random()
        else:
            for j in range(J):
                skj = s[k, j]
                lam[k, j] = np.random.beta(1.0 + skj, 1.0 + mk - skj)

    # ---- 4. stick-breaking weights | z ---------------------------------------------------
    # V_k and 1 - V_k are both formed from two gamma draws on the log scale: 1 - V_k is
    # often far below double-precision epsilon (trailing empty classes when alpha is small),
    # and computing it as 1 - V_k would round it to 0 and bias the alpha update.
    alpha = state_f[0]
    tail = 0
    for k in range(K):
        tail += m[k]
    log_remaining = 0.0
    sum_log1mv = 0.0
    for k in range(K - 1):
        tail -= m[k]
        lga = _log_gamma(1.0 + m[k])
        lgb = _log_gamma(alpha + tail)
        mx = max(lga, lgb)
        lsum = mx + math.log(math.exp(lga - mx) + math.exp(lgb - mx))
        log_v = lga - lsum
        log_1mv = lgb - lsum
        v[k] = math.exp(log_v)
        pi[k] = math.exp(log_remaining + log_v)
        log_remaining += log_1mv
        sum_log1mv += log_1mv
    v[K - 1] = 1.0
    pi[K - 1] = math.exp(log_remaining)

    # ---- 5. alpha | V ------------------------------------------------------------------
    rate = b_alpha - sum_log1mv
    state_f[0] = max(np.random.gamma(a_alpha + K - 1, 1.0 / rate), 1e-300)


@njit(cache=True, nogil=True)
def init_state(
    n_obs: int, K: int, J: int, a_alpha: float, b_alpha: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw a starting state from the prior (``n0`` starts at ``n``).

    Returns ``(lam, pi, v, state_f, state_i)`` with shapes ``(K, J)``, ``(K,)``, ``(K,)``,
    ``(1,)`` (``alpha``) and ``(2,)`` (``n0``, number of ``n0`` redraws).
    """
    np.random.seed(seed)
    lam = np.empty((K, J))
    for k in range(K):
        for j in range(J):
            lam[k, j] = np.random.random()
    alpha = np.random.gamma(a_alpha, 1.0 / b_alpha)
    # a prior alpha can be ~1e-30 under Gamma(0.25, 0.25): start from a moderate value
    alpha = min(max(alpha, 0.1), 10.0)
    pi = np.empty(K)
    v = np.empty(K)
    log_remaining = 0.0
    for k in range(K - 1):
        lga = _log_gamma(1.0)
        lgb = _log_gamma(alpha)
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


@njit(cache=True, nogil=True)
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
    empty outputs for warm-up).  Numba's generator is reseeded with ``seed`` first.

    Parameters
    ----------
    patterns : int8 array (n_patterns, J)
        The observed (non-zero) capture patterns.
    counts : int64 array (n_patterns,)
        Number of people with each pattern (all > 0).
    """
    np.random.seed(seed)
    n_pat, J = patterns.shape
    K = pi.shape[0]
    n_obs = 0
    for c in range(n_pat):
        n_obs += counts[c]
    w = np.empty(K)
    suffix = np.empty(K)
    alloc = np.zeros(K, dtype=np.int64)
    m = np.zeros(K, dtype=np.int64)
    s = np.zeros((K, J), dtype=np.int64)
    q = np.empty((K, J))
    slot = 0
    n_out = out_n.shape[0]
    for it in range(n_sweeps):
        _sweep(patterns, counts, n_obs, lam, pi, v, state_f, state_i, a_alpha, b_alpha,
               max_n0, w, suffix, alloc, m, s, q)
        if (it + 1) % thin == 0 and slot < n_out:
            out_n[slot] = n_obs + state_i[0]
            out_alpha[slot] = state_f[0]
            kstar = 0
            for k in range(K):
                if m[k] > 0:
                    kstar += 1
            out_kstar[slot] = kstar
            slot += 1
