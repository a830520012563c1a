"""Exponential moving average of the weights (``ema_decay``)."""

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier
from tsevo.nn import EADCTransformer
from tsevo.training import SeriesTensors, TrainConfig, Trainer
from tsevo.training.averaging import WeightAverage


def test_average_follows_the_warmed_up_decay_and_swaps_back():
    param = torch.nn.Parameter(torch.zeros(3))
    average = WeightAverage([param], decay=0.9)
    expected = torch.zeros(3)
    for step in range(1, 40):
        with torch.no_grad():
            param.fill_(float(step))
        average.update()
        decay = min(0.9, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * step
    torch.testing.assert_close(average.averages[0], expected)
    with average.swapped():
        torch.testing.assert_close(param.detach(), expected)
    assert torch.equal(param.detach(), torch.full((3,), 39.0))
    average.apply()
    torch.testing.assert_close(param.detach(), expected)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_fitted_model_holds_the_averaged_weights(small_motions, early_stopping):
    X, y, X_test, _ = small_motions
    params = dict(FAST, max_epochs=4, random_state=0, early_stopping=early_stopping)
    plain = EADCTransformerClassifier(**params).fit(X, y)
    averaged = EADCTransformerClassifier(ema_decay=0.9, **params).fit(X, y)
    # same steps, same draws: only the weights kept differ
    assert [h["train_loss"] for h in plain.history_] == pytest.approx([h["train_loss"] for h in averaged.history_])
    assert not np.allclose(plain.predict_proba(X_test), averaged.predict_proba(X_test))
    first = dict(averaged.module_.named_parameters())["classifier.weight"]
    assert torch.isfinite(first).all()


def test_without_validation_the_trainer_leaves_the_averages_in_the_model():
    torch.manual_seed(0)
    model = EADCTransformer(n_channels=2, n_classes=2, d_model=16, n_heads=2, n_blocks=2, d_ff=32)
    config = TrainConfig(max_epochs=3, batch_size=4, lr=1e-2, weight_decay=0.0, optimizer="adamw", grad_clip=1.0,
                         early_stopping=False, n_iter_no_change=5, tol=0.0, mixed_precision=False, ema_decay=0.9,
                         compile=False)
    train = SeriesTensors(torch.randn(12, 2, 10), torch.ones(12, 10, dtype=torch.bool), torch.randint(0, 2, (12,)))
    trainer = Trainer(config)
    trainer.fit(model, train)
    for param, average in zip(model.parameters(), trainer.average.averages, strict=True):
        torch.testing.assert_close(param.detach(), average)


def test_batched_members_average_like_separate_fits(small_motions):
    X, y, X_test, _ = small_motions
    params = dict(FAST, dropout=0.0, norm="layer", n_estimators=2, random_state=0, ema_decay=0.9)
    batched, separate = (EADCEnsembleClassifier(member_training=way, **params).fit(X, y)
                         for way in ("batched", "sequential"))
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)
