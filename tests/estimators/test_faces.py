"""The aeon and sktime faces: their own check batteries and their own tools."""

import warnings

import numpy as np
import pytest

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier as Core
from tsevo import aeon as aeon_faces
from tsevo import sktime as sktime_faces
from tsevo.aeon import EADCTransformerClassifier as AeonEADC
from tsevo.sktime import EADCTransformerClassifier as SktimeEADC


class MyAeonEADC(AeonEADC):
    """A user's subclass: it must construct and pass the same checks."""


class MySktimeEADC(SktimeEADC):
    """A user's subclass: it must construct and pass the same checks.

    Examples
    --------
    >>> from tests.estimators.test_faces import MySktimeEADC
    >>> MySktimeEADC(d_model=8).d_model
    8
    """


@pytest.mark.parametrize("face", [
    AeonEADC, MyAeonEADC, aeon_faces.EADCEnsembleClassifier, aeon_faces.EADCHybridClassifier,
    aeon_faces.EADCTransformerRegressor, aeon_faces.EADCEnsembleRegressor, aeon_faces.EADCHybridRegressor,
])
def test_aeon_check_estimator_passes(face):
    from aeon.testing.estimator_checking import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(face, raise_exceptions=False)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert failed == {}
    assert len(results) >= 20


@pytest.mark.parametrize("face", [
    SktimeEADC, MySktimeEADC, sktime_faces.EADCEnsembleClassifier, sktime_faces.EADCHybridClassifier,
    sktime_faces.EADCTransformerRegressor, sktime_faces.EADCEnsembleRegressor, sktime_faces.EADCHybridRegressor,
])
def test_sktime_check_estimator_passes(face):
    from sktime.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the checks a face's tags skip (sktime's own suite reads the tag; check_estimator does not)
        skipped = face.get_class_tag("tests:skip_by_name", None)
        results = check_estimator(face, raise_exceptions=False, verbose=False, tests_to_exclude=skipped)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert failed == {}
    assert len(results) >= (100 if face._core._task == "regression" else 200)


@pytest.mark.parametrize("face", [AeonEADC, SktimeEADC])
def test_faces_share_the_core_parameters_and_results(face, small_motions):
    X, y, X_test, _ = small_motions
    assert face().get_params() == Core().get_params()
    clf = face(**FAST, random_state=0).fit(X, y)
    core = Core(**FAST, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X_test), core.predict_proba(X_test))
    assert clf.transform(X_test).shape == (len(X_test), FAST["d_model"])
    assert len(clf.attention_maps(X_test[:1])) == FAST["n_blocks"]
    assert len(clf.history_) == FAST["max_epochs"]


@pytest.mark.parametrize("face", [AeonEADC, SktimeEADC, MyAeonEADC, MySktimeEADC])
def test_faces_refuse_unknown_parameters(face):
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_layers'"):
        face(n_layers=3)


@pytest.mark.parametrize("face", [AeonEADC, SktimeEADC])
def test_faces_honour_warm_start(face, small_motions):
    X, y, X_test, _ = small_motions
    clf = face(**FAST, warm_start=True, random_state=0).fit(X, y)
    first = clf.predict_proba(X_test)
    clf.set_params(max_epochs=0).fit(X, y)  # continues the fitted network for no epochs: unchanged
    np.testing.assert_array_equal(clf.predict_proba(X_test), first)
    clf.set_params(max_epochs=2).fit(X, y)
    assert not np.array_equal(clf.predict_proba(X_test), first)
    cold = face(**{**FAST, "max_epochs": 0}, random_state=0).fit(X, y)  # without warm_start: a new network
    assert not np.allclose(cold.predict_proba(X_test), first)


def test_aeon_pipeline_with_transformers(japanese_vowels):
    from aeon.pipeline import make_pipeline
    from aeon.transformations.collection import Normalizer
    from aeon.transformations.collection.unequal_length import Padder

    X_train, y_train, X_test, y_test = japanese_vowels
    pipe = make_pipeline(Padder(padded_length=30), Normalizer(), AeonEADC(**FAST, random_state=0))
    pipe.fit(X_train[:60], y_train[:60])
    assert pipe.predict(X_test[:10]).shape == (10,)


def test_aeon_unequal_length_directly(japanese_vowels):
    X_train, y_train, X_test, _ = japanese_vowels
    clf = AeonEADC(**FAST, random_state=0).fit(X_train[:60], y_train[:60])
    assert clf.predict_proba(X_test[:5]).shape == (5, len(np.unique(y_train[:60])))


def test_sktime_evaluate_pipeline_and_grid_search(small_motions):
    from sklearn.model_selection import KFold
    from sktime.classification.compose import ClassifierPipeline
    from sktime.classification.model_selection import TSCGridSearchCV
    from sktime.transformations.series.exponent import ExponentTransformer

    X, y, _, _ = small_motions
    pipe = ClassifierPipeline(SktimeEADC(**FAST, random_state=0), [ExponentTransformer(power=1)])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(y),)

    search = TSCGridSearchCV(SktimeEADC(**FAST, random_state=0), {"d_model": [8, 16]}, cv=KFold(2))
    search.fit(X, y)
    assert search.best_params_["d_model"] in (8, 16)


def test_sktime_classification_evaluate(small_motions):
    from sklearn.model_selection import KFold
    from sktime.classification.model_evaluation import evaluate

    X, y, _, _ = small_motions
    results = evaluate(SktimeEADC(**FAST, random_state=0), X=X, y=y, cv=KFold(2, shuffle=True, random_state=0))
    scores = results.filter(like="test_").iloc[:, 0].to_numpy(dtype=float)
    assert len(scores) == 2 and np.isfinite(scores).all()
