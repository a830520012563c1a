"""Figures: how attention evolves through the layers, and training history.

matplotlib is imported inside the functions, so importing tsevo stays light.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tsevo.data.validation import to_panel


def _one_case(x) -> np.ndarray:
    """A single series as ``(n_channels, n_timepoints)`` (1-D means univariate)."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(
            f"x must be one series of shape (n_channels, n_timepoints) or (n_timepoints,); got {arr.shape}"
        )
    return arr


def plot_attention_evolution(
    clf,
    x,
    head: int | str = "mean",
    kind: str = "probs",
    channel_names: Sequence[str] | None = None,
    title: str | None = None,
):
    """Show one series above the attention map of every layer, side by side.

    Parameters
    ----------
    clf : fitted EADCTransformerClassifier (any face)
    x : array-like of shape (n_channels, n_timepoints) or (n_timepoints,)
        One series.
    head : int or "mean", default="mean"
        Which head to show, or the mean over heads.
    kind : {"probs", "logits"}, default="probs"
        Softmax weights, or the evolved pre-softmax maps handed from layer to layer.
    channel_names : sequence of str, optional
    title : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    case = _one_case(x)
    maps = clf.attention_maps([case], kind=kind)
    if head != "mean" and not (isinstance(head, int) and 0 <= head < maps[0].shape[1]):
        raise ValueError(f"head must be 'mean' or an int in [0, {maps[0].shape[1]}); got {head!r}")
    images = [m[0].mean(axis=0) if head == "mean" else m[0, head] for m in maps]
    n_layers = len(images)
    length = int(to_panel([case]).lengths[0])

    fig = plt.figure(figsize=(3.0 * n_layers + 0.8, 6.2), layout="constrained")
    grid = fig.add_gridspec(2, n_layers, height_ratios=[1, 2.2])
    series_ax = fig.add_subplot(grid[0, :])
    for c, values in enumerate(case):
        label = channel_names[c] if channel_names is not None else f"channel {c}"
        series_ax.plot(np.arange(len(values)), values, lw=1.2, label=label)
    series_ax.set_xlim(0, max(length - 1, 1))
    series_ax.set_xlabel("time step")
    series_ax.set_ylabel("value")
    if len(case) <= 8:
        series_ax.legend(loc="upper right", fontsize="small", ncols=min(len(case), 4), frameon=False)

    patch = int(np.ceil(length / images[0].shape[0]))
    extent = (0, images[0].shape[0] * patch, images[0].shape[0] * patch, 0)
    vmin, vmax = (0.0, max(float(im.max()) for im in images)) if kind == "probs" else (None, None)
    for i, image in enumerate(images):
        ax = fig.add_subplot(grid[1, i])
        shown = ax.imshow(image, cmap="magma", extent=extent, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(f"layer {i + 1}" + (" (no previous map)" if i == 0 else ""), fontsize="medium")
        ax.set_xlabel("key step")
        if i == 0:
            ax.set_ylabel("query step")
    fig.colorbar(shown, ax=fig.axes[1:], shrink=0.8, label="attention weight" if kind == "probs" else "logit")
    which = "mean over heads" if head == "mean" else f"head {head}"
    fig.suptitle(title or f"Evolution of attention through the layers ({which})")
    return fig


def plot_history(history, title: str | None = None):
    """Training and validation loss per epoch, with validation accuracy when recorded.

    Parameters
    ----------
    history : fitted estimator or list of dict
        An estimator with ``history_``, or the records themselves.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    records = getattr(history, "history_", history)
    if not records:
        raise ValueError("the history is empty: the estimator ran no epoch")
    epochs = [r["epoch"] for r in records]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    ax.plot(epochs, [r["train_loss"] for r in records], label="train loss", color="tab:blue")
    if "valid_loss" in records[0]:
        ax.plot(epochs, [r["valid_loss"] for r in records], label="validation loss", color="tab:orange")
        acc_ax = ax.twinx()
        acc_ax.plot(epochs, [r["valid_accuracy"] for r in records], color="tab:green", ls="--",
                    label="validation accuracy")
        acc_ax.set_ylabel("validation accuracy")
        acc_ax.set_ylim(0, 1.02)
        acc_ax.legend(loc="center right", frameon=False)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(title or "Training history")
    return fig
