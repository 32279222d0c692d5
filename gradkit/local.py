"""Student code run in this process (a student's ``pytest``, a notebook's checks): a deadline on
every call, and a Ctrl-C that ends the run.

The batch grader runs student code in a sandboxed runner with a wall-clock deadline; here the
student's own process runs it, so ``handle`` interrupts a call that has not returned after
``CALL_TIMEOUT`` seconds (SIGALRM, repeated every 0.5 s in case the code catches the first) and
reports it as "did not return in time". A Ctrl-C during a call is the student stopping the run:
it ends the run (KeyboardInterrupt) even though the call path records what student code raises.
"""

from __future__ import annotations

import os
import signal
import threading

from .core import StudentError

CALL_TIMEOUT = float(os.environ.get("GRADKIT_CALL_TIMEOUT", "5"))  # seconds for one call of a student function


class _Stop(BaseException):
    """Raised in the student's code by a signal; a BaseException so ``except Exception`` cannot eat it."""


def handle(invoker, request: dict, timeout: float = CALL_TIMEOUT) -> dict | None:
    """``invoker.handle(request)`` under a deadline (main thread only; elsewhere, without one).
    Raises StudentError("timeout") past the deadline, KeyboardInterrupt after a Ctrl-C."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return invoker.handle(request)
    fired: list[str] = []

    def stop(signum, frame):
        fired.append("alarm" if signum == signal.SIGALRM else "interrupt")
        raise _Stop()

    old_alarm, old_int = signal.signal(signal.SIGALRM, stop), signal.signal(signal.SIGINT, stop)
    response = None
    try:
        try:
            if timeout > 0:
                signal.setitimer(signal.ITIMER_REAL, timeout, 0.5)
            response = invoker.handle(request)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGALRM, old_alarm)
        signal.signal(signal.SIGINT, old_int)
    if "interrupt" in fired:
        raise KeyboardInterrupt
    if fired:
        raise StudentError("timeout", f"no result after {timeout:g} s (an endless loop?)")
    return response
