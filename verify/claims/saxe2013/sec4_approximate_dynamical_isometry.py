"""Saxe, McClelland & Ganguli 2013, section 4 "Achieving approximate dynamical isometry in nonlinear
networks": the singular values of the end-to-end Jacobian (22) of a random orthogonal tanh network (20)
(Fig. 7).  No errata.

Network, eq. (20), as in supp_g_nonlinear_orthogonal_networks.py; the Jacobian J = d x^{N_l} / d x^1 is a
product of N_l - 1 factors g W D_l with D_l = diag(phi'(x^l)).  Not stated in the paper and chosen here:
the input population variance q^1 = 1 (_common.Q1; Fig. 7 varies it) and the gains 0.9, 1, 1.1.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.saxe2013._common import CITE, Q1
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, clt_t, criterion

JAC_SIZES = {
    "smoke": {"width": 64, "layers": 100, "n_nets": 8},
    "default": {"width": 300, "layers": 100, "n_nets": 8},
    "paper": {"width": 1000, "layers": 100, "n_nets": 4},
}
JAC_GAINS = (0.9, 1.0, 1.1)

CJ = claim(
    "saxe2013/supG-jacobian-isometry",
    "Singular values of the end-to-end Jacobian (eq. 22) of a 100-layer random orthogonal tanh network: "
    "for g < 1 they are extremely small, for g > 1 anisotropic, and at g = 1 an O(1) fraction of them "
    "stays in an O(1) range (approximate dynamical isometry).",
    f"{CITE}, section 4, eq. (22) and Fig. 7",
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


@CJ.simulation("mean-sq-sv-vs-mean-field", sizes=JAC_SIZES)
def _(ctx):
    """For g = 0.9, 1, 1.1: the mean over networks of ln((1/N) sum_i s_i^2) of the Jacobian (22) vs the
    mean-field value ln prod_l chi(q^l).

    Tolerance clt_t(sd, n, tests=3): Student t with n - 1 dof on the network-to-network spread, Bonferroni
    over the three gains; no O(1/N) bias term (not derived).  All gains must hold (all_of)."""
    runs = _jac_runs(ctx)
    layers = int(ctx.sizes["layers"])
    outs = []
    for g, r in runs.items():
        lm = np.log(np.mean(r.jac_sv**2, axis=1))
        pred = _mean_field_log_msq(g, layers)
        n = len(lm)
        tol = clt_t(float(lm.std(ddof=1)), n, ALPHA, tests=len(runs),
                    why=f"g={g}: ln of (1/N) sum s_i^2, mean over {n} networks; no O(1/N) bias term (not derived)")
        m = float(lm.mean())
        outs.append(Outcome.compare(pred, m, tol, f"g={g}: ln msq {m:.4f} vs mean-field {pred:.4f}",
                                    sizes=dict(ctx.sizes)))
    return Outcome.all_of(outs)


def _fraction_near_rms(sv: np.ndarray, factor: float = 10.0) -> np.ndarray:
    rms = np.sqrt(np.mean(sv**2, axis=1, keepdims=True))
    return np.mean((sv >= rms / factor) & (sv <= rms * factor), axis=1)


def _spread(sv: np.ndarray) -> np.ndarray:
    """Decades spanned by the central 80 % of the singular values, log10(p90 / p10), per network."""
    return np.log10(np.percentile(sv, 90, axis=1) / np.percentile(sv, 10, axis=1))


@CJ.simulation("g1-half-sv-near-rms", sizes=JAC_SIZES)
def _(ctx):
    """At g = 1, in every network, at least half of the Jacobian's singular values lie within a factor 10
    of their RMS ('an O(1) fraction in an O(1) range').

    Tolerance criterion(0.5): the paper gives no number; the stated criterion (smallest fraction over
    networks >= 1/2) is part of the claim as checked."""
    runs = _jac_runs(ctx)
    fr = {g: _fraction_near_rms(r.jac_sv) for g, r in runs.items()}
    f1 = float(fr[1.0].min())
    tol = criterion(0.5, "stated criterion for 'an O(1) fraction in an O(1) range': the smallest, over networks, "
                         "fraction of singular values in [RMS/10, 10 RMS] at g = 1 must be >= 1/2")
    return Outcome.at_least(
        f1, tol, "fraction within a factor 10 of the RMS, mean over nets: "
                 + ", ".join(f"g={g}: {v.mean():.3f}" for g, v in fr.items())
                 + "; RMS singular value: " + ", ".join(f"g={g}: {np.sqrt(np.mean(r.jac_sv ** 2)):.3g}"
                                                         for g, r in runs.items()),
        name="min over networks of the fraction of s_i in [RMS/10, 10 RMS] at g = 1", sizes=dict(ctx.sizes),
        extra={str(g): v.tolist() for g, v in fr.items()})


@CJ.simulation("g0.9-vanishing-g1.1-anisotropic", sizes=JAC_SIZES)
def _(ctx):
    """g = 0.9: every singular value is below 1e-3 ('extremely small') and below the exact bound 0.9^(N_l - 1)
    (|tanh'| <= 1, |W| = 1); g = 1.1: the central-80 % spread log10(p90/p10) exceeds that at g = 1 by at
    least one decade in every network ('anisotropic').

    Tolerance criterion(1 decade): the paper gives no number; the stated criteria are part of the claim as
    checked, each recorded as a term (the bound 0.9^(N_l - 1) is exact)."""
    runs = _jac_runs(ctx)
    layers = int(ctx.sizes["layers"])
    sp = {g: _spread(r.jac_sv) for g, r in runs.items()}
    smax_09 = float(runs[0.9].jac_sv.max())
    bound = 0.9 ** (layers - 1)  # |tanh'| <= 1 and |W| = 1: every singular value <= g^(N_l - 1)
    gap = float(sp[1.1].min() - sp[1.0].max())
    tol = criterion(1.0, "stated criteria: the central-80 % spread log10(p90/p10) at g = 1.1 exceeds that at g = 1 "
                         "by >= 1 decade in every network, and at g = 0.9 every singular value is below both 1e-3 "
                         "('extremely small') and the exact bound 0.9^(N_l - 1)")
    return Outcome.criterion(
        [("min spread(g=1.1) - max spread(g=1) [decades]", gap, ">=", 1.0),
         ("max s at g=0.9 vs 0.9^(N_l-1)", smax_09, "<=", bound), ("max s at g=0.9 vs 1e-3", smax_09, "<", 1e-3)], tol,
        f"spread (decades) g=0.9: {sp[0.9].mean():.2f}, g=1: {sp[1.0].mean():.2f}, g=1.1: "
        f"{sp[1.1].mean():.2f}; largest s at g=0.9: {smax_09:.3g} (bound {bound:.3g})",
        sizes=dict(ctx.sizes), extra={str(g): v.tolist() for g, v in sp.items()})


# The companion sentence "this nice property at g = 1 remains valid even as the input variance q^1 is increased far
# beyond 1" is not a check yet: with the criterion of g1-half-sv-near-rms (>= 1/2 of the singular values within a
# factor 10 of the RMS) a width-64, 100-layer network gave mean fractions 0.895, 0.473, 0.211 at q^1 = 1, 10, 100,
# i.e. it fails at q^1 >= 10 there; whether it holds at the paper's N = 1000 was not measured.
CJ2 = claim(
    "saxe2013/sec4-isometry-robustness",
    "The singular value spectrum of the end-to-end Jacobian is more robust to perturbations that increase g from 1 "
    "than to those that decrease it.",
    f"{CITE}, section 4 (text after Fig. 7)",
)

ROB_SIZES = {
    "smoke": {"width": 32, "layers": 100, "n_nets": 2},
    "default": {"width": 200, "layers": 100, "n_nets": 4},
    "paper": {"width": 1000, "layers": 100, "n_nets": 4},
}


def _jac(ctx, g, q1, offset):
    sz = ctx.sizes
    return MF.simulate("tanh", int(sz["width"]), int(sz["layers"]) - 1, g * g, 0.0, q1, (0.0,), int(sz["n_nets"]),
                       MF.seed_for(ctx, offset), weights="orthogonal", jacobian=True, device=ctx.device).jac_sv


@CJ2.simulation("raising-g-is-milder-than-lowering", sizes=ROB_SIZES)
def _(ctx):
    """q^1 = 1: the change of the singular value distribution from g = 1 to g = 1.1 vs from g = 1 to g = 0.9, measured
    as |Delta log10 median s| + |Delta log10(p90/p10)| (decades; means over networks).  The claim: the first is
    smaller.

    Tolerance criterion: an ordering; stated: distance(1 -> 1.1) < distance(1 -> 0.9)."""
    d = {}
    for i, g in enumerate((0.9, 1.0, 1.1)):
        sv = _jac(ctx, g, 1.0, 230 + i)
        d[g] = (float(np.mean(np.log10(np.median(sv, axis=1)))), float(np.mean(_spread(sv))))
    dist = {g: abs(d[g][0] - d[1.0][0]) + abs(d[g][1] - d[1.0][1]) for g in (0.9, 1.1)}
    return Outcome.criterion([("distance(1 -> 1.1) - distance(1 -> 0.9) [decades]", dist[1.1] - dist[0.9], "<", 0.0)],
                             criterion(0.0, "stated ordering of the two distances"),
                             f"distance in decades: g=0.9: {dist[0.9]:.2f}, g=1.1: {dist[1.1]:.2f} (log10 median, "
                             f"spread at g=0.9/1/1.1: {d[0.9]}, {d[1.0]}, {d[1.1]})", sizes=dict(ctx.sizes))
