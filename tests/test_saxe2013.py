"""Saxe et al. 2013 specifics that the claim checks rely on: the chi^2 quantile of the chi2_mean rule, the
control-variate mean of the random-init delay check, and the recorded comparison of that check."""
from __future__ import annotations

import math
from statistics import NormalDist

import mpmath
import pytest

from theorycheck.verify import tolerances as T


@pytest.mark.parametrize("p", [0.5, 0.95, 1 - T.ALPHA, 1 - 1e-12])
def test_chi2_quantile_against_closed_forms(p):
    # dof = 2: P(X > x) = exp(-x/2); dof = 1: X = Z^2, so the quantile is the squared two-sided normal quantile
    assert T.chi2_quantile(p, 2) == pytest.approx(-2 * math.log1p(-p), rel=1e-12)
    assert T.chi2_quantile(p, 1) == pytest.approx(NormalDist().inv_cdf((1 - p) / 2) ** 2, rel=1e-9)  # lower tail: accurate


def test_chi2_mean_rule_and_bad_input():
    tol = T.chi2_mean(6)
    assert tol.value == pytest.approx(T.chi2_quantile(1 - T.ALPHA, 6) / 6)
    assert tol.value > 1 + T.z_quantile() * math.sqrt(2 / 6)  # the chi^2 tail is heavier than the CLT's
    assert T.chi2_mean(6, tests=4).value > tol.value
    with pytest.raises(ValueError, match="k >= 1"):
        T.chi2_mean(0)
    with pytest.raises(ValueError, match="dof"):
        T.chi2_quantile(0.5, 0)


@pytest.mark.parametrize("n2", [4, 16, 32])
def test_control_variate_mean_is_the_chi2_log_mean(n2):
    # E[-ln(X / N)] for X ~ chi^2_N, by quadrature of the density, equals ln(N/2) - digamma(N/2) (used by
    # saxe2013/fig3-learning-curves random-init-delay)
    with mpmath.workdps(30):
        k = mpmath.mpf(n2) / 2
        dens = lambda x: x ** (k - 1) * mpmath.exp(-x / 2) / (2**k * mpmath.gamma(k))  # noqa: E731
        num = mpmath.quad(lambda x: -mpmath.log(x / n2) * dens(x), [0, n2, mpmath.inf])
        assert float(abs(num - (mpmath.log(k) - mpmath.digamma(k)))) < 1e-20


def test_random_init_delay_records_a_lower_comparison():
    from theorycheck.verify.registry import derive_status, get_claim
    from theorycheck.verify.runner import run_check

    c = get_claim("saxe2013/fig3-learning-curves")
    r = run_check(c, c.check("random-init-delay"), "smoke", "cpu", 17).as_dict()
    (term,) = r["comparison"]["terms"]
    assert r["comparison"]["kind"] == "lower" and term["op"] == ">="
    assert term["value"] == r["measured"] and term["limit"] == r["tolerance"]
    assert r["status"] == derive_status(r) == ("passed" if term["value"] >= term["limit"] else "failed")
    assert r["extra"]["lower_confidence_bound"] == pytest.approx(term["value"] - term["limit"])
