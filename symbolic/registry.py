"""The formula registry: one registered object per closed form, keyed by a unique id.

A :class:`Formula` couples

* an id ``<topic>.<name>`` (``saxe.u_sigmoid``),
* the SymPy expression exactly as derived or printed in the source (``expr``), over symbols that
  carry assumptions (positive, real, ...),
* optionally a numerically stable rewrite (``stable``) that is *proven* equal to ``expr``
  (``symbolic.registry.check_rewrite``) and is what the code generator prints,
* the parameter domain as data (:class:`Param`, plus cross-parameter :class:`Constraint`),
* its source citation.

The registry is filled by the topic modules of this package (``symbolic/<topic>.py``), which are
discovered automatically (:func:`load_all`): adding a topic is adding a module.

This module is SymPy only; it never imports ``numeric`` or ``verify``.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable

import sympy as sp

__all__ = [
    "Param",
    "Constraint",
    "Formula",
    "register",
    "get",
    "all_formulas",
    "topics",
    "load_all",
    "check_rewrite",
    "DuplicateIdError",
    "UnknownFormulaError",
]

# Modules of this package that are not formula topics.
_NOT_TOPICS = {"registry", "codegen", "proofs"}


class DuplicateIdError(ValueError):
    """Raised when a formula id is registered twice."""


class UnknownFormulaError(KeyError):
    """Raised for a formula id that is not registered; the message lists close matches."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain sentence.
        return str(self.args[0])


@dataclass(frozen=True)
class Param:
    """One scalar parameter of a formula and its valid domain (an interval, maybe integer).

    ``lower``/``upper`` are exact numbers (int or Fraction) or ``None`` for unbounded; ``*_open``
    says whether the end point itself is excluded.  ``symbol`` is the SymPy symbol used in the
    expression (with assumptions); ``meaning`` maps the code name to the paper's symbol.
    """

    name: str
    symbol: sp.Symbol
    meaning: str
    lower: int | Fraction | None = None
    upper: int | Fraction | None = None
    lower_open: bool = True
    upper_open: bool = True
    integer: bool = False
    default: int | Fraction | None = None

    def domain_str(self) -> str:
        lo = "-inf" if self.lower is None else _fmt(self.lower)
        hi = "inf" if self.upper is None else _fmt(self.upper)
        left = "(" if (self.lower is None or self.lower_open) else "["
        right = ")" if (self.upper is None or self.upper_open) else "]"
        kind = "integers in " if self.integer else ""
        return f"{kind}{left}{lo}, {hi}{right}"

    def contains(self, value: Fraction | int | float) -> bool:
        """Exact membership test (``value`` as a Fraction for exactness; floats allowed)."""
        if isinstance(value, float):
            if math.isnan(value):
                return False
            if math.isinf(value):
                return False  # every domain is a set of finite reals
        if self.integer and Fraction(value).denominator != 1:
            return False
        if self.lower is not None:
            if value < self.lower or (self.lower_open and value == self.lower):
                return False
        if self.upper is not None:
            if value > self.upper or (self.upper_open and value == self.upper):
                return False
        return True


@dataclass(frozen=True)
class Constraint:
    """A cross-parameter condition ``relation`` (a SymPy relational over the formula's symbols).

    It is printed into generated code as a vectorized test and evaluated in high precision by
    ``verify``; ``message`` explains it in words.
    """

    relation: sp.Basic
    message: str


@dataclass(frozen=True)
class Formula:
    """A registered closed form.  See the module docstring."""

    id: str
    expr: sp.Expr
    params: tuple[Param, ...]
    source: str
    summary: str
    stable: sp.Expr | None = None
    rewrite_note: str = ""
    constraints: tuple[Constraint, ...] = ()
    notes: str = ""
    module: str = ""
    # Formulas without a closed form (e.g. tanh Gaussian integrals) set expr=None and give both
    # hooks: ``mp_impl(**values_as_mpf) -> mpf`` (evaluated under the caller's mp.workdps) and
    # ``numeric_impl = "theorycheck.numeric.module:function"``, a hand-written NumPy kernel with the same
    # argument order, whose Torch twin is "<function>_torch" in the same module.  Codegen skips them.
    mp_impl: Callable | None = None
    numeric_impl: str | None = None
    # Optional proof that ``stable`` equals ``expr`` when plain simplification cannot see it (branch
    # cuts of logarithms): a callable returning a SymPy residual that must simplify to 0.
    rewrite_proof: Callable | None = None

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def func_name(self) -> str:
        """Name of the generated function (the id after the topic, dots to underscores)."""
        return self.name.replace(".", "_")

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    @property
    def generated(self) -> bool:
        """True when the numeric kernels are printed by codegen (False: hand-written numeric_impl)."""
        return self.expr is not None and self.numeric_impl is None

    @property
    def codegen_expr(self) -> sp.Expr:
        """The expression printed by the code generator: the stable rewrite when there is one."""
        return self.stable if self.stable is not None else self.expr

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def _fmt(x) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


