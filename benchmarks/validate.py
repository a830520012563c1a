"""Compare configurations of the EA-DC-Transformer by validation inside TRAIN.

Every development problem's TRAIN split is divided 70/30 (stratified when
every class has two cases, seeded by the split number); each configuration is
fitted on the 70% and scored on the 30% (accuracy, or RMSE with ``--task
regression``). TEST is never read.

    python benchmarks/validate.py --data-dirs ../shared/data/uea,../shared/data/ucr \
        --configs defaults,clipped_rel_pos --output benchmarks/results/defaults/rel_pos.csv

Cells already in the CSV are skipped (the run resumes); ``--n-jobs`` runs
cells in parallel processes, each with ``--threads`` torch threads. The
Markdown table beside the CSV is rewritten from all its rows.

A configuration written ``NAME@K`` is ``NAME`` on its ``K``-th other seed (the
split's seed plus ``1000 * K``), so that one configuration can be run on several
seeds; ``--proba-dir`` keeps each cell's validation probabilities, from which
``benchmarks/compose_ensembles.py`` scores ensembles of the cells' networks
without training them again.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

# name -> estimator parameters changed from the defaults
NARROW = {"d_model": 32, "n_heads": 4, "d_ff": 128}
CONFIGS: dict[str, dict] = {
    "defaults": {},  # the estimator's defaults at the time of the run (min_steps=0 before it became 1000)
    "min_steps0": {"min_steps": 0},
    # the relative-position bias before it was bucketed: one bias per offset, clipped at +-32 tokens
    "clipped_rel_pos": {},
    # max_epochs="auto" with at least 1,000 optimisation steps (today: no minimum)
    "steps1000": {"min_steps": 1000},
    "steps1000_light": {"min_steps": 1000, "augmentation": "light"},
    "steps1000_full": {"min_steps": 1000, "augmentation": "full"},
    "patch": {"deviation_channels": False, "stem": "patch"},
    "deviation": {"deviation_channels": True, "stem": "patch"},
    "deviation_conv": {"deviation_channels": True, "stem": "conv"},
    "conv_differences": {"deviation_channels": True, "stem": "conv", "difference_channels": True},
    # training length and regularisation on small training sets (defaults: min_steps 1000, dropout 0.1, wd 0.01)
    "steps3000": {"min_steps": 3000},
    "steps3000_regularised": {"min_steps": 3000, "dropout": 0.2, "weight_decay": 0.05},
    # the default network without the absolute (sinusoidal) positions added to the stem's tokens: only
    # the relative-position bias and the convolutions say where a step is (translation-robust)
    "no_abs_pos": {},
    # each case's own standardised series and log level beside the default inputs
    "shapes": {"shape_channels": True},
    # batch of a tenth of the training cases, between 2 and 16 (the rule of Fawaz et al. 2019's FCN and ResNet)
    "batch_tenth": {},
    # the default estimator, inputs, loop and schedule with a plain ResNet in place of the network
    # (controls.py): tells a fault of the EA-DC block and stem from a fault of the training
    "resnet_control": {},
    # the control with EA-DC's patching (controls.py): one residual block at full resolution, then
    # patches of the same auto size as EA-DC's, then two blocks on at most 128 tokens; tells whether
    # the patching or the blocks hold EA-DC below the control on long series
    "resnet_control_patched": {},
    # three residual blocks of causal convolutions as the stem, in place of two convolutions
    "residual_stem": {"stem": "residual"},
    # one attention channel per head (8 of 64): the blocks are nearly all dilated convolution; tells
    # whether the attention branch helps or hurts on these problems
    "little_attention": {"value_fraction": 0.125},
    # twice the width (the control's residual network has 128 filters; EA-DC 64 channels)
    "wide": {"d_model": 128},
    # batch norm over real steps in place of LayerNorm (the control's and the reference's norm)
    "batch_norm": {"norm": "batch"},
    # attention maps up to 256 tokens instead of 128: patches half as long on series over 128 steps
    "tokens256": {},
    "label_smoothing": {"label_smoothing": 0.1},
    "no_dropout": {"dropout": 0.0},
    # both of the control's remaining differences at once: batch norm and no dropout
    "bn_no_dropout": {"norm": "batch", "dropout": 0.0},
    # the defaults before CutMix became one (mixing.md): the incumbent rows of the earlier CSVs
    "no_mixing": {"mixing": "none"},
    "no_mixing_reseeded": {"mixing": "none"},
    # the residual stem again, now under the batch-norm default (it was rejected under LayerNorm,
    # the norm its convolutions were not designed for; the control's residual network uses batch norm)
    "bn_residual_stem": {"stem": "residual", "norm": "batch", "dropout": 0.0},
    # an average over about the last 200 steps (of at least 1,000)
    "ema": {"ema_decay": 0.995},
    # convolutions that read as far ahead as behind, as the control's do, in place of causal ones
    "centred": {"conv_padding": "centred"},
    # the largest value of each feature over the steps, in place of the mean: whether a shape
    # occurs anywhere, as the Rocket family's max features say (the mean of signed features can cancel)
    "max_head": {"head": "max"},
    # wider kernels in the blocks' convolution branch (the residual control's reach 8, 5 and 3 steps
    # per layer; EA-DC's 3 per block, dilated): receptive field 91 tokens instead of 31
    "kernel7": {"kernel_size": 7},
    # the default network with another seed (see SEED_OFFSETS): how far one split's scores move by
    # chance, the yardstick for a one-split comparison with the incumbent
    "reseeded": {},
    # LayerScale 0.1 on every residual branch of the blocks (CaiT's value for shallow stacks): the
    # network starts near its stem under the pooling head, a convolutional network like the control
    "layer_scale": {"layer_scale": 0.1},
    "layer_scale_reseeded": {"layer_scale": 0.1},
    # half the EA-DC blocks (dilations 1 and 2): whether the later blocks add anything, since part
    # of the gap to the control lies in the blocks (control_patched.md: patching costs the other part)
    "blocks2": {"n_blocks": 2},
    # batch norm after each residual sum, as the reference's lineage (Zerveas et al. 2021) and the
    # residual control place it, in place of before each branch
    "post_norm": {"norm_placement": "post"},
    "post_norm_reseeded": {"norm_placement": "post"},
    # each channel's largest value over a patch, then a linear map, in place of a linear map of the
    # whole patch: a shape counts wherever in its patch it occurs (control_patched.md: the strided
    # linear patch costs the residual control about half of its lead on long series)
    "patch_max": {"patch_embedding": "max"},
    "patch_max_reseeded": {"patch_embedding": "max"},
    # overlapping strided convolutions in stages of 2 and 3 in place of one flat patch (issue 12's
    # "strided dilated causal convolutions"): a shape across a patch's border is not cut in two
    "strided": {"patch_embedding": "strided"},
    "strided_reseeded": {"patch_embedding": "strided"},
    # narrow members for a cheap ensemble (as LITETime's members are to InceptionTime's): half the
    # width and half the heads take about 0.45x a default network's fit time on the CPU at length
    # 96-319 (little less on short series, where per-step overhead rules); rejected (narrow.md)
    "narrow": NARROW,
    "narrow_reseeded": NARROW,
    # hold out 10% of the training cases, stop when their loss has not fallen for 20 epochs and keep
    # the best weights: on small, noisy regression targets the default fits noise (its validation RMSE
    # on CardanoSentiment and Covid3Month is above that of predicting the training mean)
    "early_stopping": {"early_stopping": True},
    # regressor: predictions clipped to the training targets' range widened by a tenth of it on each
    # side; the same networks as bn_no_dropout on the same seeds (clip_tser.md: not adopted)
    "clipped": {"clip_predictions": 0.1},
    # the same networks, scored unclipped and with each margin of CLIP_MARGINS (one fit per cell)
    "clip_margins": {"clip_predictions": None},
    # the output layer also reads the stem's features averaged at full resolution, before the
    # patches: the residual control's global-average-pooling path beside the EA-DC tokens
    # (control.md: the control validates 0.886 against 0.851; residual_stem_bn.md: its stem under
    # the blocks alone 0.854, so the gap lies above the stem)
    "stem_pooling": {"stem_pooling": True},
    "stem_pooling_reseeded": {"stem_pooling": True},
    "residual_stem_pooling": {"stem": "residual", "stem_pooling": True},
    "residual_stem_pooling_reseeded": {"stem": "residual", "stem_pooling": True},
    # stochastic depth on the blocks' residual branches, up to 0.2 at the last block (the EA-DC
    # network fits these training sets completely and validates below the control; with the
    # control's own path to the head, residual_stem_pooling, it still does: the blocks' features
    # are what the output layer leans on)
    "drop_path": {"drop_path": 0.2},
    "drop_path_reseeded": {"drop_path": 0.2},
    # regressor: at least 4,000 optimisation steps instead of 1,000. A regression target must be hit
    # to a precision, not only ranked above the other classes: with the defaults the network ends
    # short of fitting Tecator's 120 training spectra (training RMSE 1.03 against the best peers'
    # test RMSE of 0.48; at 4,000 steps 0.35, diagnosis on split 0). Every training set trains longer:
    # the epoch rules give at most about 3,125 steps (100 epochs up to 500 cases, 50,000 cases beyond)
    "steps4000": {"min_steps": 4000},
    # the longer schedule with the weights of its best epoch on a held-out tenth of the training
    # cases: steps4000 helps Tecator (under-trained) and overfits Covid3Month's noisy target, so
    # the held-out cases choose where to stop for each problem. The patience is beyond any
    # schedule: every epoch runs and the best one is kept, since a short patience stopped Tecator
    # early in early_stopping_tser.md
    "steps4000_best": {"min_steps": 4000, "early_stopping": True, "n_iter_no_change": 100_000},
    # deep supervision: a second output layer on the residual stem's features averaged at full
    # resolution (the residual control's own head), trained with its own loss, and predictions that
    # average both output layers. The residual control validates 0.886 against the default's 0.851
    # (control.md), and handing the output layer its pooled features beside the tokens did not keep
    # that (stem_pooling.md): the output layer leaned on the blocks' features, which fit TRAIN
    # completely. With its own loss the stem must classify by itself, as the control does.
    "residual_stem_head": {"stem": "residual", "stem_head": True},
    "residual_stem_head_reseeded": {"stem": "residual", "stem_head": True},
    "stem_head": {"stem_head": True},
    "stem_head_reseeded": {"stem_head": True},
    # half of each batch's cases mixed with another case and its label (tsevo.training.mixing): the
    # network fits TRAIN completely (diagnose_fit.py: training loss 0.0005 on FaceFour) and validates
    # below the residual control; mixing is DeiT's answer for transformers on small data. CutMix is
    # the default since mixing.md: bn_no_dropout and reseeded mix when run now (no_mixing does not)
    "cutmix": {"mixing": "cutmix"},
    "cutmix_reseeded": {"mixing": "cutmix"},
    "mixup": {"mixing": "mixup"},
    "mixup_reseeded": {"mixing": "mixup"},
    # regressor: the reference's flatten head (every token's features, in place, to the output
    # layer) instead of the mean over tokens; a target read off certain steps of the series (the
    # fat content of a spectrum at its absorption bands) needs to know where a feature lies, which
    # the mean over tokens leaves to the position encodings
    "flatten_head": {"head": "flatten"},
    # snapshot ensembles (Huang et al. 2017): five members from one run of twice one network's
    # steps, whose schedule restarts five times; against one network, the price of two
    "snapshot": {"member_training": "snapshot", "n_estimators": 5},
    "snapshot_no_mixing": {"member_training": "snapshot", "n_estimators": 5, "mixing": "none"},
    # self-supervised pre-training (Zerveas et al. 2021): as many epochs of masked-value
    # reconstruction on the training series as of training on the labels, before it
    "pretrain": {"pretrain_epochs": "auto"},
    # at least 2,000 optimisation steps instead of 1,000, under the CutMix default: half of each
    # batch is mixed, so a step teaches less about the real cases, and mixing recipes train longer
    # (DeiT 300 epochs against 90). min_steps=1000 was chosen without mixing (steps_gpu.md), where
    # 3,000 gained nothing (steps3000_gpu.md). Only training sets under about 320 cases train longer
    "steps2000": {"min_steps": 2000},
    # issue 12, item 4: the loss weighs each class by the inverse of its share of the training cases
    # (sklearn's "balanced"), so that a rare class counts as much as a common one; on a balanced
    # training set every weight is 1 and nothing changes. Compared with the incumbent (cutmix rows)
    # on the development problems whose training classes differ most in size
    "class_weight_balanced": {"class_weight": "balanced"},
    # issue 13, item 4: four times the batch at the same number of cases seen (min_steps a quarter,
    # so max_epochs="auto" gives the epochs of batch 16) and the learning rate scaled by the square
    # root of the batch's growth, the rule for Adam (Malladi et al. 2022): what the first rule of
    # batch_size="auto" (min_steps counted in steps of 16) did on training sets of thousands of cases,
    # tried on the largest development problems, where it leaves only 3-6 steps an epoch. After this
    # and batch128 lost, "auto" keeps at least min_steps steps (batch32)
    "batch64": {"batch_size": 64, "lr": 2e-3, "min_steps": 250},
    # eight times: "auto"'s largest batch (128), against 16, at the same cases seen
    "batch128": {"batch_size": 128, "lr": 1e-3 * 8**0.5, "min_steps": 125},
    # twice, at the same cases seen and still at least 1,000 steps (min_steps unchanged): batch64 and
    # batch128 lost where they left a few hundred steps (FiftyWords, MedicalImages)
    "batch32": {"batch_size": 32, "lr": 1e-3 * 2**0.5},
    # half the peak learning rate. 1e-3 was taken from the reference's recipe (RAdam at batch 64) and
    # never validated here; batch 16 is small for Adam at 1e-3 (the square-root rule from the usual 1e-3 at
    # batch 128 gives about 3.5e-4), and the network fits TRAIN completely: a smaller step may
    # settle in a flatter minimum. Compared with the incumbent (cutmix rows) on the same seeds
    "lr_half": {"lr": 5e-4},
    # ten times the weight decay (0.1 instead of 0.01, the other optimiser setting never validated
    # here): at lr 1e-3 the default shrinks the weights by about 1% over 1,000 steps, hardly a
    # regulariser for a network that fits TRAIN completely; decoupled decay of 0.05-0.1 is what
    # transformers trained on small data use (DeiT)
    "wd_tenfold": {"weight_decay": 0.1},
    # sharpness-aware minimisation (Foret et al. 2021) with its usual radius 0.05 (PATCHES): it lifts vision
    # transformers trained from scratch on small data far more than residual networks (Chen et al. 2022),
    # the very gap between EA-DC and its convolutional control (control.md); twice a step's cost
    "sam": {},
    # CutMix only between cases of one class (tsevo.training.mixing): where classes differ in a shape at a
    # fixed place, a window from another class can carry that shape under the wrong label, the harm seen
    # on ECGFiveDays, Coffee and TwoLeadECG (dev_cpu_ensemble_cutmix16). Same random draws as cutmix.
    # Not adopted: level with cutmix over three splits of 25 (cutmix_same_class.md)
    "cutmix_same_class": {"mixing": "cutmix_same_class"},
    # ensemble members that differ in their stem as well as their seed and mixing: the residual stem
    # validated level with the default conv stem under batch norm (residual_stem_bn.md, 10 wins, 4
    # losses) and gains where the residual control gains (BeetleFly, GunPoint, Beef, NATOPS), so its
    # errors may differ from the conv stem's; composed with the cutmix@K / no_mixing@K networks of
    # member_mixing.md by compose_ensembles.py (same seeds, same split)
    "residual_cutmix": {"stem": "residual", "mixing": "cutmix"},
    "residual_no_mixing": {"stem": "residual", "mixing": "none"},
    # fewer attention heads: with key_fraction 0.5 of d_model 64, eight heads have 4 dimensions each, and
    # the maps (B, H, T, T) and their 3x3 convolutions are most of a step's cost at 128 tokens; n_heads
    # was validated once, on 9 UEA problems under the first defaults (validation.md); seed-matched to
    # cutmix@K of member_mixing.md (split 1) and member_stems_split2.md (split 2)
    "heads4": {"n_heads": 4},
    "heads2": {"n_heads": 2},
}
# configs whose estimator is the seed ensemble (EADCEnsembleClassifier or -Regressor)
ENSEMBLES = {"snapshot", "snapshot_no_mixing"}
CLIP_MARGINS = (0.1, 0.25, 0.5, 1.0, 2.0)
# name -> added to the network's seed (which is otherwise the split's number): every "*reseeded"
# config is its twin on another seed
SEED_OFFSETS: dict[str, int] = {name: 1000 for name in CONFIGS if name.endswith("reseeded")}
# name -> parameters that depend on the number of training cases, added to CONFIGS[name]
SIZED: dict[str, object] = {
    "batch_tenth": lambda n_train: {"batch_size": max(2, min(16, n_train // 10))},
}
# name -> (module, attribute, value) set in the worker while the cell runs, then restored
# (for changes that are not parameters; workers run many cells, so nothing may leak)
PATCHES: dict[str, list[tuple[str, str, object]]] = {
    "clipped_rel_pos": [("tsevo.nn.attention", "REL_POS_BUCKETS", (33, 256, 0))],
    "no_abs_pos": [("tsevo.nn.model", "sinusoidal_positions",
                    lambda length, d_model, device: __import__("torch").zeros(length, d_model, device=device))],
    "resnet_control": [("tsevo.estimators._base", "EADCTransformer", "controls:ResNetControl")],
    "resnet_control_patched": [("tsevo.estimators._base", "EADCTransformer", "controls:PatchedResNetControl")],
    "tokens256": [("tsevo.estimators._base", "AUTO_MAX_TOKENS", 256)],
    "sam": [("tsevo.training.loop", "SAM_RHO", 0.05)],
}


@contextlib.contextmanager
def patched(config: str):
    import importlib

    saved = []
    try:
        for module_name, attribute, value in PATCHES.get(config, []):
            module = importlib.import_module(module_name)
            saved.append((module, attribute, getattr(module, attribute)))
            if isinstance(value, str):  # "module:name" of this folder, imported in the worker
                file, name = value.split(":")
                here = str(Path(__file__).resolve().parent)
                if here not in sys.path:
                    sys.path.insert(0, here)
                value = getattr(importlib.import_module(file), name)
            setattr(module, attribute, value)
        yield
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


def _take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def _split(y: np.ndarray, seed: int, stratified: bool = True):
    """70/30 indices; stratified when asked and every class has two cases."""
    from sklearn.model_selection import train_test_split

    _, counts = np.unique(y, return_counts=True)
    stratify = y if stratified and counts.min() >= 2 else None
    return train_test_split(np.arange(len(y)), test_size=0.3, stratify=stratify, random_state=seed)


def parse_config(config: str) -> tuple[str, int]:
    """``(name, seed offset)`` of a configuration written ``NAME`` or ``NAME@K`` (``K``-th other seed)."""
    name, _, other_seed = config.partition("@")
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}")
    return name, SEED_OFFSETS.get(name, 0) + 1000 * int(other_seed or 0)


def run_cell(config: str, dataset: str, data_dir: str, split: int, threads: int, device: str,
             task: str = "classification", proba_dir: str | None = None) -> dict:
    import torch
    from sklearn.metrics import balanced_accuracy_score, mean_squared_error

    from tsevo import EADCEnsembleClassifier, EADCEnsembleRegressor, EADCTransformerClassifier, EADCTransformerRegressor
    from tsevo.datasets import load_tser, load_uea

    torch.set_num_threads(threads)
    regression = task == "regression"
    X, y = (load_tser if regression else load_uea)(dataset, split="train", data_dir=data_dir, download=False)
    train, valid = _split(np.asarray(y), split, stratified=not regression)
    name, seed_offset = parse_config(config)
    if name in ENSEMBLES:
        estimator = EADCEnsembleRegressor if regression else EADCEnsembleClassifier
    else:
        estimator = EADCTransformerRegressor if regression else EADCTransformerClassifier
    sized = SIZED[name](len(train)) if name in SIZED else {}
    model = estimator(random_state=split + seed_offset, device=device, **CONFIGS[name], **sized)
    with patched(name):
        start = time.perf_counter()
        model.fit(_take(X, train), y[train])
        seconds = time.perf_counter() - start
        predicted = model.predict(_take(X, valid))
    if regression:
        scores = {"valid_rmse": float(np.sqrt(mean_squared_error(y[valid], predicted)))}
        if config == "clip_margins":
            scores.update(_clipped_rmse(model, predicted, y[valid]))
    else:
        scores = {"valid_accuracy": float(np.mean(predicted == y[valid])),
                  "valid_balanced_accuracy": balanced_accuracy_score(y[valid], predicted)}
    if name in ENSEMBLES and not regression:  # the last member alone: one network of the same run
        scores["valid_accuracy_last"] = float(np.mean(model.estimators_[-1].predict(_take(X, valid)) == y[valid]))
    if proba_dir and not regression:
        _save_probabilities(Path(proba_dir), config, dataset, split, model, _take(X, valid), y[valid], valid)
    epochs = model.estimators_[0].n_iter_ if name in ENSEMBLES else model.n_iter_
    return {
        "config": config, "dataset": dataset, "split": split, **scores,
        "n_train": len(train), "n_valid": len(valid), "epochs": epochs, "fit_seconds": seconds,
    }


def _save_probabilities(folder: Path, config: str, dataset: str, split: int, model, X_valid, y_valid,
                        valid: np.ndarray) -> None:
    """One cell's validation probabilities, ``FOLDER/DATASET/CONFIG-SPLIT.npz``, for composing ensembles."""
    folder = folder / dataset
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / f"{config}-{split}.npz", probabilities=model.predict_proba(X_valid),
             classes=model.classes_.astype(str), labels=np.asarray(y_valid).astype(str), valid=valid)


