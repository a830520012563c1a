"""The benchmark harness: resamples, rows, resume, failures, Dask, report."""

import numpy as np
import pandas as pd
import pytest

from tsevo.benchmark import COLUMNS, ESTIMATORS, load_split, run_benchmark
from tsevo.benchmark._estimators import check_params, make_estimator, params_taken


def test_resample_zero_is_official_and_others_are_stratified_reshuffles(shared_uea):
    official = load_split("RacketSports", 0, shared_uea)
    first = load_split("RacketSports", 1, shared_uea)
    again = load_split("RacketSports", 1, shared_uea)
    second = load_split("RacketSports", 2, shared_uea)
    for a, b in zip(official, first, strict=True):
        assert len(a) == len(b)
    np.testing.assert_array_equal(np.unique(official[1], return_counts=True)[1],
                                  np.unique(first[1], return_counts=True)[1])
    assert not np.array_equal(official[0], first[0])
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], second[0])


def test_rows_resume_and_failures(tmp_path, shared_uea, cheap_estimators):
    datasets = ["RacketSports", "Libras"]
    results = run_benchmark(datasets, ["tiny-eadc", "1nn-ed", "broken"], tmp_path, resamples=2,
                            data_dir=str(shared_uea), progress=False)
    assert list(results.columns) == COLUMNS
    assert len(results) == 2 * 3 * 2
    assert results["resample"].is_monotonic_increasing  # resample by resample: a stopped run leaves whole ones
    ok = results[results["error"] == ""]
    assert len(ok) == 8 and ok["accuracy"].between(0, 1).all()
    assert (ok["fit_seconds"] > 0).all() and (ok["peak_memory_mb"] > 0).all()
    broken = results[results["estimator"] == "broken"]
    assert broken["error"].str.contains("this peer always fails").all()

    built_before = len(cheap_estimators)
    run_benchmark(datasets, ["tiny-eadc", "1nn-ed", "broken"], tmp_path, resamples=2,
                  data_dir=str(shared_uea), progress=False)
    assert len(cheap_estimators) == built_before  # nothing recomputed

    table = pd.read_csv(tmp_path / "results.csv")
    keep = ~((table["dataset"] == "Libras") & (table["estimator"] == "1nn-ed") & (table["resample"] == 1))
    table[keep].to_csv(tmp_path / "results.csv", index=False)  # as if interrupted before that cell
    rerun = run_benchmark(datasets, ["tiny-eadc", "1nn-ed", "broken"], tmp_path, resamples=2,
                          data_dir=str(shared_uea), progress=False)
    assert cheap_estimators[built_before:] == ["1nn-ed"]
    assert len(rerun) == 12


def test_report_has_table_ranks_cd_and_published(tmp_path, shared_uea, cheap_estimators, monkeypatch):
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    monkeypatch.setitem(ESTIMATORS, "1nn-ed-2", lambda seed: KNeighborsTimeSeriesClassifier(distance="euclidean",
                                                                                            n_neighbors=3))
    published = tmp_path / "published.csv"
    published.write_text("dataset,estimator,accuracy,source\nLibras,Paper,0.5,a paper\n")
    run_benchmark(["RacketSports", "Libras", "NATOPS"], ["tiny-eadc", "1nn-ed", "1nn-ed-2"], tmp_path / "out",
                  data_dir=str(shared_uea), published=published, progress=False, command="tsevo benchmark ...")
    report = (tmp_path / "out" / "results.md").read_text()
    assert "| dataset | 1nn-ed | 1nn-ed-2 | tiny-eadc | Paper (published) |" in report
    assert "| **mean** |" in report and "Average rank" in report and "tsevo benchmark ..." in report
    assert (tmp_path / "out" / "cd.png").stat().st_size > 5_000


def test_unequal_lengths_are_padded_for_peers_that_need_it(tmp_path, shared_uea):
    results = run_benchmark(["JapaneseVowels"], ["minirocket"], tmp_path, data_dir=str(shared_uea), progress=False)
    assert results["error"].iloc[0] == ""
    assert results["accuracy"].iloc[0] > 0.8


def test_dask_local_cluster(tmp_path, shared_uea, cheap_estimators):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        results = run_benchmark(["RacketSports", "Libras"], ["1nn-ed", "tiny-eadc"], tmp_path,
                                data_dir=str(shared_uea), scheduler=client, progress=False)
    assert len(results) == 4 and (results["error"] == "").all()


