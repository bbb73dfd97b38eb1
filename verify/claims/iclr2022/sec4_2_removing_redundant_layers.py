"""ICLR 2022 submission, section 4.2 "Removing redundant layers" and Fig. 4: a deep critically initialized
layer-normalized MLP alternating ReLU and erf, against its "skimmed" counterpart in which a block of middle layers
is replaced by one linear map (the block's linearization at the mean of its inputs), trained on the same data.

Reduced scale (default): scikit-learn's digits (8x8, 1797 images, nothing downloaded), depth 24 with a middle
block of 8 layers (layers 9-16), width 64, 150 full-batch Adam steps.  The paper's setting -- MNIST, 82 layers,
block of 16 -- needs MNIST IDX files supplied by the user (``load_idx``; ``sizes['paper']`` names the shape) and
about 10^3 x more compute.

No claim is registered from this section: at the reduced depths that fit the default budget the premise does not
hold -- with 4 layers in front of the block (smoke) the minimum pairwise correlation of the block's inputs over
the training set is -0.15 (the paper reports 0.97 with 33 layers in front), and skimming changes the outputs by
16% at initialization -- so the statement can only be tested at depths close to the paper's (``--scale paper``
sizes, MNIST from user files).  What the reduced run does show (Fig. 4 here): both networks train at similar rates
(loss 2.97 -> 1.59 full, 2.96 -> 1.49 skimmed in 40 steps) and the displacements of the layers away from the
block are positively correlated (Pearson 0.28-0.58).  ``theorycheck figure iclr2022-fig4`` draws it.
"""
from __future__ import annotations

import gzip
import math
import struct

import numpy as np

from theorycheck.numeric import layernorm as NL
from theorycheck.verify.claims.iclr2022 import _maps as M

SIZES = {
    "smoke": {"width": 32, "depth": 12, "block": (5, 8), "steps": 40, "n_train": 400},
    "default": {"width": 64, "depth": 24, "block": (9, 16), "steps": 150, "n_train": 1500},
    "paper": {"width": 784, "depth": 82, "block": (34, 49), "steps": 3000, "n_train": 60000, "data": "mnist-idx"},
}


def load_idx(path):
    """Read an IDX file (MNIST format; gzip allowed): magic 0x00 0x00 dtype ndim, big-endian dims, then data.
    Returns a NumPy array; a clear error on a malformed file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as fh:
        head = fh.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0:
            raise ValueError(f"{path}: not an IDX file (magic bytes {head!r})")
        dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
        if head[2] not in dtypes:
            raise ValueError(f"{path}: unknown IDX data type 0x{head[2]:02x}")
        ndim = head[3]
        dims = struct.unpack(">" + "I" * ndim, fh.read(4 * ndim))
        data = np.frombuffer(fh.read(), dtype=dtypes[head[2]])
        if data.size != int(np.prod(dims)):
            raise ValueError(f"{path}: expected {int(np.prod(dims))} values for dims {dims}, found {data.size}")
        return data.reshape(dims)


def dataset(n_train, images=None, labels=None):
    """(X, y): MNIST from user-supplied IDX files, else scikit-learn digits; rows scaled to |x|^2 = dim."""
    if images is not None:
        X = load_idx(images).reshape(-1, int(np.prod(load_idx(images).shape[1:]))).astype(float)
        y = load_idx(labels).astype(int)
    else:
        from sklearn.datasets import load_digits
        d = load_digits()
        X, y = d.data.astype(float), d.target.astype(int)
    X = X[:n_train] - X[:n_train].mean(0)
    X = X / np.linalg.norm(X, axis=1, keepdims=True) * math.sqrt(X.shape[1])
    return X, y[:n_train]


def _acts(depth):
    return ["relu" if l % 2 == 0 else "erf" for l in range(depth)]


def build(width, depth, din, gen):
    import torch
    acts = _acts(depth)
    Ws, bs = [], []
    for l in range(depth):
        n_in = din if l == 0 else width
        Ws.append(torch.randn(width, n_in, generator=gen, dtype=torch.float64))
        r = M.r_of(acts[l], "critical")
        bs.append(torch.randn(width, generator=gen, dtype=torch.float64) * math.sqrt(r))
    head = torch.randn(10, width, generator=gen, dtype=torch.float64) / math.sqrt(width)
    return acts, Ws, bs, head


def forward(params, X, block=None, lin=None, upto=None):
    """Layer l (1-based): y = W phi(z) / sqrt(n_in) + b, z = LN(y); the first layer is linear (embedding)."""
    import torch
    acts, Ws, bs, head = params
    z = X
    L = len(Ws) if upto is None else upto
    l = 0
    while l < L:
        if block is not None and l + 1 == block[0]:
            A, c = lin
            z = z @ A.T + c
            z = math.sqrt(z.shape[1]) * z / z.norm(dim=-1, keepdim=True)
            l = block[1]
            continue
        phi = (lambda v: v) if l == 0 else NL._act_fns(acts[l - 1])[0]
        y = phi(z) @ Ws[l].T / math.sqrt(Ws[l].shape[1]) + bs[l]
        z = math.sqrt(y.shape[1]) * y / y.norm(dim=-1, keepdim=True)
        l += 1
    return z if upto is not None else z @ head.T


def linearize_block(params, X, block):
    """The block's affine linearization at the mean v of its inputs: z -> f(v) + J(v)(z - v)."""
    import torch
    zin = forward(params, X, upto=block[0] - 1).detach()
    v = zin.mean(0)
    v = math.sqrt(v.numel()) * v / v.norm()
    acts, Ws, bs, head = params

    def blockf(z):
        for l in range(block[0] - 1, block[1]):
            y = NL._act_fns(acts[l - 1])[0](z) @ Ws[l].T / math.sqrt(Ws[l].shape[1]) + bs[l]
            z = math.sqrt(y.shape[0]) * y / y.norm()
        return z
    J = torch.autograd.functional.jacobian(blockf, v)
    return J.clone(), (blockf(v) - J @ v).detach().clone(), zin


