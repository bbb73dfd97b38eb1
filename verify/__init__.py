"""theorycheck.verify — claims and their checks, mpmath references, tolerances, results and the CLI."""