def test_joblib_processes(tmp_path, shared_uea):
    results = run_benchmark(["RacketSports", "Libras"], ["1nn-dtw"], tmp_path, data_dir=str(shared_uea),
                            n_jobs=2, progress=False)
    assert len(results) == 2 and (results["error"] == "").all()


def test_unknown_estimator_fails_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="unknown estimator"):
        run_benchmark(["BasicMotions"], ["nope"], tmp_path, progress=False)
    assert not (tmp_path / "results.csv").exists()


def test_params_reach_the_estimators_that_take_them_and_unknown_ones_fail_first(tmp_path):
    params = {"n_jobs": 2, "d_model": 16}
    assert params_taken(make_estimator("eadc", 0), params) == {"d_model": 16}
    assert params_taken(make_estimator("eadc-ensemble", 0), params) == params
    check_params(["eadc", "eadc-ensemble", "minirocket"], params)  # each is taken by one of them
    with pytest.raises(ValueError, match=r"\['n_jobs'\].*\['eadc'\]"):
        run_benchmark(["BasicMotions"], ["eadc", "minirocket"], tmp_path, params=params, progress=False)
    assert not (tmp_path / "results.csv").exists()


def test_cli_benchmark(tmp_path, shared_uea):
    from click.testing import CliRunner

    from tsevo.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["benchmark", "--data-dir", str(shared_uea), "--datasets", "RacketSports",
                                  "--estimators", "1nn-dtw", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1nn-dtw: mean accuracy" in result.output
    bad = ["benchmark", "--datasets", "RacketSports", "--estimators", "zzz", "-o", str(tmp_path)]
    result = runner.invoke(main, bad)
    assert result.exit_code != 0 and "unknown" in result.output
    bad = ["benchmark", "--datasets", "RacketSports", "--estimators", "1nn-dtw", "-p", "d_model=8", "-o", str(tmp_path)]
    result = runner.invoke(main, bad)
    assert result.exit_code != 0 and "d_model" in result.output and "Traceback" not in result.output


def test_series_shorter_than_a_peers_minimum_are_padded_and_reported(basic_motions, tmp_path):
    from tsevo.benchmark import make_estimator, write_report
    from tsevo.benchmark._runner import prepare_for

    X_train, y_train, X_test, y_test = basic_motions
    short_train, short_test = X_train[:, :, :8], X_test[:, :, :8]  # 8 steps: below MiniRocket's 9
    peer = make_estimator("minirocket", 0)
    train, test, padded_to, imputed = prepare_for(peer, "minirocket", short_train, short_test)
    assert not imputed
    assert padded_to == 9 and train.shape[-1] == test.shape[-1] == 9
    assert (train[..., 8] == 0).all() and np.array_equal(train[..., :8], short_train)
    assert peer.fit(train, y_train).score(test, y_test) > 0.25
    assert prepare_for(make_estimator("eadc", 0), "eadc", short_train, short_test)[2] is None
    rows = pd.DataFrame([
        {"dataset": "Short", "estimator": "minirocket", "resample": 0, "accuracy": 0.9, "fit_seconds": 1.0,
         "padded_to": 9, "error": ""},
        {"dataset": "Short", "estimator": "eadc", "resample": 0, "accuracy": 0.8, "fit_seconds": 1.0,
         "padded_to": "", "error": ""},
    ])
    report = write_report(rows, tmp_path).read_text()
    assert "## Padding" in report and "minirocket on Short: padded to 9 steps" in report


def test_missing_values_are_interpolated_for_peers_that_take_no_nan(shared_uea):
    from tsevo.benchmark import make_estimator
    from tsevo.benchmark._runner import prepare_for

    ucr = shared_uea.parent / "ucr"
    if not (ucr / "DodgerLoopDay").is_dir():
        pytest.skip("DodgerLoopDay not in the development data")
    X_train, y_train, X_test, y_test = load_split("DodgerLoopDay", 0, str(ucr))
    assert np.isnan(X_train).any()
    peer = make_estimator("minirocket", 0)
    train, test, _, imputed = prepare_for(peer, "minirocket", X_train, X_test)
    assert imputed and not np.isnan(train).any() and not np.isnan(test).any()
    assert peer.fit(train, y_train).score(test, y_test) > 0.4
    _, _, _, eadc_imputed = prepare_for(make_estimator("eadc", 0), "eadc", X_train, X_test)
    assert not eadc_imputed  # tsevo reads NaN as missing itself
