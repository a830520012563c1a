"""Checks and conversion of every accepted input format into one padded panel.

This is the only place where user input becomes arrays for the model. Every
accepted container ends up as a :class:`Panel`: a float64 array
``(n_cases, n_channels, max_length)`` padded with NaN on the right, plus the
length of each case. The caller's objects are read, never written.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

FORMATS = ("numpy2D", "numpy3D", "np-list", "nested_univ", "pd-multiindex")


@dataclass(frozen=True)
class Panel:
    """Series of possibly unequal length, right-padded with NaN.

    Attributes
    ----------
    values : ndarray of shape (n_cases, n_channels, max_length), float64
        NaN after each case's end and where values are missing.
    lengths : ndarray of shape (n_cases,), int64
        Steps up to and including the last step with any observed value.
    source : str
        The format the data arrived in, one of ``FORMATS``.
    """

    values: np.ndarray
    lengths: np.ndarray
    source: str

    @property
    def n_cases(self) -> int:
        return self.values.shape[0]

    @property
    def n_channels(self) -> int:
        return self.values.shape[1]

    @property
    def max_length(self) -> int:
        return self.values.shape[2]


def _as_real_array(x, what: str) -> np.ndarray:
    """Convert to float64 without touching the input; refuse non-numbers."""
    arr = np.asarray(x)
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {what} holds complex numbers")
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=True)
    if arr.dtype.kind == "O":
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{what} holds objects that are not real numbers (argument must be a string "
                f"or a real number): {err}"
            ) from None
    raise TypeError(
        f"{what} has dtype {arr.dtype}; expected real numbers (strings, bytes, dates and "
        "objects are not accepted)"
    )


def _from_numpy(X: np.ndarray) -> tuple[np.ndarray, str]:
    if X.ndim == 3:
        return _as_real_array(X, "X"), "numpy3D"
    if X.ndim == 2:
        return _as_real_array(X, "X")[:, None, :], "numpy2D"
    hint = " Reshape your data: one case per row." if X.ndim < 2 else ""
    raise ValueError(
        f"X must be 3-D (n_cases, n_channels, n_timepoints) or 2-D (n_cases, n_timepoints); "
        f"got an array with {X.ndim} dimension(s) and shape {X.shape}.{hint}"
    )


def _pad_cases(cases: list[np.ndarray]) -> np.ndarray:
    channels = {c.shape[0] for c in cases}
    if len(channels) > 1:
        raise ValueError(
            f"all cases must have the same number of channels; found {sorted(channels)}"
        )
    length = max(c.shape[1] for c in cases)
    out = np.full((len(cases), channels.pop(), length), np.nan)
    for i, case in enumerate(cases):
        out[i, :, : case.shape[1]] = case
    return out


def _is_table(X: list | tuple) -> bool:
    """A list of equal-length 1-D sequences is a 2-D table, as numpy would read it."""
    shapes = {np.shape(case) for case in X}
    return len(shapes) == 1 and len(shapes.pop()) == 1


def _from_list(X: list | tuple) -> np.ndarray:
    cases = []
    for i, case in enumerate(X):
        arr = _as_real_array(case, f"case {i} of X")
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise ValueError(
                f"each case in a list must be 2-D (n_channels, n_timepoints) or 1-D; "
                f"case {i} has shape {arr.shape}"
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"case {i} of X is empty (shape {arr.shape})")
        cases.append(arr)
    return _pad_cases(cases)


def _is_nested(df: pd.DataFrame) -> bool:
    return df.shape[0] > 0 and df.shape[1] > 0 and all(
        isinstance(v, (pd.Series, np.ndarray, list)) for v in df.iloc[0]
    )


def _from_nested(df: pd.DataFrame) -> np.ndarray:
    cases = []
    for i, (_, row) in enumerate(df.iterrows()):
        channels = [_as_real_array(cell, f"case {i} of X").ravel() for cell in row]
        lengths = {len(c) for c in channels}
        if len(lengths) > 1:
            raise ValueError(f"case {i} of X has channels of different lengths {sorted(lengths)}")
        if 0 in lengths:
            raise ValueError(f"case {i} of X is empty")
        cases.append(np.stack(channels))
    return _pad_cases(cases)


def _from_multiindex(df: pd.DataFrame) -> np.ndarray:
    if df.index.nlevels != 2:
        raise ValueError(
            f"a multi-index DataFrame must have 2 index levels (instance, timepoint); "
            f"got {df.index.nlevels}"
        )
    # keep the caller's instance order; sort timepoints within each instance
    instances = df.index.get_level_values(0).unique()
    groups = dict(list(df.groupby(level=0, sort=False)))
    cases = []
    for i, key in enumerate(instances):
        case = groups[key].sort_index(level=1)
        cases.append(_as_real_array(case.to_numpy(), f"case {i} of X").T)
    return _pad_cases(cases)


def _from_dataframe(df: pd.DataFrame) -> tuple[np.ndarray, str]:
    if df.shape[0] == 0:
        raise ValueError("X has no cases (an empty DataFrame)")
    if isinstance(df.index, pd.MultiIndex):
        return _from_multiindex(df), "pd-multiindex"
    if _is_nested(df):
        return _from_nested(df), "nested_univ"
    values, _ = _from_numpy(df.to_numpy())
    return values, "numpy2D"


def _series_lengths(values: np.ndarray) -> np.ndarray:
    """Length of each case: up to its last step with any observed value."""
    observed = ~np.isnan(values).all(axis=1)  # (n, L)
    last = observed.shape[1] - np.argmax(observed[:, ::-1], axis=1)
    return np.where(observed.any(axis=1), last, 0).astype(np.int64)


def to_panel(X) -> Panel:
    """Convert any accepted format into a :class:`Panel`, checking it.

    Accepted: numpy 3-D ``(n_cases, n_channels, n_timepoints)``; numpy 2-D
    ``(n_cases, n_timepoints)`` (univariate); a list of 2-D
    ``(n_channels, n_timepoints_i)`` (or 1-D) arrays; sktime's nested
    DataFrame (a column per channel, a Series per cell); a pandas DataFrame
    with a (instance, timepoint) MultiIndex and a column per channel.

    NaN marks a missing value; trailing steps missing on every channel are
    taken as padding. Raises ``TypeError`` for unsupported containers or
    non-real values and ``ValueError`` for wrong shapes, empty input, inf and
    cases with no observed value.
    """
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError("Sparse data is not supported: pass a dense array (X.toarray())")
    if isinstance(X, pd.Series):
        raise TypeError("X is a pandas Series; pass a DataFrame, a numpy array or a list")
    if isinstance(X, pd.DataFrame):
        values, source = _from_dataframe(X)
    elif isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError("X has no cases (an empty list)")
        if all(isinstance(c, numbers.Real) for c in X):
            raise ValueError("X is a flat list of numbers; pass a list of 2-D or 1-D arrays")
        if _is_table(X):
            values, source = _from_numpy(np.asarray(X))
        else:
            values, source = _from_list(X), "np-list"
    elif isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        values, source = _from_numpy(np.asarray(X))
    else:
        raise TypeError(
            f"X of type {type(X).__name__} is not supported; pass a numpy array, a list of "
            "arrays or a pandas DataFrame"
        )
    _check_values(values, source)
    lengths = _series_lengths(values)
    if (lengths == 0).any():
        case = int(np.flatnonzero(lengths == 0)[0])
        raise ValueError(f"case {case} of X has no observed value (all NaN)")
    return Panel(values=values[:, :, : lengths.max()], lengths=lengths, source=source)


def _check_values(values: np.ndarray, source: str) -> None:
    n_cases, n_channels, n_timepoints = values.shape
    shape = (n_cases, n_timepoints) if source == "numpy2D" else values.shape
    if n_cases == 0:
        raise ValueError(f"X has no cases: 0 sample(s) (shape={shape}) while a minimum of 1 is required")
    if n_channels == 0:
        raise ValueError(f"X has no channels (shape={shape})")
    if n_timepoints == 0:
        raise ValueError(
            f"X has zero timepoints: 0 feature(s) (shape={shape}) while a minimum of 1 is required."
        )
    infinite = np.isinf(values)
    if infinite.any():
        case = int(np.argwhere(infinite)[0, 0])
        raise ValueError(f"X contains inf (first in case {case}); replace it or use NaN")


def check_labels(y, n_cases: int) -> np.ndarray:
    """Return y as a 1-D array of length ``n_cases``; refuse NaN and 2-D labels."""
    if y is None:
        raise ValueError(
            "This classifier requires y to be passed, but the target y is None"
        )
    arr = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it was raveled.",
            DataConversionWarning,
            stacklevel=3,
        )
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per case); got shape {arr.shape}")
    if len(arr) != n_cases:
        raise ValueError(f"X has {n_cases} cases but y has {len(arr)} labels")
    if pd.isna(arr).any():
        raise ValueError(f"y contains missing labels (NaN/None) at {np.flatnonzero(pd.isna(arr))[:5]}")
    return arr


def check_targets(y, n_cases: int) -> np.ndarray:
    """Return regression targets as float64 ``(n_cases,)`` or ``(n_cases, n_targets)``.

    Refuses None, text or class labels (``TypeError``), a wrong length, NaN or
    infinite values, and a target that never varies (``ValueError``). The
    caller's object is not modified.
    """
    if y is None:
        raise ValueError("This regressor requires y to be passed, but the target y is None")
    arr = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    if arr.dtype.kind in "OUSb" or arr.dtype.kind == "M":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "y must hold numbers for regression; it holds text or objects (class labels belong "
                "to a classifier)"
            ) from None
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported: y holds complex numbers")
    arr = arr.astype(np.float64, copy=True)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"y must be 1-D (one target per case) or 2-D (n_cases, n_targets); got shape {arr.shape}")
    if len(arr) != n_cases:
        raise ValueError(f"X has {n_cases} cases but y has {len(arr)} targets")
    if not np.isfinite(arr).all():
        raise ValueError("y contains NaN or infinite targets; regression needs a finite target for every case")
    flat = arr.reshape(len(arr), -1)
    if len(arr) < 2:
        raise ValueError("regression needs at least 2 cases; got 1 sample")
    if (flat.std(axis=0) == 0).any():
        raise ValueError("y is constant: a regressor needs targets that vary")
    return arr


@dataclass(frozen=True)
class ChannelScaler:
    """Per-channel standardisation with statistics of the observed training values.

    With ``mean_series`` (fitted by ``fit(panel, deviations=True)``) every
    channel also gets a deviation channel: its distance from the training
    cases' mean series at each step, divided by one scale per channel. Where
    the cases of a problem share one shape and differ by a small fraction of
    it (spectra, outlines), standardisation leaves them nearly identical to
    the network; their deviations from the mean shape are what separates the
    classes. Series longer than the training ones see the mean series'
    last value beyond its end.

    With ``difference_scale`` (``fit(panel, differences=True)``) every channel
    also gets its first difference (the change from the step before; 0 at the
    first step and where a value is missing), divided by the differences' root
    mean square over the training cases. Slopes of smooth series are a small
    fraction of their values; scaled on their own they reach the network at
    the size of the values, as MultiRocket's and QUANT's difference
    representations do.

    With ``level_mean`` and ``level_scale`` (``fit(panel, shapes=True)``)
    every channel also gets two more: the case's own standardised series (its
    shape, whatever its amplitude) and the logarithm of its standard
    deviation (its level, one value per case repeated along time, centred
    and scaled over the training cases). Where amplitudes span orders of
    magnitude (electrical loads, raw sensor counts), one scale per channel
    leaves the quiet cases near zero for the network; these channels show
    every case's shape at unit size and its amplitude on a log scale.
    """

    mean: np.ndarray  # (C,)
    scale: np.ndarray  # (C,)
    mean_series: np.ndarray | None = None  # (C, L_train)
    deviation_scale: np.ndarray | None = None  # (C,)
    difference_scale: np.ndarray | None = None  # (C,)
    level_mean: np.ndarray | None = None  # (C,)
    level_scale: np.ndarray | None = None  # (C,)

    @classmethod
    def fit(
        cls, panel: Panel, deviations: bool = False, differences: bool = False, shapes: bool = False
    ) -> ChannelScaler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a channel or step may be all NaN
            mean = np.nan_to_num(np.nanmean(panel.values, axis=(0, 2)))
            scale = _usable_scale(np.nanstd(panel.values, axis=(0, 2)))
            mean_series = deviation_scale = difference_scale = level_mean = level_scale = None
            if deviations:
                mean_series = _fill_forward(np.nanmean(panel.values, axis=0), fallback=mean)
                deviation_scale = _usable_scale(np.nanstd(panel.values - mean_series, axis=(0, 2)))
            if differences:
                difference_scale = _usable_scale(np.sqrt(np.nanmean(_differences(panel.values) ** 2, axis=(0, 2))))
            if shapes:
                levels = _log_levels(np.nanstd(panel.values, axis=2), scale)  # (N, C)
                level_mean = np.nan_to_num(np.nanmean(levels, axis=0))
                level_scale = _usable_scale(np.nanstd(levels, axis=0))
        return cls(mean, scale, mean_series, deviation_scale, difference_scale, level_mean, level_scale)

    @property
    def n_outputs(self) -> int:
        """Channels the network receives: the inputs, and their deviations, differences,
        shapes and levels if fitted."""
        deviations, differences = self.mean_series is not None, self.difference_scale is not None
        extra = deviations + differences + 2 * (self.level_scale is not None)
        return len(self.mean) * (1 + extra)

    def transform(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """Standardised float32 values ``(n_cases, n_outputs, max_length)`` with
        missing and padded steps at 0 (the training mean), and the validity
        mask ``(n_cases, max_length)``."""
        values = (panel.values - self.mean[:, None]) / self.scale[:, None]
        if self.mean_series is not None:
            reference = _fit_length(self.mean_series, panel.max_length)
            deviations = (panel.values - reference) / self.deviation_scale[:, None]
            values = np.concatenate([values, deviations], axis=1)
        if self.difference_scale is not None:
            differences = _differences(panel.values) / self.difference_scale[:, None]
            values = np.concatenate([values, differences], axis=1)
        if self.level_scale is not None:
            values = np.concatenate([values, *self._shapes_and_levels(panel)], axis=1)
        values = np.nan_to_num(values, nan=0.0).astype(np.float32)
        valid = np.arange(panel.max_length)[None, :] < panel.lengths[:, None]
        return values, valid

    def _shapes_and_levels(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """Each case's standardised series and its log level, both ``(N, C, L)``
        (NaN where the case has no value: missing or padded steps)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a case's channel may be all NaN
            case_mean, case_std = np.nanmean(panel.values, axis=2), np.nanstd(panel.values, axis=2)  # (N, C)
            shapes = (panel.values - case_mean[..., None]) / _usable_scale(case_std)[..., None]
            levels = (_log_levels(case_std, self.scale) - self.level_mean) / self.level_scale
        observed = ~np.isnan(panel.values)
        return shapes, np.where(observed, levels[:, :, None], np.nan)


