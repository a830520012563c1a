"""The training loop shared by every estimator: epochs, validation, early
stopping, schedules, progress, interruption.

Knows torch only; the estimators prepare tensors and read the results.
"""

from __future__ import annotations

import bisect
import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from tsevo.training.augment import augment
from tsevo.training.averaging import WeightAverage, averaged
from tsevo.training.compiling import compiled_forward, trial_batches
from tsevo.training.data import SeriesTensors
from tsevo.training.mixing import MixedLabels, mix_batch, mixed_cross_entropy
from tsevo.training.pretrain import PretrainingDiverged, pretrain
from tsevo.training.step import gradient_clip, optimisation_step, sharpness_aware_step

EpochCallback = Callable[[dict], None]

# sharpness-aware minimisation's radius (0: plain steps). Validated inside TRAIN at 0.05 and not
# adopted (benchmarks/results/defaults/sam.md), so not a hyper-parameter; validate.py's "sam"
# configuration sets it to rerun that comparison
SAM_RHO = 0.0


@dataclass(kw_only=True)
class TrainConfig:
    """Settings of one training run.

    The hyper-parameters among them have no defaults here: the estimators
    fill them from their one table (``tsevo.estimators._params``), so no
    default is written twice. See the estimator for their meaning.
    """

    max_epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    optimizer: str
    grad_clip: float | None
    early_stopping: bool
    n_iter_no_change: int | None  # None: every epoch runs, and with validation the best is kept
    tol: float
    mixed_precision: bool
    ema_decay: float
    compile: bool  # train through torch.compile (tsevo.training.compiling), eager where it fails
    task: str = "classification"  # or "regression": float targets, standardised by the caller
    label_smoothing: float = 0.0  # classification only
    mixing: str = "none"  # classification only: a name from tsevo.training.mixing.MIXINGS
    class_weights: torch.Tensor | None = None
    loss: str = "mse"  # regression only: "mse" or "huber"
    target_scale: torch.Tensor | None = None  # regression: targets' scale, to report RMSE in their units
    warmup_fraction: float = 0.1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    verbose: int = 0
    augmentation: tuple[str, ...] = ()  # names from tsevo.training.augment.AUGMENTATIONS
    shuffle_seed: int = 0  # dropout draws from torch's generator, which the caller seeds and forks
    augment_seed: int = 0
    cycles: int = 1  # >1: the schedule restarts this often and each cycle leaves a snapshot
    pretrain_epochs: int = 0  # epochs of masked-value reconstruction before training on the targets
    pretrain_seed: int = 0


@dataclass
class TrainResult:
    history: list[dict]
    best_epoch: int
    interrupted: bool
    diverged: bool = False
    snapshots: list[tuple[int, dict]] = field(default_factory=list)  # (epoch, weights), one per cycle
    pretrain_history: list[dict] = field(default_factory=list)


OPTIMIZERS = {"adamw": torch.optim.AdamW, "radam": torch.optim.RAdam, "adam": torch.optim.Adam}


def make_optimizer(
    named_parameters: Iterable[tuple[str, torch.Tensor]], config: TrainConfig, stacked: bool = False
) -> torch.optim.Optimizer:
    """The configured optimiser; ``stacked``: each parameter has a leading member axis."""
    # no weight decay on biases, norms and the relative-position table
    named = list(named_parameters)
    matrix = 2 + stacked  # dimensions of a weight matrix (one more with a member axis)
    decay = [p for n, p in named if p.ndim >= matrix and "rel_pos" not in n]
    no_decay = [p for n, p in named if not (p.ndim >= matrix and "rel_pos" not in n)]
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


def cycle_ends(max_epochs: int, cycles: int) -> list[int]:
    """The epochs after which each of ``cycles`` near-equal cycles ends (at most one per epoch)."""
    cycles = max(1, min(cycles, max_epochs))
    return sorted({round((c + 1) * max_epochs / cycles) for c in range(cycles)})


def cyclic_warmup_cosine(lengths: Sequence[int], warmup_fraction: float) -> Callable[[int], float]:
    """:func:`warmup_cosine` over each cycle of ``lengths`` steps in turn.

    Every cycle warms up again: after a decay to zero, Adam's moment
    estimates are small, and a jump straight back to the peak rate would
    take outsized steps. One cycle is plain :func:`warmup_cosine`.
    """
    starts = [sum(lengths[:c]) for c in range(len(lengths))]
    factors = [warmup_cosine(length, warmup_fraction) for length in lengths]

    def factor(step: int) -> float:
        cycle = max(0, bisect.bisect_right(starts, step) - 1)
        return factors[cycle](step - starts[cycle])

    return factor


