"""High-precision Gaussian expectations in one and two dimensions (mpmath, any working precision).

Method: the trapezoid rule in the *original* variables u ~ N(0, Sigma), with exact Gaussian weights,
which converges geometrically for integrands analytic in a strip (Trefethen & Weideman, "The
exponentially convergent trapezoidal rule", SIAM Review 2014, Sec. 5).  It is preferred here to
Gauss-Hermite, whose error for a function with poles at distance d from the real axis decays only like
exp(-c d sqrt(n)) (the same paper, Sec. 6), and to tanh-sinh (``mpmath.quad``), which does not use the
known strip and costs ~10x more evaluations per digit at 40 digits.

Error rule (documented per call, ``logt = (mp.dps + GUARD) ln 10`` is the target -ln(error)):
for a coordinate with conditional standard deviation sigma (sigma^2 = q (1 - rho^2) in two dimensions,
the variance of u_k given the other coordinate; sigma^2 = q in one dimension) and an integrand factor
analytic for |Im u| < d, shifting the line of integration by i v (0 < v <= d) gives the bound
|error| <~ M exp(v^2 / (2 sigma^2) - 2 pi v / h) (the Gaussian weight grows by exp(v^2/(2 sigma^2))
off the real axis; M bounds the factor on the shifted line).  The step is the largest h for which
one admissible v makes the exponent <= -logt:

    v = d_eff:               h = 2 pi d_eff / (logt + d_eff^2 / (2 sigma^2))
    v = 2 pi sigma^2 / h:    h = pi sigma sqrt(2 / logt)           (admissible when v <= d_eff)

with d_eff = 0.99 d, so that M (|tanh| near its pole grows like 1/distance) costs at most ~2 of the
GUARD digits.  Tails are cut where the Gaussian weight is below exp(-logt): |u| <= sigma_tot
sqrt(2 logt) (the integrands here are bounded, or polynomially bounded with the guard covering the
polynomial).  The sums are accumulated in fixed point with ``mp.prec + 40`` bits (at most n^2 < 2^30
rounding errors of one unit each).  Rounding to the working precision therefore leaves an absolute
error <~ 10^-(dps + GUARD - 3) times max |integrand|; a result much smaller than the integrand's scale
carries fewer *relative* digits, which the significance check of
``verify.formulas.evaluate_mpmath`` detects (it raises the precision until the value is stable).

Strip half-widths: tanh, sech^2 and any polynomial in them: d = pi/2 (poles at +-i pi/2); erf and
other entire functions: any d (use a large one, e.g. 8, the rule then chooses h from sigma).
"""
from __future__ import annotations

import operator

import mpmath

__all__ = ["GUARD", "step", "expect1", "expect2_products", "expect2"]

GUARD = 10  # decimal guard digits of the discretization target beyond mp.dps
MAX_NODES_1D = 20_000  # beyond this (sqrt(q) >> strip) expect1 switches to tanh-sinh in u
MAX_POINTS_2D = 50_000_000  # fixed-point multiply-adds of one 2-D expectation (~30 s); beyond: refuse


def _logt():
    return (mpmath.mp.dps + GUARD) * mpmath.ln10


def step(d, sigma, logt=None):
    """Trapezoid step for a factor analytic in |Im u| < d under a Gaussian of (conditional) sd sigma.

    See the module docstring for the derivation; returns an mpf.
    """
    logt = _logt() if logt is None else logt
    sigma = mpmath.mpf(sigma)
    d_eff = mpmath.mpf(d) * mpmath.mpf("0.99")
    h1 = 2 * mpmath.pi * d_eff / (logt + d_eff**2 / (2 * sigma**2))
    h2 = mpmath.pi * sigma * mpmath.sqrt(2 / logt)
    if 2 * mpmath.pi * sigma**2 / h2 <= d_eff and h2 > h1:
        return h2
    return h1


def _fix(x, prec):
    """mpf -> integer x * 2^prec (rounded)."""
    return int(mpmath.nint(mpmath.ldexp(x, prec))) if x != 0 else 0