def amplitude_spread(panel: Panel) -> float:
    """How far the cases' amplitudes differ: over channels, the largest ratio of the
    95th to the 5th percentile of the cases' standard deviations (1 for series
    standardised one by one, as most of the UCR archive is). Flat cases are left out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a case's channel may be all NaN
        deviations = np.nanstd(panel.values, axis=2)  # (N, C)
    spreads = [1.0]
    for channel in deviations.T:
        moving = channel[np.isfinite(channel) & (channel > 0)]
        if len(moving) > 1:
            low, high = np.percentile(moving, [5, 95])
            spreads.append(high / low)
    return float(max(spreads))


def _log_levels(case_std: np.ndarray, channel_scale: np.ndarray) -> np.ndarray:
    """Natural log of the cases' standard deviations ``(N, C)``, floored at a millionth
    of the channel's scale (a constant or empty series has a finite level)."""
    floor = 1e-6 * channel_scale[None, :]
    return np.log(np.maximum(np.nan_to_num(case_std), floor))


def _differences(values: np.ndarray) -> np.ndarray:
    """``(N, C, L)`` changes from the step before: 0 at the first step, NaN next to a missing value."""
    return np.concatenate([np.zeros_like(values[..., :1]), np.diff(values, axis=-1)], axis=-1)


