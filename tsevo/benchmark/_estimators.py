"""Estimators of the benchmark, by name: ours and the strongest peers from aeon."""

from __future__ import annotations

from collections.abc import Callable

ESTIMATORS: dict[str, Callable[[int], object]] = {}


def register(name: str):
    def decorator(factory):
        ESTIMATORS[name] = factory
        return factory

    return decorator


@register("eadc")
def eadc(seed: int):
    """The EA-DC-Transformer with its defaults."""
    from tsevo import EADCTransformerClassifier

    return EADCTransformerClassifier(random_state=seed)


@register("minirocket")
def minirocket(seed: int):
    from aeon.classification.convolution_based import MiniRocketClassifier

    return MiniRocketClassifier(random_state=seed)


@register("multirockethydra")
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
