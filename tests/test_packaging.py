"""Install requirements: torch open above, scikit-learn capped for the private APIs in use."""

from pathlib import Path

import tomllib
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {(r := Requirement(line)).name: r for line in project["dependencies"]}


def test_torch_has_a_floor_and_no_cap():
    spec = _requirements()["torch"].specifier
    assert spec.contains("2.4.0") and spec.contains("2.13.0") and spec.contains("3.1.0")
    assert not spec.contains("2.3.0")


def test_scikit_learn_is_capped_for_its_private_apis():
    spec = _requirements()["scikit-learn"].specifier
    assert spec.contains("1.9.1") and not spec.contains("1.10.0")
