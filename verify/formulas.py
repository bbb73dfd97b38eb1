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
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from theorycheck.numeric import DomainError
from theorycheck.symbolic.registry import Formula, get

BACKENDS = ("numpy", "torch", "mpmath")

__all__ = ["parse_number", "parse_assignments", "resolve_params", "evaluate", "evaluate_batch",
           "evaluate_rows", "evaluate_mpmath", "generated_function", "BACKENDS", "MAX_DPS", "ParameterError"]

# --dps is capped: evaluation time grows faster than linearly with the digits (quadrature-based
# references at 10000 digits run for hours), and 1000 digits is far beyond anything a float64
# comparison needs.
MAX_DPS = 1000


class ParameterError(DomainError):
    """A missing, unknown, malformed or out-of-domain parameter."""


# Limits on parameter text: Python refuses int <-> str conversions beyond 4300 digits, and
# Fraction("1e999999999") would build a 10**999999999 integer (gigabytes, minutes).  A nonzero
# magnitude is kept in [1e-1000, 1e1000]: far beyond float64 (the mpmath backend's use), while the
# mpmath references still finish (exp/sqrt of a 1e4000 argument take minutes at 45 digits).
MAX_DIGITS = 4300
MAX_EXPONENT = 1000
_LARGEST = Fraction(10) ** MAX_EXPONENT
_SMALLEST = 1 / _LARGEST
_EXPONENT = re.compile(r"[eE]([+-]?)([0-9]+)$")


def parse_number(name: str, text: str) -> Fraction:
    """Parse ``text`` as an exact rational number (decimal, scientific or p/q); no eval.

    ASCII digits only; at most ``MAX_DIGITS`` digits and a decimal exponent of magnitude at most
    ``MAX_EXPONENT`` (a clear ParameterError instead of a hang or an opaque int-conversion error).
    """
    if isinstance(text, bool):
        raise ParameterError(f"parameter {name!r} = {text!r} is not a number")
    if isinstance(text, (int, Fraction)):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise ParameterError(f"parameter {name!r} = {text!r} is not a finite number")
        return Fraction(text)
    t = str(text).strip()
    try:
        return _parse_text(t)
    except _TooLong:
        raise ParameterError(f"parameter {name!r} = {t[:20]}... has more than {MAX_DIGITS} digits") from None
    except _ExponentRange:
        raise ParameterError(f"parameter {name!r} = {text!r}: a nonzero magnitude must lie in "
                             f"[1e-{MAX_EXPONENT}, 1e{MAX_EXPONENT}]") from None
    except ValueError:
        raise ParameterError(
            f"parameter {name!r} = {text!r} is not a number (expected e.g. 2, -0.05, 1e-3 or 1/3)") from None


class _TooLong(ValueError):
    pass


class _ExponentRange(ValueError):
    pass


@lru_cache(maxsize=1 << 14)  # a batch repeats values (grids): parse each distinct text once
def _parse_text(t: str) -> Fraction:
    if not t.isascii():
        raise ValueError(t)
    if len(t) > MAX_DIGITS and sum(ch.isdigit() for ch in t) > MAX_DIGITS:
        raise _TooLong(t)
    if "e" in t or "E" in t:
        m = _EXPONENT.search(t)
        if m and (len(m.group(2)) > 6 or int(m.group(2)) > MAX_EXPONENT + MAX_DIGITS):  # cheap to build
            raise _ExponentRange(t)
    x = None
    if "/" not in t:
        try:  # Decimal parses in C; its exact ratio is the same number Fraction(t) would give
            x = Fraction(*Decimal(t).as_integer_ratio())
        except (ArithmeticError, ValueError):  # nan, inf, malformed: let Fraction decide and refuse
            pass
    if x is None:
        try:
            x = Fraction(t)
        except ZeroDivisionError:
            raise ValueError(t) from None
    if x and not _SMALLEST <= abs(x) <= _LARGEST:
        raise _ExponentRange(t)
    return x


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
            try:
                v = parse_number(p.name, given[p.name])
            except ParameterError as exc:  # 'nan', 'inf', '1e999', 'x': say what the parameter accepts
                raise ParameterError(f"{f.id}: {exc}; valid domain {p.domain_str()}") from None
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
    cancels to 0 at 45 and 65 digits, such as a log(1 + 1e-80), is not 0 at 300), or if that third
    value is a rounding residue: 50 more digits shrink it by at least 10^40 (a true value would stay);
    else the precision is raised as above.  Refusals are ParameterError (a ValueError) with the values seen.
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
                # A non-zero c may be the rounding residue of an exact cancellation (u = (sigma -
                # c^2/sigma)/4 at t = 0 leaves 6e-286 at 284 digits): such a residue shrinks with the
                # working precision, a true value does not.  Fifty more digits shrinking it by 10^40
                # or more (or to 0) show a value below 10^-(far - 10) of the terms that cancel: 0.
                d = at(far + 50)
                with mpmath.workdps(far + 50):
                    if d == 0 or abs(d) <= abs(c) * mpmath.mpf(10) ** -40:
                        return mpmath.mpf(0)
                seen.append((far, c, d))
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
    """One evaluated parameter set; ``params`` echoes each parameter's text exactly as given
    (defaults as their exact value), so ``u0=1/3`` is shown as ``"1/3"``, not a rounded double."""

    id: str
    params: dict
    backend: str
    dps: int | None
    value: str

    def as_dict(self) -> dict:
        return {"id": self.id, "params": self.params, "backend": self.backend, "dps": self.dps, "value": self.value}


