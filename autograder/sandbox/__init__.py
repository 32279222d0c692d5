"""Running untrusted student code: ``judge`` (the grader's side: a warm pool of runners, one
session per student, deadlines, bounded replies) and ``runner`` (the student's side, a script the
judge starts in its own namespaces or in bubblewrap; it loads only ``gradkit/protocol.py``)."""
