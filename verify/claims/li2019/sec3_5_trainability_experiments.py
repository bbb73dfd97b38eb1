"""Li & Nguyen 2019, Section 3.5 "Implications to training initialization", the experiments of Fig. 4 at the
scale this machine affords: weight-tied autoencoders initialised by the tanh-tanh schemes of Table 1 and
trained by mini-batch SGD on the normalised loss |x - xhat|^2 / |x|^2.

Paper: L = 100, hidden width 400, MNIST (784 inputs), batch 250, 5e5 iterations; Setting 1: phi_0 = tanh, images
in [-1, 1], lr 5e-3; Setting 2: phi_0 = identity, images in [0, 1], lr 3e-3.  "Scheme 2, 5, 8, 10 and 14 show
much slower progresses, by a factor of 3 to 10 times in terms of training iterations to reach the same loss."

Here (reduced): scikit-learn's digits (1797 8x8 images, 64 inputs, pixel values 0..16 scaled as Settings 1/2;
1500 training / 297 test images, split by the run seed), hidden width 64 (alpha = 1), L = 10 layers, batch 250,
the paper's learning rates, phi_L = tanh (the paper's choice of phi_L is not stated for its training runs), the
tanh-tanh schemes 7, 9, 11 ("Trainable") and 8, 10 ("Slowed").  MNIST is used instead when the environment
variable THEORYCHECK_MNIST points to a directory with the IDX files train-images-idx3-ubyte[.gz] and
t10k-images-idx3-ubyte[.gz] (never downloaded), at paper scale only.

Criterion (stated here, the paper gives no statistic): T_s = the first evaluated iteration at which scheme s's
test loss is <= the loss target of the scale's sizes (censored at the iteration budget when never reached); every Slowed scheme must need
at least FACTOR times the iterations of every Trainable scheme (median over seeds).  Measured (Setting 1, one seed,
smoke sizes of the 600-iteration budget): Trainable schemes 7, 9, 11 reach 0.6 after 150, 100, 200 iterations, the
Slowed schemes 10 after 600 and 8 not within 600: a factor >= 3, at the lower end of the paper's "3 to 10"
(which is for L = 100).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from theorycheck.verify.claims.li2019._sim_common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion

SCHEMES = {7: (1.05, 2.01e-5, "Trainable"), 8: (0.5, 0.0136, "Slowed"), 9: (2.312, 0.211, "Trainable"),
           10: (0.5, 0.986, "Slowed"), 11: (1.0, 0.771, "Trainable")}
SETTINGS = {1: {"out": "tanh", "lr": 5e-3, "scale": "pm1"}, 2: {"out": "identity", "lr": 3e-3, "scale": "unit"}}
FACTOR = 2.0
# "targets": the loss target of each simulated setting (same order as "settings")
SIZES = {
    "smoke": {"L": 10, "iters": 450, "eval_every": 25, "seeds": 1, "settings": [1], "targets": [0.75]},
    "default": {"L": 10, "iters": 600, "eval_every": 25, "seeds": 1, "settings": [1], "targets": [0.6]},
    "paper": {"L": 20, "iters": 3000, "eval_every": 25, "seeds": 3, "settings": [1, 2], "targets": [0.6, 0.5]},
}


def load_mnist(directory) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) MNIST images as float arrays in [0, 16] (the digits scale), rows flattened, from IDX files
    in ``directory`` (numeric.wtae_sim.read_idx; gzip or plain)."""
    from theorycheck.numeric.wtae_sim import read_idx

    d = Path(directory)
    out = []
    for stem in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
        cands = [d / stem, d / (stem + ".gz")]
        path = next((p for p in cands if p.is_file()), None)
        if path is None:
            raise FileNotFoundError(f"THEORYCHECK_MNIST={directory}: neither {cands[0]} nor {cands[1]} exists")
        imgs = read_idx(path)
        out.append(imgs.reshape(imgs.shape[0], -1).astype(np.float64) * (16.0 / 255.0))
    return out[0], out[1]


