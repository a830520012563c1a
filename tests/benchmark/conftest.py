"""Fixtures of the harness tests."""

import pytest

from tests.conftest import FAST
from tsevo.benchmark import ESTIMATORS


@pytest.fixture
def cheap_estimators(monkeypatch):
    """Small estimators registered for the test, counting their constructions."""
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    from tsevo import EADCTransformerClassifier

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
