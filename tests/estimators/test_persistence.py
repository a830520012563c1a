"""save/load: one safe file, identical predictions, damaged or foreign files refused."""

import pickle

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier, __version__


@pytest.fixture(scope="module")
def fitted(basic_motions):
    X, y, X_test, _ = basic_motions
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X[:, :, :40], y)
    return clf, X_test[:, :, :40]


def test_save_load_gives_identical_predictions(fitted, tmp_path):
    clf, X_test = fitted
    path = tmp_path / "model.pt"
    clf.save(path)
    loaded = EADCTransformerClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.get_params() == {**clf.get_params(), "callbacks": None}
    assert loaded.history_ == clf.history_


def test_files_written_before_the_scaler_fields_were_named_still_load(fitted, tmp_path):
    # older files hold the scaler as a list of its non-empty fields, and no difference_channels or shape_channels
    clf, X_test = fitted
    clf.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    names = ("mean", "scale", "mean_series", "deviation_scale")
    payload["scaler"] = [payload["scaler"][name] for name in names if name in payload["scaler"]]
    del payload["params"]["difference_channels"], payload["params"]["shape_channels"]
    torch.save(payload, tmp_path / "old.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "old.pt")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    assert loaded.difference_channels is False and loaded.shape_channels is False


def test_files_written_before_norm_existed_load_with_layer_norm(basic_motions, tmp_path):
    # those networks had layer norm; the default is batch norm now
    X, y, X_test, _ = basic_motions
    clf = EADCTransformerClassifier(**FAST, norm="layer", random_state=0).fit(X[:, :, :40], y)
    clf.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    del payload["params"]["norm"]
    torch.save(payload, tmp_path / "old.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "old.pt")
    assert loaded.norm == "layer"
    np.testing.assert_array_equal(loaded.predict_proba(X_test[:, :, :40]), clf.predict_proba(X_test[:, :, :40]))


def test_file_holds_version_params_weights_and_classes(fitted, tmp_path):
    clf, _ = fitted
    clf.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    assert payload["version"] == __version__
    assert payload["classes"] == list(clf.classes_)
    assert payload["params"]["d_model"] == FAST["d_model"]
    assert set(payload["state_dict"]) == set(clf.module_.state_dict())


def test_load_onto_a_named_device(fitted, tmp_path):
    clf, X_test = fitted
    clf.save(tmp_path / "m.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "m.pt", device="cpu")
    assert loaded.device_ == "cpu"


def test_integer_labels_survive(small_motions, tmp_path):
    X, y, X_test, _ = small_motions
    y_int = np.unique(y, return_inverse=True)[1] + 3
    clf = EADCTransformerClassifier(**FAST, random_state=0).fit(X, y_int)
    clf.save(tmp_path / "m.pt")
    loaded = EADCTransformerClassifier.load(tmp_path / "m.pt")
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))


def test_missing_damaged_and_foreign_files_are_refused(fitted, tmp_path):
    clf, _ = fitted
    with pytest.raises(FileNotFoundError, match="no saved model"):
        EADCTransformerClassifier.load(tmp_path / "absent.pt")
    clf.save(tmp_path / "m.pt")
    data = (tmp_path / "m.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable tsevo model"):
        EADCTransformerClassifier.load(tmp_path / "cut.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a readable tsevo model"):
        EADCTransformerClassifier.load(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "foreign.pt")
    with pytest.raises(ValueError, match="not a tsevo model file"):
        EADCTransformerClassifier.load(tmp_path / "foreign.pt")


class Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_loading_never_runs_code_from_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"format": "tsevo.estimator", "payload": Exploit()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="not a readable tsevo model"):
        EADCTransformerClassifier.load(tmp_path / "evil.pt")
    assert not (tmp_path / "PWNED").exists()
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ValueError):
        EADCTransformerClassifier.load(tmp_path / "evil.pkl")
    assert not (tmp_path / "PWNED").exists()


def test_save_before_fit_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        EADCTransformerClassifier().save(tmp_path / "m.pt")
