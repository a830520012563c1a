"""``torch.compile`` for the training forward pass, with eager execution as the fallback.

Compilation can fail where eager execution works (no C++ compiler for
inductor on a CPU, an operator or a shape that the compiler does not take),
and it fails lazily: the forward graph compiles at the first call, the
backward graph at the first backward. So the compiled network is tried on
one batch, forward and backward, before training starts; if that fails, a
warning says why and training runs eagerly. The trial leaves no trace: the
gradients, the buffers (batch-norm statistics) and the random streams are as
they were before it, so a fit whose compilation failed is the eager fit.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator

import torch
from torch import nn

BACKEND = "inductor"  # torch.compile's default; the tests trace with "aot_eager", which generates no code


def compiled_forward(
    model: nn.Module, trial: list[tuple[torch.Tensor, torch.Tensor]], autocast: Callable
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``model`` under ``torch.compile``, tried forward and backward (in training
    mode) on each ``(values, valid)`` batch of ``trial``; ``model`` itself, with a
    ``RuntimeWarning``, where compiling fails. Call the result as the model."""
    try:
        # dynamic shapes: padded lengths differ by batch, so one compilation serves them; the trial
        # batches should include the epoch's smaller last batch, for which the graph may be compiled again
        compiled = torch.compile(model, dynamic=True, backend=BACKEND)

        def forward(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
            # whether any step is padded is decided here: a branch on a tensor's value would cut the graph
            return compiled(values, valid, padded=not bool(valid.all()))

        with _untouched(model):
            for values, valid in trial:
                with autocast():
                    outputs = forward(values, valid)
                outputs.float().sum().backward()
    except Exception as error:  # any failure of the compiler; Ctrl-C goes on to the caller
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        warnings.warn(
            f"torch.compile failed ({type(error).__name__}: {reason[:300]}); training without it",
            RuntimeWarning, stacklevel=4,
        )
        return model
    return forward


@contextlib.contextmanager
def _untouched(model: nn.Module) -> Iterator[None]:
    """Run a trial step and leave ``model``'s gradients, buffers and the random streams as they were."""
    buffers = {name: buffer.detach().clone() for name, buffer in model.named_buffers()}
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        for parameter in model.parameters():
            parameter.grad = None
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(buffers[name])