def _gauss_run(h, mu, sigma2, jlo, jhi, prec):
    """Fixed-point weights exp(-(j h - mu)^2 / (2 sigma2)) for j = jlo..jhi (a list), by recurrence.

    From the j0 nearest mu: w_{j+1} = w_j R_j, R_{j+1} = R_j Q (upwards) and w_{j-1} = w_j S_j,
    S_{j-1} = S_j Q (downwards), Q = exp(-h^2/sigma2): three exps per run; each step adds one unit
    of 2^-prec relative to w <= 1 (runs are shorter than 2^15).
    """
    j0 = min(max(int(mpmath.nint(mu / h)), jlo), jhi)
    e0 = j0 * h - mu
    w0 = _fix(mpmath.exp(-e0 * e0 / (2 * sigma2)), prec)
    Q = _fix(mpmath.exp(-h * h / sigma2), prec)
    up = [w0]
    R = _fix(mpmath.exp(-(2 * e0 * h + h * h) / (2 * sigma2)), prec)
    w = w0
    for _ in range(j0 + 1, jhi + 1):
        w = (w * R) >> prec
        R = (R * Q) >> prec
        up.append(w)
    down = []
    S = _fix(mpmath.exp((2 * e0 * h - h * h) / (2 * sigma2)), prec)
    w = w0
    for _ in range(j0 - 1, jlo - 1, -1):
        w = (w * S) >> prec
        S = (S * Q) >> prec
        down.append(w)
    down.reverse()
    return down + up


def expect1(F, q, d):
    """E[F(sqrt(q) Z)], Z ~ N(0, 1), for F analytic in |Im u| < d (trapezoid rule, module docstring).

    ``F`` may also be a sequence of callables (same strip); then a list is returned (one grid).
    """
    many = isinstance(F, (list, tuple))
    Fs = list(F) if many else [F]
    q = mpmath.mpf(q)
    if q == 0:
        vals = [f(mpmath.mpf(0)) for f in Fs]
        return vals if many else vals[0]
    with mpmath.workprec(mpmath.mp.prec + 20):
        logt = _logt()
        sig = mpmath.sqrt(q)
        h = step(d, sig, logt)
        n = int(mpmath.ceil(sig * mpmath.sqrt(2 * logt) / h))
        if n > MAX_NODES_1D:
            # sqrt(q) >> d: F varies on a scale ~d, the Gaussian on sqrt(q); tanh-sinh in u with
            # break points at both scales instead of ~sqrt(q)/d trapezoid nodes.
            # geometric break points (every 4 decades) between the two scales: tanh-sinh on one interval
            # spanning tens of decades escalates its degree for minutes (q = 1e100: > 100 s)
            scales, t = [d, 4 * d, sig, 4 * sig], 4 * d * 10**4
            while t < sig:
                scales.append(t)
                t *= 10**4
            pts = sorted({mpmath.mpf(0), *(k * t for k in (-1, 1) for t in scales)})
            pts = [-mpmath.inf, *pts, mpmath.inf]
            dens = 1 / (sig * mpmath.sqrt(2 * mpmath.pi))
            vals = [mpmath.quad(lambda u, f=f: f(u) * mpmath.exp(-u * u / (2 * q)), pts) * dens for f in Fs]
            vals = [+v for v in vals]
            return vals if many else vals[0]
        totals = [mpmath.mpf(0)] * len(Fs)
        for j in range(-n, n + 1):
            u = j * h
            w = mpmath.exp(-u * u / (2 * q))
            for k, f in enumerate(Fs):
                totals[k] += w * f(u)
        norm = h / (sig * mpmath.sqrt(2 * mpmath.pi))
        vals = [t * norm for t in totals]
    vals = [+v for v in vals]
    return vals if many else vals[0]


