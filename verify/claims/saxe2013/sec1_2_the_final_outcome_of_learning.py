"""Saxe, McClelland & Ganguli 2013, section 1.2 "The final outcome of learning" (with the invariance statements of
section 1.3): the fixed points a^alpha . b^beta = s_alpha delta_alpha_beta of (5), their C(r, N2) families, their
classification by the Hessian (only saddles and the global minimum), the best rank-N2 approximation reached by
gradient descent, the invariance of decoupled initial conditions and the instability of the origin.  No errata.

Fixed points are built explicitly: for a set T of active modes (|T| <= N2) mode alpha in T gets its own hidden
unit k(alpha): a^alpha = b^alpha = sqrt(s_alpha) e_k(alpha) (any other choice differs by the GL(N2) symmetry
W21 -> C W21, W32 -> W32 C^-1).  Hessians are those of the loss E = (1/2) |Sigma^31 - W32 W21|_F^2 (Sigma^11 = I,
tau = 1) in all N2 (N1 + N3) weights, by torch.autograd.functional.hessian in float64.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import sympy as sp

from theorycheck.symbolic import saxe as S
from theorycheck.verify.claims.saxe2013._common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, criterion, ulps

CFP = claim(
    "saxe2013/sec1_2-fixed-points",
    "Fixed points of (5) satisfy a^alpha . b^beta = s_alpha delta_alpha_beta with at most N2 active modes: C(r, N2) "
    "families (and their sub-families); all are saddles except the one with the N2 strongest modes active, the "
    "global minimum, where W32 W21 = sum_{alpha <= N2} s_alpha u_alpha v_alpha^T, the best rank-N2 approximation of "
    "Sigma^31.",
    f"{CITE}, section 1.2",
)

_S_VALUES = (3.0, 2.0, 1.2, 0.5)  # r = 4 modes
_N2 = 2


def _fixed_point(active, n_hidden, r):
    """W21bar (N2 x r) and W32bar (r x N2) in the mode basis: column/row alpha is sqrt(s_alpha) e_k(alpha)."""
    A = np.zeros((n_hidden, r))
    for k, al in enumerate(active):
        A[k, al] = math.sqrt(_S_VALUES[al])
    return A, A.T.copy()


@CFP.exact("fixed-point-conditions-zero-the-gradient")
def _(ctx):
    """For r = 3 modes with symbolic s_1, s_2, s_3 and N2 = 2 hidden units: at every assignment of at most 2 active
    modes (a^alpha = b^alpha = sqrt(s_alpha) e_k(alpha), the others 0), the right-hand side of (5) vanishes, and
    a^alpha . b^beta = s_alpha delta_alpha_beta holds on the active modes.  Exact: SymPy residual 0."""
    r, n2 = 3, 2
    sv = sp.symbols("s1:4", positive=True)
    total = sp.Integer(0)
    for size in range(0, n2 + 1):
        for T in itertools.combinations(range(r), size):
            a = [sp.zeros(n2, 1) for _ in range(r)]
            for k, al in enumerate(T):
                a[al][k] = sp.sqrt(sv[al])
            b = [v.copy() for v in a]
            for al in range(r):
                da = (sv[al] - a[al].dot(b[al])) * b[al] - sum((b[g] * a[al].dot(b[g]) for g in range(r) if g != al),
                                                              sp.zeros(n2, 1))
                db = (sv[al] - a[al].dot(b[al])) * a[al] - sum((a[g] * b[al].dot(a[g]) for g in range(r) if g != al),
                                                              sp.zeros(n2, 1))
                total += sum(abs(sp.simplify(v)) for v in list(da) + list(db))
                for be in T:
                    total += abs(sp.simplify(a[al].dot(b[be]) - (sv[al] if al == be else 0))) if al in T else 0
    return Outcome.symbolic(sp.simplify(total), "RHS of (5) and a.b - s delta at every family with <= 2 active modes")


def _hessians():
    import torch

    r, n2 = len(_S_VALUES), _N2
    S31 = torch.diag(torch.tensor(_S_VALUES, dtype=torch.float64))  # mode basis: U = V = I (rotation covariance)

    def loss(flat):
        W21 = flat[: n2 * r].reshape(n2, r)
        W32 = flat[n2 * r:].reshape(r, n2)
        return 0.5 * ((S31 - W32 @ W21) ** 2).sum()

    out = {}
    for size in range(0, n2 + 1):
        for T in itertools.combinations(range(r), size):
            A, B = _fixed_point(T, n2, r)
            x = torch.cat([torch.from_numpy(A).reshape(-1), torch.from_numpy(B).reshape(-1)])
            g = torch.autograd.functional.jacobian(loss, x)
            H = torch.autograd.functional.hessian(loss, x)
            out[T] = (float(g.abs().max()), torch.linalg.eigvalsh(H).numpy())
    return out


@CFP.precise("hessian-classification")
def _(ctx):
    """r = 4 modes (s = 3, 2, 1.2, 0.5), N2 = 2, every family with at most 2 active modes (C(4,0) + C(4,1) + C(4,2) =
    11): the gradient vanishes; the family T = {1, 2} (the two strongest) has a positive semi-definite Hessian with
    exactly N2^2 = 4 zero eigenvalues (the GL(2) symmetry) -- the global minimum; every other family has a negative
    eigenvalue -- a saddle -- equal to -s_in (s_in the strongest inactive mode) when a hidden unit is free, and to
    -(s_in - s_w) (s_w the weakest active mode) when all N2 units are used (derived here, not printed).

    Tolerance ulps(64): float64 Hessians of a quartic polynomial at points of norm ~ sqrt(s): every entry is a sum of
    at most 8 products, so eigenvalues are exact up to ~64 eps ||H|| (Weyl); 'zero' means |lambda| <= 64 eps ||H||,
    'negative' means lambda < -64 eps ||H||."""
    hs = _hessians()
    top = tuple(range(_N2))
    scale = max(float(np.abs(ev).max()) for _, ev in hs.values())
    thr = 64 * EPS * scale
    terms, rows = [], {}
    for T, (gmax, ev) in hs.items():
        rows[str([t + 1 for t in T])] = {"min_eig": float(ev.min()), "n_zero": int((np.abs(ev) <= thr).sum()),
                                         "grad": gmax}
        terms.append((f"|grad| at T={[t + 1 for t in T]}", gmax, "<=", thr))
        if T == top:
            terms.append(("global min: smallest eigenvalue", float(ev.min()), ">=", -thr))
            terms.append(("global min: number of zero eigenvalues", int((np.abs(ev) <= thr).sum()), "==", _N2**2))
        else:
            terms.append((f"saddle T={[t + 1 for t in T]}: smallest eigenvalue", float(ev.min()), "<", -thr))
            # the escape direction: the strongest inactive mode, into a free hidden unit (-s_in) or by replacing
            # the weakest active mode (-(s_in - s_weakest active)) when all N2 units are used
            s_in = max(_S_VALUES[a] for a in range(len(_S_VALUES)) if a not in T)
            pred = -(s_in - (min(_S_VALUES[a] for a in T) if len(T) == _N2 else 0.0))
            terms.append((f"saddle T={[t + 1 for t in T]}: |smallest eigenvalue - ({pred:g})|",
                          abs(float(ev.min()) - pred), "<=", thr))
    tol = ulps(64, "float64 Hessian eigenvalues of a quartic loss, 64 eps ||H|| (Weyl)")
    return Outcome.criterion(terms, tol, "smallest eigenvalue per family: " + ", ".join(
        f"{k}: {v['min_eig']:+.3g}" for k, v in rows.items()), extra={"families": rows})


RANK_SIZES = {
    "smoke": {"n_in": 6, "n_hidden": 2, "n_out": 5, "s": [3.0, 2.0, 1.0, 0.5], "std": 1e-3, "lr": 0.05, "t": 60.0,
              "seeds": 4},
    "default": {"n_in": 12, "n_hidden": 3, "n_out": 10, "s": [3.0, 2.5, 2.0, 1.0, 0.7, 0.4], "std": 1e-3, "lr": 0.05,
                "t": 60.0, "seeds": 8},
    "paper": {"n_in": 32, "n_hidden": 5, "n_out": 32, "s": [4.0, 3.0, 2.2, 1.6, 1.2, 0.9, 0.7, 0.5], "std": 1e-3,
              "lr": 0.02, "t": 60.0, "seeds": 16},
}


@CFP.simulation("gd-reaches-best-rank-n2-approximation", sizes=RANK_SIZES)
def _(ctx):
    """Full-batch gradient descent from small random weights (N(0, std^2)) on a whitened task with r > N2 modes, run
    to t = 60 tau: the product W32 W21 vs the truncated SVD sum_{alpha <= N2} s_alpha u_alpha v_alpha^T, relative
    Frobenius distance, worst over seeds; and the final loss vs the Eckart-Young value (1/2) sum_{alpha > N2} s_alpha^2.

    Tolerance: the approach to the fixed point is exponential with the slowest rate of the linearization at the
    global minimum, 2 (s_N2 - s_{N2+1})/tau for the competition between the weakest learned and the strongest
    unlearned mode (and 2 s_N2/tau within the learned modes); after the sigmoid of the weakest learned mode
    (eq. (11): ln(s/u0)/(2 s_N2)) the residual is below exp(-2 (s_N2 - s_{N2+1})(t - t_N2)) times its O(1) size,
    recorded as remainder(bound)."""
    import torch

    from theorycheck.numeric import linear_nets as ln
    from theorycheck.verify.tolerances import remainder

    sz = ctx.sizes
    s = np.array(sz["s"])
    n2 = sz["n_hidden"]
    worst, worst_loss = 0.0, 0.0
    for k in range(sz["seeds"]):
        g = ctx.torch_generator(1200 + k)
        task = ln.task_with_svd(torch.tensor(s), sz["n_in"], sz["n_out"], g, device=ctx.device)
        W1, W2 = ln.gaussian_init(sz["n_in"], n2, sz["n_out"], sz["std"], g, device=ctx.device)
        steps = int(sz["t"] / sz["lr"])
        W1, W2, _, _ = ln.train(W1, W2, sz["lr"], steps, Syx=task.Syx)
        best = task.U[:, :n2] @ torch.diag(task.s[:n2]) @ task.V[:, :n2].T
        P = (W2 @ W1)[0]
        worst = max(worst, float(torch.linalg.norm(P - best) / torch.linalg.norm(best)))
        loss = 0.5 * float(((task.Syx - P) ** 2).sum())
        worst_loss = max(worst_loss, abs(loss / (0.5 * float((s[n2:] ** 2).sum())) - 1))
    u0 = sz["std"] ** 2 * n2  # typical initial mode strength
    t_n2 = math.log(s[n2 - 1] / u0) / (2 * s[n2 - 1]) * 2  # twice (11)'s time: the random-init delay (Fig. 3)
    bound = math.exp(-2 * (s[n2 - 1] - s[n2]) * (sz["t"] - t_n2)) * 10
    tol = remainder(bound, 1.0, why="exponential approach at the slowest rate 2 (s_N2 - s_N2+1) after the weakest "
                                     "learned mode's sigmoid, prefactor 10 for its O(1) size")
    return Outcome.all_of([
        Outcome.bound(worst, tol, f"max relative |W32 W21 - best rank-{n2}| over {sz['seeds']} seeds",
                      name="relative distance to the truncated SVD", sizes=dict(sz)),
        Outcome.bound(worst_loss, tol, "max |loss / Eckart-Young value - 1|", name="relative loss excess")])


C13I = claim(
    "saxe2013/sec1_3-decoupled-invariance",
    "Initial conditions a^alpha, b^alpha proportional to orthonormal r^alpha stay so under (5) (the modes do not "
    "compete) and reduce (5) to (8); the origin a = b = 0 is an unstable fixed point.",
    f"{CITE}, section 1.3 and Fig. 2",
)


@C13I.exact("eq5-on-decoupled-manifold-is-eq8")
def _(ctx):
    """With a^alpha = a_alpha e_alpha, b^alpha = b_alpha e_alpha (N2 = 3 hidden units, 3 modes; any orthonormal
    r^alpha is a rotation of e_alpha), the right-hand side of (5) for mode alpha equals e_alpha times the right-hand
    side of (8) at (a_alpha, b_alpha, s_alpha): the competition terms vanish.  Exact: SymPy residual 0."""
    r = 3
    av, bv, sv = sp.symbols("a1:4", real=True), sp.symbols("b1:4", real=True), sp.symbols("s1:4", positive=True)
    a = [av[i] * sp.eye(r)[:, i] for i in range(r)]
    b = [bv[i] * sp.eye(r)[:, i] for i in range(r)]
    total = sp.Integer(0)
    for al in range(r):
        da = (sv[al] - a[al].dot(b[al])) * b[al] - sum((b[g] * a[al].dot(b[g]) for g in range(r) if g != al),
                                                      sp.zeros(r, 1))
        db = (sv[al] - a[al].dot(b[al])) * a[al] - sum((a[g] * b[al].dot(a[g]) for g in range(r) if g != al),
                                                      sp.zeros(r, 1))
        e = sp.eye(r)[:, al]
        total += sum(abs(sp.expand(v)) for v in list(da - e * bv[al] * (sv[al] - av[al] * bv[al]))
                     + list(db - e * av[al] * (sv[al] - av[al] * bv[al])))
    return Outcome.symbolic(sp.simplify(total), "RHS of (5) on the decoupled manifold minus e_alpha (8)")


@C13I.exact("origin-is-a-saddle")
def _(ctx):
    """The Hessian of the energy (9) at the origin is [[0, -s], [-s, 0]]/tau with eigenvalues -s/tau and +s/tau: the
    origin is a fixed point with one unstable direction a = b (the text after (9)).  Exact: SymPy residual 0."""
    a, b = sp.symbols("a b", real=True)
    E = (S.s - a * b) ** 2 / (2 * S.tau)
    H = sp.hessian(E, (a, b)).subs({a: 0, b: 0})
    grad = [sp.diff(E, v).subs({a: 0, b: 0}) for v in (a, b)]
    ev = sorted(H.eigenvals().keys(), key=lambda e: sp.sign(e.subs({S.s: 1, S.tau: 1})))
    res = sum(abs(g) for g in grad) + abs(sp.simplify(ev[0] + S.s / S.tau)) + abs(sp.simplify(ev[1] - S.s / S.tau))
    return Outcome.symbolic(sp.simplify(res), "gradient at 0, and eigenvalues of the Hessian at 0 minus (-s/tau, s/tau)")
