"""Every tolerance of the suite, each with its derivation (SciPy/numpy accuracy-data style).

A :class:`Tolerance` is a number plus the rule that produced it and a one-line justification; the
result record stores all three, so a reader can see *why* a comparison passed.

Rules
-----
``exact``
    Symbolic identity: the SymPy residual must simplify to exactly 0.
``ulps(k)``
    Deterministic float64 kernels: relative error at most ``k * eps`` (eps = 2**-52), with ``k``
    justified by the operation count of the kernel (each correctly rounded op contributes <= 1/2 ulp,
    amplified by the condition number of the expression).
``digits(d, dps, confirm_dps)``
    mpmath against mpmath (two independent high-precision computations, e.g. a closed form and an
    ODE solve): each is computed at ``dps`` and confirmed at ``confirm_dps`` digits, so their
    agreement can be required to ``10**-d`` with ``d`` a few digits below ``dps``.
``conditioned(cond, k)``
    A float64 kernel against an mpmath reference: a backward-stable evaluation with ``k`` correctly
    rounded operations has relative error at most ``(k/2) * eps`` in its inputs, amplified by the
    condition number ``cond = max_i |x_i df/dx_i / f|`` of the mathematical function; tolerance
    ``(k + cond) * eps`` (input rounding contributes ``cond * eps/2``, the operations ``k * eps/2``,
    doubled for safety).
``quadrature(estimate)``
    A value obtained by quadrature with an a-posteriori or a-priori error estimate (e.g. the
    trapezoid rule's strip bound, documented in numeric/gaussian.py), plus a rounding floor.
``clt(sigma, n, alpha)``
    Monte Carlo mean of ``n`` i.i.d. samples with standard deviation ``sigma``: two-sided normal
    quantile ``z_{1 - alpha/2} * sigma / sqrt(n)``, ``alpha`` the accepted false-failure rate.
``sd_relative(n)``
    A sample standard deviation of ``n`` samples against a prediction: relative standard error
    ``1/sqrt(2(n-1))`` times the normal quantile.
``first_order(h)``
    Discretization with a first-order method (forward Euler == gradient descent): error ``C h``;
    the deviation of a measured convergence order from 1 is bounded by the relative size of the
    second-order term, ``|p - 1| <= c * h * L`` where ``L`` is the stiffness (largest rate) of the
    flow.
``clt_t(sd, n, alpha, tests)``
    As ``clt`` when the spread is estimated from the same ``n`` samples: Student's t quantile with
    ``n - 1`` degrees of freedom, optional Bonferroni correction over ``tests`` comparisons.
``remainder(bound)``
    A Taylor expansion with an explicitly bounded first neglected term, plus a rounding floor.
``ks(n)``
    The Kolmogorov-Smirnov statistic of n samples against a fully specified distribution: the exact
    Kolmogorov quantile at 1 - alpha (scipy.stats.kstwo).
``poisson_count(mean)``
    A count of rare events with expected number ``mean``: the Poisson upper quantile at 1 - alpha (conservative
    for binomial counts).
``chi2_mean(k)``
    The mean of ``k`` squared standard normal scores (each a deviation divided by its predicted spread):
    one-sided upper limit, the chi^2_k quantile at 1 - alpha divided by k (the CLT limit understates the
    chi^2 tail for small k).
``criterion(value)``
    A stated acceptance criterion of a qualitative claim, where the paper gives no error theory.
``certified(prec)``
    Interval arithmetic (Arb balls, python-flint; verify/certified.py): every recorded quantity is an
    enclosure [lo, hi] that provably contains the exact value (ball arithmetic at ``prec`` bits, rigorous
    quadrature error bounds plus explicit tail bounds, end points rounded outwards to decimal strings);
    a term holds only if its whole interval satisfies the relation.  No tolerance: the value is 0.
``rk4(estimate)``
    Classical RK4 with step-doubling: the error of the fine solution is estimated by
    ``|y_h - y_{h/2}| / 15``; the tolerance is that estimate plus a float64 rounding floor.
``clopper_pearson(x, n, alpha, tests)``
    A binomial proportion (a fraction of independent runs): the exact Clopper-Pearson interval from Beta
    quantiles at level ``1 - alpha/tests``; ``binomial_interval`` returns the interval itself.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from statistics import NormalDist

EPS = 2.0**-52

# The suite's false-failure budget.  A full ``theorycheck verify`` run compares many random statistics
# with their predictions; the probability that any of them fails although the theory is right is
# bounded (union bound / Bonferroni) by ALPHA_FAMILY when each statistical check uses
# ALPHA = ALPHA_FAMILY / STAT_CHECK_BUDGET and splits it further over its own comparisons (the
# ``tests`` argument).  STAT_CHECK_BUDGET is an upper bound on the number of statistical checks the
# registry holds (tests/test_verdicts.py asserts it), not the current count, so adding a check does
# not silently change every tolerance.  A fixed seed either always passes or always fails; the
# budget is what a user gets over seeds.
ALPHA_FAMILY = 1e-3
STAT_CHECK_BUDGET = 400
ALPHA = ALPHA_FAMILY / STAT_CHECK_BUDGET


@dataclass(frozen=True)
class Tolerance:
    value: float
    rule: str
    why: str
    relative: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def exact() -> Tolerance:
    return Tolerance(0.0, "exact", "SymPy residual must simplify to exactly zero", relative=False)


def ulps(k: float, why: str) -> Tolerance:
    return Tolerance(k * EPS, f"ulps({k:g})", why)


def digits(d: int, dps: int, confirm_dps: int, why: str = "") -> Tolerance:
    """Two high-precision computations, each at ``dps`` digits and confirmed at ``confirm_dps``, agree to
    ``10**-d`` (``d <= dps``)."""
    if not (0 < d <= dps < confirm_dps):
        raise ValueError(f"digits: need 0 < d <= dps < confirm_dps, got d={d}, dps={dps}, confirm_dps={confirm_dps}")
    return Tolerance(
        10.0 ** (-d),
        f"digits({d})",
        (why + ": " if why else "")
        + f"references computed at {dps} digits and confirmed at {confirm_dps} digits; required to agree to {d} digits",
    )


def conditioned(cond: float, k: float, why: str = "") -> Tolerance:
    """float64 kernel vs an mpmath reference: ``(k + cond) * eps`` relative (see the module docstring)."""
    if not (cond >= 0 and k > 0) or cond != cond:
        raise ValueError(f"conditioned: need cond >= 0 and k > 0, got cond={cond!r}, k={k!r}")
    return Tolerance((k + cond) * EPS, f"conditioned(cond={cond:.3g}, k={k:g})",
                     (why + ": " if why else "")
                     + f"(k + cond) eps with k = {k:g} rounded operations and condition number {cond:.3g} "
                       "(input rounding amplified by cond, each operation <= eps/2, doubled)")


def quadrature(estimate: float, scale: float = 1.0, k: float = 16.0, why: str = "") -> Tolerance:
    """A quadrature value with error estimate ``estimate`` plus a rounding floor ``k eps scale``."""
    floor = k * EPS * max(abs(scale), 1e-300)
    return Tolerance(estimate + floor, "quadrature",
                     (why + ": " if why else "") + f"quadrature error estimate {estimate:.3g} plus rounding floor "
                     f"{k:g} eps x {scale:.3g}", relative=False)


def z_quantile(alpha: float = ALPHA) -> float:
    return NormalDist().inv_cdf(1 - alpha / 2)


def clt(sigma: float, n: int, alpha: float = ALPHA, bias: float = 0.0, why: str = "", tests: int = 1) -> Tolerance:
    """Two-sided normal-quantile tolerance for a mean of ``n`` samples of known spread ``sigma``;
    ``tests`` > 1 splits ``alpha`` (Bonferroni) over that many comparisons made by one check."""
    alpha = alpha / tests
    z = z_quantile(alpha)
    val = z * sigma / math.sqrt(n) + bias
    text = f"z_(1-{alpha:.3g}/2) = {z:.2f} times sigma/sqrt(n) = {sigma:.3g}/sqrt({n})"
    if tests > 1:
        text += f" (Bonferroni over {tests} comparisons)"
    if bias:
        text += f" plus finite-size bias bound {bias:.3g}"
    return Tolerance(val, f"clt(alpha={alpha:g})", (why + ": " if why else "") + text, relative=False)


def sd_relative(n: int, alpha: float = ALPHA, why: str = "") -> Tolerance:
    """Relative tolerance for a sample standard deviation of ``n`` (near-Gaussian) samples against a
    predicted one: the relative standard error of a sample sd is 1/sqrt(2(n-1))."""
    z = z_quantile(alpha)
    return Tolerance(z / math.sqrt(2 * (n - 1)), f"sd_relative(alpha={alpha:g})",
                     (why + ": " if why else "") + f"z_(1-{alpha:g}/2) = {z:.2f} times 1/sqrt(2(n-1)), n = {n}")


def first_order(h: float, stiffness: float, c: float = 2.0, why: str = "") -> Tolerance:
    val = c * h * stiffness
    return Tolerance(
        val,
        "first_order",
        (why + ": " if why else "")
        + f"|order - 1| <= {c:g} * h * L = {c:g} * {h:.3g} * {stiffness:.3g} "
        "(relative size of the O(h^2) term of forward Euler; c = 2 bounds its Taylor coefficient)",
        relative=False,
    )


def rk4(estimate: float, scale: float, k: float = 64.0, why: str = "") -> Tolerance:
    floor = k * EPS * max(scale, 1e-300)
    return Tolerance(
        estimate + floor,
        "rk4",
        (why + ": " if why else "")
        + f"step-doubling error estimate {estimate:.3g} plus rounding floor {k:g} eps x {scale:.3g}",
        relative=False,
    )


def criterion(value: float, why: str) -> Tolerance:
    """A stated acceptance criterion for a qualitative claim ("a reasonable approximation"), where the
    paper gives no error theory: the number is part of the claim's statement, reported as such."""
    return Tolerance(value, "criterion", why, relative=False)


