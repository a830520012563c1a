"""The training loop shared by every estimator: epochs, validation, early
stopping, schedules, progress, interruption.

Knows torch only; the estimators prepare tensors and read the results.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from tsevo.training.data import SeriesTensors

EpochCallback = Callable[[dict], None]


@dataclass
class TrainConfig:
    """Settings of one training run (see the estimator for their meaning)."""

    max_epochs: int = 100
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-2
    optimizer: str = "adamw"
    warmup_fraction: float = 0.1
    grad_clip: float | None = 4.0
    label_smoothing: float = 0.0
    class_weights: torch.Tensor | None = None
    early_stopping: bool = False
    n_iter_no_change: int = 20
    tol: float = 1e-4
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    mixed_precision: bool = False
    verbose: int = 0
    seed: int = 0


@dataclass
class TrainResult:
    history: list[dict]
    best_epoch: int
    interrupted: bool


OPTIMIZERS = {"adamw": torch.optim.AdamW, "radam": torch.optim.RAdam, "adam": torch.optim.Adam}


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    # no weight decay on biases, norms and the relative-position table
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "rel_pos" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim > 1 and "rel_pos" not in n)]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    kwargs = {"decoupled_weight_decay": True} if config.optimizer == "radam" else {}
    return OPTIMIZERS[config.optimizer](groups, lr=config.lr, **kwargs)


def warmup_cosine(total_steps: int, warmup_fraction: float) -> Callable[[int], float]:
    """Linear warm-up, then cosine decay to zero over the remaining steps."""
    warmup = max(1, round(total_steps * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


class Trainer:
    """Fits a classifier module on :class:`SeriesTensors`.

    With a validation set and ``early_stopping``, training stops after
    ``n_iter_no_change`` epochs in which the validation loss did not fall by
    more than ``tol`` below its best, and the best weights are restored.
    Ctrl-C stops training cleanly: the best weights so far are kept and a
    warning says so.
    """

    def __init__(self, config: TrainConfig, callbacks: Sequence[EpochCallback] = ()) -> None:
        self.config = config
        self.callbacks = list(callbacks)

    def autocast(self):
        use = self.config.mixed_precision and self.config.device.type == "cuda"
        return torch.autocast(self.config.device.type, dtype=torch.bfloat16, enabled=use)

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weights = self.config.class_weights
        return F.cross_entropy(
            logits.float(),
            labels,
            weight=None if weights is None else weights.to(logits.device),
            label_smoothing=self.config.label_smoothing,
        )

    def train_epoch(self, model, train, optimizer, scheduler, generator) -> float:
        model.train()
        total, count = 0.0, 0
        for values, valid, labels in train.batches(
            self.config.batch_size, self.config.device, generator
        ):
            with self.autocast():
                loss = self.loss(model(values, valid), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.config.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), self.config.grad_clip)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(labels)
            count += len(labels)
        return total / count

    @torch.inference_mode()
    def evaluate(self, model, data: SeriesTensors) -> tuple[float, float]:
        model.eval()
        logits = predict_logits(model, data, self.config.batch_size * 4, self.config.device)
        labels = data.labels.to(logits.device)
        loss = self.loss(logits, labels).item()
        accuracy = (logits.argmax(1) == labels).float().mean().item()
        return loss, accuracy

    def fit(
        self, model: nn.Module, train: SeriesTensors, valid: SeriesTensors | None = None
    ) -> TrainResult:
        from tqdm.auto import tqdm

        cfg = self.config
        generator = torch.Generator().manual_seed(cfg.seed)
        optimizer = make_optimizer(model, cfg)
        steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, warmup_cosine(cfg.max_epochs * steps_per_epoch, cfg.warmup_fraction)
        )
        history: list[dict] = []
        best = {"loss": math.inf, "epoch": 0, "state": None}
        last_improvement = 0  # epoch of the last improvement larger than tol
        interrupted = False
        bar = tqdm(range(cfg.max_epochs), disable=cfg.verbose < 1, desc="epochs", unit="ep")
        try:
            for epoch in bar:
                record = self.run_epoch(model, train, valid, optimizer, scheduler, generator)
                record["epoch"] = epoch + 1
                history.append(record)
                monitored = record.get("valid_loss", record["train_loss"])
                if monitored < best["loss"] - cfg.tol:
                    last_improvement = epoch + 1
                if valid is None or monitored < best["loss"]:
                    best.update(loss=monitored, epoch=epoch + 1, state=None)
                    if valid is not None:
                        best["state"] = copy.deepcopy(model.state_dict())
                bar.set_postfix(_postfix(record), refresh=False)
                for callback in self.callbacks:
                    callback(record)
                if cfg.early_stopping and valid is not None:
                    if epoch + 1 - last_improvement >= cfg.n_iter_no_change:
                        break
        except KeyboardInterrupt:
            interrupted = True
            warnings.warn(
                f"training interrupted after {len(history)} epoch(s); keeping the best "
                f"model so far (epoch {best['epoch']})",
                RuntimeWarning,
                stacklevel=3,
            )
        finally:
            bar.close()
        if best["state"] is not None:
            model.load_state_dict(best["state"])
        model.eval()
        return TrainResult(history=history, best_epoch=best["epoch"], interrupted=interrupted)

    def run_epoch(self, model, train, valid, optimizer, scheduler, generator) -> dict:
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        record = {"train_loss": self.train_epoch(model, train, optimizer, scheduler, generator)}
        if valid is not None:
            record["valid_loss"], record["valid_accuracy"] = self.evaluate(model, valid)
        record["lr"] = lr
        record["seconds"] = time.perf_counter() - start
        return record


def _postfix(record: dict) -> dict:
    keys = ("train_loss", "valid_loss", "valid_accuracy")
    return {k: f"{record[k]:.4f}" for k in keys if k in record}


def predict_logits(
    model: nn.Module,
    data: SeriesTensors,
    batch_size: int,
    device: torch.device,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Logits ``(N, n_classes)`` in input order, computed batch by batch."""
    batches = data.batches(batch_size, device, dtype=dtype)
    return torch.cat([model(values, valid) for values, valid, _ in batches])