def run(sz, seed, images=None, labels=None):
    """Train the full and the skimmed network from the same initialization; returns the measurements."""
    import torch
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        X, y = dataset(int(sz["n_train"]), images, labels)
        Xt, yt = torch.tensor(X), torch.tensor(y)
        gen = torch.Generator().manual_seed(int(seed))
        params = build(int(sz["width"]), int(sz["depth"]), X.shape[1], gen)
        block = tuple(sz["block"])
        A, c, zin = linearize_block(params, Xt, block)
        C = (zin @ zin.T / zin.shape[1]).numpy()
        min_corr0 = float(C.min())
        with torch.no_grad():
            out_full, out_skim = forward(params, Xt), forward(params, Xt, block, (A, c))
        init_err = float((out_full - out_skim).norm() / out_full.norm())
        runs = {}
        for name in ("full", "skimmed"):
            acts, Ws, bs, head = params
            P = [w.clone().requires_grad_(True) for w in Ws] + [b.clone().requires_grad_(True) for b in bs] + \
                [head.clone().requires_grad_(True)]
            lin = (A.clone().requires_grad_(True), c.clone().requires_grad_(True)) if name == "skimmed" else None
            opt = torch.optim.Adam(P + (list(lin) if lin else []), lr=2e-3)
            L = len(Ws)
            losses = []
            for _ in range(int(sz["steps"])):
                prm = (acts, P[:L], P[L:2 * L], P[-1])
                loss = torch.nn.functional.cross_entropy(forward(prm, Xt, block if lin else None, lin), yt)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
            with torch.no_grad():
                zin_T = forward((acts, P[:L], P[L:2 * L], P[-1]), Xt, upto=block[0] - 1)
            runs[name] = {"losses": losses, "disp": [(P[l] - Ws[l]).detach().reshape(-1).numpy() for l in range(L)],
                          "min_corr_T": float((zin_T @ zin_T.T / zin_T.shape[1]).min())}
        pearson = {}
        for l in range(int(sz["depth"])):
            if block[0] - 1 <= l < block[1]:
                continue
            a_, b_ = runs["full"]["disp"][l], runs["skimmed"]["disp"][l]
            pearson[l + 1] = float(np.corrcoef(a_, b_)[0, 1])
        return {"min_corr0": min_corr0, "init_err": init_err, "runs": runs, "pearson": pearson, "block": block}
    finally:
        torch.set_num_threads(old)


