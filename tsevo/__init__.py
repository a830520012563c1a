"""tsevo: time-series classification with the EA-DC-Transformer.

Public face: the scikit-learn estimators and the UEA/UCR/TSER loaders here;
the aeon and sktime faces in :mod:`tsevo.aeon` and :mod:`tsevo.sktime`;
figures in :mod:`tsevo.plotting`; the benchmark harness in
:mod:`tsevo.benchmark`; the bare PyTorch network in :mod:`tsevo.nn`.

The names below are imported on first use (PEP 562), so that ``import
tsevo.nn`` (PyTorch only) does not pay for scikit-learn and pandas: about
100 MB and a second of a process that only trains or serves the network.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from tsevo._version import __version__

# public name -> module that defines it
_LAZY = {
    "EADCEnsembleClassifier": "tsevo.estimators",
    "EADCEnsembleRegressor": "tsevo.estimators",
    "EADCHybridClassifier": "tsevo.estimators",
    "EADCHybridRegressor": "tsevo.estimators",
    "EADCTransformerClassifier": "tsevo.estimators",
    "EADCTransformerRegressor": "tsevo.estimators",
    "load_tser": "tsevo.data.datasets",
    "load_ucr": "tsevo.data.datasets",
    "load_uea": "tsevo.data.datasets",
}

if TYPE_CHECKING:
    from tsevo.data.datasets import load_tser, load_ucr, load_uea
    from tsevo.estimators import (
        EADCEnsembleClassifier,
        EADCEnsembleRegressor,
        EADCHybridClassifier,
        EADCHybridRegressor,
        EADCTransformerClassifier,
        EADCTransformerRegressor,
    )

__all__ = [
    "EADCEnsembleClassifier", "EADCEnsembleRegressor", "EADCHybridClassifier", "EADCHybridRegressor",
    "EADCTransformerClassifier", "EADCTransformerRegressor",
    "__version__", "load_tser", "load_ucr", "load_uea",
]


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'tsevo' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
