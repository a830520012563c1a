"""Exponential moving average of the weights (``ema_decay``)."""

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier
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


def test_batched_members_average_like_separate_fits(small_motions):
    X, y, X_test, _ = small_motions
    params = dict(FAST, dropout=0.0, n_estimators=2, random_state=0, ema_decay=0.9)
    batched, separate = (EADCEnsembleClassifier(member_training=way, **params).fit(X, y)
                         for way in ("batched", "sequential"))
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)
