"""Plausible wrong implementations, one module per assignment: ``MUTANTS = {name: (function, source)}``.

Each mutant replaces one function of the solution with code a student could plausibly write.
tests/test_mutants.py proves that every mutant fails at least one check, that it loses points
only on its own function (and on the functions that call it), and that every check is failed
by at least one mutant.
"""
