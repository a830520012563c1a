"""``compile=True``: training through ``torch.compile``, eager where compiling fails."""

import warnings

import numpy as np
import pytest
import torch

from tests.conftest import FAST
from tsevo import EADCTransformerClassifier

# dropout > 0 so that the trial step draws from the random stream that training uses
SETTINGS = dict(FAST, dropout=0.2, random_state=0)


class _FailingBackward(torch.autograd.Function):
    """Passes values through and fails in the backward pass, as a compiled backward graph can."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("backward compilation failed\nsecond line of the trace")


def _compiler_failing_at_backward(model, **kwargs):
    """A stand-in for torch.compile whose trial runs the real forward pass (batch-norm statistics
    move, dropout draws) and then fails in backward: the trial must leave no trace."""
    return lambda *inputs, **options: _FailingBackward.apply(model(*inputs, **options))


def _fit_proba(small_motions, **params):
    X_train, y_train, X_test, _ = small_motions
    return EADCTransformerClassifier(**SETTINGS, **params).fit(X_train, y_train).predict_proba(X_test)


def test_a_failed_compilation_warns_and_gives_the_eager_fit_exactly(small_motions, monkeypatch):
    eager = _fit_proba(small_motions)
    monkeypatch.setattr(torch, "compile", _compiler_failing_at_backward)
    with pytest.warns(RuntimeWarning, match=r"torch.compile failed \(RuntimeError: backward compilation failed\)"):
        fallen_back = _fit_proba(small_motions, compile=True)
    np.testing.assert_array_equal(fallen_back, eager)


def test_a_compiler_that_works_is_used_and_its_trial_leaves_no_trace(small_motions, monkeypatch):
    eager = _fit_proba(small_motions)
    calls = []

    def identity_compiler(model, **kwargs):  # compiles to the model itself: the same numbers
        calls.append(kwargs)

        def run(*inputs, **options):
            calls.append("call")
            return model(*inputs, **options)

        return run

    monkeypatch.setattr(torch, "compile", identity_compiler)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        compiled = _fit_proba(small_motions, compile=True)
    assert calls[0] == {"dynamic": True, "backend": "inductor"}
    assert calls.count("call") > 3  # the trial and every training step went through it
    np.testing.assert_array_equal(compiled, eager)


def test_the_network_compiles_forward_and_backward_and_trains_alike(small_motions, monkeypatch):
    """Dynamo and AOT autograd capture the network, its hand-written map backward included, with
    dynamic shapes (the smaller last batch); "aot_eager" runs the captured graphs without generating
    code, so this takes seconds, where inductor's code generation takes minutes on a cold cache."""
    from tsevo.training import compiling

    monkeypatch.setattr(compiling, "BACKEND", "aot_eager")
    X_train, y_train, X_test, _ = small_motions
    settings = dict(SETTINGS, max_epochs=2, dropout=0.0, batch_size=6)  # 20 cases: a last batch of 2
    eager = EADCTransformerClassifier(**settings).fit(X_train, y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # compiling must work here, not fall back
        compiled = EADCTransformerClassifier(**settings, compile=True).fit(X_train, y_train)
    assert compiled.n_iter_ == eager.n_iter_
    # the captured graphs may order float sums differently: close, not equal
    np.testing.assert_allclose(compiled.predict_proba(X_test), eager.predict_proba(X_test), atol=1e-2)


# ---------------------------------------------------------------- members trained together (vmap)
MEMBERS = dict(FAST, dropout=0.0, norm="layer", n_estimators=2, member_training="batched", random_state=0)


def _fit_members(X, y, **params):
    from tsevo import EADCEnsembleClassifier

    return EADCEnsembleClassifier(**{**MEMBERS, **params}).fit(X, y)


def test_batched_members_compile_with_one_padded_length(japanese_vowels, monkeypatch):
    """Under vmap the compiler takes no dynamic sizes, so with ``compile`` every batch of the
    stacked members is padded to the longest training series: the full batch and the epoch's
    smaller last one are the only shapes, and the extra padding changes nothing."""
    X, y, X_test, _ = japanese_vowels  # unequal lengths, 7 to 29 steps
    X, y = X[:45], y[:45]  # batches of 8: a last batch of 5
    eager = _fit_members(X, y)
    calls, shapes = [], set()

    def identity_compiler(function, **kwargs):
        calls.append(kwargs)

        def run(params, buffers, values, valid, padded):
            shapes.add(tuple(values.shape))
            return function(params, buffers, values, valid, padded)

        return run

    monkeypatch.setattr(torch, "compile", identity_compiler)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        compiled = _fit_members(X, y, compile=True)
    assert calls == [{"dynamic": False, "backend": "inductor"}]
    longest = max(case.shape[-1] for case in X)
    assert {(members, batch, length) for members, batch, _, length in shapes} == {(2, 8, longest), (2, 5, longest)}
    assert len(shapes) == 2  # the channels (series and derived ones) are one count
    np.testing.assert_allclose(compiled.predict_proba(X_test[:30]), eager.predict_proba(X_test[:30]), atol=1e-5)


def test_batched_members_whose_compilation_fails_train_eagerly(small_motions, monkeypatch):
    X_train, y_train, X_test, _ = small_motions
    eager = _fit_members(X_train, y_train).predict_proba(X_test)
    monkeypatch.setattr(torch, "compile", _compiler_failing_at_backward)
    with pytest.warns(RuntimeWarning, match=r"torch.compile failed \(RuntimeError: backward compilation failed\)"):
        fallen_back = _fit_members(X_train, y_train, compile=True).predict_proba(X_test)
    np.testing.assert_array_equal(fallen_back, eager)


def test_batched_members_compile_forward_and_backward_and_train_alike(small_motions, monkeypatch):
    """The real compiler ("aot_eager": captured, no code generated) over vmap and functional_call."""
    from tsevo.training import compiling

    monkeypatch.setattr(compiling, "BACKEND", "aot_eager")
    X_train, y_train, X_test, _ = small_motions
    settings = dict(max_epochs=2, batch_size=6)  # 20 cases: a last batch of 2
    eager = _fit_members(X_train, y_train, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # compiling must work here, not fall back
        compiled = _fit_members(X_train, y_train, **settings, compile=True)
    np.testing.assert_allclose(compiled.predict_proba(X_test), eager.predict_proba(X_test), atol=1e-4)
