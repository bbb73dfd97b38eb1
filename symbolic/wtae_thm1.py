"""Theorem 1's scalar sequences (Li & Nguyen 2019, Section 2.2) for an all-tanh weight-tied autoencoder:
formula ids ``wtae.thm1.gamma2.tanh`` and ``wtae.thm1.rho2.tanh`` (mpmath reference + float64 kernels in
numeric/wtae_sim.py).

Setting (Section 2.1): x_l = W_l sigma_{l-1}(x_{l-1}) + b_l, xhat_L = W_L^T phi_L(x_L) + v_L,
xhat_l = W_l^T phi_l(xhat_{l+1}) + v_l, xhat = phi_0(xhat_1), (W_l)_ij ~ N(0, sw2/n_{l-1}), b_l ~ N(0, sb2),
v_l ~ N(0, sv2), n_l / n_{l-1} -> alpha_l.  Here every constant is the same at every layer
(alpha_l = alpha, sigma_{W,l}^2 = sw2, ...), phi_l = sigma_l = tanh for 1 <= l <= L (phi_L included) and
sigma_0 = phi_0 = identity; tau0sq = bar tau_0^2 = |sigma_0(x)|^2 / n_0 = |x|^2 / n_0.

Reading of the OCR-damaged definitions of Section 2.2 (each piece checked against a second source):

* Encoder (the printed "tau2 = n k sigma0(x) k2, tau2 = sW,1 tau2, tau_l = tau_l + sb,l, tau_l = sW,l E{...}"):
  bar tau_0^2 = |sigma_0(x)|^2/n_0, bar tau_1^2 = sw2 bar tau_0^2, tau_l^2 = bar tau_l^2 + sb2 (l = 1..L),
  bar tau_l^2 = sw2 E[sigma_{l-1}(tau_{l-1} z)^2] (l = 2..L).  Second source: Lemma 9 (n^-1 |sigma_l(x_l)|^2
  -> bar tau_{l+1}^2 / sigma_{W,l+1}^2 and x_{l+1} = tau_{l+1} z) and Corollary 6 (tau^2 = sw2 E sigma(sigma_u
  z)^2 + sb2).  So tau_l is the sd of the preactivation x_l *including* the bias.
* gamma_{L+1} = tau_L^-2 E[tau_L z phi_L(tau_L z)] (printed "gamma_{L+1} {T_L z phi_L(T_L z)}", the factor
  1/tau_L^2 lost), rho_{L+1} = E[phi_L(tau_L z)^2].  Second source: Remark 3's Stein form
  gamma_{L+1} = E[phi_L'(tau_L z)], equal to the former by Stein's lemma E[z f(tau z)] = tau E f'(tau z).
* For l = L, ..., 2 (printed "l = L - 1, ..., 2", but the sequence is indexed l = 2..L+1 with gamma_{L+1}
  the start, so the recursion must produce gamma_L first)::

      gamma_l = tau_{l-1}^-2 E[tau_{l-1} z1 phi_{l-1}(alpha sw2 gamma_{l+1} sigma_{l-1}(tau_{l-1} z1)
                                                    + sqrt(alpha sw2 rho_{l+1} + sv2) z2)]
      rho_l   = E[phi_{l-1}(alpha sw2 gamma_{l+1} sigma_{l-1}(tau_{l-1} z1) + sqrt(alpha sw2 rho_{l+1} + sv2) z2)^2]

  (printed "T2-" before the expectation read as tau_{l-1}^-2).  Second sources: Remark 3's Stein form
  gamma_l = alpha sw2 gamma_{l+1} E[phi_{l-1}'(...) sigma_{l-1}'(tau_{l-1} z1)] (identical by Stein's lemma in
  z1); Corollary 6 eqs. (4)-(5) (the left-hand sides play the role of rho, gamma of the outer layer); and
  App. C's G(gamma, rho) = tau^-2 E[tau z1 phi(beta gamma sigma(tau z1) + sqrt(beta rho) z2)] (eq. (2)), the
  same map with constant coefficients, beta = alpha sw2, sv2 = 0.
* Theorem 1(b): xhat_l = alpha sw2 gamma_{l+1} sigma_{l-1}(tau_{l-1} z1) + sqrt(alpha sw2 rho_{l+1} + sv2) z2;
  (c): xhat = phi_0(alpha_1 sw2 gamma_2 sigma_0(x) + sqrt(alpha_1 sw2 rho_2 + sv2) z2).  The finite-width
  simulations (verify/claims/li2019/sec2_setting_and_main_theorem.py) confirm this reading layer by layer.

For tanh the recursion is evaluated in Stein form,
gamma_l = alpha sw2 gamma_{l+1} A_l, A_l = E[sech^2(tau_{l-1} z1) sech^2(a tanh(tau_{l-1} z1) + s z2)]
(a = alpha sw2 gamma_{l+1}, s^2 = alpha sw2 rho_{l+1} + sv2), a product of positive factors: gamma_2 is
computed to relative accuracy even when it decays exponentially in L (e.g. 1e-31 at L = 100).

mpmath reference: 1-D expectations by ``mpquad.expect1``; the 2-D ones by a tensor-product trapezoid rule
with mpquad's step rule (``mpquad.step``, error below 10^-(dps + GUARD) of the integrand's scale): in z1 with
strip min(pi/2, atan(pi/(2a))) / tau (Im(a tanh(x + iv)) <= a tan v, so a tanh(u) stays off the poles
+-i pi/2 of tanh), on the half grid z1 >= 0 (both integrands are even in z1); in z2 with strip (pi/2)/s.
The inner sums run in fixed point on Python integers (see ``mp_layer``): two exponentials per row and per
column instead of one tanh per node (~10x faster than mpf arithmetic at 35-55 digits).
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theorycheck.symbolic import mpquad
from theorycheck.symbolic.registry import Param, register

SRC = "Li & Nguyen 2019, Section 2.2 (sequences before Theorem 1) and Remark 3"

P_L = Param("L", sp.Symbol("L", integer=True, positive=True), "depth L (number of encoder layers)",
            lower=1, upper=100, lower_open=False, upper_open=False, integer=True)
P_alpha = Param("alpha", sp.Symbol("alpha", positive=True), "width ratio alpha_l = n_l / n_{l-1} (all l)",
                lower=0, upper=4, upper_open=False)
P_sw2 = Param("sw2", sp.Symbol("sw2", positive=True), "weight variance sigma_{W,l}^2 (all l)", lower=0, upper=4,
              upper_open=False)
P_sb2 = Param("sb2", sp.Symbol("sb2", nonnegative=True), "encoder bias variance sigma_{b,l}^2 (all l)", lower=0,
              upper=4, lower_open=False, upper_open=False)
P_sv2 = Param("sv2", sp.Symbol("sv2", nonnegative=True), "decoder bias variance sigma_{v,l}^2 (all l)", lower=0,
              upper=4, lower_open=False, upper_open=False)
P_tau0 = Param("tau0sq", sp.Symbol("tau0sq", positive=True), "bar tau_0^2 = |sigma_0(x)|^2 / n_0 = |x|^2 / n_0",
               lower=0, upper=4, upper_open=False)
PARAMS = (P_L, P_alpha, P_sw2, P_sb2, P_sv2, P_tau0)

HALF_PI = mpmath.pi / 2


def _strip():
    return mpmath.pi / 2


def _sech2(u):
    return 1 / mpmath.cosh(u) ** 2


def _tanh2(u):
    return mpmath.tanh(u) ** 2


def _fix(x, bits):
    """mpf -> round(x 2^bits) (a Python int)."""
    return int(mpmath.nint(mpmath.ldexp(x, bits)))


def mp_layer(tau, a, s):
    """(A, R) = (E[sech^2(tau X) sech^2(a tanh(tau X) + s Y)], E[tanh^2(a tanh(tau X) + s Y)]), X, Y ~ N(0, 1)
    independent, at the working precision (module docstring: tensor-product trapezoid rule).

    Inner sums in fixed point (Python integers, K = prec + 60 fraction bits): with u = m + s y and
    q = e^{-2|u|} in (0, 1], sech^2 u = 4 q / (1 + q)^2 and tanh^2 u = (1 - q)^2 / (1 + q)^2, where
    q = e^{-2m} e^{-2 s y} for u >= 0 and e^{2m} e^{2 s y} for u < 0.  The column factors e^{-+2 s y} carry
    X = ceil(2 |a| log2 e) + 8 extra bits, so that the product with a row factor e^{-+2m} <= e^{2|a|} keeps an
    absolute error <= 3 2^-K in q; every term is then within a few units of 2^-K (absolute), and the
    two-precision confirmation of ``verify.formulas.evaluate_mpmath`` checks the digits reported.
    """
    tau, a, s = mpmath.mpf(tau), mpmath.mpf(a), mpmath.mpf(s)
    with mpmath.workprec(mpmath.mp.prec + 20):
        logt = (mpmath.mp.dps + mpquad.GUARD) * mpmath.ln10
        d1 = _strip() if a == 0 else min(_strip(), mpmath.atan(mpmath.pi / (2 * a)))
        hx = mpquad.step(d1 / tau, 1, logt)
        hy = mpquad.step(_strip() / s, 1, logt)
        Rr = mpmath.sqrt(2 * logt)
        nx, ny = int(mpmath.ceil(Rr / hx)), int(mpmath.ceil(Rr / hy))
        K = mpmath.mp.prec + 60
        X = int(mpmath.ceil(2 * abs(a) / mpmath.ln2)) + 8
        ONE = 1 << K
        ys = [j * hy for j in range(-ny, ny + 1)]
        wy = [_fix(mpmath.exp(-y * y / 2), K) for y in ys]
        Fm = [_fix(mpmath.exp(-2 * s * y), K + X) for y in ys]  # for u >= 0
        Fp = [_fix(mpmath.exp(2 * s * y), K + X) for y in ys]   # for u < 0
        shift = K + X
        accA = 0
        accR = 0
        for i in range(0, nx + 1):
            x = i * hx
            wx = _fix(mpmath.exp(-x * x / 2) * (2 if i else 1), K)
            t = mpmath.tanh(tau * x)
            g = _fix(1 - t * t, K)
            m = a * t
            Qm = _fix(mpmath.exp(-2 * m), K)  # row factor for u >= 0
            Qp = _fix(mpmath.exp(2 * m), K)   # row factor for u < 0
            # u = m + s y_j >= 0  <=>  j >= -m / (s hy)
            j0 = int(mpmath.ceil(-m / (s * hy))) + ny
            j0 = min(max(j0, 0), 2 * ny + 1)
            sA = 0
            sR = 0
            for j in range(2 * ny + 1):
                q = (Qm * Fm[j] if j >= j0 else Qp * Fp[j]) >> shift
                if q > ONE:
                    q = ONE
                d = ONE + q
                dd = d * d
                w = wy[j]
                sA += w * ((q << (2 * K + 2)) // dd)
                e = ONE - q
                sR += w * ((e * e << K) // dd)
            accA += wx * ((g * sA) >> K)
            accR += wx * sR
        norm = hx * hy / (2 * mpmath.pi)
        A = mpmath.ldexp(mpmath.mpf(accA), -3 * K) * norm
        Rv = mpmath.ldexp(mpmath.mpf(accR), -3 * K) * norm
    return +A, +Rv


def mp_sequences(L, alpha, sw2, sb2, sv2, tau0sq):
    """Theorem 1's tau_l^2 (l = 1..L), gamma_l, rho_l (l = 2..L+1) in mpmath (dicts keyed by l)."""
    L = int(L)
    alpha, sw2, sb2, sv2, tau0sq = (mpmath.mpf(v) for v in (alpha, sw2, sb2, sv2, tau0sq))
    tau2 = {1: sw2 * tau0sq + sb2}
    for l in range(2, L + 1):
        tau2[l] = sw2 * mpquad.expect1(_tanh2, tau2[l - 1], _strip()) + sb2
    g_top, r_top = mpquad.expect1([_sech2, _tanh2], tau2[L], _strip())
    gamma, rho = {L + 1: g_top}, {L + 1: r_top}
    c = alpha * sw2
    for l in range(L, 1, -1):
        a = c * gamma[l + 1]
        s = mpmath.sqrt(c * rho[l + 1] + sv2)
        A, R = mp_layer(mpmath.sqrt(tau2[l - 1]), a, s)
        gamma[l] = a * A
        rho[l] = R
    return tau2, gamma, rho


