"""Every accepted input format gives the same panel and the same predictions."""

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier
from tsevo.data import to_panel


def to_nested(X: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {f"dim_{c}": [pd.Series(case[c]) for case in X] for c in range(X.shape[1])}
    )


def to_multiindex(X: np.ndarray) -> pd.DataFrame:
    n, c, length = X.shape
    index = pd.MultiIndex.from_product([range(n), range(length)], names=["instance", "timepoint"])
    return pd.DataFrame(X.transpose(0, 2, 1).reshape(n * length, c), index=index,
                        columns=[f"dim_{i}" for i in range(c)])


@pytest.fixture(scope="module")
def fitted(basic_motions):
    X, y, X_test, _ = basic_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X[:, :, :40], y)
    return clf, X_test[:8, :, :40]


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.astype(np.float32),
        lambda X: list(X),
        lambda X: [case.tolist() for case in X],
        to_nested,
        to_multiindex,
    ],
    ids=["float32", "list-of-arrays", "list-of-lists", "nested", "multiindex"],
)
def test_same_data_in_any_container_gives_same_predictions(fitted, convert):
    clf, X = fitted
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(convert(X)), expected, atol=1e-5)


def test_multiindex_order_of_timepoints_does_not_matter(fitted):
    clf, X = fitted
    shuffled = to_multiindex(X).sample(frac=1.0, random_state=0)
    # instances are kept in their order of first appearance
    order = pd.unique(shuffled.index.get_level_values(0))
    np.testing.assert_allclose(clf.predict_proba(shuffled), clf.predict_proba(X[order]), atol=1e-5)


def test_sktime_converters_agree(basic_motions):
    from sktime.datatypes import convert_to

    X = basic_motions[0][:5]
    for mtype in ("nested_univ", "pd-multiindex"):
        panel = to_panel(convert_to(X, to_type=mtype))
        np.testing.assert_allclose(panel.values, X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.int8, np.bool_])
def test_any_real_dtype(dtype):
    X = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    panel = to_panel(X)
    assert panel.values.dtype == np.float64
    np.testing.assert_array_equal(panel.values, X.astype(np.float64))


def test_read_only_and_memory_mapped_arrays(tmp_path, fitted):
    clf, X = fitted
    expected = clf.predict_proba(X)
    frozen = X.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(clf.predict_proba(frozen), expected)
    path = tmp_path / "X.npy"
    np.save(path, X)
    np.testing.assert_array_equal(clf.predict_proba(np.load(path, mmap_mode="r")), expected)


def test_two_d_is_univariate():
    panel = to_panel(np.ones((5, 7)))
    assert (panel.n_cases, panel.n_channels, panel.max_length) == (5, 1, 7)
    assert panel.source == "numpy2D"


def test_unequal_lengths_are_right_padded():
    panel = to_panel([np.ones((2, 3)), np.ones((2, 5))])
    np.testing.assert_array_equal(panel.lengths, [3, 5])
    assert np.isnan(panel.values[0, :, 3:]).all()


def test_trailing_all_nan_steps_are_padding_and_inner_nan_is_missing():
    X = np.ones((2, 2, 6))
    X[0, :, 4:] = np.nan  # padding
    X[1, 0, 2] = np.nan  # one missing value
    panel = to_panel(X)
    np.testing.assert_array_equal(panel.lengths, [4, 6])


def test_nan_values_never_give_nan_outputs(fitted):
    clf, X = fitted
    X_nan = X.copy()
    X_nan[0, 1, 5:9] = np.nan
    X_nan[1, :, 30:] = np.nan  # a shorter series
    proba = clf.predict_proba(X_nan)
    assert np.isfinite(proba).all()


def test_training_with_missing_values(small_motions):
    X, y, X_test, _ = small_motions
    X = X.copy()
    X[::3, 2, 10:15] = np.nan
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    assert np.isfinite(clf.predict_proba(X_test)).all()


@pytest.mark.parametrize("length", [1, 2, 3])
def test_series_down_to_length_one(length):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2, length))
    y = np.repeat(["a", "b"], 6)
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (12,)


def test_longer_series_at_predict_with_pooling_head(fitted, basic_motions):
    clf, _ = fitted
    longer = basic_motions[2][:4]  # 100 steps, fit saw 40
    assert clf.predict_proba(longer).shape == (4, 4)


def test_callers_data_never_modified(small_motions):
    X, y, X_test, _ = small_motions
    X = X.copy()
    X[0, 0, 3] = np.nan
    inputs = {
        "array": (X, y),
        "list": (list(X), list(y)),
        "nested": (to_nested(X), pd.Series(y)),
        "multiindex": (to_multiindex(X), y.copy()),
    }
    for name, (X_in, y_in) in inputs.items():
        before = (pd.DataFrame(X_in).copy(deep=True) if isinstance(X_in, pd.DataFrame)
                  else [np.array(c, copy=True) for c in X_in])
        y_before = np.array(y_in, copy=True)
        clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X_in, y_in)
        clf.predict(X_in)
        if isinstance(X_in, pd.DataFrame):
            if name == "nested":
                for col in X_in:
                    for a, b in zip(X_in[col], before[col], strict=True):
                        np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
            else:
                pd.testing.assert_frame_equal(X_in, before)
        else:
            for a, b in zip(X_in, before, strict=True):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.array(y_in), y_before)
