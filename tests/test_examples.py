"""The bundled class in examples/ is what autograder/build/examples.py builds from source/."""

import filecmp

from autograder.build.examples import NOTEBOOK_FOLDER, build
from tests import checkout
from tests.kit import ROOT


def test_examples_are_up_to_date(tmp_path):
    build(tmp_path / "examples", checkout.release() / NOTEBOOK_FOLDER / f"{NOTEBOOK_FOLDER}.ipynb")
    fresh = sorted(p.relative_to(tmp_path / "examples") for p in (tmp_path / "examples").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "examples") for p in (ROOT / "examples").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    assert fresh == committed, "run `make release` to rebuild examples/"
    stale = [str(p) for p in fresh if not filecmp.cmp(tmp_path / "examples" / p, ROOT / "examples" / p, shallow=False)]
    assert not stale, f"examples/ out of date (run `make release`): {stale}"