def _clipped_rmse(model, predicted: np.ndarray, truth: np.ndarray) -> dict:
    """Validation RMSE of unclipped predictions clipped with each margin of ``CLIP_MARGINS``."""
    from tsevo.estimators._regressor import clip_to_range

    low, high = model.target_min_[0], model.target_max_[0]
    rmse = {}
    for margin in CLIP_MARGINS:
        errors = clip_to_range(predicted, low, high, margin) - truth
        rmse[f"valid_rmse_clip{margin}"] = float(np.sqrt(np.mean(errors**2)))
    return rmse


def _datasets(data_dirs: list[str], names: str) -> dict[str, str]:
    found = {}
    for folder in data_dirs:
        for path in sorted(Path(folder).iterdir()):
            if (path / f"{path.name}_TRAIN.ts").exists():
                found[path.name] = folder
    if names == "all":
        return found
    return {name: found[name] for name in names.split(",")}


def seed_matched(table, pairs: list[tuple[str, str]], lower_is_better: bool) -> list[str]:
    """Markdown lines comparing candidates with incumbents run on the same seeds.

    ``pairs``: (candidate, incumbent) configurations that share a seed each
    (e.g. ``layer_scale`` with ``bn_no_dropout``, ``layer_scale_reseeded``
    with ``reseeded``). On the problems where every pair finished, each
    problem's score is averaged over the seeds before wins are counted, so
    one seed's luck counts for half.
    """
    import pandas as pd

    from tsevo.benchmark._report import markdown_table

    names = [name for pair in pairs for name in pair]
    missing = [name for name in names if name not in table]
    if missing:
        return [f"Seed-matched comparison: no rows yet for {', '.join(missing)}."]
    both = table[names].dropna()
    sign = -1 if lower_is_better else 1  # so that a larger signed score is always better

    def wins_ties_losses(candidate, incumbent) -> str:
        delta = (sign * (candidate - incumbent)).round(9)  # scores averaged over seeds: equal up to float noise
        return f"{(delta > 0).sum()}/{(delta == 0).sum()}/{(delta < 0).sum()}"

    rows = [{"seeds": f"{c} vs {i}", "candidate": both[c].mean(), "incumbent": both[i].mean(),
             "wins/ties/losses": wins_ties_losses(both[c], both[i]), "signed-rank p": ""} for c, i in pairs]
    candidate = both[[c for c, _ in pairs]].mean(axis=1)
    incumbent = both[[i for _, i in pairs]].mean(axis=1)
    rows.append({"seeds": "mean over seeds", "candidate": candidate.mean(), "incumbent": incumbent.mean(),
                 "wins/ties/losses": wins_ties_losses(candidate, incumbent),
                 "signed-rank p": signed_rank_p((candidate - incumbent).round(9))})
    lines = [
        f"Seed-matched comparison on the {len(both)} problems where every pair finished "
        "(wins of the candidate; the last row averages each problem over the seeds first, and gives the "
        "two-sided p-value of Wilcoxon's signed-rank test of its differences, ties left out):", "",
        *markdown_table(pd.DataFrame(rows)),
    ]
    if len(pairs) > 1:  # the yardstick: how far the incumbent moves when only its seed changes
        first, second = both[pairs[0][1]], both[pairs[1][1]]
        lines += ["", f"The incumbent's own seeds ({pairs[0][1]}, {pairs[1][1]}) differ by "
                      f"{(first - second).abs().mean():.3f} per problem on average (mean absolute difference) "
                      f"and by {abs(first.mean() - second.mean()):.3f} in mean."]
    return lines


