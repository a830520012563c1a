"""Fitting several independent networks one after another or in worker processes.

The members of an ensemble are independent, so they parallelise as a
forest's trees do in scikit-learn: with as many free cores as members they
all train at once, each with its share of the threads
(``benchmarks/results/speed/ensemble_cpu_parallel/``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch


def fit_members(
    members: Sequence, datasets: Sequence[tuple[object, object]], n_jobs: int | None = None,
    verbose: int = 0, stop_on_interrupt: bool = True,
) -> tuple[list, bool]:
    """Fit ``members[i]`` on ``datasets[i]``; return the fitted members and whether Ctrl-C stopped them.

    ``n_jobs`` follows joblib (None: 1, -1: every core); with more than one
    job each member trains in its own process with an equal share of this
    process's torch threads. The members' warnings are raised again here,
    except their own note on an interruption. With ``stop_on_interrupt``,
    Ctrl-C keeps the members finished by then, and a member that Ctrl-C
    stopped inside its own training (its best weights kept) is the last one
    kept; without it, Ctrl-C between members is raised.
    """
    from joblib import effective_n_jobs
    from tqdm.auto import tqdm

    jobs = min(effective_n_jobs(n_jobs), len(members))
    results = _in_process(members, datasets) if jobs == 1 else _in_workers(members, datasets, jobs)
    fitted, interrupted = [], False
    bar = tqdm(total=len(members), disable=verbose < 1, desc="members", unit="net")
    try:
        for member, caught in results:
            _reissue(caught)
            fitted.append(member)
            bar.update()
            if member.interrupted_ and stop_on_interrupt:
                interrupted = True
                break
    except KeyboardInterrupt:
        if not fitted or not stop_on_interrupt:
            raise
        interrupted = True  # the pool's workers are stopped by joblib
    finally:
        bar.close()
    return fitted, interrupted


def _fit_one(member, X, y, threads: int | None = None):
    """Fit ``member``; return it with the warnings it raised as ``(category, message)`` pairs."""
    if threads is not None:
        torch.set_num_threads(threads)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        member.fit(X, y)
    return member, [(w.category, str(w.message)) for w in caught]


def _in_process(members, datasets):
    for member, (X, y) in zip(members, datasets, strict=True):
        yield _fit_one(member, X, y)


def _in_workers(members, datasets, jobs: int):
    from joblib import Parallel, delayed

    threads = max(1, torch.get_num_threads() // jobs)
    tasks = (delayed(_fit_one)(m, X, y, threads) for m, (X, y) in zip(members, datasets, strict=True))
    yield from Parallel(n_jobs=jobs, return_as="generator")(tasks)


def _reissue(caught: list[tuple[type[Warning], str]]) -> None:
    for category, message in caught:
        if "interrupted" not in message:
            warnings.warn(message, category, stacklevel=5)
