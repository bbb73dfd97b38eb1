"""Evaluate registered formulas in three backends: generated NumPy, generated Torch, and mpmath.

Parameters arrive as text and are parsed as *numbers*, never through ``eval`` or ``sympify``:
``fractions.Fraction`` accepts integers, decimals, scientific notation and ``p/q``.  The value is
kept exact, so in the mpmath backend ``0.05`` is one twentieth at the working precision; the float
backends receive the nearest double.

mpmath evaluation (``evaluate_mpmath``) uses the formula's *source* expression (as derived or as
printed), not the stable rewrite that the code generator prints, so it is an independent reference
for the generated kernels.  Precision handling follows mpmath's own convention: guard digits are
added locally (``mp.workdps``), the result is computed at two precisions and must agree to the
requested number of digits before it is rounded once.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from theorycheck.numeric import DomainError
from theorycheck.symbolic.registry import Formula, get

BACKENDS = ("numpy", "torch", "mpmath")

__all__ = ["parse_number", "parse_assignments", "resolve_params", "evaluate", "evaluate_batch",
           "evaluate_mpmath", "generated_function", "BACKENDS", "ParameterError"]


class ParameterError(DomainError):
    """A missing, unknown, malformed or out-of-domain parameter."""


def parse_number(name: str, text: str) -> Fraction:
    """Parse ``text`` as an exact rational number (decimal, scientific or p/q); no eval."""
    if isinstance(text, (int, Fraction)):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise ParameterError(f"parameter {name!r} = {text!r} is not a finite number")
        return Fraction(text)
    t = str(text).strip()
    try:
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        raise ParameterError(
            f"parameter {name!r} = {text!r} is not a number (expected e.g. 2, -0.05, 1e-3 or 1/3)"
        ) from None


def parse_assignments(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        if "=" not in it:
            raise ParameterError(f"argument {it!r} is not of the form name=value")
        k, v = it.split("=", 1)
        k = k.strip()
        if k in out:
            raise ParameterError(f"parameter {k!r} given twice")
        out[k] = v.strip()
    return out


def resolve_params(f: Formula, given: dict) -> dict[str, Fraction]:
    """Check names, fill defaults, parse numbers and check the domain; return exact values."""
    names = [p.name for p in f.params]
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ParameterError(f"{f.id}: unknown parameter(s) {unknown}; parameters are {names}")
    values: dict[str, Fraction] = {}
    for p in f.params:
        if p.name in given:
            v = parse_number(p.name, given[p.name])
        elif p.default is not None:
            v = Fraction(p.default)
        else:
            raise ParameterError(
                f"{f.id}: missing parameter {p.name!r} ({p.meaning}); valid domain {p.domain_str()}"
            )
        if not p.contains(v):
            raise ParameterError(
                f"{f.id}: parameter {p.name!r} = {given.get(p.name, v)} is outside its domain {p.domain_str()}"
            )
        values[p.name] = v
    for c in f.constraints:
        if not constraint_holds(f, c, values):
            shown = ", ".join(f"{n}={given.get(n, values[n])}" for n in sorted(map(str, c.relation.free_symbols)))
            raise ParameterError(f"{f.id}: constraint {c.relation} violated at {shown}: {c.message}")
    return values


def constraint_holds(f: Formula, c, values) -> bool:
    fn = _mp_lambda(f.id, "constraint", f.constraints.index(c))
    with mpmath.workdps(50):
        return bool(fn(*[_to_mpf(values[p.name]) for p in f.params]))


def _to_mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / mpmath.mpf(x.denominator)


@lru_cache(maxsize=None)
def _mp_lambda(fid: str, what: str = "expr", index: int = 0):
    f = get(fid)
    expr = f.expr if what == "expr" else f.constraints[index].relation
    return sp.lambdify(f.symbols, expr, modules="mpmath")


def _as_mpf(v):
    """A backend value as mpf/mpc at the current precision (lambdify of a constant such as
    ``Integer(2)`` returns a Python int, some closed forms a SymPy number)."""
    if isinstance(v, (mpmath.mpf, mpmath.mpc)):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, Fraction)):
        return _to_mpf(Fraction(v))
    if isinstance(v, sp.Rational):
        return _to_mpf(Fraction(int(v.p), int(v.q)))
    if isinstance(v, sp.Expr) and v.is_number:
        return mpmath.mpmathify(sp.N(v, mpmath.mp.dps + 5))
    return v


def _input_digits(values: dict[str, Fraction]) -> int:
    """Decimal digits written in the exact inputs (numerators and denominators): a scale for how
    much cancellation the inputs can cause (s = 1e-80 against u0 = 1/2 needs ~80 digits)."""
    return sum(len(str(abs(x.numerator))) + len(str(x.denominator)) for x in values.values())


def max_working_dps(dps: int, values: dict[str, Fraction]) -> int:
    """The cap on the working precision of :func:`evaluate_mpmath`: 4 (dps + 15) + 2 x input digits
    + 100, enough for the cancellation the inputs can produce, bounded so that a value that never
    settles is refused in bounded time."""
    return 4 * (dps + 15) + 2 * _input_digits(values) + 100


def evaluate_mpmath(f: Formula, values: dict[str, Fraction], dps: int = 30):
    """Evaluate ``f`` at exact ``values`` to ``dps`` significant digits (an ``mpf``, rounded once).

    Significance, not equality: the value is computed at a working precision P and at P + 20
    (P = dps + 15 first) and accepted when the two agree *relatively* to 10^-(dps+2).  Otherwise
    (cancellation ate the digits, or a quadrature/solver did not resolve them) P is doubled (plus
    the input digits on the first raise) until it exceeds :func:`max_working_dps`, and then the
    evaluation is refused.  An exact 0 at both precisions is accepted only if a third evaluation at
    a much higher precision, 2 P + 2 x (input digits) + 50, is exactly 0 as well (a value that
    cancels to 0 at 45 and 65 digits, such as a log(1 + 1e-80), is not 0 at 300); else the
    precision is raised as above.  Refusals are ParameterError (a ValueError) with the values seen.
    """
    if f.mp_impl is not None:
        names = [p.name for p in f.params]

        def fn(*xs):
            return f.mp_impl(**dict(zip(names, xs)))
    else:
        fn = _mp_lambda(f.id)
    args = [values[p.name] for p in f.params]

    def at(prec_dps):
        with mpmath.workdps(prec_dps):
            return _as_mpf(fn(*[_to_mpf(x) for x in args]))

    cap = max_working_dps(dps, values)
    extra = _input_digits(values)
    work = dps + 15
    seen = []
    first = True
    while work <= cap:
        a, b = at(work), at(work + 20)
        with mpmath.workdps(work + 20):
            if isinstance(b, mpmath.mpc) and abs(b.imag) <= abs(b.real) * mpmath.mpf(10) ** (-work):
                # a real value reached through complex intermediates (e.g. log of two negative numbers
                # whose i*pi parts cancel exactly): keep the real part
                a, b = (a.real if isinstance(a, mpmath.mpc) else a), b.real
            if isinstance(a, mpmath.mpc) and abs(a.imag) <= abs(a.real) * mpmath.mpf(10) ** (-work + 20):
                a = a.real
            if not isinstance(b, mpmath.mpf) or not mpmath.isfinite(b):
                raise ParameterError(f"{f.id}: the mpmath value at {values} is not a finite real ({b})")
            seen.append((work, a, b))
            if a == 0 and b == 0:
                far = 2 * work + 2 * extra + 50
                c = at(far)
                if c == 0:
                    return mpmath.mpf(0)
                seen.append((far, c, c))
            elif isinstance(a, mpmath.mpf) and b != 0 and abs(a - b) <= abs(b) * mpmath.mpf(10) ** (-dps - 2):
                with mpmath.workdps(dps):
                    return +b
        work = 2 * work + (extra if first else 0)
        first = False
    shown = "; ".join(f"{mpmath.nstr(x, 8)} vs {mpmath.nstr(y, 8)} at {w}/{w + 20} digits" for w, x, y in seen)
    raise ParameterError(
        f"{f.id}: the mpmath value at {values} did not settle to {dps} significant digits within "
        f"{cap} working digits ({shown}); the inputs cause more cancellation than this precision cap "
        f"allows")


def generated_function(f: Formula, backend: str):
    """The fast kernel of ``f``: generated (numeric.generated.<topic>) or hand-written (numeric_impl)."""
    suffix = "_torch" if backend == "torch" else ""
    if f.numeric_impl is not None:
        modname, _, fname = f.numeric_impl.partition(":")
        return getattr(importlib.import_module(modname), fname + suffix)
    mod = importlib.import_module(f"theorycheck.numeric.generated.{f.topic}")
    return getattr(mod, f.func_name + ("_torch" if backend == "torch" else ""))


@dataclass
class Evaluation:
    id: str
    params: dict
    backend: str
    dps: int | None
    value: str

    def as_dict(self) -> dict:
        return {"id": self.id, "params": self.params, "backend": self.backend, "dps": self.dps, "value": self.value}


def _json_param(x: Fraction):
    return int(x) if x.denominator == 1 else float(x)


def _float_str(x: float) -> str:
    return repr(float(x))


def evaluate(fid: str, given: dict, backend: str = "numpy", dps: int = 30) -> Evaluation:
    return evaluate_batch(fid, [given], backend=backend, dps=dps)[0]


def evaluate_batch(fid: str, rows: list[dict], backend: str = "numpy", dps: int = 30) -> list[Evaluation]:
    """Evaluate many parameter sets; vectorized in one call for numpy/torch."""
    if backend not in BACKENDS:
        raise ParameterError(f"backend {backend!r} is not one of {BACKENDS}")
    if backend == "mpmath" and not (1 <= dps <= 10000):
        raise ParameterError(f"--dps = {dps} is outside [1, 10000]")
    f = get(fid)
    values = [resolve_params(f, r) for r in rows]
    out: list[Evaluation] = []
    if backend == "mpmath":
        for v in values:
            val = evaluate_mpmath(f, v, dps)
            out.append(Evaluation(f.id, {k: _json_param(x) for k, x in v.items()}, backend, dps,
                                  mpmath.nstr(val, dps, strip_zeros=False)))
        return out
    import numpy as np

    fn = generated_function(f, backend)
    cols = [np.array([float(v[p.name]) for v in values], dtype=np.float64) for p in f.params]
    if backend == "torch":
        import torch

        res = fn(*[torch.from_numpy(c) for c in cols]).cpu().numpy()
    else:
        res = fn(*cols)
    res = np.broadcast_to(np.asarray(res, dtype=np.float64), (len(values),))
    for v, r in zip(values, res):
        if not math.isfinite(r):
            raise ParameterError(f"{f.id}: the {backend} kernel returned {r} at {dict(v)} (a bug: please report)")
        out.append(Evaluation(f.id, {k: _json_param(x) for k, x in v.items()}, backend, None, _float_str(r)))
    return out
