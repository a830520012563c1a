"""Exponential moving average of the weights during training (Polyak averaging)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import torch


class WeightAverage:
    """An exponential moving average of ``params``, updated after every step.

    Small training sets give noisy gradient steps; the average of the recent
    weights sits nearer the middle of the valley they wander in than the last
    step does. The decay warms up as ``min(decay, (1 + t) / (10 + t))`` after
    step ``t``, so the random initial weights fade out within the first steps.
    Works on plain parameters and on the stacked weights of an ensemble alike.
    """

    def __init__(self, params: Iterable[torch.Tensor], decay: float) -> None:
        self.params = list(params)
        self.decay = decay
        self.steps = 0
        self.averages = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for average, param in zip(self.averages, self.params, strict=True):
            average.lerp_(param.detach(), 1 - decay)

    @torch.no_grad()
    def _swap(self) -> None:
        for average, param in zip(self.averages, self.params, strict=True):
            current = param.detach().clone()
            param.copy_(average)
            average.copy_(current)

    @torch.no_grad()
    def apply(self) -> None:
        """Put the averages into the parameters for good."""
        for average, param in zip(self.averages, self.params, strict=True):
            param.copy_(average)

    @contextlib.contextmanager
    def swapped(self) -> Iterator[None]:
        """Inside, the parameters hold the averages (to evaluate or copy them)."""
        self._swap()
        try:
            yield
        finally:
            self._swap()


def averaged(average: WeightAverage | None) -> contextlib.AbstractContextManager:
    """``average.swapped()``, or nothing to do without an average."""
    return contextlib.nullcontext() if average is None else average.swapped()