def data(ctx, setting: int):
    mn = os.environ.get("THEORYCHECK_MNIST")
    if mn and ctx.scale == "paper":
        tr, te = load_mnist(mn)
    else:
        from sklearn.datasets import load_digits

        X = load_digits().data.astype(np.float64)
        p = ctx.rng(300).permutation(len(X))
        tr, te = X[p[:1500]], X[p[1500:]]
    f = (lambda x: x / 8.0 - 1.0) if SETTINGS[setting]["scale"] == "pm1" else (lambda x: x / 16.0)
    return f(tr), f(te)


def first_hit(its, losses, target, budget):
    hit = np.nonzero(np.asarray(losses) <= target)[0]
    return float(its[hit[0]]) if hit.size else float(budget + 1)


def train_all(ctx, setting: int, target: float):
    """{scheme: [T_s per seed]} and the loss curves, for one setting."""
    from theorycheck.numeric.backend import generator
    from theorycheck.numeric.wtae_sim import train_wtae
    from theorycheck.verify import propagation_checks as MF

    import torch

    sz = ctx.sizes
    tr, te = data(ctx, setting)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 250 x 64 products gain nothing from more threads
    n0 = tr.shape[1]
    widths = (n0,) + (64 if n0 == 64 else 400,) * int(sz["L"])
    try:
        hits, curves = {}, {}
        for s, (sw2, sb2, _) in SCHEMES.items():
            hits[s], curves[s] = [], []
            for k in range(int(sz["seeds"])):
                its, losses = train_wtae(tr, te, widths, sw2, sb2, generator([MF.seed_for(ctx, 310 + setting), s, k]),
                                         out_act=SETTINGS[setting]["out"], lr=SETTINGS[setting]["lr"], batch=250,
                                         iters=int(sz["iters"]), eval_every=int(sz["eval_every"]))
                hits[s].append(first_hit(its, losses, target, int(sz["iters"])))
                curves[s].append((its, losses))
    finally:
        torch.set_num_threads(threads)
    return hits, curves


CT = claim(
    "li2019/sec3.5-slowed-schemes-train-slower",
    "Section 3.5 / Fig. 4: weight-tied autoencoders initialised where gamma = rho = 0 in a neighbourhood "
    "('Slowed' schemes 8, 10 of Table 1, tanh-tanh) progress much more slowly at the start of training than the "
    "'Trainable' schemes 7, 9, 11: the paper reports a factor of 3 to 10 in iterations to reach the same loss.",
    f"{CITE}, Section 3.5, Table 1 and Fig. 4",
)


@CT.simulation("iterations-to-loss-tanh-schemes", sizes=SIZES, slow=True)
def _(ctx):
    """For each setting simulated: T_s = first evaluated iteration with test loss <= the size's target (Setting 1:
    0.6, 0.75 at smoke scale with a shorter budget; Setting 2: 0.5; censored at the budget), median over seeds; criterion (stated in the module docstring):
    min over Slowed schemes of T_s >= FACTOR (= 2) x max over Trainable schemes of T_s.  Criterion rule: the paper
    gives no statistic; the factor 2 is below its reported 3-10 because the depth here is 10 (not 100)."""
    terms, rows = [], {}
    for setting, target in zip(ctx.sizes["settings"], ctx.sizes["targets"]):
        hits, _ = train_all(ctx, int(setting), float(target))
        med = {s: float(np.median(v)) for s, v in hits.items()}
        slow = min(med[s] for s in SCHEMES if SCHEMES[s][2] == "Slowed")
        fast = max(med[s] for s in SCHEMES if SCHEMES[s][2] == "Trainable")
        terms.append((f"Setting {setting}: min Slowed T / max Trainable T", slow / fast, ">=", FACTOR))
        rows[f"setting {setting}"] = med
    out = Outcome.criterion(terms, criterion(FACTOR, "every Slowed scheme needs >= 2x the iterations of every "
                                                     "Trainable scheme to reach the loss target"),
                            sizes=dict(ctx.sizes))
    out.detail = "; ".join(f"{k}: " + ", ".join(f"scheme {s} T={t:g}" for s, t in v.items()) for k, v in rows.items())
    out.extra = {"iterations_to_target": rows}
    return out
