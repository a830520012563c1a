"""``benchmarks/compose_ensembles.py`` scores the mean of single networks' validation probabilities."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import compose_ensembles  # noqa: E402

CLASSES = np.array(["a", "b"])
LABELS = np.array(["a", "b", "b"])
VALID = np.array([4, 7, 9])


def _member(probabilities_of_b):
    b = np.asarray(probabilities_of_b, dtype=float)
    return {"probabilities": np.column_stack([1 - b, b]), "classes": CLASSES, "labels": LABELS, "valid": VALID}


def test_the_mean_of_two_members_can_be_right_where_each_is_wrong_once():
    first, second = _member([0.2, 0.9, 0.45]), _member([0.6, 0.9, 0.9])  # each wrong on one case
    scores = compose_ensembles.score([first, second])
    assert scores["members_mean_accuracy"] == pytest.approx(2 / 3)
    assert scores["valid_accuracy"] == 1.0  # means 0.4, 0.9, 0.675 for b: a, b, b
    assert scores["valid_log_loss"] == pytest.approx(-np.mean(np.log([0.6, 0.9, 0.675])))
    assert scores["valid_brier"] == pytest.approx(np.mean([2 * 0.4**2, 2 * 0.1**2, 2 * 0.325**2]))


def test_members_validated_on_other_cases_are_refused():
    other = _member([0.1, 0.9, 0.9]) | {"valid": np.array([1, 2, 3])}
    with pytest.raises(ValueError, match="different cases"):
        compose_ensembles.score([_member([0.1, 0.9, 0.9]), other])


def test_ensembles_with_a_missing_member_are_left_out(tmp_path):
    folder = tmp_path / "proba" / "GunPoint"
    folder.mkdir(parents=True)
    for cell, b in (("x@0", [0.1, 0.9, 0.9]), ("x@1", [0.2, 0.8, 0.4]), ("y@0", [0.95, 0.9, 0.9])):
        np.savez(folder / f"{cell}-0.npz", **_member(b))
    validation = pd.DataFrame({"config": ["x@0", "x@1", "y@0"], "dataset": "GunPoint", "split": 0,
                               "fit_seconds": [1.0, 2.0, 4.0]})
    # the networks may come from two runs of validate.py, each with its own CSV
    validation.iloc[:2].to_csv(tmp_path / "x.csv", index=False)
    validation.iloc[2:].to_csv(tmp_path / "y.csv", index=False)
    validation = compose_ensembles.read_validation(f"{tmp_path / 'x.csv'},{tmp_path / 'y.csv'}")
    ensembles = compose_ensembles.parse_ensembles("xx=x@0+x@1,xy=x@0+y@0,xz=x@0+z@0")
    rows = compose_ensembles.compose(tmp_path / "proba", validation, 0, ensembles)
    assert list(rows["config"]) == ["xx", "xy"]  # z@0 never ran
    assert list(rows["fit_seconds"]) == [3.0, 5.0]
    assert list(rows["valid_accuracy"]) == [1.0, 2 / 3]


def test_overconfident_members_are_fitted_a_temperature_above_one_and_unsure_ones_below():
    labels = np.array(["a", "b"] * 10)
    right = np.where(np.arange(20) % 4 == 0, np.roll(labels, 1), labels)  # right on 3 of 4 cases

    def member(sureness):
        probabilities = np.where(right[:, None] == CLASSES[None, :], sureness, 1 - sureness)
        return {"probabilities": probabilities, "classes": CLASSES, "labels": labels, "valid": np.arange(20)}

    overconfident, unsure = compose_ensembles.score([member(0.99)]), compose_ensembles.score([member(0.55)])
    assert overconfident["valid_confidence"] == pytest.approx(0.99)
    assert overconfident["valid_temperature"] > 1 > unsure["valid_temperature"]
