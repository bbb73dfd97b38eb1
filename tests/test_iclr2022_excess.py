"""Appendix A.3 excess convexity (Properties 1-8) under hypothesis, the residual map (A.10), the finite-width
Jacobian harness of numeric/layernorm.py against autograd (small sizes only), and the IDX loader of section 4.2."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import layernorm as N
from theorycheck.verify.claims.iclr2022 import _excess as X

SET = settings(max_examples=40, deadline=None, derandomize=True)
MARGIN = 1e-8  # see app_a3_excess_convexity.MARGIN

coeffs = st.lists(st.floats(0, 5), min_size=3, max_size=8).filter(lambda c: sum(c[2:]) > 1e-3)
crop = st.tuples(st.floats(0, 0.8), st.floats(0.1, 1.0)).filter(lambda ab: ab[1] > ab[0] + 0.05)


def _g(c, ab):
    return X.PowerSeries(c, *ab)


@SET
@given(coeffs, crop)
def test_properties_1_to_4(c, ab):
    g = _g(c, ab)
    e = X.excess(g)
    grid = np.linspace(0, 1, 101)
    assert e >= -MARGIN
    assert np.all(g(grid) <= X.pl_bound(grid, e) + MARGIN)
    assert np.max(np.abs(g(grid) - grid)) <= e / (1 + e) + MARGIN
    assert g.d1() >= (1 + e) * (1 - MARGIN)


@SET
@given(coeffs, crop, coeffs, crop)
def test_property_5_superadditivity(c1, ab1, c2, ab2):
    g1, g2 = _g(c1, ab1), _g(c2, ab2)
    assert X.excess(X.compose(g2, g1)) >= (X.excess(g1) + X.excess(g2)) * (1 - MARGIN)


@SET
@given(coeffs, crop)
def test_property_6_cropping(c, ab):
    g = _g(c, ab)
    e = X.excess(g)
    assert e * (2 + e) / (1 + e) >= g.prop6_rhs() * (1 - MARGIN)


@SET
@given(coeffs, crop, st.floats(0.01, 0.99))
def test_property_8_combination(c, ab, p):
    g = _g(c, ab)
    e = X.excess(g)
    assert X.excess(X.mix(p, g)) >= (1 - p) * e / (1 + p * e) * (1 - MARGIN)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.sampled_from(["relu", "erf"]), st.floats(0.0, 0.99))
def test_property_7_gaussian_crop(act, r):
    from theorycheck.verify.claims.iclr2022 import _maps as M
    n2, d2, l2 = M.norms(act)
    g, den = X.gauss_crop(act, r)
    e = X.excess(g)
    assert e >= (1 - r) ** 2 * l2 / (2 * den) * (1 - MARGIN) >= (1 - r) * l2 / (2 * d2) * (1 - MARGIN) ** 2


def test_excess_of_square_is_golden():
    assert X.excess(lambda x: x * x) == pytest.approx((math.sqrt(5) - 1) / 2, rel=1e-13)
    assert X.excess(lambda x: x) == 0.0


def test_resnet_delta_step_against_mpmath():
    from theorycheck.symbolic.layernorm import mp_cov
    for act, d, s in [("relu", 1e-6, 0.5), ("erf", 0.3, 2.0), ("erf", 1.7, 0.05)]:
        with mpmath.workdps(40):
            R = 1 - mpmath.mpf(d)
            c1 = mp_cov(act, mpmath.mpf(1))
            ref = 1 - (R + s * mp_cov(act, R)) / (1 + s * c1)
        assert float(N.resnet_delta_step(act, d, s)) == pytest.approx(float(ref), rel=1e-13)


@pytest.mark.parametrize("act,resnet", [("erf", None), ("relu", None), ("tanh", 0.5)])
def test_ln_network_jacobian_matches_autograd(act, resnet):
    """Rebuild the network from the same generator stream and differentiate it with autograd (small width)."""
    W, L, seed = 12, 4, 3
    out = N.ln_network(act, W, L, 1.0, 0.05, 0.3, 1, torch.Generator().manual_seed(seed), resnet_sigma2=resnet)
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(1, 2, W, generator=g, dtype=torch.float64)
    u1 = u[0, 0] / u[0, 0].norm()
    xa = math.sqrt(W) * u1
    params = []
    for _ in range(L):
        if resnet is None:
            params.append((torch.randn(1, W, W, generator=g, dtype=torch.float64)[0],
                           torch.randn(1, 1, W, generator=g, dtype=torch.float64)[0, 0] * math.sqrt(0.05)))
        else:
            params.append((torch.randn(1, W, W, generator=g, dtype=torch.float64)[0],
                           torch.randn(1, W, W, generator=g, dtype=torch.float64)[0] * math.sqrt(resnet)))
    phi = {"erf": torch.erf, "relu": torch.relu, "tanh": torch.tanh}[act]

    def fwd(x, upto):
        z, sq = x, math.sqrt(W)
        for l in range(upto):
            A, B = params[l]
            if resnet is None:
                y = phi(z) @ A.T / sq + B
                z = sq * y / y.norm()
            else:
                Y = z @ A.T / sq
                Z = sq * Y / Y.norm()
                r = z + phi(Z) @ B.T / sq
                z = sq * r / r.norm()
        return z

    for l in (1, L):
        J = torch.autograd.functional.jacobian(lambda x: fwd(x, l), xa)
        assert float(torch.linalg.matrix_norm(J, ord=2) ** 2) == pytest.approx(float(out["jac_norm2"][0, l]), rel=1e-12)


def test_lnnet_power_iteration_matches_explicit_and_autograd():
    g = torch.Generator().manual_seed(0)
    net = N.LNNet("erf", 40, 6, 1.0, 0.1, g)
    x = torch.randn(40, generator=g, dtype=torch.float64)
    x = x / x.norm() * math.sqrt(40)
    s_exp = float(torch.linalg.matrix_norm(net.jacobian_product(x), ord=2))
    s_ag = float(torch.linalg.matrix_norm(torch.autograd.functional.jacobian(net.forward, x), ord=2))
    s_pow, _ = net.opnorm_power(x, torch.Generator().manual_seed(1))
    assert s_exp == pytest.approx(s_ag, rel=1e-12)
    assert s_pow == pytest.approx(s_ag, rel=1e-10)


def test_idx_loader_reads_small_files_written_here(tmp_path):
    """The MNIST IDX reader of section 4.2 on files this test writes (plain and gzip), and a malformed file."""
    import gzip
    import struct

    from theorycheck.verify.claims.iclr2022.sec4_2_removing_redundant_layers import load_idx
    imgs = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + struct.pack(">III", 2, 3, 4) + imgs.tobytes()
    (tmp_path / "i.idx").write_bytes(raw)
    with gzip.open(tmp_path / "i.idx.gz", "wb") as fh:
        fh.write(raw)
    lab = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 2) + bytes([7, 3])
    (tmp_path / "l.idx").write_bytes(lab)
    assert np.array_equal(load_idx(tmp_path / "i.idx"), imgs)
    assert np.array_equal(load_idx(str(tmp_path / "i.idx.gz")), imgs)
    assert load_idx(tmp_path / "l.idx").tolist() == [7, 3]
    (tmp_path / "bad.idx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(raw[:-3])
    with pytest.raises(ValueError, match="expected 24 values"):
        load_idx(tmp_path / "short.idx")
