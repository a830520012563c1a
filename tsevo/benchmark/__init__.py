"""The UEA benchmark harness behind ``tsevo benchmark`` and ``benchmarks/``."""

from tsevo.benchmark._estimators import ESTIMATORS, make_estimator
from tsevo.benchmark._report import (
    accuracy_table,
    average_ranks,
    combine_results,
    load_results,
    pairwise_comparison,
    write_report,
)
from tsevo.benchmark._runner import COLUMNS, Cell, load_split, run_benchmark, run_cell
from tsevo.benchmark._tsml import CaseResults, fitted_table, read_results, results_file, write_results

__all__ = [
    "COLUMNS", "ESTIMATORS", "CaseResults", "Cell", "accuracy_table", "average_ranks", "combine_results",
    "fitted_table", "load_results", "load_split", "make_estimator", "pairwise_comparison", "read_results",
    "results_file", "run_benchmark", "run_cell", "write_report", "write_results",
]
