"""Device names accepted by the estimators."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device) -> torch.device:
    """Map ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` to a usable device.

    Raises ``ValueError`` for unknown names and for CUDA on a machine without it.
    """
    name = str(device)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={name!r} was requested but CUDA is not available on this machine; "
                "use device='cpu' or 'auto'"
            )
        return torch.device(name)
    raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def is_gpu_device(device: str | torch.device) -> bool:
    """Whether ``device`` trains on a GPU (for "auto": whether one is there);
    never raises, unlike :func:`resolve_device`."""
    name = str(device)
    if name == "auto":
        return torch.cuda.is_available()
    return name == "cuda" or name.startswith("cuda:")
