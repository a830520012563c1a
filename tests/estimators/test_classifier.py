"""EADCTransformerClassifier: accuracy, determinism, persistence, sklearn tools."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier


@pytest.mark.slow
def test_defaults_reach_90_percent_on_japanese_vowels(japanese_vowels):
    X_train, y_train, X_test, y_test = japanese_vowels
    assert isinstance(X_train, list)  # unequal lengths, aeon's list format
    clf = EADCTransformerClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.90


def test_fit_sets_sklearn_attributes(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0)
    assert clf.fit(X, y) is clf
    check_is_fitted(clf)
    assert list(clf.classes_) == sorted(set(y))
    assert clf.n_features_in_ == clf.n_channels_ == 6
    assert clf.n_timepoints_ == 48
    assert clf.n_iter_ == len(clf.history_) == FAST["max_epochs"]
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), len(clf.classes_))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert set(clf.predict(X_test)) <= set(clf.classes_)
    assert not clf.module_.training


def test_same_seed_same_predictions_and_global_state_untouched(small_motions):
    X, y, X_test, _ = small_motions
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()
    threads = torch.get_num_threads()
    runs = [
        EADCTransformerClassifier(**FAST, random_state=7).fit(X, y).predict_proba(X_test)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    other = EADCTransformerClassifier(**FAST, random_state=8).fit(X, y).predict_proba(X_test)
    assert not np.array_equal(runs[0], other)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.get_num_threads() == threads
    assert torch.get_default_dtype() == torch.float32


@pytest.mark.parametrize("labels", ["strings", "ints", "floats", "bools"])
def test_any_label_type(small_motions, labels):
    X, y, X_test, _ = small_motions
    codes = {c: i for i, c in enumerate(sorted(set(y)))}
    y_cast = {
        "strings": y.astype(str),
        "ints": np.array([codes[c] * 10 - 5 for c in y]),
        "floats": np.array([codes[c] + 1.0 for c in y]),
        "bools": np.array([codes[c] % 2 == 0 for c in y]),
    }[labels]
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y_cast)
    predictions = clf.predict(X_test)
    assert predictions.dtype == np.asarray(y_cast).dtype
    assert set(predictions) <= set(y_cast)


def test_get_set_params_and_clone():
    clf = EADCTransformerClassifier(d_model=32, n_heads=4)
    assert clf.get_params()["d_model"] == 32
    clf.set_params(n_heads=2, dropout=0.2)
    assert clf.n_heads == 2 and clf.dropout == 0.2
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf


def test_pickle_round_trip_gives_identical_predictions(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))
    assert restored.device_ == "cpu"


def test_pickle_from_a_gpu_unpickles_on_cpu(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    expected = clf.predict_proba(X_test)
    state = clf.__getstate__()
    state["device_"] = "cuda:0"  # as written on a GPU machine: the state dict is on CPU already
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = EADCTransformerClassifier.__new__(EADCTransformerClassifier)
    restored.__setstate__(state)
    assert restored.device_ == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X_test), expected)


def test_predict_does_not_change_state(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    from joblib import hash as joblib_hash

    def snapshot():
        attrs = {k: joblib_hash(v) for k, v in vars(clf).items() if k != "module_"}
        weights = {k: v.clone() for k, v in clf.module_.state_dict().items()}
        return attrs, weights, [m.training for m in clf.module_.modules()]

    attrs, weights, modes = snapshot()
    clf.predict(X_test)
    clf.predict_proba(X_test)
    clf.transform(X_test)
    attrs2, weights2, modes2 = snapshot()
    assert attrs2 == attrs and modes2 == modes
    assert all(torch.equal(weights[k], weights2[k]) for k in weights)


def test_in_pipeline_cross_val_and_grid_search(small_motions):
    X, y, _, _ = small_motions
    pipe = Pipeline([
        ("scale", FunctionTransformer(lambda a: a * 2.0)),
        ("clf", EADCTransformerClassifier(**FAST, random_state=0)),
    ])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(y),)
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    scores = cross_val_score(EADCTransformerClassifier(**FAST, random_state=0), X, y, cv=cv)
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))
    search = GridSearchCV(
        EADCTransformerClassifier(**FAST, random_state=0), {"d_model": [8, 16]}, cv=cv
    ).fit(X, y)
    assert search.best_params_["d_model"] in (8, 16)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_unequal_length_list_input(japanese_vowels):
    X_train, y_train, X_test, _ = japanese_vowels
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X_train[:60], y_train[:60])
    assert clf.predict(X_test[:10]).shape == (10,)
    assert clf.n_timepoints_ == max(x.shape[1] for x in X_train[:60])


def test_transform_gives_one_embedding_per_case(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    emb = clf.transform(X_test)
    assert emb.shape == (len(X_test), FAST["d_model"])
    # with stem pooling the output layer also reads the stem's mean features, and so does transform
    pooled = EADCTransformerClassifier(**FAST, stem_pooling=True, random_state=0).fit(X, y)
    emb = pooled.transform(X_test)
    assert emb.shape == (len(X_test), 2 * FAST["d_model"])
    logits = pooled.module_.classifier(torch.as_tensor(emb, dtype=torch.float32)).softmax(-1)
    np.testing.assert_allclose(logits.detach().numpy(), pooled.predict_proba(X_test), atol=1e-5)


def test_stem_head_fits_and_predicts_the_mean_of_its_two_output_layers(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, stem_head=True, random_state=0).fit(X, y)
    emb = torch.as_tensor(clf.transform(X_test), dtype=torch.float32)  # pooled tokens, then the stem's mean
    d = FAST["d_model"]
    logits = (clf.module_.classifier(emb[:, :d]) + clf.module_.stem_classifier(emb[:, d:])) / 2
    np.testing.assert_allclose(logits.softmax(-1).detach().numpy(), clf.predict_proba(X_test), atol=1e-5)
    assert np.isfinite(clf.history_[-1]["train_loss"])


def test_attention_maps_per_layer(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    maps = clf.attention_maps(X_test[:2])
    assert len(maps) == FAST["n_blocks"]
    assert maps[0].shape == (2, FAST["n_heads"], 48, 48)
    np.testing.assert_allclose(maps[-1].sum(-1), 1.0, rtol=1e-5)
    logits = clf.attention_maps(X_test[:2], kind="logits")
    assert not np.allclose(logits[1], maps[1])


@pytest.mark.parametrize("head", ["max", "attention", "flatten"])
def test_other_heads_train(small_motions, head):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, head=head, random_state=0).fit(X, y)
    assert clf.predict(X_test).shape == (len(X_test),)


@pytest.mark.parametrize("embedding, patch", [("linear", 5), ("strided", 6)])
def test_auto_patch_keeps_at_most_128_tokens_in_stages_of_two_and_three_when_strided(embedding, patch):
    # 600 steps need patches of 5 for 128 tokens; strided stages round 5 up to 2 * 3
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2, 600)), np.repeat(["a", "b"], 4)
    clf = EADCTransformerClassifier(**FAST, patch_embedding=embedding, random_state=0).fit(X, y)
    assert clf.patch_size_ == patch
    assert clf.predict_proba(X).shape == (8, 2)