def expect2_products(pairs, q1, q2, rho, d1, d2):
    """[E[F(u1) G(u2)] for (F, G) in pairs], (u1, u2) ~ N(0, [[q1, r s], [r s, q2]]), s = sqrt(q1 q2).

    One grid serves all pairs.  Trapezoid rule in (u1, u2) with the exact bivariate normal weights
    phi(u1; q1) * phi(u2 - mu(u1); sigma2^2), mu = rho sqrt(q2/q1) u1, sigma2^2 = q2 (1 - rho^2);
    the steps follow the module's error rule with the conditional standard deviations
    sigma_k = sqrt(q_k (1 - rho^2)) and the strips d1 (of every F), d2 (of every G).  Cost:
    (n1 + n2) evaluations of each F, G and ~ n1 * (window of u2) fixed-point multiply-adds.  When
    1 - rho^2 is small the steps shrink like sigma_k and the cost grows like 1/(1 - rho^2); past
    |rho| = 1 - 10^-4 (or rho = +-1, or q1 q2 = 0) the expectation is reduced to one dimension or
    computed in the conditioned variables (u1 = sqrt(q1) x, u2 = sqrt(q2)(rho x + sqrt(1-rho^2) y)),
    whose cost does not depend on rho.
    """
    q1, q2, rho = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(rho)
    zero = mpmath.mpf(0)
    if q1 == 0 or q2 == 0:
        out = []
        for F, G in pairs:
            # a zero factor (an odd activation at u = 0) makes the product exactly 0: no quadrature
            f0, g0 = F(zero), G(zero)
            if q1 == 0 and q2 == 0:
                out.append(f0 * g0)
            elif q1 == 0:
                out.append(f0 * expect1(G, q2, d2) if f0 != 0 else f0)
            else:
                out.append(g0 * expect1(F, q1, d1) if g0 != 0 else g0)
        return out
    om = (1 - rho) * (1 + rho)
    if abs(rho) == 1:
        sgn = 1 if rho > 0 else -1
        s1, s2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
        d = min(mpmath.mpf(d1) / s1, mpmath.mpf(d2) / s2)
        return expect1([(lambda z, F=F, G=G: F(s1 * z) * G(sgn * s2 * z)) for F, G in pairs], 1, d)
    if om < mpmath.mpf(2) * 10**-4:
        return [expect2(lambda u1, u2, F=F, G=G: F(u1) * G(u2), q1, q2, rho, d1, d2) for F, G in pairs]
    P = mpmath.mp.prec + 40
    with mpmath.workprec(mpmath.mp.prec + 20):
        logt = _logt()
        root = mpmath.sqrt(2 * logt)
        s1 = mpmath.sqrt(q1)
        sig1, sig2 = mpmath.sqrt(q1 * om), mpmath.sqrt(q2 * om)
        h1, h2 = step(d1, sig1, logt), step(d2, sig2, logt)
        slope = rho * mpmath.sqrt(q2 / q1)  # mu(u1) = slope * u1
        # Lattice alignment: choose the steps (only ever shrinking them) so that h1 |slope| = (m/p) h2
        # with small integers m, p; then the conditional means mu_i = slope * i * h1 fall on the u2
        # grid shifted by one of p fractions, and row i = a p + r uses the fixed kernel K_r,
        # K_r[k] = exp(-((k - sign(rho) r m/p) h2)^2 / (2 sigma2^2)), against the G values from
        # index sign(rho) a m on (a correlation of integer vectors, run at C speed).
        #   h1 |slope| >= h2: p = 1, m = ceil(h1 |slope| / h2), h2 <- h1 |slope| / m (h2 shrinks < 2x);
        #   h1 |slope| <  h2: m = 1, p = ceil(h2 / (h1 |slope|)), h1 <- h2 / (p |slope|) (h1 < 2x).
        # When p would exceed the number of rows (a tiny correlation), the weights of each row come
        # from a recurrence instead (``_gauss_run``).
        a_sl = abs(slope)
        if a_sl * h1 >= h2:
            m, p = int(mpmath.ceil(a_sl * h1 / h2)), 1
            h2 = a_sl * h1 / m
        elif slope != 0:
            m, p = 1, int(mpmath.ceil(h2 / (a_sl * h1)))
        else:
            m, p = 0, 1
        n1 = int(mpmath.ceil(s1 * root / h1))
        aligned = p <= n1
        if aligned and p > 1:
            h1 = h2 / (p * a_sl)
            n1 = int(mpmath.ceil(s1 * root / h1))
        halfw = sig2 * root  # window of u2 around mu(u1)
        nw = int(mpmath.ceil(halfw / h2)) + m
        n2 = int(mpmath.ceil(a_sl * n1 * h1 / h2)) + nw + 1
        cost = (2 * n1 + 1) * (2 * nw + 1) * len(pairs)
        if cost > MAX_POINTS_2D:
            raise ValueError(
                f"2-D Gaussian expectation at q1={mpmath.nstr(q1, 6)}, q2={mpmath.nstr(q2, 6)}, "
                f"rho={mpmath.nstr(rho, 6)} needs ~{cost:.2e} grid terms at {mpmath.mp.dps} digits "
                f"(variances large against the strip half-widths {mpmath.nstr(d1, 3)}, "
                f"{mpmath.nstr(d2, 3)}); beyond this implementation's budget of {MAX_POINTS_2D:.0e}")
        Gvals = [[_fix(G(j * h2), P) for j in range(-n2, n2 + 1)] for _, G in pairs]
        totals = [0] * len(pairs)
        sig2sq = sig2 * sig2
        sgn = 1 if rho > 0 else -1
        kernels = {}
        rows = _gauss_run(h1, 0, q1, -n1, n1, P)
        for i in range(-n1, n1 + 1):
            u1 = i * h1
            wi = rows[i + n1]
            if aligned:
                a, r = divmod(i, p)
                W = kernels.get(r)
                if W is None:
                    W = kernels[r] = _gauss_run(h2, sgn * h2 * r * m / p, sig2sq, -nw, nw, P)
                lo = sgn * a * m - nw + n2
                hi = lo + 2 * nw + 1
            else:
                mu = slope * u1
                jlo = max(-n2, int(mpmath.floor((mu - halfw) / h2)))
                jhi = min(n2, int(mpmath.ceil((mu + halfw) / h2)))
                W = _gauss_run(h2, mu, sig2sq, jlo, jhi, P)
                lo, hi = jlo + n2, jhi + n2 + 1
            for k, (F, _) in enumerate(pairs):
                inner = sum(map(operator.mul, Gvals[k][lo:hi], W))
                totals[k] += ((wi * _fix(F(u1), P)) >> P) * (inner >> P)
        norm = h1 * h2 / (2 * mpmath.pi * s1 * sig2)
        vals = [mpmath.ldexp(mpmath.mpf(t), -2 * P) * norm for t in totals]
    return [+v for v in vals]


