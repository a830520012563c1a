"""Dilated convolutions, attention-augmented convolution and the EA-DC block."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tsevo.nn.attention import EvolvingAttention
from tsevo.nn.norms import make_norm

CONV_PADDINGS = ("causal", "centred")
NORM_PLACEMENTS = ("pre", "post")


class DilatedConv1d(nn.Module):
    """1-D dilated convolution that keeps the length of any series, however short.

    ``padding="causal"`` pads ``(kernel_size - 1) * dilation`` steps on the
    left, so each output reads only the current and earlier steps (the
    reference's temporal convolutions); appended padding then never reaches
    a real step. ``"centred"`` splits that padding between both sides, so
    each output reads as far ahead as behind: a classifier sees a whole
    series at once and has no reason to look one way only. It zeroes the
    padded steps of ``valid`` first, so that a real step near the end reads
    zeros there, as it would at the end of its own unpadded series.
    """

    def __init__(self, d_in: int, d_out: int, kernel_size: int, dilation: int, padding: str = "causal") -> None:
        super().__init__()
        if padding not in CONV_PADDINGS:
            raise ValueError(f"unknown conv padding {padding!r}; choose from {CONV_PADDINGS}")
        total = (kernel_size - 1) * dilation
        self.centred = padding == "centred"
        self.pads = (total // 2, total - total // 2) if self.centred else (total, 0)
        self.conv = nn.Conv1d(d_in, d_out, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        # x: (B, C, L), valid: (B, L) -> (B, d_out, L)
        if self.centred and valid is not None:
            x = x * valid[:, None, :].to(x.dtype)
        return self.conv(F.pad(x, self.pads))


class AttentionAugmentedConv(nn.Module):
    """Concatenate a dilated convolution (``d_model - d_value`` channels)
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
        conv_padding: str = "causal",
        **attention_options,
    ) -> None:
        super().__init__()
        if not 0 < d_value < d_model:
            raise ValueError(f"d_value={d_value} must lie strictly between 0 and d_model={d_model}")
        self.conv = DilatedConv1d(d_model, d_model - d_value, kernel_size, dilation, conv_padding)
        self.attention = EvolvingAttention(
            d_model, d_key, d_value, n_heads, evolve=evolve, **attention_options
        )

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, prev_map: torch.Tensor | None, allowed="compute"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # x: (B, L, D)
        conv_out = self.conv(x.transpose(1, 2), valid).transpose(1, 2)  # (B, L, D - dv)
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


class LayerScale(nn.Module):
    """A learned scale per channel, started at ``init`` (Touvron et al. 2021).

    On a residual branch it lets a block start close to the identity, so a
    deep stack first behaves like the shallow network beneath it and adds
    its blocks' contributions only as far as training finds them useful.
    """

    def __init__(self, d_model: int, init: float) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((d_model,), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (..., D)
        return x * self.gamma


class DropPath(nn.Module):
    """Stochastic depth (Huang et al. 2016): in training, drop a residual
    branch for whole cases at rate ``rate`` and scale the kept ones by
    ``1 / (1 - rate)``; the identity in evaluation. A network trained so
    cannot lean on any one block, and its shallower sub-networks (the stem
    under fewer blocks) are trained as well."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"drop-path rate must lie in [0, 1), got {rate}")
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, ...), one draw per case
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        return x * (torch.rand(shape, device=x.device) < keep).to(x.dtype) / keep


class EADCBlock(nn.Module):
    """Residual block: attention-augmented dilated convolution, then a
    feed-forward layer.

    ``norm_placement="pre"`` normalises the input of each branch and leaves
    the residual stream unnormalised (Xiong et al. 2020); ``"post"``
    normalises the stream after each residual sum, as the transformer of
    Zerveas et al. (2021) that the reference code descends from does, and
    as a residual convolutional network normalises after its convolutions.

    ``norm``: "layer" normalises each step on its own, "batch" each channel
    over the real steps of the batch (the reference's BatchNorm without its
    padded steps); see :mod:`tsevo.nn.norms`. ``layer_scale``: the starting
    value of a :class:`LayerScale` on both residual branches (None: none).
    ``drop_path``: the rate of :class:`DropPath` on both residual branches.
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
        conv_padding: str = "causal",
        layer_scale: float | None = None,
        norm_placement: str = "pre",
        drop_path: float = 0.0,
        **attention_options,
    ) -> None:
        super().__init__()
        if norm_placement not in NORM_PLACEMENTS:
            raise ValueError(f"unknown norm placement {norm_placement!r}; choose from {NORM_PLACEMENTS}")
        self.post_norm = norm_placement == "post"
        self.norm_mixer = make_norm(norm, d_model)
        self.mixer = AttentionAugmentedConv(
            d_model, d_key, d_value, n_heads, kernel_size, dilation, evolve, conv_padding,
            dropout=attention_dropout, **attention_options,
        )
        self.norm_ff = make_norm(norm, d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.dropout = nn.Dropout(dropout)
        self.drop_path = DropPath(drop_path)
        self.scale_mixer, self.scale_ff = (
            (nn.Identity(), nn.Identity()) if layer_scale is None
            else (LayerScale(d_model, layer_scale), LayerScale(d_model, layer_scale))
        )

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, prev_map: torch.Tensor | None, allowed="compute"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # x: (B, L, D), valid: (B, L); allowed: the shared map mask (see EvolvingAttention.forward)
        if self.post_norm:
            mixed, logit_map, probs = self.mixer(x, valid, prev_map, allowed)
            x = self.norm_mixer(x + self.drop_path(self.dropout(self.scale_mixer(mixed))), valid)
            x = self.norm_ff(x + self.drop_path(self.dropout(self.scale_ff(self.ff(x)))), valid)
            return x * valid[..., None], logit_map, probs
        mixed, logit_map, probs = self.mixer(self.norm_mixer(x, valid), valid, prev_map, allowed)
        x = x + self.drop_path(self.dropout(self.scale_mixer(mixed)))
        x = x + self.drop_path(self.dropout(self.scale_ff(self.ff(self.norm_ff(x, valid)))))
        # keep padded steps at zero so nothing grows there from block to block
        return x * valid[..., None], logit_map, probs
