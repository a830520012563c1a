"""Estimators: the scikit-learn cores and the faces built on them."""

from tsevo.estimators._classifier import EADCTransformerClassifier
from tsevo.estimators._ensemble import EADCEnsembleClassifier
from tsevo.estimators._hybrid import EADCHybridClassifier
from tsevo.estimators._regressor import EADCTransformerRegressor

__all__ = ["EADCEnsembleClassifier", "EADCHybridClassifier", "EADCTransformerClassifier", "EADCTransformerRegressor"]
