"""The EA-DC-Transformer as an aeon classifier (``aeon.classification.base.BaseClassifier``).

Use it with aeon's pipelines, transformers, datasets and benchmarking tools.
"""

from __future__ import annotations

from aeon.classification.base import BaseClassifier

from tsevo.estimators._faces import TEST_PARAMS, CoreDelegate, core_parameters_init, face_docstring

__all__ = ["EADCTransformerClassifier"]


class EADCTransformerClassifier(CoreDelegate, BaseClassifier):
    __doc__ = face_docstring(
        "aeon", "BaseClassifier", "aeon's pipelines, transformers and benchmarking"
    ) + """
    Examples
    --------
    >>> from aeon.datasets import load_basic_motions
    >>> from tsevo.aeon import EADCTransformerClassifier
    >>> X, y = load_basic_motions(split="train")
    >>> clf = EADCTransformerClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _tags = {
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "X_inner_type": ["numpy3D", "np-list"],
        "algorithm_type": "deeplearning",
        "python_dependencies": "torch",
    }

    __init__ = core_parameters_init("Store the parameters; see the class docstring.")

    @classmethod
    def _get_test_params(cls, parameter_set: str = "default") -> dict:
        return dict(TEST_PARAMS)