class Diverged(Exception):
    """Raised inside the loop when a loss is not finite."""


class Trainer:
    """Fits a classifier or regressor module on :class:`SeriesTensors`.

    With a validation set and ``early_stopping``, training stops after
    ``n_iter_no_change`` epochs in which the validation loss did not fall by
    more than ``tol`` below its best (never, when it is None), and the best
    weights are restored.
    Ctrl-C stops training cleanly: the best weights so far are kept and a
    warning says so (before the first epoch ends there is nothing to keep,
    and the interrupt goes on to the caller).

    A loss that is not finite stops training at once: the best earlier
    epoch's weights are restored with a warning, or, in the first epoch, a
    ``ValueError`` names the learning rate. The module is never left with
    non-finite weights.
    """

    def __init__(self, config: TrainConfig, callbacks: Sequence[EpochCallback] = ()) -> None:
        self.config = config
        self.callbacks = list(callbacks)
        self.average: WeightAverage | None = None  # set by fit when ema_decay > 0
        self.forward: Callable[..., torch.Tensor] | None = None  # set by fit: the model, or it compiled

    def autocast(self):
        use = self.config.mixed_precision and self.config.device.type == "cuda"
        return torch.autocast(self.config.device.type, dtype=torch.bfloat16, enabled=use)

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if logits.dim() == 3:  # (heads, B, K): a network with several output layers, each trained alike
            return torch.stack([self.loss(head, labels) for head in logits]).mean()
        if self.config.task == "regression":
            outputs, targets = logits.float(), labels.reshape(logits.shape)
            if self.config.loss == "huber":
                return F.huber_loss(outputs, targets)
            return F.mse_loss(outputs, targets)
        weights = self.config.class_weights
        weights = None if weights is None else weights.to(logits.device)
        if isinstance(labels, MixedLabels):
            return mixed_cross_entropy(logits.float(), labels, weights, self.config.label_smoothing)
        return F.cross_entropy(
            logits.float(),
            labels,
            weight=weights,
            label_smoothing=self.config.label_smoothing,
        )

    def train_epoch(self, model, train, optimizer, scheduler, generator) -> float:
        model.train()
        total, count = 0.0, 0
        clip = gradient_clip(model.parameters(), self.config.grad_clip)
        forward = model if self.forward is None else self.forward
        for values, valid, labels in train.batches(
            self.config.batch_size, self.config.device, generator
        ):
            values, labels = self.transform(values, valid, labels, self.augment_generator)

            def batch_loss(values=values, valid=valid, labels=labels) -> torch.Tensor:
                with self.autocast():
                    return self.loss(forward(values, valid), labels)

            loss = batch_loss()
            value = loss.item()
            if not math.isfinite(value):
                raise Diverged
            if SAM_RHO > 0:
                try:
                    sharpness_aware_step(loss, batch_loss, model, optimizer, scheduler, clip, SAM_RHO)
                except FloatingPointError:
                    raise Diverged from None
            else:
                optimisation_step(loss, optimizer, scheduler, clip)
            if self.average is not None:
                self.average.update()
            total += value * len(labels)
            count += len(labels)
        return total / count

    def transform(self, values, valid, labels, generator: torch.Generator):
        """A training batch as the network sees it: augmented, then mixed, as configured."""
        if self.config.augmentation:
            values = augment(values, valid, self.config.augmentation, generator)
        if self.config.mixing != "none":
            values, labels = mix_batch(values, valid, labels, self.config.mixing, generator)
        return values, labels

    @torch.inference_mode()
    def evaluate(self, model, data: SeriesTensors) -> dict:
        """Validation loss and score: accuracy, or RMSE in the targets' units."""
        model.eval()
        logits = predict_logits(model, data, self.config.batch_size * 4, self.config.device)
        return self.metrics(logits, data.labels)

    def metrics(self, logits: torch.Tensor, labels: torch.Tensor) -> dict:
        """Loss and score of validation ``logits``; ``Diverged`` when the loss is not finite."""
        labels = labels.to(logits.device)
        loss = self.loss(logits, labels).item()
        if not math.isfinite(loss):
            raise Diverged
        if self.config.task == "regression":
            scale = 1.0 if self.config.target_scale is None else self.config.target_scale.to(logits.device)
            errors = (logits.float() - labels.reshape(logits.shape)) * scale
            return {"valid_loss": loss, "valid_rmse": errors.square().mean().sqrt().item()}
        return {"valid_loss": loss, "valid_accuracy": (logits.argmax(1) == labels).float().mean().item()}

    def fit(
        self, model: nn.Module, train: SeriesTensors, valid: SeriesTensors | None = None
    ) -> TrainResult:
        from tqdm.auto import tqdm

        cfg = self.config
        pretrain_history = self.pretrain(model, train)
        self.forward = self.training_forward(model, train)
        generator = torch.Generator().manual_seed(cfg.shuffle_seed)
        self.augment_generator = torch.Generator(cfg.device).manual_seed(cfg.augment_seed)
        optimizer = make_optimizer(model.named_parameters(), cfg)
        # with ema_decay, validation, the kept weights and the result are the averaged weights
        self.average = WeightAverage(model.parameters(), cfg.ema_decay) if cfg.ema_decay else None
        steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
        ends = cycle_ends(cfg.max_epochs, cfg.cycles)
        lengths = [(end - start) * steps_per_epoch for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cyclic_warmup_cosine(lengths, cfg.warmup_fraction))
        snapshots = Snapshots(ends, by_validation=valid is not None) if cfg.cycles > 1 else None
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
                if monitored < best["loss"]:
                    # a copy of the best weights: restored after early stopping, and after a divergence
                    with averaged(self.average):
                        best.update(loss=monitored, epoch=epoch + 1, state=_copy_state(model))
                if snapshots is not None:
                    with averaged(self.average):
                        snapshots.after_epoch(epoch + 1, model, monitored)
                bar.set_postfix(_postfix(record), refresh=False)
                for callback in self.callbacks:
                    callback(record)
                if valid is not None and patience_spent(cfg, epoch + 1 - last_improvement):
                    break
        except Diverged:
            self._recover_from_divergence(len(history) + 1, best)
            model.load_state_dict(best["state"])
            model.eval()
            return TrainResult(history=history, best_epoch=best["epoch"], interrupted=False, diverged=True,
                               snapshots=snapshots.finish() if snapshots else [], pretrain_history=pretrain_history)
        except KeyboardInterrupt:
            if best["state"] is None:
                raise  # nothing finished to keep: the caller's estimator stays as it was
            interrupted = True
            kept_now = (f"the {len(snapshots.finish())} snapshot(s) so far" if snapshots is not None
                        else f"the best model so far (epoch {best['epoch']})")
            warnings.warn(
                f"training interrupted after {len(history)} epoch(s); keeping {kept_now}",
                RuntimeWarning,
                stacklevel=3,
            )
        finally:
            bar.close()
        kept = best["epoch"]
        taken = snapshots.finish() if snapshots else []
        if taken:  # cycles: the result is the last cycle's snapshot
            kept = taken[-1][0]
            model.load_state_dict(taken[-1][1])
        # no epoch ran (max_epochs=0): there is no best, and the initial weights are the result
        elif best["state"] is not None and (valid is not None or interrupted):
            model.load_state_dict(best["state"])
        else:
            kept = len(history)  # without validation the last epoch's weights are the result
            if self.average is not None:
                self.average.apply()  # the averages are the result
        model.eval()
        return TrainResult(history=history, best_epoch=kept, interrupted=interrupted, snapshots=taken,
                           pretrain_history=pretrain_history)

    def training_forward(self, model: nn.Module, train: SeriesTensors) -> Callable[..., torch.Tensor]:
        """The model as training calls it: compiled with ``compile`` (tried on a first batch, eager
        with a warning where compiling fails), the model itself otherwise."""
        if not self.config.compile:
            return model
        # a generator of its own: the trial batches leave the shuffling order alone
        values, valid, _ = next(iter(train.batches(self.config.batch_size, self.config.device,
                                                   torch.Generator().manual_seed(0))))
        model.train()
        return compiled_forward(model, trial_batches(values, valid, len(train), self.config.batch_size),
                                self.autocast)

    def pretrain(self, model: nn.Module, train: SeriesTensors) -> list[dict]:
        """``pretrain_epochs`` of masked-value reconstruction (:mod:`tsevo.training.pretrain`).

        A divergence restores the weights from before with a warning, and
        training on the targets starts from them; Ctrl-C goes on to the caller,
        since no network has learned the targets yet.
        """
        from tqdm.auto import tqdm

        cfg = self.config
        if cfg.pretrain_epochs < 1:
            return []
        before = _copy_state(model)
        bar = tqdm(total=cfg.pretrain_epochs, disable=cfg.verbose < 1, desc="pre-training", unit="ep")

        def progress(record: dict) -> None:
            bar.set_postfix(pretrain_loss=f"{record['pretrain_loss']:.4f}", refresh=False)
            bar.update()

        try:
            return pretrain(
                model, train, cfg.pretrain_epochs, lambda named: make_optimizer(named, cfg),
                lambda steps: warmup_cosine(steps, cfg.warmup_fraction), cfg.batch_size, cfg.device,
                cfg.pretrain_seed, self.autocast, cfg.grad_clip, progress,
            )
        except PretrainingDiverged:
            model.load_state_dict(before)
            warnings.warn(
                f"pre-training diverged (the reconstruction loss became NaN or infinite) with lr={cfg.lr:g}; "
                "training on the targets starts from the initial weights",
                RuntimeWarning,
                stacklevel=4,
            )
            return []
        finally:
            bar.close()

    def _recover_from_divergence(self, epoch: int, best: dict) -> None:
        if best["state"] is None:
            raise first_epoch_divergence(epoch, self.config.lr)
        warn_divergence(epoch, best["epoch"], self.config.lr, stacklevel=5)

    def run_epoch(self, model, train, valid, optimizer, scheduler, generator) -> dict:
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        record = {"train_loss": self.train_epoch(model, train, optimizer, scheduler, generator)}
        if valid is not None:
            with averaged(self.average):
                record.update(self.evaluate(model, valid))
        record["lr"] = lr
        record["seconds"] = time.perf_counter() - start
        return record


