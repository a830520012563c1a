"""The package's public names load on first use, so the bare network and its training
loop import without scikit-learn or pandas (../shared/DESIGN.md: nothing in nn or training
imports them)."""

import subprocess
import sys

import pytest

import tsevo


def _modules_after(statement: str) -> set[str]:
    script = f"import sys; {statement}; print(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_the_network_and_its_training_import_without_sklearn_or_pandas():
    loaded = _modules_after("import tsevo.nn, tsevo.training")
    assert "torch" in loaded
    assert not {"sklearn", "pandas", "tsevo.estimators"} & loaded


def test_an_estimator_import_loads_its_module():
    assert "tsevo.estimators" in _modules_after("from tsevo import EADCTransformerClassifier")


@pytest.mark.parametrize("name", tsevo.__all__)
def test_every_public_name_resolves(name):
    assert getattr(tsevo, name) is not None and name in dir(tsevo)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tsevo.nope  # noqa: B018
