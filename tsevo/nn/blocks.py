"""Dilated causal convolutions, attention-augmented convolution and the EA-DC block."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tsevo.nn.attention import EvolvingAttention
from tsevo.nn.norms import make_norm


class CausalConv1d(nn.Module):
    """1-D convolution that reads only the current and earlier steps.

    Left padding of ``(kernel_size - 1) * dilation`` keeps the length and makes
    any series work, however short: the padding may exceed the series.
    """

    def __init__(self, d_in: int, d_out: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.left_padding = (kernel_size - 1) * dilation
        self.conv = nn.Conv1d(d_in, d_out, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, C, L) -> (B, d_out, L)
        return self.conv(F.pad(x, (self.left_padding, 0)))


class AttentionAugmentedConv(nn.Module):
    """Concatenate a dilated causal convolution (``d_model - d_value`` channels)
    with an evolving attention branch (``d_value`` channels)."""

    def __init__(
        self,
        d_model: int,
        d_key: int,
        d_value: int,
        n_heads: int,
        kernel_size: int,
        dilation: int,
        evolve: bool,
        **attention_options,
    ) -> None:
        super().__init__()
        if not 0 < d_value < d_model:
            raise ValueError(f"d_value={d_value} must lie strictly between 0 and d_model={d_model}")
        self.conv = CausalConv1d(d_model, d_model - d_value, kernel_size, dilation)
        self.attention = EvolvingAttention(
            d_model, d_key, d_value, n_heads, evolve=evolve, **attention_options
        )

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, prev_map: torch.Tensor | None, allowed="compute"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # x: (B, L, D)
        conv_out = self.conv(x.transpose(1, 2)).transpose(1, 2)  # (B, L, D - dv)
        attn_out, logit_map, probs = self.attention(x, valid, prev_map, allowed)  # (B, L, dv)
        return torch.cat([conv_out, attn_out], dim=-1), logit_map, probs


class FeedForward(nn.Sequential):
    """Position-wise feed-forward layer."""

    def __init__(self, d_model: int, d_hidden: int, dropout: float) -> None:
        super().__init__(
            nn.Linear(d_model, d_hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(d_hidden, d_model),
        )


class EADCBlock(nn.Module):
    """Pre-norm residual block: attention-augmented dilated causal convolution,
    then a feed-forward layer.

    ``norm``: "layer" normalises each step on its own, "batch" each channel
    over the real steps of the batch (the reference's BatchNorm without its
    padded steps); see :mod:`tsevo.nn.norms`.
    """

    def __init__(
        self,
        d_model: int,
        d_key: int,
        d_value: int,
        n_heads: int,
        d_ff: int,
        kernel_size: int,
        dilation: int,
        evolve: bool,
        dropout: float,
        attention_dropout: float = 0.0,
        norm: str = "layer",
        **attention_options,
    ) -> None:
        super().__init__()
        self.norm_mixer = make_norm(norm, d_model)
        self.mixer = AttentionAugmentedConv(
            d_model, d_key, d_value, n_heads, kernel_size, dilation, evolve,
            dropout=attention_dropout, **attention_options,
        )
        self.norm_ff = make_norm(norm, d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, prev_map: torch.Tensor | None, allowed="compute"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # x: (B, L, D), valid: (B, L); allowed: the shared map mask (see EvolvingAttention.forward)
        mixed, logit_map, probs = self.mixer(self.norm_mixer(x, valid), valid, prev_map, allowed)
        x = x + self.dropout(mixed)
        x = x + self.dropout(self.ff(self.norm_ff(x, valid)))
        # keep padded steps at zero so nothing grows there from block to block
        return x * valid[..., None], logit_map, probs
