"""Sharpness-aware minimisation: the gradient of the perturbed weights, applied at the weights."""

import copy

import pytest
import torch
from torch import nn

from tsevo.nn.norms import MaskedBatchNorm
from tsevo.training.step import optimisation_step, sharpness_aware_step


def _model_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)).train()
    return model, torch.randn(16, 4), torch.randint(0, 3, (16,))


def _sgd(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)


def test_the_step_uses_the_gradient_at_the_perturbed_weights_and_keeps_batch_statistics_once():
    model, x, y = _model_and_batch()
    expected = copy.deepcopy(model)
    loss_of = nn.functional.cross_entropy
    rho = 0.05

    # by hand: the gradient at w, the move rho * g / |g|, the gradient there, SGD from w
    params = list(expected.parameters())
    grads = torch.autograd.grad(loss_of(expected(x), y), params)
    norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
    moved = copy.deepcopy(expected)
    with torch.no_grad():
        for p, g in zip(moved.parameters(), grads, strict=True):
            p.add_(rho * g / norm)
    moved_grads = torch.autograd.grad(loss_of(moved(x), y), list(moved.parameters()))
    with torch.no_grad():
        for p, g in zip(params, moved_grads, strict=True):
            p.sub_(0.1 * g)

    optimizer, scheduler = _sgd(model)
    sharpness_aware_step(loss_of(model(x), y), lambda: loss_of(model(x), y), model, optimizer, scheduler, None, rho)
    for got, want in zip(model.parameters(), params, strict=True):
        torch.testing.assert_close(got, want)
    # the running statistics saw the batch once, as after one plain step
    for name in ("running_mean", "running_var"):
        torch.testing.assert_close(getattr(model[1], name), getattr(expected[1], name))
    assert model[1].momentum == 0.1 and int(model[1].num_batches_tracked) == 1


@pytest.mark.parametrize("rho", [1e-9])
def test_a_vanishing_radius_is_a_plain_step(rho):
    model, x, y = _model_and_batch()
    plain = copy.deepcopy(model)
    loss_of = nn.functional.cross_entropy
    optimizer, scheduler = _sgd(model)
    sharpness_aware_step(loss_of(model(x), y), lambda: loss_of(model(x), y), model, optimizer, scheduler, None, rho)
    optimizer, scheduler = _sgd(plain)
    optimisation_step(loss_of(plain(x), y), optimizer, scheduler)
    for got, want in zip(model.parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_tsevos_masked_batch_norm_counts_the_batch_once_too():
    torch.manual_seed(0)
    norm = MaskedBatchNorm(8).train()
    weights = nn.Linear(8, 8)
    model = nn.ModuleDict({"linear": weights, "norm": norm})
    x, valid = torch.randn(4, 5, 8), torch.ones(4, 5, dtype=torch.bool)

    def loss():
        return norm(weights(x), valid).square().mean()

    once = copy.deepcopy(norm)
    once(copy.deepcopy(weights)(x), valid)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    sharpness_aware_step(loss(), loss, model, optimizer, scheduler, None, 0.05)
    torch.testing.assert_close(norm.running_mean, once.running_mean)
    torch.testing.assert_close(norm.running_var, once.running_var)
    assert norm.momentum == 0.1


def test_a_non_finite_loss_at_the_moved_weights_stops_with_the_weights_unchanged():
    model, x, y = _model_and_batch()
    before = copy.deepcopy(model)
    loss_of = nn.functional.cross_entropy
    optimizer, scheduler = _sgd(model)
    with pytest.raises(FloatingPointError, match="perturbed"):
        sharpness_aware_step(loss_of(model(x), y), lambda: loss_of(model(x), y) * float("nan"),
                             model, optimizer, scheduler, None, 0.05)
    for got, want in zip(model.parameters(), before.parameters(), strict=True):
        torch.testing.assert_close(got, want)
