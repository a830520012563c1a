"""Figures of attention evolution and training history."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.conftest import FAST  # noqa: E402
from tsevo import EADCTransformerClassifier  # noqa: E402
from tsevo.plotting import plot_attention_evolution, plot_history  # noqa: E402


@pytest.fixture(scope="module")
def fitted(basic_motions):
    X, y, X_test, _ = basic_motions
    clf = EADCTransformerClassifier(**FAST, early_stopping=True, validation_fraction=0.2, random_state=0)
    return clf.fit(X, y), X_test


@pytest.mark.parametrize("head", ["mean", 1])
def test_attention_evolution_has_the_series_and_one_map_per_layer(fitted, head):
    clf, X_test = fitted
    fig = plot_attention_evolution(clf, X_test[0], head=head)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == FAST["n_blocks"]
    series_ax = fig.axes[0]
    assert len(series_ax.lines) == X_test.shape[1]
    np.testing.assert_allclose(series_ax.lines[0].get_ydata(), X_test[0, 0])


def test_attention_evolution_of_a_univariate_1d_series(gunpoint):
    X, y, X_test, _ = gunpoint
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    fig = plot_attention_evolution(clf, X_test[0, 0], kind="logits")
    assert len([ax for ax in fig.axes if ax.images]) == FAST["n_blocks"]


def test_bad_head_and_shape_are_refused(fitted):
    clf, X_test = fitted
    with pytest.raises(ValueError, match="head must be"):
        plot_attention_evolution(clf, X_test[0], head=99)
    with pytest.raises(ValueError, match="one series"):
        plot_attention_evolution(clf, X_test[:2])


def test_history_plot(fitted):
    clf, _ = fitted
    fig = plot_history(clf)
    labels = [line.get_label() for ax in fig.axes for line in ax.lines]
    assert {"train loss", "validation loss", "validation accuracy"} <= set(labels)
    with pytest.raises(ValueError, match="empty"):
        plot_history([])