def _usable_scale(std: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(std) & (std > 1e-12), std, 1.0)


def _fill_forward(series: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``(C, L)`` with each NaN replaced by the last earlier value (``fallback`` when none)."""
    filled = pd.DataFrame(series.T).ffill().to_numpy().T
    return np.where(np.isnan(filled), fallback[:, None], filled)


def _fit_length(series: np.ndarray, length: int) -> np.ndarray:
    """``(C, L)`` cut or extended (repeating its last step) to ``length`` steps."""
    if length <= series.shape[1]:
        return series[:, :length]
    return np.pad(series, ((0, 0), (0, length - series.shape[1])), mode="edge")


def panel_to_series(panel: Panel) -> np.ndarray | list[np.ndarray]:
    """The panel as aeon's containers: a 3-D array when every case has the same
    length, else a list of ``(n_channels, length_i)`` arrays (NaN stays missing)."""
    if (panel.lengths == panel.max_length).all():
        return panel.values
    return [case[:, :length] for case, length in zip(panel.values, panel.lengths, strict=True)]


def fill_missing(panel: Panel) -> Panel:
    """Replace missing values inside each series by linear interpolation along
    time (the nearest observed value at the edges), for estimators that take no
    NaN. Padding after each case's end stays NaN. A channel with no observed
    value in a case becomes 0."""
    values = panel.values.copy()
    steps = np.arange(panel.max_length)
    for case, length in enumerate(panel.lengths):
        for channel in range(panel.n_channels):
            series = values[case, channel, :length]
            missing = np.isnan(series)
            if missing.all():
                series[:] = 0.0
            elif missing.any():
                series[missing] = np.interp(steps[:length][missing], steps[:length][~missing], series[~missing])
    return Panel(values=values, lengths=panel.lengths, source=panel.source)


def pad_to_length(X, length: int, fill_value: float = 0.0) -> np.ndarray:
    """Right-pad every case to ``length`` steps: a 3-D array for estimators that
    need equal lengths. Padding and missing values become ``fill_value``.
    ``X`` is any accepted format, or a :class:`Panel` already converted."""
    panel = X if isinstance(X, Panel) else to_panel(X)
    if panel.max_length > length:
        raise ValueError(f"X has series of {panel.max_length} steps, longer than length={length}")
    out = np.full((panel.n_cases, panel.n_channels, length), fill_value)
    out[:, :, : panel.max_length] = np.nan_to_num(panel.values, nan=fill_value)
    return out
