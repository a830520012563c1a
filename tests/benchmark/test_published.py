"""Published results beside ours: through aeon when reachable, else the committed CSV."""

from urllib.error import URLError

import pytest

from tsevo.benchmark import run_benchmark
from tsevo.benchmark._published import fetch_published


def fake_results(estimators, datasets, num_resamples, task, measure):
    assert num_resamples == 1
    scale = {"accuracy": 0.5, "mse": 0.04}[measure]
    return {e: {d: scale for d in datasets} for e in estimators}


def test_fetched_results_become_rows_and_regression_mse_becomes_rmse(monkeypatch):
    monkeypatch.setattr("aeon.benchmarking.results_loaders.get_estimator_results", fake_results)
    rows = fetch_published(["HC2"], ["GunPoint", "Adiac"], "classification")
    assert rows.columns.tolist() == ["dataset", "estimator", "accuracy", "source"] and len(rows) == 2
    rows = fetch_published(["FreshPRINCE"], ["Covid3Month"], "regression")
    assert rows["rmse"].tolist() == [pytest.approx(0.2)]


def test_the_report_shows_results_fetched_through_aeon(tmp_path, shared_uea, cheap_estimators, monkeypatch):
    monkeypatch.setattr("aeon.benchmarking.results_loaders.get_estimator_results", fake_results)
    run_benchmark(["RacketSports"], ["1nn-ed"], tmp_path, data_dir=str(shared_uea), progress=False,
                  published_from_aeon=["HC2"])
    report = (tmp_path / "results.md").read_text()
    assert "| dataset | 1nn-ed | HC2 (published) |" in report and "| RacketSports |" in report


def test_without_a_network_the_csv_serves_and_a_warning_says_so(tmp_path, shared_uea, cheap_estimators, monkeypatch):
    def unreachable(*args, **kwargs):
        raise URLError("no route to host")

    monkeypatch.setattr("aeon.benchmarking.results_loaders.get_estimator_results", unreachable)
    csv = tmp_path / "published.csv"
    csv.write_text("dataset,estimator,accuracy,source\nRacketSports,Paper,0.9,a paper\n")
    with pytest.warns(RuntimeWarning, match="could not fetch.*using .*published.csv"):
        run_benchmark(["RacketSports"], ["1nn-ed"], tmp_path / "out", data_dir=str(shared_uea), progress=False,
                      published=csv, published_from_aeon=["HC2"])
    assert "Paper (published)" in (tmp_path / "out" / "results.md").read_text()