def _echo(f: Formula, given: dict) -> dict[str, str]:
    out = {}
    for p in f.params:
        if p.name in given:
            v = given[p.name]
            out[p.name] = v if isinstance(v, str) else (repr(v) if isinstance(v, float) else str(v))
        else:
            out[p.name] = str(Fraction(p.default))
    return out


def _float_str(x: float) -> str:
    return repr(float(x))


# float64 represents a nonzero magnitude with full precision only in [smallest normal, largest]:
# below the smallest normal number the relative rounding error exceeds 2**-53 (subnormals) and
# below 4.9e-324 the value becomes 0; above 1.8e308 it becomes inf.
_FLOAT_RANGE = f"[{sys.float_info.min!r}, {sys.float_info.max!r}]"


def _as_float(f: Formula, name: str, x: Fraction, text: str, backend: str) -> float:
    try:
        y = float(x)
    except OverflowError:
        y = math.inf
    if math.isinf(y) or (x != 0 and abs(y) < sys.float_info.min):
        raise ParameterError(
            f"{f.id}: parameter {name!r} = {text} is not representable in float64 for the {backend} backend "
            f"(a nonzero magnitude must lie in {_FLOAT_RANGE}); the mpmath backend takes it exactly")
    return y


def evaluate(fid: str, given: dict, backend: str = "numpy", dps: int = 30) -> Evaluation:
    return evaluate_batch(fid, [given], backend=backend, dps=dps)[0]


def evaluate_batch(fid: str, rows: list[dict], backend: str = "numpy", dps: int = 30) -> list[Evaluation]:
    """Evaluate many parameter sets; vectorized in one call for numpy/torch.  Raises the first error."""
    out = evaluate_rows(fid, rows, backend=backend, dps=dps)
    for r in out:
        if isinstance(r, Exception):
            raise r
    return out


def _check_backend(backend: str, dps: int) -> None:
    if backend not in BACKENDS:
        raise ParameterError(f"backend {backend!r} is not one of {BACKENDS}")
    if isinstance(dps, bool) or not isinstance(dps, int) or not (1 <= dps <= MAX_DPS):
        raise ParameterError(f"dps = {dps!r} is outside the integers in [1, {MAX_DPS}]")


