"""tsevo: time-series classification with the EA-DC-Transformer.

Public face: the scikit-learn estimator and the UEA/UCR loader here; the aeon
and sktime faces in :mod:`tsevo.aeon` and :mod:`tsevo.sktime`; figures in
:mod:`tsevo.plotting`; the benchmark harness in :mod:`tsevo.benchmark`.
"""

from tsevo._version import __version__
from tsevo.data.datasets import load_tser, load_ucr, load_uea
from tsevo.estimators import (
    EADCEnsembleClassifier,
    EADCEnsembleRegressor,
    EADCHybridClassifier,
    EADCTransformerClassifier,
    EADCTransformerRegressor,
)

__all__ = [
    "EADCEnsembleClassifier", "EADCEnsembleRegressor", "EADCHybridClassifier", "EADCTransformerClassifier",
    "EADCTransformerRegressor",
    "__version__", "load_tser", "load_ucr", "load_uea",
]
