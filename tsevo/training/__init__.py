"""The training loop: batches, validation, early stopping, callbacks."""

from tsevo.training.data import SeriesTensors
from tsevo.training.loop import TrainConfig, Trainer, TrainResult, predict_logits

__all__ = ["SeriesTensors", "TrainConfig", "TrainResult", "Trainer", "predict_logits"]
