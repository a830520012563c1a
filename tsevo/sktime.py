"""The EA-DC-Transformer as an sktime classifier (``sktime.classification.base.BaseClassifier``).

Use it with sktime's ``evaluate``, ``ClassifierPipeline`` and
``TSCGridSearchCV``. Inside scikit-learn's own meta-estimators (``Pipeline``,
``cross_val_score``, ``GridSearchCV``) use :class:`tsevo.EADCTransformerClassifier`:
sktime 1.2 objects lack ``__sklearn_tags__`` and fail there.
"""

from __future__ import annotations

from sktime.classification.base import BaseClassifier

from tsevo.estimators._faces import TEST_PARAMS, CoreDelegate, core_parameters_init, face_docstring

__all__ = ["EADCTransformerClassifier"]


class EADCTransformerClassifier(CoreDelegate, BaseClassifier):
    __doc__ = face_docstring(
        "sktime", "BaseClassifier", "sktime's evaluate, ClassifierPipeline and TSCGridSearchCV"
    ) + """
    Examples
    --------
    >>> from sktime.datasets import load_basic_motions
    >>> from tsevo.sktime import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _tags = {
        "authors": ["tsevo developers"],
        "maintainers": ["tsevo developers"],
        "python_dependencies": "torch",
        # our core reads all three; listing them spares sktime a conversion
        "X_inner_mtype": ["numpy3D", "pd-multiindex", "nested_univ"],
        "y_inner_mtype": "numpy1D",
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "capability:predict_proba": True,
        "capability:random_state": True,
    }

    __init__ = core_parameters_init("Store the parameters; see the class docstring.")

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        return [dict(TEST_PARAMS), {**TEST_PARAMS, "head": "max", "causal": True}]
