"""Estimators: the scikit-learn cores and the faces built on them."""

from tsevo.estimators._classifier import EADCTransformerClassifier
from tsevo.estimators._ensemble import EADCEnsembleClassifier, EADCEnsembleRegressor
from tsevo.estimators._hybrid import EADCHybridClassifier, EADCHybridRegressor
from tsevo.estimators._regressor import EADCTransformerRegressor

__all__ = [
    "EADCEnsembleClassifier", "EADCEnsembleRegressor", "EADCHybridClassifier", "EADCHybridRegressor",
    "EADCTransformerClassifier", "EADCTransformerRegressor",
]
