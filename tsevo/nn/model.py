"""The EA-DC-Transformer backbone and its classification head."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.utils.checkpoint
from torch import nn

from tsevo.nn.attention import map_mask
from tsevo.nn.blocks import EADCBlock
from tsevo.nn.heads import FlattenPooling, MaskedPooling, masked_mean
from tsevo.nn.norms import make_norm
from tsevo.nn.stems import make_stem

MAP_KINDS = ("logits", "probs")


@dataclass
class AttentionMaps:
    """Per-layer attention maps returned on request, each ``(B, H, L, L)``.

    ``logits`` are the evolved pre-softmax maps ``Z`` that each layer hands
    on (zero at padded or future entries); ``probs`` are the softmax weights.
    Only the ``kinds`` and ``layers`` asked for are kept (``layers=None``:
    all), so collecting maps costs no memory beyond what is returned.
    """

    kinds: tuple[str, ...] = MAP_KINDS
    layers: tuple[int, ...] | None = None
    logits: list[torch.Tensor] = field(default_factory=list)
    probs: list[torch.Tensor] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(MAP_KINDS)
        if unknown:
            raise ValueError(f"unknown map kind(s) {sorted(unknown)}; choose from {MAP_KINDS}")

    def record(self, layer: int, logits: torch.Tensor, probs: torch.Tensor) -> None:
        if self.layers is not None and layer not in self.layers:
            return
        for kind, value in (("logits", logits), ("probs", probs)):
            if kind in self.kinds:
                getattr(self, kind).append(value)


def attention_widths(
    d_model: int, n_heads: int, key_fraction: float, value_fraction: float
) -> tuple[int, int]:
    """``(d_key, d_value)`` of every attention layer, checked.

    Both must be positive multiples of ``n_heads``, and ``d_value`` must leave
    channels for the convolution branch; otherwise ``ValueError``.
    """
    widths = {"key_fraction": round(d_model * key_fraction), "value_fraction": round(d_model * value_fraction)}
    fractions = {"key_fraction": key_fraction, "value_fraction": value_fraction}
    for name, width in widths.items():
        if width == 0 or width % n_heads:
            raise ValueError(
                f"d_model * {name} = {d_model} * {fractions[name]} = {width} must be a positive multiple of "
                f"n_heads={n_heads} (d_key and d_value must be positive multiples of n_heads)"
            )
    if widths["value_fraction"] >= d_model:
        raise ValueError("value_fraction must leave channels for the convolution branch")
    return widths["key_fraction"], widths["value_fraction"]


def sinusoidal_positions(length: int, d_model: int, device: torch.device) -> torch.Tensor:
    """Fixed sinusoidal positional signal ``(L, D)``; defined for any length."""
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(
        torch.arange(0, d_model, 2, device=device, dtype=torch.float32)
        * (-math.log(10000.0) / d_model)
    )
    table = torch.zeros(length, d_model, device=device)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq[: d_model // 2])
    return table


class EADCTransformer(nn.Module):
    """Evolving Attention-enhanced Dilated Convolutional Transformer.

    Parameters
    ----------
    n_channels : int
        Input channels ``C``.
    n_classes : int
        Output logits.
    d_model : int
        Width ``D`` of the sequence representation.
    n_blocks : int
        EA-DC blocks; block ``i`` has dilation ``2**i``.
    patch_size : int
        Steps per token of the stem; 1 keeps full resolution.
    patch_embedding : {"linear", "max", "strided"}
        How the stem turns a patch into a token: a linear map of all its
        steps, or of each channel's largest value over its steps, or
        overlapping strided convolutions in stages (see
        :class:`tsevo.nn.PatchStem`).
    stem : {"patch", "conv", "residual"}
        Linear patches of raw steps, or convolutions at full
        resolution before the patches (see :mod:`tsevo.nn.stems`).
    n_heads : int
        Attention heads; ``d_key`` and ``d_value`` must divide by it.
    key_fraction, value_fraction : float
        ``d_key = D * key_fraction`` and ``d_value = D * value_fraction``
        (the reference's ``k`` and ``v``).
    d_ff : int
        Hidden width of the feed-forward layers.
    kernel_size : int
        Kernel of the dilated convolutions.
    conv_padding : {"causal", "centred"}
        Whether the convolutions of the stem and the blocks read only earlier
        steps (the reference) or as far ahead as behind (see
        :class:`tsevo.nn.DilatedConv1d`).
    dropout : float
        Dropout in blocks and head.
    attention_dropout : float
        Dropout on attention probabilities (costly: one draw per map entry).
    prev_map_weight : float
        Weight of the previous layer's map (reference ``--beta``).
    map_conv_weight : float
        Weight of the convolved map (reference ``--alpha``).
    causal : bool
        Causal attention: each step attends to itself and earlier steps.
        Needs ``conv_padding="causal"``, or the convolutions would read ahead.
    rel_pos_bias : bool
        Learned relative-position bias in every attention layer.
    norm : {"layer", "batch"}
        Normalisation in the stem, the blocks and after them: LayerNorm per
        step, or batch norm per channel over the real steps of the batch
        (see :mod:`tsevo.nn.norms`).
    norm_placement : {"pre", "post"}
        Where the blocks normalise: the input of each branch, with one more
        norm after the last block ("pre"), or the residual stream after each
        sum ("post", the arrangement of the reference's lineage); see
        :class:`tsevo.nn.EADCBlock`.
    head : {"mean", "max", "attention", "flatten"}
        Masked pooling over steps, or the reference's flatten head.
    stem_pooling : bool
        Also average the stem's features over the real steps at full
        resolution, before its patches, and hand that mean to the output
        layer beside the pooled tokens: the global-average-pooling path of
        a convolutional network, which the patches would otherwise
        coarsen. Needs a convolutional stem (``stem`` "conv" or "residual").
    stem_head : bool
        A second output layer on the stem's features averaged over the real
        steps at full resolution (deep supervision, Lee et al. 2015): in
        training, ``forward`` returns both output layers' logits stacked,
        ``(2, B, n_classes)``, each trained on the targets with its own loss,
        so the stem must describe the series well enough by itself, as a
        plain convolutional network's features do; in evaluation it returns
        their mean, ``(B, n_classes)``. Needs a convolutional stem.
    max_length : int or None
        Length the flatten head is built for; required for ``head="flatten"``.
    layer_scale : float or None
        Starting value of a learned per-channel scale on every residual
        branch of the blocks (LayerScale); None: no scale.
    drop_path : float
        Stochastic depth of the deepest block's residual branches; block
        ``i`` of ``n`` drops its branches at ``drop_path * i / (n - 1)``, so
        the first never does (the schedule of Huang et al. 2016).
    checkpoint : bool
        Recompute each block in the backward pass instead of keeping its
        activations (the ``B * H * T * T`` attention maps above all): less
        memory for about one more forward pass of time. Training only.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        d_model: int = 64,
        n_blocks: int = 4,
        patch_size: int = 1,
        patch_embedding: str = "linear",
        stem: str = "patch",
        n_heads: int = 8,
        key_fraction: float = 0.5,
        value_fraction: float = 0.5,
        d_ff: int = 256,
        kernel_size: int = 3,
        conv_padding: str = "causal",
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        prev_map_weight: float = 0.3,
        map_conv_weight: float = 0.5,
        causal: bool = False,
        rel_pos_bias: bool = True,
        norm: str = "layer",
        norm_placement: str = "pre",
        head: str = "mean",
        stem_pooling: bool = False,
        stem_head: bool = False,
        max_length: int | None = None,
        fast_maps: bool = True,
        layer_scale: float | None = None,
        drop_path: float = 0.0,
        checkpoint: bool = False,
    ) -> None:
        super().__init__()
        if causal and conv_padding != "causal":
            raise ValueError(
                f"causal=True needs conv_padding='causal': with conv_padding={conv_padding!r} the "
                "convolutions read later steps and the network would not be causal"
            )
        for name, wanted in (("stem_pooling", stem_pooling), ("stem_head", stem_head)):
            if wanted and stem == "patch":
                raise ValueError(
                    f"{name}=True needs a convolutional stem ('conv' or 'residual'): the patch stem "
                    "has no features at full resolution to pool"
                )
        self.checkpoint = checkpoint
        self.n_channels, self.patch_size = n_channels, patch_size
        self.stem_pooling = stem_pooling
        self.stem_head = stem_head
        d_key, d_value = attention_widths(d_model, n_heads, key_fraction, value_fraction)
        self.d_model = d_model
        self.causal = causal
        self.stem = make_stem(stem, n_channels, d_model, patch_size, norm, conv_padding, patch_embedding)
        self.blocks = nn.ModuleList(
            EADCBlock(
                d_model, d_key, d_value, n_heads, d_ff, kernel_size,
                dilation=2**i, evolve=i > 0, dropout=dropout, attention_dropout=attention_dropout,
                prev_map_weight=prev_map_weight, map_conv_weight=map_conv_weight,
                causal=causal, rel_pos_bias=rel_pos_bias, fast=fast_maps, norm=norm, conv_padding=conv_padding,
                layer_scale=layer_scale, norm_placement=norm_placement,
                drop_path=drop_path * i / max(n_blocks - 1, 1),
            )
            for i in range(n_blocks)
        )
        # a post-norm stack ends normalised; a pre-norm one needs a last norm on its stream
        self.norm = make_norm(norm, d_model) if norm_placement == "pre" else None
        if head == "flatten":
            if max_length is None:
                raise ValueError("head='flatten' needs max_length")
            self.pool = FlattenPooling(d_model, -(-max_length // patch_size))
            pooled_width = self.pool.out_features
        else:
            self.pool = MaskedPooling(d_model, head)
            pooled_width = d_model
        if stem_pooling:
            pooled_width += d_model
        self.head_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(pooled_width, n_classes)
        self.stem_classifier = nn.Linear(d_model, n_classes) if stem_head else None

    def forward_features(
        self,
        x: torch.Tensor,
        valid: torch.Tensor,
        maps: AttentionMaps | None = None,
        padded: bool | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, C, L)`` and ``(B, L)`` -> token features ``(B, T, D)`` and their
        validity ``(B, T)``, with ``T = ceil(L / patch_size)``.

        Pass an :class:`AttentionMaps` to collect every layer's maps.
        ``padded`` says whether any step is invalid (None: read from
        ``valid``, one device sync; under ``torch.func.vmap`` it must be given).
        """
        h, valid, _ = self._encode(x, valid, maps, padded)
        return h, valid

    def _encode(
        self, x: torch.Tensor, valid: torch.Tensor, maps: AttentionMaps | None, padded: bool | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        # -> token features (B, T, D), their validity (B, T), and with stem_pooling or stem_head
        # the stem's features averaged over the real steps at full resolution (B, D), else None
        stem_mean = None
        if self.stem_pooling or self.stem_head:
            full = self.stem.features(x, valid)  # (B, D, L)
            stem_mean = masked_mean(full.transpose(1, 2), valid)  # (B, D)
            h, valid = self.stem.patch(full, valid)  # (B, T, D), (B, T)
        else:
            h, valid = self.stem(x, valid)  # (B, T, D), (B, T)
        h = (h + sinusoidal_positions(h.shape[1], self.d_model, h.device)) * valid[..., None]
        allowed = map_mask(valid, self.causal, padded)  # (B, 1, T, T) or None; shared by every layer
        prev_map = None
        recompute = self.checkpoint and self.training and torch.is_grad_enabled()
        for index, block in enumerate(self.blocks):
            if recompute:  # dropout draws are replayed in the recomputation (the RNG state is kept)
                h, prev_map, probs = torch.utils.checkpoint.checkpoint(
                    block, h, valid, prev_map, allowed, use_reentrant=False
                )
            else:
                h, prev_map, probs = block(h, valid, prev_map, allowed)
            if maps is not None:
                maps.record(index, prev_map, probs)
        return (h if self.norm is None else self.norm(h, valid)), valid, stem_mean

    def pooled_features(self, x: torch.Tensor, valid: torch.Tensor, padded: bool | None = None) -> torch.Tensor:
        """``(B, C, L)`` and ``(B, L)`` -> the pooled tokens ``(B, P)``, followed by the
        stem's mean features when ``stem_pooling`` or ``stem_head``."""
        pooled, stem_mean = self._pool(x, valid, padded)
        return pooled if stem_mean is None else torch.cat([pooled, stem_mean], dim=-1)

    def _pool(
        self, x: torch.Tensor, valid: torch.Tensor, padded: bool | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        h, valid, stem_mean = self._encode(x, valid, None, padded)
        return self.pool(h, valid), stem_mean  # (B, D) or (B, L_max * D); (B, D) or None

    def forward(self, x: torch.Tensor, valid: torch.Tensor, padded: bool | None = None) -> torch.Tensor:
        """``(B, C, L)`` and a validity mask ``(B, L)`` -> logits ``(B, n_classes)``;
        with ``stem_head`` in training, both output layers' logits ``(2, B, n_classes)``."""
        pooled, stem_mean = self._pool(x, valid, padded)
        if self.stem_pooling:
            pooled = torch.cat([pooled, stem_mean], dim=-1)
        logits = self.classifier(self.head_dropout(pooled))
        if self.stem_classifier is None:
            return logits
        stem_logits = self.stem_classifier(self.head_dropout(stem_mean))
        if self.training:  # each output layer gets its own loss (Trainer.loss averages them)
            return torch.stack([logits, stem_logits])
        return (logits + stem_logits) / 2
