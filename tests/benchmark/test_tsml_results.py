"""Per-case results files in tsml-eval's format, written for every benchmark cell."""

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FAST
from tsevo.benchmark import CaseResults, fitted_table, read_results, results_file, run_benchmark, write_results


def test_every_cell_writes_a_file_that_agrees_with_the_csv(tmp_path, shared_uea, cheap_estimators):
    run_benchmark(["RacketSports", "Libras"], ["tiny-eadc", "1nn-ed"], tmp_path, data_dir=str(shared_uea),
                  progress=False)
    table = pd.read_csv(tmp_path / "results.csv")
    for row in table.itertuples():
        path = results_file(tmp_path / "tsml", row.estimator, row.dataset, row.resample)
        lines = path.read_text().splitlines()
        assert lines[0].split(",")[:5] == [row.dataset, row.estimator, "test", "0", "MILLISECONDS"]
        # third line: accuracy, fit, predict, benchmark time, memory, n_classes, then train-estimate fields
        third = lines[2].split(",")
        assert len(third) == 9 and float(third[0]) == pytest.approx(row.accuracy)
        assert int(third[1]) == round(row.fit_seconds * 1000)
        cases = read_results(path)
        assert len(cases.y_true) == row.n_test == len(lines) - 3
        assert cases.score == pytest.approx(row.accuracy)
        assert int(third[5]) == len(cases.classes) == cases.probabilities.shape[1]
        np.testing.assert_allclose(cases.probabilities.sum(axis=1), 1.0, atol=1e-5)
        np.testing.assert_array_equal(cases.y_pred, cases.probabilities.argmax(axis=1))
        first_case = lines[3].split(",")
        assert first_case[2] == "" and len(first_case) == 3 + len(cases.classes)


def test_regression_files_round_trip(tmp_path):
    written = CaseResults(
        dataset="Tecator", estimator="eadc", resample=2, task="regression",
        y_true=np.array([1.5, 2.25, -3.0]), y_pred=np.array([1.0, 2.0, -2.5]), fit_ms=1200, predict_ms=30,
        memory_mb=512.0, parameters={"lr": "0.001"},
    )
    path = write_results(tmp_path, written)
    assert path == tmp_path / "eadc" / "Predictions" / "Tecator" / "testResample2.csv"
    third = path.read_text().splitlines()[2].split(",")
    assert len(third) == 8 and float(third[0]) == pytest.approx(np.mean([0.25, 0.0625, 0.25]))
    back = read_results(path)
    assert back.task == "regression" and back.resample == 2 and back.parameters == {"lr": "0.001"}
    np.testing.assert_array_equal(back.y_true, written.y_true)
    np.testing.assert_array_equal(back.y_pred, written.y_pred)
    assert not list(path.parent.glob("*.partial"))


def test_a_file_written_by_tsml_eval_is_read(tmp_path):
    # the layout of tsml-eval's own test file: free-text parameter line, millisecond timings
    path = tmp_path / "testResample0.csv"
    path.write_text(
        "Test,Test,test,0,MILLISECONDS,Test\n{'P1': True}\n1.0,1,1,-1,-1,2,,-1,-1\n"
        "1,1,,0.0,1.0\n0,0,,1.0,0.0\n"
    )
    cases = read_results(path)
    assert cases.task == "classification" and cases.score == 1.0 and cases.parameters == {}
    np.testing.assert_array_equal(cases.probabilities, [[0.0, 1.0], [1.0, 0.0]])


def test_a_hybrids_file_records_its_components_weights_and_scores(tmp_path, shared_uea, monkeypatch):
    from tsevo import EADCHybridClassifier
    from tsevo.benchmark import ESTIMATORS

    monkeypatch.setitem(ESTIMATORS, "tiny-hybrid",
                        lambda seed: EADCHybridClassifier(**FAST, n_estimators=2, peers="quant", random_state=seed))
    run_benchmark(["RacketSports"], ["tiny-hybrid"], tmp_path, data_dir=str(shared_uea), progress=False)
    fitted = read_results(results_file(tmp_path / "tsml", "tiny-hybrid", "RacketSports", 0)).fitted
    assert set(fitted) == {"train_accuracy_", "weights_"}
    for attribute in fitted.values():
        assert set(attribute) == {"eadc", "quant"}
    # weights are the out-of-fold accuracies to the hybrid's default exponent (4)
    for name, accuracy in fitted["train_accuracy_"].items():
        assert 0.0 <= accuracy <= 1.0
        assert fitted["weights_"][name] == pytest.approx(accuracy**4)
    shares = fitted_table(tmp_path / "tsml")["share"]
    assert len(shares) == 2 and shares.sum() == pytest.approx(1.0)


def test_a_single_networks_file_records_nothing_fitted(tmp_path):
    written = CaseResults(dataset="D", estimator="eadc", resample=0, task="regression",
                          y_true=np.array([1.0]), y_pred=np.array([1.0]))
    path = write_results(tmp_path, written)
    assert "fitted" not in path.read_text().splitlines()[1]
    assert read_results(path).fitted == {}


def test_fitted_table_gives_each_components_share(tmp_path):
    common = dict(estimator="eadc-hybrid", task="regression", y_true=np.array([1.0]), y_pred=np.array([1.0]))
    write_results(tmp_path, CaseResults(dataset="A", resample=0, **common, fitted={
        "train_r2_": {"eadc": 0.5, "quant": 1.0}, "weights_": {"eadc": 0.0625, "quant": 1.0}}))
    write_results(tmp_path, CaseResults(dataset="B", resample=1, **common, fitted={
        "train_r2_": {"eadc": -0.2, "quant": -0.1}, "weights_": {"eadc": 0.0, "quant": 0.0}}))
    write_results(tmp_path, CaseResults(dataset="C", resample=0, **common))  # nothing recorded: no rows
    table = fitted_table(tmp_path).set_index(["dataset", "component"])
    assert len(table) == 4 and set(table["resample"]) == {0, 1}
    assert table.loc[("A", "quant"), "share"] == pytest.approx(1 / 1.0625)
    assert table.loc[("A", "eadc"), "train_r2_"] == 0.5
    # all weights zero: the hybrid weighs its components equally, and so does the share
    assert table.loc[("B", "eadc"), "share"] == table.loc[("B", "quant"), "share"] == 0.5
    assert fitted_table(tmp_path / "empty").empty
