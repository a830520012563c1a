"""``tsevo report``: several benchmark runs merged into one table, ranks on the problems all finished."""

import pandas as pd
import pytest
from click.testing import CliRunner

from tsevo.benchmark._runner import COLUMNS
from tsevo.cli import main


def _results(path, rows):
    """A results.csv with ``rows`` of (dataset, estimator, accuracy, fit seconds)."""
    path.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([dict(dataset=d, estimator=e, resample=0, accuracy=a, balanced_accuracy=a, fit_seconds=s,
                               error="") for d, e, a, s in rows], columns=COLUMNS)
    table.to_csv(path / "results.csv", index=False)
    return path


@pytest.fixture
def two_runs(tmp_path):
    first = _results(tmp_path / "first", [
        ("A", "eadc", 0.50, 10.0), ("B", "eadc", 0.60, 10.0), ("C", "eadc", 0.70, 10.0),
        ("A", "rocket", 0.80, 1.0), ("B", "rocket", 0.70, 1.0), ("C", "rocket", 0.90, 1.0),
    ])
    second = _results(tmp_path / "second", [
        ("A", "eadc", 0.90, 20.0), ("B", "eadc", 0.95, 20.0),  # the same cells again, newer code
        ("A", "ensemble", 0.85, 50.0),
    ])
    return first, second


def test_later_sources_win_and_names_select_and_rename(tmp_path, two_runs):
    first, second = two_runs
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(first), f"{second}#eadc=eadc-new,ensemble", "-o", str(out)])
    assert result.exit_code == 0, result.output
    merged = pd.read_csv(out / "results.csv").set_index(["dataset", "estimator"])["accuracy"]
    assert merged[("A", "eadc")] == 0.50 and merged[("A", "eadc-new")] == 0.90  # renamed: both kept
    assert ("C", "ensemble") not in merged.index and len(merged) == 9

    result = CliRunner().invoke(main, ["report", str(first), f"{second}#eadc", "-o", str(out)])
    assert "2 cells were in more than one source" in result.output
    merged = pd.read_csv(out / "results.csv").set_index(["dataset", "estimator"])["accuracy"]
    assert merged[("A", "eadc")] == 0.90 and merged[("C", "eadc")] == 0.70 and len(merged) == 6
    assert "tsevo report" in (out / "results.md").read_text()


def test_ranks_and_means_are_taken_on_the_problems_all_finished(tmp_path, two_runs):
    first, second = two_runs
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(first), f"{second}#ensemble", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    assert "on the 1 problems every estimator finished (of 3)" in report
    # on problem A alone: rocket 0.80 ranks above eadc 0.50, the ensemble first; eadc's mean on its 3 is 0.600
    assert "| ensemble | 1.00 | 0.850 | 0.850 | 1 | 0.850 | 50 |" in report
    assert "| eadc | 3.00 | 0.500 | 0.500 | 3 | 0.600 | 30 |" in report
    assert "![mean accuracy against fit seconds](score_time.png)" in report
    assert (out / "score_time.png").stat().st_size > 5_000


def test_without_a_problem_all_finished_there_are_counts_and_no_ranks(tmp_path):
    first = _results(tmp_path / "first", [("A", "eadc", 0.50, 10.0), ("B", "eadc", 0.70, 10.0)])
    second = _results(tmp_path / "second", [("C", "ensemble", 0.85, 50.0)])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(first), str(second), "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    assert "No problem was finished by every estimator, so there are no ranks" in report
    assert "| eadc | 2 | 0.600 | 20 |" in report and "| ensemble | 1 | 0.850 | 50 |" in report
    assert "nan" not in report.lower()


