"""Registry-driven: every claim's every check runs here at smoke scale (exact, precise, simulation).

A check passes when its status is ``passed`` or ``erratum`` (the printed statement fails and the
documented correction passes).  Checks declared ``slow`` run under ``pytest -m slow`` and in
``theorycheck verify``.
"""
from __future__ import annotations

import json

import pytest

from theorycheck.verify.registry import all_claims, derive_status
from theorycheck.verify.runner import run_check

CHECKS = [(c, k) for c in all_claims() for k in c.checks]


def _param(c, k):
    marks = [pytest.mark.slow] if k.slow else []
    return pytest.param(c, k, id=f"{c.id}:{k.tier}:{k.name}", marks=marks)


@pytest.mark.parametrize("claim,check", [_param(c, k) for c, k in CHECKS])
def test_check_at_smoke_scale(claim, check):
    r = run_check(claim, check, scale="smoke", device="cpu", seed=0)
    assert r.status in ("passed", "erratum"), f"{r.status}: {r.detail}\n{r.printed}"
    if r.status == "erratum":
        assert r.correction and r.printed and r.printed["passed"] is False
    assert r.tolerance is not None and r.tolerance_rule and r.tolerance_why
    # the status follows from the JSON record alone
    record = json.loads(json.dumps(r.as_dict(), default=str))
    assert derive_status(record) == r.status, record["comparison"]


def test_every_claim_cites_and_has_checks():
    from theorycheck.verify.registry import paper_keys

    for c in all_claims():
        assert c.paper in paper_keys()
        assert c.source and c.statement and c.checks, c.id


def test_claim_registry_rejects_duplicates_and_bad_ids():
    from theorycheck.verify.registry import claim

    with pytest.raises(ValueError, match="already registered"):
        claim("saxe2013/eq10-12-sigmoid", "dup", "x")
    with pytest.raises(ValueError, match="declared paper key"):
        claim("nature2020/x", "bad", "x")
    from theorycheck.verify import registry

    c = claim("saxe2013/test-only-sizes", "a simulation must declare its sizes", "test")
    try:
        with pytest.raises(ValueError, match="must declare sizes"):
            c.simulation("x", sizes={"smoke": {}})(lambda ctx: None)
    finally:
        registry._CLAIMS.pop(c.id)
