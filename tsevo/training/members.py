"""Several networks of one architecture trained as one.

The members of an ensemble share their architecture, so their weights can be
stacked on a leading member axis and one ``torch.func.vmap`` pass computes
every member's batch: k small networks share each kernel call instead of
running k fits one after another. Each member keeps what makes it itself: its
initial weights, training and validation data, shuffling and augmentation
streams, early stopping, divergence handling and best weights, so with the
same seeds (and no dropout, whose draws come from one shared stream here) the
result equals k separate :class:`~tsevo.training.Trainer` fits within float
tolerance.

Knows torch only; the estimators prepare the members and read the results.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from tsevo.training.averaging import WeightAverage, averaged
from tsevo.training.compiling import compiled_members, trial_batches
from tsevo.training.data import SeriesTensors
from tsevo.training.loop import (
    Diverged,
    EpochCallback,
    TrainConfig,
    Trainer,
    TrainResult,
    first_epoch_divergence,
    make_optimizer,
    patience_spent,
    warmup_cosine,
    warn_divergence,
)
from tsevo.training.step import optimisation_step


class StackedModules:
    """The weights of ``modules`` stacked on a member axis, run by ``template``.

    ``template`` has the members' architecture and is only ever called
    functionally (its own weights are never read), so it may be built with
    options that suit ``vmap`` (no custom autograd functions) while the members
    keep theirs; parameter names must agree.
    """

    def __init__(self, modules: Sequence[nn.Module], template: nn.Module) -> None:
        self.template = template.to("meta")
        self.params, self.buffers = stack_module_state(list(modules))  # leaves with requires_grad

    def named_parameters(self):
        return self.params.items()

    def train(self, mode: bool = True) -> None:
        self.template.train(mode)

    def __call__(self, values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """``(k, B, C, L)`` and ``(k, B, L)`` -> outputs ``(k, B, n_outputs)``."""
        # vmap cannot branch on a value: whether any step is padded is decided here, once
        return self.functional(self.params, self.buffers, values, valid, not bool(valid.all()))

    def functional(self, params: dict, buffers: dict, values: torch.Tensor, valid: torch.Tensor,
                   padded: bool) -> torch.Tensor:
        """The forward pass as a function of the stacked weights (what ``torch.compile`` takes)."""

        def one(member_params, member_buffers, x, mask):
            return functional_call(self.template, (member_params, member_buffers), (x, mask), {"padded": padded})

        return vmap(one, randomness="different")(params, buffers, values, valid)

    def member_state(self, index: int) -> dict[str, torch.Tensor]:
        """A copy of member ``index``'s weights, in ``state_dict`` form."""
        return {name: t[index].detach().clone() for name, t in {**self.params, **self.buffers}.items()}

    @torch.no_grad()
    def clip_grad_norm_(self, max_norm: float) -> None:
        """``nn.utils.clip_grad_norm_`` for each member on its own gradients."""
        grads = [p.grad for p in self.params.values() if p.grad is not None]
        squares = torch.stack([g.flatten(1).float().square().sum(1) for g in grads]).sum(0)  # (k,)
        factor = (max_norm / (squares.sqrt() + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(factor.view(-1, *([1] * (g.ndim - 1))).to(g.dtype))


@dataclass
class _Member:
    """One member's data, settings and progress inside the joint run."""

    trainer: Trainer
    train: SeriesTensors
    valid: SeriesTensors | None
    shuffle: torch.Generator
    augment: torch.Generator
    history: list[dict] = field(default_factory=list)
    best_loss: float = math.inf
    best_epoch: int = 0
    best_state: dict | None = None
    last_improvement: int = 0
    active: bool = True  # still training: not stopped early and not diverged
    diverged: bool = False

    @property
    def config(self) -> TrainConfig:
        return self.trainer.config


class MemberTrainer:
    """Trains the networks of an ensemble together (see the module's docstring).

    Every member must have the same number of training and validation cases
    and the same ``max_epochs``, ``batch_size``, ``lr`` and optimiser, so that
    their steps and learning-rate schedules coincide; ``ValueError`` otherwise.
    """

    def __init__(self, configs: Sequence[TrainConfig], callbacks: Sequence[EpochCallback] = ()) -> None:
        self.configs = list(configs)
        self.callbacks = list(callbacks)
        self.average: WeightAverage | None = None  # set by fit when ema_decay > 0
        self.forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None  # set by fit
        self.length: int | None = None  # with compile, the one length every batch is padded to
        _check_compatible(self.configs)

    def fit(
        self,
        modules: Sequence[nn.Module],
        template: nn.Module,
        trains: Sequence[SeriesTensors],
        valids: Sequence[SeriesTensors | None],
    ) -> list[TrainResult]:
        """Train ``modules`` (in place: each ends with its own best or last weights)."""
        from tqdm.auto import tqdm

        if len({len(t) for t in trains}) > 1 or len({0 if v is None else len(v) for v in valids}) > 1:
            raise ValueError("members trained together need training and validation sets of equal sizes")
        cfg = self.configs[0]
        stack = StackedModules(modules, template)
        members = [
            _Member(Trainer(c), t, v, torch.Generator().manual_seed(c.shuffle_seed),
                    torch.Generator(c.device).manual_seed(c.augment_seed))
            for c, t, v in zip(self.configs, trains, valids, strict=True)
        ]
        self.forward, self.length = stack, None
        if cfg.compile:  # static shapes under vmap: every batch padded to the longest training series
            self.length = max(t.values.shape[-1] for t in trains)
            self.forward = compiled_members(stack, self._trial(members, cfg))
        optimizer = make_optimizer(stack.named_parameters(), cfg, stacked=True)
        self.average = WeightAverage(stack.params.values(), cfg.ema_decay) if cfg.ema_decay else None
        steps_per_epoch = math.ceil(len(trains[0]) / cfg.batch_size)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, warmup_cosine(cfg.max_epochs * steps_per_epoch, cfg.warmup_fraction)
        )
        interrupted = False
        bar = tqdm(range(cfg.max_epochs), disable=cfg.verbose < 1, desc="epochs", unit="ep")
        try:
            for epoch in bar:
                self._run_epoch(stack, members, optimizer, scheduler, epoch + 1)
                if not any(m.active for m in members):
                    break
        except KeyboardInterrupt:
            if any(m.best_state is None for m in members):
                raise  # a member has nothing finished to keep: the caller's estimators stay as they were
            interrupted = True
            warnings.warn(
                f"training interrupted after {max(len(m.history) for m in members)} epoch(s); keeping "
                "each member's best model so far", RuntimeWarning, stacklevel=2,
            )
        finally:
            bar.close()
        with averaged(self.average):  # with ema_decay, the averaged weights are the result
            return [
                self._finish(stack, member, index, module, interrupted)
                for index, (member, module) in enumerate(zip(members, modules, strict=True))
            ]

    def _trial(self, members: list[_Member], cfg: TrainConfig) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """A first batch of every member and, cut from it, the epoch's smaller last batch: the
        shapes that training will run, for the compiler's trial."""
        firsts = [next(iter(m.train.batches(cfg.batch_size, cfg.device, torch.Generator().manual_seed(0))))
                  for m in members]
        values, valid = _stack_padded([b[0] for b in firsts], [b[1] for b in firsts], self.length)
        return trial_batches(values, valid, len(members[0].train), cfg.batch_size)

    # ------------------------------------------------------------------ one epoch
    def _run_epoch(self, stack, members, optimizer, scheduler, epoch: int) -> None:
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        losses = self._train_epoch(stack, members, optimizer, scheduler, epoch)
        with averaged(self.average):  # validated and kept: the averaged weights, as in Trainer.fit
            self._record_epoch(stack, members, losses, lr, start, epoch)

    def _record_epoch(self, stack, members, losses: list[float], lr: float, start: float, epoch: int) -> None:
        scores = self._evaluate(stack, members, epoch) if members[0].valid is not None else [{}] * len(members)
        seconds = time.perf_counter() - start
        for index, (member, loss, score) in enumerate(zip(members, losses, scores, strict=True)):
            if not member.active:
                continue
            record = {"train_loss": loss, **score, "lr": lr, "seconds": seconds, "epoch": epoch}
            member.history.append(record)
            monitored = record.get("valid_loss", loss)
            if monitored < member.best_loss - member.config.tol:
                member.last_improvement = epoch
            if monitored < member.best_loss:
                member.best_loss, member.best_epoch = monitored, epoch
                member.best_state = stack.member_state(index)
            for callback in self.callbacks:
                callback(record)
            if member.valid is not None and patience_spent(member.config, epoch - member.last_improvement):
                member.active = False

    def _train_epoch(self, stack, members, optimizer, scheduler, epoch: int) -> list[float]:
        stack.train()
        cfg = self.configs[0]
        totals, count = torch.zeros(len(members), dtype=torch.float64), 0
        streams = [m.train.batches(cfg.batch_size, cfg.device, m.shuffle) for m in members]
        clip = partial(stack.clip_grad_norm_, cfg.grad_clip) if cfg.grad_clip else None
        for batches in zip(*streams, strict=True):
            values, valid, labels = [], [], []
            for member, (v, mask, y) in zip(members, batches, strict=True):
                v, y = member.trainer.transform(v, mask, y, member.augment)
                values.append(v), valid.append(mask), labels.append(y)
            values, valid = _stack_padded(values, valid, self.length)
            # float32 even with mixed_precision: bfloat16 autocast does not reach every kernel under
            # vmap (a batched conv2d met a float bias), and this launch-bound network gains nothing from it
            outputs = self.forward(values, valid)
            losses = torch.stack([m.trainer.loss(o, y) for m, o, y in zip(members, outputs, labels, strict=True)])
            finite = torch.isfinite(losses.detach()).cpu()
            self._handle_divergence(members, finite, epoch)
            # members that stopped or diverged contribute nothing (their weights are restored at the end)
            active = torch.tensor([m.active for m in members], device=losses.device)
            optimisation_step(torch.where(active, losses, torch.zeros_like(losses)).sum(), optimizer, scheduler, clip)
            if self.average is not None:
                self.average.update()
            totals += losses.detach().double().cpu().nan_to_num() * len(labels[0])
            count += len(labels[0])
        return (totals / count).tolist()

    def _handle_divergence(self, members, finite: torch.Tensor, epoch: int) -> None:
        for member, ok in zip(members, finite.tolist(), strict=True):
            if ok or not member.active:
                continue
            if member.best_state is None:
                raise first_epoch_divergence(epoch, member.config.lr)
            warn_divergence(epoch, member.best_epoch, member.config.lr, stacklevel=6)
            member.active, member.diverged = False, True

    @torch.inference_mode()
    def _evaluate(self, stack, members, epoch: int) -> list[dict]:
        stack.train(False)
        cfg = self.configs[0]
        streams = [m.valid.batches(cfg.batch_size * 4, cfg.device) for m in members]
        chunks = []
        for batches in zip(*streams, strict=True):
            values, valid = _stack_padded([b[0] for b in batches], [b[1] for b in batches])
            chunks.append(stack(values, valid))  # (k, b, n_outputs)
        logits = torch.cat(chunks, dim=1)
        scores = []
        for member, member_logits in zip(members, logits, strict=True):
            try:
                scores.append(member.trainer.metrics(member_logits, member.valid.labels))
            except Diverged:
                scores.append({"valid_loss": math.nan})
                self._handle_divergence([member], torch.tensor([False]), epoch)
        return scores

    # ------------------------------------------------------------------ the end
    def _finish(self, stack, member: _Member, index: int, module: nn.Module, interrupted: bool) -> TrainResult:
        # nothing to keep when no epoch ran (max_epochs=0): the initial weights are the result
        keep_best = member.best_state is not None and (member.valid is not None or interrupted or member.diverged)
        state = member.best_state if keep_best else stack.member_state(index)
        module.load_state_dict(state)
        module.eval()
        kept = member.best_epoch if keep_best else len(member.history)
        return TrainResult(history=member.history, best_epoch=kept, interrupted=interrupted, diverged=member.diverged)


def _stack_padded(values: list[torch.Tensor], valid: list[torch.Tensor],
                  length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Members' batches ``(B, C, L_i)`` -> ``(k, B, C, length)`` (zero, invalid padding at the end);
    ``length`` defaults to the longest ``L_i``."""
    length = length or max(v.shape[-1] for v in values)
    values = [F.pad(v, (0, length - v.shape[-1])) for v in values]
    valid = [F.pad(m, (0, length - m.shape[-1]), value=False) for m in valid]
    return torch.stack(values), torch.stack(valid)


_SHARED = ("max_epochs", "batch_size", "lr", "weight_decay", "optimizer", "grad_clip", "warmup_fraction",
           "ema_decay", "device", "task", "compile")


def _check_compatible(configs: Sequence[TrainConfig]) -> None:
    if not configs:
        raise ValueError("no members to train")
    for name in _SHARED:
        values = {str(getattr(c, name)) for c in configs}
        if len(values) > 1:
            raise ValueError(f"members trained together need one {name}; got {sorted(values)}")
