"""Shared machinery of the finite-width propagation claims: theory trajectories, cached simulations and
the statistics that turn them into outcomes.

Used by the simulation claims of the ``yarotsky``, ``iclr2022`` and ``saxe2013`` (supplementary G)
paper packages (one harness, parametrized; no copy-pasted loops).  The infinite-width side comes from the Gaussian core
(``numeric.fixed_point``: q-map, correlation map, fixed points; ``numeric.gaussian``: Gaussian
expectations); the finite-width side from ``numeric.propagation``.

Statistics (each tolerance says which rule it uses, see verify/tolerances.py):

* Profile check: for every layer l the mean over ``n`` independent networks of a measured quantity
  (q_l, c_l) is compared with the theory trajectory.  Tolerance per layer: ``clt_t`` (Student t with
  ``n - 1`` dof on the seed-to-seed spread, the suite's per-check budget ``tolerances.ALPHA``
  Bonferroni-split over the layers) plus the finite-width bias bound of :func:`delta_method_bias`.
  The outcome records one term ``|mean - theory| <= tol`` per layer (:meth:`Outcome.all_of`).
* Width scaling: the RMS deviation E(N) from theory at two widths; the fitted exponent
  ``p = ln(E2/E1) / ln(N2/N1)`` must equal -1/2 within ``t * se(p)`` (se from the seed spread of the
  per-net mean-square deviations by the delta method) plus the shift that an O(1/N) bias can cause,
  ``|dp| <= (1/2) b^2 / E^2`` (from E^2 = a/N + b^2/N^2).  Two-sided: ``Outcome.compare(-1/2, p, tol)``.

``ALPHA`` is the suite's per-check false-failure budget (``tolerances.ALPHA``), re-exported for the
paper packages that import it from here.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from theorycheck.verify.registry import Outcome
from theorycheck.verify.tolerances import ALPHA, Tolerance, clt_t, t_quantile

__all__ = ["ALPHA", "qmap", "q_trajectory", "c_trajectory", "chi", "qstar", "cstar", "derivatives",
           "delta_method_bias", "one_step_c", "c_step", "simulate", "seed_for", "profile_outcome",
           "width_scaling_outcome"]


# ----------------------------------------------------------------------------------------------
# infinite-width theory (the Gaussian core)
def qmap(act: str, q, sw2: float, sb2: float):
    from theorycheck.numeric import fixed_point as F

    return np.asarray(F.qmap(act, np.asarray(q, dtype=np.float64), sw2, sb2), dtype=np.float64)


def q_trajectory(act: str, q0: float, sw2: float, sb2: float, depth: int) -> np.ndarray:
    """q_l = nu^l(q_0), l = 0..depth (lecture, "Reduction to 1D dynamics")."""
    q = [float(q0)]
    for _ in range(depth):
        q.append(float(qmap(act, q[-1], sw2, sb2)))
    return np.array(q)


def c_trajectory(act: str, q0: float, c0: float, sw2: float, sb2: float, depth: int, layernorm=False,
                 linear_first=False) -> np.ndarray:
    """c_l for two inputs of equal length q_0 and correlation c_0 (lecture, "Evolution of covariances";
    ICLR 2022 eq. (2.3) with layer norm: q = 1 at every layer and P_l(rho) = (sb2 + sw2 C[phi|rho]) /
    (sb2 + sw2 C[phi|1]); a linear first layer has C[id|rho] = q0 rho)."""
    from theorycheck.numeric import fixed_point as F

    q, c = float(q0), float(c0)
    out = [c]
    for layer in range(1, depth + 1):
        if linear_first and layer == 1:
            qn = sw2 * q + sb2
            cn = (sw2 * q * c + sb2) / qn
        else:
            cmap, _ = F.correlation_map(act, np.float64(c), sw2, sb2, q=np.float64(q))
            qn = float(qmap(act, q, sw2, sb2))
            cn = float(cmap) * q / qn
        c = min(cn, 1.0)
        q = 1.0 if layernorm else qn
        out.append(c)
    return np.array(out)


def chi(act: str, q, sw2: float) -> np.ndarray:
    """sw2 E[phi'(sqrt(q) Z)^2]: chi_1 at q = q* (lecture), the per-layer growth of |delta|^2."""
    from theorycheck.numeric import fixed_point as F

    q = np.asarray(q, dtype=np.float64)
    _, slope = F.correlation_map(act, np.ones_like(q), sw2, 0.0, q=q)
    return np.asarray(slope, dtype=np.float64)


def qstar(act: str, sw2: float, sb2: float) -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.solve_qstar(act, sw2, sb2).raise_if_diverged().value)


def cstar(act: str, sw2: float, sb2: float) -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.solve_cstar(act, sw2, sb2).raise_if_diverged().value)


def derivatives(f, x: float, h: float) -> tuple[float, float]:
    """f'(x), f''(x) by central differences (errors O(h^2) relative, h ~ 1e-3 x)."""
    fp, f0, fm = f(x + h), f(x), f(x - h)
    return (fp - fm) / (2 * h), (fp - 2 * f0 + fm) / (h * h)


