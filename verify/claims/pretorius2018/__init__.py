"""Pretorius, Kroon & Kamper 2018: learning dynamics of linear denoising autoencoders.  One module per
section of the paper; figures in ``figures.py``."""
from theorycheck.verify.registry import paper

PAPER = paper(
    key="pretorius2018",
    title="Learning Dynamics of Linear Denoising Autoencoders",
    authors="Arnu Pretorius, Steve Kroon, Herman Kamper",
    year=2018,
    source="pretorius-2018-linear-dae-dynamics.txt",
)
