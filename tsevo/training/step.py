"""One optimisation step, shared by supervised training, pre-training and batched members."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn


def optimisation_step(
    loss: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    clip: Callable[[], object] | None = None,
) -> None:
    """Fresh gradients of ``loss``, clipped by ``clip`` where given, then one
    step of the optimiser and of its learning-rate schedule."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        clip()
    optimizer.step()
    scheduler.step()


def gradient_clip(parameters: Iterable[torch.Tensor], max_norm: float | None) -> Callable[[], object] | None:
    """A ``clip`` for :func:`optimisation_step` that bounds the gradients' joint
    norm by ``max_norm``; ``None`` (no clipping) when ``max_norm`` is 0 or ``None``."""
    if not max_norm:
        return None
    parameters = list(parameters)  # a generator such as ``model.parameters()`` would run dry after one step
    return lambda: nn.utils.clip_grad_norm_(parameters, max_norm)
