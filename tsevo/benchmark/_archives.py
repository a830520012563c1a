"""The archives' problem lists, from aeon's own records of them."""

from __future__ import annotations

ARCHIVES = ("uea", "ucr", "tser")
SELECTIONS = ("all", "equal", "unequal")


def archive_task(archive: str) -> str:
    """``"regression"`` for the TSER archive, ``"classification"`` for UEA and UCR."""
    _check(archive)
    return "regression" if archive == "tser" else "classification"


def archive_problems(archive: str, selection: str = "all") -> list[str]:
    """Problem names of ``archive``, all of them or its equal- or unequal-length part.

    UEA: aeon's ``tsc_datasets.multivariate`` (30 problems); UCR:
    ``tsc_datasets.univariate`` (128, the 2019 archive); TSER:
    ``tser_datasets.tser_soton`` (63, the extended regression archive).
    ``"equal"`` and ``"unequal"`` select by series length (the UCR problems
    with missing values count as equal-length).
    """
    _check(archive)
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS} or problem names; got {selection!r}")
    from aeon.datasets import tsc_datasets, tser_datasets

    everything, unequal = {
        "uea": (tsc_datasets.multivariate, tsc_datasets.multivariate_unequal_length),
        "ucr": (tsc_datasets.univariate, tsc_datasets.univariate_variable_length),
        "tser": (tser_datasets.tser_soton, tser_datasets.tser_soton_unequal_length),
    }[archive]
    if selection == "all":
        return list(everything)
    wanted = selection == "unequal"
    return [name for name in everything if (name in unequal) == wanted]


def _check(archive: str) -> None:
    if archive not in ARCHIVES:
        raise ValueError(f"archive must be one of {ARCHIVES}; got {archive!r}")
