"""Mixing cases of a training batch with their labels (mixup, CutMix).

A network that fits a small training set completely (training loss near
zero, as EA-DC does on most development problems) has learned nothing about
the space between its training cases. Mixing pairs of cases, and their
labels in the same shares, shows it cases between classes with targets to
match: mixup (Zhang et al. 2018) blends two whole series, CutMix (Yun et
al. 2019) splices a window of one series into the other, keeping every local
shape intact. Both are the standard regularisers for training transformers
on small data (DeiT), and help convolutional and attention networks on the
UEA archive (Yang and Desell 2022).

Half the cases of each batch, chosen at random, are mixed; the other half
stay real, so that every step still sees true cases (as MixUp++ keeps them).

Where classes differ in a shape at a fixed place, a window spliced from a
case of another class can carry that whole shape, and CutMix then labels it
by the window's length, not by what it holds. "cutmix_same_class" splices
only windows of cases of the same class: the label is always right, and
the network still sees new combinations of its class's local shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

MIXINGS = ("none", "mixup", "cutmix", "cutmix_same_class")
MIXED_SHARE = 0.5  # fraction of each batch's cases that are mixed
MIXUP_ALPHA = 0.4  # Beta(alpha, alpha) of the blend: mostly near one of the two cases
CUTMIX_ALPHA = 1.0  # the window's share of the series is uniform on (0, 1)


@dataclass
class MixedLabels:
    """Labels of a mixed batch: case ``i`` is ``share[i]`` of class ``first[i]``
    and ``1 - share[i]`` of class ``second[i]``."""

    first: torch.Tensor  # (B,) int
    second: torch.Tensor  # (B,) int
    share: torch.Tensor  # (B,) float in [0, 1]

    def __len__(self) -> int:
        return len(self.first)


def mix_batch(
    values: torch.Tensor, valid: torch.Tensor, labels: torch.Tensor, kind: str, generator: torch.Generator
) -> tuple[torch.Tensor, MixedLabels]:
    """Mix a ``(B, C, L)`` batch as ``kind`` (a name of ``MIXINGS`` but "none") says.

    Each case keeps its own real steps (``valid``); a partner shorter than it
    contributes zeros past its end, as padding does. All kinds draw the same
    random numbers, so that on one seed they differ only in what they mix.
    """
    batch = values.shape[0]
    device = values.device
    partner = torch.randperm(batch, generator=generator, device=device)
    if kind == "cutmix_same_class":
        partner = _same_class_partners(partner, labels)
    mixed = torch.rand(batch, generator=generator, device=device) < MIXED_SHARE
    if kind == "mixup":
        share = _beta(MIXUP_ALPHA, batch, generator, device)
        share = torch.where(mixed, share, torch.ones_like(share))
        weight = share.to(values.dtype)[:, None, None]
        out = weight * values + (1 - weight) * values[partner]
    elif kind in ("cutmix", "cutmix_same_class"):
        window, share = _windows(valid, _beta(CUTMIX_ALPHA, batch, generator, device), generator)
        window &= mixed[:, None]
        share = torch.where(mixed, share, torch.ones_like(share))
        out = torch.where(window[:, None, :], values[partner], values)
    else:
        raise ValueError(f"unknown mixing {kind!r}; choose from {MIXINGS[1:]}")
    return out * valid[:, None, :], MixedLabels(labels, labels[partner], share)


def _same_class_partners(order: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Each case's partner: the case after it in the random ``order`` among those of its
    class, the last one's the first one's; a class's only case in the batch is its own."""
    batch = len(labels)
    steps = torch.arange(batch, device=labels.device)
    rank = torch.empty_like(order)
    rank[order] = steps  # case i's place in the random order
    grouped = torch.argsort(labels.long() * batch + rank)  # by class, in random order within each
    grouped_labels = labels[grouped]
    first_of_class = torch.ones(batch, dtype=torch.bool, device=labels.device)
    first_of_class[1:] = grouped_labels[1:] != grouped_labels[:-1]
    class_start = torch.where(first_of_class, steps, 0).cummax(0).values
    last_of_class = torch.ones_like(first_of_class)
    last_of_class[:-1] = first_of_class[1:]
    next_place = torch.where(last_of_class, class_start, steps + 1)
    partner = torch.empty_like(order)
    partner[grouped] = grouped[next_place]
    return partner


def _beta(alpha: float, n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """``n`` draws of Beta(alpha, alpha) from ``generator``, which torch's Beta does not
    take: Johnk's method (U ** (1/alpha), V ** (1/alpha) accepted when their sum is at
    most 1; U' / (U' + V') is then Beta(alpha, alpha)). Beta(1, 1) is uniform."""
    if alpha == 1.0:
        return torch.rand(n, generator=generator, device=device)
    out = torch.empty(n, device=device)
    filled = 0
    while filled < n:
        u = torch.rand(2 * n, generator=generator, device=device).pow(1 / alpha)
        v = torch.rand(2 * n, generator=generator, device=device).pow(1 / alpha)
        accepted = (u + v <= 1) & (u + v > 0)
        ratio = (u / (u + v))[accepted][: n - filled]
        out[filled: filled + len(ratio)] = ratio
        filled += len(ratio)
    return out


def _windows(
    valid: torch.Tensor, kept: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """A random window over ``1 - kept`` of each case's real steps ``(B, L)`` bool, and
    the share of real steps left outside it."""
    batch, length = valid.shape
    lengths = valid.sum(1)  # (B,)
    width = ((1 - kept) * lengths).round().long()
    start = (torch.rand(batch, generator=generator, device=valid.device) * (lengths - width + 1)).floor().long()
    steps = torch.arange(length, device=valid.device)
    window = (steps[None, :] >= start[:, None]) & (steps[None, :] < (start + width)[:, None])
    return window, 1 - width / lengths.clamp(min=1)


def mixed_cross_entropy(
    logits: torch.Tensor, labels: MixedLabels, weight: torch.Tensor | None, label_smoothing: float
) -> torch.Tensor:
    """Cross-entropy against the mixed labels: each case's loss on its two classes,
    weighted by their shares (and by the class weights, normalised as
    ``F.cross_entropy`` normalises them)."""
    def per_case(target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, target, weight=weight, reduction="none", label_smoothing=label_smoothing)

    share = labels.share.to(logits.dtype)
    losses = share * per_case(labels.first) + (1 - share) * per_case(labels.second)
    if weight is None:
        return losses.mean()
    mass = share * weight[labels.first] + (1 - share) * weight[labels.second]
    return losses.sum() / mass.sum()
