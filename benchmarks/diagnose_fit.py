"""Does a configuration fit TRAIN at all? Train and validation accuracy on one 70/30 split of TRAIN.

    python benchmarks/diagnose_fit.py Wine ../shared/data/ucr '{"deviation_channels": false}'
    python benchmarks/diagnose_fit.py Wine ../shared/data/ucr '{"stem": "conv"}'

Prints training and validation accuracy, epochs, first and last training loss
and fit seconds (TEST is never read). The FaceFour diagnosis in docs/measured.md and the
notes of issue 12 (training accuracy 0.59 with the patch stem and no
deviation channels) came from this script.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from validate import _split, _take


def main() -> None:
    from tsevo import EADCTransformerClassifier
    from tsevo.datasets import load_uea

    name, folder = sys.argv[1], sys.argv[2]
    params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    X, y = load_uea(name, split="train", data_dir=folder, download=False)
    train, valid = _split(np.asarray(y), 0)
    clf = EADCTransformerClassifier(random_state=0, device="cpu", **params)
    start = time.perf_counter()
    clf.fit(_take(X, train), y[train])
    seconds = time.perf_counter() - start
    history = clf.history_
    print(json.dumps({
        "dataset": name, "params": params,
        "train_accuracy": float(np.mean(clf.predict(_take(X, train)) == y[train])),
        "valid_accuracy": float(np.mean(clf.predict(_take(X, valid)) == y[valid])),
        "epochs": clf.n_iter_, "first_loss": history[0]["train_loss"], "last_loss": history[-1]["train_loss"],
        "fit_seconds": seconds,
    }))


if __name__ == "__main__":
    main()
