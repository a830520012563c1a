"""The EA-DC estimators as aeon classifiers (``aeon.classification.base.BaseClassifier``)
and regressor (``aeon.regression.base.BaseRegressor``).

Use them with aeon's pipelines, transformers, datasets and benchmarking tools.
"""

from __future__ import annotations

from aeon.classification.base import BaseClassifier
from aeon.regression.base import BaseRegressor

from tsevo.estimators import EADCEnsembleClassifier as CoreEnsemble
from tsevo.estimators import EADCEnsembleRegressor as CoreEnsembleRegressor
from tsevo.estimators import EADCHybridClassifier as CoreHybrid
from tsevo.estimators import EADCHybridRegressor as CoreHybridRegressor
from tsevo.estimators import EADCTransformerClassifier as CoreClassifier
from tsevo.estimators import EADCTransformerRegressor as CoreRegressor
from tsevo.estimators._faces import CoreDelegate, NetworkDelegate, checks_params

__all__ = [
    "EADCEnsembleClassifier", "EADCEnsembleRegressor", "EADCHybridClassifier", "EADCHybridRegressor",
    "EADCTransformerClassifier", "EADCTransformerRegressor",
]

TOOLS = "aeon's pipelines, transformers and benchmarking"
TAGS = {
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "capability:missing_values": True,
    "X_inner_type": ["numpy3D", "np-list"],
    "algorithm_type": "deeplearning",
    "python_dependencies": "torch",
}
# the ensembles' n_jobs trains networks in worker processes (aeon's name for an n_jobs parameter)
THREADED_TAGS = {**TAGS, "capability:multithreading": True}


class AeonFace(BaseClassifier):
    """What every aeon face shares: its tags and its test parameters."""

    _tags = TAGS
    _core: type
    _base = BaseClassifier
    _ecosystem = "aeon"
    _tools = TOOLS

    @classmethod
    def _get_test_params(cls, parameter_set: str = "default") -> dict:
        return checks_params(cls._core)


class AeonRegressorFace(BaseRegressor):
    """The aeon regressor face's tags and test parameters."""

    _tags = TAGS
    _core: type
    _base = BaseRegressor
    _ecosystem = "aeon"
    _tools = TOOLS

    @classmethod
    def _get_test_params(cls, parameter_set: str = "default") -> dict:
        return checks_params(cls._core)


class EADCTransformerClassifier(NetworkDelegate, AeonFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo.aeon import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreClassifier


class EADCEnsembleClassifier(CoreDelegate, AeonFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo.aeon import EADCEnsembleClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCEnsembleClassifier(n_estimators=2, max_epochs=2, d_model=16, n_heads=2,
    ...                              random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreEnsemble
    _tags = THREADED_TAGS


class EADCHybridClassifier(CoreDelegate, AeonFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo.aeon import EADCHybridClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCHybridClassifier(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                            random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreHybrid
    _tags = THREADED_TAGS


class EADCTransformerRegressor(NetworkDelegate, AeonRegressorFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.aeon import EADCTransformerRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCTransformerRegressor(max_epochs=2, d_model=16, n_heads=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreRegressor


class EADCEnsembleRegressor(CoreDelegate, AeonRegressorFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.aeon import EADCEnsembleRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCEnsembleRegressor(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreEnsembleRegressor
    _tags = THREADED_TAGS


class EADCHybridRegressor(CoreDelegate, AeonRegressorFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.aeon import EADCHybridRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCHybridRegressor(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                           random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreHybridRegressor
    _tags = THREADED_TAGS
