"""ICLR 2022 submission, section 3 "Main result": the sketch of proof of Theorem 1 and Fig. 1 -- the output
correlation rho_L of a wide layer-normalized erf network as a function of the input correlation rho_0
is the composition P_L o ... o P_1 of eq. (2.3), and a finite network (N_l = 1024) follows it.

Fig. 1 does not state sigma_w, sigma_b; we take the critical initialization (the setting of Theorem 1's
discussion and of Fig. 3), sigma_w^2 = 1, sigma_b^2 = r_c (Appendix B's critical ratio of erf).

Errata: none.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.registry import claim

RHO0_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)
FIG1_SIZES = {
    "smoke": {"width": 128, "depth": 8, "n_nets": 16},
    "default": {"width": 1024, "depth": 8, "n_nets": 24},
    "paper": {"width": 1024, "depth": 8, "n_nets": 64},
}

C1 = claim(
    "iclr2022/sim-fig1-rho-map",
    "For a wide layer-normalized erf network the output correlation rho_L as a function of the input "
    "correlation rho_0 is the composition P_L o ... o P_1 of eq. (2.3); a network of width N_l = 1024 "
    "follows it (Fig. 1, red vs black).",
    f"{K.SRC}, eqs. (2.1)-(2.3) and Fig. 1",
)


@C1.simulation("rho-l-vs-composed-map", sizes=FIG1_SIZES)
def _(ctx):
    """For each rho_0 of a grid over [0, 0.99], the mean over nets of rho_L (L = 8, critical init) against
    P_L o ... o P_1(rho_0).

    Tolerance, rule ``clt_t`` per grid point (verify.propagation_checks.profile_outcome): Student t over the
    independent networks, Bonferroni over the grid, plus the delta-method O(1/N) bias bound propagated
    along each trajectory."""
    sz = ctx.sizes
    sb2 = K.critical_sb2()
    L = int(sz["depth"])
    r = K.simulate(ctx, sz["width"], L, sb2, RHO0_GRID, 1)
    theories = [K.theory(p, sb2, L) for p in RHO0_GRID]
    meas = r.c[:, :, -1]  # (n, K): rho_L per net and rho_0
    theory = np.array([t[-1] for t in theories])
    bias = np.array([K.delta_bias(t, r.c[:, k, :].var(axis=0, ddof=1), sb2)[-1] for k, t in enumerate(theories)])
    return MF.profile_outcome(meas, theory, bias, f"rho_L, L={L}, N={sz['width']}, critical init "
                              f"(sigma_b^2/sigma_w^2 = {sb2:.6f}), over rho_0 = {list(RHO0_GRID)}", dict(sz),
                              start=0, label="rho_0 index")
