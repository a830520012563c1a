"""The CUDA path: training with bfloat16 autocast, prediction, persistence across
devices, RNG isolation. Skipped on machines without a GPU (CI has none)."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCEnsembleClassifier, EADCTransformerClassifier

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_fit_and_predict_on_the_gpu(basic_motions):
    X, y, X_test, y_test = basic_motions
    clf = EADCTransformerClassifier(device="cuda", random_state=0).fit(X, y)
    assert clf.device_.startswith("cuda") and next(clf.module_.parameters()).is_cuda
    proba = clf.predict_proba(X_test)
    assert np.isfinite(proba).all() and clf.score(X_test, y_test) >= 0.9
    assert clf.__sklearn_tags__().non_deterministic
    maps = clf.attention_maps(X_test[:3], layers=[0, 3])
    assert len(maps) == 2 and maps[0].dtype == np.float32


def test_a_gpu_fit_leaves_the_global_cuda_rng_alone(small_motions):
    X, y, _, _ = small_motions
    before = torch.cuda.get_rng_state()
    EADCTransformerClassifier(**FAST, device="cuda", random_state=0).fit(X, y)
    assert torch.equal(torch.cuda.get_rng_state(), before)


def test_warm_start_moves_the_network_to_the_new_device(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, device="cpu", warm_start=True, random_state=0).fit(X, y)
    clf.set_params(device="cuda", max_epochs=1).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda and clf.device_.startswith("cuda")
    assert np.isfinite(clf.predict_proba(X_test)).all()


def test_a_model_saved_on_the_gpu_loads_on_a_cpu_only_process(small_motions, tmp_path):
    X, y, X_test, _ = small_motions
    clf = EADCTransformerClassifier(**FAST, device="cuda", random_state=0).fit(X, y)
    clf.save(tmp_path / "model.pt")
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X_test)
    np.save(tmp_path / "proba.npy", clf.predict_proba(X_test))
    script = (
        "import sys, pickle, numpy as np, torch\n"
        "from tsevo import EADCTransformerClassifier as C\n"
        "assert not torch.cuda.is_available()\n"
        "d = sys.argv[1]; X = np.load(d + '/X.npy'); want = np.load(d + '/proba.npy')\n"
        "for clf in (C.load(d + '/model.pt'), pickle.loads(open(d + '/model.pkl', 'rb').read())):\n"
        "    assert clf.device_ == 'cpu'\n"
        "    np.testing.assert_allclose(clf.predict_proba(X), want, atol=2e-3)\n"
        "print('ok')\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_ensemble_trains_on_the_gpu(small_motions):
    X, y, X_test, _ = small_motions
    clf = EADCEnsembleClassifier(**FAST, n_estimators=2, device="cuda", random_state=0).fit(X, y)
    assert all(next(m.module_.parameters()).is_cuda for m in clf.estimators_)
    assert np.isfinite(clf.predict_proba(X_test)).all()


def test_batched_members_on_the_gpu_equal_separate_fits(small_motions):
    X, y, X_test, _ = small_motions
    params = dict(FAST, dropout=0.0, norm="layer", n_estimators=3, device="cuda", mixed_precision=False, random_state=0)
    batched = EADCEnsembleClassifier(member_training="auto", **params).fit(X, y)  # auto: batched on a GPU
    separate = EADCEnsembleClassifier(member_training="sequential", **params).fit(X, y)
    np.testing.assert_allclose(batched.predict_proba(X_test), separate.predict_proba(X_test), atol=1e-4)
    assert [m.n_iter_ for m in batched.estimators_] == [m.n_iter_ for m in separate.estimators_]
