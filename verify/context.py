"""The run context handed to every check: scale, device, seed and the check's sizes."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; validate explicit choices."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device {device!r} is not one of auto, cpu, cuda")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise ValueError("device 'cuda' requested but torch.cuda.is_available() is False")
    return "cpu"


@dataclass
class Context:
    scale: str = "default"
    device: str = "cpu"
    seed: int = 0
    sizes: dict = field(default_factory=dict)

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A NumPy generator derived from the run seed (explicit, never global state)."""
        return np.random.default_rng([self.seed, offset])

    def torch_generator(self, offset: int = 0):
        import torch

        g = torch.Generator(device="cpu")
        g.manual_seed(int(np.random.SeedSequence([self.seed, offset]).generate_state(1)[0]))
        return g
