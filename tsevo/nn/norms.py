"""Normalisation of ``(B, L, D)`` step features that padded steps never disturb."""

from __future__ import annotations

import torch
from torch import nn


class StepLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of each step on its own; takes (and ignores)
    the validity mask so that it can stand wherever :class:`MaskedBatchNorm` can."""

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return super().forward(x)


class MaskedBatchNorm(nn.Module):
    """Batch norm of each channel over the real steps of every case in the batch.

    Zerveas et al. (2021), whose pipeline the reference code descends from,
    found batch norm better than LayerNorm for transformers on time series:
    a step's channels are not comparable quantities, and LayerNorm mixes
    them. Plain ``BatchNorm1d`` would count padded steps in its statistics;
    here they are left out, and padded steps come out zero. Running
    statistics (updated in training, read in evaluation) make a prediction
    independent of the other cases in its batch.
    """

    def __init__(self, d_model: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum = momentum
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))
        self.bias = nn.Parameter(torch.zeros(d_model))
        self.register_buffer("running_mean", torch.zeros(d_model))
        self.register_buffer("running_var", torch.ones(d_model))

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        # x: (B, L, D), valid: (B, L) -> (B, L, D)
        stats_dtype = torch.promote_types(x.dtype, torch.float32)  # float32 at least, under autocast too
        weights = valid[..., None].to(stats_dtype)  # (B, L, 1)
        if self.training:
            count = weights.sum().clamp(min=2)
            wide = x.to(stats_dtype)
            mean = (wide * weights).sum((0, 1)) / count  # (D,)
            var = ((wide - mean).square() * weights).sum((0, 1)) / count  # (D,), biased, as BatchNorm1d
            with torch.no_grad():
                # in place, so that the update also reaches stacked buffers under torch.func.vmap
                # (mul_ and add_: vmap has batching rules for them, not for lerp_)
                unbiased = var * count / (count - 1)
                for running, value in ((self.running_mean, mean), (self.running_var, unbiased)):
                    running.mul_(1 - self.momentum).add_(value.detach().to(running.dtype), alpha=self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        scale = self.weight * torch.rsqrt(var + self.eps)  # (D,)
        shift = self.bias - mean * scale  # (D,)
        return (x * scale.to(x.dtype) + shift.to(x.dtype)) * weights.to(x.dtype)


NORM_CLASSES = {"layer": StepLayerNorm, "batch": MaskedBatchNorm}
NORMS = tuple(NORM_CLASSES)


def make_norm(kind: str, d_model: int) -> nn.Module:
    if kind not in NORM_CLASSES:
        raise ValueError(f"unknown norm {kind!r}; choose from {NORMS}")
    return NORM_CLASSES[kind](d_model)
