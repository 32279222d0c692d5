"""Plausible wrong implementations of __MODULE__.py: ``MUTANTS = {name: (function, source)}``.

Each replaces one function of the solution; the kit's tests prove every mutant fails a check and
every check fails some mutant.
"""

MUTANTS = {
    "scale_in_place": ("scale", '''
def scale(x, factor=2.0):
    x *= factor  # writes into the caller's array
    return x'''),
    "scale_ignores_factor": ("scale", '''
def scale(x, factor=2.0):
    return 2.0 * np.asarray(x)'''),
}
