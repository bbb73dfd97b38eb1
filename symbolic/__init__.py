"""theorycheck.symbolic — exact derivations and the formula registry (SymPy only).

Import ``symbolic.registry`` for the registry API; topic modules (``symbolic/<topic>.py``) register
formulas when imported, and ``symbolic.registry.load_all()`` imports them all.
"""
from theorycheck.symbolic.registry import Constraint, Formula, Param, all_formulas, get, register  # noqa: F401
