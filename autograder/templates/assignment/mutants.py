"""Plausible wrong implementations of __MODULE__.py: ``MUTANTS = {name: (function, source, mistake)}``.

Each replaces one function of the solution; the kit's tests prove every mutant fails a check and
every check fails some mutant. ``mistake`` completes "your <function> ..." in one line, in the
student's terms (what the code does, and what it should do): the grader says it when a student's
answer to a failing check matches the mutant's.
"""

MUTANTS = {
    "scale_in_place": ("scale", '''
def scale(x, factor=2.0):
    x *= factor  # writes into the caller's array
    return x''',
                       "multiplies the caller's array in place (x *= factor); compute into a new array"),
    "scale_ignores_factor": ("scale", '''
def scale(x, factor=2.0):
    return 2.0 * np.asarray(x)''',
                             "always multiplies by 2; use the factor argument"),
}
