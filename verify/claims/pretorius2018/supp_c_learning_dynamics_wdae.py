"""Supplementary C, Learning dynamics for linear WDAEs: the reduction of the matrix loss (6) to the printed scalar
loss l_gamma = (lam/2tau)(1 - w2 w1)^2 + (N gamma/2tau)(w1^2 + w2^2) -- where the factor N enters.  This is the
derivation the N-factor errata of supplementary D and E (verify/claims/pretorius2018/supp_d_*, supp_e_*) rest on:
under the paper's definitions (Sigma_xx = sum_i x_i x_i^T unnormalized, tau = N/alpha, t in epochs), alpha times
the loss (6) restricted to the decoupled weights equals sum_j l_gamma(lam_j), so the weight-decay term carries
N gamma next to lam_j, exactly as the noise term carries eps = N s^2 (eq. (1) -> eq. (4)).

No errata here: supplementary C is consistent with (6) as printed.
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE, PR, eps, gamma, lam, n, tau, w1, w2
from theorycheck.verify.registry import Outcome, claim

CR = claim(
    "pretorius2018/eq6-reduces-to-supC-loss",
    "With W2 = V D2 R^T, W1 = R D1 V^T the WDAE loss (6), in the time units of §3.1 (tau = N/alpha, t in epochs), is "
    "the sum over eigen-directions of the supplementary-C scalar loss (lam/2tau)(1 - w2 w1)^2 + (N gamma/2tau)(w1^2 + "
    "w2^2); likewise the expected DAE loss (1) gives eq. (4) with eps = N s^2.",
    f"{CITE}, eq. (6), supplementary C (and eq. (1) -> eq. (4))",
)


def _decoupled(D=2):
    V = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    R = sp.Matrix([[sp.Rational(5, 13), sp.Rational(12, 13)], [-sp.Rational(12, 13), sp.Rational(5, 13)]])
    l1, l2 = sp.symbols("lambda1 lambda2", positive=True)
    a = sp.symbols("w11 w12", real=True)
    b = sp.symbols("w21 w22", real=True)
    W1 = R * sp.diag(*a) * V.T
    W2 = V * sp.diag(*b) * R.T
    Sig = V * sp.diag(l1, l2) * V.T  # Sigma_xx = sum_i x_i x_i^T
    return W1, W2, Sig, (l1, l2), a, b


@CR.exact("eq6-times-alpha-is-sum-of-supc-losses")
def _(ctx):
    """D = H = 2, rational rotations V, R, symbolic eigenvalues, weights, N, gamma, alpha: alpha times (6) (its data
    term written through Sigma_xx: (1/2N)(tr Sigma - 2 tr(M Sigma) + tr(M Sigma M^T))) minus sum_j of the printed
    supplementary-C loss at tau = N/alpha, up to the weight-independent constant alpha tr(Sigma)(1/2N) - sum_j lam_j/(2tau)
    = 0; and the same for (1) -> (4) with s^2 = eps/N.  Both residuals exactly 0."""
    W1, W2, Sig, ls, a, b = _decoupled()
    Nn, al, s2 = sp.Symbol("N", positive=True), sp.Symbol("alpha", positive=True), sp.Symbol("s2", positive=True)
    M = W2 * W1
    data = (Sig.trace() - 2 * (M * Sig).trace() + (M * Sig * M.T).trace()) / (2 * Nn)
    wd = gamma / 2 * (sum(v**2 for v in W1) + sum(v**2 for v in W2))
    sub = {tau: Nn / al, n: Nn}
    supc = sum(PR["wdae_loss"].subs({lam: l_, w1: a_, w2: b_}).subs(sub) for l_, a_, b_ in zip(ls, a, b))
    r1 = sp.simplify(sp.expand(al * (data + wd) - supc))
    dae = data + s2 / 2 * (M * M.T).trace()
    eq4 = sum(PR["loss4"].subs({lam: l_, w1: a_, w2: b_}).subs({tau: Nn / al, eps: Nn * s2}) for l_, a_, b_ in zip(ls, a, b))
    r2 = sp.simplify(sp.expand(al * dae - eq4))
    return Outcome.symbolic(sp.simplify(r1**2 + r2**2), "alpha x (6) - sum_j l_gamma(lam_j) and alpha x (1) - (4): "
                            "both 0 (the N multiplies gamma next to lam_j, as eps = N s^2 does)")


@CR.exact("printed-supe-loss-needs-n-equal-1")
def _(ctx):
    """Where the N-factor errata come from: the supplementary-C loss at w1 = w2 = sqrt(w) is (lam/2tau)(1 - w)^2 +
    (N gamma/tau) w, while supplementary E prints (gamma/tau) w; their difference is (N - 1) gamma w/tau, zero iff
    N = 1.  Residual of the difference against (N - 1) gamma w/tau: exactly 0."""
    w = sp.Symbol("w", positive=True)
    c = PR["wdae_loss"].subs({w1: sp.sqrt(w), w2: sp.sqrt(w)})
    d = sp.simplify(c - PR["wdae_loss_E"].subs(sp.Symbol("w", real=True), w))
    return Outcome.symbolic(sp.simplify(d - (n - 1) * gamma * w / tau), f"supp. C - supp. E at w1 = w2: {d}")
