"""``EADCTransformerClassifier``: the scikit-learn estimator around the network."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from tsevo.data.validation import ChannelScaler, Panel, check_labels, to_panel
from tsevo.estimators._devices import resolve_device
from tsevo.estimators._persistence import PersistenceMixin
from tsevo.nn import HEADS, AttentionMaps, EADCTransformer
from tsevo.nn.model import attention_widths
from tsevo.training import SeriesTensors, TrainConfig, Trainer, predict_logits
from tsevo.training.loop import OPTIMIZERS

# the network's own knobs, passed to EADCTransformer under the same names
AUTO_MAX_TOKENS = 128  # patch_size="auto" keeps attention maps at most this long
AUTO_CASES_SEEN = 50_000  # max_epochs="auto": about this many cases are seen in training

MODEL_PARAMS = (
    "d_model", "n_blocks", "n_heads", "key_fraction", "value_fraction", "d_ff",
    "kernel_size", "dropout", "attention_dropout", "prev_map_weight",
    "map_conv_weight", "causal", "rel_pos_bias", "head",
)


class EADCTransformerClassifier(PersistenceMixin, ClassifierMixin, TransformerMixin, BaseEstimator):
    """EA-DC-Transformer time-series classifier (Wang et al., TPAMI 2023).

    Dilated causal convolutions augmented with evolving self-attention: each
    attention layer mixes the previous layer's attention map into its own and
    refines the mix with a 3x3 convolution over the maps.

    Parameters
    ----------
    max_epochs : int or "auto", default="auto"
        Passes over the training data (an upper bound with early stopping).
        "auto" gives 100 epochs up to 500 training cases and fewer beyond, so
        that about 50,000 cases are seen (at least 5 epochs): large problems
        get many more steps per epoch and would otherwise train for hours.
    batch_size : int, default=16
        Cases per gradient step.
    lr : float, default=1e-3
        Peak learning rate, reached after a linear warm-up and followed by a
        cosine decay.
    d_model : int, default=64
        Width of the sequence representation.
    n_blocks : int, default=4
        EA-DC blocks; block ``i`` has dilation ``2**i``.
    patch_size : int or "auto", default="auto"
        Steps embedded together as one token by the stem. Attention costs grow
        with the square of the number of tokens, so "auto" picks the smallest
        patch that keeps the longest training series at most 128 tokens
        (1 for series up to 128 steps). 1 keeps full resolution.
    n_heads : int, default=8
        Attention heads; ``d_model * key_fraction`` and
        ``d_model * value_fraction`` must be multiples of it.
    key_fraction : float, default=0.5
        Query/key width as a fraction of ``d_model`` (reference ``k``).
    value_fraction : float, default=0.5
        Share of each block's output channels that come from attention
        (reference ``v``); the rest come from the dilated causal convolution.
    d_ff : int, default=256
        Hidden width of the feed-forward layers.
    kernel_size : int, default=3
        Kernel of the dilated causal convolutions.
    dropout : float, default=0.1
        Dropout in the blocks and before the classifier.
    attention_dropout : float, default=0.0
        Dropout on the attention probabilities.
    prev_map_weight : float, default=0.3
        Weight of the previous layer's attention map in the residual mix
        ``(1 - w) * S + w * P``; the reference code's ``--beta``.
    map_conv_weight : float, default=0.5
        Weight of the convolved map ``w * act(conv(M)) + (1 - w) * M``; the
        reference code's ``--alpha``.
    causal : bool, default=False
        Restrict attention to the current and earlier steps.
    rel_pos_bias : bool, default=True
        Learned relative-position bias in every attention layer.
    head : {"mean", "max", "attention", "flatten"}, default="mean"
        Masked pooling over real steps (any length at predict time), or the
        reference's flatten head (series no longer than those seen in fit).
    weight_decay : float, default=1e-2
        Decoupled weight decay on weight matrices.
    optimizer : {"adamw", "radam", "adam"}, default="adamw"
        Optimiser; the reference uses RAdam.
    grad_clip : float or None, default=4.0
        Gradient norm clipping, as in the reference.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy.
    class_weight : "balanced", dict or None, default=None
        Class weights of the loss.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop after ``n_iter_no_change`` epochs without a lower validation loss
        and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping`` is on.
    n_iter_no_change : int, default=20
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Smallest fall of the validation loss that counts as an improvement.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit`` instead of
        starting again (classes and channels must match).
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and predict; "auto" picks a GPU when there is one.
    mixed_precision : bool, default=True
        bfloat16 autocast on GPU; ignored on CPU.
    callbacks : sequence of callables or None, default=None
        Each is called with the epoch's history record after every epoch.
    random_state : int, RandomState or None, default=None
        Seeds initialisation, dropout, shuffling and the validation split.
        The same seed and data give the same predictions on one machine.
    verbose : int, default=0
        0 prints nothing; 1 shows a progress bar over epochs.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Columns of X for 2-D input (timepoints), else the number of channels.
    n_channels_ : int
        Channels of the training series.
    n_timepoints_ : int
        Longest training series.
    patch_size_ : int
        Steps per token chosen for the stem.
    module_ : EADCTransformer
        The trained network, in eval mode.
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``lr``, ``seconds``
        and, with early stopping, ``valid_loss`` and ``valid_accuracy``.
        ``pandas.DataFrame(clf.history_)`` gives a table.
    n_iter_ : int
        Epochs run.
    best_epoch_ : int
        Epoch whose weights were kept.
    interrupted_ : bool
        Whether training was stopped by Ctrl-C.
    device_ : str
        Device the network lives on.

    Notes
    -----
    Wang et al., "Convolution-enhanced Evolving Attention Networks", IEEE
    TPAMI 2023 (arXiv:2212.08330). Inputs are standardised per channel with
    training statistics; NaN values are treated as missing and set to the
    training mean, and trailing steps missing on every channel as padding.

    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "d_model": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_blocks": [Interval(numbers.Integral, 1, None, closed="left")],
        "patch_size": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "key_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
        "value_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "d_ff": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "attention_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "prev_map_weight": [Interval(numbers.Real, 0, 1, closed="both")],
        "map_conv_weight": [Interval(numbers.Real, 0, 1, closed="both")],
        "causal": ["boolean"],
        "rel_pos_bias": ["boolean"],
        "head": [StrOptions(set(HEADS))],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "grad_clip": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "mixed_precision": ["boolean"],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        max_epochs: int | str = "auto",
        batch_size: int = 16,
        lr: float = 1e-3,
        d_model: int = 64,
        n_blocks: int = 4,
        patch_size: int | str = "auto",
        n_heads: int = 8,
        key_fraction: float = 0.5,
        value_fraction: float = 0.5,
        d_ff: int = 256,
        kernel_size: int = 3,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        prev_map_weight: float = 0.3,
        map_conv_weight: float = 0.5,
        causal: bool = False,
        rel_pos_bias: bool = True,
        head: str = "mean",
        weight_decay: float = 1e-2,
        optimizer: str = "adamw",
        grad_clip: float | None = 4.0,
        label_smoothing: float = 0.0,
        class_weight: str | dict | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 20,
        tol: float = 1e-4,
        warm_start: bool = False,
        device: str = "auto",
        mixed_precision: bool = True,
        callbacks: Sequence[Callable[[dict], None]] | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.d_model = d_model
        self.n_blocks = n_blocks
        self.patch_size = patch_size
        self.n_heads = n_heads
        self.key_fraction = key_fraction
        self.value_fraction = value_fraction
        self.d_ff = d_ff
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.prev_map_weight = prev_map_weight
        self.map_conv_weight = map_conv_weight
        self.causal = causal
        self.rel_pos_bias = rel_pos_bias
        self.head = head
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.grad_clip = grad_clip
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.device = device
        self.mixed_precision = mixed_precision
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> EADCTransformerClassifier:
        """Train on series ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like, list of arrays or DataFrame
            ``(n_cases, n_channels, n_timepoints)``, ``(n_cases, n_timepoints)``,
            a list of ``(n_channels, n_timepoints_i)`` arrays, sktime's nested
            DataFrame or a (instance, timepoint) multi-index DataFrame.
        y : array-like of shape (n_cases,)
            Class labels of any type.

        Returns
        -------
        self : EADCTransformerClassifier
        """
        # fail on inconsistent widths before any data work
        attention_widths(self.d_model, self.n_heads, self.key_fraction, self.value_fraction)
        device = resolve_device(self.device)
        panel = self._validate_X(X, reset=True)
        labels = check_labels(y, panel.n_cases)
        check_classification_targets(labels)
        continuing = self._can_continue(panel, labels)
        self._set_fit_attributes(panel, labels, device, keep=continuing)
        encoded = np.searchsorted(self.classes_, labels)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        # initialisation and dropout draw from a forked RNG: the caller's global state is untouched
        # (manual_seed seeds every GPU too, so fork them all)
        fork_devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            if not continuing:
                self.module_ = self._build_module(panel).to(device)
            train, valid = self._split(self._to_tensors(panel, encoded), encoded, seed)
            result = Trainer(self._train_config(device, encoded, seed), self.callbacks or ()).fit(
                self.module_, train, valid
            )
        self.history_ = result.history
        self.n_iter_ = len(result.history)
        self.best_epoch_ = result.best_epoch
        self.interrupted_ = result.interrupted
        return self

    def _can_continue(self, panel: Panel, labels: np.ndarray) -> bool:
        if not (self.warm_start and hasattr(self, "module_")):
            return False
        if panel.n_channels != self.n_channels_ or not np.array_equal(
            np.unique(labels), self.classes_
        ):
            raise ValueError(
                "warm_start=True continues the fitted network, which needs the same channels "
                f"({self.n_channels_}) and classes ({list(self.classes_)}); got "
                f"{panel.n_channels} channels and classes {list(np.unique(labels))}"
            )
        return True

    def _set_fit_attributes(self, panel, labels, device, keep: bool) -> None:
        classes = np.unique(labels)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}); classification needs at least 2 classes"
            )
        self.classes_ = classes
        self.device_ = str(device)
        if keep:
            return
        self.n_channels_ = panel.n_channels
        self.n_timepoints_ = panel.max_length
        self.scaler_ = ChannelScaler.fit(panel)
        self.input_2d_ = panel.source == "numpy2D"
        if not self.input_2d_:
            self.n_features_in_ = panel.n_channels
            self.__dict__.pop("feature_names_in_", None)

    def _build_module(self, panel: Panel) -> EADCTransformer:
        self.patch_size_ = (
            -(-panel.max_length // AUTO_MAX_TOKENS) if self.patch_size == "auto" else self.patch_size
        )
        self.module_kwargs_ = {
            "patch_size": self.patch_size_,
            "n_channels": panel.n_channels,
            "n_classes": len(self.classes_),
            "max_length": panel.max_length if self.head == "flatten" else None,
            **{name: getattr(self, name) for name in MODEL_PARAMS},
        }
        return EADCTransformer(**self.module_kwargs_)

    def _split(
        self, data: SeriesTensors, encoded: np.ndarray, seed: int
    ) -> tuple[SeriesTensors, SeriesTensors | None]:
        if not self.early_stopping:
            return data, None
        train_idx, valid_idx = self._validation_split(encoded, seed)
        return _subset(data, train_idx), _subset(data, valid_idx)

    def _validation_split(self, encoded: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Stratified hold-out indices; plain random when a class has a single case."""
        n_valid = int(np.ceil(self.validation_fraction * len(encoded)))
        if len(encoded) - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least 2 cases to hold out validation_fraction="
                f"{self.validation_fraction}; got {len(encoded)}"
            )
        can_stratify = n_valid >= len(self.classes_) and np.bincount(encoded).min() >= 2
        return train_test_split(
            np.arange(len(encoded)), test_size=n_valid,
            stratify=encoded if can_stratify else None, random_state=seed,
        )

    def _epochs(self, n_cases: int) -> int:
        if self.max_epochs != "auto":
            return self.max_epochs
        return int(min(100, max(5, np.ceil(AUTO_CASES_SEEN / n_cases))))

    def _train_config(self, device: torch.device, encoded: np.ndarray, seed: int) -> TrainConfig:
        return TrainConfig(
            max_epochs=self._epochs(len(encoded)),
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            optimizer=self.optimizer,
            grad_clip=self.grad_clip,
            label_smoothing=self.label_smoothing,
            class_weights=self._class_weights(encoded),
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            device=device,
            mixed_precision=self.mixed_precision,
            verbose=self.verbose,
            seed=seed,
        )

    def _class_weights(self, encoded: np.ndarray) -> torch.Tensor | None:
        if self.class_weight is None:
            return None
        weights = compute_class_weight(
            self.class_weight, classes=np.arange(len(self.classes_)),
            y=encoded,
        ) if self.class_weight == "balanced" else np.array(
            [self.class_weight.get(c, 1.0) for c in self.classes_], dtype=float
        )
        return torch.as_tensor(weights, dtype=torch.float32)

    # ------------------------------------------------------------ predict
    def _validate_X(self, X, reset: bool) -> Panel:
        panel = to_panel(X)
        if panel.source == "numpy2D":
            # sklearn's own checks of column count and feature names for 2-D input
            if reset or getattr(self, "input_2d_", False):
                validate_data(self, X, skip_check_array=True, reset=reset)
        if not reset:
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

    def _to_tensors(self, panel: Panel, encoded: np.ndarray | None = None) -> SeriesTensors:
        values, valid = self.scaler_.transform(panel)
        labels = None if encoded is None else torch.as_tensor(encoded, dtype=torch.long)
        return SeriesTensors(torch.from_numpy(values), torch.from_numpy(valid), labels)

    def _predict_tensors(self, X) -> SeriesTensors:
        check_is_fitted(self)
        return self._to_tensors(self._validate_X(X, reset=False))

    def _inference_module(self) -> tuple[EADCTransformer, torch.device, torch.dtype]:
        """The network for prediction. On CPU a float64 copy: its outputs for a
        case then do not depend on which other cases share its batch."""
        device = next(self.module_.parameters()).device
        if device.type == "cpu":
            return copy.deepcopy(self.module_).double(), device, torch.float64
        return self.module_, device, torch.float32

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n_cases, n_classes)``, columns in ``classes_`` order."""
        data = self._predict_tensors(X)
        module, device, dtype = self._inference_module()
        with torch.inference_mode():
            logits = predict_logits(module, data, 4 * self.batch_size, device, dtype)
            return logits.softmax(dim=1).double().cpu().numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted class labels, shape ``(n_cases,)``."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def transform(self, X) -> np.ndarray:
        """Pooled embeddings, one row per case (input of the final linear layer)."""
        data = self._predict_tensors(X)
        module, device, dtype = self._inference_module()
        with torch.inference_mode():
            rows = [
                module.forward_head(*module.forward_features(v, m), pre_logits=True)
                for v, m, _ in data.batches(4 * self.batch_size, device, dtype=dtype)
            ]
            return torch.cat(rows).double().cpu().numpy()

    def attention_maps(self, X, kind: str = "probs") -> list[np.ndarray]:
        """Attention maps of every layer for the cases in ``X``.

        Parameters
        ----------
        X : series in any accepted format
        kind : {"probs", "logits"}, default="probs"
            Softmax weights, or the evolved pre-softmax maps each layer hands on.

        Returns
        -------
        maps : list of ndarray, one per layer, each ``(n_cases, n_heads, T, T)``
            with ``T`` the tokens of the longest series in ``X`` (its length
            divided by ``patch_size_``); entries of padded tokens are 0.
        """
        if kind not in ("probs", "logits"):
            raise ValueError(f"kind must be 'probs' or 'logits', got {kind!r}")
        data = self._predict_tensors(X)
        module, device, dtype = self._inference_module()
        values, valid = data.values.to(device, dtype), data.valid.to(device)
        maps = AttentionMaps()
        with torch.inference_mode():
            _, tokens_valid = module.forward_features(values, valid, maps)
        allowed = (tokens_valid[:, None, :, None] & tokens_valid[:, None, None, :]).cpu().numpy()
        return [np.where(allowed, m.float().cpu().numpy(), 0.0) for m in getattr(maps, kind)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


def _subset(data: SeriesTensors, idx: np.ndarray) -> SeriesTensors:
    index = torch.as_tensor(idx, dtype=torch.long)
    return SeriesTensors(data.values[index], data.valid[index], data.labels[index])
