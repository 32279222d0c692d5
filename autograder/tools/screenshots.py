"""The grader's pages as a browser shows them: headless Chromium renders summary.html and every
student's feedback.html of a graded OUT to PNG (``make screenshots``, ``python -m
autograder.tools.screenshots OUT``), so a person can look at what students and instructors will see.

Chromium is the Debian package (``/usr/bin/chromium``; ``chromium-browser`` or ``google-chrome``
work too). It runs with ``--no-sandbox`` (in a container it cannot set up its own) on pages the
kit wrote itself, which are self-contained: every image is inline, nothing is fetched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WIDTH, HEIGHT = 1200, 1600  # a laptop's browser window, tall enough to show a page's first screens


def browser() -> str | None:
    """The path of a Chromium found on PATH (or at /usr/bin/chromium), else None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def screenshot(page: Path, png: Path, width: int = WIDTH, height: int = HEIGHT, timeout: float = 120) -> Path:
    """Render the HTML file ``page`` to ``png`` (``width`` x ``height`` pixels); raises RuntimeError
    when no browser is found or it writes no picture."""
    exe = browser()
    if exe is None:
        raise RuntimeError("no Chromium found (apt-get install chromium)")
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradkit-chromium-") as profile:
        proc = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               "--no-first-run", f"--user-data-dir={profile}", f"--screenshot={png}",
                               f"--window-size={width},{height}", page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if not png.is_file():
        raise RuntimeError(f"{exe} wrote no picture of {page} (exit {proc.returncode}): {proc.stderr[-800:]}")
    return png


def pages(out: Path) -> list[tuple[Path, str]]:
    """(page, name of its picture) of a graded OUT: summary.html and each student's feedback.html."""
    found = [(out / "summary.html", "summary.png")] if (out / "summary.html").is_file() else []
    found += [(p, f"feedback-{p.parent.name}.png") for p in sorted((out / "students").glob("*/feedback.html"))]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.tools.screenshots",
                                     description="Render a graded OUT's summary.html and feedback.html pages to PNG "
                                                 "with headless Chromium.")
    parser.add_argument("out", type=Path, help="a folder `python -m autograder grade` wrote")
    parser.add_argument("--into", type=Path, default=None, help="where the PNGs go (default: OUT/screenshots)")
    args = parser.parse_args(argv)
    into = args.into or args.out / "screenshots"
    found = pages(args.out)
    if not found:
        print(f"error: {args.out} holds no summary.html or students/*/feedback.html", file=sys.stderr)
        return 2
    if browser() is None:
        print("error: no Chromium found; install it (apt-get install chromium)", file=sys.stderr)
        return 2
    for page, name in found:
        screenshot(page, into / name)
        print(f"  {into / name}")
    print(f"{len(found)} screenshots in {into}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
