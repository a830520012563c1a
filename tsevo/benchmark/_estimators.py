"""Estimators of the benchmark, by name: ours and the strongest peers from aeon."""

from __future__ import annotations

from collections.abc import Callable

ESTIMATORS: dict[str, Callable[[int], object]] = {}
# shortest series an estimator accepts; shorter ones are zero-padded at the end to it
MIN_LENGTH: dict[str, int] = {}


def register(name: str, min_length: int = 1):
    def decorator(factory):
        ESTIMATORS[name] = factory
        MIN_LENGTH[name] = min_length
        return factory

    return decorator


def min_length(name: str) -> int:
    """The shortest series ``name`` accepts (1 when it has no minimum)."""
    return MIN_LENGTH.get(name, 1)


@register("eadc")
def eadc(seed: int):
    """The EA-DC-Transformer with its defaults."""
    from tsevo import EADCTransformerClassifier

    return EADCTransformerClassifier(random_state=seed)


@register("eadc-ensemble")
def eadc_ensemble(seed: int):
    """Five EA-DC networks that differ in seed, probabilities averaged."""
    from tsevo import EADCEnsembleClassifier

    return EADCEnsembleClassifier(random_state=seed)


@register("eadc-hybrid")
def eadc_hybrid(seed: int):
    """Five EA-DC networks beside MultiRocketHydra and QUANT, weighted by accuracy inside TRAIN."""
    from tsevo import EADCHybridClassifier

    return EADCHybridClassifier(random_state=seed)


@register("quant", min_length=4)  # shorter series fail inside aeon 1.6
def quant(seed: int):
    from aeon.classification.interval_based import QUANTClassifier

    return QUANTClassifier(random_state=seed)


@register("minirocket", min_length=9)  # aeon: "n_timepoints must be >= 9"
def minirocket(seed: int):
    from aeon.classification.convolution_based import MiniRocketClassifier

    return MiniRocketClassifier(random_state=seed)


@register("multirockethydra", min_length=10)  # fails below 10 in aeon 1.6
def multirockethydra(seed: int):
    from aeon.classification.convolution_based import MultiRocketHydraClassifier

    return MultiRocketHydraClassifier(random_state=seed)


@register("rocket")
def rocket(seed: int):
    from aeon.classification.convolution_based import RocketClassifier

    return RocketClassifier(random_state=seed)


@register("inceptiontime")
def inceptiontime(seed: int):
    """aeon's InceptionTime (five networks); needs TensorFlow, which tsevo does not install."""
    from aeon.classification.deep_learning import InceptionTimeClassifier

    return InceptionTimeClassifier(random_state=seed)


@register("1nn-dtw")
def one_nn_dtw(seed: int):
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    return KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1)


def check_estimator_names(names: list[str]) -> None:
    """``ValueError`` naming every unknown estimator and listing the known ones."""
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown}; known: {', '.join(ESTIMATORS)}")


def make_estimator(name: str, seed: int):
    """A fresh estimator by name; ``ValueError`` lists the known names."""
    check_estimator_names([name])
    return ESTIMATORS[name](seed)


def handles_unequal_length(estimator) -> bool:
    """Whether the estimator takes series of unequal length (aeon's tag; ours do)."""
    get_tag = getattr(estimator, "get_tag", None)
    if get_tag is None:
        return True  # tsevo's scikit-learn core reads lists of unequal length
    return bool(get_tag("capability:unequal_length", raise_error=False, tag_value_default=False))
