"""tsevo: time-series classification with the EA-DC-Transformer."""

from tsevo._version import __version__
from tsevo.estimators import EADCTransformerClassifier

__all__ = ["EADCTransformerClassifier", "__version__"]
