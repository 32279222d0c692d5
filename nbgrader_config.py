"""nbgrader's configuration for gradkit.

Read by `make nbgrade` (``python -m autograder.nbgrade``), by `make release` (which runs
nbgrader's generate_assignment without a gradebook), and by any ``nbgrader ...`` command run in
this folder (with the venv's bin/ first on PATH: nbgrader shells out to ``alembic``).

The course lives in build/nbgrader/ (git-ignored): source/ (notebooks generated from source/),
release/, submitted/, autograded/, feedback/, gradebook.db and grades.csv.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "gradkit"
c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build", "nbgrader")

# Cell timeout (seconds). The slowest honest cell is the first test cell, which imports torch
# (2.5-3.5 s measured here, more on a busy machine); every other cell takes well under a second.
# The check library interrupts a looping student function after 5 s by itself
# (GRADKIT_CALL_TIMEOUT); this timeout catches loops outside a check (a plot cell, a stray
# `while True` in a cell) and costs the cell, not the notebook: grading goes on with the next cell.
c.Execute.timeout = 20
c.Execute.interrupt_on_timeout = True
# Anything a test cell writes on stderr scores that cell 0: the check library silences warnings
# and captures stderr (Python's and the C level's) while it runs, and `make nbgrade` starts the
# kernels with PYTHONWARNINGS=ignore.

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Stop each kernel at once when its notebook is done (graceful shutdown waits about 1.5 s).
c.Execute.shutdown_kernel = "immediate"
