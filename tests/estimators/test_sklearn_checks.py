"""scikit-learn's own estimator checks, with the full battery collected."""

import warnings

from sklearn.utils.estimator_checks import check_class_weight_classifiers, check_estimator

from tests.conftest import BATCH_NORM_XFAILS, BATTERY_CLASSIFIER
from tsevo import EADCTransformerClassifier


def test_sklearn_check_estimator_passes_the_full_battery():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(EADCTransformerClassifier(**BATTERY_CLASSIFIER), on_fail=None,
                                  expected_failed_checks=BATCH_NORM_XFAILS)
    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] == "failed"}
    passed = [r for r in results if r["status"] == "passed"]
    assert failed == {}
    # a 3-D-only estimator silently gets a single check: make sure the battery ran
    assert len(passed) > 50


def test_class_weights_steer_a_layer_norm_network():
    # the check the battery expects batch norm to fail (conftest.BATCH_NORM_XFAILS) passes with layer norm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer_norm = EADCTransformerClassifier(**BATTERY_CLASSIFIER, norm="layer")
        check_class_weight_classifiers("EADCTransformerClassifier", layer_norm)