# ----------------------------------------------------------------------------------------------
# The CLT rule when sigma is *estimated*.
#
# ``clt_t(sd, n, ...)``
#     Mean of ``n`` i.i.d. samples (one per independent random network / seed) whose standard
#     deviation ``sd`` is estimated from the same ``n`` samples: the normal quantile of ``clt`` is
#     replaced by Student's t quantile with ``n - 1`` degrees of freedom (exact for Gaussian
#     samples, and what keeps the false-failure rate at ``alpha`` when ``n`` is 4-16; the normal
#     quantile would understate the tolerance by a factor 2 at n = 8).  ``tests`` > 1 applies a
#     Bonferroni correction when one check compares ``tests`` statistics (e.g. every layer).


@lru_cache(maxsize=256)
def t_quantile(p: float, dof: int) -> float:
    """Quantile of Student's t distribution (``0.5 <= p < 1``), by bisection on the regularized
    incomplete beta function (mpmath, 30 digits); P(T <= t) = 1 - I_{dof/(dof+t^2)}(dof/2, 1/2)/2."""
    import mpmath

    if not (0.5 <= p < 1) or dof < 1:
        raise ValueError(f"t_quantile: need 0.5 <= p < 1 and dof >= 1, got p={p!r}, dof={dof!r}")
    with mpmath.workdps(30):
        tail = mpmath.mpf(1 - p)

        def upper(t):
            return mpmath.betainc(mpmath.mpf(dof) / 2, mpmath.mpf(1) / 2, 0, dof / (dof + t * t), regularized=True) / 2

        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        while upper(hi) > tail:
            hi *= 2
        for _ in range(64):  # 64 halvings of [0, hi]: absolute error hi * 2^-64
            mid = (lo + hi) / 2
            if upper(mid) > tail:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def clt_t(sd: float, n: int, alpha: float = ALPHA, bias: float = 0.0, why: str = "", tests: int = 1) -> Tolerance:
    if n < 2:
        raise ValueError(f"clt_t needs n >= 2 samples to estimate the spread, got n={n}")
    a = alpha / tests
    q = t_quantile(1 - a / 2, n - 1)
    val = q * sd / math.sqrt(n) + bias
    text = (f"t_(1-{a:.3g}/2; {n - 1} dof) = {q:.2f} times sample sd/sqrt(n) = {sd:.3g}/sqrt({n})"
            + (f" (Bonferroni over {tests} comparisons, alpha = {alpha:g})" if tests > 1 else ""))
    if bias:
        text += f" plus finite-size bias bound {bias:.3g}"
    return Tolerance(val, f"clt_t(alpha={alpha:g}, dof={n - 1})", (why + ": " if why else "") + text, relative=False)


