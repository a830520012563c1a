"""Estimators: the scikit-learn core and the faces built on it."""

from tsevo.estimators._classifier import EADCTransformerClassifier

__all__ = ["EADCTransformerClassifier"]
