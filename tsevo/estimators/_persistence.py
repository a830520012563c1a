"""Saving, loading and device-portable pickling of fitted estimators.

Files are written with ``torch.save`` and read with ``weights_only=True``:
tensors, numbers, strings, lists and dicts only, so loading a file cannot
run code from it.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from tsevo._version import __version__
from tsevo.data.validation import ChannelScaler
from tsevo.nn import EADCTransformer

FORMAT = "tsevo.estimator"
# fitted attributes stored as plain values (no numpy, no objects)
PLAIN_ATTRIBUTES = (
    "n_channels_", "n_timepoints_", "input_2d_", "n_features_in_", "history_",
    "n_iter_", "best_epoch_", "interrupted_", "module_kwargs_", "patch_size_",
    "batch_size_", "n_targets_", "target_ndim_", "pretrain_history_",
)


def _portable_device(device: str) -> torch.device:
    """The stored device if it exists here, else the CPU."""
    if device.startswith("cuda") and not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device(device)


def _cpu_state(module: torch.nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def _rebuild_module(kwargs: dict, state: dict, device: torch.device) -> EADCTransformer:
    module = EADCTransformer(**kwargs)
    module.load_state_dict(state)
    return module.to(device).eval()


class PersistenceMixin:
    """``save``/``load`` to one file, and pickles that unpickle on any device."""

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__)
        state.pop("_predictor", None)  # rebuilt from module_ on unpickling
        if "module_" in state:
            # numpy arrays, not tensors: pickles then hold no device and are byte-stable
            state["module_"] = {k: v.numpy() for k, v in _cpu_state(state["module_"]).items()}
        return state

    def __setstate__(self, state: dict) -> None:
        if isinstance(state.get("module_"), dict):
            device = _portable_device(state.get("device_", "cpu"))
            weights = {k: torch.from_numpy(v) for k, v in state["module_"].items()}
            state["module_"] = _rebuild_module(state["module_kwargs_"], weights, device)
            state["device_"] = str(device)
            state.setdefault("batch_size_", state["batch_size"])  # pickled before "auto" existed: an int
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:
            self.__dict__.update(state)
        if "module_" in self.__dict__:
            self._attach_predictor()

    def save(self, path: str | os.PathLike) -> None:
        """Write hyper-parameters, weights, classes and the package version to ``path``."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        params = {
            k: v for k, v in self.get_params(deep=False).items()
            if k not in ("callbacks", "random_state")
        }
        payload = {
            "format": FORMAT,
            "version": __version__,
            "class": type(self).__name__,
            "params": params,
            "random_state": self.random_state if isinstance(self.random_state, int) else None,
            "state_dict": _cpu_state(self.module_),
            **self._target_payload(),
            "scaler": {k: torch.from_numpy(v) for k, v in asdict(self.scaler_).items() if v is not None},
            "feature_names": getattr(self, "feature_names_in_", np.array([])).tolist(),
            "device": self.device_,
            **{name: getattr(self, name) for name in PLAIN_ATTRIBUTES if hasattr(self, name)},
        }
        torch.save(payload, Path(path))

    def _target_payload(self) -> dict:
        """Classes of a classifier, or the target statistics of a regressor."""
        if hasattr(self, "classes_"):
            dtype = self.classes_.dtype.str if self.classes_.dtype != object else "O"
            return {"classes": self.classes_.tolist(), "classes_dtype": dtype}
        stats = (self.target_mean_, self.target_scale_, self.target_min_, self.target_max_)
        return {"target_stats": [torch.from_numpy(s) for s in stats]}

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | None = None):
        """Load an estimator written by :meth:`save`.

        Parameters
        ----------
        path : path-like
        device : str or None
            Where to put the network; by default the saved device when it
            exists here, else the CPU.
        """
        payload = _read_payload(Path(path))
        if payload.get("class") != cls.__name__:
            raise ValueError(f"{path} holds a {payload.get('class')}, not a {cls.__name__}")
        # files from before difference_channels, shape_channels and norm existed: their networks
        # had neither channel kind and layer norm, whatever the defaults are now
        params = {"difference_channels": False, "shape_channels": False, "norm": "layer", **payload["params"]}
        if len(payload.get("target_stats", ())) == 2:  # a regressor from before the target range was kept
            params.setdefault("clip_predictions", None)
        est = cls(**params, random_state=payload["random_state"])
        for name in PLAIN_ATTRIBUTES:
            if name in payload:
                setattr(est, name, payload[name])
        est.__dict__.setdefault("pretrain_history_", [])  # saved before pre-training existed
        est.__dict__.setdefault("batch_size_", params["batch_size"])  # saved before "auto" existed: an int
        if "classes" in payload:
            est.classes_ = np.array(payload["classes"], dtype=np.dtype(payload["classes_dtype"]))
        if "target_stats" in payload:
            stats = [t.numpy() for t in payload["target_stats"]]
            est.target_mean_, est.target_scale_ = stats[:2]
            if len(stats) == 4:
                est.target_min_, est.target_max_ = stats[2:]
        est.scaler_ = _scaler(payload["scaler"])
        if payload["feature_names"]:
            est.feature_names_in_ = np.array(payload["feature_names"], dtype=object)
        target = torch.device(device) if device else _portable_device(payload["device"])
        est.module_ = _rebuild_module(payload["module_kwargs_"], payload["state_dict"], target)
        est.device_ = str(target)
        est._attach_predictor()
        return est


def _scaler(saved: dict | list) -> ChannelScaler:
    if isinstance(saved, list):  # files written before the scaler's fields were named
        return ChannelScaler(*(t.numpy() for t in saved))
    return ChannelScaler(**{name: t.numpy() for name, t in saved.items()})


def _read_payload(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a damaged file fails in many ways inside the unpickler
        raise ValueError(f"{path} is not a readable tsevo model file: {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a tsevo model file")
    return payload
