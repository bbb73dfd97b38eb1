"""Saxe, McClelland & Ganguli 2013, supplementary G "Analysis of Neural Dynamics in Nonlinear Orthogonal
Networks": random orthogonal tanh networks (eq. 20), their population variance q^l (eq. 21), the q-map
(47)-(48) and its stable fixed point q_inf(g) of eq. (49) (Fig. 8 right).  No errata.

Network, eq. (20): x^{l+1} = g W^{(l+1,l)} phi(x^l), W Haar-random orthogonal (QR of a Gaussian matrix
with the sign correction, as in supplementary C), phi = tanh, no bias.  In the harness
(numeric/propagation.py) this is weights='orthogonal', sw2 = g^2, sb2 = 0; x^l -> z_l.  q^l =
|x^l|^2/N, eq. (21).  Eq. (48) is the q-map nu(q) = g^2 E[tanh(sqrt(q) Z)^2] (meanfield.qmap.tanh at
sw2 = g^2, sb2 = 0), q_inf(g) its stable fixed point (saxe.q_infinity).

Not stated in the paper and chosen here: the input population variance q^1 = 1 (_common.Q1) and the gains g.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.saxe2013._common import CITE, Q1, q_inf
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, chi2_mean, clt

QINF_SIZES = {
    "smoke": {"width": 200, "depth": 30, "n_nets": 2, "gains": [0.9, 1.2, 1.5, 2.0]},
    "default": {"width": 1000, "depth": 30, "n_nets": 2, "gains": [0.8, 1.1, 1.2, 1.5, 2.0, 3.0]},
    "paper": {"width": 1000, "depth": 30, "n_nets": 4, "gains": [0.5, 0.8, 0.9, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0]},
}


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
    return q_inf(g), float(traj[-5:].mean()), sd, float(bias[-5:].max())


def simulate_last5(ctx, sz: dict, i: int, g: float, device="cpu") -> np.ndarray:
    """The last-5-layer mean of q^l of ``n_nets`` random orthogonal tanh networks at gain ``g`` (one input each)."""
    r = MF.simulate("tanh", int(sz["width"]), int(sz["depth"]), g * g, 0.0, Q1, (0.0,), int(sz["n_nets"]),
                    MF.seed_for(ctx, 100 + i), weights="orthogonal", device=device)
    return r.q[:, 0, -5:].mean(axis=1)


CQ = claim(
    "saxe2013/supG-qinf-sim",
    "Random orthogonal tanh networks (eq. 20) of depth 30 and width N = 1000 reach the population "
    "variance q_inf(g), the stable fixed point of eq. (49), averaged over the last 5 layers: 0 for "
    "g < 1, positive for g > 1 (Fig. 8 right).",
    f"{CITE}, supplementary G, eqs. (47)-(49) and Fig. 8 (right)",
)


@CQ.simulation("last5-q-vs-q-inf", sizes=QINF_SIZES)
def _(ctx):
    """For every gain g: the mean over networks of the last-5-layer average of q^l vs q_inf(g) of eq. (49).

    Tolerance clt(sigma, n) per gain, two-sided at ALPHA / (number of gains) (Bonferroni split of the
    suite's per-check budget): sigma from theory (the per-layer O(1/N) noise of the sphere average of
    tanh^2, propagated by the linearized map nu'), plus a bias = the depth-30 offset |nu^29(q1) avg - q_inf|
    and the delta-method O(1/N) bias bound.  All gains must hold (all_of)."""
    sz = ctx.sizes
    gains, n = list(sz["gains"]), int(sz["n_nets"])
    outs, rows = [], []
    for i, g in enumerate(gains):
        stat = simulate_last5(ctx, sz, i, g, ctx.device)
        qinf, q30, sd, fw_bias = _last5_theory(g, int(sz["width"]), int(sz["depth"]))
        depth_bias = abs(q30 - qinf)
        tol = clt(sd, n, alpha=ALPHA / len(gains), bias=depth_bias + fw_bias,
                  why=f"g={g}: sigma of the last-5-layer mean from theory; bias = depth-30 offset "
                      f"{depth_bias:.2g} + delta-method O(1/N) bound {fw_bias:.2g}")
        m = float(stat.mean())
        rows.append({"g": g, "q_inf": qinf, "q_depth30_theory": q30, "sim_mean": m,
                     "sim_sd": float(stat.std(ddof=1)) if n > 1 else None, "theory_sd": sd, "tolerance": tol.value})
        outs.append(Outcome.compare(qinf, m, tol, f"g={g}: simulated {m:.5f} vs q_inf {qinf:.5f}", sizes=dict(sz)))
    out = Outcome.all_of(outs)
    out.extra = {"rows": rows}
    return out


@CQ.simulation("noise-z2-vs-theory", sizes=QINF_SIZES)
def _(ctx):
    """z = (last-5-layer mean - the iterated map's value) / theory sd, over nets and gains with q^30 > 1e-4:
    if the theory sd (sphere-conditioned CLT noise propagated through nu') is right, z is standard normal
    and E z^2 = 1; a larger mean z^2 means the simulation deviates from the map more than finite-width
    noise explains.

    Tolerance chi2_mean(k): one-sided, the k z^2 sum to chi^2_k under the theory, so mean z^2 <= the
    chi^2_k quantile at 1 - ALPHA, / k (exact for normal z; the CLT bound 1 + z sqrt(2/k) understates the
    chi^2 tail at the k = 6 scores of smoke scale)."""
    sz = ctx.sizes
    gains = list(sz["gains"])
    zs = []
    for i, g in enumerate(gains):
        qinf, q30, sd, fw_bias = _last5_theory(g, int(sz["width"]), int(sz["depth"]))
        if q30 < 1e-4:
            continue  # the noise variance is O(q^4) there, below the float64 cancellation floor of its formula
        stat = simulate_last5(ctx, sz, i, g, ctx.device)
        zs.extend(((stat - q30) / sd).tolist())
    zs = np.array(zs)
    k = len(zs)
    tol = chi2_mean(k, why="mean of z^2 over all nets and gains with q^30 > 1e-4")
    ms = float(np.mean(zs**2))
    return Outcome.bound(ms, tol, f"mean z^2 = {ms:.3f} over {k} nets (expected 1 if the noise theory is exact; "
                         f"z = {np.round(zs, 2).tolist()})", predicted=1.0, name="mean z^2", sizes=dict(sz),
                         extra={"z": zs.tolist()})


CQ47 = claim(
    "saxe2013/supG-eq47-orthogonal-variance",
    "For x^{l+1} = g W phi(x^l) with W orthogonal, q^{l+1} = g^2 (1/N) sum_i phi(x_i^l)^2 exactly (eq. 47; no Gaussian "
    "assumption, that enters only at (48)).",
    f"{CITE}, supplementary G, eq. (47)",
)


@CQ47.precise("eq47-exact-per-layer")
def _(ctx):
    """One random orthogonal tanh network (N = 100, 20 layers, g = 1.3, q^1 = 1): per layer, q^{l+1} computed from
    x^{l+1} = g W phi(x^l) vs g^2 (1/N) sum phi(x^l)^2; the largest relative difference.

    Tolerance ulps(4 N): |W y|^2 = |y|^2 for orthogonal W up to the orthogonality error of W (~N eps for Householder
    QR) and the rounding of the product and of the two sums of squares (~N eps each)."""
    import torch

    from theorycheck.numeric.backend import haar_orthogonal

    N, L, g = 100, 20, 1.3
    gen = ctx.torch_generator(1700)
    x = torch.randn(N, generator=gen, dtype=torch.float64)
    x = x / x.norm() * math.sqrt(N)
    worst = 0.0
    for _ in range(L):
        W = haar_orthogonal(N, gen)
        y = torch.tanh(x)
        x = g * (W @ y)
        q_next = float((x * x).mean())
        pred = g * g * float((y * y).mean())
        worst = max(worst, abs(q_next - pred) / pred)
    from theorycheck.verify.tolerances import ulps

    return Outcome.bound(worst, ulps(4 * N, "orthogonality of W and the sums of squares, ~N eps each"),
                         f"max relative |q^(l+1) - g^2 mean phi(x^l)^2| over {L} layers", name="max relative difference")
