"""Turn ../shared/data/ucr/published.csv into the table `tsevo report --published` reads.

The shared file holds tsml-eval's published accuracies on 22 development problems, two per
classifier and problem: on the archive's split and the mean of 30 resamples (resample 0 is the
archive's split, 1-29 stratified reshuffles seeded by the resample, as `tsevo benchmark` makes
them). The archive's split sets beside our resample 0; the 30-resample mean beside our mean of
resamples 0-2, a steadier figure than one split on problems of 20-30 test cases.

    python benchmarks/published_ucr.py --split archive \
        --estimators HC2,MR-Hydra,InceptionTime,ResNet -o benchmarks/published/ucr_tsml_eval.csv
    python benchmarks/published_ucr.py --split mean30 \
        -o benchmarks/published/ucr_tsml_eval_30resamples.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ucr" / "published.csv"
# tsml-eval's short names, spelled out as in the papers and in our tables
NAMES = {
    "HC2": "HIVE-COTE 2", "MR-Hydra": "MultiRocket-Hydra", "QUANT": "QUANT", "MiniROCKET": "MiniRocket",
    "ROCKET": "ROCKET", "ResNet": "ResNet", "H-InceptionTime": "H-InceptionTime",
    "InceptionTime": "InceptionTime", "LITETime": "LITETime", "1NN-DTW": "1-NN DTW",
}
COLUMNS = {"archive": "accuracy_default_split", "mean30": "accuracy_mean_30_resamples"}
SOURCES = {
    "archive": "tsml-eval result files, archive's split (copied in ../shared/data/ucr/published.csv)",
    "mean30": "tsml-eval result files, mean of 30 resamples (copied in ../shared/data/ucr/published.csv)",
}


def published_table(shared: pd.DataFrame, split: str, estimators: list[str] | None = None) -> pd.DataFrame:
    """Rows (dataset, estimator, accuracy, source), estimator by estimator in the order given
    (default: the shared file's), problems alphabetical within each."""
    unknown = set(shared["classifier"]) - set(NAMES)
    if unknown:
        raise ValueError(f"no spelled-out name for {sorted(unknown)}; add them to NAMES")
    order = estimators or list(dict.fromkeys(shared["classifier"]))
    missing = set(order) - set(shared["classifier"])
    if missing:
        raise ValueError(f"{sorted(missing)} not in the shared file; it has {sorted(set(shared['classifier']))}")
    rows = shared[shared["classifier"].isin(order)].copy()
    rows["rank"] = rows["classifier"].map({name: i for i, name in enumerate(order)})
    rows = rows.sort_values(["rank", "dataset"])
    return pd.DataFrame({
        "dataset": rows["dataset"].to_numpy(),
        "estimator": rows["classifier"].map(NAMES).to_numpy(),
        "accuracy": rows[COLUMNS[split]].to_numpy(),
        "source": SOURCES[split],
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=sorted(COLUMNS), required=True)
    parser.add_argument("--estimators", help="comma-separated short names (default: all ten)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    estimators = args.estimators.split(",") if args.estimators else None
    table = published_table(pd.read_csv(args.shared), args.split, estimators)
    table.to_csv(args.output, index=False)
    print(f"{len(table)} rows, {table['estimator'].nunique()} estimators -> {args.output}")


if __name__ == "__main__":
    main()
