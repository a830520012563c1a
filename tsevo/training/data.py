"""Tensors of a training or prediction set, and their batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass
class SeriesTensors:
    """Standardised series ``(N, C, L)``, validity mask ``(N, L)`` and optional labels ``(N,)``."""

    values: torch.Tensor
    valid: torch.Tensor
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.values.shape[0]

    def batches(
        self,
        batch_size: int,
        device: torch.device,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]:
        """Yield ``(values, valid, labels)`` batches on ``device``, shuffled when a
        generator is given. Each batch is cut to its longest case, so short
        series do not pay for the longest one in the set."""
        n = len(self)
        order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            valid = self.valid[idx]
            length = int(valid.sum(1).max())
            labels = None if self.labels is None else self.labels[idx].to(device)
            yield (
                self.values[idx, :, :length].to(device, dtype, non_blocking=True),
                valid[:, :length].to(device, non_blocking=True),
                labels,
            )
