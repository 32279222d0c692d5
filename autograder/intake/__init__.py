"""Taking in a class's submissions: ``submissions`` (finding students, copying out what may be
graded, safely) and ``student_text`` (reading a student's text, a module or a notebook, without
running it)."""
