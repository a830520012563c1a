"""Every careless input gets a ValueError or TypeError that names the problem."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier

rng = np.random.default_rng(0)
X_OK = rng.normal(size=(10, 2, 12))
Y_OK = np.repeat(["a", "b"], 5)


def fit(X=X_OK, y=Y_OK, **params):
    return EADCTransformerClassifier(**{**FAST, "max_epochs": 1, **params}).fit(X, y)


def with_value(value, dtype=None):
    X = X_OK.astype(dtype or X_OK.dtype)
    X[3, 1, 4] = value
    return X


def with_nan_case(case):
    X = X_OK.copy()
    X[case] = np.nan
    return X


BAD_X = {
    "1-D array": (ValueError, "got an array with 1 dimension", X_OK[0, 0]),
    "4-D array": (ValueError, "4 dimension", X_OK[..., None]),
    "0-D scalar": (ValueError, "0 dimension", np.float64(3.0)),
    "no cases": (ValueError, "no cases", X_OK[:0]),
    "empty list": (ValueError, "no cases", []),
    "zero timepoints": (ValueError, "zero timepoints", X_OK[:, :, :0]),
    "no channels": (ValueError, "no channels", X_OK[:, :0]),
    "empty series in a list": (ValueError, "case 1 of X is empty", [X_OK[0], X_OK[1][:, :0]]),
    "channel counts differ in a list": (ValueError, "same number of channels", [X_OK[0], X_OK[1][:1]]),
    "3-D case in a list": (ValueError, "case 0 has shape", [X_OK[:2]]),
    "strings": (TypeError, "dtype <U", X_OK.astype(str)),
    "objects": (TypeError, "not real numbers", with_value({"a": 1}, object)),
    "complex": (ValueError, "Complex data not supported", X_OK.astype(complex)),
    "inf": (ValueError, "contains inf .*case 3", with_value(np.inf)),
    "-inf": (ValueError, "contains inf", with_value(-np.inf)),
    "all-NaN case": (ValueError, "case 2 of X has no observed value", with_nan_case(2)),
    "None": (TypeError, "NoneType is not supported", None),
    "a dict": (TypeError, "dict is not supported", {"a": X_OK}),
    "a string": (TypeError, "str is not supported", "data.ts"),
    "a pandas Series": (TypeError, "pandas Series", pd.Series([1.0, 2.0])),
    "sparse matrix": (TypeError, "Sparse data is not supported", sparse.csr_matrix(X_OK[:, 0])),
    "flat list of numbers": (ValueError, "flat list of numbers", [1.0, 2.0, 3.0]),
    "3-level multi-index": (ValueError, "2 index levels", pd.DataFrame(
        {"v": range(8)}, index=pd.MultiIndex.from_product([range(2), range(2), range(2)]))),
}


@pytest.mark.parametrize("case", BAD_X, ids=list(BAD_X))
def test_bad_X_in_fit(case):
    error, match, X = BAD_X[case]
    with pytest.raises(error, match=match):  # X is checked before y
        fit(X, Y_OK)


@pytest.fixture(scope="module")
def fitted():
    return fit()


@pytest.mark.parametrize("case", BAD_X, ids=list(BAD_X))
def test_bad_X_in_predict(fitted, case):
    error, match, X = BAD_X[case]
    for method in (fitted.predict, fitted.predict_proba, fitted.transform):
        with pytest.raises(error, match=match):
            method(X)


BAD_Y = {
    "X and y of different lengths": (ValueError, "10 cases but y has 9 labels", Y_OK[:9]),
    "2-D y": (ValueError, "y must be 1-D", np.stack([Y_OK, Y_OK], axis=1)),
    "NaN label": (ValueError, "missing labels", np.where(np.arange(10) == 4, np.nan, 1.0 * (np.arange(10) > 4))),
    "None label": (ValueError, "missing labels", np.array(["a"] * 5 + [None] + ["b"] * 4, dtype=object)),
    "single class": (ValueError, "only one class", np.repeat("a", 10)),
    "continuous target": (ValueError, "Unknown label type: continuous", np.linspace(0, 1, 10)),
    "no y": (ValueError, "requires y to be passed", None),
}


@pytest.mark.parametrize("case", BAD_Y, ids=list(BAD_Y))
def test_bad_y(case):
    error, match, y = BAD_Y[case]
    with pytest.raises(error, match=match):
        fit(X_OK, y)


BAD_PARAMS = {
    "negative epochs": ({"max_epochs": -1}, "max_epochs"),
    "zero batch": ({"batch_size": 0}, "batch_size"),
    "dropout 1": ({"dropout": 1.0}, "dropout"),
    "negative dropout": ({"dropout": -0.1}, "dropout"),
    "heads do not divide width": ({"d_model": 16, "n_heads": 3}, "multiple of n_heads=3"),
    "unknown head": ({"head": "cls"}, "head"),
    "unknown device": ({"device": "tpu"}, "unknown device 'tpu'"),
    "zero lr": ({"lr": 0.0}, "lr"),
    "validation fraction 1": ({"validation_fraction": 1.0}, "validation_fraction"),
    "unknown optimizer": ({"optimizer": "sgd9"}, "optimizer"),
    "epochs as string": ({"max_epochs": "10"}, "max_epochs"),
    "prev map weight > 1": ({"prev_map_weight": 1.5}, "prev_map_weight"),
    "value fraction 1": ({"value_fraction": 1.0}, "value_fraction"),
}


@pytest.mark.parametrize("case", BAD_PARAMS, ids=list(BAD_PARAMS))
def test_invalid_hyper_parameters(case):
    params, match = BAD_PARAMS[case]
    with pytest.raises(ValueError, match=match):
        fit(**params)


def test_cuda_without_gpu_is_refused(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        fit(device="cuda")


def test_not_fitted():
    clf = EADCTransformerClassifier()
    for method in (clf.predict, clf.predict_proba, clf.transform, clf.attention_maps):
        with pytest.raises(NotFittedError):
            method(X_OK)


def test_channel_count_must_match(fitted):
    with pytest.raises(ValueError, match="X has 3 channels, but EADCTransformerClassifier was fitted with 2"):
        fitted.predict(rng.normal(size=(4, 3, 12)))


def test_column_count_must_match_after_2d_fit():
    clf = fit(X_OK[:, 0], Y_OK)
    with pytest.raises(ValueError, match="X has 11 features, but .* is expecting 12"):
        clf.predict(X_OK[:, 0, :11])


def test_flatten_head_refuses_longer_series():
    clf = fit(head="flatten")
    with pytest.raises(ValueError, match="at most the 12 seen in fit"):
        clf.predict(rng.normal(size=(3, 2, 20)))
    assert clf.predict(rng.normal(size=(3, 2, 8))).shape == (3,)


def test_unknown_attention_map_kind(fitted):
    with pytest.raises(ValueError, match="kind must be"):
        fitted.attention_maps(X_OK, kind="weights")
