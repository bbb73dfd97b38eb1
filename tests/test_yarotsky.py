"""Helpers of the yarotsky claim package that set tolerances: the condition number by central
differences in ln x, and the named relative-error outcome of the kernel-vs-mpmath checks."""
from __future__ import annotations

import math

import pytest

from theorycheck.verify.claims.yarotsky._common import log_condition, rel_error_outcome
from theorycheck.verify.tolerances import conditioned


def test_log_condition_of_known_functions():
    # |x d ln f/dx|: x^3 y -> max(3, 1) = 3; exp(x) at x = 2 -> 2; a parameter equal to 0 contributes 0
    assert log_condition(lambda x, y: x**3 * y, {"x": 1.7, "y": 0.4}) == pytest.approx(3.0, rel=1e-8)
    assert log_condition(lambda x, b: math.exp(x) + b, {"x": 2.0, "b": 0.0}) == pytest.approx(2.0, rel=1e-8)
    # near a root the condition number blows up: f = x - 1 at x = 1 + 1e-6 -> ~1e6
    assert log_condition(lambda x: x - 1.0, {"x": 1.0 + 1e-6}) == pytest.approx(1e6, rel=1e-4)


def test_rel_error_outcome_verdict_follows_the_relative_error():
    tol = conditioned(2.0, 16)
    ok = rel_error_outcome(1.0, 1.0 + 4 * 2.0**-52, tol, "f(1)")
    bad = rel_error_outcome(1.0, 1.0 + 1e-12, tol, "f(1)")
    assert ok.passed and not bad.passed
    (term,) = bad.comparison.terms
    assert term.name == "f(1): relative error" and term.value == pytest.approx(1e-12, rel=1e-3)
