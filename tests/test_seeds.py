"""Verdicts must not depend on the seed.

Every simulation check runs at smoke scale for 20 seeds.  Each statistical check is allowed a false-
failure probability ALPHA = ALPHA_FAMILY / STAT_CHECK_BUDGET (verify/tolerances.py), so a whole run
fails falsely with probability <= ALPHA_FAMILY = 1e-3 and 20 runs with probability <= 2e-2: any failure
here is, with 98 % confidence, a bug (a bias the tolerance ignores, a wrong variance, a hand verdict),
not bad luck.  Slow (minutes): ``pytest -m slow tests/test_seeds.py``.
"""
from __future__ import annotations

import pytest

from theorycheck.verify.registry import all_claims
from theorycheck.verify.runner import run_check

SEEDS = range(20)
SIM = [(c, k) for c in all_claims() for k in c.checks if k.tier == "simulation"]


@pytest.mark.slow
@pytest.mark.parametrize("claim,check", [pytest.param(c, k, id=f"{c.id}:{k.name}") for c, k in SIM])
def test_simulation_check_passes_for_20_seeds(claim, check):
    bad = []
    for seed in SEEDS:
        r = run_check(claim, check, scale="smoke", device="cpu", seed=seed)
        if r.status not in ("passed", "erratum"):
            bad.append(f"seed {seed}: {r.status}: {r.detail[:300]}")
    assert not bad, "\n".join(bad)
