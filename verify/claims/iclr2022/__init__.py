"""ICLR 2022 submission (anonymous): gradient explosion and representation shrinkage in infinite networks
with layer normalization.  One module per section of the paper; figures in ``figures.py``."""
from theorycheck.verify.registry import paper

PAPER = paper(
    key="iclr2022",
    title="Gradient Explosion and Representation Shrinkage in Infinite Networks",
    authors="Anonymous (ICLR 2022 submission, under double-blind review)",
    year=2022,
    source="iclr2022-gradient-explosion-representation-shrinkage.txt",
)
