"""Saxe, McClelland & Ganguli 2013: exact solutions to the nonlinear dynamics of learning in deep linear
neural networks.  One module per section of the paper; figures in ``figures.py``."""
from theorycheck.verify.registry import paper

PAPER = paper(
    key="saxe2013",
    title="Exact solutions to the nonlinear dynamics of learning in deep linear neural networks",
    authors="Andrew M. Saxe, James L. McClelland, Surya Ganguli",
    year=2013,
    source="saxe-2013-deep-linear-dynamics.txt",
)