_REGISTRY: dict[str, Formula] = {}
_LOADED = False


def register(
    id: str,
    expr: sp.Expr | None,
    params: Iterable[Param],
    *,
    source: str,
    summary: str,
    stable: sp.Expr | None = None,
    rewrite_note: str = "",
    constraints: Iterable[Constraint] = (),
    notes: str = "",
    module: str | None = None,
    mp_impl: Callable | None = None,
    numeric_impl: str | None = None,
    rewrite_proof: Callable | None = None,
) -> Formula:
    """Register a formula; a duplicate id is an error.  Returns the Formula."""
    if id in _REGISTRY:
        raise DuplicateIdError(f"formula id {id!r} is already registered (by {_REGISTRY[id].module})")
    if "." not in id:
        raise ValueError(f"formula id {id!r} must have the form '<topic>.<name>'")
    params = tuple(params)
    if expr is None:
        if mp_impl is None or numeric_impl is None:
            raise ValueError(f"formula {id!r}: without an expression both mp_impl and numeric_impl are required")
    free = expr.free_symbols if expr is not None else set()
    names = {p.symbol for p in params}
    if not free <= names:
        raise ValueError(f"formula {id!r}: expression has undeclared symbols {sorted(map(str, free - names))}")
    if stable is not None and not stable.free_symbols <= names:
        raise ValueError(f"formula {id!r}: stable form has undeclared symbols")
    f = Formula(
        id=id,
        expr=expr,
        params=params,
        source=source,
        summary=summary,
        stable=stable,
        rewrite_note=rewrite_note,
        constraints=tuple(constraints),
        notes=notes,
        module=module or _caller_module(),
        mp_impl=mp_impl,
        numeric_impl=numeric_impl,
        rewrite_proof=rewrite_proof,
    )
    _REGISTRY[id] = f
    return f


def _caller_module() -> str:
    import inspect

    frame = inspect.currentframe()
    try:
        caller = frame.f_back.f_back  # register -> caller
        return caller.f_globals.get("__name__", "?")
    finally:
        del frame


def load_all() -> None:
    """Import every topic module of this package, which fills the registry."""
    global _LOADED
    if _LOADED:
        return
    from theorycheck import symbolic

    for info in sorted(pkgutil.iter_modules(symbolic.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _NOT_TOPICS:
            continue
        importlib.import_module(f"theorycheck.symbolic.{info.name}")
    _LOADED = True


def get(id: str) -> Formula:
    load_all()
    try:
        return _REGISTRY[id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(id, list(_REGISTRY), n=5, cutoff=0.5)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise UnknownFormulaError(f"unknown formula id {id!r}{hint} (see `theorycheck formula --list`)") from None


def all_formulas() -> list[Formula]:
    load_all()
    return [
        _REGISTRY[k] for k in sorted(_REGISTRY)
    ]


def topics() -> dict[str, list[Formula]]:
    out: dict[str, list[Formula]] = {}
    for f in all_formulas():
        out.setdefault(f.topic, []).append(f)
    return out


def check_rewrite(f: Formula) -> sp.Expr:
    """Return ``simplify(expr - stable)``; zero proves the stable rewrite is exact."""
    if f.stable is None:
        return sp.Integer(0)
    if f.rewrite_proof is not None:
        return sp.simplify(f.rewrite_proof())
    d = sp.expand_func(f.expr - f.stable)  # log1p/expm1 -> log/exp
    return sp.simplify(d)


def positive(name: str, meaning: str, **kw) -> Param:
    """Shorthand for a strictly positive real parameter."""
    return Param(name, sp.Symbol(name, positive=True), meaning, lower=0, **kw)


def real(name: str, meaning: str, **kw) -> Param:
    """Shorthand for a real parameter with an optional interval."""
    return Param(name, sp.Symbol(name, real=True), meaning, **kw)


Builder = Callable[..., sp.Expr]
