"""Pretorius et al. 2018, the loss-surface / Fig. 2-4 / supplementary-F additions: the helpers of
verify/claims/pretorius2018/sec5_noise_and_weight_decay_ratio_and_order.py and supp_f_estimated_dynamics.py against
independent references (closed-form logistic half-times, brute-force critical points on a grid, a direct linear
estimator), and the registration of the new figures.  Every new check runs at smoke scale in tests/test_claims.py."""
from __future__ import annotations

import math

import numpy as np
import torch


def test_fig2_curves_match_the_logistic_half_time():
    """Balanced small start: eq. (5) with c0 -> 0 is the logistic w* / (1 + (w*/w0 - 1) e^{-2 lam t}) (tau = 1),
    whose half-time is ln(w*/w0 - 1)/(2 lam); eq. (7) with the equivalent gamma has rate 2 lam xi, xi = w*."""
    from theorycheck.verify.claims.pretorius2018.sec5_noise_and_weight_decay_ratio_and_order import fig2_curves

    ts, cur = fig2_curves(lams=(1.0, 0.1), epss=(0.0, 1.0), T=400.0, dt=1e-3)
    for (l_, e_), (wd, ww, ws) in cur.items():
        half_dae = math.log(ws / 1e-3 - 1) / (2 * l_)
        half_wd = math.log(ws / 1e-3 - 1) / (2 * l_ * ws)
        for w, h in ((wd, half_dae), (ww, half_wd)):
            i = int(np.argmax(w >= ws / 2))
            assert abs(ts[i] - h) <= 2e-3, (l_, e_, ts[i], h)


def test_loss_surface_critical_points_by_brute_force():
    """Grid search of |grad l|: with weight decay (lam = 1, gamma = 1/11) the near-critical grid points cluster at
    the origin and +-sqrt(10/11) only; with noise (eps = 0.1) every near-critical point off the origin has
    w2 w1 = 10/11."""
    g = np.linspace(-2, 2, 801)
    W1, W2 = np.meshgrid(g, g)
    # weight decay panel
    k = (1 - W1 * W2)
    G1 = -W2 * k + W1 / 11
    G2 = -W1 * k + W2 / 11
    near = np.hypot(G1, G2) < 5e-3
    pts = np.c_[W1[near], W2[near]]
    a = math.sqrt(10 / 11)
    d = np.min(np.stack([np.hypot(*(pts - c).T) for c in ((0, 0), (a, a), (-a, -a))]), axis=0)
    assert pts.shape[0] > 0 and d.max() < 0.02
    # noise panel
    k = 1.1 * W1 * W2 - 1
    near = np.hypot(W2 * k, W1 * k) < 1e-3
    off = near & (np.hypot(W1, W2) > 0.1)
    assert off.any()
    assert np.max(np.abs(W1[off] * W2[off] - 1 / 1.1)) < 5e-3


def test_estimator_of_a_linear_map_is_its_eigen_mapping():
    """The supplementary-F estimator computed directly for x^ = M x with M = V diag(w) V^T recovers w."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) @ np.diag([3.0, 2.0, 1.5, 1.0, 0.5])
    lam, V = np.linalg.eigh(X.T @ X)
    w = np.array([0.9, 0.1, 0.5, 0.3, 0.7])
    M = V @ np.diag(w) @ V.T
    est = np.diag(V.T @ (X.T @ (X @ M.T)) @ V) / lam
    assert np.allclose(est, w, atol=1e-12)


def test_new_figures_are_registered():
    from theorycheck.verify.figures import load

    figs = load()
    for f in ("fig1-bottom", "fig2", "fig3", "fig4", "fig6", "fig7"):
        assert f"pretorius2018-{f}" in figs


def test_printed_settings_kernel_inputs():
    """N sigma^2 = N gamma for the printed sigma^2 = gamma = 0.5, and on the digits the 4th-5th eigenvalues straddle
    N gamma, so the module's 'never learned' branch is exercised."""
    from sklearn.datasets import load_digits

    from theorycheck.verify.claims.pretorius2018.sec6_experimental_results_paper_settings import GAMMA, SIGMA2

    X = torch.tensor(load_digits().data / 16.0, dtype=torch.float64)
    lam = torch.linalg.eigvalsh(X.T @ X).flip(0).numpy()
    N = X.shape[0]
    assert N * GAMMA == N * SIGMA2
    assert lam[3] > N * GAMMA > lam[4]