def test_datasets_option_and_regression_inferred(tmp_path):
    runs = tmp_path / "tser"
    runs.mkdir()
    table = pd.DataFrame([dict(dataset=d, estimator=e, resample=0, rmse=r, mae=r, r2=0.5, fit_seconds=1.0, error="")
                          for d, e, r in [("P", "eadc", 2.0), ("P", "rocket", 1.0), ("Q", "eadc", 3.0),
                                          ("Q", "rocket", 4.0)]], columns=COLUMNS)
    table.to_csv(runs / "results.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(runs / "results.csv"), "--datasets", "P", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    assert "RMSE on the test split" in report and "| rocket | 1.00 | 1 |" in report
    assert set(pd.read_csv(out / "results.csv")["dataset"]) == {"P"}


def test_a_source_is_never_overwritten(two_runs):
    first, second = two_runs
    before = (first / "results.csv").read_text()
    result = CliRunner().invoke(main, ["report", str(first / "results.csv"), str(second), "-o", str(first)])
    assert result.exit_code != 0 and "would overwrite" in result.output
    assert (first / "results.csv").read_text() == before


@pytest.mark.parametrize("source, message", [
    ("{missing}", "neither a results.csv nor a folder"),
    ("{first}#hivecote", "no rows of ['hivecote']"),
    ("{first}#", "no estimator names after '#'"),
])
def test_bad_sources_get_a_short_error(tmp_path, two_runs, source, message):
    first, _ = two_runs
    result = CliRunner().invoke(main, ["report", source.format(missing=tmp_path / "nope", first=first),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_pairs_give_wins_ties_losses_a_test_and_a_scatter_plot(tmp_path):
    rows = [(d, "eadc", a, 1.0) for d, a in zip("ABCDE", [0.9, 0.8, 0.7, 0.6, 0.5], strict=True)]
    rows += [(d, "rocket", a, 1.0) for d, a in zip("ABCDE", [0.8, 0.8, 0.9, 0.9, 0.9], strict=True)]
    runs = _results(tmp_path / "runs", rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(runs), "--pairs", "eadc:rocket", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    # differences +0.1, 0, -0.2, -0.3, -0.4: one win, one tie, three losses; mean -0.16
    assert "| eadc | rocket | 5 | 1 / 1 / 3 | -0.1600 |" in report
    assert (out / "scatter_eadc_vs_rocket.png").stat().st_size > 5_000
    assert "![eadc against rocket](scatter_eadc_vs_rocket.png)" in report

    for bad, message in [("eadc:hivecote", "not among the estimators"), ("eadc", "expected FIRST:SECOND")]:
        result = CliRunner().invoke(main, ["report", str(runs), "--pairs", bad, "-o", str(out)])
        assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_benchmark_refuses_pairs_outside_its_estimators_before_any_work(tmp_path):
    result = CliRunner().invoke(main, ["benchmark", "--datasets", "BasicMotions", "--estimators", "minirocket",
                                       "--pairs", "eadc:minirocket", "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "not among the estimators" in result.output
    assert not (tmp_path / "out" / "results.csv").exists()


def test_published_figures_are_ranked_beside_ours_with_their_precision(tmp_path):
    # 152 of 175 correct is 0.868571...; a paper prints it 0.8686, and that is a tie, not a loss
    rows = [("A", "eadc", 152 / 175, 1.0), ("B", "eadc", 0.90, 1.0), ("C", "eadc", 0.50, 1.0)]
    runs = _results(tmp_path / "runs", rows)
    published = tmp_path / "published.csv"
    published.write_text("dataset,estimator,accuracy,source\nA,HC2,0.8686,paper\nB,HC2,0.80,paper\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(runs), "--published", str(published), "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    assert "ranked together on the 2 problems where every one has a score" in report  # C has no figure
    assert "| eadc | 1.25 | 0.884 |" in report and "| HC2 (published) | 1.75 | 0.834 |" in report
    assert "| eadc | 1 / 1 / 0 |" in report


def test_resamples_option_keeps_the_archives_split(tmp_path):
    rows = [dict(dataset="A", estimator="eadc", resample=k, accuracy=a, balanced_accuracy=a, fit_seconds=1.0, error="")
            for k, a in [(0, 0.9), (1, 0.5), (2, 0.4)]]
    runs = tmp_path / "runs"
    runs.mkdir()
    pd.DataFrame(rows, columns=COLUMNS).to_csv(runs / "results.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(runs), "--resamples", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out / "results.csv")["resample"]) == [0]
    report = (out / "results.md").read_text()
    assert "--resamples 0" in report and "| A | **0.900** |" in report

    result = CliRunner().invoke(main, ["report", str(runs), "--resamples", "zero", "-o", str(out)])
    assert result.exit_code != 0 and "not a comma-separated list of resamples" in result.output
    result = CliRunner().invoke(main, ["report", str(runs), "--resamples", "5", "-o", str(out)])
    assert result.exit_code != 0 and "no results left to report" in result.output
