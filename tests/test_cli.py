"""The command line: each command, its help, and short errors without tracebacks."""

import pytest
from click.testing import CliRunner

from tsevo.cli import main

FAST_PARAMS = ["-p", "max_epochs=2", "-p", "d_model=16", "-p", "n_heads=2", "-p", "n_blocks=2"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("command", ["evaluate", "fit", "predict", "plot-attention", "benchmark", "report"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_evaluate_prints_accuracy_and_time(runner):
    result = runner.invoke(main, ["evaluate", "-d", "BasicMotions", *FAST_PARAMS])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "fit" in result.output


def test_fit_predict_and_plot_from_a_uea_folder(runner, tmp_path, shared_uea):
    model = tmp_path / "m.pt"
    result = runner.invoke(main, ["fit", "-d", "RacketSports", "--data-dir", str(shared_uea), *FAST_PARAMS,
                                  "-o", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["predict", "-m", str(model), "-d", "RacketSports", "--data-dir", str(shared_uea)])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 152  # one label per test case
    figure = tmp_path / "attention.png"
    result = runner.invoke(main, ["plot-attention", "-m", str(model), "-d", "RacketSports", "--data-dir",
                                  str(shared_uea), "--case", "3", "-o", str(figure)])
    assert result.exit_code == 0, result.output
    assert figure.stat().st_size > 10_000


def test_a_ts_file_as_dataset(runner, tmp_path, shared_uea):
    path = shared_uea / "Libras" / "Libras_TRAIN.ts"
    result = runner.invoke(main, ["fit", "-d", str(path), *FAST_PARAMS, "-o", str(tmp_path / "m.pt")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, message",
    [
        # the tests' archive address refuses connections (conftest.py): the error names the problem
        (["evaluate", "-d", "NoSuchProblem"], "'NoSuchProblem'"),
        (["evaluate", "-d", "BasicMotions", "-p", "dropout=1.5"], "dropout"),
        (["evaluate", "-d", "BasicMotions", "-p", "no_such_param=1"], "no_such_param"),
        (["evaluate", "-d", "BasicMotions", "-p", "nonsense"], "NAME=VALUE"),
        (["predict", "-m", "missing.pt", "-d", "BasicMotions"], "no saved model"),
        (["evaluate"], "Missing option"),
        (["evaluate", "-d", "BasicMotions", "--bogus"], "No such option"),
    ],
)
def test_errors_are_short_and_exit_non_zero(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_regression_follows_from_the_data_and_the_model(runner, tmp_path):
    result = runner.invoke(main, ["evaluate", "-d", "Covid3Month", *FAST_PARAMS])
    assert result.exit_code == 0, result.output
    assert "rmse" in result.output and "r2" in result.output and "accuracy" not in result.output
    model = tmp_path / "reg.pt"
    result = runner.invoke(main, ["fit", "-d", "Covid3Month", *FAST_PARAMS, "-o", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["predict", "-m", str(model), "-d", "Covid3Month"])
    assert result.exit_code == 0, result.output
    assert "rmse" in result.output and len(result.output.strip().splitlines()) == 61 + 1


def test_benchmark_regression(runner, tmp_path):
    out = tmp_path / "tser"
    result = runner.invoke(main, ["benchmark", "--task", "regression", "--datasets", "Covid3Month",
                                  "--estimators", "eadc,ridge", "--output", str(out), *FAST_PARAMS])
    assert result.exit_code == 0, result.output
    report = (out / "results.md").read_text()
    assert "RMSE on the test split" in report and "mean rmse / best rmse" in report
    assert "tsevo benchmark --datasets Covid3Month --estimators eadc,ridge --resamples 1 --n-jobs 1 " \
           "--task regression -p max_epochs=2" in report  # the command, rebuilt from the parsed options
    result = runner.invoke(main, ["benchmark", "--task", "regression", "--datasets", "Covid3Month",
                                  "--estimators", "multirockethydra", "--output", str(out)])
    assert result.exit_code == 2 and "unknown estimator" in result.output
