"""Stems: turn ``(B, C, L)`` series into ``(B, T, D)`` tokens for the blocks."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tsevo.nn.blocks import DilatedConv1d
from tsevo.nn.norms import make_norm

PATCH_EMBEDDINGS = ("linear", "max", "strided")


def prime_strides(patch_size: int) -> tuple[int, ...]:
    """``patch_size``'s prime factors, smallest first: strides whose product is
    exactly ``patch_size``, so that the tokens stay ``ceil(L / patch_size)``
    (ceil(ceil(L / a) / b) = ceil(L / ab))."""
    strides, rest, factor = [], patch_size, 2
    while rest > 1:
        while rest % factor == 0:
            strides.append(factor)
            rest //= factor
        factor += 1
    return tuple(strides)


def smooth_at_least(n: int) -> int:
    """The smallest ``2**a * 3**b`` that is at least ``n``: a patch size whose
    strided stages (:func:`prime_strides`) are all 2 or 3."""
    while set(prime_strides(n)) - {2, 3}:  # a patch needs at most a third more steps than asked
        n += 1
    return n


class StridedEmbedding(nn.Module):
    """Shorten ``(B, C, L)`` features by ``patch_size`` in stages of strided,
    overlapping convolutions (one per prime factor of ``patch_size``, smallest
    first), with a norm and GELU between stages.

    A flat patch maps its steps with one linear layer, so a shape that crosses
    a patch's border is cut in two. Here each stage's token at stride ``s``
    reads its own ``s`` inputs and the ``s`` before them (kernel ``2s``), and
    the stages compose: the last token reads the steps of about two patches
    through a small convolutional network, as the strided dilated
    convolutions of the reference's backbone and of convolutional networks
    shorten a series. The last stage is linear, as the patch projection is.
    A token is real when its first step is real; the steps it reads beyond
    the end of its own series are zeros whatever padding follows, so
    appended padding changes no real token.
    """

    def __init__(self, d_in: int, d_out: int, patch_size: int, norm: str = "layer") -> None:
        super().__init__()
        self.strides = prime_strides(patch_size)
        widths = (d_in,) + (d_out,) * len(self.strides)
        self.convs = nn.ModuleList(
            nn.Conv1d(d_a, d_b, kernel_size=2 * stride, stride=stride)
            for d_a, d_b, stride in zip(widths[:-1], widths[1:], self.strides, strict=True)
        )
        self.norms = nn.ModuleList(make_norm(norm, d_out) for _ in self.strides[:-1])

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # x: (B, C, L), valid: (B, L) -> (B, ceil(L / p), D), (B, ceil(L / p))
        for index, (conv, stride) in enumerate(zip(self.convs, self.strides, strict=True)):
            x = x * valid[:, None, :].to(x.dtype)
            # left: the previous patch's s steps; right: up to a whole last patch
            x = conv(F.pad(x, (stride, -x.shape[-1] % stride)))  # (B, D, ceil(L / s))
            valid = valid[:, ::stride]
            if index < len(self.norms):
                x = F.gelu(self.norms[index](x.transpose(1, 2), valid)).transpose(1, 2)
        return x.transpose(1, 2), valid  # invalid tokens are zeroed by the model, as after the linear patch


class PatchStem(nn.Module):
    """Embed non-overlapping patches of ``patch_size`` steps: ``(B, C, L)`` -> ``(B, ceil(L/p), D)``.

    With ``patch_size=1`` this is the reference's per-step linear projection.
    Larger patches shorten the sequence that attention sees, which cuts the
    quadratic cost of the maps by ``patch_size**2``. A patch is real when its
    first step is real; padded steps inside it never change it, so appended
    padding never changes a real patch.

    ``embedding="linear"`` maps the patch's ``p * C`` values to a token (a
    strided convolution): a feature that moves by one step within its patch
    meets other weights. ``embedding="max"`` keeps each channel's largest
    value over the patch's real steps and maps those ``C`` values to a token,
    so a feature counts wherever in the patch it occurs, as the pooling
    layers of convolutional networks let it. ``embedding="strided"``
    shortens in stages of overlapping strided convolutions
    (:class:`StridedEmbedding`; ``norm`` is the norm between its stages).
    All three are the same map for ``patch_size=1``.
    """

    def __init__(
        self, n_channels: int, d_model: int, patch_size: int = 1, embedding: str = "linear", norm: str = "layer"
    ) -> None:
        super().__init__()
        if embedding not in PATCH_EMBEDDINGS:
            raise ValueError(f"unknown patch embedding {embedding!r}; choose from {PATCH_EMBEDDINGS}")
        self.patch_size = patch_size
        self.embedding = embedding
        if embedding == "strided" and patch_size > 1:
            self.proj = StridedEmbedding(n_channels, d_model, patch_size, norm)
        else:
            kernel = patch_size if embedding == "linear" else 1
            self.proj = nn.Conv1d(n_channels, d_model, kernel_size=kernel, stride=kernel)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(self.proj, StridedEmbedding):
            return self.proj(x, valid)  # (B, ceil(L / p), D), (B, ceil(L / p))
        if self.embedding == "max" and self.patch_size > 1:
            x = self._max_over_patches(x, valid)  # (B, C, L / p)
        else:
            x = x * valid[:, None, :]
            remainder = -x.shape[-1] % self.patch_size
            if remainder:  # no copy when the length divides
                x = F.pad(x, (0, remainder))
        tokens = self.proj(x).transpose(1, 2)  # (B, L / p, D)
        return tokens, valid[:, :: self.patch_size]

    def _max_over_patches(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        # padded steps hold -inf so that they never win; a patch with no real step is zeroed
        # afterwards (it is an invalid token), which keeps infinities out of every later sum
        x = x.masked_fill(~valid[:, None, :], float("-inf"))
        x = F.pad(x, (0, -x.shape[-1] % self.patch_size), value=float("-inf"))
        pooled = F.max_pool1d(x, kernel_size=self.patch_size, stride=self.patch_size)  # (B, C, L / p)
        return pooled.masked_fill(pooled == float("-inf"), 0.0)


class ConvStem(nn.Module):
    """Convolutions at full resolution, then patches of their features.

    A token of the patch stem is a linear map of ``patch_size`` raw values
    (a single value when ``patch_size=1``), so the first attention layer
    compares points rather than shapes. Here two convolutions (kernels
    7 and 5, receptive field 11 steps) first describe the local shape around
    every step, as the early convolutions of Xiao et al. (2021) do for vision
    transformers, and the patch stem then shortens their output.
    ``conv_padding`` as in :class:`tsevo.nn.DilatedConv1d`; either way
    appended padding changes no real token. ``norm`` as in
    :func:`tsevo.nn.norms.make_norm`.
    """

    def __init__(
        self,
        n_channels: int,
        d_model: int,
        patch_size: int = 1,
        norm: str = "layer",
        conv_padding: str = "causal",
        patch_embedding: str = "linear",
    ) -> None:
        super().__init__()
        self.conv1 = DilatedConv1d(n_channels, d_model, kernel_size=7, dilation=1, padding=conv_padding)
        self.norm1 = make_norm(norm, d_model)
        self.conv2 = DilatedConv1d(d_model, d_model, kernel_size=5, dilation=1, padding=conv_padding)
        self.norm2 = make_norm(norm, d_model)
        self.patch = PatchStem(d_model, d_model, patch_size, patch_embedding, norm)

    @staticmethod
    def _norm_act(norm: nn.Module, h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        # (B, D, L): padding-safe norm (padded steps never enter real statistics)
        return F.gelu(norm(h.transpose(1, 2), valid)).transpose(1, 2)

    def features(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """The features at full resolution, before the patches: ``(B, C, L)`` -> ``(B, D, L)``."""
        # inputs are zeroed at padded steps here, so the convolutions need no mask of their own
        h = self._norm_act(self.norm1, self.conv1(x * valid[:, None, :]), valid)  # (B, D, L)
        return self._norm_act(self.norm2, self.conv2(h * valid[:, None, :]), valid)  # (B, D, L)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.patch(self.features(x, valid), valid)  # (B, ceil(L / p), D), (B, ceil(L / p))


class ResidualConvBlock(nn.Module):
    """Three convolutions (kernels 8, 5 and 3) with a 1x1 shortcut, as
    in the residual network of Wang et al. (2017) for time series, with a
    padding-safe norm (:func:`tsevo.nn.norms.make_norm`)."""

    KERNELS = (8, 5, 3)

    def __init__(self, d_in: int, d_out: int, norm: str = "layer", conv_padding: str = "causal") -> None:
        super().__init__()
        widths = (d_in,) + (d_out,) * len(self.KERNELS)
        self.convs = nn.ModuleList(
            DilatedConv1d(a, b, kernel_size=k, dilation=1, padding=conv_padding)
            for a, b, k in zip(widths[:-1], widths[1:], self.KERNELS, strict=True)
        )
        self.norms = nn.ModuleList(make_norm(norm, d_out) for _ in self.KERNELS)
        self.shortcut = nn.Conv1d(d_in, d_out, kernel_size=1)

    def forward(self, h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        # h: (B, d_in, L) -> (B, d_out, L)
        mask = valid[:, None, :]
        out = h
        for index, (conv, norm) in enumerate(zip(self.convs, self.norms, strict=True)):
            out = norm(conv(out * mask).transpose(1, 2), valid).transpose(1, 2)
            if index < len(self.convs) - 1:
                out = F.gelu(out)
        return F.gelu(out + self.shortcut(h))


class ResidualStem(nn.Module):
    """Three residual convolution blocks at full resolution, then patches of
    their features: the tokens describe shapes over about 40 steps before any
    attention. A plain residual network trained with tsevo's loop and inputs
    outscored the EA-DC network on most development problems
    (``benchmarks/results/defaults/control.md``), but under the EA-DC blocks
    this stem validated below the two-convolution one (``residual_stem.md``),
    so it is an option, not the default."""

    def __init__(
        self,
        n_channels: int,
        d_model: int,
        patch_size: int = 1,
        norm: str = "layer",
        conv_padding: str = "causal",
        patch_embedding: str = "linear",
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            [ResidualConvBlock(n_channels, d_model, norm, conv_padding),
             ResidualConvBlock(d_model, d_model, norm, conv_padding),
             ResidualConvBlock(d_model, d_model, norm, conv_padding)]
        )
        self.patch = PatchStem(d_model, d_model, patch_size, patch_embedding, norm)

    def features(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """The features at full resolution, before the patches: ``(B, C, L)`` -> ``(B, D, L)``."""
        h = x
        for block in self.blocks:
            h = block(h, valid)  # (B, D, L)
        return h

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.patch(self.features(x, valid), valid)  # (B, ceil(L / p), D), (B, ceil(L / p))


STEM_CLASSES = {"patch": PatchStem, "conv": ConvStem, "residual": ResidualStem}
STEMS = tuple(STEM_CLASSES)


def make_stem(
    kind: str,
    n_channels: int,
    d_model: int,
    patch_size: int,
    norm: str = "layer",
    conv_padding: str = "causal",
    patch_embedding: str = "linear",
) -> nn.Module:
    if kind not in STEM_CLASSES:
        raise ValueError(f"unknown stem {kind!r}; choose from {STEMS}")
    if kind == "patch":  # no convolutions at full resolution
        return PatchStem(n_channels, d_model, patch_size, patch_embedding, norm)
    return STEM_CLASSES[kind](n_channels, d_model, patch_size, norm, conv_padding, patch_embedding)
