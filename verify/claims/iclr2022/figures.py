"""Figures of the ICLR 2022 submission (``theorycheck figure ID``)."""
from __future__ import annotations

import numpy as np

from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.claims.iclr2022.sec3_main_result import FIG1_SIZES
from theorycheck.verify.figures import canvas, figure


@figure("iclr2022-fig1", "ICLR 2022 Fig. 1: rho_L against rho_0 for a layer-normalized erf network at critical "
                         "initialization, L = 8: infinite width (black) and N_l = 1024 (red)")
def _fig1(out_path, scale, seed):
    from theorycheck.verify.context import Context

    sz = FIG1_SIZES[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    sb2 = K.critical_sb2()
    L = int(sz["depth"])
    grid = np.linspace(0, 1, 101)
    pts = tuple(np.round(np.linspace(0, 1, 21), 6))
    r = K.simulate(ctx, sz["width"], L, sb2, pts, 2)
    with canvas(out_path, figsize=(5, 4)) as (fig, ax):
        ax.plot(grid, [K.theory(p, sb2, L)[-1] for p in grid], "k", label="infinite width, P_L o ... o P_1")
        ax.plot(pts, r.c[0, :, -1], "r.", label=f"one network, N_l = {sz['width']}")
        ax.set_xlabel("rho_0")
        ax.set_ylabel(f"rho_L (L = {L})")
        ax.legend()
