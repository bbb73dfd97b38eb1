"""Li & Nguyen 2019: on random deep weight-tied autoencoders -- exact asymptotic analysis, phase
transitions, and implications to training (ICLR 2019).  No claims yet."""
from theorycheck.verify.registry import paper

PAPER = paper(
    key="li2019",
    title="On Random Deep Weight-Tied Autoencoders: Exact Asymptotic Analysis, Phase Transitions, and "
          "Implications to Training",
    authors="Ping Li, Phan-Minh Nguyen",
    year=2019,
    source="li-nguyen-2019-weight-tied-autoencoders.txt",
)
