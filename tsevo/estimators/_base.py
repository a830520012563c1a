"""``BaseEADC``: what every EA-DC estimator shares, read from the one table.

A concrete estimator sets ``_task`` and adds only its differences (its
targets, its loss, its ``predict``); its signature, defaults, constraints
and the ``Parameters`` section of its docstring come from
:data:`tsevo.estimators._params.HYPER_PARAMETERS`.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from tsevo.data.validation import ChannelScaler, Panel, amplitude_spread, to_panel
from tsevo.estimators._devices import resolve_device
from tsevo.estimators._mixins import SeriesTagsMixin
from tsevo.estimators._params import FromTable, by_destination
from tsevo.estimators._persistence import PersistenceMixin
from tsevo.nn import AttentionMaps, EADCTransformer
from tsevo.nn.model import MAP_KINDS, attention_widths
from tsevo.nn.stems import smooth_at_least
from tsevo.training import SeriesTensors, TrainConfig, Trainer, TrainResult, predict_logits
from tsevo.training.members import MemberTrainer

AUTO_MAX_TOKENS = 128  # patch_size="auto" keeps attention maps at most this long
AUTO_CASES_SEEN = 50_000  # max_epochs="auto": about this many cases are seen in training
AUTO_BATCH = 16  # batch_size="auto": cases per step up to AUTO_BATCH_UP_TO training cases
AUTO_BATCH_UP_TO = 512
AUTO_BATCH_MAX = 128
AUTO_STEPS_PER_EPOCH = 32  # beyond AUTO_BATCH_UP_TO, the batch keeps at least this many steps an epoch
AUTO_BATCH_CPU_TOKENS = 32  # on a CPU only series of at most this many tokens take larger batches
AUTO_SHAPES_SPREAD = 100.0  # shape_channels="auto": amplitudes that differ more than a hundredfold
AUGMENTATIONS = {"none": (), "light": ("scale", "jitter"), "full": ("slice", "scale", "jitter")}


class Schedule(NamedTuple):
    """How one network trains: cases per step, peak learning rate and epochs."""

    batch_size: int
    lr: float
    epochs: int


def auto_batch_size(n_cases: int, n_tokens: int, device_type: str, epochs: int, min_steps: int) -> int:
    """``batch_size="auto"``: 16 cases per step up to 512 training cases, and on a CPU for series
    of more than 32 tokens, where a case costs as much or more in a larger batch. Otherwise the
    batch doubles while it stays at most ``n_cases / 32`` (32 steps an epoch) and 128, and
    ``epochs`` of it still take ``min_steps`` optimisation steps: larger batches that left a few
    hundred steps lost validation accuracy (``benchmarks/results/defaults/batch_auto.md``)."""
    if n_cases <= AUTO_BATCH_UP_TO or (device_type == "cpu" and n_tokens > AUTO_BATCH_CPU_TOKENS):
        return AUTO_BATCH
    batch = AUTO_BATCH
    while 2 * batch <= min(AUTO_BATCH_MAX, n_cases / AUTO_STEPS_PER_EPOCH) and (
        epochs * np.ceil(n_cases / (2 * batch)) >= min_steps
    ):
        batch *= 2
    return batch


@dataclass(frozen=True)
class SeedStreams:
    """Independent seeds drawn from one ``random_state``: changing how one
    stream is used (say, a longer shuffle) never shifts another."""

    init: int
    dropout: int
    shuffle: int
    split: int
    augment: int
    pretrain: int  # added last: a new stream leaves the earlier ones as they were

    @classmethod
    def from_random_state(cls, random_state) -> SeedStreams:
        root = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        states = np.random.SeedSequence(root).generate_state(len(fields(cls))) >> 1
        return cls(*(int(s) for s in states))


@contextlib.contextmanager
def local_rng(device: torch.device, seed: int):
    """Seed torch's generator of ``device`` (and the CPU's) inside, restore outside.

    Only the CPU and, on a GPU, that one GPU are forked and seeded: a CPU fit
    never initialises CUDA, and the caller's global RNG state is unchanged.
    """
    gpus = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=gpus, device_type="cuda"):
        torch.default_generator.manual_seed(seed)
        if gpus:
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        yield


@dataclass
class FitPlan:
    """What a fit prepares before training: the validated input, targets'
    state, seeds, scaler, training and validation tensors, the network and
    the training configuration."""

    X: object
    panel: Panel
    target_state: dict
    scaler: ChannelScaler
    seeds: SeedStreams
    device: torch.device
    train: SeriesTensors
    valid: SeriesTensors | None
    module: EADCTransformer
    kwargs: dict
    continuing: bool
    config: TrainConfig


class BaseEADC(FromTable, SeriesTagsMixin, PersistenceMixin, TransformerMixin, BaseEstimator):
    """Shared fit, prediction, embeddings and attention maps of the EA-DC estimators.

    Subclasses set ``_task`` and implement ``_prepare_targets``,
    ``_validation_split`` and ``_loss_options``.
    """

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y) -> BaseEADC:
        """Train, then commit every fitted attribute at once.

        Nothing on ``self`` changes before training has ended: a fit that
        fails (bad input, divergence, out of memory, Ctrl-C before the first
        epoch) leaves the previous fitted state, or an unfitted object.
        """
        plan = self._plan(X, y)
        with local_rng(plan.device, plan.seeds.dropout), _clear_out_of_memory(plan.config.batch_size):
            result = _train_alone(plan, self.callbacks)
        self._commit(plan, result)
        return self

    def _plan(self, X, y) -> FitPlan:
        """Validate the input and build everything training needs; ``self`` is untouched."""
        attention_widths(self.d_model, self.n_heads, self.key_fraction, self.value_fraction)
        device = resolve_device(self.device)
        panel = to_panel(X)
        continuing = self._can_continue(panel)
        targets, target_state = self._prepare_targets(y, panel.n_cases, continuing)
        seeds = SeedStreams.from_random_state(self.random_state)
        scaler = self.scaler_ if continuing else ChannelScaler.fit(
            panel, deviations=self.deviation_channels, differences=self.difference_channels,
            shapes=self._wants_shapes(panel))
        data = _tensors(scaler, panel, targets)
        train_idx, valid_idx = self._split_indices(targets, seeds.split)
        with local_rng(device, seeds.init):
            if continuing:  # train a copy, so a failed fit leaves the fitted network as it was
                module, kwargs = copy.deepcopy(self.module_).float().to(device), self.module_kwargs_
            else:
                kwargs = self._module_kwargs(panel, scaler.n_outputs, target_state["n_network_outputs"])
                module = EADCTransformer(**kwargs).to(device)
        return FitPlan(
            X=X, panel=panel, target_state=target_state, scaler=scaler, seeds=seeds, device=device,
            train=_subset(data, train_idx), valid=None if valid_idx is None else _subset(data, valid_idx),
            module=module, kwargs=kwargs, continuing=continuing,
            config=self._train_config(device, targets[train_idx], -(-panel.max_length // kwargs["patch_size"]),
                                      seeds, target_state, continuing),
        )

    def _commit(self, plan: FitPlan, result: TrainResult) -> None:
        panel = plan.panel
        if panel.source == "numpy2D":  # sklearn's own record of columns and feature names
            validate_data(self, plan.X, skip_check_array=True, reset=True)
        else:
            self.n_features_in_ = panel.n_channels
            self.__dict__.pop("feature_names_in_", None)
        self.__dict__.update({k: v for k, v in plan.target_state.items() if k.endswith("_")})
        self.input_2d_ = panel.source == "numpy2D"
        if not plan.continuing:
            self.n_channels_, self.n_timepoints_ = panel.n_channels, panel.max_length
        self.scaler_ = plan.scaler
        self.module_, self.module_kwargs_ = plan.module, plan.kwargs
        self.patch_size_ = plan.kwargs["patch_size"]
        self.batch_size_ = plan.config.batch_size
        self.device_ = str(plan.device)
        self.history_ = result.history
        self.pretrain_history_ = result.pretrain_history
        self.n_iter_ = len(result.history)
        self.best_epoch_ = result.best_epoch
        self.interrupted_ = result.interrupted
        self._attach_predictor()

    def _can_continue(self, panel: Panel) -> bool:
        if not (self.warm_start and hasattr(self, "module_")):
            return False
        if panel.n_channels != self.n_channels_:
            raise ValueError(
                f"warm_start=True continues the fitted network, which needs the same channels "
                f"({self.n_channels_}); got {panel.n_channels} channels"
            )
        return True

    def _wants_shapes(self, panel: Panel) -> bool:
        if self.shape_channels == "auto":
            # regression: validation found them worse on both problems tried (defaults/shapes_tser.md)
            return self._task == "classification" and amplitude_spread(panel) > AUTO_SHAPES_SPREAD
        return bool(self.shape_channels)

    def _module_kwargs(self, panel: Panel, n_inputs: int, n_outputs: int) -> dict:
        patch = self.patch_size
        if patch == "auto":
            patch = -(-panel.max_length // AUTO_MAX_TOKENS)
            if self.patch_embedding == "strided":  # stages of 2 and 3 rather than one wide prime stride
                patch = smooth_at_least(patch)
        return {
            "patch_size": patch,
            "n_channels": n_inputs,
            "n_classes": n_outputs,
            "max_length": panel.max_length if self.head == "flatten" else None,
            **self._network_params(),
        }

    def _network_params(self) -> dict:
        """The hyper-parameters that go to the network unchanged, as keywords of ``EADCTransformer``."""
        return {name: getattr(self, name) for name in by_destination(self._hyper_parameters, "network")}

    def _split_indices(self, targets: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
        everything = np.arange(len(targets))
        if not self.early_stopping:
            return everything, None
        n_valid = int(np.ceil(self.validation_fraction * len(targets)))
        if len(targets) - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least 2 cases to hold out validation_fraction="
                f"{self.validation_fraction}; got {len(targets)}"
            )
        return self._validation_split(targets, n_valid, seed)

    def _schedule(self, n_cases: int, n_tokens: int, device: torch.device) -> Schedule:
        """Batch size, peak learning rate and epochs of training on ``n_cases`` series of
        ``n_tokens`` tokens on ``device``.

        With ``batch_size="auto"`` a batch ``g`` times 16 takes ``sqrt(g)`` times ``lr`` (the
        square-root rule for Adam, Malladi et al. 2022) and the epochs of batch 16: as many cases
        are seen, in fewer and larger steps, and never fewer than ``min_steps`` of them.
        """
        if self.batch_size != "auto":
            return Schedule(self.batch_size, self.lr, self._epochs(n_cases, self.batch_size))
        epochs = self._epochs(n_cases, AUTO_BATCH)
        min_steps = self.min_steps if self.max_epochs == "auto" else 0  # fixed epochs: no minimum
        batch = auto_batch_size(n_cases, n_tokens, device.type, epochs, min_steps)
        return Schedule(batch, self.lr * (batch / AUTO_BATCH) ** 0.5, epochs)

    def _epochs(self, n_cases: int, batch_size: int) -> int:
        if self.max_epochs != "auto":
            return self.max_epochs
        by_cases = min(100, max(5, np.ceil(AUTO_CASES_SEEN / n_cases)))
        by_steps = np.ceil(self.min_steps / np.ceil(n_cases / batch_size))
        return int(max(by_cases, by_steps))

    def _train_config(
        self, device: torch.device, train_targets: np.ndarray, n_tokens: int, seeds: SeedStreams,
        target_state: dict, continuing: bool = False,
    ) -> TrainConfig:
        loss_options = self._loss_options(train_targets, target_state)
        training = [n for n in by_destination(self._hyper_parameters, "training") if n not in loss_options]
        schedule = self._schedule(len(train_targets), n_tokens, device)
        epochs = schedule.epochs
        pretrain_epochs = epochs if self.pretrain_epochs == "auto" else self.pretrain_epochs
        return TrainConfig(
            max_epochs=epochs,
            pretrain_epochs=0 if continuing else pretrain_epochs,  # a fitted network is not pre-trained again
            pretrain_seed=seeds.pretrain,
            device=device,
            mixed_precision=self.mixed_precision,
            verbose=self.verbose,
            shuffle_seed=seeds.shuffle,
            augment_seed=seeds.augment,
            augmentation=AUGMENTATIONS[self.augmentation],
            **{name: getattr(self, name) for name in training if name not in ("mixed_precision", "batch_size", "lr")},
            batch_size=schedule.batch_size,
            lr=schedule.lr,
            **loss_options,
        )

    # ------------------------------------------------------------ predict
    def _validate_X(self, X) -> Panel:
        panel = to_panel(X)
        if panel.source == "numpy2D" and getattr(self, "input_2d_", False):
            validate_data(self, X, skip_check_array=True, reset=False)
        self._check_compatible(panel)
        return panel

    def _check_compatible(self, panel: Panel) -> None:
        name = type(self).__name__
        if panel.n_channels != self.n_channels_:
            raise ValueError(
                f"X has {panel.n_channels} channels, but {name} was fitted with "
                f"{self.n_channels_} channels"
            )
        if self.head == "flatten" and panel.max_length > self.n_timepoints_:
            raise ValueError(
                f"X has series of {panel.max_length} timepoints, but head='flatten' takes at "
                f"most the {self.n_timepoints_} seen in fit; use a pooling head for longer series"
            )

    def _predict_tensors(self, X) -> SeriesTensors:
        check_is_fitted(self)
        return _tensors(self.scaler_, self._validate_X(X))

    def _attach_predictor(self) -> None:
        """Build, once per fit or load, the network that prediction uses.

        On CPU it is a float64 copy: a case's output then does not depend on
        which other cases share its batch (float32 matrix kernels block
        differently for different batch sizes), which scikit-learn's
        invariance checks and reproducible results need. Building it here
        rather than per call costs one copy of the weights, not one per call.
        """
        on_gpu = next(self.module_.parameters()).device.type != "cpu"
        self._predictor = self.module_ if on_gpu else copy.deepcopy(self.module_).double().eval()

    def _inference_module(self, float64: bool = True) -> tuple[EADCTransformer, torch.device, torch.dtype]:
        device = next(self.module_.parameters()).device
        if device.type == "cpu" and float64:
            return self._predictor, device, torch.float64
        return self.module_, device, torch.float32

    def _outputs(self, X) -> torch.Tensor:
        """The network's outputs ``(n_cases, n_outputs)`` in float64 on the CPU."""
        data = self._predict_tensors(X)
        module, device, dtype = self._inference_module()
        with torch.inference_mode():
            outputs = predict_logits(module, data, 4 * self.batch_size_, device, dtype).double().cpu()
        if not torch.isfinite(outputs).all():
            raise ValueError(
                "the network produced non-finite outputs for X; its values may lie far outside "
                "the training data's range"
            )
        return outputs

    def transform(self, X) -> np.ndarray:
        """Pooled embeddings, one row per case (input of the final linear layer)."""
        data = self._predict_tensors(X)
        module, device, dtype = self._inference_module()
        with torch.inference_mode():
            rows = [
                module.pooled_features(v, m)
                for v, m, _ in data.batches(4 * self.batch_size_, device, dtype=dtype)
            ]
            return torch.cat(rows).double().cpu().numpy()

    def attention_maps(
        self,
        X,
        kind: str = "probs",
        layers: list[int] | None = None,
        batch_size: int | None = None,
        dtype: str = "float32",
    ) -> list[np.ndarray]:
        """Attention maps of the chosen layers for the cases in ``X``.

        Cases go through the network ``batch_size`` at a time and only the
        maps asked for are kept, so the working memory is bounded by one
        batch, not by the number of cases.

        Parameters
        ----------
        X : series in any accepted format
        kind : {"probs", "logits"}, default="probs"
            Softmax weights, or the evolved pre-softmax maps each layer hands on.
        layers : list of int or None, default=None
            Indices of the layers to return (0 is the first); None returns all.
        batch_size : int or None, default=None
            Cases per forward pass; None uses ``4 * batch_size_``.
        dtype : {"float32", "float64"}, default="float32"
            Precision of the pass and of the returned maps.

        Returns
        -------
        maps : list of ndarray, one per chosen layer, each ``(n_cases, n_heads, T, T)``
            with ``T`` the tokens of the longest series in ``X`` (its length
            divided by ``patch_size_``); entries of padded tokens are 0.
        """
        if kind not in MAP_KINDS:
            raise ValueError(f"kind must be 'probs' or 'logits', got {kind!r}")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        check_is_fitted(self)
        n_layers = len(self.module_.blocks)
        chosen = tuple(range(n_layers)) if layers is None else tuple(layers)
        if not chosen or any(not isinstance(i, (int, np.integer)) or not 0 <= i < n_layers for i in chosen):
            raise ValueError(f"layers must be indices in [0, {n_layers}); got {layers!r}")
        batch_size = batch_size or 4 * self.batch_size_
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        return self._collect_maps(self._predict_tensors(X), kind, chosen, batch_size, dtype == "float64")

    def _collect_maps(self, data: SeriesTensors, kind: str, layers, batch_size: int, float64: bool):
        module, device, dtype = self._inference_module(float64)
        tokens = -(-data.values.shape[-1] // self.patch_size_)
        heads = self.module_.blocks[0].mixer.attention.n_heads
        out = [np.zeros((len(data), heads, tokens, tokens), np.float64 if float64 else np.float32) for _ in layers]
        start = 0
        with torch.inference_mode():
            for values, valid, _ in data.batches(batch_size, device, dtype=dtype):
                maps = AttentionMaps(kinds=(kind,), layers=layers)
                _, real = module.forward_features(values, valid, maps)
                allowed = real[:, None, :, None] & real[:, None, None, :]  # (b, 1, t, t)
                stop, t = start + len(values), real.shape[1]
                for target, layer_map in zip(out, getattr(maps, kind), strict=True):
                    target[start:stop, :, :t, :t] = layer_map.masked_fill(~allowed, 0).cpu().numpy()
                start = stop
        return out


def _tensors(scaler: ChannelScaler, panel: Panel, targets: np.ndarray | None = None) -> SeriesTensors:
    values, valid = scaler.transform(panel)
    labels = None if targets is None else torch.as_tensor(targets)
    return SeriesTensors(torch.from_numpy(values), torch.from_numpy(valid), labels)


def _subset(data: SeriesTensors, idx: np.ndarray) -> SeriesTensors:
    index = torch.as_tensor(idx, dtype=torch.long)
    return SeriesTensors(data.values[index], data.valid[index], data.labels[index])


@contextlib.contextmanager
def _clear_out_of_memory(batch_size: int):
    """Turn torch's out-of-memory error into a ``MemoryError`` that says what to change."""
    try:
        yield
    except torch.OutOfMemoryError as err:
        raise MemoryError(
            f"out of memory while training with batch_size={batch_size}: lower batch_size, "
            f"d_model or n_blocks, or use a larger patch_size ({str(err).splitlines()[0]})"
        ) from None


def fit_together(estimators: list[BaseEADC], datasets: list[tuple[object, object]], verbose: int = 0) -> None:
    """Fit each estimator on its ``(X, y)``, training the networks together.

    Estimators whose networks and training runs match (architecture, number
    of training and validation cases, epochs) are trained as one stacked
    network by :class:`tsevo.training.members.MemberTrainer`; the rest one by
    one. Each estimator ends as if fitted on its own (same attributes,
    persistence, prediction). Nothing is committed unless every group trains.
    """
    plans = [est._plan(X, y) for est, (X, y) in zip(estimators, datasets, strict=True)]
    groups: dict[str, list[int]] = {}
    for index, plan in enumerate(plans):
        groups.setdefault(_stack_key(plan), []).append(index)
    results: dict[int, TrainResult] = {}
    first = estimators[0]
    with local_rng(plans[0].device, plans[0].seeds.dropout), _clear_out_of_memory(plans[0].config.batch_size):
        for indices in groups.values():
            chosen = [plans[i] for i in indices]
            for plan in chosen:
                plan.config.verbose = verbose
            if len(chosen) == 1 or chosen[0].config.pretrain_epochs:  # stacked members are not pre-trained
                results.update((i, _train_alone(plans[i], first.callbacks)) for i in indices)
                continue
            # the template runs every member under vmap: the plain map path, no recomputation
            template = EADCTransformer(**{**chosen[0].kwargs, "fast_maps": False, "checkpoint": False})
            trained = MemberTrainer([p.config for p in chosen], first.callbacks or ()).fit(
                [p.module for p in chosen], template, [p.train for p in chosen], [p.valid for p in chosen]
            )
            results.update(zip(indices, trained, strict=True))
    for index, (estimator, plan) in enumerate(zip(estimators, plans, strict=True)):
        estimator._commit(plan, results[index])


def fit_snapshots(estimator: BaseEADC, X, y, n_snapshots: int, budget: int, verbose: int = 0) -> list[BaseEADC]:
    """Train ``estimator``'s network once for ``budget`` times its epochs, with
    a schedule that restarts ``n_snapshots`` times, and return one fitted
    clone of ``estimator`` per snapshot (fewer when Ctrl-C or a divergence
    cut training short). With early stopping, each snapshot is its cycle's
    best by validation loss and every epoch runs. ``estimator`` itself is
    not changed."""
    plan = estimator._plan(X, y)
    plan.config.max_epochs *= budget
    plan.config.cycles = n_snapshots
    plan.config.n_iter_no_change = None  # each restart raises the loss on purpose: no patience
    plan.config.verbose = verbose
    with local_rng(plan.device, plan.seeds.dropout), _clear_out_of_memory(plan.config.batch_size):
        result = _train_alone(plan, estimator.callbacks)
    taken = result.snapshots or [(result.best_epoch, None)]  # no epoch ran: the network as it is
    members = []
    for epoch, state in taken:
        module = copy.deepcopy(plan.module)
        if state is not None:
            module.load_state_dict(state)
        member = clone(estimator)
        member._commit(replace(plan, module=module), replace(result, best_epoch=epoch, snapshots=[]))
        members.append(member)
    return members


def _train_alone(plan: FitPlan, callbacks) -> TrainResult:
    """Train one plan's network by itself (the caller seeds dropout and catches out-of-memory)."""
    return Trainer(plan.config, callbacks or ()).fit(plan.module, plan.train, plan.valid)


def _stack_key(plan: FitPlan) -> str:
    """Plans with equal keys can be trained as one stacked network."""
    sizes = (len(plan.train), 0 if plan.valid is None else len(plan.valid), plan.config.max_epochs)
    return repr((sizes, sorted(plan.kwargs.items()), plan.continuing))