def expect2(f, q1, q2, rho, d1, d2):
    """E[f(u1, u2)], (u1, u2) ~ N(0, [[q1, r s], [r s, q2]]), for a general integrand.

    ``f(u1, u2)`` analytic in |Im u1| < d1 (for real u2) and |Im u2| < d2 (for real u1).  Conditioned
    variables u1 = sqrt(q1) x, u2 = sqrt(q2)(rho x + c y), c = sqrt(1 - rho^2), x, y ~ N(0, 1)
    independent; in x the strip is min(d1/sqrt(q1), d2/(sqrt(q2)|rho|)), in y d2/(sqrt(q2) c); the
    steps follow the module's error rule with sigma = 1.  Cost n_x n_y evaluations of f.
    """
    q1, q2, rho = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(rho)
    with mpmath.workprec(mpmath.mp.prec + 20):
        logt = _logt()
        s1, s2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
        c = mpmath.sqrt(max((1 - rho) * (1 + rho), mpmath.mpf(0)))
        big = mpmath.mpf(10) ** 6
        dx = min(mpmath.mpf(d1) / s1 if s1 else big, mpmath.mpf(d2) / (s2 * abs(rho)) if s2 * rho else big)
        dy = mpmath.mpf(d2) / (s2 * c) if s2 * c else big
        hx, hy = step(dx, 1, logt), step(dy, 1, logt)
        L = mpmath.sqrt(2 * logt)
        nx, ny = int(mpmath.ceil(L / hx)), int(mpmath.ceil(L / hy))
        wy = [(j * hy, mpmath.exp(-(j * hy) ** 2 / 2)) for j in range(-ny, ny + 1)]
        total = mpmath.mpf(0)
        for i in range(-nx, nx + 1):
            x = i * hx
            wx = mpmath.exp(-x * x / 2)
            a1, a2 = s1 * x, s2 * rho * x
            total += wx * mpmath.fsum(w * f(a1, a2 + s2 * c * y) for y, w in wy)
        val = total * hx * hy / (2 * mpmath.pi)
    return +val