def delta_method_bias(f, traj: np.ndarray, var: np.ndarray, vectorized: bool = False) -> np.ndarray:
    """Bound on the finite-width bias |E x_l - x_l^theory| of a noisy iteration x_l = f(x_{l-1}) + noise.

    With zero-mean noise (the q-map: E[q_l | previous layer] = nu(conditional variance) exactly for
    Gaussian weights), the bias comes from the curvature of f: E f(X) - f(E X) ~ f''/2 Var X, and is
    carried to later layers by f': b_l = |f'(x_{l-1})| b_{l-1} + |f''(x_{l-1})| Var(x_{l-1}) / 2.
    ``var[l]`` is the measured per-network variance of x_l (itself O(1/N)), so b_l = O(1/N).
    ``vectorized``: ``f`` accepts an array (all layers' derivatives in one call).
    """
    traj = np.asarray(traj, dtype=np.float64)
    h = 1e-3 * np.maximum(np.abs(traj), 1e-3)
    if vectorized:
        x = traj[:-1]
        hh = h[:-1]
        vals = np.asarray(f(np.concatenate([x + hh, x, x - hh])), dtype=np.float64).reshape(3, -1)
        d1 = (vals[0] - vals[2]) / (2 * hh)
        d2 = (vals[0] - 2 * vals[1] + vals[2]) / (hh * hh)
    else:
        dd = [derivatives(f, traj[l], h[l]) for l in range(len(traj) - 1)]
        d1, d2 = np.array([d[0] for d in dd]), np.array([d[1] for d in dd])
    b = np.zeros_like(traj)
    for l in range(1, len(traj)):
        b[l] = abs(d1[l - 1]) * b[l - 1] + 0.5 * abs(d2[l - 1]) * var[l - 1]
    return b


def one_step_c(act: str, c, q1, q2, sw2: float, sb2: float):
    """c_l predicted from the *measured* layer l-1 (c, q11, q22; arrays): (sw2 E[phi(u1) phi(u2)] + sb2) /
    sqrt(nu(q11) nu(q22)), (u1, u2) Gaussian with variances q11, q22 and correlation c (the lecture's
    covariance map C(c, q11, q22) divided by the new lengths).  tanh only (numeric.gaussian.expect2)."""
    from theorycheck.numeric import gaussian as G

    if act != "tanh":
        raise ValueError(f"one_step_c: activation {act!r} not supported (tanh only)")
    c = np.clip(np.asarray(c, dtype=np.float64), -1.0, 1.0)
    q1, q2 = np.asarray(q1, dtype=np.float64), np.asarray(q2, dtype=np.float64)
    cov = sw2 * G.expect2(np.tanh, np.tanh, c, q1, q2, odd=True) + sb2
    return cov / np.sqrt(qmap(act, q1, sw2, sb2) * qmap(act, q2, sw2, sb2))


def c_step(act: str, c, q: float, sw2: float, sb2: float, layernorm: bool = False):
    """One step of the correlation map at equal variances q (vectorized over c): the lecture's
    C~_q(c) = (sw2 C(c; q, q) + sb2) / nu(q); with layer norm the same expression at q = 1."""
    from theorycheck.numeric import fixed_point as F

    c = np.clip(np.asarray(c, dtype=np.float64), -1.0, 1.0)
    qq = 1.0 if layernorm else float(q)
    cm, _ = F.correlation_map(act, c, sw2, sb2, q=np.float64(qq))
    return np.asarray(cm, dtype=np.float64) * qq / float(qmap(act, qq, sw2, sb2))


# ----------------------------------------------------------------------------------------------
# simulations (cached: several checks read the same runs)
@lru_cache(maxsize=64)
def simulate(act: str, width: int, depth: int, sw2: float, sb2: float, q0: float, c0: tuple, n_nets: int,
             seed: int, weights: str = "gaussian", layernorm: bool = False, linear_first: bool = False,
             backward: bool = False, jacobian: bool = False, device: str = "cpu"):
    from theorycheck.numeric.propagation import propagate

    return propagate(act, width=width, depth=depth, sw2=sw2, sb2=sb2, q0=q0, c0=list(c0), n_nets=n_nets,
                     seed=seed, weights=weights, layernorm=layernorm, linear_first=linear_first,
                     backward=backward, jacobian=jacobian, device=device)


def seed_for(ctx, offset: int) -> int:
    """An integer seed for one simulation, derived from the run seed (explicit, reproducible)."""
    return int(np.random.SeedSequence([ctx.seed, offset]).generate_state(1)[0])


