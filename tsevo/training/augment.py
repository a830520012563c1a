"""Label-preserving augmentation of training batches, drawn from a local generator.

Small training sets give a network few distinct examples; random
transformations that keep the class (Iwana and Uchida 2021 survey them for
time series) show it more. Each is applied per case on the batch's device,
only to real steps, so padding stays zero.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

AUGMENTATIONS = ("scale", "jitter", "slice")


def random_scale(values: torch.Tensor, generator: torch.Generator, sigma: float = 0.1) -> torch.Tensor:
    """Multiply each case's channels by ``exp(N(0, sigma))``: amplitude changes."""
    batch, channels, _ = values.shape
    factor = torch.randn(batch, channels, 1, generator=generator, device=values.device).mul_(sigma).exp_()
    return values * factor


def random_jitter(values: torch.Tensor, generator: torch.Generator, sigma: float = 0.03) -> torch.Tensor:
    """Add Gaussian noise of ``sigma`` (inputs are standardised, so a fraction of one s.d.)."""
    noise = torch.randn(values.shape, generator=generator, device=values.device, dtype=values.dtype)
    return values + sigma * noise


def random_slice(
    values: torch.Tensor, valid: torch.Tensor, generator: torch.Generator, keep: float = 0.9
) -> torch.Tensor:
    """Window slicing (Le Guennec et al. 2016): cut a random window of ``keep``
    of each case's real steps and stretch it back to the case's length."""
    batch, _, length = values.shape
    lengths = valid.sum(1)  # (B,)
    window = (lengths * keep).clamp(min=1)
    start = torch.rand(batch, generator=generator, device=values.device) * (lengths - window)
    # sampling grid: position t of a case reads start + t * window / length of its own series
    steps = torch.arange(length, device=values.device, dtype=values.dtype)
    source = start[:, None] + steps[None, :] * (window / lengths.clamp(min=1))[:, None]
    grid_x = source / max(length - 1, 1) * 2 - 1  # grid_sample reads positions in [-1, 1]
    grid = torch.stack([grid_x, torch.zeros_like(grid_x)], dim=-1)[:, None]  # (B, 1, L, 2)
    sliced = F.grid_sample(values[:, :, None, :], grid.to(values.dtype), align_corners=True)[:, :, 0]
    return sliced * valid[:, None, :]


def augment(
    values: torch.Tensor, valid: torch.Tensor, kinds: tuple[str, ...], generator: torch.Generator
) -> torch.Tensor:
    """Apply the augmentations named in ``kinds`` to a ``(B, C, L)`` batch."""
    if "slice" in kinds:
        values = random_slice(values, valid, generator)
    if "scale" in kinds:
        values = random_scale(values, generator)
    if "jitter" in kinds:
        values = random_jitter(values, generator)
    return values * valid[:, None, :]
