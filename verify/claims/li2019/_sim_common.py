"""Helpers shared by the li2019 simulation claims (not a section: leading underscore).

* :data:`SETTINGS`: the network settings simulated (App. B's, and two that exercise the signal term and the
  width ratio alpha);
* :func:`theory`: Theorem 1's sequences tau_l^2, gamma_l, rho_l (numeric.wtae_sim.thm1_sequences_tanh,
  reading documented in symbolic/wtae_thm1.py);
* :func:`runs`: cached finite-width simulations (numeric.wtae_sim.wtae_forward), one App. B input per network,
  ``n_nets`` independent networks (each with its own generator derived from the run seed);
* :func:`profile`, :func:`width_exponent`, :func:`ks_outcome`: the statistics that turn runs into outcomes.

Statistics (rules of verify/tolerances.py):

* profile: for each layer the mean over networks of a per-network statistic vs the theory value, ``clt_t`` on
  the network-to-network spread, Bonferroni over the layers and statistics compared (propagation_checks'
  ``profile_outcome``).  No finite-width bias term: the O(1/n) bias (delta method: curvature of the maps
  times Var = O(1/n)) is ~ 1/n = 0.002 at n = 500, against t-tolerances of order 0.1 at the sizes used.
* width exponent: per network the mean square deviation s = mean over layers and statistics of
  (estimate - theory)^2; E^2(n) = mean of s over networks at each width; least squares of ln E^2 on ln n
  weighted by the delta-method variance se(ln E^2)^2 = var(s) / (n_nets E^4); p = slope / 2 with its standard
  error; the tolerance is t_{1-ALPHA/2; n_nets-1} se(p) plus the shift |dp| <= b^2 / (2 E^2) that an O(1/n)
  bias b can cause at the smallest width (b^2: CLT-corrected squared mean deviation, as in
  propagation_checks.width_scaling_outcome).
* normality: the Kolmogorov-Smirnov statistic of each network's n_0 standardized entries against N(0, 1)
  (fully specified: theory constants, nothing fitted), exact Kolmogorov quantile (``ks``), Bonferroni over
  networks.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.registry import Outcome
from theorycheck.verify.tolerances import ALPHA, Tolerance, ks, t_quantile

CITE = "Li & Nguyen 2019"

# name -> (alpha, sw2, sb2, sv2, L); all activations tanh, sigma_0 = phi_0 = identity, input x = +-1 (App. B)
SETTINGS = {
    # App. B: L = 50, sw2 = 2.312, sb2 = 0.211, sv2 = 0, alpha = 1 (Table 1 scheme 9)
    "appb": (1.0, 2.312, 0.211, 0.0, 50),
    # a shallower setting whose signal coefficient is not ~0 (gamma_2 = 0.10), with decoder biases: exercises the signal term of (b), (c)
    "signal": (1.0, 3.0, 0.1, 0.05, 6),
    # width ratio alpha = 1.5 (n_l = 1.5^l n_0), L = 4
    "alpha1.5": (1.5, 2.0, 0.1, 0.02, 4),
}


def widths_for(setting: str, n0: int) -> tuple:
    alpha, _, _, _, L = SETTINGS[setting]
    ws = [int(n0)]
    for _ in range(L):
        nxt = ws[-1] * alpha
        if abs(nxt - round(nxt)) > 1e-9:
            raise ValueError(f"n_0 = {n0} does not give integer widths at alpha = {alpha}")
        ws.append(int(round(nxt)))
    return tuple(ws)


@lru_cache(maxsize=16)
def theory(setting: str, tau0sq: float = 1.0) -> dict:
    from theorycheck.numeric.wtae_sim import thm1_sequences_tanh

    alpha, sw2, sb2, sv2, L = SETTINGS[setting]
    return thm1_sequences_tanh(L, alpha, sw2, sb2, sv2, tau0sq)


@lru_cache(maxsize=32)
def _runs(setting: str, n0: int, n_nets: int, seed: int, law: str, device: str):
    from theorycheck.numeric.backend import generator
    from theorycheck.numeric.wtae_sim import app_b_input, wtae_forward

    alpha, sw2, sb2, sv2, L = SETTINGS[setting]
    ws = widths_for(setting, n0)
    x = app_b_input(n0)[None, :]
    return tuple(wtae_forward(x, ws, sw2, sb2, sv2, generator([seed, k], device=device), law=law)
                 for k in range(n_nets))


def runs(ctx, setting: str, n0: int, n_nets: int, offset: int, law: str = "gaussian"):
    """``n_nets`` independent networks of ``setting`` at input width ``n0`` (cached across checks)."""
    return _runs(setting, int(n0), int(n_nets), MF.seed_for(ctx, offset), law, ctx.device)


def stack(rs, attr: str) -> np.ndarray:
    """(n_nets, L) array of one per-network statistic (row 0 of each run's batch)."""
    return np.array([getattr(r, attr)[0] for r in rs])


def profile(measured: np.ndarray, theory_vals: np.ndarray, what: str, sizes: dict, tests: int,
            label: str = "layer", first: int = 1) -> Outcome:
    """Per-layer ``clt_t`` comparison (propagation_checks.profile_outcome) of ``measured`` (n_nets, k) with
    ``theory_vals`` (k,); column j is layer ``first + j``."""
    pad = np.zeros((measured.shape[0], first))
    m = np.concatenate([pad, measured], axis=1)
    th = np.concatenate([np.zeros(first), theory_vals])
    return MF.profile_outcome(m, th, np.zeros_like(th), what, sizes, start=first, label=label, tests=tests)


def width_exponent(devs: dict, what: str, sizes: dict, expected: float = -0.5) -> Outcome:
    """Weighted least-squares exponent of the RMS deviation vs width (module docstring).

    ``devs``: width -> (n_nets, k) deviations (estimate - theory) per network and statistic."""
    ns = sorted(devs)
    x, y, var, nets = [], [], [], []
    for n in ns:
        s = np.mean(devs[n] ** 2, axis=1)
        e2 = float(s.mean())
        x.append(math.log(n))
        y.append(math.log(e2))
        var.append(float(s.var(ddof=1)) / (len(s) * e2 * e2))
        nets.append(len(s))
    x, y, w = np.array(x), np.array(y), 1.0 / np.array(var)
    xb = np.sum(w * x) / np.sum(w)
    sxx = float(np.sum(w * (x - xb) ** 2))
    slope = float(np.sum(w * (x - xb) * y) / sxx)
    p, se_p = slope / 2, math.sqrt(1.0 / sxx) / 2
    d0 = devs[ns[0]]
    n_small = d0.shape[0]
    b2 = np.maximum(d0.mean(axis=0) ** 2 - d0.var(axis=0, ddof=1) / n_small, 0.0)
    shift = 0.5 * float(b2.mean()) / math.exp(y[0])
    dof = min(nets) - 1
    q = t_quantile(1 - ALPHA / 2, dof)
    tol = Tolerance(q * se_p + shift, f"clt_t(alpha={ALPHA:g}, dof={dof})",
                    f"{what}: exponent of the RMS deviation vs width over n = {ns}; t_(1-{ALPHA:g}/2; {dof} dof) = "
                    f"{q:.2f} times se(p) = {se_p:.3g} (weighted least squares, delta-method weights from the seed "
                    f"spread of per-network mean-square deviations) plus the O(1/n)-bias shift b^2/(2E^2) = {shift:.2g} "
                    "at the smallest width", relative=False)
    rms = [math.exp(v / 2) for v in y]
    return Outcome.compare(expected, p, tol,
                           detail=f"{what}: RMS deviation " + ", ".join(f"{r:.3g} at n={n}" for r, n in zip(rms, ns))
                                  + f"; fitted exponent {p:.3f} +- {se_p:.3f}",
                           sizes=dict(sizes), extra={"widths": ns, "rms": rms, "exponent": p, "se_exponent": se_p})


def ks_statistic(z: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance of the sample ``z`` from N(0, 1)."""
    from scipy.stats import kstest

    return float(kstest(z, "norm").statistic)


def ks_outcome(samples: list, what: str, sizes: dict) -> Outcome:
    """Each sample (a network's standardized entries) must pass the KS test against N(0, 1), Bonferroni
    over the samples (``ks`` rule)."""
    outs = []
    for k, z in enumerate(samples):
        tol = ks(len(z), ALPHA, tests=len(samples), why=f"{what}, network {k}")
        outs.append(Outcome.bound(ks_statistic(z), tol, name=f"network {k} KS distance from N(0,1)"))
    out = Outcome.all_of(outs)
    out.sizes = dict(sizes)
    worst = max(o.error for o in outs)
    out.detail = f"{what}: largest KS distance {worst:.4f} over {len(outs)} networks (limit {outs[0].tolerance.value:.4f})"
    out.extra = {"ks": [o.error for o in outs]}
    return out
