"""The one table of hyper-parameters.

Every estimator of tsevo (and its aeon and sktime faces) reads its
signature, defaults, constraints, docstring and the configurations of the
network and of the training loop from :data:`HYPER_PARAMETERS`. A
hyper-parameter is written here once and nowhere else.

``destination`` says where a value goes: ``"network"`` (a keyword of
:class:`tsevo.nn.EADCTransformer`), ``"training"`` (a field of
:class:`tsevo.training.TrainConfig`) or ``"estimator"`` (read by the
estimator itself). ``tasks`` lists the estimators' tasks that take it, and
``kinds`` the estimator families: ``"single"`` (one network), ``"ensemble"``
(several networks) and ``"hybrid"`` (networks beside other classifiers).
"""

from __future__ import annotations

import inspect
import numbers
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sklearn.utils._param_validation import Interval, StrOptions

from tsevo.nn import CONV_PADDINGS, HEADS, NORM_PLACEMENTS, NORMS, PATCH_EMBEDDINGS, STEMS
from tsevo.training.loop import OPTIMIZERS
from tsevo.training.mixing import MIXINGS

DESTINATIONS = ("network", "training", "estimator")
BOTH = ("classification", "regression")
KINDS = ("single", "ensemble", "hybrid")


@dataclass(frozen=True)
class HyperParameter:
    """One row of the table.

    Attributes
    ----------
    name : str
    default : object
        Primitive only (aeon's constructor check allows no lists or objects).
    constraints : list
        scikit-learn's parameter constraints for ``_parameter_constraints``.
    type_doc : str
        The numpydoc type, e.g. ``"int or 'auto'"``.
    doc : str
        What it does, for the docstring.
    destination : {"network", "training", "estimator"}
    tasks : tuple of str
        ``"classification"``, ``"regression"`` or both.
    kinds : tuple of str
        The estimator families that take it (see ``KINDS``).
    """

    name: str
    default: object
    constraints: list
    type_doc: str
    doc: str
    destination: str
    tasks: tuple[str, ...] = BOTH
    kinds: tuple[str, ...] = KINDS

    def docstring(self) -> str:
        default = f'"{self.default}"' if isinstance(self.default, str) else repr(self.default)
        body = textwrap.fill(textwrap.dedent(self.doc).strip(), width=74)
        return f"{self.name} : {self.type_doc}, default={default}\n{textwrap.indent(body, '    ')}"


def _int(low: int, closed: str = "left") -> Interval:
    return Interval(numbers.Integral, low, None, closed=closed)


def _real(low: float, high: float | None = None, closed: str = "left") -> Interval:
    return Interval(numbers.Real, low, high, closed=closed)


HP = HyperParameter


def per_task(name: str, defaults: dict[str, object], *args, **kwargs) -> tuple[HyperParameter, ...]:
    """One row per task, alike but for its default (``defaults``: task -> default)."""
    return tuple(HP(name, default, *args, tasks=(task,), **kwargs) for task, default in defaults.items())


MEMBER_TRAINING = """
       "batched" trains the networks together as one network whose weights
       have a member axis (``torch.func.vmap``), so they share every kernel
       call: on a GPU, where a small network is bound by kernel launches, an
       ensemble then costs little more than one network. "sequential" trains
       them one after another, with one network's memory; on a CPU, which is
       bound by arithmetic, it is as fast or faster
       (``benchmarks/results/speed/ensemble_*``). "auto": batched on a GPU,
       sequential on a CPU. With ``checkpoint=True`` members are trained one
       after another. Batched and sequential members are the same, except
       for their dropout draws."""

