"""The validation report of ``benchmarks/validate.py`` compares configurations on matched cells only."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import validate  # noqa: E402


def test_summary_leaves_out_splits_that_one_configuration_lacks(tmp_path):
    rows = [
        # both configurations finished both splits of A
        ("base", "A", 0, 0.5), ("base", "A", 1, 0.7), ("new", "A", 0, 0.6), ("new", "A", 1, 0.8),
        # the candidate finished only split 1 of B: base's split-0 row must not enter its mean
        ("base", "B", 0, 0.0), ("base", "B", 1, 0.9), ("new", "B", 1, 0.9),
    ]
    csv_path = tmp_path / "runs.csv"
    pd.DataFrame(rows, columns=["config", "dataset", "split", "valid_accuracy"]).assign(fit_seconds=1.0).to_csv(
        csv_path, index=False)

    validate.write_markdown(csv_path, "cmd", ["base", "new"], pairs=[("new", "base")])

    report = csv_path.with_suffix(".md").read_text()
    assert "1 rows of unfinished splits left out" in report
    # base: A (0.5 + 0.7) / 2 = 0.6, B 0.9 (split 1 only) -> 0.750; new: A 0.7, B 0.9 -> 0.800
    assert "| base | 0.750 |" in report
    assert "| new | 0.800 |" in report
    assert "1/1/0" in report  # new wins A and ties B


def test_a_configuration_on_another_seed_keeps_its_parameters():
    assert validate.parse_config("cutmix") == ("cutmix", 0)
    assert validate.parse_config("cutmix@3") == ("cutmix", 3000)
    assert validate.parse_config("reseeded@1") == ("reseeded", 2000)  # its own offset, then the other seed's


def test_an_unknown_configuration_is_named():
    import pytest

    with pytest.raises(ValueError, match="unknown configuration 'nope'"):
        validate.parse_config("nope@1")
