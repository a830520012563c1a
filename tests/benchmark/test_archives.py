"""Whole archives by name: aeon's problem lists behind ``tsevo benchmark --archive``."""

import pandas as pd
import pytest
from click.testing import CliRunner

from tsevo.benchmark._archives import archive_problems, archive_task
from tsevo.cli import main


def test_archive_lists_and_their_length_subsets():
    for archive, size, member, unequal_member in [
        ("uea", 30, "BasicMotions", "JapaneseVowels"),
        ("ucr", 128, "GunPoint", "PLAID"),
        ("tser", 63, "Covid3Month", "PPGDalia"),
    ]:
        everything = archive_problems(archive)
        equal, unequal = archive_problems(archive, "equal"), archive_problems(archive, "unequal")
        assert len(everything) == size and sorted(equal + unequal) == sorted(everything)
        assert member in equal and unequal_member in unequal
    assert archive_task("tser") == "regression" and archive_task("ucr") == "classification"
    with pytest.raises(ValueError, match="archive must be one of"):
        archive_problems("ucr2030")


@pytest.mark.parametrize(
    "archive, problem, estimator, metric",
    [("uea", "BasicMotions", "1nn-dtw", "accuracy"), ("ucr", "GunPoint", "1nn-dtw", "accuracy"),
     ("tser", "Covid3Month", "ridge", "rmse")],
)
def test_cli_benchmark_takes_each_archive(tmp_path, archive, problem, estimator, metric):
    result = CliRunner().invoke(main, ["benchmark", "--archive", archive, "--datasets", problem,
                                       "--estimators", estimator, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{estimator}: mean {metric}" in result.output
    row = pd.read_csv(tmp_path / "results.csv").iloc[0]
    assert row["dataset"] == problem and row["error"] != row["error"]  # NaN: no error
    assert (tmp_path / "tsml" / estimator / "Predictions" / problem / "testResample0.csv").is_file()


def test_cli_benchmark_refuses_contradictions(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["benchmark", "--estimators", "ridge", "-o", str(tmp_path)])
    assert result.exit_code != 0 and "--archive" in result.output
    result = runner.invoke(main, ["benchmark", "--archive", "tser", "--task", "classification",
                                  "--estimators", "ridge", "-o", str(tmp_path)])
    assert result.exit_code != 0 and "regression archive" in result.output
