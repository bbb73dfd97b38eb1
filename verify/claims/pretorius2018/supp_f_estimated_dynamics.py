"""Supplementary F, Estimated dynamics for nonlinear networks (and §6's Fig. 6 settings): the estimator
lam^_j(t)/lam_j = [V^T (sum_i x_i x^_i(t)^T) V]_jj / lam_j, its printed range [0, 1], and the Fig. 6 run at the
paper's settings sigma^2 = 3 (DAE) and gamma = 0.0045 (WDAE) -- ReLU autoencoders, H = 32, rate 0.05 (the paper
prints no rate for Fig. 6), on scikit-learn's digits (x/16) instead of MNIST/CIFAR-10.  Figures:
``pretorius2018-fig6`` (ReLU) and ``pretorius2018-fig7`` (tanh, supplementary G: sigma^2 = 2, gamma = 0.0045).

Errata reported here (with the evidence in the check records):

* supplementary F: the estimator is not confined to [0, 1].  It equals w*_j in [0, 1] for a linear AE/DAE at its
  fixed point (checked exactly), but for ReLU networks it is slightly negative near the random start and exceeds 1
  for the plain AE late in training (measured min/max recorded).
* §6, Fig. 6: at the printed settings the WDAE (gamma = 0.0045) does not show "roughly the same degree of
  regularisation" as the DAE (sigma^2 = 3) under the loss as printed in (6) (mean over its 1/(2N) data term plus
  (gamma/2)||W||^2): the DAE's top-4 estimator shrinks by tens of percent, the WDAE's by well under a percent --
  as the linear theory predicts (shrinkage N gamma/lam_j = gamma/(lam_j/N) vs N sigma^2/(lam_j + N sigma^2)).  The
  printed gamma can only match under a different scaling of the penalty than (6) states.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import EPS, criterion

CF = claim(
    "pretorius2018/supF-estimator",
    "The estimated identity mapping of eigen-direction j, lam^_j(t)/lam_j with lam^_j the diagonal of "
    "V^T (sum_i x_i x^_i(t)^T) V, lies in [0, 1]; for a linear autoencoder at its fixed point it is the mapping w*_j.",
    f"{CITE}, supplementary F",
)

CS = claim(
    "pretorius2018/fig6-paper-settings",
    "Nonlinear (ReLU) AEs, DAEs with sigma^2 = 3 and WDAEs with gamma = 0.0045 (tuned to give roughly the same degree of "
    "regularisation in terms of the fixed points reached) show the linear picture: both shrink the estimated mapping; "
    "the DAE learns as fast as the AE, the WDAE is delayed.",
    f"{CITE}, §6 and Fig. 6 (MNIST/CIFAR-10 replaced by scikit-learn's digits)",
)

F6_SIZES = {"smoke": {"epochs": 200, "record": 10}, "default": {"epochs": 600, "record": 10},
            "paper": {"epochs": 3000, "record": 10}}
_TOP = 4
PAPER_SETTINGS = {"relu": (3.0, 0.0045), "tanh": (2.0, 0.0045)}  # (sigma^2 of the DAE, gamma of the WDAE)


@functools.lru_cache(maxsize=4)
def paper_runs(seed: int, epochs: int, record: int, act: str = "relu"):
    """AE, DAE and WDAE at the paper's Fig. 6 (ReLU) / Fig. 7 (tanh) settings from common initial weights (one
    generator seed: its first draws are the weights; see sec6_experimental_results.py for why).  Returns
    {kind: (epochs, estimator records (records, D))} and the eigenvalues; cached per (seed, epochs, act) so the
    checks and figures of one run share it."""
    import torch
    from sklearn.datasets import load_digits

    from theorycheck.numeric.backend import generator
    from theorycheck.numeric.dae import train_nonlinear_autoencoder

    X = torch.tensor(load_digits().data / 16.0, dtype=torch.float64)
    s2, g = PAPER_SETTINGS[act]
    out = {}
    for kind, ss, gg in (("ae", 0.0, 0.0), ("dae", s2, 0.0), ("wdae", 0.0, g)):
        ep, R = train_nonlinear_autoencoder(X, 32, 0.05, epochs, activation=act, sigma2=ss, gamma=gg,
                                            generator=generator((seed, 300 if act == "relu" else 310)),
                                            record_every=record)
        out[kind] = (ep, R)
    lam = torch.linalg.eigvalsh(X.T @ X).flip(0).numpy()
    return out, lam, X.shape[0]


def _runs(ctx, act="relu"):
    return paper_runs(int(ctx.seed), int(ctx.sizes["epochs"]), int(ctx.sizes["record"]), act)


@CF.exact("linear-fixed-point-estimator-is-w-star")
def _(ctx):
    """For a linear autoencoder x^ = M x with M = V diag(w_j) V^T (the decoupled fixed point of §3.2; w_j = lam_j/
    (lam_j + eps) for the DAE, 1 - N gamma/lam_j for the WDAE, 1 for the AE) the estimator is
    [V^T Sigma_xx M^T V]_jj / lam_j = w_j: D = 2, rational rotation V, symbolic lam_j, w_j: residual exactly 0; and
    lam/(lam + eps) in [0, 1] for lam > 0, eps >= 0 (SymPy's sign assumptions on lam/(lam + eps) and 1 - it =
    eps/(lam + eps))."""
    V = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    l1, l2 = sp.symbols("lambda1 lambda2", positive=True)
    a1, a2 = sp.symbols("w1 w2", real=True)
    Sig = V * sp.diag(l1, l2) * V.T
    M = V * sp.diag(a1, a2) * V.T
    est = V.T * (Sig * M.T) * V  # sum_i x_i x^_i^T = sum_i x_i x_i^T M^T
    res = sp.simplify(est[0, 0] / l1 - a1) ** 2 + sp.simplify(est[1, 1] / l2 - a2) ** 2
    lam, eps = sp.Symbol("lam", positive=True), sp.Symbol("eps", nonnegative=True)
    w = lam / (lam + eps)
    ok = bool(w.is_nonnegative) and bool(sp.simplify(1 - w).is_nonnegative)  # 1 - w = eps/(lam + eps)
    return Outcome.symbolic(sp.simplify(res) if ok else sp.Symbol("range_not_proven"), f"estimator = w_j; w* in [0, 1]: {ok}")


@CF.simulation("estimator-range-relu", sizes=F6_SIZES)
def _(ctx):
    """The estimator over all records and the top-4 eigen-directions of the three ReLU runs (paper settings, common
    initial weights): printed, every value in [0, 1] (up to 64 eps of rounding); corrected, every value in
    [-0.02, 1.02] (the estimator is a correlation, not bounded by construction: slightly negative at the random start,
    slightly above 1 when the AE's reconstruction overshoots along a direction).  Deterministic given the seed."""
    runs, _, _ = _runs(ctx)
    lo = min(float(np.nanmin(R[:, :_TOP])) for _, R in runs.values())
    hi = max(float(np.nanmax(R[:, :_TOP])) for _, R in runs.values())
    per = {k: (round(float(np.nanmin(R[:, :_TOP])), 5), round(float(np.nanmax(R[:, :_TOP])), 5)) for k, (_, R) in runs.items()}
    detail = f"top-{_TOP} estimator (min, max) per run: {per}"
    printed = Outcome.criterion([("min estimator", lo, ">=", -64 * EPS), ("max estimator", hi, "<=", 1 + 64 * EPS)],
                                criterion(64 * EPS, "[0, 1] as printed, up to rounding"), detail, sizes=dict(ctx.sizes))
    corrected = Outcome.criterion([("min estimator", lo, ">=", -0.02), ("max estimator", hi, "<=", 1.02)],
                                  criterion(0.02, "[0, 1] up to 2% excursions (stated)"), detail, sizes=dict(ctx.sizes))
    return erratum(printed, corrected, "The estimator lam^_j/lam_j is a correlation and is not confined to [0, 1] for "
                   f"nonlinear autoencoders: measured range [{lo:.4g}, {hi:.4g}] over the top {_TOP} directions; it equals "
                   "the mapping w*_j in [0, 1] only for a linear autoencoder at its fixed point.")


@CS.simulation("shrinkage-at-paper-settings", sizes=F6_SIZES)
def _(ctx):
    """ReLU AE, DAE (sigma^2 = 3), WDAE (gamma = 0.0045) on the digits, common initial weights.  Shrinkage of direction
    j = 1 - (final estimator)/(AE's final estimator), averaged over the top 4.  Printed ("roughly the same degree of
    regularisation"): the two mean shrinkages within a factor 2 of each other, and both > 0.05.  Corrected (the linear
    theory under (6)'s normalisation): the WDAE's mean shrinkage at gamma = 0.0045 is below 5 gamma max_j N/lam_j (five
    times the linear prediction gamma N/lam_j, allowing for the nonlinearity) while the DAE's exceeds 0.05.  Also
    recorded: the DAE's half-times (no delay) and the WDAE's."""
    runs, lam, N = _runs(ctx)
    fin = {k: R[-1, :_TOP] for k, (_, R) in runs.items()}
    sh = {k: float(np.mean(1 - fin[k] / fin["ae"])) for k in ("dae", "wdae")}
    lin_wd = 0.0045 * N / lam[:_TOP]
    lin_dae = 3.0 * N / (lam[:_TOP] + 3.0 * N)
    detail = (f"final top-{_TOP} estimator: AE {np.round(fin['ae'], 4).tolist()}, DAE {np.round(fin['dae'], 4).tolist()}, "
              f"WDAE {np.round(fin['wdae'], 4).tolist()}; mean shrinkage DAE {sh['dae']:.4f}, WDAE {sh['wdae']:.5f}; linear "
              f"theory: DAE N s^2/(lam + N s^2) = {np.round(lin_dae, 3).tolist()}, WDAE N gamma/lam = {np.round(lin_wd, 5).tolist()}")
    printed = Outcome.criterion([("WDAE mean shrinkage / DAE's (>= 1/2)", sh["wdae"] / sh["dae"], ">=", 0.5),
                                 ("WDAE mean shrinkage / DAE's (<= 2)", sh["wdae"] / sh["dae"], "<=", 2.0),
                                 ("WDAE mean shrinkage", sh["wdae"], ">", 0.05), ("DAE mean shrinkage", sh["dae"], ">", 0.05)],
                                criterion(2.0, "'roughly the same degree of regularisation': within a factor 2"), detail,
                                sizes=dict(ctx.sizes))
    corrected = Outcome.criterion([("WDAE mean shrinkage (< 5 x linear gamma N/lam max)", sh["wdae"], "<", 5 * float(lin_wd.max())),
                                   ("DAE mean shrinkage", sh["dae"], ">", 0.05)],
                                  criterion(5 * float(lin_wd.max()), "five times the linear-theory shrinkage N gamma/lam_j"),
                                  detail, sizes=dict(ctx.sizes))
    return erratum(printed, corrected, "At the printed gamma = 0.0045 the WDAE barely regularises under the loss (6) as "
                   f"printed (mean top-{_TOP} shrinkage {sh['wdae']:.2%} vs the DAE's {sh['dae']:.1%} at sigma^2 = 3 on the "
                   "digits), as the linear theory predicts (N gamma/lam_j vs N sigma^2/(lam_j + N sigma^2)); comparable "
                   "fixed points need gamma of the order of lam_j eps/(N (lam_j + eps)), i.e. ~0.1-1 here.")
