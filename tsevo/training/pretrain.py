"""Self-supervised pre-training by masked-value reconstruction (Zerveas et al. 2021).

Before it learns the labels, the network learns the series themselves: spans
of each training series are hidden (set to zero, the standardised mean) and
the network, with a linear output layer on its tokens, predicts the hidden
values from what is left. The loss is the mean squared error on hidden real
steps only. The features that this asks for (how a series goes on, what its
shapes look like) are learned from every case, whatever its class, which is
what a small training set has too little of for the labels alone.

Spans follow Zerveas et al.: a two-state Markov chain along each series,
hidden stretches of mean length ``MASK_SPAN`` and visible ones long enough
that ``MASK_RATIO`` of the steps are hidden. A step is hidden in every
channel at once: the derived channels (deviations, shapes) repeat each
channel's values, and would give a hidden value away.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from tsevo.nn.heads import PatchReconstruction
from tsevo.training.data import SeriesTensors
from tsevo.training.step import gradient_clip, optimisation_step

MASK_RATIO = 0.15  # share of the steps hidden (Zerveas et al.'s r)
MASK_SPAN = 3.0  # mean length of a hidden stretch (their l_m)


class PretrainingDiverged(Exception):
    """Raised when a pre-training loss is not finite."""


def span_mask(
    valid: torch.Tensor, generator: torch.Generator, ratio: float = MASK_RATIO, mean_span: float = MASK_SPAN
) -> torch.Tensor:
    """Hidden steps ``(B, L)``: True where hidden; never a padded step.

    Each series alternates hidden and visible stretches whose lengths are
    geometric with means ``mean_span`` and ``mean_span * (1 - ratio) / ratio``;
    it starts hidden with probability ``ratio``.
    """
    batch, length = valid.shape
    device = valid.device
    means = torch.tensor([mean_span, mean_span * (1 - ratio) / ratio], device=device)
    starts_hidden = torch.rand(batch, generator=generator, device=device) < ratio
    # 2L stretches of at least one step each always cover L steps
    first_is_hidden = starts_hidden[:, None]
    hidden_stretch = (torch.arange(2 * length, device=device) % 2 == 0)[None, :] == first_is_hidden  # (B, 2L)
    stretch_mean = torch.where(hidden_stretch, means[0], means[1])
    uniform = torch.rand(batch, 2 * length, generator=generator, device=device).clamp(min=1e-12)
    lengths = 1 + torch.floor(uniform.log() / torch.log1p(-1 / stretch_mean))  # geometric on 1, 2, ...
    ends = lengths.cumsum(1)  # (B, 2L): the step each stretch ends before
    steps = torch.arange(length, device=device, dtype=ends.dtype).expand(batch, -1).contiguous()
    stretch = torch.searchsorted(ends, steps, right=True)  # (B, L): the stretch each step lies in
    return hidden_stretch.gather(1, stretch) & valid


def reconstruction_loss(
    predicted: torch.Tensor, values: torch.Tensor, hidden: torch.Tensor
) -> torch.Tensor:
    """Mean squared error over the hidden steps of every channel: ``(B, C, L)``, ``(B, L)``."""
    weight = hidden[:, None, :].to(predicted.dtype)  # (B, 1, L)
    squared = (predicted.float() - values.float()).square() * weight
    return squared.sum() / (weight.sum() * values.shape[1]).clamp(min=1)


def pretrain(
    model: nn.Module,
    train: SeriesTensors,
    epochs: int,
    make_optimizer: Callable[[list[tuple[str, torch.Tensor]]], torch.optim.Optimizer],
    make_schedule: Callable[[int], Callable[[int], float]],
    batch_size: int,
    device: torch.device,
    seed: int,
    autocast: Callable,
    grad_clip: float | None = None,
    progress: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train ``model``'s encoder (``forward_features``) to fill in hidden spans of
    ``train``'s series for ``epochs`` passes; returns one record per epoch.

    The output layer of the reconstruction is thrown away afterwards; the
    optimiser and schedule are this phase's own (``make_schedule`` gets the
    number of steps). Raises :class:`PretrainingDiverged` when a loss is not
    finite; Ctrl-C goes on to the caller.
    """
    head = PatchReconstruction(model.d_model, model.n_channels, model.patch_size).to(device)
    named = [*model.named_parameters(), *(("reconstruction." + n, p) for n, p in head.named_parameters())]
    optimizer = make_optimizer(named)
    steps = epochs * math.ceil(len(train) / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, make_schedule(steps))
    order = torch.Generator().manual_seed(seed)
    masks = torch.Generator(device).manual_seed(seed + 1)  # on a CPU, not the order's own stream
    clip = gradient_clip([p for _, p in named], grad_clip)
    history = []
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for values, valid, _ in train.batches(batch_size, device, order):
            hidden = span_mask(valid, masks)
            with autocast():
                tokens, _ = model.forward_features(values * ~hidden[:, None, :], valid)  # (B, T, D)
                loss = reconstruction_loss(head(tokens, values.shape[-1]), values, hidden)
            value = loss.item()
            if not math.isfinite(value):
                raise PretrainingDiverged
            optimisation_step(loss, optimizer, scheduler, clip)
            total += value * len(values)
            count += len(values)
        record = {"epoch": epoch + 1, "pretrain_loss": total / count}
        history.append(record)
        if progress is not None:
            progress(record)
    return history
