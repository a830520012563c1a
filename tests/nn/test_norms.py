"""Padding-safe normalisation: batch statistics over real steps only."""

import pytest
import torch
from torch import nn

from tsevo.nn.norms import NORMS, MaskedBatchNorm, make_norm

B, L, D = 3, 11, 5


def test_masked_batch_norm_matches_batch_norm_on_unpadded_steps():
    torch.manual_seed(0)
    x = torch.randn(B, L, D) * 3 + 1
    ours, theirs = MaskedBatchNorm(D), nn.BatchNorm1d(D)
    for _ in range(3):  # training: batch statistics and the running ones
        torch.testing.assert_close(ours(x, torch.ones(B, L, dtype=torch.bool)),
                                   theirs(x.transpose(1, 2)).transpose(1, 2))
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)
    ours.eval(), theirs.eval()
    torch.testing.assert_close(ours(x, torch.ones(B, L, dtype=torch.bool)), theirs(x.transpose(1, 2)).transpose(1, 2))


@pytest.mark.parametrize("training", [True, False])
def test_padded_steps_neither_enter_the_statistics_nor_come_out_nonzero(training):
    torch.manual_seed(0)
    x = torch.randn(B, L, D)
    padded = torch.cat([x, 100 * torch.randn(B, 4, D)], dim=1)
    valid = torch.cat([torch.ones(B, L, dtype=torch.bool), torch.zeros(B, 4, dtype=torch.bool)], dim=1)
    plain, masked = MaskedBatchNorm(D), MaskedBatchNorm(D)
    plain.train(training), masked.train(training)
    out = masked(padded, valid)
    torch.testing.assert_close(out[:, :L], plain(x, torch.ones(B, L, dtype=torch.bool)))
    assert not out[:, L:].any()
    torch.testing.assert_close(masked.running_var, plain.running_var)


def test_in_evaluation_a_case_does_not_depend_on_its_batch():
    norm = MaskedBatchNorm(D)
    norm(torch.randn(B, L, D) * 2, torch.ones(B, L, dtype=torch.bool))  # some running statistics
    norm.eval()
    x = torch.randn(B, L, D)
    valid = torch.ones(B, L, dtype=torch.bool)
    torch.testing.assert_close(norm(x, valid)[:1], norm(x[:1], valid[:1]))


def test_statistics_are_kept_in_float32_under_low_precision():
    norm = MaskedBatchNorm(D)
    x = (torch.randn(B, L, D) * 4 + 1000).to(torch.bfloat16)  # a large offset: bfloat16 sums would lose it
    out = norm(x, torch.ones(B, L, dtype=torch.bool))
    assert out.dtype == torch.bfloat16 and norm.running_mean.dtype == torch.float32
    assert out.float().mean().abs() < 0.1


def test_unknown_norm_is_refused():
    assert set(NORMS) == {"layer", "batch"}
    with pytest.raises(ValueError, match="unknown norm 'group'"):
        make_norm("group", D)
