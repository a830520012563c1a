"""No silent failure: divergence, transactional fit, prediction without copies,
bounded attention maps, devices and seeds."""

import copy

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier
from tsevo.estimators._base import SeedStreams
from tsevo.nn import EADCTransformer


def test_a_diverging_first_epoch_raises_naming_the_learning_rate(basic_motions):
    X, y, _, _ = basic_motions
    clf = EADCTransformerClassifier(lr=1e4, grad_clip=None, max_epochs=3, random_state=0)
    with pytest.raises(ValueError, match=r"diverged in epoch 1.*lr=10000"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)  # nothing half-fitted is left behind


def _poison_weights_in_epoch(epoch: int, monkeypatch):
    """Make the loss NaN from the given epoch on, as a diverging optimiser would."""
    from tsevo.training.loop import Trainer

    original = Trainer.train_epoch
    calls = {"n": 0}

    def poisoned(self, model, *args):
        calls["n"] += 1
        if calls["n"] == epoch:
            with torch.no_grad():
                next(model.parameters()).fill_(float("nan"))
        return original(self, model, *args)

    monkeypatch.setattr(Trainer, "train_epoch", poisoned)


def test_a_later_divergence_keeps_the_best_finite_epoch_and_warns(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions
    _poison_weights_in_epoch(3, monkeypatch)
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 5}, random_state=0)
    with pytest.warns(RuntimeWarning, match=r"diverged in epoch 3.*weights of epoch [12].*lower learning rate"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and clf.best_epoch_ in (1, 2)
    assert all(p.isfinite().all() for p in clf.module_.parameters())
    proba = clf.predict_proba(X_test)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0)


def test_a_failed_refit_leaves_the_previous_fit_intact(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    before = copy.deepcopy(clf.__dict__)
    proba = clf.predict_proba(X_test)
    _poison_weights_in_epoch(1, monkeypatch)
    y_new = np.where(y == y[0], "a", "b")
    with pytest.raises(ValueError, match="diverged"):
        clf.fit(X[:, :3], y_new)
    assert list(clf.classes_) == list(before["classes_"]) and clf.n_channels_ == 6
    assert clf.history_ == before["history_"]
    np.testing.assert_array_equal(clf.predict_proba(X_test), proba)


def test_ctrl_c_before_the_first_epoch_ends_changes_nothing(small_motions, monkeypatch):
    from tsevo.training.loop import Trainer

    X, y, _, _ = small_motions

    def interrupted(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_epoch", interrupted)
    clf = EADCTransformerClassifier(**FAST, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_an_out_of_memory_stop_is_a_clear_memory_error(small_motions, monkeypatch):
    from tsevo.training.loop import Trainer

    X, y, _, _ = small_motions

    def out_of_memory(self, *args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")

    monkeypatch.setattr(Trainer, "train_epoch", out_of_memory)
    clf = EADCTransformerClassifier(**FAST, random_state=0)
    with pytest.raises(MemoryError, match="batch_size=8"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_prediction_copies_no_network(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    copies = []
    original = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda obj, *a: copies.append(obj) or original(obj, *a))
    clf.predict_proba(X_test)
    clf.predict(X_test)
    clf.transform(X_test)
    assert copies == []


def test_predictions_do_not_depend_on_batch_neighbours(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    together = clf.predict_proba(X_test)
    alone = np.vstack([clf.predict_proba(X_test[i : i + 1]) for i in range(len(X_test))])
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-15)


def test_attention_maps_are_batched_selected_and_float32(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    full = clf.attention_maps(X_test, dtype="float64", batch_size=len(X_test))
    batched = clf.attention_maps(X_test, dtype="float64", batch_size=5)
    for a, b in zip(full, batched, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    last = clf.attention_maps(X_test, kind="logits", layers=[1], batch_size=3)
    assert len(last) == 1 and last[0].dtype == np.float32
    np.testing.assert_allclose(last[0], clf.attention_maps(X_test, kind="logits", dtype="float64")[1], atol=1e-4)
    for bad in ([2], [], [-1]):
        with pytest.raises(ValueError, match="layers"):
            clf.attention_maps(X_test, layers=bad)
    with pytest.raises(ValueError, match="dtype"):
        clf.attention_maps(X_test, dtype="float16")


def test_attention_maps_of_unequal_lengths_zero_the_padding(japanese_vowels):
    X, y, X_test, _ = japanese_vowels
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X[:60], y[:60])
    cases = X_test[:7]
    maps = clf.attention_maps(cases, batch_size=2)[0]
    longest = max(c.shape[1] for c in cases)
    assert maps.shape == (7, FAST["n_heads"], longest, longest)
    for i, case in enumerate(cases):
        t = case.shape[1]
        np.testing.assert_allclose(maps[i, :, :t, :t].sum(-1), 1.0, atol=1e-5)
        assert not maps[i, :, t:, :].any() and not maps[i, :, :, t:].any()


def test_a_cpu_fit_never_touches_cuda(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions

    def forbidden(*args, **kwargs):
        raise AssertionError("CUDA was touched by a device='cpu' fit")

    for name in ("is_available", "device_count", "manual_seed", "manual_seed_all", "_lazy_init", "get_rng_state"):
        monkeypatch.setattr(torch.cuda, name, forbidden)
    clf = EADCTransformerClassifier(**FAST, device="cpu", random_state=0).fit(X, y)
    clf.predict_proba(X_test)


def test_initialisation_dropout_and_shuffling_have_their_own_streams(small_motions):
    X, y, _, _ = small_motions
    streams = SeedStreams.from_random_state(0)
    assert len({streams.init, streams.dropout, streams.shuffle, streams.split, streams.augment}) == 5
    assert streams == SeedStreams.from_random_state(0)
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 0}, random_state=0).fit(X, y)
    generator_state = torch.get_rng_state()
    torch.manual_seed(streams.init)
    expected = EADCTransformer(**clf.module_kwargs_)
    torch.set_rng_state(generator_state)
    for got, want in zip(clf.module_.state_dict().values(), expected.state_dict().values(), strict=True):
        torch.testing.assert_close(got, want)


def test_determinism_tag_follows_the_device(monkeypatch):
    assert not EADCTransformerClassifier(device="cpu").__sklearn_tags__().non_deterministic
    assert EADCTransformerClassifier(device="cuda").__sklearn_tags__().non_deterministic
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert EADCTransformerClassifier(device="auto").__sklearn_tags__().non_deterministic
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not EADCTransformerClassifier(device="auto").__sklearn_tags__().non_deterministic


def test_same_seed_same_predictions_and_other_seed_other_predictions(small_motions):
    X, y, X_test, _ = small_motions
    a = EADCTransformerClassifier(**FAST, random_state=3).fit(X, y).predict_proba(X_test)
    b = EADCTransformerClassifier(**FAST, random_state=3).fit(X, y).predict_proba(X_test)
    c = EADCTransformerClassifier(**FAST, random_state=4).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