# ----------------------------------------------------------------------------------------------
# Deterministic iterations of a smooth map.
#
# ``remainder(bound, ...)``
#     A quantity computed exactly up to rounding from a Taylor expansion whose first neglected
#     term is bounded explicitly (e.g. |P(1 - e) - (1 - P'(1) e)| <= P''(1) e^2 / 2 for a power
#     series P with non-negative coefficients, whose derivatives increase on [0, 1]); the tolerance
#     is that bound plus a float64 rounding floor ``k eps scale``.
def remainder(bound: float, scale: float = 1.0, k: float = 64.0, why: str = "") -> Tolerance:
    floor = k * EPS * max(abs(scale), 1e-300)
    return Tolerance(
        bound + floor,
        "remainder",
        (why + ": " if why else "") + f"first neglected Taylor term {bound:.3g} plus rounding floor {k:g} eps x {scale:.3g}",
        relative=False,
    )


# ----------------------------------------------------------------------------------------------
# Mean of squared standard scores (added by the saxe2013 package; no existing rule covers it).
#
# ``chi2_mean(k, alpha, tests)``
#     The mean of ``k`` independent squared standard normal scores z_i^2 (e.g. (measured - theory) /
#     theory sd) is chi^2_k / k when the spread theory is right; its one-sided upper limit is the
#     chi^2_k quantile at ``1 - alpha/tests`` divided by ``k``.  Exact for normal z, where the ``clt``
#     rule (1 + z sqrt(2/k)) understates the right tail badly at small ``k`` (3.7 instead of 6.0 at
#     k = 6, alpha = 2.5e-6).


