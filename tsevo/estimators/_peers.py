"""What tsevo knows of aeon's estimators that it sets beside its own: the
shortest series each accepts (measured with aeon 1.6; shorter ones fail inside
aeon). The hybrid and the benchmark harness both pad to these lengths."""

MIN_LENGTH = {
    "minirocket": 9,  # aeon: "n_timepoints must be >= 9"
    "multirockethydra": 10,
    "multirocket": 10,
    "quant": 4,
    "drcif": 4,
}


def min_length(name: str) -> int:
    """The shortest series the estimator ``name`` accepts (1 when it has no minimum)."""
    return MIN_LENGTH.get(name, 1)
