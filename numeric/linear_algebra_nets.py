"""Linear-algebra kernels for the loss-landscape results of Yarotsky's optimization lecture ("Linear networks",
"Pyramidal networks"): the deep-linear-network loss and its gradient in the lecture's closed form, the
Hardt-Ma factorization of a matrix into near-identity factors, a critical-point search by Levenberg-Marquardt
on the gradient, the nonlinear gradient formula of "Gradient of nonlinear networks", and the Zhang et al.
finite-sample ReLU interpolation.  NumPy and Torch only (float64).

Notation (lecture -> code): W = (W_1, ..., W_K) -> ``Ws`` (a list, W_k of shape d_k x d_{k-1}); R the target
linear map; Sigma the input covariance; Delta = W_K ... W_1 - R; L(W) = 1/2 tr(Delta* Delta Sigma).

The gradient descent of the linear networks is *not* here: training loops live in ``numeric.linear_nets``.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric.backend import torch
from theorycheck.numeric.validate import DomainError

__all__ = [
    "product",
    "deep_linear_loss",
    "deep_linear_grad",
    "polar",
    "hardt_ma_factors",
    "hardt_ma_prediction",
    "critical_point_search",
    "nonlinear_forward",
    "nonlinear_grad_formula",
    "relu_interpolation",
]


def _chk_chain(Ws):
    if len(Ws) < 1:
        raise DomainError("Ws: need at least one weight matrix")
    for k in range(1, len(Ws)):
        if Ws[k].shape[-1] != Ws[k - 1].shape[-2]:
            raise DomainError(f"Ws: W_{k + 1} has {Ws[k].shape[-1]} columns but W_{k} has {Ws[k - 1].shape[-2]} rows")


def product(Ws, lo: int = 0, hi: int | None = None):
    """W_hi ... W_{lo+1} (0-based slice Ws[lo:hi], applied right to left); the identity for an empty slice."""
    hi = len(Ws) if hi is None else hi
    if hi <= lo:
        n = Ws[lo - 1].shape[-2] if lo > 0 else Ws[0].shape[-1]
        xp = torch() if hasattr(Ws[0], "detach") else np
        return xp.eye(n, dtype=xp.float64) if xp is np else xp.eye(n, dtype=xp.float64, device=Ws[0].device)
    P = Ws[lo]
    for W in Ws[lo + 1:hi]:
        P = W @ P
    return P


def deep_linear_loss(Ws, R, Sigma):
    """L(W) = 1/2 tr(Delta^T Delta Sigma), Delta = W_K ... W_1 - R (Yarotsky, 'Linear networks with quadratic
    loss').  NumPy or Torch (autograd-able)."""
    _chk_chain(Ws)
    D = product(Ws) - R
    return 0.5 * ((D @ Sigma) * D).sum()


def deep_linear_grad(Ws, R, Sigma):
    """The lecture's closed form grad_{W_k} L = W_{k+1}^T ... W_K^T Delta Sigma W_1^T ... W_{k-1}^T for every k
    (Yarotsky, 'Computation of grad_W L(W)'; Sigma symmetric).  Returns a list like ``Ws``."""
    _chk_chain(Ws)
    K = len(Ws)
    D = product(Ws) - R
    G = D @ Sigma
    out = []
    for k in range(K):  # 0-based k: left factor (W_K ... W_{k+2})^T, right factor (W_k ... W_1)^T
        left = product(Ws, k + 1, K)
        right = product(Ws, 0, k)
        out.append(left.T @ G @ right.T)
    return out


# ----------------------------------------------------------------------------------------------
# Hardt-Ma: A = (1 + V_K) ... (1 + V_1) with max ||V_k|| = O(1/K)
def polar(A):
    """A = B O with B = (A A^T)^{1/2} symmetric positive definite and O orthogonal (by the SVD A = U S V^T:
    B = U S U^T, O = U V^T).  NumPy."""
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise DomainError(f"polar: A must be square, got shape {A.shape}")
    U, s, Vt = np.linalg.svd(A)
    if s[-1] <= 0:
        raise DomainError("polar: A is singular (smallest singular value 0); the polar factor B must be positive definite")
    return (U * s) @ U.T, U @ Vt


def _orthogonal_root(O, m: int):
    """O^{1/m} on the principal branch (rotation angles phi/m, |phi| < pi), O in SO(d) normal: by its complex
    eigen-decomposition O = Q diag(e^{i phi}) Q^{-1}.  Returns (root, angles)."""
    ev, Q = np.linalg.eig(O)
    phi = np.angle(ev)
    if np.any(np.abs(np.abs(phi) - math.pi) < 1e-9):
        raise DomainError("hardt_ma_factors: O has an eigenvalue -1 (rotation by pi): the principal root is not real")
    root = (Q * np.exp(1j * phi / m)) @ np.linalg.inv(Q)
    if np.max(np.abs(root.imag)) > 1e-8 * max(1.0, np.max(np.abs(root.real))):
        raise DomainError("hardt_ma_factors: the principal root of O is not real (ill-conditioned eigenbasis)")
    return root.real, phi


def hardt_ma_factors(A, K: int):
    """The factorization of the lecture's proof (Hardt-Ma proposition, 'Constant width networks'):
    A = B O (polar), B = (B^{1/mB})^{mB}, O = (O^{1/mO})^{mO} with mO = K // 2, mB = K - mO, so
    A = (1 + V_K) ... (1 + V_1) with V_1..V_mO = O^{1/mO} - 1 (applied first) and the rest B^{1/mB} - 1.
    Requires det A > 0 (then O is a rotation).  Returns the list [V_1, ..., V_K] (NumPy)."""
    A = np.asarray(A, dtype=np.float64)
    if not (isinstance(K, (int, np.integer)) and K >= 2):
        raise DomainError(f"hardt_ma_factors: parameter 'K' = {K!r} must be an integer >= 2")
    if not np.linalg.det(A) > 0:
        raise DomainError(f"hardt_ma_factors: det A = {np.linalg.det(A):.3g} must be > 0")
    B, O = polar(A)
    mO = K // 2
    mB = K - mO
    lam, O1 = np.linalg.eigh(B)
    Broot = (O1 * lam ** (1.0 / mB)) @ O1.T
    Oroot, _ = _orthogonal_root(O, mO)
    d = A.shape[0]
    eye = np.eye(d)
    return [Oroot - eye] * mO + [Broot - eye] * mB


def hardt_ma_prediction(A, K: int):
    """Closed-form spectral norms of the factors of :func:`hardt_ma_factors`: ||B^{1/mB} - 1|| =
    max_i |lambda_i^{1/mB} - 1| (B symmetric) and ||O^{1/mO} - 1|| = 2 sin(phi_max/(2 mO)) (O normal with
    eigenvalues e^{+-i phi}).  Returns (max_k ||V_k||, the large-K constant C = lim K max_k ||V_k||
    = 2 max(max_i |ln lambda_i|, phi_max))."""
    B, O = polar(A)
    mO = K // 2
    mB = K - mO
    lam = np.linalg.eigvalsh(B)
    phi = np.max(np.abs(np.angle(np.linalg.eigvals(O))))
    nb = float(np.max(np.abs(np.expm1(np.log(lam) / mB))))
    no = float(2 * math.sin(phi / (2 * mO)))
    C = 2 * max(float(np.max(np.abs(np.log(lam)))), float(phi))
    return max(nb, no), C


# ----------------------------------------------------------------------------------------------
# Critical points by Levenberg-Marquardt on the gradient equation grad L = 0
def lbfgs_descend(loss, x0, max_iter: int = 300, tolerance_grad: float = 1e-10):
    """Descend ``loss`` from ``x0`` with L-BFGS (strong Wolfe line search) and return the detached end point.

    Used before :func:`critical_point_search`, which converges to saddles as well as minima: a descent first
    lands the search in a minimum's basin."""
    t = torch()
    xv = x0.clone().requires_grad_()
    opt = t.optim.LBFGS([xv], lr=1, max_iter=max_iter, tolerance_grad=tolerance_grad,
                        line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        v = loss(xv)
        v.backward()
        return v

    opt.step(closure)
    return xv.detach()


def critical_point_search(loss, x0, iters: int = 200, tol: float = 1e-13, mu0: float = 1e-3):
    """Find a critical point (any index) of a smooth scalar ``loss(x)`` (a Torch function of a flat float64
    vector) from ``x0``: Levenberg-Marquardt on g(x) = grad loss(x) = 0 with Jacobian the Hessian H,
    step -(H^2 + mu I)^{-1} H g, mu adapted (halved on success, x10 on failure, judged by ||g||).  Returns
    (x, ||g||, Hessian eigenvalues, loss value) at the end."""
    t = torch()
    x = t.as_tensor(x0, dtype=t.float64).clone()

    def grad_hess(z):
        z = z.detach().requires_grad_()
        g = t.autograd.grad(loss(z), z, create_graph=True)[0]
        H = t.stack([t.autograd.grad(g[i], z, retain_graph=True)[0] for i in range(z.numel())])
        return g.detach(), 0.5 * (H + H.T).detach()

    g, H = grad_hess(x)
    gn = float(g.norm())
    mu = mu0
    n = x.numel()
    eye = t.eye(n, dtype=t.float64)
    for _ in range(iters):
        if gn <= tol:
            break
        step = t.linalg.solve(H @ H + mu * eye, H @ g)
        xn = x - step
        gn_new, Hn = grad_hess(xn)
        if float(gn_new.norm()) < gn:
            x, g, H, gn = xn, gn_new, Hn, float(gn_new.norm())
            mu = max(mu / 3, 1e-15)
        else:
            mu *= 10
            if mu > 1e12:
                break
    ev = t.linalg.eigvalsh(H)
    return x, gn, ev, float(loss(x))


# ----------------------------------------------------------------------------------------------
# Nonlinear networks without biases: z_k = sigma(W_k z_{k-1}), output linear f(x) = W_K z_{K-1}
def _act(name):
    t = torch()
    if name == "tanh":
        return t.tanh, lambda y: 1 - t.tanh(y) ** 2
    if name == "sigmoid":
        return t.sigmoid, lambda y: t.sigmoid(y) * (1 - t.sigmoid(y))
    if name == "identity":
        return (lambda y: y), (lambda y: t.ones_like(y))
    if name == "softplus":
        return t.nn.functional.softplus, t.sigmoid
    raise DomainError(f"activation {name!r} is not one of tanh, sigmoid, softplus, identity")


def nonlinear_forward(Ws, X, act: str = "tanh"):
    """Outputs of the bias-free network of 'Getting rid of bias terms' (hidden layers sigma, linear output
    layer W_K) for the columns of X (d_0 x N).  Returns (f (d_K x N), pre-activations [y_1..y_{K-1}],
    post-activations [F_0 = X, F_1, ..., F_{K-1}])."""
    _chk_chain(Ws)
    s, _ = _act(act)
    F = [X]
    ys = []
    for W in Ws[:-1]:
        ys.append(W @ F[-1])
        F.append(s(ys[-1]))
    return Ws[-1] @ F[-1], ys, F


def nonlinear_grad_formula(Ws, X, Y, act: str = "tanh"):
    """The lecture's formula ('Gradient of nonlinear networks') for L = 1/(2N) sum_n |f(x_n) - y_n|^2:
    (grad_{W_k} L)_ij = 1/N sum_n (F_{k-1}(x_n))_j (F'_k W_{k+1}^T ... F'_{K-1} W_K^T (f - y))_i, evaluated as
    the backward recursion delta_K = (f - y)/N, delta_k = F'_k (W_{k+1}^T delta_{k+1}); grad_k = delta_k F_{k-1}^T."""
    _, ds = _act(act)
    f, ys, F = nonlinear_forward(Ws, X, act)
    K = len(Ws)
    delta = (f - Y) / X.shape[-1]
    grads = [None] * K
    grads[K - 1] = delta @ F[K - 1].T
    for k in range(K - 2, -1, -1):  # 0-based layer k: F'_{k+1} in the lecture's 1-based numbering
        delta = ds(ys[k]) * (Ws[k + 1].T @ delta)
        grads[k] = delta @ F[k].T
    return grads


# ----------------------------------------------------------------------------------------------
# Zhang et al.: a ReLU network with 2n + d weights fits any n labelled points in R^d
def relu_interpolation(X, y, a):
    """The construction behind the lecture's exercise (Zhang et al. 2016, Theorem 1): with projections
    z_i = <a, x_i> (distinct), sort them, choose biases b_1 < z_(1) <= b_2 < z_(2) <= ... (b_j midway between
    z_(j-1) and z_(j)), and solve the lower-triangular system sum_j w_j max(z_(i) - b_j, 0) = y_(i) (diagonal
    z_(i) - b_i > 0).  The network c(x) = sum_j w_j ReLU(<a, x> - b_j) has d + n + n parameters (a, b, w).
    Works for NumPy floats or exact Python numbers (Fractions / SymPy Rationals in object arrays).
    Returns (b, w) in the order of the sorted projections."""
    n = len(y)
    z = [sum(ai * xi for ai, xi in zip(a, row)) for row in X]
    order = sorted(range(n), key=lambda i: z[i])
    zs = [z[i] for i in order]
    ys = [y[i] for i in order]
    if any(zs[i + 1] == zs[i] for i in range(n - 1)):
        raise DomainError("relu_interpolation: the projections <a, x_i> must be distinct; choose another a")
    b = [zs[0] - 1] + [(zs[j - 1] + zs[j]) / 2 for j in range(1, n)]
    w = []
    for i in range(n):  # row i: sum_{j <= i} w_j (z_(i) - b_j) = y_(i)
        acc = ys[i]
        for j in range(i):
            acc = acc - w[j] * (zs[i] - b[j])
        w.append(acc / (zs[i] - b[i]))
    return b, w
