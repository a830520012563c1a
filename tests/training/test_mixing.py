"""Mixing training cases and their labels (mixup, CutMix)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier, EADCTransformerRegressor
from tsevo.training.mixing import MIXED_SHARE, MixedLabels, _beta, mix_batch, mixed_cross_entropy


def _batch(batch: int = 64, channels: int = 3, length: int = 40, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(length // 2, length + 1, (batch,), generator=generator)
    valid = torch.arange(length)[None, :] < lengths[:, None]  # unequal lengths, padded at the end
    values = torch.randn(batch, channels, length, generator=generator) * valid[:, None, :]
    labels = torch.randint(0, 5, (batch,), generator=generator)
    return values, valid, labels


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_about_half_the_cases_are_mixed_and_the_rest_stay_real(kind):
    values, valid, labels = _batch(batch=400)
    out, mixed = mix_batch(values, valid, labels, kind, torch.Generator().manual_seed(1))
    real = mixed.share == 1
    torch.testing.assert_close(out[real], values[real])
    assert torch.equal(mixed.first, labels)
    assert abs((~real).float().mean().item() - MIXED_SHARE) < 0.1
    assert not torch.equal(mixed.second, labels)  # partners come from elsewhere in the batch
    assert sorted(mixed.second.tolist()) == sorted(labels.tolist())  # a permutation's labels


def test_mixup_blends_each_case_with_its_partner_in_its_label_share():
    values, valid, labels = _batch()
    generator = torch.Generator().manual_seed(2)
    out, mixed = mix_batch(values, valid, labels, "mixup", generator)
    partner = torch.randperm(len(labels), generator=torch.Generator().manual_seed(2))  # the same first draw
    assert torch.equal(mixed.second, labels[partner])
    share = mixed.share[:, None, None]
    expected = (share * values + (1 - share) * values[partner]) * valid[:, None, :]
    torch.testing.assert_close(out, expected)


def test_cutmix_splices_one_window_whose_length_is_the_partners_label_share():
    values, valid, labels = _batch()
    out, mixed = mix_batch(values, valid, labels, "cutmix", torch.Generator().manual_seed(3))
    partner = torch.randperm(len(labels), generator=torch.Generator().manual_seed(3))
    for case in range(len(labels)):
        real = int(valid[case].sum())
        own = (out[case, :, :real] == values[case, :, :real]).all(0)
        taken = ~own & (out[case, :, :real] == values[partner[case], :, :real]).all(0)
        assert bool((own | taken).all())  # every real step is its own or its partner's
        steps = torch.nonzero(taken).flatten()
        if len(steps):  # one contiguous window
            assert steps[-1] - steps[0] + 1 == len(steps)
        # the label share is the share of real steps left to the case (steps equal in both count as own)
        assert mixed.share[case].item() <= own.float().mean().item() + 1e-6
        assert torch.all(out[case, :, real:] == 0)  # padding stays zero


def test_same_class_cutmix_splices_only_cases_of_the_same_class_with_cutmixs_windows():
    values, valid, labels = _batch(batch=200)
    labels[0] = 9  # a class with one case in the batch: its only partner is itself
    same, mixed = mix_batch(values, valid, labels, "cutmix_same_class", torch.Generator().manual_seed(4))
    _, across = mix_batch(values, valid, labels, "cutmix", torch.Generator().manual_seed(4))
    assert torch.equal(mixed.first, labels) and torch.equal(mixed.second, labels)  # labels stay whole
    torch.testing.assert_close(mixed.share, across.share)  # the same windows on the same cases
    torch.testing.assert_close(same[0], values[0])
    for case in range(1, len(labels)):
        real = int(valid[case].sum())
        spliced = ~(same[case, :, :real] == values[case, :, :real]).all(0)
        if spliced.any():  # the spliced steps come from some case of the same class
            donors = torch.nonzero(labels == labels[case]).flatten()
            assert any(torch.equal(same[case, :, :real][:, spliced], values[d, :, :real][:, spliced])
                       for d in donors if d != case)


def test_beta_draws_have_the_moments_of_beta():
    draws = _beta(0.4, 200_000, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert draws.min() >= 0 and draws.max() <= 1
    assert abs(draws.mean().item() - 0.5) < 0.01
    assert abs(draws.var().item() - 0.16 / (0.64 * 1.8)) < 0.01  # ab / ((a + b)^2 (a + b + 1))


def test_mixed_cross_entropy_is_cross_entropy_with_soft_targets():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(32, 4, generator=generator)
    first, second = torch.randint(0, 4, (2, 32), generator=generator)
    share = torch.rand(32, generator=generator)
    soft = share[:, None] * F.one_hot(first, 4) + (1 - share[:, None]) * F.one_hot(second, 4)
    mixed = MixedLabels(first, second, share)
    torch.testing.assert_close(mixed_cross_entropy(logits, mixed, None, 0.0), F.cross_entropy(logits, soft))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_unmixed_labels_give_the_plain_loss_with_class_weights(label_smoothing):
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(32, 3, generator=generator)
    labels = torch.randint(0, 3, (32,), generator=generator)
    weight = torch.tensor([0.5, 2.0, 1.0])
    unmixed = MixedLabels(labels, labels.flip(0), torch.ones(32))
    torch.testing.assert_close(
        mixed_cross_entropy(logits, unmixed, weight, label_smoothing),
        F.cross_entropy(logits, labels, weight=weight, label_smoothing=label_smoothing),
    )


@pytest.mark.parametrize("kind", ["mixup", "cutmix", "cutmix_same_class"])
def test_a_mixed_fit_is_reproducible_and_differs_from_an_unmixed_one(small_motions, kind):
    X, y, X_test, _ = small_motions
    params = dict(FAST, max_epochs=4, random_state=0)
    runs = [EADCTransformerClassifier(**params, mixing=kind).fit(X, y) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].predict_proba(X_test), runs[1].predict_proba(X_test))
    plain = EADCTransformerClassifier(**params, mixing="none").fit(X, y)
    assert runs[0].history_[0]["train_loss"] != plain.history_[0]["train_loss"]
    assert np.isfinite(runs[0].predict_proba(X_test)).all()


def test_batched_members_mix_as_separate_fits_do(small_motions):
    X, y, X_test, _ = small_motions
    params = dict(FAST, dropout=0.0, norm="layer", max_epochs=4, n_estimators=2, mixing="cutmix",
                  class_weight="balanced", random_state=2)
    batched, separate = (EADCEnsembleClassifier(member_training=way, **params).fit(X, y)
                         for way in ("batched", "sequential"))
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-5)


def test_mixing_is_a_classification_parameter():
    assert EADCTransformerClassifier().mixing == "cutmix"
    assert "mixing" not in EADCTransformerRegressor().get_params()
    with pytest.raises(ValueError, match="mixing"):
        EADCTransformerClassifier(mixing="blend").fit(np.zeros((4, 1, 10)), [0, 1, 0, 1])
