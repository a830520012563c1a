"""Control networks for validation runs: the same estimator, inputs, loop and
schedule as EA-DC, with a plain convolutional network in place of the
EA-DC-Transformer (``validate.py --configs resnet_control``).

Where the control scores far above EA-DC, the EA-DC stem or block is at fault;
where it scores as low, the training (loop, schedule, inputs) is. Not part of
the package: nothing here is offered to users.
"""

from __future__ import annotations

import torch
from torch import nn


def masked_mean(h: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean of ``(B, D, T)`` features over the real steps of ``valid`` ``(B, T)`` -> ``(B, D)``."""
    weights = valid[:, None, :].to(h.dtype)
    return (h * weights).sum(-1) / weights.sum(-1).clamp(min=1)


class ResidualBlock(nn.Module):
    """Three same-length convolutions (kernels 8, 5, 3) with batch norm and a
    shortcut, as in the ResNet of Wang et al. (2017) for time series."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        layers = []
        for index, kernel in enumerate((8, 5, 3)):
            layers += [nn.Conv1d(d_in if index == 0 else d_out, d_out, kernel, padding="same"),
                       nn.BatchNorm1d(d_out)]
            if index < 2:
                layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)
        self.shortcut = nn.Sequential(nn.Conv1d(d_in, d_out, 1), nn.BatchNorm1d(d_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))  # (B, d_out, L)


class ResNetControl(nn.Module):
    """ResNet (64, 128, 128 filters) with global average pooling over the real
    steps. Takes the EA-DC-Transformer's keywords and uses two of them, so the
    estimator can build it in the network's place."""

    def __init__(self, n_channels: int, n_classes: int, **_ignored) -> None:
        super().__init__()
        self.blocks = nn.Sequential(ResidualBlock(n_channels, 64), ResidualBlock(64, 128),
                                    ResidualBlock(128, 128))
        self.classifier = nn.Linear(128, n_classes)

    def forward(self, x: torch.Tensor, valid: torch.Tensor, padded: bool | None = None) -> torch.Tensor:
        # x: (B, C, L), valid: (B, L) -> logits (B, n_classes)
        h = self.blocks(x * valid[:, None, :])  # (B, 128, L)
        return self.classifier(masked_mean(h, valid))


class PatchedResNetControl(nn.Module):
    """The ResNet control with EA-DC's change of resolution: its first residual block
    at full resolution (where EA-DC has its convolutional stem), then non-overlapping
    patches of ``patch_size`` steps (EA-DC's patch projection: a strided linear
    convolution), then the other two blocks at token resolution.

    Its score between EA-DC's and :class:`ResNetControl`'s says how much of the
    gap on long series the shortening to at most 128 tokens accounts for
    (``benchmarks/results/defaults/control_patched.md``: about half).
    """

    def __init__(self, n_channels: int, n_classes: int, patch_size: int = 1, **_ignored) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.full_resolution = ResidualBlock(n_channels, 64)
        self.patch = nn.Conv1d(64, 64, kernel_size=patch_size, stride=patch_size)
        self.tokens = nn.Sequential(ResidualBlock(64, 128), ResidualBlock(128, 128))
        self.classifier = nn.Linear(128, n_classes)

    def forward(self, x: torch.Tensor, valid: torch.Tensor, padded: bool | None = None) -> torch.Tensor:
        # x: (B, C, L), valid: (B, L) -> logits (B, n_classes)
        h = self.full_resolution(x * valid[:, None, :]) * valid[:, None, :]  # (B, 64, L)
        h = nn.functional.pad(h, (0, -h.shape[-1] % self.patch_size))
        h = self.tokens(self.patch(h))  # (B, 128, T), T = ceil(L / p)
        # a token is real when its first step is, as in EA-DC's patch stem
        return self.classifier(masked_mean(h, valid[:, :: self.patch_size]))
