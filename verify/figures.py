"""Figure registry: ``theorycheck figure ID`` reproduces a paper figure as PNG.

Claim modules register figures with the :func:`figure` decorator::

    @figure("saxe2013-fig3", "Fig. 3 left: mode strengths, theory vs simulation")
    def _(out_path, scale, seed): ...

The function draws with matplotlib (Agg backend) and saves to ``out_path``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

FIGURES: dict[str, tuple[str, Callable]] = {}


def figure(id: str, description: str):
    def deco(fn):
        if id in FIGURES:
            raise ValueError(f"figure id {id!r} is already registered")
        FIGURES[id] = (description, fn)
        return fn

    return deco


def load() -> dict:
    from theorycheck.verify.registry import load_all

    load_all()
    return FIGURES


def make_figure(id: str, out: Path, scale: str = "default", seed: int = 0) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    load()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    FIGURES[id][1](out, scale, seed)
    return out
