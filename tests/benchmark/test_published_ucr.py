"""``benchmarks/published_ucr.py`` makes the committed published tables from ../shared's copy."""

import sys
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import published_ucr  # noqa: E402


@pytest.fixture(scope="module")
def shared() -> pd.DataFrame:
    if not published_ucr.SHARED.exists():
        pytest.skip(f"{published_ucr.SHARED} is not beside the repository")
    return pd.read_csv(published_ucr.SHARED)


@pytest.mark.parametrize(("split", "estimators", "committed"), [
    ("archive", ["HC2", "MR-Hydra", "InceptionTime", "ResNet"], "ucr_tsml_eval.csv"),
    ("mean30", None, "ucr_tsml_eval_30resamples.csv"),
])
def test_the_committed_tables_are_what_the_script_makes(shared, split, estimators, committed):
    made = published_ucr.published_table(shared, split, estimators)
    pd.testing.assert_frame_equal(made, pd.read_csv(BENCHMARKS / "published" / committed))


def test_the_two_splits_take_different_columns_of_the_same_rows(shared):
    archive = published_ucr.published_table(shared, "archive", ["HC2"])
    mean30 = published_ucr.published_table(shared, "mean30", ["HC2"])
    assert archive["dataset"].tolist() == mean30["dataset"].tolist() and len(archive) == 22
    assert not archive["accuracy"].equals(mean30["accuracy"])
    assert (archive["estimator"] == "HIVE-COTE 2").all()


def test_a_classifier_without_a_name_or_not_in_the_file_is_refused(shared):
    with pytest.raises(ValueError, match="not in the shared file"):
        published_ucr.published_table(shared, "archive", ["HC3"])
    renamed = shared.replace({"classifier": {"QUANT": "QUANT2"}})
    with pytest.raises(ValueError, match="no spelled-out name.*QUANT2"):
        published_ucr.published_table(renamed, "mean30")
