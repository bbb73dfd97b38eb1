"""The formula registry: ids, domains, citations and the proven stable rewrites."""
from fractions import Fraction

import pytest
import sympy as sp

from theorycheck.symbolic.registry import DuplicateIdError, Param, UnknownFormulaError, all_formulas, check_rewrite, get, register

FORMULAS = all_formulas()


def test_registry_is_not_empty_and_ids_are_topic_dot_name():
    assert len(FORMULAS) >= 4
    for f in FORMULAS:
        topic, _, name = f.id.partition(".")
        assert topic and name, f.id


def test_duplicate_id_is_an_error():
    x = sp.Symbol("x", positive=True)
    with pytest.raises(DuplicateIdError, match="saxe.u_sigmoid"):
        register("saxe.u_sigmoid", x, [Param("x", x, "x", lower=0)], source="test", summary="dup")


def test_undeclared_symbol_is_an_error():
    x, y = sp.symbols("x y", positive=True)
    with pytest.raises(ValueError, match="undeclared symbols"):
        register("test.bad_symbols", x + y, [Param("x", x, "x", lower=0)], source="test", summary="bad")


def test_unknown_id_lists_close_matches():
    with pytest.raises(UnknownFormulaError, match="close matches: saxe.u_sigmoid"):
        get("saxe.u_sigmod")


@pytest.mark.parametrize("f", FORMULAS, ids=lambda f: f.id)
def test_every_formula_cites_a_source_and_declares_its_domain(f):
    assert f.source and any(k in f.source for k in ("eq.", "eqs.", "Fig.", "Table", "Prop", "Thm", "Lemma", "Obs", "§",
                                                    "section", "Section", "supplementary", "Appendix", "App.", "lecture", "Exercise", "Observation",
                                                    "Theorem", "Remark", "Interpretation")), f.source
    assert f.summary
    for p in f.params:
        assert p.domain_str()
        assert p.meaning


@pytest.mark.parametrize("f", [f for f in FORMULAS if f.stable is not None], ids=lambda f: f.id)
def test_stable_rewrite_is_proven_equal(f):
    r = check_rewrite(f)
    assert r == 0, f"{f.id}: expr - stable = {r}"


def test_param_contains_is_exact():
    p = Param("u0", sp.Symbol("u0", positive=True), "u0", lower=0)
    assert not p.contains(Fraction(0))
    assert p.contains(Fraction(1, 10**30))
    assert not p.contains(float("nan"))
    assert not p.contains(float("inf"))
    q = Param("k", sp.Symbol("k", integer=True), "k", lower=0, lower_open=False, integer=True)
    assert q.contains(Fraction(3)) and not q.contains(Fraction(7, 2)) and not q.contains(Fraction(-1))
    assert q.domain_str() == "integers in [0, inf)"
