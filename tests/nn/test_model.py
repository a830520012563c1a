"""The whole network: padding invariance, causality, gradients, heads, the map chain."""

import math

import pytest
import torch

from tsevo.nn import NORMS, AttentionMaps, EADCTransformer
from tsevo.nn.blocks import DilatedConv1d, DropPath
from tsevo.nn.stems import STEMS, PatchStem, prime_strides, smooth_at_least

C, L = 3, 20
SMALL = dict(d_model=16, n_blocks=3, n_heads=2, d_ff=32, dropout=0.0)


def make_model(seed=0, **kw):
    torch.manual_seed(seed)
    model = EADCTransformer(C, 4, **{**SMALL, **kw})
    with torch.no_grad():  # make the learned relative bias non-trivial
        for name, p in model.named_parameters():
            if "rel_pos" in name:
                p.normal_()
        for name, buffer in model.named_buffers():  # and batch norm's running statistics
            if name.endswith("running_mean"):
                buffer.normal_()
            elif name.endswith("running_var"):
                buffer.uniform_(0.5, 2.0)
    return model.eval()


@pytest.mark.parametrize("head", ["mean", "max", "attention", "flatten"])
@pytest.mark.parametrize("causal, conv_padding", [(False, "causal"), (True, "causal"), (False, "centred")])
@pytest.mark.parametrize("patch_size", [1, 3])
@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("norm", NORMS)
def test_appending_padding_leaves_logits_unchanged(head, causal, patch_size, stem, norm, conv_padding):
    model = make_model(
        head=head, causal=causal, max_length=L + 7, patch_size=patch_size, stem=stem, norm=norm,
        conv_padding=conv_padding,
    )
    x = torch.randn(2, C, L)
    valid = torch.ones(2, L, dtype=torch.bool)
    logits = model(x, valid)
    x_pad = torch.cat([x, 50 * torch.randn(2, C, 7)], dim=-1)
    valid_pad = torch.cat([valid, torch.zeros(2, 7, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(model(x_pad, valid_pad), logits, atol=1e-5, rtol=1e-5)


def test_cases_of_different_lengths_in_one_batch_match_their_own_runs():
    model = make_model()
    a, b = torch.randn(1, C, L), torch.randn(1, C, 9)
    batch = torch.zeros(2, C, L)
    batch[0], batch[1, :, :9] = a[0], b[0]
    valid = torch.ones(2, L, dtype=torch.bool)
    valid[1, 9:] = False
    logits = model(batch, valid)
    torch.testing.assert_close(logits[0], model(a, torch.ones(1, L, dtype=torch.bool))[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(logits[1], model(b, torch.ones(1, 9, dtype=torch.bool))[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("stem", STEMS)
def test_causal_model_output_at_t_ignores_later_steps(stem):
    model = make_model(causal=True, stem=stem)
    x = torch.randn(2, C, L)
    valid = torch.ones(2, L, dtype=torch.bool)
    feats, _ = model.forward_features(x, valid)
    for t in (0, 7, L - 2):
        x2 = x.clone()
        x2[..., t + 1 :] = torch.randn(2, C, L - t - 1)
        feats2, _ = model.forward_features(x2, valid)
        torch.testing.assert_close(feats2[:, : t + 1], feats[:, : t + 1])
        assert not torch.allclose(feats2[:, t + 1 :], feats[:, t + 1 :])


def test_causal_model_with_patches_ignores_later_patches():
    p = 4
    model = make_model(causal=True, patch_size=p)
    x = torch.randn(2, C, L)
    valid = torch.ones(2, L, dtype=torch.bool)
    feats, tokens_valid = model.forward_features(x, valid)
    assert feats.shape[1] == tokens_valid.shape[1] == L // p
    x2 = x.clone()
    x2[..., 3 * p :] = torch.randn(2, C, L - 3 * p)  # change tokens 3 and later
    torch.testing.assert_close(model.forward_features(x2, valid)[0][:, :3], feats[:, :3])


def test_non_causal_model_sees_later_steps():
    model = make_model(causal=False)
    x = torch.randn(2, C, L)
    valid = torch.ones(2, L, dtype=torch.bool)
    x2 = x.clone()
    x2[..., -1] += 3.0
    assert not torch.allclose(model.forward_features(x2, valid)[0][:, :5], model.forward_features(x, valid)[0][:, :5])


def test_causal_convolution_reads_only_the_past():
    conv = DilatedConv1d(2, 3, kernel_size=3, dilation=4)
    x = torch.randn(1, 2, 30)
    x2 = x.clone()
    x2[..., 15:] = 0
    torch.testing.assert_close(conv(x)[..., :15], conv(x2)[..., :15])


def test_causal_attention_with_centred_convolutions_is_refused():
    with pytest.raises(ValueError, match="causal=True needs conv_padding='causal'"):
        make_model(causal=True, conv_padding="centred")


@pytest.mark.parametrize("kernel_size, dilation", [(3, 4), (4, 2)])
def test_centred_convolution_reads_as_far_ahead_as_behind(kernel_size, dilation):
    conv = DilatedConv1d(2, 3, kernel_size, dilation, padding="centred")
    reach = (kernel_size - 1) * dilation
    x = torch.randn(1, 2, 40)
    out = conv(x)
    assert out.shape == (1, 3, 40)
    for step in (reach // 2 + 1, -(reach - reach // 2) - 1):  # just beyond the reach behind, then ahead
        x2 = x.clone()
        x2[..., 20 - step] += 5.0
        assert torch.allclose(conv(x2)[..., 20], out[..., 20])
    for step in (reach // 2, -(reach - reach // 2)):  # the farthest steps it reads
        x2 = x.clone()
        x2[..., 20 - step] += 5.0
        assert not torch.allclose(conv(x2)[..., 20], out[..., 20])


@pytest.mark.parametrize("head", ["mean", "attention", "flatten"])
def test_every_parameter_receives_a_gradient(head):
    model = make_model(head=head, max_length=L).train()
    x = torch.randn(4, C, L)
    valid = torch.ones(4, L, dtype=torch.bool)
    model(x, valid).logsumexp(1).sum().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert missing == []


def test_layer_scale_starts_the_blocks_near_the_identity_and_is_learned():
    x = torch.randn(4, C, L)
    valid = torch.ones(4, L, dtype=torch.bool)
    model = make_model(layer_scale=1e-6)
    seen = {}  # what enters the first block and what leaves the last (the hooks return None: no change)
    model.blocks[0].register_forward_pre_hook(lambda block, args: seen.update(into=args[0]))
    model.blocks[-1].register_forward_hook(lambda block, args, out: seen.update(out=out[0]))
    model(x, valid)
    torch.testing.assert_close(seen["out"], seen["into"], atol=1e-4, rtol=0)  # each branch is scaled by 1e-6
    model.train()
    model(x, valid).logsumexp(1).sum().backward()
    gammas = [p for n, p in model.named_parameters() if n.endswith("gamma")]
    assert len(gammas) == 2 * len(model.blocks)
    assert all(g.grad.abs().sum() > 0 for g in gammas)


@pytest.mark.parametrize("norm", NORMS)
def test_post_norm_blocks_normalise_the_stream_and_ignore_padding(norm):
    model = make_model(norm=norm, norm_placement="post", patch_size=3)
    assert model.norm is None  # the last block already ends with a norm
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    x_pad = torch.cat([x, 50 * torch.randn(2, C, 7)], dim=-1)
    valid_pad = torch.cat([valid, torch.zeros(2, 7, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(model(x_pad, valid_pad), model(x, valid), atol=1e-5, rtol=1e-5)
    model.train()
    features, _ = model.forward_features(3 * torch.randn(8, C, L), torch.ones(8, L, dtype=torch.bool))
    # in training, batch norm standardises each channel over the batch, LayerNorm each step over channels
    axes = (0, 1) if norm == "batch" else -1
    torch.testing.assert_close(features.mean(axes), torch.zeros_like(features.mean(axes)), atol=1e-4, rtol=0)
    torch.testing.assert_close(features.var(axes, unbiased=False), torch.ones_like(features.var(axes)),
                               atol=1e-2, rtol=0)
    model(x, valid).logsumexp(1).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_unknown_norm_placement_is_refused():
    with pytest.raises(ValueError, match="norm placement"):
        make_model(norm_placement="middle")


@pytest.mark.parametrize("embedding, patch_size", [("max", 3), ("strided", 3), ("strided", 4), ("strided", 6)])
@pytest.mark.parametrize("stem", STEMS)
def test_patch_embeddings_ignore_padding_and_train(stem, embedding, patch_size):
    model = make_model(stem=stem, patch_size=patch_size, patch_embedding=embedding)
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    # 20 steps end in a partly real patch; the padding fills it and adds more patches
    x_pad = torch.cat([x, 50 * torch.randn(2, C, 7)], dim=-1)
    valid_pad = torch.cat([valid, torch.zeros(2, 7, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(model(x_pad, valid_pad), model(x, valid), atol=1e-5, rtol=1e-5)
    model.train()
    loss = model(x_pad, valid_pad).logsumexp(1).sum()
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_max_patch_token_does_not_move_when_its_peak_moves_within_the_patch():
    stem = PatchStem(n_channels=2, d_model=8, patch_size=4, embedding="max")
    x = torch.zeros(1, 2, 12)
    valid = torch.ones(1, 12, dtype=torch.bool)
    early, late = x.clone(), x.clone()
    early[0, 0, 4], late[0, 0, 7] = 3.0, 3.0  # the same peak at the first and the last step of patch 1
    torch.testing.assert_close(stem(early, valid)[0], stem(late, valid)[0])
    linear = PatchStem(n_channels=2, d_model=8, patch_size=4, embedding="linear")
    assert not torch.allclose(linear(early, valid)[0], linear(late, valid)[0])


@pytest.mark.parametrize("embedding", ["max", "strided"])
def test_patch_embeddings_agree_without_patches(embedding):
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    torch.testing.assert_close(
        make_model(patch_size=1, patch_embedding=embedding)(x, valid), make_model(patch_size=1)(x, valid)
    )


@pytest.mark.parametrize("patch_size", [2, 5, 12, 22, 64])
def test_strided_stages_multiply_to_the_patch_and_keep_its_token_count(patch_size):
    assert math.prod(prime_strides(patch_size)) == patch_size
    stem = PatchStem(n_channels=2, d_model=8, patch_size=patch_size, embedding="strided")
    for length in (1, patch_size - 1, patch_size, 3 * patch_size + 1, 130):
        tokens, valid = stem(torch.randn(1, 2, length), torch.ones(1, length, dtype=torch.bool))
        assert tokens.shape == (1, -(-length // patch_size), 8)
        assert valid.shape == tokens.shape[:2]


def test_smooth_patch_sizes_are_the_least_products_of_two_and_three_above():
    smooth = [n for n in range(1, 200) if set(prime_strides(n)) <= {2, 3}]
    for n in range(1, 150):
        assert smooth_at_least(n) == min(m for m in smooth if m >= n)


def test_a_strided_token_reads_across_its_patch_border():
    # a change in the last step of patch 0 moves token 1 (whose stages overlap the patch
    # before), where the flat linear patch keeps token 1 as it was
    x, valid = torch.randn(1, 2, 16), torch.ones(1, 16, dtype=torch.bool)
    moved = x.clone()
    moved[0, :, 3] += 1.0
    for embedding, moves in (("strided", True), ("linear", False)):
        stem = PatchStem(n_channels=2, d_model=8, patch_size=4, embedding=embedding).eval()
        before, after = stem(x, valid)[0], stem(moved, valid)[0]
        assert torch.allclose(before[0, 1], after[0, 1]) is not moves


def test_unknown_patch_embedding_is_refused():
    with pytest.raises(ValueError, match="patch embedding"):
        make_model(patch_size=2, patch_embedding="mean")


@pytest.mark.parametrize("stem", ["conv", "residual"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("patch_size", [1, 3])
def test_stem_pooling_ignores_padding(stem, norm, patch_size):
    model = make_model(stem=stem, norm=norm, patch_size=patch_size, stem_pooling=True)
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    x_pad = torch.cat([x, 50 * torch.randn(2, C, 7)], dim=-1)
    valid_pad = torch.cat([valid, torch.zeros(2, 7, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(model(x_pad, valid_pad), model(x, valid), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("stem", ["conv", "residual"])
def test_stem_pooling_hands_the_stems_mean_features_to_the_output_layer(stem):
    model = make_model(stem=stem, patch_size=3, stem_pooling=True)
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    valid[1, 12:] = False
    pooled = model.pooled_features(x, valid)  # (B, 2D): pooled tokens, then the stem's mean
    assert model.classifier.in_features == pooled.shape[1] == 2 * SMALL["d_model"]
    full = model.stem.features(x, valid)  # (B, D, L)
    torch.testing.assert_close(pooled[0, 16:], full[0].mean(-1))
    torch.testing.assert_close(pooled[1, 16:], full[1, :, :12].mean(-1))
    tokens, tokens_valid = model.forward_features(x, valid)
    torch.testing.assert_close(pooled[:, :16], model.pool(tokens, tokens_valid))
    torch.testing.assert_close(model(x, valid), model.classifier(pooled))


def test_stem_pooling_trains_every_parameter():
    model = make_model(stem="conv", patch_size=3, stem_pooling=True).train()
    x, valid = torch.randn(4, C, L), torch.ones(4, L, dtype=torch.bool)
    model(x, valid).logsumexp(1).sum().backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0] == []


def test_stem_pooling_needs_a_convolutional_stem():
    with pytest.raises(ValueError, match="stem_pooling=True needs a convolutional stem"):
        make_model(stem="patch", stem_pooling=True)


@pytest.mark.parametrize("stem", ["conv", "residual"])
def test_stem_head_trains_two_output_layers_and_predicts_their_mean(stem):
    # layer norm and no dropout: training mode computes the same values as evaluation
    model = make_model(stem=stem, patch_size=3, stem_head=True, norm="layer")
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    valid[1, 12:] = False
    tokens, tokens_valid = model.forward_features(x, valid)
    main = model.classifier(model.pool(tokens, tokens_valid))
    full = model.stem.features(x, valid)  # (B, D, L)
    stem_mean = torch.stack([full[0].mean(-1), full[1, :, :12].mean(-1)])
    auxiliary = model.stem_classifier(stem_mean)
    torch.testing.assert_close(model(x, valid), (main + auxiliary) / 2)  # evaluation: the mean
    model.train()
    torch.testing.assert_close(model(x, valid), torch.stack([main, auxiliary]))  # (2, B, K) in training


def test_stem_head_trains_every_parameter():
    model = make_model(stem="conv", patch_size=3, stem_head=True).train()
    x, valid = torch.randn(4, C, L), torch.ones(4, L, dtype=torch.bool)
    logits = model(x, valid)
    assert logits.shape == (2, 4, 4)
    logits.logsumexp(-1).sum().backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0] == []


def test_stem_head_needs_a_convolutional_stem():
    with pytest.raises(ValueError, match="stem_head=True needs a convolutional stem"):
        make_model(stem="patch", stem_head=True)


def test_drop_path_drops_whole_cases_in_training_only():
    torch.manual_seed(0)
    drop = DropPath(0.25)
    x = torch.ones(4000, 5, 3)
    out = drop.train()(x)
    kept = out[:, 0, 0] != 0
    assert abs(kept.float().mean().item() - 0.75) < 0.03
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / 0.75))  # whole cases, rescaled
    assert (out[~kept] == 0).all()
    assert torch.equal(drop.eval()(x), x)
    with pytest.raises(ValueError, match="drop-path rate"):
        DropPath(1.0)


def test_drop_path_grows_with_depth_and_leaves_evaluation_alone():
    model = make_model(drop_path=0.3)
    assert [block.drop_path.rate for block in model.blocks] == pytest.approx([0.0, 0.15, 0.3])
    x, valid = torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool)
    torch.testing.assert_close(model(x, valid), make_model()(x, valid))  # same weights, no drop in eval


def test_the_map_reaches_the_next_layer():
    x = torch.randn(2, C, L)
    valid = torch.ones(2, L, dtype=torch.bool)
    out_a = make_model(prev_map_weight=0.0)(x, valid)
    out_b = make_model(prev_map_weight=0.7)(x, valid)  # same weights, other residual weight
    assert not torch.allclose(out_a, out_b)


def test_attention_maps_are_collected_per_layer():
    model = make_model()
    maps = AttentionMaps()
    model.forward_features(torch.randn(2, C, L), torch.ones(2, L, dtype=torch.bool), maps)
    assert len(maps.logits) == len(maps.probs) == SMALL["n_blocks"]
    assert maps.probs[0].shape == (2, SMALL["n_heads"], L, L)
    torch.testing.assert_close(maps.probs[-1].sum(-1), torch.ones(2, SMALL["n_heads"], L))


@pytest.mark.parametrize("length", [1, 2, 5])
def test_series_shorter_than_the_receptive_field(length):
    model = make_model(n_blocks=4)
    out = model(torch.randn(2, C, length), torch.ones(2, length, dtype=torch.bool))
    assert out.shape == (2, 4) and torch.isfinite(out).all()


def test_widths_that_do_not_divide_by_heads_are_refused():
    with pytest.raises(ValueError, match="multiples of n_heads"):
        EADCTransformer(C, 2, d_model=16, n_heads=3)


def test_flatten_head_refuses_longer_series():
    model = make_model(head="flatten", max_length=L)
    with pytest.raises(ValueError, match="at most"):
        model(torch.randn(1, C, L + 1), torch.ones(1, L + 1, dtype=torch.bool))


@pytest.mark.parametrize("causal", [False, True])
def test_fast_map_update_matches_the_straightforward_one(causal):
    torch.manual_seed(1)
    fast = make_model(causal=causal, patch_size=2).train()
    slow = make_model(causal=causal, patch_size=2, fast_maps=False).train()
    slow.load_state_dict(fast.state_dict())
    x = torch.randn(3, C, L)
    valid = torch.ones(3, L, dtype=torch.bool)
    valid[1, 13:] = False  # one padded case exercises the masked path
    out_fast, out_slow = fast(x, valid), slow(x, valid)
    torch.testing.assert_close(out_fast, out_slow, atol=1e-5, rtol=1e-5)
    out_fast.square().sum().backward()
    out_slow.square().sum().backward()
    for (name, p_fast), p_slow in zip(fast.named_parameters(), slow.parameters(), strict=True):
        torch.testing.assert_close(p_fast.grad, p_slow.grad, atol=1e-4, rtol=1e-4, msg=name)
    maps_fast, maps_slow = AttentionMaps(), AttentionMaps()
    fast.eval().forward_features(x, valid, maps_fast)
    slow.eval().forward_features(x, valid, maps_slow)
    for a, b in zip(maps_fast.logits, maps_slow.logits, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_checkpointing_gives_the_same_loss_and_gradients():
    x, valid = torch.randn(4, C, L), torch.ones(4, L, dtype=torch.bool)
    valid[1, 12:] = False
    grads = []
    for checkpoint in (False, True):
        model = make_model(seed=3, dropout=0.2, checkpoint=checkpoint).train()
        torch.manual_seed(7)  # the same dropout draws in both runs
        loss = model(x, valid).logsumexp(-1).sum()
        loss.backward()
        grads.append((loss.detach(), [p.grad.clone() for p in model.parameters()]))
    torch.testing.assert_close(grads[0][0], grads[1][0])
    for plain, recomputed in zip(grads[0][1], grads[1][1], strict=True):
        torch.testing.assert_close(plain, recomputed, atol=1e-6, rtol=1e-5)
