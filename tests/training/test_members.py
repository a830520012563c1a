"""Members of an ensemble trained together (MemberTrainer) against one by one."""

import numpy as np
import pytest
import torch
from torch import nn

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCEnsembleRegressor, EADCHybridClassifier
from tsevo.datasets import load_tser
from tsevo.nn import EADCTransformer
from tsevo.training.loop import TrainConfig
from tsevo.training.members import MemberTrainer, StackedModules

# no dropout (the one thing batched members draw differently from separate fits) and layer norm
# (batch norm makes them close, not equal: test_batched_members_match_separate_fits_with_batch_norm)
EXACT = dict(FAST, dropout=0.0, norm="layer")


def _both(estimator_type, X, y, **params):
    return [estimator_type(member_training=way, **params).fit(X, y) for way in ("batched", "sequential")]


def test_batched_members_equal_separate_fits_with_staggered_early_stopping(small_motions):
    X, y, X_test, _ = small_motions
    params = dict(EXACT, max_epochs=12, n_estimators=4, early_stopping=True, n_iter_no_change=3, lr=1e-2,
                  augmentation="full", random_state=1)
    batched, separate = _both(EADCEnsembleClassifier, X, y, **params)
    stops = [(m.n_iter_, m.best_epoch_) for m in separate.estimators_]
    assert len({n for n, _ in stops}) > 1  # members stopped at different epochs
    assert [(m.n_iter_, m.best_epoch_) for m in batched.estimators_] == stops
    for a, b in zip(batched.estimators_, separate.estimators_, strict=True):
        assert a.random_state == b.random_state
        np.testing.assert_allclose([h["valid_loss"] for h in a.history_], [h["valid_loss"] for h in b.history_],
                                   rtol=1e-4)
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)


def test_batched_members_of_zero_epochs_keep_their_initial_weights(small_motions):
    # with a validation set but no epoch run there is no best epoch to restore
    X, y, X_test, _ = small_motions
    params = dict(EXACT, max_epochs=0, n_estimators=2, early_stopping=True, validation_fraction=0.25, random_state=0)
    batched, separate = _both(EADCEnsembleClassifier, X, y, **params)
    assert [(m.n_iter_, m.best_epoch_) for m in batched.estimators_] == [(0, 0), (0, 0)]
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)


def test_batched_members_equal_separate_fits_on_unequal_lengths(japanese_vowels):
    X, y, X_test, _ = japanese_vowels
    batched, separate = _both(EADCEnsembleClassifier, X[:90], y[:90], **EXACT, n_estimators=2, random_state=0)
    np.testing.assert_allclose(batched.predict_proba(X_test[:40]), separate.predict_proba(X_test[:40]), atol=1e-5)


def test_batched_members_match_separate_fits_with_batch_norm(small_motions):
    # batch norm's running statistics are buffers updated in place: under vmap they must reach each member.
    # Only close, not equal: biases that feed a batch norm get gradients of float noise (the norm removes
    # them), which Adam scales to full steps, so the two ways drift apart by about one learning rate
    X, y, X_test, _ = small_motions
    batched, separate = _both(EADCEnsembleClassifier, X, y, **dict(EXACT, norm="batch"), n_estimators=2, random_state=0)
    for a, b in zip(batched.estimators_, separate.estimators_, strict=True):
        running = a.module_.norm.running_var
        assert not torch.allclose(running, torch.ones_like(running))
        torch.testing.assert_close(running, b.module_.norm.running_var, rtol=0.05, atol=0.01)
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=0.01)


def test_batched_regression_members_equal_separate_fits():
    X, y, X_test, _ = load_tser("Covid3Month")
    batched, separate = _both(EADCEnsembleRegressor, X[:64], y[:64], **EXACT, n_estimators=3, random_state=0)
    np.testing.assert_allclose(batched.predict(X_test), separate.predict(X_test), rtol=1e-4, atol=1e-6)


def test_batched_training_is_reproducible_with_dropout(small_motions):
    X, y, X_test, _ = small_motions
    ensemble = EADCEnsembleClassifier(**FAST, dropout=0.1, n_estimators=2, member_training="batched", random_state=3)
    runs = [ensemble.fit(X, y).predict_proba(X_test) for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_hybrid_groups_folds_of_equal_size(small_motions):
    X, y, X_test, _ = small_motions  # 20 cases in 5 folds of 4: every member trains on 16
    batched, separate = _both(EADCHybridClassifier, X, y, **EXACT, n_estimators=3, peers="", random_state=0)
    assert batched.train_accuracy_ == pytest.approx(separate.train_accuracy_)
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)


def test_a_diverging_member_in_the_first_epoch_fails_the_fit_and_commits_nothing(basic_motions):
    X, y, _, _ = basic_motions
    ensemble = EADCEnsembleClassifier(n_estimators=2, lr=1e4, grad_clip=None, max_epochs=3, member_training="batched",
                                      random_state=0)
    with pytest.raises(ValueError, match="diverged in epoch 1.*lr=10000"):
        ensemble.fit(X, y)
    assert not hasattr(ensemble, "estimators_")


