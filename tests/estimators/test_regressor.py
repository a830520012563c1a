"""EADCTransformerRegressor: targets, scoring, persistence, bad targets, scikit-learn's checks."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from tests.conftest import BATTERY_REGRESSOR, FAST
from tsevo import EADCTransformerRegressor, load_tser


@pytest.fixture(scope="module")
def covid():
    return load_tser("Covid3Month")


def test_fits_and_predicts_in_the_targets_units(covid):
    X, y, X_test, y_test = covid
    reg = EADCTransformerRegressor(**{**FAST, "max_epochs": 20}, early_stopping=True, random_state=0).fit(X, y)
    predicted = reg.predict(X_test)
    assert predicted.shape == y_test.shape and np.isfinite(predicted).all()
    assert abs(predicted.mean() - y.mean()) < 3 * y.std()  # standardisation undone
    assert "valid_rmse" in reg.history_[-1] and reg.history_[-1]["valid_rmse"] > 0
    assert reg.score(X_test, y_test) == pytest.approx(
        1 - ((y_test - predicted) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()
    )
    assert reg.transform(X_test[:2]).shape == (2, FAST["d_model"])
    assert len(reg.attention_maps(X_test[:2])) == FAST["n_blocks"]


def test_stem_head_regressor_trains_both_output_layers(covid):
    X, y, X_test, _ = covid
    reg = EADCTransformerRegressor(**FAST, stem_head=True, random_state=0).fit(X[:60], y[:60])
    untrained = EADCTransformerRegressor(**{**FAST, "max_epochs": 0}, stem_head=True, random_state=0)
    untrained.fit(X[:60], y[:60])
    for layer in ("classifier", "stem_classifier"):  # each output layer learnt through its loss
        before = getattr(untrained.module_, layer).weight.detach()
        assert not np.allclose(getattr(reg.module_, layer).weight.detach().numpy(), before.numpy())
    assert np.isfinite(reg.predict(X_test)).all()


def test_several_targets(covid):
    X, y, X_test, _ = covid
    targets = np.column_stack([y, 10 * y + 1])
    reg = EADCTransformerRegressor(**FAST, loss="huber", random_state=0).fit(X, targets)
    assert reg.n_targets_ == 2 and reg.predict(X_test).shape == (len(X_test), 2)


def test_same_seed_same_predictions_and_persistence(covid, tmp_path):
    X, y, X_test, _ = covid
    a = EADCTransformerRegressor(**FAST, random_state=1).fit(X, y)
    b = EADCTransformerRegressor(**FAST, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.predict(X_test), b.predict(X_test))
    a.save(tmp_path / "reg.pt")
    np.testing.assert_array_equal(EADCTransformerRegressor.load(tmp_path / "reg.pt").predict(X_test), a.predict(X_test))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).predict(X_test), a.predict(X_test))


@pytest.mark.parametrize("bad_y, error, match", [
    (lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), ValueError, "NaN or infinite"),
    (lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), ValueError, "NaN or infinite"),
    (lambda y: np.array(["low", "high"] * (len(y) // 2)), TypeError, "class labels"),
    (lambda y: y[:-1], ValueError, "targets"),
    (lambda y: np.full(len(y), 0.5), ValueError, "constant"),
    (lambda y: np.zeros((len(y), 1, 1)), ValueError, "1-D"),
    (lambda y: None, ValueError, "requires y"),
])
def test_bad_targets_get_a_clear_error_and_nothing_is_mutated(covid, bad_y, error, match):
    X, y, _, _ = covid
    target = bad_y(y)
    before = None if target is None else target.copy()
    X_before = X.copy()
    with pytest.raises(error, match=match):
        EADCTransformerRegressor(**FAST).fit(X, target)
    np.testing.assert_array_equal(X, X_before)
    if before is not None:
        np.testing.assert_array_equal(target, before)


def test_sklearn_check_estimator_passes_the_full_battery():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(EADCTransformerRegressor(**BATTERY_REGRESSOR), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] == "failed"}
    assert failed == {}
    assert len([r for r in results if r["status"] == "passed"]) > 50


def test_the_ensemble_regressor_averages_its_members(covid):
    # its fit loop is the classifier ensemble's (SeedEnsemble), which runs scikit-learn's battery in
    # test_ensembles.py; the regressor face's own contract runs aeon's and sktime's batteries
    from tsevo import EADCEnsembleRegressor

    X, y, X_test, _ = covid
    targets = np.column_stack([y, 2 * y])
    ensemble = EADCEnsembleRegressor(**FAST, n_estimators=3, random_state=0).fit(X, targets)
    assert len(ensemble.estimators_) == 3 and ensemble.n_targets_ == 2
    assert len({m.random_state for m in ensemble.estimators_}) == 3  # each member its own seed
    members = np.stack([m.predict(X_test) for m in ensemble.estimators_])
    np.testing.assert_allclose(ensemble.predict(X_test), members.mean(axis=0))
    assert not np.allclose(members[0], members[1])
    again = EADCEnsembleRegressor(**FAST, n_estimators=3, random_state=0).fit(X, targets)
    np.testing.assert_array_equal(again.predict(X_test), ensemble.predict(X_test))


def test_predictions_stay_near_the_training_targets_range(covid, tmp_path):
    X, y, X_test, _ = covid
    far = X_test[:8] * 1e4  # amplitudes far beyond every training series
    reg = EADCTransformerRegressor(**FAST, clip_predictions=0.1, random_state=0).fit(X, y)
    width = y.max() - y.min()
    np.testing.assert_array_equal(reg.target_min_, [y.min()])
    predicted = reg.predict(far)
    assert (predicted >= y.min() - 0.1 * width).all() and (predicted <= y.max() + 0.1 * width).all()
    unclipped = reg.set_params(clip_predictions=None).predict(far)
    assert (np.abs(unclipped - y.mean()) > 1.1 * width).any()  # the network alone strays far
    np.testing.assert_array_equal(predicted, np.clip(unclipped, y.min() - 0.1 * width, y.max() + 0.1 * width))
    # kept by save/load; a file from before the range was kept loads unclipped
    reg.set_params(clip_predictions=0.1).save(tmp_path / "reg.pt")
    np.testing.assert_array_equal(EADCTransformerRegressor.load(tmp_path / "reg.pt").predict(far), predicted)
    import torch

    payload = torch.load(tmp_path / "reg.pt", weights_only=True)
    payload["target_stats"] = payload["target_stats"][:2]
    del payload["params"]["clip_predictions"]
    torch.save(payload, tmp_path / "old.pt")
    old = EADCTransformerRegressor.load(tmp_path / "old.pt")
    assert old.clip_predictions is None
    np.testing.assert_array_equal(old.predict(far), unclipped)
    with pytest.raises(ValueError, match="training targets' range.*refit"):
        old.set_params(clip_predictions=0.1).predict(far)


def test_a_continued_fit_widens_the_range(covid):
    X, y, _, _ = covid
    reg = EADCTransformerRegressor(**{**FAST, "max_epochs": 1}, warm_start=True, random_state=0).fit(X, y)
    reg.fit(X, y + 10)
    assert reg.target_min_[0] == y.min() and reg.target_max_[0] == y.max() + 10


def test_the_hybrid_regressor_weighs_components_by_out_of_fold_r2(covid):
    from tsevo import EADCHybridRegressor

    X, y, X_test, _ = covid
    hybrid = EADCHybridRegressor(**FAST, n_estimators=2, peers="quant,minirocket", random_state=0).fit(X, y)
    assert set(hybrid.weights_) == set(hybrid.train_r2_) == {"eadc", "quant", "minirocket"}
    for name, predicted in hybrid.train_predictions_.items():
        r2 = 1 - ((y - predicted[:, 0]) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        assert hybrid.train_r2_[name] == pytest.approx(r2)
        assert hybrid.weights_[name] == pytest.approx(max(r2, 0) ** 4)
    total = sum(hybrid.weights_.values())
    networks = np.mean([m.predict(X_test) for m in hybrid.estimators_["eadc"]], axis=0)
    peers = {name: hybrid.estimators_[name].predict(X_test)[:, 0] for name in ("quant", "minirocket")}
    expected = hybrid.weights_["eadc"] / total * networks + sum(
        hybrid.weights_[name] / total * predicted for name, predicted in peers.items()
    )
    np.testing.assert_allclose(hybrid.predict(X_test), expected)
    again = EADCHybridRegressor(**FAST, n_estimators=2, peers="quant,minirocket", random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict(X_test), hybrid.predict(X_test))
    equal = EADCHybridRegressor(**FAST, n_estimators=2, peers="quant", weight_exponent=0, random_state=0).fit(X, y)
    assert set(equal.weights_.values()) == {1.0}


def test_the_hybrid_regressor_fits_one_peer_per_target(covid):
    from tsevo import EADCHybridRegressor

    X, y, X_test, _ = covid
    targets = np.column_stack([y, 10 * y + 1])
    hybrid = EADCHybridRegressor(**FAST, n_estimators=2, peers="quant", random_state=0).fit(X, targets)
    assert hybrid.n_targets_ == 2 and len(hybrid.estimators_["quant"].estimators_) == 2
    assert hybrid.predict(X_test).shape == (len(X_test), 2)
    assert hybrid.train_predictions_["quant"].shape == (len(X), 2)


def test_the_hybrid_regressor_refuses_bad_targets_and_peers_and_keeps_its_fit(covid):
    from tsevo import EADCHybridRegressor

    X, y, X_test, _ = covid
    with pytest.warns(UserWarning, match="no component of the hybrid scored above 0.*R²: eadc -"):
        hybrid = EADCHybridRegressor(**FAST, n_estimators=2, peers="", random_state=0).fit(X, y)
    assert hybrid.weights_ == {"eadc": 0.0}  # two epochs on Covid3Month: worse than the mean, so weighted equally
    before = hybrid.predict(X_test)
    labels = np.array(["low", "high"] * (len(y) // 2))
    with pytest.raises(TypeError, match="class labels"):
        hybrid.fit(X, labels)
    with pytest.raises(ValueError, match="unknown peer 'drcif'.*multirocket"):
        hybrid.set_params(peers="quant,drcif").fit(X, y)
    with pytest.raises(ValueError, match="two distinct values"):
        hybrid.set_params(peers="quant").fit(X, (y > np.median(y)).astype(float))
    np.testing.assert_array_equal(hybrid.predict(X_test), before)  # a failed refit leaves the last fit whole
    restored = pickle.loads(pickle.dumps(EADCHybridRegressor(**FAST, n_estimators=1, peers="quant").fit(X, y)))
    assert restored.predict(X_test).shape == before.shape
    assert labels[0] == "low"


def test_the_hybrid_regressor_passes_scikit_learns_battery():
    # without peers, as for the hybrid classifier: the aeon peers fit five times per fit; they
    # run in the tests above and in aeon's battery of the faces
    from tsevo import EADCHybridRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(EADCHybridRegressor(**BATTERY_REGRESSOR, n_estimators=2, peers=""), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] == "failed"}
    assert failed == {}
    assert len([r for r in results if r["status"] == "passed"]) > 50
