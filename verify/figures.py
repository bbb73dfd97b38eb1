"""Figure registry: ``theorycheck figure ID`` reproduces a paper figure as PNG."""
from __future__ import annotations

FIGURES: dict = {}
