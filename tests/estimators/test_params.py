"""The one table of hyper-parameters: every estimator and configuration reads it."""

import dataclasses
import inspect

from tsevo import EADCTransformerClassifier, EADCTransformerRegressor
from tsevo.aeon import EADCTransformerClassifier as AeonEADC
from tsevo.estimators._params import HYPER_PARAMETERS, by_destination, for_task
from tsevo.nn import EADCTransformer
from tsevo.sktime import EADCTransformerClassifier as SktimeEADC
from tsevo.training import TrainConfig


def test_signature_defaults_and_constraints_come_from_the_table():
    params = for_task("classification")
    signature = inspect.signature(EADCTransformerClassifier)
    assert list(signature.parameters) == [p.name for p in params]
    assert {n: p.default for n, p in signature.parameters.items()} == {p.name: p.default for p in params}
    assert set(EADCTransformerClassifier._parameter_constraints) == {p.name for p in params}
    assert EADCTransformerClassifier().get_params() == {p.name: p.default for p in params}


def test_a_task_can_have_its_own_default():
    # regression trains longer and keeps the epoch best on held-out cases (defaults/steps4000_best_tser.md)
    regression = {"min_steps": 4000, "early_stopping": True, "n_iter_no_change": None}
    classification = {"min_steps": 1000, "early_stopping": False, "n_iter_no_change": 20}
    for estimator, defaults in ((EADCTransformerRegressor, regression), (EADCTransformerClassifier, classification)):
        params = estimator().get_params()
        assert {name: params[name] for name in defaults} == defaults
        lines = estimator.__doc__.splitlines()
        for name, default in defaults.items():  # the docstring shows the task's own default
            assert any(line.startswith(f"    {name} : ") and line.endswith(f"default={default!r}") for line in lines)


def test_every_parameter_is_documented_once():
    doc = EADCTransformerClassifier.__doc__
    for p in for_task("classification"):
        assert doc.count(f"\n    {p.name} : ") == 1, p.name
    for face in (AeonEADC, SktimeEADC):
        assert face().get_params() == EADCTransformerClassifier().get_params()
        assert all(f"\n    {p.name} : " in face.__doc__ for p in for_task("classification"))


def test_destinations_match_the_network_and_the_training_configuration():
    network = set(inspect.signature(EADCTransformer).parameters)
    assert set(by_destination(HYPER_PARAMETERS, "network")) <= network
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    for name in by_destination(HYPER_PARAMETERS, "training"):
        assert name in fields, name
        # no second default that could disagree with the table
        task_specific = len(next(p for p in HYPER_PARAMETERS if p.name == name).tasks) == 1
        assert fields[name].default is dataclasses.MISSING or task_specific, name


def test_every_row_is_well_formed():
    for task in ("classification", "regression"):
        for kind in ("single", "ensemble", "hybrid"):
            names = [p.name for p in for_task(task, kind)]
            assert len(names) == len(set(names)), (task, kind)
    for p in HYPER_PARAMETERS:
        assert p.destination in ("network", "training", "estimator") and p.doc.strip() and p.type_doc
        assert set(p.tasks) <= {"classification", "regression"}
        assert p.default is None or isinstance(p.default, (str, int, float, bool))  # aeon: primitives only