def signed_rank_p(differences) -> str:
    """Two-sided p-value of Wilcoxon's signed-rank test, or a dash when every difference is zero."""
    from scipy.stats import wilcoxon

    nonzero = differences[differences != 0]
    return "-" if nonzero.empty else f"{wilcoxon(nonzero).pvalue:.2f}"


def write_markdown(csv_path: Path, command: str, configs: list[str],
                   pairs: list[tuple[str, str]] | None = None) -> None:
    """Summary and per-problem table of ``configs`` (the first is the baseline of wins/ties/losses),
    and the seed-matched comparison of ``pairs`` (see :func:`seed_matched`) when given."""
    import pandas as pd

    from tsevo.benchmark._report import markdown_table

    rows = pd.read_csv(csv_path)
    rows = rows[rows["config"].isin(configs)]
    # only the (problem, split) cells that every configuration finished, so that no mean pools a split
    # that one configuration has and another lacks
    finished = rows.groupby(["dataset", "split"])["config"].transform("nunique") == rows["config"].nunique()
    unmatched = int((~finished).sum())
    rows = rows[finished]
    baseline = configs[0]
    metric = "valid_rmse" if "valid_rmse" in rows else "valid_accuracy"
    lower_is_better = metric == "valid_rmse"
    table = rows.pivot_table(index="dataset", columns="config", values=metric, aggfunc="mean")
    complete = table.dropna()
    ranks = complete.rank(axis=1, ascending=lower_is_better).mean()
    better = (lambda a, b: a < b) if lower_is_better else (lambda a, b: a > b)
    seconds = rows.groupby("config")["fit_seconds"].sum()
    summary = pd.DataFrame({
        "config": complete.columns,
        f"mean {metric.replace('_', ' ')}": complete.mean().to_numpy(),
        "average rank": ranks.to_numpy(),
        f"wins/ties/losses vs {baseline}": [
            "" if c == baseline or baseline not in complete else
            f"{better(complete[c], complete[baseline]).sum()}/{(complete[c] == complete[baseline]).sum()}/"
            f"{better(complete[baseline], complete[c]).sum()}"
            for c in complete.columns
        ],
        "total fit seconds": [seconds[c] for c in complete.columns],
    })
    lines = [
        "# Validation inside TRAIN", "", "```bash", command, "```", "",
        "Each problem's TRAIN split is divided 70/30 (stratified where every class has two cases); "
        "each configuration is fitted on the 70% and scored on the 30%. TEST is never read. "
        f"Summary over the {len(complete)} problems every configuration finished"
        + (f" (on the splits all of them finished; {unmatched} rows of unfinished splits left out)"
           if unmatched else "") + ":", "",
        *markdown_table(summary), "", f"{metric.replace('_', ' ')} per problem (mean over splits):", "",
        *markdown_table(table.reset_index()),
    ]
    if pairs:
        lines += ["", *seed_matched(table, pairs, lower_is_better)]
    csv_path.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dirs", required=True, help="comma-separated folders of NAME/NAME_TRAIN.ts")
    parser.add_argument("--datasets", default="all")
    parser.add_argument("--configs", default="defaults")
    parser.add_argument("--splits", type=int, default=1)
    parser.add_argument("--first-split", type=int, default=0,
                        help="first split to run (1: a split that no default was chosen on)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 1) // 2))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--task", choices=["classification", "regression"], default="classification")
    parser.add_argument("--proba-dir", default=None,
                        help="folder that keeps each classification cell's validation probabilities")
    parser.add_argument("--pairs", default="",
                        help="CANDIDATE:INCUMBENT,... configurations run on the same seeds, compared seed by seed")
    args = parser.parse_args()
    pairs = [tuple(pair.split(":")) for pair in args.pairs.split(",") if pair]
    from joblib import Parallel, delayed

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        with out.open() as f:
            done = {(r["config"], r["dataset"], int(r["split"])) for r in csv.DictReader(f)}
    datasets = _datasets(args.data_dirs.split(","), args.datasets)
    cells = [
        (config, name, folder, split) for name, folder in datasets.items()
        for split in range(args.first_split, args.first_split + args.splits)
        for config in args.configs.split(",") if (config, name, split) not in done
    ]
    for config in args.configs.split(","):
        parse_config(config)  # an unknown name stops here, before any cell runs
    jobs = (delayed(run_cell)(*cell, args.threads, args.device, args.task, args.proba_dir) for cell in cells)
    for row in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        new = not out.exists()
        with out.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    write_markdown(out, "python benchmarks/validate.py " + " ".join(sys.argv[1:]), args.configs.split(","), pairs)


if __name__ == "__main__":
    main()
