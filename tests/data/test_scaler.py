"""Standardisation and the deviation, difference, shape and level channels computed from training statistics."""

import numpy as np
import pytest

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier, EADCTransformerRegressor
from tsevo.data import ChannelScaler, to_panel
from tsevo.data.validation import amplitude_spread


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


def test_difference_channels_are_slopes_at_unit_scale():
    # a slow ramp: each step changes it by about 1/100 of its range, yet the slope reaches the network at unit scale
    X = np.linspace(0, 1, 100)[None, None, :] * np.array([1.0, 2.0, 3.0])[:, None, None] + 5.0
    scaler = ChannelScaler.fit(to_panel(X), deviations=True, differences=True)
    values, _ = scaler.transform(to_panel(X))
    assert values.shape == (3, 3, 100) and scaler.n_outputs == 3
    differences = values[:, 2]
    assert (differences[:, 0] == 0).all()  # nothing before the first step
    np.testing.assert_allclose(np.sqrt(np.mean(differences**2)), 1.0, rtol=1e-5)
    np.testing.assert_allclose(differences[:, 1:] / differences[:, 1:2], 1.0, rtol=1e-5)  # a constant slope


def test_difference_channels_are_zero_next_to_missing_and_padded_steps():
    train = [np.array([[1.0, 2.0, 4.0, 8.0]]), np.array([[3.0, np.nan, 5.0]])]
    scaler = ChannelScaler.fit(to_panel(train), differences=True)
    assert scaler.mean_series is None and scaler.n_outputs == 2
    values, valid = scaler.transform(to_panel(train))
    expected_first = np.array([0.0, 1.0, 2.0, 4.0]) / scaler.difference_scale[0]
    np.testing.assert_allclose(values[0, 1], expected_first, rtol=1e-6)
    assert values[1, 1].tolist() == [0.0] * 4  # both changes touch the missing step; then padding
    assert valid[1].tolist() == [True, True, True, False]


def test_shape_channels_show_every_case_at_unit_size_and_its_level_on_a_log_scale():
    rng = np.random.default_rng(2)
    shape = np.sin(np.linspace(0, 6, 40))
    amplitudes = 10.0 ** np.arange(-4, 3)  # seven cases from 1e-4 to 100: one scale leaves most near zero
    X = (amplitudes[:, None] * (shape + 0.05 * rng.standard_normal((7, 40))))[:, None, :]
    scaler = ChannelScaler.fit(to_panel(X), shapes=True)
    values, _ = scaler.transform(to_panel(X))
    assert values.shape == (7, 3, 40) and scaler.n_outputs == 3
    assert values[:4, 0].std(axis=1).max() < 0.01  # the standardised inputs of the quiet cases hardly move
    np.testing.assert_allclose(values[:, 1].std(axis=1), 1.0, rtol=1e-5)  # every shape at unit size
    levels = values[:, 2]
    assert (levels == levels[:, :1]).all()  # one level per case, along all of its steps
    np.testing.assert_allclose(np.diff(levels[:, 0]), np.diff(levels[:, 0])[0], rtol=0.05)  # log scale: even steps
    np.testing.assert_allclose([levels[:, 0].mean(), levels[:, 0].std()], [0.0, 1.0], atol=1e-5)


def test_shape_channels_of_constant_missing_and_padded_steps_are_finite_zeros():
    train = [np.array([[1.0, 3.0, np.nan, 5.0]]), np.array([[2.0, 2.0]])]  # a missing step; a constant case
    scaler = ChannelScaler.fit(to_panel(train), shapes=True)
    values, valid = scaler.transform(to_panel(train))
    assert np.isfinite(values).all() and valid[1].tolist() == [True, True, False, False]
    assert values[0, 1, 2] == 0 and values[0, 2, 2] == 0  # the missing step
    assert values[1, 1].tolist() == [0.0] * 4  # a constant case has a flat shape; padding is 0
    assert values[1, 2, 2:].tolist() == [0.0, 0.0] and values[1, 2, 0] < values[0, 2, 0]  # quieter: a lower level


def test_auto_shape_channels_follow_how_far_the_amplitudes_differ(small_motions):
    X, y, _, _ = small_motions
    standardised = (X - X.mean(axis=2, keepdims=True)) / X.std(axis=2, keepdims=True)  # one by one, as in UCR
    assert amplitude_spread(to_panel(standardised)) == pytest.approx(1.0)
    loud = standardised * np.logspace(-3, 3, len(X))[:, None, None]  # six orders of magnitude
    assert amplitude_spread(to_panel(loud)) > 1e4
    varied = standardised * np.logspace(0, 1, len(X))[:, None, None]  # one order: motion sensors, gestures
    assert 5 < amplitude_spread(to_panel(varied)) < 10
    for data, shapes in ((standardised, False), (varied, False), (loud, True)):
        clf = EADCTransformerClassifier(**FAST, shape_channels="auto", random_state=0).fit(data, y)
        assert clf.module_kwargs_["n_channels"] == X.shape[1] * (2 + 2 * shapes)  # deviations are on by default
        assert (clf.scaler_.level_scale is not None) == shapes
    # a regressor's "auto" adds none: validation found them worse on the regression problems tried
    targets = np.arange(len(X), dtype=float)
    reg = EADCTransformerRegressor(**FAST, shape_channels="auto", random_state=0).fit(loud, targets)
    assert reg.module_kwargs_["n_channels"] == X.shape[1] * 2


@pytest.mark.parametrize("deviation_channels, difference_channels, shape_channels",
                         [(False, False, False), (True, False, False), (True, True, False), (False, False, True)])
def test_the_network_sees_the_added_channels_and_persists_them(tmp_path, small_motions, deviation_channels,
                                                               difference_channels, shape_channels):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, deviation_channels=deviation_channels,
                                    difference_channels=difference_channels, shape_channels=shape_channels,
                                    random_state=0).fit(X, y)
    extra = deviation_channels + difference_channels + 2 * shape_channels
    assert clf.module_kwargs_["n_channels"] == X.shape[1] * (1 + extra)
    assert clf.n_channels_ == X.shape[1]
    clf.save(tmp_path / "model.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
