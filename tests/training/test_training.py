"""Training a user can trust: early stopping, history, progress, interruption, warm start."""

import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier


def test_early_stopping_stops_well_before_a_generous_limit(basic_motions):
    # with a patience of 10 epochs a small network must stop long before the 1,000 allowed
    # (about 230 epochs here), keep its best epoch, and still predict well
    X_train, y_train, X_test, y_test = basic_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 1000}, early_stopping=True, n_iter_no_change=10,
                                    validation_fraction=0.25, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ < 500
    assert clf.best_epoch_ <= clf.n_iter_
    assert clf.score(X_test, y_test) >= 0.80


def test_history_records_every_epoch(small_motions):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 4}, early_stopping=True,
                                    validation_fraction=0.25, random_state=0).fit(X, y)
    history = pd.DataFrame(clf.history_)
    assert list(history["epoch"]) == [1, 2, 3, 4]
    assert {"train_loss", "valid_loss", "valid_accuracy", "lr", "seconds"} <= set(history)
    assert history["valid_accuracy"].between(0, 1).all()
    assert (history["seconds"] > 0).all() and (history["lr"] > 0).all()


def test_history_without_validation_has_no_validation_columns(small_motions):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    assert "valid_loss" not in clf.history_[0]


def test_best_weights_are_restored(small_motions):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 12}, early_stopping=True, n_iter_no_change=50,
                                    validation_fraction=0.25, random_state=0).fit(X, y)
    losses = [r["valid_loss"] for r in clf.history_]
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1


def test_without_patience_every_epoch_runs_and_the_best_is_kept(small_motions):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 10}, early_stopping=True, n_iter_no_change=None,
                                    tol=10.0, validation_fraction=0.25, random_state=0).fit(X, y)
    losses = [r["valid_loss"] for r in clf.history_]
    assert clf.n_iter_ == 10  # no fall ever exceeds tol=10, yet training runs on
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1


def test_validation_split_is_stratified(small_motions):
    _, y, _, _ = small_motions
    clf = EADCTransformerClassifier(early_stopping=True, validation_fraction=0.2)
    _, encoded = np.unique(y, return_inverse=True)
    train_idx, valid_idx = clf._split_indices(encoded, seed=0)
    assert (np.bincount(encoded[valid_idx], minlength=4) == 1).all()  # 20 cases, 4 classes, 20%
    assert sorted([*train_idx, *valid_idx]) == list(range(len(y)))


def test_verbose_zero_prints_nothing_and_verbose_one_shows_a_bar(small_motions, capsys):
    X, y, _, _ = small_motions
    EADCTransformerClassifier(**FAST, verbose=0, random_state=0).fit(X, y).predict(X)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    EADCTransformerClassifier(**FAST, verbose=1, early_stopping=True, validation_fraction=0.25,
                              random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "epochs" in err and "valid_accuracy" in err and f"{FAST['max_epochs']}/{FAST['max_epochs']}" in err


def interrupt_at(epoch):
    def callback(record):
        if record["epoch"] == epoch:
            raise KeyboardInterrupt

    return callback


def test_ctrl_c_keeps_the_best_model_so_far(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 50}, early_stopping=True, validation_fraction=0.25,
                                    callbacks=[interrupt_at(3)], random_state=0)
    with pytest.warns(RuntimeWarning, match="training interrupted after 3 epoch"):
        clf.fit(X, y)
    assert clf.interrupted_ and clf.n_iter_ == 3
    assert clf.best_epoch_ == int(np.argmin([r["valid_loss"] for r in clf.history_])) + 1
    assert clf.predict(X_test).shape == (len(X_test),)
    assert not clf.module_.training


def test_ctrl_c_inside_a_training_step(small_motions, monkeypatch):
    from tsevo.training.loop import Trainer

    X, y, X_test, _ = small_motions
    calls = {"n": 0}
    original = Trainer.train_epoch

    def flaky(self, *args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(Trainer, "train_epoch", flaky)
    with pytest.warns(RuntimeWarning, match="interrupted after 1 epoch"):
        clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    assert clf.n_iter_ == 1 and clf.interrupted_
    assert np.isfinite(clf.predict_proba(X_test)).all()


def test_refit_starts_from_scratch_with_new_classes(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    y_new = np.where(y == y[0], "first", "other")
    clf.fit(X[:, :3], y_new)
    assert list(clf.classes_) == ["first", "other"]
    assert clf.n_channels_ == 3
    assert set(clf.predict(X_test[:, :3])) <= {"first", "other"}
    fresh = EADCTransformerClassifier(**FAST, random_state=0).fit(X[:, :3], y_new)
    np.testing.assert_array_equal(clf.predict_proba(X_test[:, :3]), fresh.predict_proba(X_test[:, :3]))


def test_warm_start_continues_the_same_model(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, warm_start=True, random_state=0).fit(X, y)
    first = clf.predict_proba(X_test)
    clf.set_params(max_epochs=0).fit(X, y)  # continuing for no epochs changes nothing
    np.testing.assert_array_equal(clf.predict_proba(X_test), first)
    clf.set_params(max_epochs=2).fit(X, y)
    assert not np.array_equal(clf.predict_proba(X_test), first)
    with pytest.raises(ValueError, match="same channels"):
        clf.fit(X[:, :2], y)


@pytest.mark.parametrize("class_weight", ["balanced", {"standing": 5.0}])
def test_class_weight(small_motions, class_weight):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, class_weight=class_weight, random_state=0).fit(X[:14], y[:14])
    assert clf.predict(X_test).shape == (len(X_test),)


@pytest.mark.parametrize("optimizer", ["adamw", "radam", "adam"])
def test_optimizers(small_motions, optimizer):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, optimizer=optimizer, label_smoothing=0.1, random_state=0).fit(X, y)
    assert np.isfinite(clf.history_[-1]["train_loss"])


def test_device_auto_is_cpu_here(small_motions):
    import torch

    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, device="auto", random_state=0).fit(X, y)
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("early_stopping", [False, True])
def test_zero_epochs_gives_an_untrained_but_usable_model(small_motions, early_stopping):
    X, y, X_test, _ = small_motions  # with a validation set there is no best epoch to restore either
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 0}, early_stopping=early_stopping,
                                    validation_fraction=0.25, random_state=0).fit(X, y)
    assert clf.n_iter_ == 0 and clf.best_epoch_ == 0 and clf.predict(X_test).shape == (len(X_test),)


@pytest.mark.parametrize("n_cases, epochs", [
    (12, 1000), (40, 334), (500, 100), (1000, 50), (7500, 7), (10_000, 5), (10**6, 5),
])
def test_auto_epochs_take_at_least_min_steps_and_shrink_for_large_problems(n_cases, epochs):
    def auto_epochs(clf):
        return clf._schedule(n_cases, 128, torch.device("cpu")).epochs

    assert auto_epochs(EADCTransformerClassifier()) == epochs
    assert auto_epochs(EADCTransformerClassifier(min_steps=0)) == min(100, max(5, -(-50_000 // n_cases)))
    assert auto_epochs(EADCTransformerClassifier(max_epochs=3)) == 3
