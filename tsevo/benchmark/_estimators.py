"""Estimators of the benchmark, by task and name: ours and the strongest peers from aeon.

The shortest series each peer accepts is in :mod:`tsevo.estimators._peers`."""

from __future__ import annotations

from collections.abc import Callable

TASKS = ("classification", "regression")
ESTIMATORS: dict[str, Callable[[int], object]] = {}  # classification
REGRESSORS: dict[str, Callable[[int], object]] = {}


def registry(task: str) -> dict[str, Callable[[int], object]]:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {TASKS}")
    return ESTIMATORS if task == "classification" else REGRESSORS


def register(name: str, task: str = "classification"):
    def decorator(factory):
        registry(task)[name] = factory
        return factory

    return decorator


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


@register("eadc-ensemble", "regression")
def eadc_ensemble_regressor(seed: int):
    """Five EA-DC regressors that differ in seed, predictions averaged."""
    from tsevo import EADCEnsembleRegressor

    return EADCEnsembleRegressor(random_state=seed)


@register("eadc-snapshot")
def eadc_snapshot(seed: int):
    """Five snapshots of one EA-DC run of twice one network's epochs, probabilities averaged."""
    from tsevo import EADCEnsembleClassifier

    return EADCEnsembleClassifier(member_training="snapshot", random_state=seed)


@register("eadc-snapshot", "regression")
def eadc_snapshot_regressor(seed: int):
    """Five snapshots of one EA-DC regressor's run of twice one network's epochs, averaged."""
    from tsevo import EADCEnsembleRegressor

    return EADCEnsembleRegressor(member_training="snapshot", random_state=seed)


@register("eadc-hybrid", "regression")
def eadc_hybrid_regressor(seed: int):
    """Five EA-DC regressors beside aeon's regressors, weighted by their R² inside TRAIN."""
    from tsevo import EADCHybridRegressor

    return EADCHybridRegressor(random_state=seed)


@register("eadc-hybrid")
def eadc_hybrid(seed: int):
    """Five EA-DC networks beside MultiRocketHydra, QUANT and RDST, weighted by accuracy inside TRAIN."""
    from tsevo import EADCHybridClassifier

    return EADCHybridClassifier(random_state=seed)


@register("quant")
def quant(seed: int):
    from aeon.classification.interval_based import QUANTClassifier

    return QUANTClassifier(random_state=seed)


@register("rdst")
def rdst(seed: int):
    """aeon's random dilated shapelet transform with a ridge classifier."""
    from aeon.classification.shapelet_based import RDSTClassifier

    return RDSTClassifier(random_state=seed)


@register("weasel")
def weasel(seed: int):
    """aeon's WEASEL 2.0 on one channel, MUSE on several (the hybrid's dictionary peer)."""
    from tsevo.estimators._weasel import WeaselClassifier

    return WeaselClassifier(random_state=seed)


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


# ---------------------------------------------------------------- regression
@register("eadc", task="regression")
def eadc_regressor(seed: int):
    """The EA-DC-Transformer regressor with its defaults."""
    from tsevo import EADCTransformerRegressor

    return EADCTransformerRegressor(random_state=seed)


@register("minirocket", task="regression")
def minirocket_regressor(seed: int):
    from aeon.regression.convolution_based import MiniRocketRegressor

    return MiniRocketRegressor(random_state=seed)


@register("multirocket", task="regression")
def multirocket_regressor(seed: int):
    from aeon.regression.convolution_based import MultiRocketRegressor

    return MultiRocketRegressor(random_state=seed)


@register("rocket", task="regression")
def rocket_regressor(seed: int):
    from aeon.regression.convolution_based import RocketRegressor

    return RocketRegressor(random_state=seed)


@register("drcif", task="regression")
def drcif_regressor(seed: int):
    from aeon.regression.interval_based import DrCIFRegressor

    return DrCIFRegressor(random_state=seed, n_estimators=200)


@register("freshprince", task="regression")
def freshprince_regressor(seed: int):
    from aeon.regression.feature_based import FreshPRINCERegressor

    return FreshPRINCERegressor(random_state=seed)


@register("quant", task="regression")
def quant_regressor(seed: int):
    from aeon.regression.interval_based import QUANTRegressor

    return QUANTRegressor(random_state=seed)


@register("rdst", task="regression")
def rdst_regressor(seed: int):
    from aeon.regression.shapelet_based import RDSTRegressor

    return RDSTRegressor(random_state=seed)


@register("ridge", task="regression")
def ridge_regressor(seed: int):
    """The floor: ridge regression on the flattened, standardised series."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    def flatten(X):
        return X.reshape(len(X), -1)

    alphas = [10.0**k for k in range(-3, 4)]
    return make_pipeline(FunctionTransformer(flatten), StandardScaler(), RidgeCV(alphas=alphas))


def check_estimator_names(names: list[str], task: str = "classification") -> None:
    """``ValueError`` naming every unknown estimator and listing the known ones."""
    known = registry(task)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown} for {task}; known: {', '.join(known)}")


def is_ours(name: str) -> bool:
    """Whether ``name`` is one of tsevo's estimators (``eadc``, ``eadc-ensemble``, ...)."""
    return name.startswith("eadc")


def params_taken(estimator, params: dict) -> dict:
    """The entries of ``params`` that ``estimator`` takes (``n_jobs`` is the ensembles', not ``eadc``'s)."""
    names = estimator.get_params(deep=False)
    return {key: value for key, value in params.items() if key in names}


def check_params(names: list[str], params: dict | None, task: str = "classification") -> None:
    """``ValueError`` naming every parameter that none of tsevo's estimators in ``names`` takes."""
    if not params:
        return
    taken: set[str] = set()
    for name in filter(is_ours, names):
        taken |= set(make_estimator(name, 0, task).get_params(deep=False))
    unknown = sorted(set(params) - taken)
    if unknown:
        ours = [name for name in names if is_ours(name)] or "none"
        raise ValueError(f"parameter(s) {unknown} are taken by none of tsevo's estimators in this run ({ours}); "
                         "peers keep their defaults")


def make_estimator(name: str, seed: int, task: str = "classification"):
    """A fresh estimator by name; ``ValueError`` lists the known names."""
    check_estimator_names([name], task)
    return registry(task)[name](seed)
