"""Evolving multi-head self-attention: attention maps in, attention maps out.

The map that one layer hands to the next is the pre-softmax logit map ``Z``
(DESIGN.md 1.1 step 4)::

    S = Q K^T / sqrt(d_head) + relative-position bias
    M = (1 - prev_map_weight) * S + prev_map_weight * P      # P: previous Z
    Z = map_conv_weight * act(conv3x3(M)) + (1 - map_conv_weight) * M
    A = softmax(Z over keys),  out = A V

``prev_map_weight`` is the reference code's ``--beta`` and ``map_conv_weight``
its ``--alpha``. The first layer of a stack has no previous map and therefore
no map convolution: ``Z = S``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def key_padding_and_future_mask(
    valid: torch.Tensor, causal: bool
) -> torch.Tensor:
    """Boolean map mask ``(B, 1, L, L)``: True where an entry may be used.

    An entry (i, j) is usable when query i and key j are real steps and, for a
    causal model, when j <= i.
    """
    allowed = valid[:, None, :, None] & valid[:, None, None, :]  # (B, 1, L, L)
    if causal:
        length = valid.shape[1]
        past = torch.ones(length, length, dtype=torch.bool, device=valid.device).tril()
        allowed = allowed & past
    return allowed


def map_mask(valid: torch.Tensor, causal: bool, padded: bool | None = None) -> torch.Tensor | None:
    """The mask of :func:`key_padding_and_future_mask`, or None when every entry
    is allowed (no padding, not causal), which lets the layers skip masking.

    ``padded=None`` finds out from ``valid``, at the cost of one device sync
    (``valid.all()``): call it once per forward pass. Callers that cannot
    branch on a tensor's value (``torch.func.vmap``) say whether any step is
    padded themselves."""
    if padded is None:
        padded = not bool(valid.all())
    if causal or padded:
        return key_padding_and_future_mask(valid, causal)
    return None


# (exact_distance, max_distance, n_log_buckets) of the relative-position bias
REL_POS_BUCKETS = (16, 256, 8)


class RelativePositionBias(nn.Module):
    """A learned per-head bias for every offset ``j - i`` (T5 style buckets).

    Offsets shorter than ``exact_distance`` each have their own bias; longer
    ones share ``n_log_buckets`` buckets whose widths grow logarithmically up
    to ``max_distance``, and offsets beyond it share the last bucket. So every
    offset the stem can produce, however long the series, has a bias, and the
    table stays small. ``n_log_buckets=0`` clips at ``exact_distance - 1``.
    """

    def __init__(
        self,
        n_heads: int,
        exact_distance: int | None = None,
        max_distance: int | None = None,
        n_log_buckets: int | None = None,
    ) -> None:
        super().__init__()
        exact_distance = REL_POS_BUCKETS[0] if exact_distance is None else exact_distance
        max_distance = REL_POS_BUCKETS[1] if max_distance is None else max_distance
        n_log_buckets = REL_POS_BUCKETS[2] if n_log_buckets is None else n_log_buckets
        if not 0 < exact_distance < max_distance:
            raise ValueError("need 0 < exact_distance < max_distance")
        self.exact_distance = exact_distance
        self.max_distance = max_distance
        self.n_log_buckets = n_log_buckets
        self.per_side = exact_distance + n_log_buckets  # buckets for |offset| of one sign, 0 included
        self.bias = nn.Parameter(torch.zeros(n_heads, 2 * self.per_side - 1))

    def bucket(self, offset: torch.Tensor) -> torch.Tensor:
        """Signed offsets -> table columns ``[0, 2 * per_side - 1)``."""
        distance = offset.abs()
        if self.n_log_buckets:
            ratio = distance.clamp(min=self.exact_distance).float() / self.exact_distance
            log_bucket = self.exact_distance + (
                ratio.log() / math.log(self.max_distance / self.exact_distance) * self.n_log_buckets
            ).long()
            distance = torch.where(distance < self.exact_distance, distance, log_bucket)
        distance = distance.clamp(max=self.per_side - 1)
        return torch.where(offset < 0, -distance, distance) + self.per_side - 1

    def forward(self, length: int) -> torch.Tensor:
        pos = torch.arange(length, device=self.bias.device)
        return self.bias[:, self.bucket(pos[None, :] - pos[:, None])]  # (H, L, L)


class EvolveMap(torch.autograd.Function):
    """The whole map update of an evolving layer as one autograd node::

        M = lerp(S, P, beta), zero where not allowed
        Z = alpha * leaky_relu(conv3x3(M)) + (1 - alpha) * M, zero where not allowed

    Autograd over these steps one by one allocates about eight ``(B, H, L, L)``
    maps in the backward pass and five in the forward, and keeps a float
    activation map for the LeakyReLU. Here the forward writes ``M`` straight
    into the channels-last layout the convolution runs fastest in, blends in
    place in the convolution's output and keeps ``M`` and one byte per entry
    (the activation's sign); the backward allocates three maps. Same values
    as the straightforward update within float rounding (tested).
    """

    @staticmethod
    def forward(ctx, scores, prev_map, weight, bias, beta, alpha, slope, causal, allowed):
        mixed = torch.empty_like(scores, memory_format=torch.channels_last)
        torch.lerp(scores, prev_map, beta, out=mixed)
        if allowed is not None:
            mixed.masked_fill_(~allowed, 0.0)
        # the kernel in the maps' dtype: under autocast the maps are bfloat16
        kernel = weight.to(mixed.dtype).contiguous(memory_format=torch.channels_last)
        conv_input = _causal_pad(mixed) if causal else mixed
        out = F.conv2d(conv_input, kernel, bias.to(mixed.dtype), padding=0 if causal else 1)
        positive = out > 0
        evolved = F.leaky_relu_(out, slope).mul_(alpha).add_(mixed, alpha=1 - alpha)
        if allowed is not None:
            evolved.masked_fill_(~allowed, 0.0)
        ctx.save_for_backward(conv_input, kernel, positive, allowed)
        ctx.options = (beta, alpha, slope, causal, weight.dtype)
        return evolved.contiguous()

    @staticmethod
    def backward(ctx, grad):
        conv_input, kernel, positive, allowed = ctx.saved_tensors
        beta, alpha, slope, causal, weight_dtype = ctx.options
        if allowed is not None:
            grad = grad.masked_fill(~allowed, 0.0)
        # d/d(conv out) of alpha * leaky_relu: alpha where positive, alpha * slope elsewhere
        grad_out = torch.empty_like(grad, memory_format=torch.channels_last)
        torch.mul(grad, alpha * slope, out=grad_out)
        grad_out.addcmul_(grad, positive, value=alpha * (1 - slope))
        grad_input, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
            grad_out, conv_input, kernel, [kernel.shape[0]], [1, 1], [0, 0] if causal else [1, 1],
            [1, 1], False, [0, 0], 1, [True, True, True],
        )
        grad_mixed = grad_input[..., 2:, 2:] if causal else grad_input
        grad_mixed.add_(grad, alpha=1 - alpha)
        if allowed is not None:
            grad_mixed.masked_fill_(~allowed, 0.0)
        # both gradients contiguous, as the matmuls that receive them need (a channels-last
        # gradient costs each of them a copy); the scores' into grad_out's storage, free again
        grad_scores = torch.mul(grad_mixed, 1 - beta, out=grad_out.as_strided(grad.shape, _contiguous_strides(grad)))
        grad_prev = torch.mul(grad_mixed, beta, out=torch.empty_like(grad, memory_format=torch.contiguous_format))
        return (grad_scores, grad_prev, grad_weight.to(weight_dtype), grad_bias.to(weight_dtype),
                None, None, None, None, None)


def _contiguous_strides(t: torch.Tensor) -> tuple[int, ...]:
    """Strides of a contiguous tensor shaped like ``t`` (a meta tensor: nothing is allocated)."""
    return torch.empty(t.shape, device="meta").stride()


def _causal_pad(maps: torch.Tensor) -> torch.Tensor:
    """Two zero rows on top and two zero columns on the left, channels-last: a
    3x3 kernel over the result reads rows <= i and columns <= j for output (i, j)."""
    return F.pad(maps, (2, 0, 2, 0)).contiguous(memory_format=torch.channels_last)


class MapConvolution(nn.Module):
    """3x3 convolution over attention maps with heads as channels, then LeakyReLU.

    With ``causal=True`` the kernel is shifted so that the output at (i, j)
    reads only rows <= i and columns <= j (padding on the top and left), so no
    entry sees a later query or a later key.
    """

    def __init__(self, n_heads: int, causal: bool, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.causal = causal
        self.negative_slope = negative_slope
        self.conv = nn.Conv2d(n_heads, n_heads, kernel_size=3, padding=0)

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        """Straightforward path: explicit padding, default memory layout."""
        # maps: (B, H, L, L); F.pad order is (left, right, top, bottom)
        padding = (2, 0, 2, 0) if self.causal else (1, 1, 1, 1)
        out = self.conv(F.pad(maps, padding))
        return F.leaky_relu(out, self.negative_slope)

    def evolve(
        self, scores: torch.Tensor, prev_map: torch.Tensor, beta: float, alpha: float,
        allowed: torch.Tensor | None,
    ) -> torch.Tensor:
        """Fast path of the whole update (see :class:`EvolveMap`); ``(B, H, L, L)``
        in and out, contiguous."""
        return EvolveMap.apply(scores, prev_map, self.conv.weight, self.conv.bias, beta, alpha,
                               self.negative_slope, self.causal, allowed)


class EvolvingAttention(nn.Module):
    """Multi-head self-attention whose logit map evolves from layer to layer.

    Parameters
    ----------
    d_model : int
        Width of the input sequence.
    d_key, d_value : int
        Total width of queries/keys and of values over all heads; both must
        divide by ``n_heads``.
    n_heads : int
        Number of heads, which are also the channels of the map convolution.
    evolve : bool
        Whether this layer receives a previous map (every layer but the first).
    prev_map_weight : float
        Weight of the previous layer's map in the residual mix (reference
        ``--beta``).
    map_conv_weight : float
        Weight of the convolved map against the mixed map (reference
        ``--alpha``).
    causal : bool
        Queries attend only to keys at or before their own step.
    rel_pos_bias : bool
        Add a learned relative-position bias to the logits.
    output_projection : bool
        Apply an output projection ``W^O`` after the heads are concatenated.
    dropout : float
        Dropout on the attention probabilities.
    fast : bool
        Use the fused map update (same maps within float tolerance); False
        runs the straightforward reference implementation.
    """

    def __init__(
        self,
        d_model: int,
        d_key: int,
        d_value: int,
        n_heads: int,
        evolve: bool,
        prev_map_weight: float = 0.3,
        map_conv_weight: float = 0.5,
        causal: bool = False,
        rel_pos_bias: bool = True,
        output_projection: bool = True,
        dropout: float = 0.0,
        fast: bool = True,
    ) -> None:
        super().__init__()
        if d_key % n_heads or d_value % n_heads:
            raise ValueError(
                f"d_key={d_key} and d_value={d_value} must both divide by n_heads={n_heads}"
            )
        self.n_heads = n_heads
        self.fast = fast
        self.causal = causal
        self.evolve = evolve
        self.prev_map_weight = prev_map_weight
        self.map_conv_weight = map_conv_weight
        self.scale = 1.0 / math.sqrt(d_key // n_heads)
        self.to_qk = nn.Linear(d_model, 2 * d_key, bias=False)
        self.to_v = nn.Linear(d_model, d_value, bias=False)
        self.map_conv = MapConvolution(n_heads, causal) if evolve else None
        self.rel_pos = RelativePositionBias(n_heads) if rel_pos_bias else None
        self.out = nn.Linear(d_value, d_value) if output_projection else nn.Identity()
        self.attn_dropout = nn.Dropout(dropout)

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        batch, length, width = t.shape
        return t.view(batch, length, self.n_heads, width // self.n_heads).transpose(1, 2)

    @staticmethod
    def merge_heads(t: torch.Tensor) -> torch.Tensor:
        # (B, H, L, d) -> (B, L, H*d): transpose before reshaping, never reshape alone
        batch, heads, length, width = t.shape
        return t.transpose(1, 2).reshape(batch, length, heads * width)

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled dot-product logits ``S`` ``(B, H, L, L)`` and values ``(B, H, L, dv/H)``."""
        q, k = self.to_qk(x).chunk(2, dim=-1)
        # scale the (B, H, L, d) queries rather than the (B, H, L, L) scores
        q, k = self.split_heads(q * self.scale), self.split_heads(k)
        scores = q @ k.transpose(-2, -1)  # (B, H, L, L)
        if self.rel_pos is not None:
            scores = scores.add_(self.rel_pos(x.shape[1]))  # in place: matmul keeps q, k only
        return scores, self.split_heads(self.to_v(x))

    def evolve_map_reference(
        self, scores: torch.Tensor, prev_map: torch.Tensor | None, allowed: torch.Tensor
    ) -> torch.Tensor:
        """The straightforward map update, kept as the reference for the fast path."""
        mixed = scores
        if self.evolve:
            mixed = (1 - self.prev_map_weight) * scores + self.prev_map_weight * prev_map
        # zero padded rows/columns (and the future) so the 3x3 kernel cannot read them
        mixed = mixed.masked_fill(~allowed, 0.0)
        if self.map_conv is None:
            return mixed
        evolved = self.map_conv_weight * self.map_conv(mixed) + (1 - self.map_conv_weight) * mixed
        return evolved.masked_fill(~allowed, 0.0)

    def evolve_map(
        self, scores: torch.Tensor, prev_map: torch.Tensor | None, allowed: torch.Tensor | None
    ) -> torch.Tensor:
        """Mix in the previous map and convolve; returns ``Z`` with disallowed entries zero.

        ``allowed=None`` means every entry is allowed (no padding, not causal),
        which skips the masking passes. The first layer's ``scores`` are
        overwritten.
        """
        if self.evolve and prev_map is None:
            raise ValueError("an evolving attention layer needs the previous layer's map")
        # under torch.compile the plain operations, which the compiler fuses itself (the fast path's
        # hand-written backward writes into preallocated buffers, which a compiled graph cannot hold)
        if not self.fast or torch.compiler.is_compiling():
            full = torch.ones_like(scores[:, :1], dtype=torch.bool) if allowed is None else allowed
            return self.evolve_map_reference(scores, prev_map, full)
        if self.map_conv is not None:
            return self.map_conv.evolve(scores, prev_map, self.prev_map_weight, self.map_conv_weight, allowed)
        # the first layer: Z = S (in place: the fresh scores are kept by no backward)
        return scores if allowed is None else scores.masked_fill_(~allowed, 0.0)

    def forward(
        self,
        x: torch.Tensor,
        valid: torch.Tensor,
        prev_map: torch.Tensor | None = None,
        allowed: torch.Tensor | None | str = "compute",
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attend over ``x``.

        Parameters
        ----------
        x : Tensor (B, L, d_model)
        valid : bool Tensor (B, L), True for real steps
        prev_map : Tensor (B, H, L, L) or None
        allowed : bool Tensor (B, 1, L, L), None or "compute"
            The map mask of :func:`map_mask`, computed once per forward pass
            by the caller and shared by every layer; None when every entry is
            allowed; "compute" builds it here.

        Returns
        -------
        out : Tensor (B, L, d_value)
        logit_map : Tensor (B, H, L, L), the evolved pre-softmax map ``Z``
            (zero at padded and future entries), handed to the next layer.
        probs : Tensor (B, H, L, L), the attention probabilities.
        """
        if isinstance(allowed, str):
            allowed = map_mask(valid, self.causal)
        scores, v = self.logits(x)
        logit_map = self.evolve_map(scores, prev_map, allowed)  # (B, H, L, L)
        if allowed is None:
            probs = logit_map.softmax(dim=-1)
        else:
            # a padded query row still has its real keys, so no row is all -inf
            key_allowed = allowed | ~valid[:, None, :, None]
            probs = logit_map.masked_fill(~key_allowed, float("-inf")).softmax(dim=-1)
        out = self.merge_heads(self.attn_dropout(probs) @ v)  # (B, L, d_value)
        return self.out(out), logit_map, probs
