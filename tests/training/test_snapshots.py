"""Snapshot ensembles: a cyclic schedule, the weights each cycle leaves, and the
ensemble made of them (``member_training="snapshot"``)."""

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCEnsembleRegressor, EADCHybridClassifier, load_tser
from tsevo.estimators._ensemble import SNAPSHOT_BUDGET
from tsevo.training.loop import cycle_ends, cyclic_warmup_cosine, warmup_cosine


@pytest.mark.parametrize(("epochs", "cycles", "ends"), [(12, 3, [4, 8, 12]), (10, 3, [3, 7, 10]),
                                                         (2, 5, [1, 2]), (7, 1, [7]), (0, 1, [0])])
def test_cycles_end_on_epochs_and_never_twice_on_one(epochs, cycles, ends):
    assert cycle_ends(epochs, cycles) == ends


def test_one_cycle_is_the_plain_schedule_and_each_cycle_warms_up_and_decays_again():
    plain, one = warmup_cosine(100, 0.1), cyclic_warmup_cosine([100], 0.1)
    assert [one(s) for s in range(100)] == [plain(s) for s in range(100)]
    three = cyclic_warmup_cosine([40, 40, 20], 0.1)
    factors = np.array([three(s) for s in range(100)])
    for start, length in [(0, 40), (40, 40), (80, 20)]:
        cycle = factors[start:start + length]
        np.testing.assert_allclose(cycle, [warmup_cosine(length, 0.1)(s) for s in range(length)])
        assert cycle.max() == 1.0 and cycle[-1] < 0.02  # up to the peak, down to near zero
    assert factors[40] < factors[39 + 4]  # a restart warms up, rather than jumping to the peak


def test_snapshot_ensemble_takes_one_run_of_twice_the_epochs_and_keeps_each_cycles_end(small_motions):
    X, y, X_test, _ = small_motions
    ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 4}, n_estimators=3, member_training="snapshot",
                                      random_state=0).fit(X, y)
    members = ensemble.estimators_
    assert len(members) == 3 and not ensemble.interrupted_
    history = members[0].history_
    assert len(history) == 4 * SNAPSHOT_BUDGET and all(m.history_ == history for m in members)
    assert [m.best_epoch_ for m in members] == cycle_ends(8, 3) == [3, 5, 8]
    # the learning rate restarts at each cycle's start
    rates = [record["lr"] for record in history]
    assert rates[3] > rates[2] and rates[5] > rates[4]
    weights = [torch.cat([p.flatten() for p in m.module_.parameters()]) for m in members]
    assert not torch.equal(weights[0], weights[1]) and not torch.equal(weights[1], weights[2])
    probabilities = [m.predict_proba(X_test) for m in members]
    np.testing.assert_allclose(ensemble.predict_proba(X_test), np.mean(probabilities, axis=0), rtol=1e-12)
    again = EADCEnsembleClassifier(**{**FAST, "max_epochs": 4}, n_estimators=3, member_training="snapshot",
                                   random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_test), ensemble.predict_proba(X_test))


def test_with_validation_each_snapshot_is_its_cycles_best():
    X, y, _, _ = load_tser("Covid3Month")  # regression holds out validation cases by default
    ensemble = EADCEnsembleRegressor(**{**FAST, "max_epochs": 6}, n_estimators=3, member_training="snapshot",
                                     n_iter_no_change=1, random_state=0).fit(X, y)
    losses = [record["valid_loss"] for record in ensemble.estimators_[0].history_]
    assert len(losses) == 12  # patience never stops a snapshot run: each restart raises the loss on purpose
    for member, (start, end) in zip(ensemble.estimators_, [(0, 4), (4, 8), (8, 12)], strict=True):
        assert member.best_epoch_ == start + int(np.argmin(losses[start:end])) + 1


def test_ctrl_c_keeps_the_snapshots_taken_and_the_unfinished_cycles_best(small_motions):
    X, y, X_test, _ = small_motions

    def interrupt_in_epoch_five(record):
        if record["epoch"] == 5:
            raise KeyboardInterrupt

    ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 6}, n_estimators=3, member_training="snapshot",
                                      callbacks=[interrupt_in_epoch_five], random_state=0)
    with pytest.warns(RuntimeWarning, match=r"interrupted after 5 epoch\(s\); keeping the 2 snapshot"):
        ensemble.fit(X, y)
    assert ensemble.interrupted_ and [m.best_epoch_ for m in ensemble.estimators_] == [4, 5]
    assert ensemble.predict_proba(X_test).shape == (len(X_test), 4)


def test_the_hybrid_refuses_snapshots(small_motions):
    X, y, _, _ = small_motions
    with pytest.raises(ValueError, match="member_training"):
        EADCHybridClassifier(**FAST, member_training="snapshot", peers="").fit(X, y)


def test_a_divergence_keeps_the_finite_snapshots_taken_before_it(small_motions, monkeypatch):
    from tests.estimators.test_reliability import _poison_weights_in_epoch

    X, y, X_test, _ = small_motions
    _poison_weights_in_epoch(6, monkeypatch)  # cycles end after epochs 3, 5 and 8
    ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 4}, n_estimators=3, member_training="snapshot",
                                      random_state=0)
    with pytest.warns(RuntimeWarning, match="diverged in epoch 6"):
        ensemble.fit(X, y)
    assert [m.best_epoch_ for m in ensemble.estimators_] == [3, 5]
    assert all(p.isfinite().all() for m in ensemble.estimators_ for p in m.module_.parameters())
    assert np.isfinite(ensemble.predict_proba(X_test)).all()
