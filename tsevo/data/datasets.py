"""UEA/UCR/TSER loaders: local folders of ``.ts`` files, aeon's shipped problems,
and the archives' zips downloaded on demand into a user cache.

Parsing is aeon's (``load_from_ts_file``); this module finds the files and,
when no folder has them, fetches the problem's zip once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from http.client import HTTPException
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import numpy as np

SPLITS = ("train", "test")
# the archives' per-problem zips, as aeon's own downloader fetches them
CLASSIFICATION_URL = "https://timeseriesclassification.com/aeon-toolkit/{name}.zip"
ZENODO_URL = "https://zenodo.org/record/{record}/files/{name}.zip"
DOWNLOAD_TIMEOUT_S = 60


def shipped_data_dir() -> Path:
    """Folder of the small UEA/UCR problems that aeon ships (BasicMotions, GunPoint, ...)."""
    import aeon.datasets

    return Path(aeon.datasets.__file__).parent / "data"


def cache_dir() -> Path:
    """The user's cache of downloaded problems: ``$TSEVO_CACHE`` if set, else the
    platform's cache folder (``~/.cache/tsevo/data`` on Linux)."""
    if os.environ.get("TSEVO_CACHE"):
        return Path(os.environ["TSEVO_CACHE"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("tsevo")) / "data"


def default_data_dirs() -> list[Path]:
    """Where the loaders look after ``data_dir``: ``$TSEVO_DATA`` (``os.pathsep``-separated),
    the user cache, then aeon's shipped problems."""
    dirs = [Path(p) for p in os.environ.get("TSEVO_DATA", "").split(os.pathsep) if p]
    return [*dirs, cache_dir(), shipped_data_dir()]


def archive_url(name: str, task: str = "classification") -> str:
    """The zip of one problem: ``$TSEVO_DATA_URL`` (a template with ``{name}``) if
    set; else the regression archive's Zenodo record for TSER problems and
    timeseriesclassification.com for UEA/UCR ones."""
    if os.environ.get("TSEVO_DATA_URL"):
        return os.environ["TSEVO_DATA_URL"].format(name=name)
    if task == "regression":
        from aeon.datasets.tser_datasets import tsr_zenodo

        if name in tsr_zenodo:
            return ZENODO_URL.format(record=tsr_zenodo[name], name=name)
    return CLASSIFICATION_URL.format(name=name)


def _search(name: str, filename: str, folders: list[Path]) -> Path | None:
    for folder in folders:
        for candidate in (folder / name / filename, folder / filename):
            if candidate.is_file():
                return candidate
    return None


def find_ts_file(
    name: str,
    split: str,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    task: str = "classification",
) -> Path:
    """Path of ``NAME/NAME_SPLIT.ts`` (or ``NAME_SPLIT.ts``) in the first folder that has it.

    Folders: ``data_dir``, then :func:`default_data_dirs`. When none has the
    file and ``download`` is true, the problem's zip is fetched into the cache
    first (see :func:`download_problem`).
    """
    split = split.lower()
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    folders = ([Path(data_dir)] if data_dir is not None else []) + default_data_dirs()
    filename = f"{name}_{split.upper()}.ts"
    found = _search(name, filename, folders)
    if found is not None:
        return found
    searched = ", ".join(str(f) for f in folders)
    if not download:
        raise FileNotFoundError(
            f"dataset {name!r} ({split}) not found: no {name}/{filename} under {searched} (download=False)"
        )
    download_problem(name, task=task, searched=searched)
    found = _search(name, filename, [cache_dir()])
    if found is None:
        raise FileNotFoundError(f"the downloaded archive of {name!r} holds no {filename}")
    return found


def download_problem(name: str, task: str = "classification", searched: str = "") -> Path:
    """Fetch one problem's zip into ``cache_dir()/NAME`` and return that folder.

    The zip is downloaded and unpacked in a temporary folder beside the
    cache and moved into place only once both splits are there, so an
    interrupted download, a corrupt zip or a zip without the problem leaves
    nothing behind. Errors name the problem, the address and the folders
    searched before.
    """
    url = archive_url(name, task)
    target = cache_dir() / name
    where = f" (searched {searched})" if searched else ""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-") as tmp:
        archive = Path(tmp) / f"{name}.zip"
        try:
            _fetch(url, archive)
        except HTTPError as err:
            if err.code == 404:
                raise FileNotFoundError(f"dataset {name!r} not found locally{where} nor at {url}") from None
            raise ConnectionError(f"downloading {name!r} from {url} failed: HTTP {err.code}{where}") from None
        except (URLError, OSError, HTTPException) as err:
            raise ConnectionError(f"downloading {name!r} from {url} failed: {err}{where}") from None
        unpacked = Path(tmp) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(unpacked)
        except zipfile.BadZipFile:
            raise ValueError(f"the archive of {name!r} from {url} is not a valid zip (corrupt download?)") from None
        train = next(iter(unpacked.rglob(f"{name}_TRAIN.ts")), None)
        if train is None or not (train.parent / f"{name}_TEST.ts").is_file():
            raise FileNotFoundError(f"the archive from {url} holds no {name}_TRAIN.ts and {name}_TEST.ts")
        if not target.exists():  # another process may have finished first
            os.replace(train.parent, target)
    return target


def _fetch(url: str, path: Path) -> None:
    """Download ``url`` to ``path``; a body shorter than its announced length is an error."""
    with urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, path.open("wb") as out:
        shutil.copyfileobj(response, out)
        expected = response.headers.get("Content-Length")
    if expected is not None and path.stat().st_size != int(expected):
        raise OSError(f"interrupted: {path.stat().st_size} of {expected} bytes received")


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
    download: bool = True,
):
    """Load a UEA (or UCR) classification problem, downloading it once if needed.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"BasicMotions"``.
    split : {"train", "test"} or None, default=None
        One split, or both when None.
    data_dir : path-like or None, default=None
        Folder laid out as ``NAME/NAME_TRAIN.ts`` and ``NAME/NAME_TEST.ts``
        (the layout of the UEA archive), searched first. Then the folders in
        ``$TSEVO_DATA``, the user cache (:func:`cache_dir`) and the problems
        that aeon ships.
    download : bool, default=True
        When no folder has the problem, fetch its zip from the archive into
        the user cache (once); with False, raise ``FileNotFoundError``.

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
        return (*load_uea(name, "train", data_dir, download), *load_uea(name, "test", data_dir, download))
    return load_ts(find_ts_file(name, split, data_dir, download))


def load_ucr(
    name: str,
    split: str | None = None,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
):
    """Load a UCR univariate classification problem; the same folders, cache,
    download and return values as :func:`load_uea` (X has one channel).

    Examples
    --------
    >>> from tsevo.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", split="test")
    >>> X.shape
    (150, 1, 150)
    """
    return load_uea(name, split, data_dir, download)


def load_tser(
    name: str,
    split: str | None = None,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
):
    """Load a time-series extrinsic regression problem (Monash/UEA TSER archive).

    The same folders, cache and layout as :func:`load_uea` (downloads come
    from the regression archive's Zenodo records); the ``.ts`` files carry
    ``@targetLabel true`` and the targets come back as float64.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"Covid3Month"`` (shipped with aeon).
    split : {"train", "test"} or None, default=None
    data_dir : path-like or None, default=None
    download : bool, default=True

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
        return (*load_tser(name, "train", data_dir, download), *load_tser(name, "test", data_dir, download))
    path = find_ts_file(name, split, data_dir, download, task="regression")
    X, y = load_ts(path)
    try:
        targets = np.asarray(y, dtype=np.float64)
    except ValueError:
        raise ValueError(f"{path} holds class labels, not regression targets; use load_uea") from None
    return X, targets
