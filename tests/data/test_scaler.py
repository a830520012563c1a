"""Standardisation and the deviation channels computed from training statistics."""

import numpy as np
import pytest

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier
from tsevo.data import ChannelScaler, to_panel


def test_deviation_channels_follow_the_training_mean_series():
    rng = np.random.default_rng(0)
    shape = np.sin(np.linspace(0, 6, 30))
    X = shape + 0.01 * rng.standard_normal((20, 2, 30))  # one shared shape, tiny differences
    scaler = ChannelScaler.fit(to_panel(X), deviations=True)
    values, valid = scaler.transform(to_panel(X))
    assert values.shape == (20, 4, 30) and scaler.n_outputs == 4 and valid.all()
    np.testing.assert_allclose(scaler.mean_series, X.mean(axis=0))
    deviations = values[:, 2:]
    # the standardised inputs hardly differ between cases, their deviations differ at unit scale
    assert values[:, :2].std(axis=0).mean() < 0.05
    np.testing.assert_allclose(deviations.std(axis=(0, 2)), 1.0, rtol=1e-4)
    np.testing.assert_allclose(deviations.mean(axis=0), 0.0, atol=1e-5)


def test_without_deviations_only_the_inputs_are_standardised():
    X = np.random.default_rng(1).standard_normal((5, 3, 12)) * 4 + 2
    scaler = ChannelScaler.fit(to_panel(X))
    values, _ = scaler.transform(to_panel(X))
    assert scaler.mean_series is None and scaler.n_outputs == 3 and values.shape == X.shape


def test_unequal_lengths_missing_values_and_longer_series():
    train = [np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[3.0, np.nan]]), np.array([[2.0, 4.0, 6.0]])]
    scaler = ChannelScaler.fit(to_panel(train), deviations=True)
    # each step's mean over the cases observed there; missing and padded steps are skipped
    np.testing.assert_allclose(scaler.mean_series, [[2.0, 3.0, 4.5, 4.0]])
    values, valid = scaler.transform(to_panel([np.arange(6.0)[None]]))
    assert values.shape == (1, 2, 6) and valid.all() and np.isfinite(values).all()
    # beyond the training length the mean series keeps its last value
    expected = (np.arange(6.0) - [2.0, 3.0, 4.5, 4.0, 4.0, 4.0]) / scaler.deviation_scale[0]
    np.testing.assert_allclose(values[0, 1], expected, rtol=1e-6)
    padded, _ = scaler.transform(to_panel(train))
    assert padded[1, :, 1:].tolist() == [[0.0] * 3] * 2  # missing and padding at 0


@pytest.mark.parametrize("deviation_channels", [False, True])
def test_the_network_sees_twice_the_channels_and_persists_them(tmp_path, small_motions, deviation_channels):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, deviation_channels=deviation_channels, random_state=0).fit(X, y)
    assert clf.module_kwargs_["n_channels"] == X.shape[1] * (2 if deviation_channels else 1)
    assert clf.n_channels_ == X.shape[1]
    clf.save(tmp_path / "model.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
