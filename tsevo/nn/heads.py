"""Classification heads: masked pooling for any length, and the reference's flatten head."""

from __future__ import annotations

import torch
from torch import nn

POOLING_HEADS = ("mean", "max", "attention")
HEADS = (*POOLING_HEADS, "flatten")


def masked_mean(h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean over the real steps: ``(B, L, D)`` and ``(B, L)`` -> ``(B, D)``."""
    mask = valid[..., None]  # (B, L, 1)
    return (h * mask).sum(1) / mask.sum(1).clamp(min=1)


class MaskedPooling(nn.Module):
    """Pool real steps only: ``(B, L, D)`` and a validity mask ``(B, L)`` -> ``(B, D)``."""

    def __init__(self, d_model: int, kind: str = "mean") -> None:
        super().__init__()
        if kind not in POOLING_HEADS:
            raise ValueError(f"unknown pooling {kind!r}; choose one of {POOLING_HEADS}")
        self.kind = kind
        self.score = nn.Linear(d_model, 1) if kind == "attention" else None

    def forward(self, h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        if self.kind == "mean":
            return masked_mean(h, valid)
        mask = valid[..., None]  # (B, L, 1)
        if self.kind == "max":
            return h.masked_fill(~mask, float("-inf")).amax(1)
        weights = self.score(h).masked_fill(~mask, float("-inf")).softmax(dim=1)  # (B, L, 1)
        return (weights * h).sum(1)


class FlattenPooling(nn.Module):
    """The reference head: zero padded steps and flatten to ``(B, max_length * D)``.

    Ties the model to series no longer than ``max_length``; shorter batches are
    padded with zeros.
    """

    def __init__(self, d_model: int, max_length: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.out_features = d_model * max_length

    def forward(self, h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        batch, length, _ = h.shape
        if length > self.max_length:
            raise ValueError(
                f"the flatten head takes series of at most {self.max_length} steps, got {length}"
            )
        h = h * valid[..., None]
        h = nn.functional.pad(h, (0, 0, 0, self.max_length - length))
        return h.reshape(batch, -1)


class PatchReconstruction(nn.Module):
    """Each token's prediction of the input steps of its own patch, for masked
    pre-training: ``(B, T, D)`` -> ``(B, C, length)``, with ``T = ceil(length / p)``.

    One linear map from a token to its patch's ``C * p`` values (Zerveas et al.
    2021 map each step's representation to its ``C`` values; with patches a
    token stands for ``p`` steps).
    """

    def __init__(self, d_model: int, n_channels: int, patch_size: int) -> None:
        super().__init__()
        self.n_channels = n_channels
        self.patch_size = patch_size
        self.proj = nn.Linear(d_model, n_channels * patch_size)

    def forward(self, h: torch.Tensor, length: int) -> torch.Tensor:
        batch, tokens, _ = h.shape
        out = self.proj(h).view(batch, tokens, self.n_channels, self.patch_size)  # (B, T, C, p)
        out = out.permute(0, 2, 1, 3).reshape(batch, self.n_channels, tokens * self.patch_size)
        return out[..., :length]  # (B, C, length): the last patch's padding dropped
