"""Self-supervised pre-training by masked-value reconstruction (``pretrain_epochs``)."""

import warnings

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier
from tsevo.nn import EADCTransformer, PatchReconstruction
from tsevo.training import pretrain as pretraining
from tsevo.training.pretrain import MASK_RATIO, MASK_SPAN, reconstruction_loss, span_mask


def test_spans_hide_the_set_share_in_stretches_of_the_set_length_and_never_padding():
    valid = torch.ones(256, 600, dtype=torch.bool)
    valid[:, 500:] = False
    hidden = span_mask(valid, torch.Generator().manual_seed(0))
    assert not hidden[:, 500:].any()
    real = hidden[:, :500].int()
    assert abs(real.float().mean().item() - MASK_RATIO) < 0.02
    starts = ((real[:, 1:] == 1) & (real[:, :-1] == 0)).sum() + real[:, 0].sum()
    assert abs(real.sum().item() / starts.item() - MASK_SPAN) < 0.3
    again = span_mask(valid, torch.Generator().manual_seed(0))
    assert torch.equal(hidden, again)


@pytest.mark.parametrize(("patch", "length"), [(1, 20), (3, 20), (4, 20)])
def test_each_token_reconstructs_its_own_patch(patch, length):
    head = PatchReconstruction(d_model=8, n_channels=2, patch_size=patch)
    tokens = -(-length // patch)
    h = torch.zeros(1, tokens, 8)
    h[0, 1] = torch.randn(8)  # only the second token says anything
    out = head(h, length) - head(torch.zeros(1, tokens, 8), length)
    assert out.shape == (1, 2, length)
    changed = out.abs().sum(1)[0] > 0
    assert changed.nonzero().flatten().tolist() == list(range(patch, min(2 * patch, length)))


def test_the_loss_counts_hidden_steps_only():
    values, predicted = torch.zeros(2, 3, 10), torch.zeros(2, 3, 10)
    hidden = torch.zeros(2, 10, dtype=torch.bool)
    hidden[0, 4] = True
    predicted[1] = 5.0  # wrong where nothing is hidden: free
    predicted[0, :, 4] = 2.0
    assert reconstruction_loss(predicted, values, hidden).item() == pytest.approx(4.0)
    assert reconstruction_loss(predicted, values, torch.zeros_like(hidden)).item() == 0.0


def test_pretraining_learns_to_fill_in_hidden_values(gunpoint):
    from tsevo.data.validation import ChannelScaler, to_panel
    from tsevo.training import SeriesTensors
    from tsevo.training.loop import warmup_cosine

    panel = to_panel(gunpoint[0][:24])
    values, valid = ChannelScaler.fit(panel).transform(panel)
    train = SeriesTensors(torch.from_numpy(values), torch.from_numpy(valid))
    torch.manual_seed(0)
    model = EADCTransformer(1, 2, d_model=16, n_blocks=2, n_heads=2, d_ff=32, patch_size=2, stem="conv")
    history = pretraining.pretrain(
        model, train, 25, lambda named: torch.optim.AdamW([p for _, p in named], lr=3e-3),
        lambda steps: warmup_cosine(steps, 0.1), 8, torch.device("cpu"), 0,
        lambda: torch.autocast("cpu", enabled=False),
    )
    losses = [record["pretrain_loss"] for record in history]
    assert len(losses) == 25 and losses[-1] < 0.5 * losses[0]  # the standardised values' own is about 1


def test_a_pretrained_classifier_records_its_pretraining_and_is_reproducible(small_motions, tmp_path):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, pretrain_epochs=2, random_state=0).fit(X, y)
    assert [r["epoch"] for r in clf.pretrain_history_] == [1, 2]
    assert len(clf.history_) == FAST["max_epochs"]
    again = EADCTransformerClassifier(**FAST, pretrain_epochs=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_test), clf.predict_proba(X_test))
    plain = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    assert plain.pretrain_history_ == []
    assert not np.array_equal(plain.predict_proba(X_test), clf.predict_proba(X_test))
    clf.save(tmp_path / "pretrained.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "pretrained.pt")
    assert loaded.pretrain_history_ == clf.pretrain_history_ and loaded.pretrain_epochs == 2


def test_auto_pretrains_as_many_epochs_as_training_and_warm_start_does_not_pretrain_again(small_motions):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**{**FAST, "max_epochs": 2}, pretrain_epochs="auto", warm_start=True,
                                    random_state=0).fit(X, y)
    assert len(clf.pretrain_history_) == 2
    clf.fit(X, y)
    assert clf.pretrain_history_ == [] and len(clf.history_) == 2


def test_a_diverged_pretraining_warns_and_training_starts_from_the_initial_weights(small_motions, monkeypatch):
    X, y, X_test, _ = small_motions
    plain = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y)
    monkeypatch.setattr(pretraining, "reconstruction_loss", lambda *args: torch.tensor(float("nan"),
                                                                                         requires_grad=True))
    with pytest.warns(RuntimeWarning, match="pre-training diverged"):
        clf = EADCTransformerClassifier(**FAST, pretrain_epochs=2, random_state=0).fit(X, y)
    assert clf.pretrain_history_ == []
    np.testing.assert_array_equal(clf.predict_proba(X_test), plain.predict_proba(X_test))


def test_ctrl_c_in_pretraining_leaves_the_estimator_as_it_was(small_motions, monkeypatch):
    X, y, _, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, pretrain_epochs=2, random_state=0)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(pretraining, "reconstruction_loss", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


def test_pretrained_ensemble_members_train_one_after_another(small_motions):
    X, y, X_test, _ = small_motions
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no member is trained without its pre-training
        ensemble = EADCEnsembleClassifier(**{**FAST, "max_epochs": 1}, n_estimators=2, pretrain_epochs=1,
                                          member_training="batched", random_state=0).fit(X, y)
    assert all(len(m.pretrain_history_) == 1 for m in ensemble.estimators_)
    assert ensemble.predict_proba(X_test).shape == (len(X_test), len(ensemble.classes_))