# ----------------------------------------------------------------------------------------------
# outcomes
def profile_outcome(measured: np.ndarray, theory: np.ndarray, bias: np.ndarray, what: str, sizes: dict,
                    start: int = 1, extra: dict | None = None, label: str = "layer", tests: int | None = None) -> Outcome:
    """Per-layer comparison of ``measured`` (n_nets, L+1) with ``theory`` (L+1,), layers start..L.

    One upper comparison per layer, ``|mean_l - theory_l| <= tol_l`` (``clt_t`` on the seed spread of
    layer l plus its bias bound ``bias[l]``), all of which must hold (:meth:`Outcome.all_of`, which
    records the worst layer as the headline).  ``tests``: the number of comparisons the calling check
    makes in all (default: the layers compared here), over which ``ALPHA`` is Bonferroni-split -- pass
    it when one check compares several profiles."""
    n = measured.shape[0]
    layers = list(range(start, measured.shape[1]))
    if not layers:
        raise ValueError(f"profile_outcome: no layer to compare (start={start}, {measured.shape[1]} columns)")
    mean = measured.mean(axis=0)
    sd = measured.std(axis=0, ddof=1)
    outs = []
    for l in layers:
        tol = clt_t(float(sd[l]), n, ALPHA, bias=float(bias[l]), tests=tests or len(layers),
                    why=f"{what}, {label} {l}: mean over {n} independent networks")
        outs.append(Outcome.bound(abs(float(mean[l]) - float(theory[l])), tol, predicted=float(theory[l]),
                                  measured=float(mean[l]), name=f"{label} {l} |mean - theory|"))
    out = Outcome.all_of(outs)
    worst = max(range(len(layers)), key=lambda i: outs[i].error / outs[i].tolerance.value
                if outs[i].tolerance.value > 0 else (0.0 if outs[i].error == 0 else math.inf))
    ratio = outs[worst].error / outs[worst].tolerance.value if outs[worst].tolerance.value > 0 else math.inf
    out.detail = (f"{what}: worst {label} {layers[worst]} of {layers[0]}..{layers[-1]} at {ratio:.2f} x its "
                  "tolerance (all must be <= 1)")
    out.sizes = dict(sizes)
    out.extra = {"theory": theory.tolist(), "mean": mean.tolist(), "sd": sd.tolist(), "bias_bound": bias.tolist(),
                 "worst": layers[worst], **(extra or {})}
    return out


def width_scaling_outcome(dev_small: np.ndarray, dev_large: np.ndarray, n_small: int, n_large: int,
                          what: str, sizes: dict) -> Outcome:
    """Exponent of the RMS deviation from theory between two widths must be -1/2 (two-sided).

    ``dev_*``: (n_nets, k) deviations (measured - theory) per network and compared statistic.  The
    squared O(1/N) bias at the small width, b^2 = mean over the k statistics of (mean deviation)^2
    minus its CLT part var/n (clipped at 0), is the bias component of E^2 = noise + b^2."""
    n0 = dev_small.shape[0]
    b2 = np.maximum(dev_small.mean(axis=0) ** 2 - dev_small.var(axis=0, ddof=1) / n0, 0.0)
    bias_small = np.array([math.sqrt(float(b2.mean()))])
    out = {}
    for key, d in (("small", dev_small), ("large", dev_large)):
        s = np.mean(d * d, axis=1)  # per-net mean-square deviation
        e2 = float(s.mean())
        se_e2 = float(s.std(ddof=1) / math.sqrt(len(s)))
        out[key] = (e2, 0.5 * se_e2 / e2, len(s))  # (E^2, se of ln E)
    (e2s, ses, ns), (e2l, sel, nl) = out["small"], out["large"]
    lr = math.log(n_large / n_small)
    p = 0.5 * math.log(e2l / e2s) / lr
    se_p = math.sqrt(ses**2 + sel**2) / lr
    dof = min(ns, nl) - 1
    q = t_quantile(1 - ALPHA / 2, dof)
    bias_shift = 0.5 * float(np.max(bias_small) ** 2) / e2s
    tol = Tolerance(q * se_p + bias_shift, f"clt_t(alpha={ALPHA:g}, dof={dof})",
                    f"{what}: exponent of RMS deviation vs width; t_(1-{ALPHA:g}/2; {dof} dof) = {q:.2f} times "
                    f"se(p) = {se_p:.3g} (delta method on the seed spread of per-net mean-square deviations at "
                    f"both widths) plus the shift |dp| <= b^2/(2E^2) = {bias_shift:.2g} that the O(1/N) bias b (RMS "
                    "over the statistics of the CLT-corrected mean deviation at the small width) can cause",
                    relative=False)
    ratio = math.sqrt(e2s / e2l)
    return Outcome.compare(-0.5, p, tol,
                           detail=f"{what}: RMS deviation {math.sqrt(e2s):.3g} at N={n_small}, {math.sqrt(e2l):.3g} at "
                                  f"N={n_large}; ratio {ratio:.3f} vs sqrt(N2/N1) = {math.sqrt(n_large / n_small):.3f}; "
                                  f"fitted exponent {p:.3f}",
                           sizes=dict(sizes), extra={"rms_small": math.sqrt(e2s), "rms_large": math.sqrt(e2l),
                                                     "exponent": p, "se_exponent": se_p})