HYPER_PARAMETERS: tuple[HyperParameter, ...] = (
    # ---------------------------------------------------------------- ensembles
    HP("n_estimators", 5, [_int(1)], "int", """
       Networks in the ensemble, each with its own seed; their probabilities
       are averaged. In the seed ensemble, inside TRAIN on 12 development
       problems, three networks kept most of five's gain in accuracy over
       one (0.787 and 0.793 against 0.768), and each added network lowered
       the log loss
       (``benchmarks/results/defaults/ensemble_size.md``).""", "estimator", kinds=("ensemble", "hybrid")),
    HP("member_training", "auto", [StrOptions({"auto", "batched", "sequential", "snapshot"})],
       '{"auto", "batched", "sequential", "snapshot"}', MEMBER_TRAINING + """
       "snapshot" trains one network for twice the epochs of one network,
       with a learning-rate schedule that restarts
       ``n_estimators`` times, and keeps the weights each cycle ends with
       (its best by validation loss with early stopping, which then never
       stops the run) as the members
       (snapshot ensembles, Huang et al. 2017; a cycle lasts at least one
       epoch, so a run of fewer epochs than ``n_estimators`` leaves fewer
       members): the ensemble costs two networks on any device, and its
       members share one seed. They differ less than separately seeded
       networks: on 16 development problems five snapshots kept about a
       third of the seed ensemble's gain over one network
       (``benchmarks/results/dev_cpu_snapshot16/``).""",
       "estimator", kinds=("ensemble",)),
    HP("member_training", "auto", [StrOptions({"auto", "batched", "sequential"})],
       '{"auto", "batched", "sequential"}', MEMBER_TRAINING + """
       (The hybrid's networks each leave out one fold of the training data,
       so they cannot be snapshots of one run.)""", "estimator", kinds=("hybrid",)),
    HP("member_mixing", "alternate", [StrOptions({"same", "alternate"})], '{"same", "alternate"}', """
       How the networks use ``mixing``: "alternate" trains the first, third,
       fifth ... as configured and the others without mixing, so that members
       differ in their training as well as their seed, and an ensemble hedges
       a lever whose sign varies with the problem; "same" trains every one as
       a single network. "alternate" by validation inside TRAIN: ensembles of
       five composed from the same networks on 12 development problems
       validate 0.793 against 0.775 for five with CutMix (4 wins, 8 ties, no
       loss; log loss 0.645 against 0.662), small gains within the noise of
       one split (``benchmarks/results/defaults/member_mixing_ensembles.md``).
       (A snapshot run is one network's training: its members all follow
       ``mixing``.)""",
       "estimator", tasks=("classification",), kinds=("ensemble", "hybrid")),
    HP("member_stem", "same", [StrOptions({"same", "alternate"})], '{"same", "alternate"}', """
       Which stem the networks use: "alternate" gives the second, fourth ...
       the other of the two convolutional stems ("residual" where ``stem`` is
       "conv" or "patch", "conv" where it is "residual"), so that members
       differ in what their tokens describe as well as in their seed; "same"
       gives every one ``stem``. With ``member_mixing="alternate"`` the same
       members also train without mixing. Networks with one stem still train
       together (``member_training="batched"``), in one stack per stem (a
       snapshot run is one network's training: its members all have ``stem``).
       "same" by validation inside TRAIN on 12 development problems: the
       residual stem on the networks without mixing validated 0.785 against
       0.793 (3 wins, 5 ties, 4 losses). On the CutMix networks instead
       (``stem="residual"`` with "alternate") it lowered the log loss on 10
       of the 12, and on a second split on all of 8 (p = 0.01 each), but not
       the accuracy (0.792 against 0.793, then 0.744 against 0.749): better
       probabilities, not better first choices
       (``benchmarks/results/defaults/member_stems_ensembles.md`` and
       ``member_stems_split2_ensembles.md``).""",
       "estimator", tasks=("classification",), kinds=("ensemble", "hybrid")),
    HP("n_jobs", 1, [numbers.Integral, None], "int or None", """
       Networks trained at once in worker processes when they are trained
       one after another (joblib's convention: None is 1, -1 every core);
       each worker takes an equal share of this process's torch threads.
       With as many free cores as networks they all train at once; on two
       cores it saves 8-16% against one network at a time with both threads
       (``benchmarks/results/speed/ensemble_cpu_parallel/``). Callbacks then run in
       the workers. Results equal those of ``n_jobs=1`` with as many threads
       per network. The hybrid passes it to its peers that take it.""", "estimator", kinds=("ensemble", "hybrid")),
    *per_task("peers", {"classification": "multirockethydra,quant,rdst", "regression": "multirockethydra,quant"},
              [str], "str", """
       Comma-separated aeon estimators set beside the EA-DC ensemble (the
       classifiers or regressors of that name): "multirockethydra", "quant",
       "minirocket", "rocket" or "rdst" (random dilated shapelets), for
       classification also "weasel" (bags of symbolic words: WEASEL 2.0 on one
       channel, MUSE on several), and for regression also "multirocket".
       Classification adds RDST to the default pair: inside TRAIN it raised
       the peers' mix by 0.008 out of fold on the 34 development problems (14
       wins, 6 losses; ``benchmarks/results/defaults/hybrid_peers.md``).
       WEASEL, the dictionary family the others lack, did not earn a place:
       beside the calibrated default peers it moved the mix from 0.904 to
       0.905 out of fold on the 25 UCR development problems (5 wins, 8
       losses; ``dictionary_peer.md``).""",
              "estimator", kinds=("hybrid",)),
    HP("calibrate_peers", True, ["boolean"], "bool", """
       Give the ridge-based peers (the Rocket family, RDST, WEASEL) probabilities from
       their ridge's scores, ``softmax(scores / T)`` with the temperature T of
       least log loss on their out-of-fold scores (``temperatures_``), in place
       of aeon's 0 or 1: a confident soft member can then outweigh an unsure
       vote. Which class a peer ranks first does not change, nor do the
       weights. Inside TRAIN it raised the mix of the default peers by 0.007
       out of fold on the 34 development problems (13 wins, 5 losses;
       ``benchmarks/results/defaults/calibrated_peers.md``).""",
       "estimator", tasks=("classification",), kinds=("hybrid",)),
    HP("weight_exponent", 4.0, [_real(0)], "float", """
       Each member's weight is its score estimated by cross-validation inside
       the training data (accuracy, or R² for regression, where a negative R²
       counts as 0), raised to this power (CAWPE, as in HIVE-COTE 2); 0 weighs
       all members equally.""", "estimator", kinds=("hybrid",)),
    # ---------------------------------------------------------------- training length
    HP("max_epochs", "auto", [_int(0), StrOptions({"auto"})], 'int or "auto"', """
       Passes over the training data (an upper bound with early stopping).
       "auto" sizes training in optimisation steps: at least ``min_steps``
       steps, and otherwise 100 epochs up to 500 training cases and fewer
       beyond, so that about 50,000 cases are seen (at least 5 epochs).""", "estimator"),
    *per_task("min_steps", {"classification": 1000, "regression": 4000}, [_int(0)], "int", """
       With ``max_epochs="auto"``, train for at least this many optimisation
       steps: a training set of 12 cases at batch 16 gives one step per epoch,
       and 100 epochs alone would leave it barely trained. Regression trains
       longer: a target must be hit to a precision, where a class need only
       be ranked first. Chosen by validation inside TRAIN
       (``benchmarks/results/defaults/steps_gpu.md``, and
       ``steps4000_best_tser.md`` for regression).""", "estimator"),
    HP("pretrain_epochs", 0, [_int(0), StrOptions({"auto"})], 'int or "auto"', """
       Epochs of self-supervised pre-training before the network learns the
       targets: spans of each training series (15% of its steps, in
       stretches of 3 on average) are hidden, and the network learns to fill
       them in from the rest (masked-value reconstruction, Zerveas et al.
       2021), so that it learns what the series look like from every case
       before it learns their labels. "auto": as many epochs as
       ``max_epochs`` gives (about doubling the fit's time); 0: none.
       Ensemble members that are pre-trained train one after another.
       A fitted network that ``warm_start`` continues is not pre-trained
       again. Off by default: inside TRAIN it gained on one split and lost on
       another, at twice the fit's time
       (``benchmarks/results/defaults/pretrain.md``).""", "estimator"),
    HP("batch_size", 16, [_int(1), StrOptions({"auto"})], 'int or "auto"', """
       Cases per optimisation step. "auto" keeps 16 up to 512 training
       cases; beyond, the batch doubles while it stays at most a 32nd of
       them and 128, and training still takes ``min_steps`` optimisation
       steps. A batch ``g`` times 16 takes ``sqrt(g)`` times ``lr`` (the
       square-root rule for Adam) and the epochs of batch 16: the same
       cases, in fewer and larger steps, which pays where a step costs
       little more for more cases: on a GPU (not timed yet); on a CPU only
       series of at most 32 tokens (``patch_size`` steps each) take larger
       batches, and on two cores batch 32 took 0.69 and 1.02 times the
       epoch time of 16 on two such problems
       (``benchmarks/results/speed/batch_auto/``). It trades accuracy: inside
       TRAIN on the largest development problems, twice the batch at the
       same cases seen lost 0.03-0.04 on FiftyWords and MedicalImages, four
       and eight times lost more
       (``benchmarks/results/defaults/batch_auto.md``), so 16 stays the
       default.""",
       "training"),
    HP("lr", 1e-3, [_real(0, closed="neither")], "float", """
       Peak learning rate, reached after a linear warm-up and followed by a
       cosine decay (for a batch of 16 cases with ``batch_size="auto"``).
       For classification, half of it validated lower inside TRAIN on two
       splits (``benchmarks/results/defaults/lr.md``).""", "training"),
    # ---------------------------------------------------------------- network
    HP("d_model", 64, [_int(2)], "int", "Width of the sequence representation.", "network"),
    HP("n_blocks", 4, [_int(1)], "int", "EA-DC blocks; block ``i`` has dilation ``2**i``.", "network"),
    HP("patch_size", "auto", [_int(1), StrOptions({"auto"})], 'int or "auto"', """
       Steps embedded together as one token by the stem. Attention costs grow
       with the square of the number of tokens, so "auto" picks the smallest
       patch that keeps the longest training series at most 128 tokens (1 for
       series up to 128 steps), rounded up to a product of 2s and 3s with
       ``patch_embedding="strided"``. 1 keeps full resolution.""", "estimator"),
    HP("patch_embedding", "linear", [StrOptions(set(PATCH_EMBEDDINGS))], '{"linear", "max", "strided"}', """
       How the stem turns a patch of ``patch_size`` steps into a token:
       "linear" maps all its values (a strided convolution, as the patch
       embeddings of vision transformers); "max" keeps each channel's largest
       value over the patch's steps and maps those, so that a local shape
       counts wherever in the patch it occurs, as the pooling layers of
       convolutional networks allow; "strided" shortens in stages of
       overlapping strided convolutions, one per prime factor of the patch
       size, so that a shape across a patch's border is not cut in two.
       The same for ``patch_size=1``. "linear" by validation inside TRAIN:
       "max" gained on one seed and not on the other
       (``benchmarks/results/defaults/patch_max.md``); "strided" lost on
       both, most on the longest series (``strided.md``).""", "network"),
    HP("deviation_channels", True, ["boolean"], "bool", """
       Give the network, beside each standardised channel, the channel's
       deviation from the mean series of the training cases (their average
       at each step), scaled to unit variance. Cases that share one shape and
       differ by a small fraction of it (spectra, outlines) look nearly alike
       after standardisation; their deviations do not. Chosen by validation
       inside TRAIN (``benchmarks/results/defaults/deviation.md``).""", "estimator"),
    HP("difference_channels", False, ["boolean"], "bool", """
       Give the network, beside each channel, its first difference (the
       change from the step before), scaled to unit root mean square over the
       training cases. The slopes of smooth series (spectra, slow signals) are
       a small fraction of their values; scaled on their own they reach the
       network at the size of the values, as in MultiRocket's and QUANT's
       difference representations. Off by default: validation inside TRAIN
       lowered Tecator's RMSE but doubled FloodModeling3's and did not help
       classification on average (``benchmarks/results/defaults/differences.md``
       and ``differences_tser.md``).""", "estimator"),
    HP("shape_channels", "auto", ["boolean", StrOptions({"auto"})], 'bool or "auto"', """
       Give the network, beside each channel, the case's own standardised
       series (its shape at unit size, whatever its amplitude) and the
       logarithm of its standard deviation (its level, constant along time).
       Where amplitudes span orders of magnitude across cases (electrical
       loads, raw sensor counts), one scale per channel leaves the quiet cases
       near zero for the network; these channels show them. "auto" adds them
       to a classifier when the cases' standard deviations in some channel
       differ more than a hundredfold (95th against 5th percentile), so never
       for series standardised one by one, and never to a regressor. Chosen
       by validation inside TRAIN (``benchmarks/results/defaults/shapes.md``
       and ``shapes_tser.md``).""", "estimator"),
    HP("stem", "conv", [StrOptions(set(STEMS))], '{"conv", "residual", "patch"}', """
       How series become tokens: "conv" first runs two convolutions
       (kernels 7 and 5) at full resolution, so that each token describes the
       local shape around its steps, then embeds patches of their output;
       "residual" runs three residual blocks of convolutions (kernels
       8, 5 and 3, as in the residual network for time series) instead;
       "patch" embeds ``patch_size`` raw steps linearly. Chosen by validation
       inside TRAIN (``benchmarks/results/defaults/stem_conv.md`` and
       ``stem_conv_tser.md``).""", "network"),
    HP("n_heads", 8, [_int(1)], "int", """
       Attention heads; ``d_model * key_fraction`` and ``d_model *
       value_fraction`` must be multiples of it.""", "network"),
    HP("key_fraction", 0.5, [_real(0, 1, closed="right")], "float", """
       Query/key width as a fraction of ``d_model`` (reference ``k``).""", "network"),
    HP("value_fraction", 0.5, [_real(0, 1, closed="neither")], "float", """
       Share of each block's output channels that come from attention
       (reference ``v``); the rest come from the dilated convolution.""", "network"),
    HP("d_ff", 256, [_int(1)], "int", "Hidden width of the feed-forward layers.", "network"),
    HP("kernel_size", 3, [_int(1)], "int", "Kernel of the dilated convolutions.", "network"),
    HP("conv_padding", "causal", [StrOptions(set(CONV_PADDINGS))], '{"causal", "centred"}', """
       "causal": the convolutions of the stem and the blocks read only the
       current and earlier steps, as in the reference; "centred": as far
       ahead as behind, as the residual network's kernels do. Causal by
       validation inside TRAIN (``benchmarks/results/defaults/centred.md``).""",
       "network"),
    HP("dropout", 0.0, [_real(0, 1)], "float", """
       Dropout in the blocks and before the output layer. None by default:
       with batch norm it validated higher inside TRAIN on three splits
       (``benchmarks/results/defaults/bn_no_dropout.md``).""", "network"),
    HP("layer_scale", None, [_real(0, closed="neither"), None], "float or None", """
       Starting value of a learned scale per channel on each residual branch
       of the blocks (LayerScale, Touvron et al. 2021): with a small value
       the blocks start near the identity, so the network first behaves like
       its convolutional stem under the pooling head and adds what the blocks
       learn as far as it helps. None: no scale. Off by default: 0.1 validated
       lower inside TRAIN over two seeds
       (``benchmarks/results/defaults/layer_scale.md``).""", "network"),
    HP("drop_path", 0.0, [_real(0, 1, closed="left")], "float", """
       Stochastic depth (Huang et al. 2016): in training, each case skips
       the residual branches of block ``i`` of ``n`` at rate
       ``drop_path * i / (n - 1)``, so that the output layer cannot lean on
       any one block's features. 0: none. 0 by default: 0.2 validated no
       higher inside TRAIN for classification, and for regression lowered
       the RMSE of three of five problems on two seeds but raised Tecator's
       by a tenth (``benchmarks/results/defaults/drop_path.md`` and
       ``drop_path_tser.md``).""", "network"),
    HP("attention_dropout", 0.0, [_real(0, 1)], "float", "Dropout on the attention probabilities.", "network"),
    HP("prev_map_weight", 0.3, [_real(0, 1, closed="both")], "float", """
       Weight of the previous layer's attention map in the residual mix
       ``(1 - w) * S + w * P``; the reference code's ``--beta``.""", "network"),
    HP("map_conv_weight", 0.5, [_real(0, 1, closed="both")], "float", """
       Weight of the convolved map ``w * act(conv(M)) + (1 - w) * M``; the
       reference code's ``--alpha``.""", "network"),
    HP("causal", False, ["boolean"], "bool", "Restrict attention to the current and earlier steps.", "network"),
    HP("rel_pos_bias", True, ["boolean"], "bool", """
       Learned relative-position bias in every attention layer: one value per
       head and offset up to 16 tokens, then one per logarithmic bucket of
       offsets up to 256 (T5 style), so that every offset the stem produces
       has its own or its bucket's bias.""", "network"),
    HP("norm", "batch", [StrOptions(set(NORMS))], '{"layer", "batch"}', """
       Normalisation in the stem, in every block and after the blocks:
       "layer" normalises each step over its channels; "batch" normalises
       each channel over the real steps of the batch (the reference's and
       Zerveas et al.'s choice for time series; padded steps are left out of
       its statistics, and running statistics serve prediction). "batch" (with
       no dropout) by validation inside TRAIN on three splits
       (``benchmarks/results/defaults/bn_no_dropout.md``). Batched ensemble
       members then match separate fits closely rather than exactly.""", "network"),
    HP("norm_placement", "pre", [StrOptions(set(NORM_PLACEMENTS))], '{"pre", "post"}', """
       Where the blocks normalise: the input of each branch, leaving the
       residual stream unnormalised ("pre"), or the stream after each
       residual sum ("post"), as the batch-norm transformer of Zerveas et al.
       (2021) that the reference code descends from does. "pre" by validation
       inside TRAIN over two seeds (``benchmarks/results/defaults/post_norm.md``).""",
       "network"),
    HP("head", "mean", [StrOptions(set(HEADS))], '{"mean", "max", "attention", "flatten"}', """
       Masked pooling over real steps (any length at predict time), or the
       reference's flatten head (series no longer than those seen in fit).""", "network"),
    HP("stem_pooling", False, ["boolean"], "bool", """
       Also average the stem's features over the real steps at full
       resolution, before its patches, and give that mean to the output
       layer beside the pooled tokens (the global average pooling of a
       convolutional network, which patches of long series coarsen). Needs
       ``stem`` "conv" or "residual". Off by default: within one seed's noise
       by validation inside TRAIN (``benchmarks/results/defaults/stem_pooling.md``).""",
       "network"),
    HP("stem_head", False, ["boolean"], "bool", """
       A second output layer on the stem's features averaged over the real
       steps at full resolution, trained on the same targets with its own
       loss (deep supervision); predictions average the two output layers.
       The stem must then describe the series by itself, as a plain
       convolutional network does, and the blocks add what they can. Needs
       ``stem`` "conv" or "residual". Off by default: with the residual stem
       it validated 0.855 against 0.846 over two seeds inside TRAIN, a gain
       on one seed that the other did not confirm
       (``benchmarks/results/defaults/stem_head.md``).""", "network"),
    HP("checkpoint", False, ["boolean"], "bool", """
       Recompute each block's activations in the backward pass instead of
       keeping them: training needs less memory (the attention maps of every
       layer are not stored) and takes about a third longer.""", "network"),
    HP("compile", False, ["boolean"], "bool", """
       Train through ``torch.compile`` (inductor, dynamic shapes), compiled
       before training on a first batch and on the epoch's smaller last
       batch, forward and backward; where compiling fails, a
       ``RuntimeWarning`` says why and training runs as without it.
       Networks of an ensemble that train together
       (``member_training="batched"``) are compiled as one, with static
       shapes (the compiler takes no dynamic sizes under ``vmap``): every
       batch is then padded to the longest training series. Off by default: on
       a 2-core CPU compiling took about 3 minutes and the compiled epochs
       ran slower than eager ones
       (``benchmarks/results/speed/compile/``). On an H200 the compiled
       epochs ran 1.87 times as fast as eager ones (1.71 for five networks
       trained together), after 107 s of compiling (67 s for the five): that
       pays from about 7,500 optimisation steps for one network and 2,900
       for five, more than a default fit of a small problem takes
       (``benchmarks/results/speed/compile_gpu/``); turn it on for long
       fits on a GPU.""", "training"),
    # ---------------------------------------------------------------- optimisation
    HP("weight_decay", 1e-2, [_real(0)], "float", """
       Decoupled weight decay on weight matrices. For classification, ten
       times it left 30 of 32 validation scores inside TRAIN unchanged
       (``benchmarks/results/defaults/weight_decay.md``).""", "training"),
    HP("optimizer", "adamw", [StrOptions(set(OPTIMIZERS))], '{"adamw", "radam", "adam"}', """
       Optimiser; the reference uses RAdam.""", "training"),
    HP("grad_clip", 4.0, [_real(0, closed="neither"), None], "float or None", """
       Gradient norm clipping, as in the reference.""", "training"),
    HP("ema_decay", 0.0, [_real(0, 1, closed="left")], "float", """
       Keep an exponential moving average of the weights, with this decay
       per optimisation step (warmed up as ``min(ema_decay, (1 + t) / (10 +
       t))``); validation, early stopping and the fitted model then use the
       averaged weights. 0 turns averaging off; off by default, since under
       the cosine schedule the average hardly differs from the last weights
       (``benchmarks/results/defaults/ema.md``).""", "training"),
    HP("label_smoothing", 0.0, [_real(0, 1)], "float", "Label smoothing of the cross-entropy.",
       "training", ("classification",)),
    HP("loss", "mse", [StrOptions({"mse", "huber"})], '{"mse", "huber"}', """
       Loss on the standardised targets: mean squared error, or Huber (less
       pulled by outlying targets).""", "training", ("regression",)),
    HP("clip_predictions", None, [_real(0), None], "float or None", """
       Clip predictions to the range of the training targets, widened on
       each side by this fraction of its width; None leaves them as the
       network gives them. For a target known to be bounded (a rate, a
       share): a series unlike any in training (far louder, say) can drive
       the network's output well beyond every training target. Off by
       default: where targets are heavy-tailed, new cases truly lie beyond
       the training range and clipping takes their predictions away
       (validation inside TRAIN: ``benchmarks/results/defaults/clip_tser.md``).""",
       "estimator", ("regression",)),
    HP("class_weight", None, [StrOptions({"balanced"}), dict, None], '"balanced", dict or None', """
       Class weights of the loss: "balanced" weighs each class by the
       inverse of its share of the training cases, a dict maps classes to
       weights (1 for those it leaves out). None by default: on the 8
       development problems with the most unequal classes, "balanced" lowered
       validation accuracy inside TRAIN (0.702 against 0.732, 1 win and 6
       losses) and raised balanced accuracy only on two of them
       (``benchmarks/results/defaults/class_weight.md``).""", "estimator", ("classification",)),
    HP("augmentation", "none", [StrOptions({"none", "light", "full"})], '{"none", "light", "full"}', """
       Random label-preserving changes of each training batch: "light"
       scales each channel's amplitude and adds a little noise; "full" also
       cuts a random window of 90% of the series and stretches it back
       (window slicing).""", "estimator"),
    HP("mixing", "cutmix", [StrOptions(set(MIXINGS))], '{"none", "mixup", "cutmix", "cutmix_same_class"}', """
       Train on mixed cases: in each batch, half the cases, chosen at random,
       are mixed with another case of the batch, and their labels in the same
       shares. "cutmix" puts the other case's values in a random window of
       the series (its share of the steps uniform), keeping every local shape
       intact; "cutmix_same_class" does so only with a case of the same class,
       so that a window cannot carry one class's shape under another's
       label; "mixup" blends the two series (a share drawn from Beta(0.4,
       0.4)). A network that fits a small training set completely learns
       from them what lies between its cases (Yun et al. 2019; Zhang et al.
       2018; Yang and Desell 2022 on the UEA archive). "cutmix" by validation
       inside TRAIN on 25 problems: +0.014 per problem over four
       comparisons (+0.036, +0.003, +0.008, -0.007; 12 wins, 7 ties, 6
       losses), most on outlines, where a shape may occur anywhere; a small
       and uncertain gain, which the test split of 20 development problems
       did not show (nor, on the 16 smallest, for five networks), with a
       harm where classes differ in a shape at a fixed place; on three
       splits of all 25, +0.011 (13 wins, 6 ties, 6 losses). "mixup" no
       better; "cutmix_same_class" level with "cutmix" (-0.002, 6 / 12 / 7)
       (``benchmarks/results/defaults/mixing.md``, ``mixing_split1.md``,
       ``mixing_split2.md`` and ``cutmix_same_class.md``). The ensembles and
       the hybrid train every second network without it (``member_mixing``).""",
       "training", ("classification",)),
    *per_task("early_stopping", {"classification": False, "regression": True}, ["boolean"], "bool", """
       Hold out ``validation_fraction`` of the training data (stratified for
       classification), stop after ``n_iter_no_change`` epochs without a lower
       validation loss and restore the best weights. On by default for
       regression, where the held-out cases choose how long each problem
       trains: a near-exact target gains from every step of the long schedule
       and a noisy one is overfitted by it
       (``benchmarks/results/defaults/steps4000_best_tser.md``).""", "training"),
    HP("validation_fraction", 0.1, [_real(0, 1, closed="neither")], "float", """
       Share of the training data held out when ``early_stopping`` is on.""", "estimator"),
    *per_task("n_iter_no_change", {"classification": 20, "regression": None}, [_int(1), None], "int or None", """
       Patience of early stopping, in epochs. None never stops early: every
       epoch runs and the weights of the one with the lowest validation loss
       are kept, so that a noisy validation loss cannot end training while
       the learning rate is still high.""", "training"),
    HP("tol", 1e-4, [_real(0)], "float", """
       Smallest fall of the validation loss that counts as an improvement.""", "training"),
    # ---------------------------------------------------------------- running
    HP("warm_start", False, ["boolean"], "bool", """
       Continue training the fitted network on the next ``fit`` instead of
       starting again (channels and classes must match).""", "estimator", kinds=("single",)),
    HP("device", "auto", [str, "torch.device"], '{"auto", "cpu", "cuda"} or str', """
       Where to train and predict; "auto" picks a GPU when there is one.
       "cpu" never touches a GPU.""", "estimator"),
    HP("mixed_precision", True, ["boolean"], "bool", "bfloat16 autocast on GPU; ignored on CPU.", "training"),
    HP("callbacks", None, [list, tuple, None], "sequence of callables or None", """
       Each is called with the epoch's history record after every
       epoch.""", "estimator"),
    HP("random_state", None, ["random_state"], "int, RandomState or None", """
       Seeds independent streams for initialisation, dropout, shuffling,
       augmentation and the validation split. The same seed and data give the same predictions
       on one machine (on CPU; GPU convolutions are not deterministic).""", "estimator"),
    HP("verbose", 0, ["verbose"], "int", "0 prints nothing; 1 shows a progress bar over epochs.", "estimator"),
)