class Snapshots:
    """The weights each cycle of a cyclic schedule leaves behind (snapshot
    ensembles, Huang et al. 2017): the cycle's best by validation loss when
    there is a validation set, else its last epoch's."""

    def __init__(self, ends: Sequence[int], by_validation: bool) -> None:
        self.ends = set(ends)
        self.by_validation = by_validation
        self.taken: list[tuple[int, dict]] = []
        self.candidate: tuple[float, int, dict] | None = None  # (loss, epoch, weights) of this cycle

    def after_epoch(self, epoch: int, model: nn.Module, loss: float) -> None:
        if not self.by_validation or self.candidate is None or loss < self.candidate[0]:
            self.candidate = (loss, epoch, _copy_state(model))
        if epoch in self.ends:
            self.taken.append(self.candidate[1:])
            self.candidate = None

    def finish(self) -> list[tuple[int, dict]]:
        """The snapshots taken, with the unfinished cycle's (training stopped early) last."""
        return self.taken + ([self.candidate[1:]] if self.candidate is not None else [])


def patience_spent(config: TrainConfig, epochs_without_improvement: int) -> bool:
    """Whether early stopping ends training now (the caller checks there is a validation set)."""
    patience = config.n_iter_no_change
    return config.early_stopping and patience is not None and epochs_without_improvement >= patience


def first_epoch_divergence(epoch: int, lr: float) -> ValueError:
    """The error of a loss that became non-finite before any epoch finished."""
    return ValueError(
        f"training diverged in epoch {epoch}: the loss became NaN or infinite with "
        f"lr={lr:g}. Lower the learning rate (for example lr={lr / 10:g}) or keep "
        "grad_clip on."
    )


def warn_divergence(epoch: int, kept_epoch: int, lr: float, stacklevel: int) -> None:
    warnings.warn(
        f"training diverged in epoch {epoch} (the loss became NaN or infinite); keeping the "
        f"weights of epoch {kept_epoch}. A lower learning rate than lr={lr:g} should help.",
        RuntimeWarning,
        stacklevel=stacklevel,
    )


def _copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _postfix(record: dict) -> dict:
    keys = ("train_loss", "valid_loss", "valid_accuracy", "valid_rmse")
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