def mp_gamma2(L, alpha, sw2, sb2, sv2, tau0sq):
    return mp_sequences(L, alpha, sw2, sb2, sv2, tau0sq)[1][2]


def mp_rho2(L, alpha, sw2, sb2, sv2, tau0sq):
    return mp_sequences(L, alpha, sw2, sb2, sv2, tau0sq)[2][2]


register("wtae.thm1.gamma2.tanh", None, PARAMS, source=SRC,
         summary="gamma_2 of Theorem 1's recursion, all-tanh weight-tied autoencoder, equal per-layer constants "
                 "(quadrature; Stein form, relative accuracy at any depth)",
         mp_impl=mp_gamma2, numeric_impl="theorycheck.numeric.wtae_sim:thm1_gamma2_tanh",
         notes="Domain bounded (L <= 100; alpha, sw2, sb2, sv2, tau0sq <= 4) for bounded quadrature work.")
register("wtae.thm1.rho2.tanh", None, PARAMS, source=SRC,
         summary="rho_2 of Theorem 1's recursion, all-tanh weight-tied autoencoder, equal per-layer constants "
                 "(quadrature)",
         mp_impl=mp_rho2, numeric_impl="theorycheck.numeric.wtae_sim:thm1_rho2_tanh",
         notes="Domain bounded (L <= 100; alpha, sw2, sb2, sv2, tau0sq <= 4) for bounded quadrature work.")
