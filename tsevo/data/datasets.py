"""UEA/UCR loaders: a local folder of ``.ts`` files, or the problems aeon ships.

Parsing is aeon's (``load_from_ts_file``); this module only finds the files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

SPLITS = ("train", "test")


def shipped_data_dir() -> Path:
    """Folder of the small UEA/UCR problems that aeon ships (BasicMotions, GunPoint, ...)."""
    import aeon.datasets

    return Path(aeon.datasets.__file__).parent / "data"


def default_data_dirs() -> list[Path]:
    """Where ``load_uea`` looks when no folder is given: ``$TSEVO_DATA`` if set, then aeon's."""
    dirs = [Path(p) for p in os.environ.get("TSEVO_DATA", "").split(os.pathsep) if p]
    return [*dirs, shipped_data_dir()]


def find_ts_file(name: str, split: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Path of ``NAME/NAME_SPLIT.ts`` (or ``NAME_SPLIT.ts``) in the first folder that has it."""
    split = split.lower()
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    folders = [Path(data_dir)] if data_dir is not None else default_data_dirs()
    filename = f"{name}_{split.upper()}.ts"
    for folder in folders:
        for candidate in (folder / name / filename, folder / filename):
            if candidate.is_file():
                return candidate
    searched = ", ".join(str(f) for f in folders)
    raise FileNotFoundError(
        f"dataset {name!r} ({split}) not found: no {name}/{filename} under {searched}"
    )


def load_ts(path: str | os.PathLike) -> tuple[np.ndarray | list[np.ndarray], np.ndarray]:
    """Read one ``.ts`` file: X as a 3-D array (equal lengths) or a list of 2-D arrays, and y."""
    from aeon.datasets import load_from_ts_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no .ts file at {path}")
    return load_from_ts_file(str(path))


def load_uea(
    name: str,
    split: str | None = None,
    data_dir: str | os.PathLike | None = None,
):
    """Load a UEA/UCR classification problem from a local folder of ``.ts`` files.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"BasicMotions"``.
    split : {"train", "test"} or None, default=None
        One split, or both when None.
    data_dir : path-like or None, default=None
        Folder laid out as ``NAME/NAME_TRAIN.ts`` and ``NAME/NAME_TEST.ts``
        (the layout of the UEA archive). By default, the folders in
        ``$TSEVO_DATA`` and then the problems that aeon ships.

    Returns
    -------
    X, y
        For one split. X is ``(n_cases, n_channels, n_timepoints)`` or, for
        unequal lengths, a list of ``(n_channels, n_timepoints_i)`` arrays.
    X_train, y_train, X_test, y_test
        When ``split`` is None.

    Examples
    --------
    >>> from tsevo.datasets import load_uea
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> X.shape
    (40, 6, 100)
    """
    if split is None:
        return (*load_uea(name, "train", data_dir), *load_uea(name, "test", data_dir))
    return load_ts(find_ts_file(name, split, data_dir))


def load_tser(
    name: str,
    split: str | None = None,
    data_dir: str | os.PathLike | None = None,
):
    """Load a time-series extrinsic regression problem (Monash/UEA TSER archive).

    The same folders and layout as :func:`load_uea`; the ``.ts`` files carry
    ``@targetLabel true`` and the targets come back as float64.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"Covid3Month"`` (shipped with aeon).
    split : {"train", "test"} or None, default=None
    data_dir : path-like or None, default=None

    Returns
    -------
    X, y or X_train, y_train, X_test, y_test
        As :func:`load_uea`, with float targets.

    Examples
    --------
    >>> from tsevo.datasets import load_tser
    >>> X, y = load_tser("Covid3Month", split="train")
    >>> X.shape, y.dtype
    ((140, 1, 84), dtype('float64'))
    """
    if split is None:
        return (*load_tser(name, "train", data_dir), *load_tser(name, "test", data_dir))
    path = find_ts_file(name, split, data_dir)
    X, y = load_ts(path)
    try:
        targets = np.asarray(y, dtype=np.float64)
    except ValueError:
        raise ValueError(f"{path} holds class labels, not regression targets; use load_uea") from None
    return X, targets
