"""Figure registry: ``theorycheck figure ID`` reproduces a paper figure as PNG.

Claim modules register figures with the :func:`figure` decorator::

    @figure("saxe2013-fig3", "Fig. 3 left: mode strengths, theory vs simulation")
    def _(out_path, scale, seed): ...

The function draws with matplotlib (Agg backend) and saves to ``out_path``.
"""
from __future__ import annotations

from contextlib import contextmanager
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


@contextmanager
def canvas(out_path, nrows: int = 1, ncols: int = 1, figsize=(5.5, 4.5), dpi: int = 120, **subplots_kw):
    """The figure boilerplate in one place: ``with canvas(out) as (fig, ax): ax.plot(...)`` creates the
    axes, and on leaving lays them out, saves ``out_path`` and closes the figure (also on error)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, **subplots_kw)
    try:
        yield fig, axes
        fig.tight_layout()
        fig.savefig(out_path, dpi=dpi)
    finally:
        plt.close(fig)


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
