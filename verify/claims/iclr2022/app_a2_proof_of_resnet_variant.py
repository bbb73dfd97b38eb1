"""ICLR 2022 submission, Appendix A.2 "Proof of ResNet variant" (Theorem 2 of section 3) and section 5.1's
"well-behavedness of deep ResNets requires scaling the weight variance as L^-1".

Residual block (section 3, reconstructed): Y = U z / sqrt(n) (U entries of variance 1), z' = z + sqrt(sigma^2)
V phi(LN(Y)) / sqrt(m), then z <- LN(z') (layer normalization without centering); mean-field correlation map
(A.10): P(rho) = (rho + sigma^2 C[phi|rho]) / (1 + sigma^2 ||phi||_N^2); (P^L)'(1) = ((1 + sigma^2 ||phi'||^2)/(1 +
sigma^2 ||phi||^2))^L.

Readings of the OCR-damaged text:
* Theorem 2: ||dz^(L)/dz^(0)||_op^2 >= (1 - rho_max)^2/8 * sum_l sigma_l^2 ||phi_l - bar phi_l||^2 / (1 + sigma_l^2
  ||phi_l'||^2).  The extraction shows "1 + sigma^2 ||phi_l||_N" (no prime) in both the statement and the proof's
  last line; the proof's own step A <= (1 - p_{l-1}) ||phi'||^2 produces ||phi'||^2, so that is the reading; the
  unprimed variant (a stronger statement for erf and tanh, where ||phi'|| > ||phi||) is checked on the maps too.
* The step "From property 8 we can deduce e(P~_l) >= sigma^2 A e(g) / (1 - p_{l-1} + sigma^2 A)", i.e.
  e(p id + q g) >= q e(g), with p = (1 - p_{l-1})/(1 - p_{l-1} + sigma^2 A), q = 1 - p.  Property 8 gives only
  q e(g)/(1 + p e(g)); the stronger form is false: g(x) = x^2, p = q = 1/2 has e(g) = (sqrt5 - 1)/2 and
  e((x + x^2)/2) = (sqrt17 - 3)/4 = 0.2808 < q e(g) = (sqrt5 - 1)/4 = 0.3090 (erratum, check
  ``property8-step-minimal-instance``).  Redoing the step with Property 8 and A >= (1 - p_{l-1}) phi_1^2 gives the
  corrected per-layer bound e(P~_l) >= sigma^2 (1 - p_{l-1}) X / (2 (1 + sigma^2 ||phi'||^2) + X/phi_1^2),
  X = ||phi - bar phi||^2, hence the corrected Theorem 2 with denominator 1 + sigma^2 ||phi'||^2 + X/(2 phi_1^2).
  Theorem 2 as read still holds on every map checked (slack recorded); only its proof has the gap.

Errata: the Property-8 step of A.2 (minimal instance above).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.numeric import layernorm as N
from theorycheck.verify.claims.iclr2022 import _excess as XC
from theorycheck.verify.claims.iclr2022 import _maps as M
from theorycheck.verify.claims.iclr2022._common import CITE
from theorycheck.verify.claims.iclr2022.app_a1_proof_of_theorem_1 import MARGIN, margin_outcome
from theorycheck.verify.outcomes import erratum
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion

RES_SETTINGS = (("relu", None), ("leaky_relu", 0.5), ("erf", None), ("tanh", None))
SIGMA2 = (0.05, 0.5, 2.0)
DEPTHS = (1, 4, 16, 64, 256)
PHI1SQ = {"relu": 0.25, "erf": 4 / (3 * math.pi), "tanh": None}


def phi1sq(act, a=None):
    """phi_1^2 = E[phi(x) x]^2 (Hermite coefficient of x; = E[phi']^2 by Stein)."""
    if act == "relu":
        return 0.25
    if act == "leaky_relu":
        return ((1 + a) / 2) ** 2
    if act == "erf":
        return 4 / (3 * math.pi)
    from theorycheck.numeric import gaussian as G
    return float(G.expect(lambda z: 1 - np.tanh(z) ** 2, 1.0)) ** 2


class ResChain:
    def __init__(self, act, a, s, Lmax):
        self.act, self.a, self.s = act, a, s
        tr = N.resnet_trajectory(act, Lmax, np.array([0.0, -1.0]), s, a)
        self.q, self.dmin = tr[:, 0], tr[:, 1]
        self.n2, self.d2, self.l2 = M.norms(act, a)
        self.slope = (1 + s * self.d2) / (1 + s * self.n2)

    def one_minus_rho_max(self, L):
        return float(self.dmin[1:L + 1].min())

    def rhs(self, L, denom="dnorm"):
        d = {"dnorm": self.d2, "norm": self.n2}[denom]
        return self.one_minus_rho_max(L) ** 2 / 8 * L * self.s * self.l2 / (1 + self.s * d)

    def layer_terms(self, L):
        """Per layer l = 1..L: e(P~_l), e(g_l) (g_l the crop of C[phi|.] to [p_{l-1}, 1]), p, q of A.2."""
        out = []
        c1 = N.c_one(self.act, a=self.a) if self.act != "leaky_relu" else 0.5 * (1 + self.a ** 2)
        for l in range(1, L + 1):
            qp, qc = self.q[l - 1], self.q[l]
            A = float(N._gap(self.act, N._NP, np.asarray(qp), None if self.a is None else np.asarray(self.a)))
            e_tilde = XC.excess(lambda t, qp=qp, qc=qc: 1 - N.resnet_delta_step(self.act, qp * (1 - t), self.s, self.a) / qc)
            e_g = XC.excess(lambda t, qp=qp, A=A: 1 - np.asarray(N._gap(self.act, N._NP, np.asarray(qp * (1 - t)),
                                                                         None if self.a is None else np.asarray(self.a))) / A)
            p = qp / (qp + self.s * A)
            out.append((e_tilde, e_g, p, 1 - p, qp, A))
        del c1
        return out


_RC = {}


def rchain(act, a, s, Lmax=max(DEPTHS)):
    key = (act, a, s, Lmax)
    if key not in _RC:
        _RC[key] = ResChain(act, a, s, Lmax)
    return _RC[key]


# ----------------------------------------------------------------------------------------------
CT = claim(
    "iclr2022/thm2-resnet-maps",
    "Theorem 2 on the infinite-width residual maps (A.10): (P_L o ... o P_1)'(1) >= (1 - rho_max)^2/8 * sum_l "
    "sigma_l^2 ||phi_l - bar phi_l||^2/(1 + sigma_l^2 ||phi_l'||^2); the proof's (A.11)-(A.12) and the per-layer bound "
    "e(P~_l) >= sigma^2 (1 - p_{l-1}) ||phi - bar phi||^2/(2(1 + sigma^2 ||phi'||^2)).",
    f"{CITE}, Theorem 2 and eqs. (A.10)-(A.12)",
)


@CT.precise("theorem2-holds-with-slack")
def _(ctx):
    """For ReLU, leaky ReLU (a = 0.5), erf, tanh, sigma^2 in {0.05, 0.5, 2}, L in {1, 4, 16, 64, 256}: lhs = slope^L
    >= rhs (reading with ||phi'||^2), and also the unprimed variant; slack recorded.  Tolerance, rule ``ulps``:
    MARGIN."""
    rows, rows_u, slack = [], [], {}
    for act, a in RES_SETTINGS:
        for s in SIGMA2:
            c = rchain(act, a, s)
            for L in DEPTHS:
                lhs = c.slope ** L
                rows.append((f"{act} s={s}", L, lhs, c.rhs(L)))
                rows_u.append((f"{act} s={s} (||phi||)", L, lhs, c.rhs(L, "norm")))
                slack[f"{act} s={s} L={L}"] = f"{lhs / c.rhs(L):.3g}"
    out = Outcome.all_of([margin_outcome(rows, "Theorem 2"), margin_outcome(rows_u, "Theorem 2, unprimed reading")])
    out.extra["slack"] = slack
    return out


@CT.precise("a12-and-final-per-layer-bound")
def _(ctx):
    """Along the first 16 layers (tanh: 6) of each setting (sigma^2 in {0.05, 2}): (A.12) superadditivity e(cropped
    composition) >= sum_l e(P~_l) at L = 16 (e of the composition by bisection on the delta iteration) and the
    final per-layer bound e(P~_l) >= sigma^2 (1 - p_{l-1}) X/(2(1 + sigma^2 ||phi'||^2)).  Tolerance, rule ``ulps``:
    MARGIN."""
    rows = []
    for act, a in RES_SETTINGS:
        for s in (0.05, 2.0):
            c = rchain(act, a, s)
            Ld = 6 if act == "tanh" else 16  # tanh: one 2-D quadrature per layer and bisection step
            terms = c.layer_terms(Ld)
            for l, (et, eg, p, q, qp, A) in enumerate(terms, 1):
                rows.append((f"{act} s={s} layer", l, et, s * qp * c.l2 / (2 * (1 + s * c.d2))))
            qL = c.q[Ld]
            e_comp = XC.excess(lambda t, c=c, qL=qL, Ld=Ld: 1 - N.resnet_trajectory(c.act, Ld, 1 - np.asarray(t), c.s,
                                                                                     c.a)[-1] / qL)
            rows.append((f"{act} s={s} (A.12)", Ld, e_comp, sum(t[0] for t in terms)))
    return margin_outcome(rows, "A.12 / per-layer bound")


CE = claim(
    "iclr2022/a2-property8-step",
    "Appendix A.2: 'From property 8 we can deduce e(P~_l) >= sigma^2 A e(g)/(1 - p_{l-1} + sigma^2 A)', i.e. "
    "e(p id + q g) >= q e(g) for the mixture P~_l = p id + q g.",
    f"{CITE}, Appendix A.2 (bound on e(P~_l)) and Property 8",
)


@CE.exact("property8-step-minimal-instance")
def _(ctx):
    """Printed step e(p id + q g) >= q e(g) against Property 8's e(p id + q g) >= q e(g)/(1 + p e(g)) on the
    smallest convex power series g(x) = x^2 with p = q = 1/2: e(g) = (sqrt5-1)/2, e(h) = (sqrt17-3)/4 (roots of
    quadratics, SymPy).  Printed: the residual min(0, e(h) - q e(g)) must be 0 -- it is not; corrected (Property
    8): min(0, e(h) - q e(g)/(1 + p e(g))) = 0."""
    t = sp.Symbol("t", positive=True)
    tg = [v for v in sp.solve(sp.Eq((1 - t) ** 2, t), t) if v < 1][0]
    th = [v for v in sp.solve(sp.Eq(((1 - t) + (1 - t) ** 2) / 2, t), t) if v < 1][0]
    eg, eh = sp.radsimp(1 / tg - 2), sp.radsimp(1 / th - 2)
    half = sp.Rational(1, 2)
    d_printed = sp.simplify(eh - half * eg)
    d_corr = sp.simplify(eh - half * eg / (1 + half * eg))
    res_p = sp.Integer(0) if bool(d_printed >= 0) else d_printed
    res_c = sp.Integer(0) if bool(d_corr >= 0) else d_corr
    return erratum(Outcome.symbolic(res_p, f"e(h) - q e(g) = {d_printed} = {float(d_printed):.4f}"),
                   Outcome.symbolic(res_c, f"e(h) - q e(g)/(1 + p e(g)) = {float(d_corr):.4f} >= 0"),
                   "Property 8 gives e(p id + q g) >= q e(g)/(1 + p e(g)), not q e(g): g(x) = x^2, p = q = 1/2 has "
                   "e(h) = (sqrt17-3)/4 = 0.2808 < q e(g) = (sqrt5-1)/4 = 0.3090.  Corrected per-layer bound: "
                   "e(P~_l) >= sigma^2 (1-p_{l-1}) X/(2(1 + sigma^2 ||phi'||^2) + X/phi_1^2); Theorem 2's denominator "
                   "becomes 1 + sigma^2 ||phi'||^2 + ||phi - bar phi||^2/(2 phi_1^2).")


@CE.precise("step-and-corrected-bound-on-maps")
def _(ctx):
    """On the residual maps (16 layers, tanh 6, sigma^2 in {0.05, 2}): the corrected per-layer bound e(P~_l) >= sigma^2
    (1 - p_{l-1}) X/(2(1 + sigma^2 ||phi'||^2) + X/phi_1^2) and Property 8's q e(g)/(1 + p e(g)) hold; the printed
    step's q e(g) is also evaluated and its smallest margin recorded (extra).  Tolerance, rule ``ulps``: MARGIN."""
    rows, printed = [], []
    for act, a in RES_SETTINGS:
        for s in (0.05, 2.0):
            c = rchain(act, a, s)
            f1 = phi1sq(act, a)
            for l, (et, eg, p, q, qp, A) in enumerate(c.layer_terms(6 if act == "tanh" else 16), 1):
                rows.append((f"{act} s={s} P8", l, et, q * eg / (1 + p * eg)))
                rows.append((f"{act} s={s} corrected", l, et, s * qp * c.l2 / (2 * (1 + s * c.d2) + c.l2 / f1)))
                printed.append((et / (q * eg) - 1, f"{act} s={s} l={l}"))
    out = margin_outcome(rows, "Property 8 / corrected bound")
    out.extra["printed_step_min_relative_margin"] = list(min(printed))
    out.detail += f"; printed step e >= q e(g): min relative margin {min(printed)[0]:.3g} at {min(printed)[1]}"
    return out


# ----------------------------------------------------------------------------------------------
CS = claim(
    "iclr2022/sec5.1-resnet-variance-1-over-L",
    "Section 5.1: well-behavedness of deep ResNets (bounded Jacobian and rho_max bounded away from 1) requires scaling "
    "the residual weight variance as L^-1 (from Theorem 2).",
    f"{CITE}, section 5.1 (paragraph on Theorem 2)",
)


@CS.precise("fixed-variance-vs-one-over-depth")
def _(ctx):
    """erf and ReLU residual maps, L in {32, 64, ..., 1024}: with sigma^2 = 1/L the infinite-width Jacobian
    slope^L and 1 - p_L converge (relative change from L = 512 to 1024 below 1%, both bounded away from 0 and
    infinity); with sigma^2 = 1 fixed, slope^L / (1 - rho_max)^2 >= Theorem 2's L sigma^2 X/(8(1 + sigma^2
    ||phi'||^2)) grows without bound (ratio L = 1024 to L = 32 above 16).  Tolerance, rule ``criterion``: the
    thresholds stated here (1% convergence; growth factor 16 = half of the theorem's factor 32)."""
    terms = []
    for act in ("erf", "relu"):
        vals = {}
        for L in (32, 64, 128, 256, 512, 1024):
            c = ResChain(act, None, 1.0 / L, L)
            vals[L] = (c.slope ** L, float(c.q[L]))
        j5, q5 = vals[512]
        j10, q10 = vals[1024]
        terms.append((f"{act} sigma^2=1/L: |J^2(1024)/J^2(512) - 1|", abs(j10 / j5 - 1), "<=", 0.01))
        terms.append((f"{act} sigma^2=1/L: |(1-p)(1024)/(1-p)(512) - 1|", abs(q10 / q5 - 1), "<=", 0.01))
        c1 = ResChain(act, None, 1.0, 1024)
        prod = lambda L, c1=c1: c1.slope ** L / c1.one_minus_rho_max(L) ** 2  # noqa: E731
        terms.append((f"{act} sigma^2=1: J^2/(1-rho_max)^2 growth 32 -> 1024", prod(1024) / prod(32), ">=", 16.0))
    return Outcome.criterion(terms, criterion(0.01, "1% convergence; growth factor 16"))
