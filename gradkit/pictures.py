"""Pictures of a failure: a small plot of the student's answer against torch's, for feedback.html.

A check may carry a ``picture(got, expected, case)`` hook (``Check.picture``), set by its factory
from the same data its comparison reads: what the student's calls returned (``got``), torch's
answer (``expected``) and the inputs (``case``). The hook returns a ``Picture`` (a description of
the plot: panels of series, in plain data) or None where no picture helps. ``core.evaluate`` calls
``draw`` when the comparison fails ("mismatch" only: an exception or a timeout has nothing to
plot), and the outcome keeps the PNG as a ``data:image/png;base64,...`` URI (``Outcome.figure``),
so a feedback page holding it stays one self-contained file.

Rules that keep pictures harmless:
- no call into the student's code: a hook reads only ``got``, ``expected`` and ``case``;
- a hook or a drawing that fails gives no picture (``draw`` returns ""), never another grade;
- matplotlib is imported when the first picture is drawn, and used through its object API
  (``matplotlib.figure.Figure`` on an Agg canvas, no pyplot state); drawing holds one lock, since
  matplotlib's font cache is shared by the judge's threads;
- a picture is small: ``WIDTH`` x ``HEIGHT`` inches per panel at ``DPI``, ``COLOURS`` colours
  (about 3-12 KB of PNG).
  ``engine.Run`` draws at most one picture per function and ``PER_RUN`` per assignment, so a
  student failing every check still gets a page well under 1 MB.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

WIDTH, HEIGHT, DPI = 4.0, 2.5, 80  # inches per panel, dots per inch
COLOURS = 64  # the PNG's palette: a third of the bytes of full colour, no visible change for line plots
PER_RUN = 4  # pictures per assignment and student (engine.Run): at most one per function
MAX_POINTS = 2000  # a series is thinned to this many points before it is drawn
YOURS, TORCH, BAD = "#d95f02", "#1b5e9e", "#c00000"  # colours: the student's, torch's, non-finite values
PREFIX = "data:image/png;base64,"

_DRAWING = threading.Lock()


@dataclass
class Series:
    """One set of values in a panel. ``style``: "line" (torch's usually; joins the points in the
    order given), "points" (the
    student's usually: markers over the line), "circles" (open circles: values at positions that a
    line should not join), "dashed" (the student's curve over torch's line), "hist" (``y`` is a
    sample; ``x`` the bin edges),
    "bars" (one bar per entry of ``y``, grouped with the panel's other "bars" series)."""

    label: str
    y: Any
    x: Any = None  # default: 0, 1, ..., len(y) - 1
    style: str = "line"
    colour: str = ""  # default: YOURS for a label starting with "your", else TORCH


@dataclass
class Panel:
    """One axes. ``image``, when given, is a 2-d array drawn as a heat map instead of series.
    ``xticks``: labels of the positions 0, 1, ... (a categorical axis, e.g. the inputs at a kink).
    Non-finite values of a series are drawn as red crosses at the top edge, labelled "not finite"."""

    series: list[Series] = field(default_factory=list)
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xscale: str = "linear"  # "linear", "log", "symlog"
    yscale: str = "linear"
    xticks: list[str] | None = None
    image: Any = None


@dataclass
class Picture:
    panels: list[Panel]
    title: str = ""


def draw(check, got, expected, case) -> str:
    """The data URI of ``check.picture(got, expected, case)``'s plot; "" when the check has no
    picture hook, the hook returns None, or anything fails (the failure is then shown in words only)."""
    hook = getattr(check, "picture", None)
    if hook is None:
        return ""
    try:
        picture = hook(got, expected, case)
        return uri(render(picture)) if picture is not None else ""
    except Exception:  # a picture is an extra: its failure never changes the outcome
        return ""


def uri(png: bytes) -> str:
    return PREFIX + base64.b64encode(png).decode("ascii")


def png_of(uri_text: str) -> bytes:
    """The PNG bytes of a data URI made by ``uri`` (b"" for anything else)."""
    if not uri_text.startswith(PREFIX):
        return b""
    return base64.b64decode(uri_text[len(PREFIX):])


def render(picture: Picture) -> bytes:
    """The PNG of ``picture``: its panels side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    panels = list(picture.panels)[:3]
    if not panels:
        raise ValueError("a picture needs a panel")
    with _DRAWING, np.errstate(all="ignore"):
        width = WIDTH * len(panels)
        fig = Figure(figsize=(width, HEIGHT), dpi=DPI)
        FigureCanvasAgg(fig)
        if picture.title:
            fig.suptitle(picture.title, fontsize=9)
        top = (0.5 if picture.title else 0.3) / HEIGHT
        # fixed margins, in inches: half the time of a constrained layout, which matters in the judge
        fig.subplots_adjust(left=0.65 / width, right=1 - 0.15 / width, bottom=0.5 / HEIGHT, top=1 - top,
                            wspace=0.8 / (WIDTH - 0.8))
        for panel, ax in zip(panels, fig.subplots(1, len(panels), squeeze=False)[0]):
            _draw_panel(fig, ax, panel)
        fig.canvas.draw()
        image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").quantize(COLOURS, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, "PNG",
                                                                                                    optimize=True)
    return buf.getvalue()


def _colour(s: Series) -> str:
    return s.colour or (YOURS if s.label.lower().startswith("your") else TORCH)


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if y.size <= MAX_POINTS:
        return x, y
    keep = np.linspace(0, y.size - 1, MAX_POINTS).astype(int)
    return x[keep], y[keep]


def _draw_panel(fig, ax, panel: Panel) -> None:
    ax.tick_params(labelsize=7)
    if panel.title:
        ax.set_title(panel.title, fontsize=8)
    ax.set_xlabel(panel.xlabel, fontsize=8)
    ax.set_ylabel(panel.ylabel, fontsize=8)
    from matplotlib.ticker import MaxNLocator

    if panel.image is not None:
        img = np.asarray(panel.image, dtype=np.float64)
        img = img.reshape(img.shape[0], -1) if img.ndim > 1 else img[None, :]
        finite = np.isfinite(img)
        top = float(np.max(img[finite])) if finite.any() else 1.0
        shown = ax.imshow(np.where(finite, img, top), aspect="auto", cmap="magma", interpolation="nearest")
        fig.colorbar(shown, ax=ax).ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # rows: channels, layers
        return
    bars = [s for s in panel.series if s.style == "bars"]
    width = 0.8 / max(1, len(bars))
    bad_x, integral = [], True
    for s in panel.series:
        y = np.asarray(s.y, dtype=np.float64).ravel()
        if s.style == "hist":
            ax.hist(y[np.isfinite(y)], bins=s.x if s.x is not None else 40, histtype="step", density=True,
                    color=_colour(s), label=s.label, linewidth=1.2)
            continue
        x = np.arange(y.size, dtype=np.float64) if s.x is None else np.asarray(s.x, dtype=np.float64).ravel()
        x, y = _thin(x, y)
        integral = integral and bool(np.all(x == np.round(x)))
        ok = np.isfinite(y)
        bad_x.extend(x[~ok].tolist())
        if s.style == "bars":
            ax.bar(x[ok] + (bars.index(s) - (len(bars) - 1) / 2) * width, y[ok], width, color=_colour(s),
                   label=s.label)
        elif s.style == "points":
            ax.plot(x[ok], y[ok], "x", color=_colour(s), label=s.label, markersize=5)
        elif s.style == "circles":
            ax.plot(x[ok], y[ok], "o", color=_colour(s), label=s.label, markersize=5, markerfacecolor="none")
        elif s.style == "dashed":
            ax.plot(x[ok], y[ok], "--", color=_colour(s), label=s.label, linewidth=1.2,
                    marker="x" if ok.sum() <= 30 else None, markersize=5)
        else:
            ax.plot(x[ok], y[ok], "-", color=_colour(s), label=s.label, linewidth=1.2,
                    marker="o" if ok.sum() <= 12 else None, markersize=4, markerfacecolor="none")
    if panel.xscale != "linear":
        ax.set_xscale(panel.xscale)
    if panel.yscale != "linear":
        ax.set_yscale(panel.yscale)
    if bad_x:  # where the student's values are inf or NaN: crosses at the top edge
        ax.plot(bad_x, [1.0] * len(bad_x), "x", color=BAD, markersize=7, markeredgewidth=2, clip_on=False,
                transform=ax.get_xaxis_transform(), label="not finite")
    if panel.xticks is not None:
        ax.set_xticks(range(len(panel.xticks)), panel.xticks, fontsize=7)
    elif integral and panel.xscale == "linear":  # layers, steps, entries: whole numbers only
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)


# --- the pictures checks ask for (plain data in, a Picture out; nothing drawn yet) ---------------

def _numeric(a) -> np.ndarray | None:
    """``a`` as a float64 array, or None when it is not a numeric array."""
    if isinstance(a, (list, tuple)) or not hasattr(a, "dtype"):
        return None
    a = np.asarray(a)
    return a.astype(np.float64) if a.dtype.kind in "biuf" else None


def same(yours: np.ndarray, torch: np.ndarray) -> bool:
    """Whether a plot of both would show one curve: the same shape, the same entries finite, and
    every difference under 1e-3 of torch's scale (its range or largest magnitude)."""
    if yours.shape != torch.shape:
        return False
    fy, ft = np.isfinite(yours), np.isfinite(torch)
    if (fy != ft).any() or (yours[~fy] != torch[~ft]).any():
        return False
    if not ft.any():
        return True
    t = torch[ft]
    scale = max(float(np.ptp(t)), float(np.max(np.abs(t))), 1e-300)
    return float(np.max(np.abs(yours[fy] - t))) <= 1e-3 * scale


def versus(yours, torch, x=None, *, xlabel: str = "entry (flattened)", ylabel: str = "", title: str = "",
           few: int = 12) -> Picture | None:
    """The student's values (crosses) against torch's (a line) at the inputs ``x`` (an array of
    their shape, e.g. z for an elementwise function), or at the entries' positions. With at most
    ``few`` entries the axis is categorical (each input a tick: the values around a kink at 0 are
    1e-12 apart); inputs spanning more than 1e3 are drawn on a symlog axis (overflow at large |z|).
    None when the two agree (nothing to see) or are not arrays of one shape."""
    y, t = _numeric(yours), _numeric(torch)
    if y is None or t is None or y.shape != t.shape or y.size == 0 or same(y, t):
        return None
    panel = Panel(title=title, xlabel=xlabel, ylabel=ylabel)
    xs = _numeric(x) if x is not None else None
    if xs is not None and xs.shape == y.shape and y.size <= few:
        order = np.argsort(xs.ravel(), kind="stable")
        panel.xticks = [f"{v:.3g}" for v in xs.ravel()[order]]
        y, t, xs = y.ravel()[order], t.ravel()[order], None
    elif xs is None or xs.shape != y.shape:
        xs = None
    else:  # a line through the points in the order of their inputs
        order = np.argsort(xs.ravel(), kind="stable")
        y, t, xs = y.ravel()[order], t.ravel()[order], xs.ravel()[order]
        panel.xscale = "symlog" if np.ptp(xs) > 1e3 else "linear"
    panel.series = [Series("torch", t.ravel(), None if xs is None else xs.ravel(), "circles" if xs is None else "line"),
                    Series("yours", y.ravel(), None if xs is None else xs.ravel(), "points")]
    return Picture([panel])


def histograms(yours, torch, *, xlabel: str = "value", title: str = "", bins: int = 50) -> Picture | None:
    """Histograms (densities) of the student's sample and torch's, on common bins."""
    y, t = _numeric(yours), _numeric(torch)
    if y is None or t is None or y.size == 0 or t.size == 0:
        return None
    both = np.concatenate([y[np.isfinite(y)].ravel(), t[np.isfinite(t)].ravel()])
    edges = np.linspace(both.min(), both.max(), bins + 1) if both.size and np.ptp(both) > 0 else bins
    return Picture([Panel([Series("torch", t, edges, "hist"), Series("yours", y, edges, "hist")],
                          title=title, xlabel=xlabel, ylabel="density")])


def bars(yours, torch, *, labels=None, xlabel: str = "", ylabel: str = "", title: str = "",
         yscale: str = "linear") -> Picture | None:
    """One pair of bars (torch's, the student's) per entry; e.g. one per channel or per layer.
    ``yscale`` "log" for values spanning decades (then values <= 0 are left out by the axis)."""
    y, t = _numeric(yours), _numeric(torch)
    if y is None or t is None or y.shape != t.shape or y.ndim != 1 or not 0 < y.size <= 64 or same(y, t):
        return None
    return Picture([Panel([Series("torch", t, style="bars"), Series("yours", y, style="bars")], title=title,
                          xlabel=xlabel, ylabel=ylabel, yscale=yscale,
                          xticks=[str(v) for v in labels] if labels is not None else None)])


def curves(yours, torch, x=None, *, xlabel: str = "", ylabel: str = "", title: str = "",
           yscale: str = "linear") -> Picture | None:
    """Two curves (e.g. per layer or per step): torch's line, the student's dashed line with markers."""
    y, t = _numeric(yours), _numeric(torch)
    if y is None or t is None or y.shape != t.shape or y.ndim != 1 or y.size == 0 or same(y, t):
        return None
    return Picture([Panel([Series("torch", t, x, "line"), Series("yours", y, x, "dashed")], title=title,
                          xlabel=xlabel, ylabel=ylabel, yscale=yscale)])


def error_map(yours, torch, *, title: str = "|yours − torch|", xlabel: str = "", ylabel: str = "") -> Picture | None:
    """|yours − torch| as a heat map, the array's first axis down (rows), the others flattened across."""
    y, t = _numeric(yours), _numeric(torch)
    if y is None or t is None or y.shape != t.shape or y.ndim < 2 or same(y, t):
        return None
    return Picture([Panel(title=title, xlabel=xlabel, ylabel=ylabel, image=np.abs(y - t))])


def side_by_side(*pictures: Picture | None, title: str = "") -> Picture | None:
    """The panels of several pictures in one (those that are None left out), or None if none is left."""
    panels = [p for pic in pictures if pic is not None for p in pic.panels]
    return Picture(panels, title) if panels else None
