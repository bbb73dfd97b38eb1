"""Dmitry Yarotsky, lecture "Optimization of neural networks".  One module per part of the lecture (its
own headings); figures in ``figures.py``.  The lecture notes are undated (their latest citation is
from 2018), so no year is recorded."""
from theorycheck.verify.registry import paper

PAPER = paper(
    key="yarotsky",
    title="Optimization of neural networks (lecture)",
    authors="Dmitry Yarotsky",
    year=None,
    source="yarotsky-optimization-lecture.txt",
)