@lru_cache(maxsize=256)
def chi2_quantile(p: float, dof: int) -> float:
    """Quantile of the chi^2 distribution with ``dof`` degrees of freedom (``0 < p < 1``): the root of
    ln Q(dof/2, x/2) = ln(1 - p) (regularized upper incomplete gamma function, mpmath at 30 digits), bracketed by
    doubling and found with the Anderson-Bjorck bracketing solver."""
    import mpmath

    if not (0 < p < 1) or dof < 1:
        raise ValueError(f"chi2_quantile: need 0 < p < 1 and dof >= 1, got p={p!r}, dof={dof!r}")
    with mpmath.workdps(30):
        log_tail = mpmath.log(mpmath.mpf(1 - p))

        def excess(x):  # in logs: the tail spans many decades
            return mpmath.log(mpmath.gammainc(mpmath.mpf(dof) / 2, x / 2, mpmath.inf, regularized=True)) - log_tail

        hi = mpmath.mpf(dof)
        while excess(hi) > 0:
            hi *= 2
        return float(mpmath.findroot(excess, (hi / 2 if hi > dof else mpmath.mpf(0), hi), solver="anderson"))


def chi2_mean(k: int, alpha: float = ALPHA, why: str = "", tests: int = 1) -> Tolerance:
    """Upper limit of the mean of ``k`` squared standard normal scores: chi^2_k quantile at 1 - alpha/tests, / k."""
    if k < 1:
        raise ValueError(f"chi2_mean needs k >= 1 scores, got k={k}")
    a = alpha / tests
    q = chi2_quantile(1 - a, k)
    text = (f"chi^2_{k} quantile at 1 - {a:.3g} = {q:.3g}, divided by k = {k} (one-sided)"
            + (f" (Bonferroni over {tests} comparisons, alpha = {alpha:g})" if tests > 1 else ""))
    return Tolerance(q / k, f"chi2_mean(alpha={alpha:g}, k={k})", (why + ": " if why else "") + text, relative=False)


# ----------------------------------------------------------------------------------------------
# Certified (interval) checks.
#
# ``certified(prec)``
#     The verdict of a ``certified`` check follows from rigorous enclosures, not from a tolerance: each
#     recorded interval [lo, hi] contains the exact quantity (Arb ball arithmetic at ``prec`` bits;
#     Gaussian integrals by Arb's rigorous Gauss-Legendre quadrature on a truncated interval plus an explicit
#     tail bound, or closed forms; fixed points by interval Newton, whose contraction N(X) inside X proves
#     a unique root in X), and a relation holds only if it holds for every point of the interval.  Where a
#     float64 value is compared with the enclosure, the float64 error allowance is a separate, stated term
#     (the ``conditioned``/``ulps`` derivation of the precise check it certifies), never a widening.
def certified(prec: int, why: str = "") -> Tolerance:
    if prec < 53:
        raise ValueError(f"certified: working precision {prec} bits is below float64's 53")
    return Tolerance(0.0, f"certified(prec={prec})",
                     (why + ": " if why else "")
                     + f"rigorous enclosures (Arb ball arithmetic at {prec} bits, end points rounded outwards); "
                       "a relation holds only if the whole interval satisfies it (no tolerance)", relative=False)


# ----------------------------------------------------------------------------------------------
# Binomial proportions (added by the yarotsky optimization sections; no existing rule covers them).
#
# ``clopper_pearson(successes, n, alpha, tests)``
#     Exact (Clopper-Pearson) confidence interval for a binomial proportion from ``successes`` out of
#     ``n`` independent trials: the bounds are Beta quantiles, lo = B(alpha/2; x, n - x + 1), hi =
#     B(1 - alpha/2; x + 1, n - x), with lo = 0 at x = 0 and hi = 1 at x = n.  Coverage >= 1 - alpha for
#     every true proportion (conservative), so a printed proportion outside it is evidence against the
#     printed value at level alpha (Bonferroni over ``tests``).  The Tolerance's value is the interval's
#     half-width; ``binomial_interval`` returns (lo, hi) itself.


