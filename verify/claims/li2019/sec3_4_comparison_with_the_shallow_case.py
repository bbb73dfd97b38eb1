"""§3.4 Comparison with the shallow case: gamma = E[tau z phi(tau z)]/tau^2 and rho = E[phi(tau z)^2] for L = 1
(Theorem 1 at L = 1: gamma_{L+1}, rho_{L+1}), independent of beta; versus the deep case, where gamma, rho and
gamma/sqrt(rho) grow with beta in certain regimes and S_sig/S_var = Omega(beta^1.5) near gamma's transition
(footnote 6: f = Omega(g) on a range iff d/dbeta [f/g] >= 0 there)."""
from __future__ import annotations

import math

import mpmath
import numpy as np

from theorycheck.verify.claims.li2019._common import CITE
from theorycheck.verify.outcomes import Outcome
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import conditioned, criterion

C_SH = claim(
    "li2019/shallow-case",
    "Shallow case: x_hat = S_sig x + S_var z with S_sig = beta gamma, S_var = sqrt(beta rho), gamma = E[tau z "
    "phi_hid(tau z)]/tau^2 > 0 and rho = E[phi_hid(tau z)^2] > 0 bounded and independent of beta: no phase "
    "transition; S_sig/S_var = sqrt(beta) gamma/sqrt(rho) grows like sqrt(beta).",
    f"{CITE}, §3.4",
)


@C_SH.precise("shallow-formulas-vs-quadrature")
def _(ctx):
    """wtae.shallow.gamma/rho.<act> (float64: ReLU and erf closed forms, tanh quadrature) against the defining
    integrals E[tau z phi(tau z)]/tau^2 and E[phi(tau z)^2] by mpmath tanh-sinh quadrature (30 digits) at tau^2 in
    {0.01, 1.2, 50}; tolerance conditioned(cond=2, k=64) relative (closed forms of a few operations; the tanh
    kernels are 1e-17 trapezoid sums)."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.generated import wtae as GW

    acts = {"relu": (lambda u: max(u, 0), GW.shallow_gamma_relu, GW.shallow_rho_relu),
            "erf": (mpmath.erf, GW.shallow_gamma_erf, GW.shallow_rho_erf),
            "tanh": (mpmath.tanh, W.shallow_gamma_tanh, W.shallow_rho_tanh)}
    outs = []
    with mpmath.workdps(30):
        for name, (phi, kg, kr) in acts.items():
            for t2 in (0.01, 1.2, 50.0):
                tau = mpmath.sqrt(t2)
                dens = lambda z: mpmath.npdf(z)  # noqa: E731
                g = mpmath.quad(lambda z: tau * z * phi(tau * z) * dens(z), [-mpmath.inf, 0, mpmath.inf]) / t2
                r = mpmath.quad(lambda z: phi(tau * z) ** 2 * dens(z), [-mpmath.inf, 0, mpmath.inf])
                tol = conditioned(2, 64, "closed form or 1e-17 trapezoid")
                outs += [Outcome.compare(float(g), float(kg(t2)), tol, detail=f"gamma {name} tau2={t2}"),
                         Outcome.compare(float(r), float(kr(t2)), tol, detail=f"rho {name} tau2={t2}")]
    return Outcome.all_of(outs)


@C_SH.precise("no-beta-dependence-and-sqrt-beta-ratio")
def _(ctx):
    """For L = 1 the decoder output is x_hat = beta gamma x + sqrt(beta rho) z with (gamma, rho) functions of tau only:
    S_sig/S_var divided by sqrt(beta) is the constant gamma/sqrt(rho) (relative spread over beta in [0.1, 100] below
    conditioned(cond=1, k=8): three roundings), and gamma, rho > 0 for tanh/ReLU/erf at tau^2 in {0.01, 1, 100}."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.generated import wtae as GW

    outs, terms = [], []
    for kg, kr in ((W.shallow_gamma_tanh, W.shallow_rho_tanh), (GW.shallow_gamma_relu, GW.shallow_rho_relu),
                   (GW.shallow_gamma_erf, GW.shallow_rho_erf)):
        for t2 in (0.01, 1.0, 100.0):
            g, r = float(kg(t2)), float(kr(t2))
            terms += [(f"gamma({t2})", g, ">", 0.0), (f"rho({t2})", r, ">", 0.0)]
            b = np.geomspace(0.1, 100, 9)
            ratio = (b * g) / np.sqrt(b * r) / np.sqrt(b)
            outs.append(Outcome.bound(float(np.ptp(ratio) / ratio[0]), conditioned(1, 8, "three roundings"),
                                      name=f"spread of S_sig/(S_var sqrt(beta)) at tau2={t2}"))
    outs.append(Outcome.criterion(terms, criterion(0, "positivity")))
    return Outcome.all_of(outs)


C_DEEP = claim(
    "li2019/deep-case-growth",
    "Deep case (phi = tanh, sigma = tanh or ReLU, Fig. 3): in certain regimes gamma, rho and gamma/sqrt(rho) grow "
    "sublinearly with beta, so S_sig = Omega(beta), S_var = Omega(sqrt(beta)), S_sig/S_var = Omega(sqrt(beta)); near "
    "the phase transition of gamma, S_sig/S_var = Omega(beta^1.5).",
    f"{CITE}, §3.4 and footnote 6",
)


@C_DEEP.precise("growth-above-beta0")
def _(ctx):
    """tanh/tanh (tau^2 = 1.2) and tanh/ReLU (tau^2 = 0.2): on beta in [1.02 beta0, 6 beta0] (20 log-spaced points)
    gamma, rho and gamma/sqrt(rho) are increasing, and gamma(beta)/beta is decreasing for beta >= 2.5 beta0 (sublinear
    growth; just above beta0 gamma ~ sqrt(beta - beta0) grows faster than linearly); on beta in beta0 (1 +
    [1e-4, 1e-2]) the ratio (S_sig/S_var)/beta^1.5 = gamma/(beta sqrt(rho)) is increasing (Omega(beta^1.5) in the
    footnote's sense).  Differences of computed fixed points: no tolerance beyond their sign (each difference is
    > 1e6 times the float64 accuracy of the fixed points)."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    terms = []
    for pair, t2 in (("tanh_tanh", 1.2), ("tanh_relu", 0.2)):
        b0 = float(W.beta0(pair, NUMPY, np.array([t2]))[0])
        b = b0 * np.geomspace(1.02, 6, 20)
        fp = W.solve(pair, b, np.full(b.size, t2))
        g, r = fp.gamma, fp.rho
        terms += [(f"{pair}: min diff gamma", float(np.min(np.diff(g))), ">", 0.0),
                  (f"{pair}: min diff rho", float(np.min(np.diff(r))), ">", 0.0),
                  (f"{pair}: min diff gamma/sqrt(rho)", float(np.min(np.diff(g / np.sqrt(r)))), ">", 0.0),
                  (f"{pair}: max diff gamma/beta for beta >= 2.5 beta0", float(np.max(np.diff((g / b)[b >= 2.5 * b0]))),
                   "<", 0.0)]
        bn = b0 * (1 + np.geomspace(1e-4, 1e-2, 8))
        fn = W.solve(pair, bn, np.full(bn.size, t2))
        q = fn.gamma / (bn * np.sqrt(fn.rho))
        terms.append((f"{pair}: min diff (S_sig/S_var)/beta^1.5 near beta0", float(np.min(np.diff(q))), ">", 0.0))
    return Outcome.criterion(terms, criterion(0, "monotonicity"))
