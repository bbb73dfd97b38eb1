"""§5 The Relationship Between Noise and Weight Decay (§5.1-5.2, Figs. 2-4; eq. (7) with its derivation in
supplementary C): the WDAE solution, noise vs weight decay at equal and at optimal learning rates, and the
weight norms.

Errata reported here, each with the corrected statement checked instead:

* eq. (7) / supplementary C: the solution of tau dw/dt = 2w(lam - N gamma - lam w) is
  xi E/(E - 1 + xi/w0) with E = exp(2 lam xi t/tau); the printed E_gamma = exp(2 xi t/tau) solves it only
  for lam = 1.
* Fig. 3 / §5.1: with the optimal rates of supplementary D and the equivalent penalty of supplementary E the
  balanced (w1 = w2) DAE and WDAE gradient-descent maps are identical, so the DAE is not faster; the printed
  "DAE still faster" does not follow from the paper's own formulas in this setting.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from theorycheck.symbolic import dae as S
from theorycheck.symbolic.registry import get
from theorycheck.verify.claims.pretorius2018._common import CITE, PR, eps, gamma, lam, n, t, tau, w1, w2
from theorycheck.verify.formulas import generated_function
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import EPS, criterion, ulps

C7 = claim(
    "pretorius2018/eq7-wdae-solution",
    "From w1 = w2 the WDAE mapping is w(t) = xi E/(E - 1 + xi/w0), xi = 1 - N gamma/lam, E_gamma = exp(2 xi t/tau).",
    f"{CITE}, eq. (7) and supplementary C",
)


@C7.exact("supc-derivation")
def _(ctx):
    """-tau times the gradient of the printed supplementary-C loss minus the printed WDAE updates, and
    w1 (tau w2') + w2 (tau w1') at w1 = w2 = u minus 2w(lam - N gamma - lam w): all exactly 0."""
    # the updates are -tau grad of the printed loss, and with w1 = w2 they give tau w' = 2w(lam - N gamma - lam w)
    r = sp.expand(-tau * sp.diff(PR["wdae_loss"], w1) - PR["wdae_tau_dw1"]) ** 2
    r += sp.expand(-tau * sp.diff(PR["wdae_loss"], w2) - PR["wdae_tau_dw2"]) ** 2
    u = sp.Symbol("u", positive=True)
    wd = (w1 * PR["wdae_tau_dw2"] + w2 * PR["wdae_tau_dw1"]).subs({w1: u, w2: u})
    r += sp.expand(wd - 2 * u**2 * (lam - n * gamma - lam * u**2)) ** 2
    return Outcome.symbolic(sp.simplify(r), "supplementary C loss -> updates -> scalar ODE for w = w1 w2 at w1 = w2")


@C7.exact("eq7-solves-supc-ode")
def _(ctx):
    """tau w' - 2w(lam - N gamma - lam w) for eq. (7): as printed (E = exp(2 xi t/tau)) it does not vanish;
    with E = exp(2 lam xi t/tau) it is exactly 0 and w(0) = w0."""
    def residual(w):
        return sp.simplify(tau * sp.diff(w, t) - 2 * w * (lam - n * gamma - lam * w))

    printed = residual(PR["eq7"])
    corrected = residual(S.WDAE_W_T)
    init = sp.simplify(S.WDAE_W_T.subs(t, 0) - S.w0p)
    lam1 = sp.simplify(printed.subs(lam, 1))
    return erratum(
        Outcome.symbolic(printed, "tau w' - 2w(lam - N gamma - lam w) for eq. (7) as printed (E = exp(2 xi t/tau))"),
        Outcome.symbolic(corrected + init + 0 * lam1, "same residual with E = exp(2 lam xi t/tau), and w(0) = w0"),
        f"E_gamma = exp(2 lam xi t/tau) = exp(2(lam - N gamma)t/tau); the printed exp(2 xi t/tau) is right only for "
        f"lam = 1 (printed residual at lam = 1: {lam1}).",
    )


@C7.precise("stable-kernel-vs-mpmath")
def _(ctx):
    """The generated WDAE kernel against eq. (7) (corrected E) at 40 digits on 80 random points (both signs
    of xi, t up to 3000 tau/lam).  The relative error is divided by the condition number of w with respect
    to the rounding of xi = 1 - N gamma/lam (which multiplies t in the exponent); 32 ulps for the ~20
    correctly rounded operations of the kernel (each <= 1/2 ulp, doubled for safety, plus the inputs)."""
    f = get("wdae.w_t")
    fn = generated_function(f, "numpy")
    rng = ctx.rng(7)
    worst = 0.0
    for _ in range(80):
        l_, g_, nn, ta = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-3, 0.5), int(rng.integers(1, 5)), 10 ** rng.uniform(-1, 1)
        w_, t_ = 10 ** rng.uniform(-8, 0.5), 10 ** rng.uniform(-2, 3.5) * ta / l_
        if abs(l_ - nn * g_) < 1e-3 * l_:
            continue
        with mpmath.workdps(40):
            ref = S.wdae_w_t_mp(*[mpmath.mpf(v) for v in (l_, g_, nn, ta, w_, t_)])
        if abs(float(ref)) < 1e-280:  # the float64 result underflows: nothing to compare
            continue
        got = float(fn(l_, g_, nn, ta, w_, t_))
        # condition number of xi = 1 - N gamma/lam w.r.t. the rounding of lam, gamma (|N gamma/lam|/|xi|)
        cond = 1 + (nn * g_ / l_) / abs(1 - nn * g_ / l_) * (1 + 2 * abs(1 - nn * g_ / l_) * t_ / ta * l_)
        worst = max(worst, abs(got - float(ref)) / float(ref) / cond)
    return Outcome.bound(worst, ulps(32, "relative error / condition number of w wrt the rounding of xi"),
                         "80 random points, both signs of xi, t up to 3000 tau/lam")


_IMB = {"smoke": {"n": 400}, "default": {"n": 2000}, "paper": {"n": 8000}}


@C7.simulation("initial-imbalance-error", sizes=_IMB)
def _(ctx):
    """Error of the (corrected) eq. (7) against the ODE of supplementary C (RK4) when w1(0) != w2(0): it
    vanishes at w1 = w2 and grows *quadratically* in the imbalance d = w2^2 - w1^2 (ratio 4 when d doubles):
    w1^2 + w2^2 = sqrt(4 w^2 + d^2) = 2w + O(d^2), so the w-dynamics feel the imbalance only at second order."""
    from theorycheck.numeric.ode import rk4_with_error
    fn = generated_function(get("wdae.w_t"), "numpy")
    l_, g_, T = 1.0, 0.2, 10.0
    w00 = 0.01
    ds = np.array([0.0, 1e-4, 2e-4, 4e-4, 8e-4])
    errs, est = [], []
    for d in ds:
        a0 = math.sqrt((math.sqrt(4 * w00**2 + d**2) - d) / 2)  # w1^2 so that w1 w2 = w00 and w2^2 - w1^2 = d
        b0 = w00 / a0

        def f(_t, y):
            a, b = y
            return np.array([b * (l_ - a * b * l_) - g_ * a, a * (l_ - a * b * l_) - g_ * b])

        ys, e = rk4_with_error(f, [a0, b0], T, ctx.sizes["n"], record=True)
        tt = np.linspace(0, T, ctx.sizes["n"] + 1)
        ww = ys[:, 0] * ys[:, 1]
        th = fn(l_, g_, 1, 1.0, w00, tt)
        errs.append(float(np.max(np.abs(ww - th))))
        est.append(float(np.max(e)))
    ratios = [errs[i + 1] / errs[i] for i in range(1, len(ds) - 1)]
    dev = max([abs(r - 4) for r in ratios] + [0.0])
    tol = criterion(0.05, "errors at d, 2d, 4d, 8d must quadruple (quadratic in d); the relative O(d^2) correction "
                    "(d/2w)^2 <= 1.6e-3 at d = 8e-4, w >= w0 = 0.01, times the ~12 it gains in the ratio, is <= 0.02 < 0.05; "
                    "at d = 0 the error is the RK4 error (10 x its step-doubling estimate) plus 64 ulps of rounding")
    terms = [("max |ratio - 4| over d = 1e-4..8e-4", dev, "<=", tol.value),
             ("max |w_ODE - w_eq7| at d = 0", errs[0], "<=", 64 * EPS + 10 * est[0])]
    return Outcome.criterion(terms, tol, f"max |w_ODE - w_eq7| for d = w2^2 - w1^2 = {ds.tolist()}: "
                             f"{[f'{x:.3e}' for x in errs]} (RK4 error estimate {max(est):.1e}); ratios "
                             f"{[round(r, 4) for r in ratios]}", predicted="0 at d = 0, quadratic in d", measured=errs,
                             sizes=dict(ctx.sizes))


C5S = claim(
    "pretorius2018/sec5-noise-vs-weight-decay",
    "With equal learning rates noise does not delay learning while weight decay does (Fig. 2); with optimal "
    "rates the DAE is still faster (Fig. 3); weight decay keeps shrinking the weight norm after the mapping is "
    "learned while noise does not, and from small initial weights both end at the same norm (Fig. 4, §5.2).",
    f"{CITE}, §5, §5.1-5.2, Figs. 2-4",
)

_F3 = {"smoke": {"steps": 200}, "default": {"steps": 400}, "paper": {"steps": 2000}}
_F2 = {"smoke": {"lr": 0.01}, "default": {"lr": 0.005}, "paper": {"lr": 0.001}}


def _half_time(tt, w, ws):
    i = int(np.argmax(w >= ws / 2))
    return float(tt[i]) if w[i] >= ws / 2 else float("nan")


@C5S.simulation("fig2-half-learning-times", sizes=_F2)
def _(ctx):
    """Fig. 2: balanced scalar gradient descent (w0 = 1e-3, equal rates lr) for lam = 2.5, 1, 0.5 and
    eps = 0, lam/2, lam, 2 lam, with the equivalent penalty gamma = lam eps/(lam + eps): the time to reach w*/2
    must not increase with eps for the DAE (within one step lr, the resolution of a half time) and must increase
    by more than one step for the WDAE.  Deterministic; the criterion records every consecutive pair."""
    from theorycheck.numeric.dae import scalar_gd

    lr = ctx.sizes["lr"]
    w0_ = 1e-3
    rows, terms = [], []
    for l_ in (2.5, 1.0, 0.5):
        T = 12.0 / l_ + 8
        steps = int(T / lr)
        th = []
        for e_ in (0.0, 0.5 * l_, 1.0 * l_, 2.0 * l_):
            g_ = l_ * e_ / (l_ + e_)
            t1, A1, B1 = scalar_gd([math.sqrt(w0_)], [math.sqrt(w0_)], l_, steps, lr, eps=e_)
            t2, A2, B2 = scalar_gd([math.sqrt(w0_)], [math.sqrt(w0_)], l_, steps, lr, wd=g_)
            ws = l_ / (l_ + e_)
            th.append((e_, _half_time(t1 * lr, A1[:, 0] * B1[:, 0], ws), _half_time(t2 * lr, A2[:, 0] * B2[:, 0], ws)))
        rows.append((l_, th))
        # noise: no delay (half time does not increase with eps, within one step); weight decay: strictly
        # increasing, by more than one step (the time resolution of gradient descent)
        for (e0, d0, g0), (e1, d1, g1) in zip(th, th[1:]):
            terms.append((f"DAE half time, lam = {l_:g}, eps = {e1:g} (<= eps = {e0:g} plus lr)", d1, "<=", d0 + lr))
            terms.append((f"WDAE half time, lam = {l_:g}, eps = {e1:g} (> eps = {e0:g} plus lr)", g1, ">", g0 + lr))
    detail = "; ".join(f"lam={l_}: " + ", ".join(f"eps={e:.2f}: DAE {a:.3f} WDAE {b:.3f}" for e, a, b in th) for l_, th in rows)
    return Outcome.criterion(terms, criterion(lr, "one gradient-descent step lr, the time resolution of a half time: "
                                              "DAE half time non-increasing in eps within it, WDAE half time "
                                              "(equivalent gamma) increasing by more than it"),
                             detail, predicted="no delay (DAE) / delay (WDAE)", sizes=dict(ctx.sizes))


@C5S.exact("fig3-optimal-rate-updates-coincide")
def _(ctx):
    """With w1 = w2 = u, one GD step of the DAE at alpha_eps and of the WDAE at alpha_gamma (gamma = lam eps/(lam+eps),
    supplementary D/E) are the same map: u + alpha_eps (lam u - (lam+eps) u^3) = u + alpha_gamma ((lam-gamma) u - lam u^3)."""
    u = sp.Symbol("u", real=True)
    g = PR["gamma_equiv"]
    a_e, a_g = tau / (2 * lam + 3 * eps), (tau / (2 * lam + gamma)).subs(gamma, g)
    step_dae = u + a_e / tau * (lam * u - (lam + eps) * u**3)
    step_wd = u + a_g / tau * ((lam - g) * u - lam * u**3)
    return Outcome.symbolic(sp.simplify(step_dae - step_wd), "difference of the two one-step maps (and hence of the ODEs)")


@C5S.simulation("fig3-optimal-rates-dae-faster", sizes=_F3)
def _(ctx):
    """Fig. 3 (erratum): at the optimal rates alpha_eps = tau/(2 lam + 3 eps), alpha_gamma = tau/(2 lam + gamma)
    with gamma = lam eps/(lam + eps), the printed claim (the DAE reaches 0.9 w* at least one step earlier) is
    compared with the corrected one (the two balanced GD maps coincide: max |w_DAE - w_WDAE|/w* within rounding,
    64 ulps per step accumulated linearly)."""
    from theorycheck.numeric.dae import scalar_gd

    l_, w0_ = 1.0, 1e-6
    gaps, diffs = [], []
    for e_ in (0.1, 0.5, 1.0, 2.0):
        g_ = l_ * e_ / (l_ + e_)
        a_e, a_g = 1 / (2 * l_ + 3 * e_), 1 / (2 * l_ + g_)  # optimal rates (tau = 1), supplementary D
        ws = l_ / (l_ + e_)
        steps = ctx.sizes["steps"]
        _, A1, B1 = scalar_gd([math.sqrt(w0_)], [math.sqrt(w0_)], l_, steps, a_e, eps=e_)
        _, A2, B2 = scalar_gd([math.sqrt(w0_)], [math.sqrt(w0_)], l_, steps, a_g, wd=g_)
        w_d, w_g = A1[:, 0] * B1[:, 0], A2[:, 0] * B2[:, 0]
        cross = lambda w: int(np.argmax(w >= 0.9 * ws))  # noqa: E731
        gaps.append(cross(w_g) - cross(w_d))
        diffs.append(float(np.max(np.abs(w_d - w_g)) / ws))
    names = ("steps(WDAE) - steps(DAE) to 0.9 w*, eps = 0.1", "steps(WDAE) - steps(DAE) to 0.9 w*, eps = 0.5",
             "steps(WDAE) - steps(DAE) to 0.9 w*, eps = 1", "steps(WDAE) - steps(DAE) to 0.9 w*, eps = 2")
    printed = Outcome.criterion([(nm, g, ">=", 1) for nm, g in zip(names, gaps)],
                                criterion(1, "the DAE is faster: the WDAE needs at least one more step, for every eps"),
                                f"steps(WDAE) - steps(DAE) to 0.9 w* for eps = 0.1, 0.5, 1, 2: {gaps}",
                                predicted="DAE reaches 0.9 w* in fewer steps", measured=gaps, sizes=dict(ctx.sizes))
    corrected = Outcome.bound(max(diffs), ulps(64 * ctx.sizes["steps"], "identical maps; rounding of ~8 ops per step "
                              "accumulates at most linearly over the steps (the map is contracting near w*)"),
                              f"max |w_DAE - w_WDAE|/w* over {ctx.sizes['steps']} steps: {[f'{d:.1e}' for d in diffs]}",
                              name="max_eps max_steps |w_DAE - w_WDAE| / w*", sizes=dict(ctx.sizes))
    return erratum(printed, corrected,
                   "With optimal rates (supplementary D) and the equivalent penalty (supplementary E) the balanced "
                   "(w1 = w2) DAE and WDAE gradient-descent maps are identical, so neither is faster; the Fig. 3 "
                   "difference cannot come from the paper's own formulas in this setting.")


@C5S.simulation("fig4-weight-norms", sizes=_F2)
def _(ctx):
    """Fig. 4 / §5.2: from a large imbalanced start the DAE norm ends at sqrt(4 w*^2 + c0^2) (c0 conserved; within
    lr, the forward-Euler drift of c0), while the WDAE norm keeps falling by > 10% after its mapping is learned and
    ends > 10% below the DAE's; from a small start both end at the minimum norm (within 1%).  Deterministic."""
    from theorycheck.numeric.dae import scalar_gd

    lr = ctx.sizes["lr"]
    l_, e_ = 1.0, 0.1
    g_ = l_ * e_ / (l_ + e_)
    steps = int(200 / lr)
    # a large imbalanced start (Fig. 4 orange paths) and a small one (magenta)
    starts = ([0.3, math.sqrt(5e-4)], [1.6, math.sqrt(5e-4)])
    t1, A1, B1 = scalar_gd(*starts, l_, steps, lr, eps=e_, record_every=int(1 / lr))
    t2, A2, B2 = scalar_gd(*starts, l_, steps, lr, wd=g_, record_every=int(1 / lr))
    tt = t1 * lr
    n1 = A1**2 + B1**2
    n2 = A2**2 + B2**2
    ws = l_ / (l_ + e_)
    i_learn = int(np.argmax(np.abs(A2[:, 0] * B2[:, 0] - ws) <= 0.01 * ws))  # WDAE has learned the mapping
    wd_change = (n2[i_learn, 0] - n2[-1, 0]) / n2[i_learn, 0]
    # DAE: w2^2 - w1^2 = c0 is conserved, so the norm ends at sqrt(4 w*^2 + c0^2) and does not shrink further
    c0_ = abs(starts[1][0] ** 2 - starts[0][0] ** 2)
    dae_final = math.sqrt(4 * ws**2 + c0_**2)
    dae_dev = abs(n1[-1, 0] - dae_final) / dae_final
    # from small weights: both end at the minimum-norm point 2 w* (w1 = w2 = sqrt(w*))
    small_gap = abs(n1[-1, 1] - n2[-1, 1]) / n2[-1, 1]
    terms = [("|DAE final norm - sqrt(4 w*^2 + c0^2)| / sqrt(4 w*^2 + c0^2)", dae_dev, "<", lr),
             ("relative WDAE norm decrease after its mapping is learned", wd_change, ">", 0.1),
             ("WDAE final norm (large start)", float(n2[-1, 0]), "<", 0.9 * float(n1[-1, 0])),
             ("|DAE - WDAE| / WDAE final norm (small start)", small_gap, "<", 0.01)]
    return Outcome.criterion(terms, criterion(lr, "DAE final norm = sqrt(4w*^2 + c0^2): c0 = w2^2 - w1^2 is conserved by the "
                             "flow, and a forward-Euler step changes it by lr^2 (g2^2 - g1^2), O(lr) over the run, so within lr "
                             "relative; after its mapping is within 1%% of w* (t = %.0f) the WDAE norm still falls by > 10%% "
                             "and ends > 10%% below the DAE's; from small weights the final norms agree within 1%%" % tt[i_learn]),
                         f"DAE final norm {n1[-1, 0]:.6f} vs sqrt(4w*^2+c0^2) = {dae_final:.6f}; WDAE norm decrease after learning "
                         f"{wd_change:.3f} (final {n2[-1, 0]:.4f}); small-init final norms {n1[-1, 1]:.4f} (DAE) vs {n2[-1, 1]:.4f} "
                         f"(WDAE), minimum norm 2w* = {2 * ws:.4f}",
                         predicted="WDAE shrinks, DAE does not", sizes=dict(ctx.sizes))