@lru_cache(maxsize=1024)
def _beta_quantile(p: float, a: float, b: float) -> float:
    """Quantile of Beta(a, b) by bisection on the regularized incomplete beta function (mpmath, 30 digits)."""
    import mpmath

    with mpmath.workdps(30):
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(80):  # absolute error 2^-80
            mid = (lo + hi) / 2
            if mpmath.betainc(a, b, 0, mid, regularized=True) < p:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def binomial_interval(successes: int, n: int, alpha: float = ALPHA, tests: int = 1) -> tuple[float, float]:
    """Clopper-Pearson interval (lo, hi) for ``successes`` out of ``n`` at level 1 - alpha/tests."""
    if not (isinstance(n, int) and n >= 1 and isinstance(successes, int) and 0 <= successes <= n):
        raise ValueError(f"binomial_interval: need integers 0 <= successes <= n, n >= 1; got {successes!r}, {n!r}")
    a = alpha / tests
    lo = 0.0 if successes == 0 else _beta_quantile(a / 2, successes, n - successes + 1)
    hi = 1.0 if successes == n else _beta_quantile(1 - a / 2, successes + 1, n - successes)
    return lo, hi


def clopper_pearson(successes: int, n: int, alpha: float = ALPHA, why: str = "", tests: int = 1) -> Tolerance:
    """The Clopper-Pearson interval of ``successes``/``n`` as a Tolerance (value: half-width; the text
    states the interval)."""
    lo, hi = binomial_interval(successes, n, alpha, tests)
    a = alpha / tests
    text = (f"Clopper-Pearson interval [{lo:.4g}, {hi:.4g}] of {successes}/{n} at confidence 1 - {a:.3g}"
            + (f" (Bonferroni over {tests} comparisons, alpha = {alpha:g})" if tests > 1 else ""))
    return Tolerance((hi - lo) / 2, f"clopper_pearson(alpha={alpha:g})", (why + ": " if why else "") + text,
                     relative=False)


# Goodness of fit of an empirical distribution (added by the li2019 package; no existing rule covers it).
#
# ``ks(n, alpha, tests)``
#     The Kolmogorov-Smirnov statistic D_n = sup_t |F_n(t) - F(t)| of ``n`` i.i.d. samples against a fully
#     specified continuous F (no parameter fitted): its upper limit is the exact quantile of the Kolmogorov
#     distribution of D_n at 1 - alpha/tests (scipy.stats.kstwo, Simard & L'Ecuyer 2011).  One-sided: a
#     statistic above it rejects F at level alpha/tests.
def ks(n: int, alpha: float = ALPHA, why: str = "", tests: int = 1) -> Tolerance:
    from scipy.stats import kstwo

    if n < 1:
        raise ValueError(f"ks needs n >= 1 samples, got n={n}")
    a = alpha / tests
    q = float(kstwo.ppf(1 - a, n))
    text = (f"exact Kolmogorov quantile of D_n at 1 - {a:.3g}, n = {n}: {q:.4g} (one-sided)"
            + (f" (Bonferroni over {tests} tests, alpha = {alpha:g})" if tests > 1 else ""))
    return Tolerance(q, f"ks(alpha={alpha:g}, n={n})", (why + ": " if why else "") + text, relative=False)


# ``poisson_count(mean, alpha, tests)`` (added by the li2019 package)
#     A count of rare events (e.g. sample entries beyond a threshold) whose expected number under the hypothesis
#     is ``mean``: upper limit the largest k with P(Poisson(mean) >= k + 1) <= alpha/tests, i.e. a count above the
#     limit rejects the hypothesis at level alpha/tests.  For a Binomial(N, p) count with N p = mean the Poisson
#     tail is the larger one for k >= N p + 1 (Anderson & Samuels 1967), so the limit is conservative.
def poisson_count(mean: float, alpha: float = ALPHA, why: str = "", tests: int = 1) -> Tolerance:
    from scipy.stats import poisson

    if not mean >= 0:
        raise ValueError(f"poisson_count needs mean >= 0, got {mean!r}")
    a = alpha / tests
    k = 0
    while poisson.sf(k, mean) > a:  # sf(k) = P(X >= k + 1)
        k += 1
    return Tolerance(float(k), f"poisson_count(alpha={alpha:g}, mean={mean:.3g})",
                     (why + ": " if why else "") + f"largest k with P(Poisson({mean:.3g}) > k) > {a:.3g} is excluded: "
                     f"a count <= {k} is consistent with the hypothesis at level {a:.3g} (Poisson tail >= binomial tail)",
                     relative=False)
