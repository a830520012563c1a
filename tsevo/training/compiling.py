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
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

BACKEND = "inductor"  # torch.compile's default; the tests trace with "aot_eager", which generates no code

Forward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Batches = list[tuple[torch.Tensor, torch.Tensor]]


def compiled_forward(model: nn.Module, trial: Batches, autocast: Callable) -> Forward:
    """``model`` under ``torch.compile``, tried forward and backward (in training
    mode) on each ``(values, valid)`` batch of ``trial``; ``model`` itself, with a
    ``RuntimeWarning``, where compiling fails. Call the result as the model."""

    def build() -> Forward:
        # dynamic shapes: padded lengths differ by batch, so one compilation serves them; the trial
        # batches should include the epoch's smaller last batch, for which the graph may be compiled again
        compiled = torch.compile(model, dynamic=True, backend=BACKEND)

        def forward(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
            # whether any step is padded is decided here: a branch on a tensor's value would cut the graph
            return compiled(values, valid, padded=not bool(valid.all()))

        return forward

    tried = _tried(build, trial, autocast, model.parameters(), dict(model.named_buffers()))
    return model if tried is None else tried


def compiled_members(stack, trial: Batches) -> Forward:
    """The stacked members' forward pass (a :class:`tsevo.training.members.StackedModules`) under
    ``torch.compile``, tried as :func:`compiled_forward` tries one network; ``stack`` itself, with a
    ``RuntimeWarning``, where compiling fails.

    Shapes are static: under ``vmap`` the compiler takes no dynamic sizes, so every batch must come
    padded to one length, and the trial should hold the full batch and the epoch's smaller last one
    (each shape, padded or not, is a graph of its own)."""

    def build() -> Forward:
        compiled = torch.compile(stack.functional, dynamic=False, backend=BACKEND)

        def forward(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
            return compiled(stack.params, stack.buffers, values, valid, not bool(valid.all()))

        return forward

    tried = _tried(build, trial, contextlib.nullcontext, stack.params.values(), stack.buffers)
    return stack if tried is None else tried


def trial_batches(values: torch.Tensor, valid: torch.Tensor, n_cases: int, batch_size: int) -> Batches:
    """A first training batch ``(..., B, C, L)`` and, cut from it, the epoch's smaller last batch
    where there is one: the shapes that training will run, for the compiler's trial."""
    trial = [(values, valid)]
    batch_axis = values.ndim - 3  # 0 for one network, 1 for stacked members
    last = n_cases % batch_size
    if last and last < values.shape[batch_axis]:  # not views, as training's batches are not
        trial.append((values.narrow(batch_axis, 0, last).clone(), valid.narrow(batch_axis, 0, last).clone()))
    return trial


def _tried(build: Callable[[], Forward], trial: Batches, autocast: Callable, parameters: Iterable[torch.Tensor],
           buffers: dict[str, torch.Tensor]) -> Forward | None:
    """``build()``'s forward pass after a trial forward and backward on each batch of ``trial``
    that leaves no trace; None, with a ``RuntimeWarning`` that says why, where any of it fails."""
    parameters = list(parameters)
    try:
        forward = build()
        with _untouched(parameters, buffers):
            for values, valid in trial:
                with autocast():
                    outputs = forward(values, valid)
                outputs.float().sum().backward()
    except Exception as error:  # any failure of the compiler; Ctrl-C goes on to the caller
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        warnings.warn(
            f"torch.compile failed ({type(error).__name__}: {reason[:300]}); training without it",
            RuntimeWarning, stacklevel=5,
        )
        return None
    return forward


@contextlib.contextmanager
def _untouched(parameters: list[torch.Tensor], buffers: dict[str, torch.Tensor]) -> Iterator[None]:
    """Run a trial step and leave the gradients of ``parameters``, ``buffers`` and the random streams as they were."""
    saved = {name: buffer.detach().clone() for name, buffer in buffers.items()}
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        for parameter in parameters:
            parameter.grad = None
        with torch.no_grad():
            for name, buffer in buffers.items():
                buffer.copy_(saved[name])
