"""batch_size="auto": larger steps on large training sets, as many cases seen as with 16."""

import pickle

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier, EADCTransformerRegressor
from tsevo.estimators._base import auto_batch_size


@pytest.fixture(scope="module")
def italy_test_split():
    """ItalyPowerDemand's test split, 1,029 cases of 24 steps: a training set past 512 cases."""
    from aeon.datasets import load_italy_power_demand

    return load_italy_power_demand(split="test")


GPU, CPU = torch.device("cuda"), torch.device("cpu")


def auto(n_cases, n_tokens=128, device="cuda", epochs=1000, min_steps=0):
    return auto_batch_size(n_cases, n_tokens, device, epochs, min_steps)


def test_the_batch_is_16_up_to_512_cases_then_at_most_a_32nd_of_them_as_a_power_of_two():
    assert [auto(n) for n in (1, 12, 300, 512, 1023)] == [16] * 5
    assert [auto(n) for n in (1024, 2047, 2048, 4096)] == [32, 32, 64, 128]
    assert auto(7494, 8) == auto(10**6) == 128
    for n in range(513, 20_000, 97):
        batch = auto(n)
        assert batch & (batch - 1) == 0
        assert batch == 128 or 32 <= n / batch < 64 or batch == 16


def test_the_batch_grows_only_while_training_keeps_min_steps():
    # 7 epochs of 7,494 cases: batch 32 takes 1,645 steps, 64 only 826
    assert auto(7494, epochs=7, min_steps=1000) == 32
    assert auto(7494, epochs=7, min_steps=800) == 64
    assert auto(50_000, epochs=5, min_steps=1000) == 128
    assert auto(2048, epochs=25, min_steps=4000) == 16  # the regressor's 4,000 steps


def test_on_a_cpu_only_short_series_take_larger_batches():
    # a CPU's step is bound by arithmetic: beyond 32 tokens a case costs as much or more in a larger batch
    assert auto(7494, 8, "cpu") == auto(7494, 32, "cpu") == 128
    assert auto(7494, 33, "cpu") == auto(10**6, 128, "cpu") == 16


@pytest.mark.parametrize("estimator", [EADCTransformerClassifier, EADCTransformerRegressor])
@pytest.mark.parametrize("n_cases", [12, 300, 600, 1029, 2048, 7494, 50_000])
def test_auto_sees_as_many_cases_as_batch_16_in_at_least_min_steps(estimator, n_cases):
    model, sixteen = estimator(batch_size="auto"), estimator(batch_size=16)
    schedule = model._schedule(n_cases, 128, GPU)
    assert schedule == model._schedule(n_cases, 32, CPU)
    assert schedule.epochs == sixteen._schedule(n_cases, 128, GPU).epochs
    assert schedule.epochs * -(-n_cases // schedule.batch_size) >= model.min_steps
    assert schedule.lr == pytest.approx(sixteen.lr * (schedule.batch_size / 16) ** 0.5)


def test_a_large_training_set_takes_larger_steps_at_a_higher_rate(italy_test_split):
    X, y = italy_test_split
    params = {**FAST, "batch_size": "auto", "max_epochs": 1, "random_state": 0}
    clf = EADCTransformerClassifier(**params)
    config = clf._plan(X, y).config
    assert (config.batch_size, config.lr) == (32, pytest.approx(1e-3 * 2**0.5))
    clf.fit(X, y)
    assert clf.batch_size_ == 32 and clf.batch_size == "auto"
    assert clf.predict_proba(X[:5]).shape == (5, 2)


def test_auto_on_a_small_set_is_exactly_batch_16(small_motions):
    X, y, X_test, _ = small_motions
    params = {**FAST, "random_state": 0}
    auto = EADCTransformerClassifier(**{**params, "batch_size": "auto"}).fit(X, y)
    sixteen = EADCTransformerClassifier(**{**params, "batch_size": 16}).fit(X, y)
    np.testing.assert_array_equal(auto.predict_proba(X_test), sixteen.predict_proba(X_test))
    assert auto.batch_size_ == sixteen.batch_size_ == 16


def test_the_chosen_batch_survives_save_load_and_pickle(small_motions, tmp_path):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "batch_size": "auto"}, random_state=0).fit(X, y)
    clf.save(tmp_path / "m.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "m.pt")
    assert (loaded.batch_size, loaded.batch_size_) == ("auto", 16)
    assert pickle.loads(pickle.dumps(clf)).batch_size_ == 16
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))


def test_models_saved_before_auto_existed_predict_with_their_batch(small_motions, tmp_path):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    clf.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    del payload["batch_size_"]
    torch.save(payload, tmp_path / "old.pt")
    assert EADCTransformerClassifier.load(tmp_path / "old.pt").batch_size_ == FAST["batch_size"]
    old_state = clf.__getstate__()
    del old_state["batch_size_"]
    unpickled = EADCTransformerClassifier.__new__(EADCTransformerClassifier)
    unpickled.__setstate__(old_state)
    np.testing.assert_array_equal(unpickled.predict_proba(X_test), clf.predict_proba(X_test))