def for_task(task: str, kind: str = "single") -> tuple[HyperParameter, ...]:
    """The rows an estimator of ``task`` and ``kind`` takes, in table order."""
    return tuple(p for p in HYPER_PARAMETERS if task in p.tasks and kind in p.kinds)


def by_destination(params: Iterable[HyperParameter], destination: str) -> tuple[str, ...]:
    if destination not in DESTINATIONS:
        raise ValueError(f"unknown destination {destination!r}")
    return tuple(p.name for p in params if p.destination == destination)


def parameter_constraints(params: Iterable[HyperParameter]) -> dict:
    import torch

    def resolve(c):
        return torch.device if c == "torch.device" else c

    return {p.name: [resolve(c) for c in p.constraints] for p in params}


def parameters_section(params: Iterable[HyperParameter], indent: str = "    ") -> str:
    """The numpydoc ``Parameters`` section of ``params``."""
    body = "\n".join(p.docstring() for p in params)
    return textwrap.indent(f"Parameters\n----------\n{body}\n", indent)


def make_init(params: tuple[HyperParameter, ...], after: Callable | None = None):
    """An ``__init__`` that stores ``params`` under their names and nothing else.

    Its ``__signature__`` lists every parameter with its default (keyword or
    positional, in table order), which is what ``get_params``, ``clone`` and
    the ecosystems' constructor checks read. ``after(self)`` runs last (the
    aeon and sktime bases need their own ``__init__``).
    """
    names = [p.name for p in params]
    defaults = {p.name: p.default for p in params}
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=defaults[n]) for n in names]
    )

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        for name in names:
            setattr(self, name, bound.arguments.get(name, defaults[name]))
        if after is not None:
            after(self)

    __init__.__signature__ = signature
    __init__.__doc__ = "Store the parameters; see the class docstring."
    return __init__


class FromTable:
    """Mixin: a subclass that sets ``_task`` (and ``_kind``) gets its ``__init__``,
    ``_parameter_constraints`` and the ``Parameters`` section of its docstring
    (at a line ``{parameters}``) from the table. A user's subclass that sets
    neither keeps what its parent generated."""

    _task: str | None = None
    _kind: str = "single"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_task" not in cls.__dict__:
            return
        params = for_task(cls._task, cls._kind)
        cls._hyper_parameters = params
        cls.__init__ = make_init(params)
        cls._parameter_constraints = parameter_constraints(params)
        if cls.__doc__ and "    {parameters}\n" in cls.__doc__:
            cls.__doc__ = cls.__doc__.replace("    {parameters}\n", parameters_section(params))
