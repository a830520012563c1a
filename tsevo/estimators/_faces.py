"""What the aeon and sktime faces share: the core's parameters and a thin delegate.

A face takes exactly the core's parameters (same names, defaults and
docstring), builds the core from ``get_params()`` in ``_fit`` and forwards
prediction to it. No training logic lives here.
"""

from __future__ import annotations

import inspect

from sklearn.exceptions import NotFittedError

from tsevo.estimators._classifier import EADCTransformerClassifier as Core

# a tiny configuration for the ecosystems' generic checks, which fit many times
TEST_PARAMS = {
    "max_epochs": 2, "batch_size": 8, "d_model": 8, "n_blocks": 2, "n_heads": 2, "d_ff": 16,
    "random_state": 0,
}


def core_parameters_init(face_init_doc: str):
    """Build an ``__init__`` that stores the core's parameters, then runs the
    face's base ``__init__``. Its signature is the core's, so ``get_params``,
    ``clone`` and the ecosystems' constructor checks see ordinary parameters."""
    signature = inspect.signature(Core.__init__)
    names = [n for n in signature.parameters if n != "self"]

    def __init__(self, **params):
        unknown = set(params) - set(names)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected parameters {sorted(unknown)}")
        for name in names:
            setattr(self, name, params.get(name, signature.parameters[name].default))
        super(type(self), self).__init__()

    __init__.__signature__ = signature
    __init__.__doc__ = face_init_doc
    return __init__


class CoreDelegate:
    """``_fit``/``_predict``/``_predict_proba`` and the extras, forwarded to the core."""

    def _fit(self, X, y):
        self.estimator_ = Core(**self.get_params(deep=False)).fit(X, y)
        return self

    def _predict(self, X):
        return self.estimator_.predict(X)

    def _predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    def _fitted_core(self) -> Core:
        if "estimator_" not in self.__dict__:
            raise NotFittedError(f"This {type(self).__name__} instance has not been fitted yet; call fit first.")
        return self.estimator_

    def transform(self, X):
        """Pooled embeddings of the fitted network; see the core's ``transform``."""
        return self._fitted_core().transform(X)

    def attention_maps(self, X, kind: str = "probs"):
        """Per-layer attention maps; see the core's ``attention_maps``."""
        return self._fitted_core().attention_maps(X, kind=kind)

    @property
    def history_(self) -> list[dict]:
        """The core's per-epoch training history."""
        return self._fitted_core().history_


def face_docstring(ecosystem: str, base: str, tools: str) -> str:
    core_doc = Core.__doc__
    parameters = core_doc[core_doc.index("    Parameters\n"): core_doc.index("    Attributes\n")]
    return (
        f"EA-DC-Transformer classifier as an {ecosystem} ``{base}``.\n\n"
        f"    A thin face over :class:`tsevo.EADCTransformerClassifier`: same parameters,\n"
        f"    same training. Use it with {tools}.\n\n{parameters}"
    )
