"""Simulation claims of Saxe, McClelland & Ganguli 2013, section 4 and supplementary G: random
orthogonal tanh networks, their population variance q^l, the fixed point q_inf(g) of eq. (49) and the
singular values of the end-to-end Jacobian (Figs. 7 and 8).

Network, eq. (20): x^{l+1} = g W^{(l+1,l)} phi(x^l), W Haar-random orthogonal (QR of a Gaussian
matrix with the sign correction, as in supplementary C), phi = tanh, no bias.  In the harness
(numeric/propagation.py) this is weights='orthogonal', sw2 = g^2, sb2 = 0; x^l -> z_l.  q^l =
|x^l|^2/N, eq. (21).  Eq. (48) is the q-map nu(q) = g^2 E[tanh(sqrt(q) Z)^2] (meanfield.qmap.tanh at
sw2 = g^2, sb2 = 0), q_inf(g) its stable fixed point (saxe.q_infinity).  Eq. (22): the Jacobian
J = d x^{N_l} / d x^1, a product of N_l - 1 factors g W D_l with D_l = diag(phi'(x^l)).

Not stated in the paper and chosen here: the input population variance q^1 = 1 (Fig. 8 does not
give it; Fig. 7 varies it) and the gains g.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.figures import figure
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import clt, clt_t, criterion

PAPER = "Saxe et al. 2013"
Q1 = 1.0

QINF_SIZES = {
    "smoke": {"width": 200, "depth": 30, "n_nets": 2, "gains": [0.9, 1.2, 1.5, 2.0]},
    "default": {"width": 1000, "depth": 30, "n_nets": 2, "gains": [0.8, 1.1, 1.2, 1.5, 2.0, 3.0]},
    "paper": {"width": 1000, "depth": 30, "n_nets": 4, "gains": [0.5, 0.8, 0.9, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0]},
}
JAC_SIZES = {
    "smoke": {"width": 64, "layers": 100, "n_nets": 8},
    "default": {"width": 300, "layers": 100, "n_nets": 8},
    "paper": {"width": 1000, "layers": 100, "n_nets": 4},
}
JAC_GAINS = (0.9, 1.0, 1.1)


def _q_inf(g: float) -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.q_infinity(np.float64(g)))


def _sphere_noise_var(g: float, q: float, n: int) -> float:
    """Variance of one layer's q^{l+1} = g^2 mean_i tanh(x_i)^2 given q^l = q, to leading order in 1/N.

    With Haar weights x^l is uniform on the sphere |x|^2 = N q, so mean_i x_i^2 = q exactly: the
    fluctuation is that of mean_i tanh(x_i)^2 for i.i.d. x_i ~ N(0, q) *conditioned* on the sample
    second moment, g^4 [Var(tanh^2) - Cov(tanh^2, x^2)^2 / Var(x^2)] / N with Var(x^2) = 2 q^2 (the
    part of tanh^2 linear in x^2 does not fluctuate).  Expectations by numeric.gaussian.expect."""
    from theorycheck.numeric import gaussian as G

    if q <= 0:
        return 0.0
    m2 = float(G.expect(lambda x: np.tanh(x) ** 2, q))
    m4 = float(G.expect(lambda x: np.tanh(x) ** 4, q))
    cov = float(G.expect(lambda x: np.tanh(x) ** 2 * x * x, q)) - m2 * q
    return g**4 * max(m4 - m2 * m2 - cov * cov / (2 * q * q), 0.0) / n


def _last5_theory(g: float, width: int, depth: int):
    """Theory of the statistic 'mean of q^l over the last 5 layers' for one network.

    Returns (q_inf, mean of the iterated map over the last 5 layers, its standard deviation from the
    linearized noise propagation e_{l+1} = nu'(q_l) e_l + eps_l, delta-method bias bound)."""
    sw2 = g * g
    traj = MF.q_trajectory("tanh", Q1, sw2, 0.0, depth)
    f = (lambda x: float(MF.qmap("tanh", max(x, 0.0), sw2, 0.0)))
    L = depth
    slopes = np.array([MF.derivatives(f, traj[l], 1e-4 * max(traj[l], 1e-6))[0] for l in range(L)])
    v = np.array([_sphere_noise_var(g, traj[l], width) for l in range(L)])  # noise entering layer l+1
    # e_l = sum_{j<l} (prod_{m=j+1}^{l-1} slopes[m]) eps_j  (eps_j enters at layer j+1)
    A = np.zeros((L + 1, L))
    for l in range(1, L + 1):
        for j in range(l):
            A[l, j] = np.prod(slopes[j + 1:l])
    cov = A @ np.diag(v) @ A.T
    w = np.zeros(L + 1)
    w[-5:] = 0.2
    sd = math.sqrt(float(w @ cov @ w))
    var = np.diag(cov)
    bias = MF.delta_method_bias(f, traj, var)
    return _q_inf(g), float(traj[-5:].mean()), sd, float(bias[-5:].max())


CQ = claim(
    "saxe2013/supG-qinf-sim",
    "Random orthogonal tanh networks (eq. 20) of depth 30 and width N = 1000 reach the population "
    "variance q_inf(g), the stable fixed point of eq. (49), averaged over the last 5 layers: 0 for "
    "g < 1, positive for g > 1 (Fig. 8 right).",
    f"{PAPER}, supplementary G, eqs. (47)-(49) and Fig. 8 (right)",
)


@CQ.simulation("last-5-layer-q-matches-q-inf-g-of-eq-49", sizes=QINF_SIZES)
def _(ctx):
    sz = ctx.sizes
    gains, n = list(sz["gains"]), int(sz["n_nets"])
    rows, worst = [], None
    for i, g in enumerate(gains):
        r = MF.simulate("tanh", int(sz["width"]), int(sz["depth"]), g * g, 0.0, Q1, (0.0,), n,
                        MF.seed_for(ctx, 100 + i), weights="orthogonal", device=ctx.device)
        stat = r.q[:, 0, -5:].mean(axis=1)  # one input per net
        qinf, q30, sd, fw_bias = _last5_theory(g, int(sz["width"]), int(sz["depth"]))
        depth_bias = abs(q30 - qinf)
        tol = clt(sd, n, alpha=MF.ALPHA / len(gains), bias=depth_bias + fw_bias,
                  why=f"g={g}: sigma of the last-5-layer mean from theory (per-layer noise of the sphere average "
                      f"of tanh^2, O(1/N), propagated by the linearized map nu'); bias = depth-30 offset "
                      f"|nu^29(q1) avg - q_inf| = {depth_bias:.2g} + delta-method O(1/N) bound {fw_bias:.2g}")
        m = float(stat.mean())
        ratio = abs(m - qinf) / tol.value
        rows.append({"g": g, "q_inf": qinf, "q_depth30_theory": q30, "sim_mean": m,
                     "sim_sd": float(stat.std(ddof=1)) if n > 1 else None, "theory_sd": sd, "tolerance": tol.value})
        if worst is None or ratio > worst[0]:
            worst = (ratio, g, qinf, m, tol)
    ratio, g, qinf, m, tol = worst
    return Outcome(predicted=qinf, measured=m, error=abs(m - qinf), tolerance=tol, passed=bool(ratio <= 1),
                   detail=f"worst gain g={g}: simulated {m:.5f} vs q_inf {qinf:.5f} ({ratio:.2f} x tolerance); "
                          + "; ".join(f"g={r['g']}: {r['sim_mean']:.4f} vs {r['q_inf']:.4f}" for r in rows),
                   sizes=dict(sz), extra={"rows": rows})


@CQ.simulation("deviations-from-the-depth-30-map-are-as-small-as-the-n-1-2-noise-theory-says",
               sizes=QINF_SIZES)
def _(ctx):
    """z = (last-5-layer mean - the iterated map's value) / theory sd, over nets and gains g > 1: if the
    theory sd (sphere-conditioned CLT noise propagated through nu') is right, E z^2 = 1; a larger mean
    z^2 means the simulation deviates from the map more than finite-width noise explains."""
    sz = ctx.sizes
    gains, n = list(sz["gains"]), int(sz["n_nets"])
    zs = []
    for i, g in enumerate(gains):
        qinf, q30, sd, fw_bias = _last5_theory(g, int(sz["width"]), int(sz["depth"]))
        if q30 < 1e-4:
            continue  # the noise variance is O(q^4) there, below the float64 cancellation floor of its formula
        r = MF.simulate("tanh", int(sz["width"]), int(sz["depth"]), g * g, 0.0, Q1, (0.0,), n,
                        MF.seed_for(ctx, 100 + i), weights="orthogonal", device=ctx.device)
        stat = r.q[:, 0, -5:].mean(axis=1)
        zs.extend(((stat - q30) / sd).tolist())
    zs = np.array(zs)
    k = len(zs)
    tol = clt(math.sqrt(2.0), k, bias=1.0, why="one-sided: mean of z^2 over all nets and gains (with q^30 > 1e-4) must not exceed "
              "its expectation 1 by more than the CLT allows (Var z^2 = 2 for normal z)")
    ms = float(np.mean(zs**2))
    return Outcome(predicted=1.0, measured=ms, error=ms, tolerance=tol, passed=bool(ms <= tol.value),
                   detail=f"mean z^2 = {ms:.3f} over {k} nets (expected 1 if the noise theory is exact; "
                          f"z = {np.round(zs, 2).tolist()})", sizes=dict(sz), extra={"z": zs.tolist()})


# ----------------------------------------------------------------------------------------------
CJ = claim(
    "saxe2013/supG-jacobian-isometry",
    "Singular values of the end-to-end Jacobian (eq. 22) of a 100-layer random orthogonal tanh network: "
    "for g < 1 they are extremely small, for g > 1 anisotropic, and at g = 1 an O(1) fraction of them "
    "stays in an O(1) range (approximate dynamical isometry).",
    f"{PAPER}, section 4, eq. (22) and Fig. 7",
)


def _jac_runs(ctx):
    sz = ctx.sizes
    return {g: MF.simulate("tanh", int(sz["width"]), int(sz["layers"]) - 1, g * g, 0.0, Q1, (0.0,),
                           int(sz["n_nets"]), MF.seed_for(ctx, 200 + i), weights="orthogonal", jacobian=True,
                           device=ctx.device) for i, g in enumerate(JAC_GAINS)}


def _mean_field_log_msq(g: float, layers: int) -> float:
    """ln of prod_l chi(q^l), chi(q) = g^2 E[tanh'(sqrt(q) Z)^2], q^l the eq. (48) trajectory from q^1:
    the mean-field (free-probability) value of (1/N) sum_i s_i^2 = (1/N) tr(J J^T)."""
    traj = MF.q_trajectory("tanh", Q1, g * g, 0.0, layers - 2)  # q^1 .. q^{N_l - 1}
    return float(np.sum(np.log(MF.chi("tanh", traj, g * g))))


@CJ.simulation("mean-squared-singular-value-prod-l-chi-q-l-at-g-0.9-1-1.1", sizes=JAC_SIZES)
def _(ctx):
    runs = _jac_runs(ctx)
    layers = int(ctx.sizes["layers"])
    outs = []
    for g, r in runs.items():
        lm = np.log(np.mean(r.jac_sv**2, axis=1))
        pred = _mean_field_log_msq(g, layers)
        n = len(lm)
        tol = clt_t(float(lm.std(ddof=1)), n, MF.ALPHA, tests=len(runs),
                    why=f"g={g}: ln of (1/N) sum s_i^2, mean over {n} networks; no O(1/N) bias term (not derived)")
        m = float(lm.mean())
        outs.append(Outcome(predicted=pred, measured=m, error=abs(m - pred), tolerance=tol,
                            passed=abs(m - pred) <= tol.value,
                            detail=f"g={g}: ln msq {m:.4f} vs mean-field {pred:.4f}", sizes=dict(ctx.sizes)))
    worst = max(outs, key=lambda o: o.error / o.tolerance.value)
    worst.detail = " | ".join(o.detail + (" ok" if o.passed else " FAIL") for o in outs)
    worst.passed = all(o.passed for o in outs)
    return worst


def _fraction_near_rms(sv: np.ndarray, factor: float = 10.0) -> np.ndarray:
    rms = np.sqrt(np.mean(sv**2, axis=1, keepdims=True))
    return np.mean((sv >= rms / factor) & (sv <= rms * factor), axis=1)


def _spread(sv: np.ndarray) -> np.ndarray:
    """Decades spanned by the central 80 % of the singular values, log10(p90 / p10), per network."""
    return np.log10(np.percentile(sv, 90, axis=1) / np.percentile(sv, 10, axis=1))


@CJ.simulation("g-1-at-least-half-of-the-singular-values-within-a-factor-10-of-their-rms", sizes=JAC_SIZES)
def _(ctx):
    runs = _jac_runs(ctx)
    fr = {g: _fraction_near_rms(r.jac_sv) for g, r in runs.items()}
    f1 = float(fr[1.0].min())
    return Outcome(predicted=">= 0.5", measured=f1, error=0.5 - f1, tolerance=criterion(
        0.0, "stated criterion for 'an O(1) fraction in an O(1) range': the smallest, over networks, fraction "
             "of singular values in [RMS/10, 10 RMS] must be >= 1/2 (error = 1/2 - fraction <= 0)"),
        passed=f1 >= 0.5,
        detail="fraction within a factor 10 of the RMS, mean over nets: "
               + ", ".join(f"g={g}: {v.mean():.3f}" for g, v in fr.items())
               + "; RMS singular value: " + ", ".join(f"g={g}: {np.sqrt(np.mean(r.jac_sv ** 2)):.3g}"
                                                       for g, r in runs.items()),
        sizes=dict(ctx.sizes), extra={str(g): v.tolist() for g, v in fr.items()})


@CJ.simulation("g-0.9-vanishing-g-1.1-more-anisotropic-than-g-1", sizes=JAC_SIZES)
def _(ctx):
    runs = _jac_runs(ctx)
    layers = int(ctx.sizes["layers"])
    sp = {g: _spread(r.jac_sv) for g, r in runs.items()}
    smax_09 = float(runs[0.9].jac_sv.max())
    bound = 0.9 ** (layers - 1)  # |tanh'| <= 1 and |W| = 1: every singular value <= g^(N_l - 1)
    gap = float(sp[1.1].min() - sp[1.0].max())
    ok = (gap >= 1.0) and (smax_09 <= bound) and (smax_09 < 1e-3)
    return Outcome(predicted="spread(1.1) - spread(1) >= 1 decade; max s(0.9) <= 0.9^99", measured=gap,
                   error=max(1.0 - gap, 0.0), tolerance=criterion(
                       0.0, "stated criteria: the central-80 % spread log10(p90/p10) at g = 1.1 exceeds that at "
                            "g = 1 by >= 1 decade in every network, and at g = 0.9 every singular value is below "
                            "both 1e-3 ('extremely small') and the exact bound 0.9^(N_l - 1)"),
                   passed=bool(ok),
                   detail=f"spread (decades) g=0.9: {sp[0.9].mean():.2f}, g=1: {sp[1.0].mean():.2f}, g=1.1: "
                          f"{sp[1.1].mean():.2f}; largest s at g=0.9: {smax_09:.3g} (bound {bound:.3g})",
                   sizes=dict(ctx.sizes), extra={str(g): v.tolist() for g, v in sp.items()})


# ----------------------------------------------------------------------------------------------
@figure("saxe2013-fig8", "Saxe et al. 2013 Fig. 8: the tanh variance map (48) at g = 1 (left) and q_inf(g) "
                         "of eq. (49) against random orthogonal networks, depth 30, last 5 layers (right)")
def _fig8(out_path, scale, seed):
    import matplotlib.pyplot as plt

    from theorycheck.verify.context import Context

    sz = QINF_SIZES[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    qin = np.linspace(0, 10, 200)
    a.plot(qin, MF.qmap("tanh", qin, 1.0, 0.0), "r", label="eq. (48), g = 1")
    a.plot(qin, qin, "k:", label="q_out = q_in")
    a.set_xlabel("q_in"), a.set_ylabel("q_out"), a.legend()
    gs = np.linspace(0.5, 3.0, 60)
    b.plot(gs, [_q_inf(g) for g in gs], "r", label="q_inf(g), eq. (49)")
    for i, g in enumerate(sz["gains"]):
        r = MF.simulate("tanh", int(sz["width"]), int(sz["depth"]), g * g, 0.0, Q1, (0.0,), int(sz["n_nets"]),
                        MF.seed_for(ctx, 100 + i), weights="orthogonal")
        b.plot([g] * r.q.shape[0], r.q[:, 0, -5:].mean(axis=1), "bo", ms=4,
               label=f"simulation N={sz['width']}, depth {sz['depth']}" if i == 0 else None)
    b.set_xlabel("g"), b.set_ylabel("q_inf"), b.legend()
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    plt.close(fig)
