"""The assignments of the kit, in order: folder name, student module, check module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    folder: str  # e.g. "01_activations": the gradebook column and the submission folder
    module: str  # e.g. "activations": the student file is <folder>/<module>.py

    def public_checks(self) -> list:
        """The checks shipped to students (this package's module of the same name)."""
        return list(importlib.import_module(f"{__package__}.{self.module}").CHECKS)


ALL = [
    Assignment("01_activations", "activations"),
    Assignment("02_initialization", "initializers"),
    Assignment("03_signal_propagation", "signal_propagation"),
    Assignment("04_batchnorm", "batchnorm"),
    Assignment("05_optimizers", "optimizers"),
    Assignment("06_gradient_clipping", "clipping"),
    Assignment("07_deep_network", "deep_network"),
]


def available() -> list[Assignment]:
    """The assignments whose checks exist in this copy of the kit."""
    out = []
    for a in ALL:
        try:
            importlib.import_module(f"{__package__}.{a.module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{a.module}":
                raise
            continue
        out.append(a)
    return out


def by_folder(folder: str) -> Assignment:
    for a in ALL:
        if a.folder == folder:
            return a
    raise KeyError(f"no assignment named {folder!r}; known: {', '.join(a.folder for a in ALL)}")
