"""Shared fixtures: real datasets from aeon's shipped files and ../shared/data/uea."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

SHARED_UEA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "uea"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: trains a model to convergence on a real dataset")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        # pytest-xdist: each worker takes its share of the cores, and so do the processes it starts
        # (notebook kernels, joblib workers): threads beyond the cores wait on each other at every
        # parallel region, which made the suite slower on two workers than on one
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
            os.environ[variable] = share
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(int(share))
        threadpool_limits(int(share))  # the BLAS and OpenMP pools already loaded


@pytest.fixture(scope="session")
def basic_motions():
    from tsevo.datasets import load_uea

    return load_uea("BasicMotions")


@pytest.fixture(scope="session")
def japanese_vowels():
    from tsevo.datasets import load_uea

    return load_uea("JapaneseVowels")


@pytest.fixture(scope="session")
def gunpoint():
    from tsevo.datasets import load_uea

    return load_uea("GunPoint")


@pytest.fixture(scope="session")
def shared_uea() -> Path:
    if not SHARED_UEA.is_dir():
        pytest.skip(f"development data not found at {SHARED_UEA}")
    return SHARED_UEA


@pytest.fixture
def small_motions(basic_motions):
    """A small, balanced slice of BasicMotions for quick fits."""
    X_train, y_train, X_test, y_test = basic_motions
    idx = np.r_[0:40:4, 1:40:4]
    return X_train[idx, :, :48], y_train[idx], X_test[:12, :, :48], y_test[:12]


FAST = dict(max_epochs=3, d_model=16, n_blocks=2, n_heads=2, d_ff=32, batch_size=8)

# scikit-learn's batteries: small networks able to learn its toy problems, and no more, since every
# check fits anew. check_classifiers_train wants over 0.83 training accuracy on 300 blobs: the single
# network, 2-member ensembles (batched, snapshot) and the hybrid reach 0.92-0.93 (binary 0.95-0.975)
# after 5-8 epochs, as after 20. check_regressors_train wants R2 over 0.5 on 200 cases: 0.81-0.84
# after 15 epochs, 0.64-0.78 after 8-10.
BATTERY_CLASSIFIER = dict(max_epochs=6, d_model=16, n_blocks=2, n_heads=2, d_ff=32, batch_size=32, lr=3e-3,
                          random_state=0)
BATTERY_REGRESSOR = dict(BATTERY_CLASSIFIER, max_epochs=15)

# scikit-learn's check_class_weight_classifiers fits 50 cases of 2 features (series of 2 steps) in
# batches of 32 with class weights 1000 : 0.0001 and wants over 87% of the predictions in class 0.
# Under batch norm (the default) the network fits through each batch's statistics, which at
# prediction are replaced by the population's, and predicts class 0 for 72-88% there (with one batch
# of all 50 cases 94-100%; with layer norm 100%: test_class_weights_steer_a_layer_norm_network).
# On the development problems batch norm raised balanced accuracy inside TRAIN on two of three splits
# (benchmarks/results/defaults/bn_no_dropout.md, split1.md, split2.md).
BATCH_NORM_XFAILS = {
    "check_class_weight_classifiers": "batch statistics on 2-step toy series with extreme class weights",
}


@pytest.fixture
def cheap_estimators(monkeypatch):
    """Small estimators registered in the benchmark for one test, counting their constructions."""
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    from tsevo import EADCTransformerClassifier
    from tsevo.benchmark import ESTIMATORS

    built = []

    def tiny_eadc(seed):
        built.append("tiny-eadc")
        return EADCTransformerClassifier(**FAST, random_state=seed)

    def euclidean(seed):
        built.append("1nn-ed")
        return KNeighborsTimeSeriesClassifier(distance="euclidean")

    def broken(seed):
        raise RuntimeError("this peer always fails")

    monkeypatch.setitem(ESTIMATORS, "tiny-eadc", tiny_eadc)
    monkeypatch.setitem(ESTIMATORS, "1nn-ed", euclidean)
    monkeypatch.setitem(ESTIMATORS, "broken", broken)
    return built
