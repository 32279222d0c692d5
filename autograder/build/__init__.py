"""The builders: what the kit generates from ``source/`` and hands out.

- ``release``: assignments/ and solutions/ (stubs, solutions, test files, notebooks);
- ``notebooks``: the assignment notebooks, through nbgrader;
- ``examples``: examples/, the bundled class ``make grade`` grades;
- ``gradescope``, ``classroom``, ``bundle``: the Gradescope zip, the GitHub Classroom template and
  the student zip, under ``dist/``;
- ``scaffold``: a new assignment's folder from ``templates/assignment/``.
"""
