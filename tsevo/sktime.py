"""The EA-DC estimators as sktime classifiers (``sktime.classification.base.BaseClassifier``)
and regressor (``sktime.regression.base.BaseRegressor``).

Use them with sktime's ``evaluate``, ``ClassifierPipeline`` and
``TSCGridSearchCV``. Inside scikit-learn's own meta-estimators (``Pipeline``,
``cross_val_score``, ``GridSearchCV``) use the cores in :mod:`tsevo`:
sktime 1.2 objects lack ``__sklearn_tags__`` and fail there.
"""

from __future__ import annotations

from sktime.classification.base import BaseClassifier
from sktime.regression.base import BaseRegressor

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

TOOLS = "sktime's evaluate, ClassifierPipeline and TSCGridSearchCV"
TAGS = {
    "authors": ["tsevo developers"],
    "maintainers": ["tsevo developers"],
    "python_dependencies": "torch",
    # our cores read all three; listing them spares sktime a conversion
    "X_inner_mtype": ["numpy3D", "pd-multiindex", "nested_univ"],
    "y_inner_mtype": "numpy1D",
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "capability:missing_values": True,
    "capability:predict_proba": True,
    "capability:random_state": True,
}
# the ensembles' n_jobs trains networks in worker processes (sktime's name for an n_jobs parameter)
# n_jobs sets the threads each network trains with (a share of the process's), and torch's float
# sums depend on the thread count: n_jobs=1 and n_jobs=-1 agree only where torch has one thread
# (tests/estimators/test_ensembles.py checks equality at equal threads per network), so sktime's
# check that they agree to the last bit is skipped
THREADED = {"capability:multithreading": True, "tests:skip_by_name": ["test_multiprocessing_idempotent"]}


def sktime_test_params(core: type) -> list[dict]:
    """The two parameter sets of sktime's checks; the hybrids' without peers.

    The peers are aeon's estimators, run with a peer by aeon's battery, the
    core's tests and the doctests below. Under sktime's checks they cost most
    of the suite's slowest test (sktime refits every scenario), and its
    regression scenarios give 0/1 targets, which aeon's regressors refuse.
    """
    sets = [checks_params(core), checks_params(core, second=True)]
    if core._kind == "hybrid":
        sets = [{**params, "peers": ""} for params in sets]
    return sets


class SktimeFace(BaseClassifier):
    """What every sktime face shares: its tags and its test parameters."""

    _tags = TAGS
    _core: type
    _base = BaseClassifier
    _ecosystem = "sktime"
    _tools = TOOLS

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        return sktime_test_params(cls._core)


class SktimeRegressorFace(BaseRegressor):
    """The sktime regressor face's tags and test parameters."""

    _tags = {k: v for k, v in TAGS.items() if k != "capability:predict_proba"}
    _core: type
    _base = BaseRegressor
    _ecosystem = "sktime"
    _tools = TOOLS

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        return sktime_test_params(cls._core)


class EADCTransformerClassifier(NetworkDelegate, SktimeFace):
    """
    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from tsevo.sktime import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreClassifier


class EADCEnsembleClassifier(CoreDelegate, SktimeFace):
    """
    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from tsevo.sktime import EADCEnsembleClassifier
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> clf = EADCEnsembleClassifier(n_estimators=2, max_epochs=2, d_model=16, n_heads=2,
    ...                              random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreEnsemble
    _tags = {**TAGS, **THREADED}


class EADCHybridClassifier(CoreDelegate, SktimeFace):
    """
    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from tsevo.sktime import EADCHybridClassifier
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> clf = EADCHybridClassifier(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                            random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _core = CoreHybrid
    _tags = {**TAGS, **THREADED}


class EADCTransformerRegressor(CoreDelegate, SktimeRegressorFace):
    # no transform or attention_maps here: sktime's regressor checks call every public
    # transform as a transformer's; the fitted core (``estimator_``) has both
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.sktime import EADCTransformerRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCTransformerRegressor(max_epochs=2, d_model=16, n_heads=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreRegressor


class EADCEnsembleRegressor(CoreDelegate, SktimeRegressorFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.sktime import EADCEnsembleRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCEnsembleRegressor(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreEnsembleRegressor
    _tags = {**SktimeRegressorFace._tags, **THREADED}


class EADCHybridRegressor(CoreDelegate, SktimeRegressorFace):
    """
    Examples
    --------
    >>> from aeon.datasets import load_covid_3month
    >>> from tsevo.sktime import EADCHybridRegressor
    >>> X, y = load_covid_3month(split="train")
    >>> reg = EADCHybridRegressor(n_estimators=2, max_epochs=2, d_model=16, n_heads=2, peers="quant",
    ...                           random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _core = CoreHybridRegressor
    _tags = {**SktimeRegressorFace._tags, **THREADED}