def test_ctrl_c_keeps_every_members_best_weights(small_motions):
    X, y, X_test, _ = small_motions
    seen = []

    def stop_in_epoch_two(record):
        seen.append(record["epoch"])
        if record["epoch"] == 2:
            raise KeyboardInterrupt

    ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 6}, n_estimators=3, callbacks=[stop_in_epoch_two],
                                      member_training="batched", random_state=0)
    with pytest.warns(RuntimeWarning, match="interrupted after 2 epoch"):
        ensemble.fit(X, y)
    assert ensemble.interrupted_ and len(ensemble.estimators_) == 3
    assert all(m.interrupted_ and m.n_iter_ <= 2 for m in ensemble.estimators_)
    assert np.isfinite(ensemble.predict_proba(X_test)).all()


def test_checkpointed_members_train_one_by_one(small_motions, monkeypatch):
    X, y, _, _ = small_motions
    monkeypatch.setattr(MemberTrainer, "fit", lambda *a, **k: pytest.fail("batched despite checkpoint=True"))
    EADCEnsembleClassifier(**FAST, n_estimators=2, checkpoint=True, member_training="batched", random_state=0).fit(X, y)


def test_auto_trains_members_together_on_a_gpu_only(monkeypatch):
    from tsevo.estimators._ensemble import trains_together

    ensemble = EADCEnsembleClassifier(device="cpu")
    assert not trains_together(ensemble, 5)
    assert trains_together(ensemble.set_params(member_training="batched"), 5)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert trains_together(EADCEnsembleClassifier(device="auto"), 5)
    assert not trains_together(EADCEnsembleClassifier(device="cuda"), 1)


def test_stacked_gradient_clipping_is_per_member():
    torch.manual_seed(0)
    modules = [nn.Linear(4, 3) for _ in range(3)]
    stack = StackedModules(modules, nn.Linear(4, 3))
    scales = torch.tensor([0.01, 1.0, 100.0])
    for p in stack.params.values():
        p.grad = torch.ones_like(p) * scales.view(-1, *[1] * (p.ndim - 1))
    stack.clip_grad_norm_(1.0)
    for index, module in enumerate(modules):
        for p in module.parameters():
            p.grad = torch.ones_like(p) * scales[index]
        nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        for name, p in module.named_parameters():
            torch.testing.assert_close(stack.params[name].grad[index], p.grad)


def test_member_trainer_refuses_members_whose_steps_differ():
    common = dict(batch_size=8, weight_decay=0.0, optimizer="adamw", grad_clip=1.0, early_stopping=False,
                  n_iter_no_change=5, tol=0.0, mixed_precision=False, ema_decay=0.0,
                  compile=False)
    with pytest.raises(ValueError, match="one max_epochs"):
        MemberTrainer([TrainConfig(max_epochs=3, lr=1e-3, **common), TrainConfig(max_epochs=4, lr=1e-3, **common)])
    model = EADCTransformer(n_channels=2, n_classes=2, d_model=16, n_heads=2)
    config = TrainConfig(max_epochs=1, lr=1e-3, **common)
    from tsevo.training import SeriesTensors

    def data(n):
        return SeriesTensors(torch.randn(n, 2, 10), torch.ones(n, 10, dtype=torch.bool), torch.randint(0, 2, (n,)))

    with pytest.raises(ValueError, match="equal sizes"):
        MemberTrainer([config, config]).fit([model, model], model, [data(8), data(9)], [None, None])


def test_a_later_divergence_of_one_member_keeps_its_best_epoch_while_the_others_train_on(small_motions, monkeypatch):
    from tsevo.training.loop import Trainer

    X, y, X_test, _ = small_motions  # 20 cases at batch 8: three steps an epoch, no validation
    original, calls = Trainer.loss, {}

    def first_member_diverges_in_epoch_three(self, logits, labels):
        loss = original(self, logits, labels)
        first = calls.setdefault("trainer", self)  # members' losses are computed in order
        if self is first:
            calls["n"] = calls.get("n", 0) + 1
            if calls["n"] > 6:
                return loss * float("nan")
        return loss

    monkeypatch.setattr(Trainer, "loss", first_member_diverges_in_epoch_three)
    ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 5}, n_estimators=3, member_training="batched",
                                      random_state=0)
    with pytest.warns(RuntimeWarning, match=r"diverged in epoch 3.*weights of epoch [12]"):
        ensemble.fit(X, y)
    first, *others = ensemble.estimators_
    assert first.n_iter_ == 2 and first.best_epoch_ in (1, 2)
    assert all(m.n_iter_ == 5 for m in others)
    assert all(p.isfinite().all() for m in ensemble.estimators_ for p in m.module_.parameters())
    assert np.isfinite(ensemble.predict_proba(X_test)).all()


def test_members_trained_together_may_differ_in_mixing(small_motions):
    X, y, X_test, _ = small_motions
    batched, separate = _both(EADCEnsembleClassifier, X, y, **EXACT, n_estimators=2, member_mixing="alternate",
                              random_state=0)
    assert [m.mixing for m in batched.estimators_] == ["cutmix", "none"]
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)


def test_members_trained_together_may_differ_in_stem(small_motions):
    # one stack per stem: the conv members train together, the residual one by itself
    X, y, X_test, _ = small_motions
    batched, separate = _both(EADCEnsembleClassifier, X, y, **EXACT, n_estimators=3, member_stem="alternate",
                              member_mixing="same", random_state=0)
    assert [m.stem for m in batched.estimators_] == ["conv", "residual", "conv"]
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)
