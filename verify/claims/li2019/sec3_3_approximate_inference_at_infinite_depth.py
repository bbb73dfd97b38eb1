"""§3.3 Approximate inference at infinite depth: reversibility E = ||x - x_hat||^2/n0 and signal recovery (formula
side; the finite-width output of Theorem 1(c) is simulated in the sec2_* modules)."""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck.verify.claims.li2019._common import CITE
from theorycheck.verify.outcomes import Outcome, erratum
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import criterion

C_REV = claim(
    "li2019/reversibility",
    "Under Interpretation 2, E = ||x - x_hat||^2/n0 ~ (S_sig - 1)^2 tau0^2 + S_var^2, so E ~ 0 needs S_sig ~ 1 and "
    "S_var ~ 0 (rho ~ 0); for ReLU phi and sigma S_sig and S_var are either 0 or +inf, in which case E >= tau^2 and "
    "can become unbounded.",
    f"{CITE}, §3.3 (reversibility)",
)


@C_REV.exact("error-decomposition")
def _(ctx):
    """x_hat = S_sig x + S_var z with z independent standard normal and ||x||^2/n0 = tau0^2: E[(x - x_hat)^2] per
    coordinate = (1 - S_sig)^2 tau0^2 + S_var^2 (SymPy expectation over z ~ N(0, 1) of the expanded square, with
    E x^2 = tau0^2, E x z = 0): residual exactly 0."""
    x, z, s1, s2, t0 = sp.symbols("x z S_sig S_var tau0", real=True)
    e = sp.expand((x - s1 * x - s2 * z) ** 2)
    ez = e.subs({z ** 2: 1}).subs(z, 0)  # E z = 0, E z^2 = 1, z independent of x
    ex = ez.subs(x ** 2, t0 ** 2)
    return Outcome.symbolic(sp.simplify(ex - ((s1 - 1) ** 2 * t0 ** 2 + s2 ** 2)))


@C_REV.precise("relu-relu-error-bound")
def _(ctx):
    """ReLU phi and sigma (Interpretation 2: tau0^2 = E relu(tau z)^2 = tau^2/2): for beta < 2 the fixed point is
    (0, 0) (wtae.gamma/rho.relu_relu), so S_sig = S_var = 0 and E = tau0^2 = tau^2/2; for beta > 2, S_var = inf.
    Printed: E >= tau^2 -- fails at beta < 2 (E = tau^2/2); corrected: E >= tau0^2 (holds with equality).  (The OCR
    text reads 'E >= T2'; if the lost subscript was tau0, the printed statement is right -- recorded as an erratum
    of the text as it stands.)  Exact arithmetic on the computed zeros."""
    from theorycheck.numeric import wtae as W

    terms_p, terms_c = [], []
    for beta in (0.5, 1.0, 1.9):
        for t2 in (0.2, 1.0, 3.0):
            g, r = float(W.gamma_relu_relu(beta, t2)), float(W.rho_relu_relu(beta, t2))
            s_sig, s_var, t0 = beta * g, (beta * r) ** 0.5, t2 / 2
            E = (s_sig - 1) ** 2 * t0 + s_var ** 2
            terms_p.append((f"beta={beta} tau2={t2}: E - tau^2", E - t2, ">=", 0.0))
            terms_c.append((f"beta={beta} tau2={t2}: E - tau0^2", E - t0, ">=", 0.0))
    tol = criterion(0, "inequality")
    return erratum(Outcome.criterion(terms_p, tol), Outcome.criterion(terms_c, tol),
                   "§3.3: for ReLU phi and sigma with beta < 2, S_sig = S_var = 0 and E = tau0^2 = tau^2/2 < tau^2: the "
                   "bound is E >= tau0^2 (the input's squared norm per coordinate), not E >= tau^2.")


C_SR = claim(
    "li2019/signal-recovery",
    "Signal recovery x_hat = c x needs S_var = 0, i.e. rho = 0, which for phi(0) = 0 forces gamma = 0 (x_hat = 0); "
    "in many cases S_var > 0 whenever S_sig > 0.",
    f"{CITE}, §3.3 (signal recovery)",
)


@C_SR.precise("gamma-positive-implies-rho-positive")
def _(ctx):
    """tanh/tanh and tanh/ReLU fixed points on beta in [0.5, 20] (16 points) x tau^2 in {0.0259, 0.2, 1.2}: every point
    with gamma > 0 (S_sig > 0) has rho > 0 (S_var > 0); and R(gamma, 0) > 0 for gamma > 0 (so rho = 0 needs gamma =
    0).  Signs, no tolerance."""
    from theorycheck.numeric import wtae as W

    bad, npos = 0, 0
    for pair in ("tanh_tanh", "tanh_relu"):
        for t2 in (0.0259, 0.2, 1.2):
            b = np.geomspace(0.5, 20, 16)
            fp = W.solve(pair, b, np.full(16, t2))
            pos = fp.gamma > 0
            npos += int(pos.sum())
            bad += int(np.sum(pos & (fp.rho <= 0)))
    rmin = float(np.min(W.R("tanh_tanh", np.array([1e-3, 0.5, 3.0]), 0.0, 2.0, 1.0)))
    return Outcome.criterion([("fixed points with gamma > 0 and rho = 0", bad, "==", 0),
                              ("fixed points with gamma > 0 (non-vacuous)", npos, ">", 0),
                              ("min R(gamma, 0), gamma > 0", rmin, ">", 0.0)], criterion(0, "signs"))
