"""scikit-learn's own estimator checks, with the full battery collected."""

import warnings

from sklearn.utils.estimator_checks import check_class_weight_classifiers, check_estimator

from tests.conftest import BATCH_NORM_XFAILS
from tsevo import EADCTransformerClassifier

# small but able to learn sklearn's toy problems (check_classifiers_train wants > 0.83)
CHECK_PARAMS = dict(
    max_epochs=20, d_model=16, n_blocks=2, n_heads=2, d_ff=32, batch_size=32, lr=3e-3,
    random_state=0,
)


def test_sklearn_check_estimator_passes_the_full_battery():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(EADCTransformerClassifier(**CHECK_PARAMS), on_fail=None,
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
        layer_norm = EADCTransformerClassifier(**CHECK_PARAMS, norm="layer")
        check_class_weight_classifiers("EADCTransformerClassifier", layer_norm)
