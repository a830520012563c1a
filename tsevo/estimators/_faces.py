"""What the aeon and sktime faces share: the core's parameters and a thin delegate.

A face takes exactly the core's parameters (read from the same table, with
the same defaults and docstring), builds the core from ``get_params()`` in
``_fit`` and forwards prediction to it. No training logic lives here.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError

from tsevo.estimators._params import make_init, parameters_section

# a tiny configuration for the ecosystems' generic checks, which fit many times
TEST_PARAMS = {
    "max_epochs": 2, "batch_size": 8, "d_model": 8, "n_blocks": 2, "n_heads": 2, "d_ff": 16,
    "random_state": 0,
}
# what each family adds to it (ensembles of two; the hybrid with one fast peer)
TEST_PARAMS_BY_KIND = {"single": {}, "ensemble": {"n_estimators": 2}, "hybrid": {"n_estimators": 2, "peers": "quant"}}
# a second set for the checks that want two: other pooling, causal attention, and (being the
# costly part of the hybrid's fit) no peers
SECOND_TEST_PARAMS = {"head": "max", "causal": True}
SECOND_TEST_PARAMS_BY_KIND = {"single": {}, "ensemble": {}, "hybrid": {"peers": ""}}


def checks_params(core: type, second: bool = False) -> dict:
    params = {**TEST_PARAMS, **TEST_PARAMS_BY_KIND[core._kind]}
    if second:
        params.update({**SECOND_TEST_PARAMS, **SECOND_TEST_PARAMS_BY_KIND[core._kind]})
    if core._task == "regression" and second:
        params["loss"] = "huber"
    return params


def face_init(core: type, base: type):
    """An ``__init__`` that stores the core's parameters, then runs ``base.__init__``.

    ``base`` is named rather than found with ``super(type(self), self)``, which
    would recurse forever in a user's subclass of the face.
    """
    return make_init(core._hyper_parameters, after=base.__init__)


class CoreDelegate:
    """``_fit``/``_predict``/``_predict_proba`` forwarded to the core.

    A face class sets ``_core`` (the core estimator it wraps); the class's own
    docstring holds only its Examples. ``__init_subclass__`` then writes its
    ``__init__`` (the core's parameters, then ``_base.__init__``) and prefixes
    its docstring with the core's summary and Parameters. A user's subclass,
    which sets no ``_core``, keeps what its parent got.
    """

    _core: type
    _base: type  # the ecosystem's base class, whose __init__ runs after the parameters are stored
    _ecosystem: str  # "aeon" or "sktime"
    _tools: str  # what to use the face with, for the docstring

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_core" not in cls.__dict__:
            return
        cls.__init__ = face_init(cls._core, cls._base)
        cls.__doc__ = face_docstring(cls._core, cls._ecosystem, cls._base.__name__, cls._tools) + (cls.__doc__ or "")

    def reset(self, *args, **kwargs):
        # the ecosystems' fit (and sktime's set_params) start with reset(), which drops
        # fitted attributes; with warm_start the fitted core is carried over for _fit to continue
        warm = getattr(self, "warm_start", False)
        core = self.__dict__.get("estimator_", self.__dict__.get("_warm_core")) if warm else None
        super().reset(*args, **kwargs)
        if core is not None:
            self._warm_core = core
        return self

    def _fit(self, X, y):
        params = self.get_params(deep=False)
        core = self.__dict__.pop("_warm_core", None)
        core = self._core(**params) if core is None else core.set_params(**params)
        if "n_jobs" in params:  # aeon's convention: the number of jobs in use, resolved
            from joblib import effective_n_jobs

            self._n_jobs = effective_n_jobs(self.n_jobs)
        self.estimator_ = core.fit(X, y)
        return self

    def _predict(self, X):
        return self.estimator_.predict(X)

    def _predict_proba(self, X):  # classifiers only; a regressor's base never calls it
        return self.estimator_.predict_proba(X)


class NetworkDelegate(CoreDelegate):
    """The extras of a single network: embeddings, attention maps and history."""

    def _fitted_core(self):
        if "estimator_" not in self.__dict__:
            raise NotFittedError(f"This {type(self).__name__} instance has not been fitted yet; call fit first.")
        return self.estimator_

    def transform(self, X):
        """Pooled embeddings of the fitted network; see the core's ``transform``."""
        return self._fitted_core().transform(X)

    def attention_maps(self, X, kind: str = "probs", layers=None, batch_size=None, dtype: str = "float32"):
        """Per-layer attention maps; see the core's ``attention_maps``."""
        return self._fitted_core().attention_maps(X, kind=kind, layers=layers, batch_size=batch_size, dtype=dtype)

    @property
    def history_(self) -> list[dict]:
        """The core's per-epoch training history."""
        return self._fitted_core().history_


def face_docstring(core: type, ecosystem: str, base: str, tools: str) -> str:
    summary = core.__doc__.strip().split("\n\n")[0]
    what = " ".join(line.strip() for line in summary.splitlines()).rstrip(".")
    return (
        f"{what}, as an {ecosystem} ``{base}``.\n\n"
        f"    A thin face over :class:`tsevo.{core.__name__}`: same parameters,\n"
        f"    same training. Use it with {tools}.\n\n{parameters_section(core._hyper_parameters)}"
    )