def evaluate_rows(fid: str, rows: list[dict], backend: str = "numpy",
                  dps: int = 30) -> list[Evaluation | ValueError]:
    """Evaluate each parameter set; the result is aligned with ``rows``: an Evaluation, or the
    ParameterError (a ValueError) that refuses that row.  The good rows of numpy/torch are
    evaluated in one vectorized kernel call."""
    _check_backend(backend, dps)
    f = get(fid)
    out: list = [None] * len(rows)
    good: list[int] = []
    values: dict[int, dict[str, Fraction]] = {}
    for i, r in enumerate(rows):
        try:
            values[i] = resolve_params(f, r)
            good.append(i)
        except ParameterError as exc:
            out[i] = exc
    if backend == "mpmath":
        for i in good:
            try:
                shown = _echo(f, rows[i])
                out[i] = Evaluation(f.id, shown, backend, dps, _mpmath_text(f, values[i], dps, shown))
            except ValueError as exc:
                out[i] = exc
        return out
    cols: dict[int, list[float]] = {}
    for i in good:
        try:
            cols[i] = [_as_float(f, p.name, values[i][p.name], str(rows[i].get(p.name, values[i][p.name])), backend)
                       for p in f.params]
        except ParameterError as exc:
            out[i] = exc
    ok = [i for i in good if i in cols]
    if ok:
        try:
            res = _kernel(f, backend, [cols[i] for i in ok])
        except ValueError as exc:
            if len(ok) == 1:
                out[ok[0]] = exc
                return out
            res = None
        if res is None:  # the kernel refused the vector: find the rows it refuses one by one
            for i in ok:
                try:
                    out[i] = _finish(f, backend, rows[i], values[i], _kernel(f, backend, [cols[i]])[0])
                except ValueError as exc:
                    out[i] = exc
        else:
            for i, r in zip(ok, res):
                try:
                    out[i] = _finish(f, backend, rows[i], values[i], r)
                except ValueError as exc:
                    out[i] = exc
    return out


def _kernel(f: Formula, backend: str, rows: list[list[float]]):
    """The kernel's values; a kernel that fails other than by refusing its input (a ValueError) is a
    bug in the kernel, reported as a ValueError so that the row is refused rather than the run lost."""
    try:
        return _call_kernel(f, backend, rows)
    except (ArithmeticError, MemoryError, RuntimeError, TypeError, IndexError) as exc:
        shown = rows[0] if len(rows) == 1 else f"{len(rows)} parameter sets"
        raise ParameterError(f"{f.id}: the {backend} kernel failed at {shown}: {type(exc).__name__}: "
                             f"{str(exc)[:200]} (a bug: please report)") from None


def _call_kernel(f: Formula, backend: str, rows: list[list[float]]):
    import numpy as np

    fn = generated_function(f, backend)
    arr = np.array(rows, dtype=np.float64).reshape(len(rows), len(f.params))
    cols = [np.ascontiguousarray(arr[:, j]) for j in range(len(f.params))]
    if backend == "torch":
        import torch

        res = fn(*[torch.from_numpy(c) for c in cols])
        res = res.cpu().numpy() if isinstance(res, torch.Tensor) else res
    else:
        res = fn(*cols)
    return np.broadcast_to(np.asarray(res, dtype=np.float64), (len(rows),))


def _finish(f: Formula, backend: str, given: dict, v: dict, r: float) -> Evaluation:
    if not math.isfinite(r):
        raise ParameterError(f"{f.id}: the {backend} kernel returned {r} at {_echo(f, given)} (a bug: please report)")
    return Evaluation(f.id, _echo(f, given), backend, None, _float_str(r))


# A division by zero in the source expression at valid parameters is a cancellation at the working
# precision (e.g. s/u0 + exp(2st/tau) - 1 with s/u0 = 1e-97 at t = 0); the precision is raised
# (up to _MAX_WORK_DPS) and the value rounded once to the requested digits.
_MAX_WORK_DPS = 2 * MAX_DPS


def _mpmath_text(f: Formula, v: dict, dps: int, shown: dict) -> str:
    work = dps
    while True:
        try:
            val = evaluate_mpmath(f, v, work)
            break
        except ZeroDivisionError:
            if work >= _MAX_WORK_DPS:
                raise ParameterError(
                    f"{f.id}: the mpmath evaluation at {shown} divides by zero even at {work} digits "
                    f"(cancellation in the source expression needs more precision than theorycheck allows)"
                ) from None
            work = min(2 * work + 30, _MAX_WORK_DPS)
        except ParameterError as exc:  # not a finite real: say so with the parameters as given
            raise ParameterError(str(exc).replace(str(v), str(shown))) from None
        except ValueError as exc:  # a refusal of the reference itself (work budget, no bracket): say why
            raise ParameterError(f"{f.id}: the mpmath evaluation at {shown} was refused: {exc}") from None
    with mpmath.workdps(work):
        return mpmath.nstr(val, dps, strip_zeros=False)
