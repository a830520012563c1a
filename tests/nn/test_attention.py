"""The evolving attention layer: heads, masks, causality, the map chain."""

import pytest
import torch

from tsevo.nn.attention import EvolveMap, EvolvingAttention, key_padding_and_future_mask

B, L, D, H = 3, 12, 16, 4


def make_layer(evolve=True, causal=False, **kw):
    torch.manual_seed(0)
    layer = EvolvingAttention(
        D, d_key=8, d_value=8, n_heads=H, evolve=evolve, causal=causal,
        output_projection=False, **kw,
    )
    # non-trivial relative-position bias and map convolution
    with torch.no_grad():
        if layer.rel_pos is not None:
            layer.rel_pos.bias.normal_()
    return layer.eval()


def test_heads_recombined_like_a_naive_per_head_loop():
    layer = make_layer(evolve=False, rel_pos_bias=False)
    x = torch.randn(B, L, D)
    valid = torch.ones(B, L, dtype=torch.bool)
    out, _, _ = layer(x, valid)

    q, k = layer.to_qk(x).chunk(2, dim=-1)
    v = layer.to_v(x)
    dk, dv = q.shape[-1] // H, v.shape[-1] // H
    per_head = []
    for h in range(H):
        qh, kh, vh = (t[..., h * d : (h + 1) * d] for t, d in ((q, dk), (k, dk), (v, dv)))
        weights = torch.softmax(qh @ kh.transpose(1, 2) / dk**0.5, dim=-1)
        per_head.append(weights @ vh)  # (B, L, dv)
    expected = torch.cat(per_head, dim=-1)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)


def test_padding_never_reaches_real_steps():
    layer = make_layer()
    x = torch.randn(B, L, D)
    prev = torch.randn(B, H, L, L)
    valid = torch.ones(B, L, dtype=torch.bool)
    out, logits, _ = layer(x, valid, prev)

    pad = 5
    x_pad = torch.cat([x, 100 * torch.randn(B, pad, D)], dim=1)
    prev_pad = 100 * torch.randn(B, H, L + pad, L + pad)
    prev_pad[:, :, :L, :L] = prev
    valid_pad = torch.cat([valid, torch.zeros(B, pad, dtype=torch.bool)], dim=1)
    out_pad, logits_pad, probs_pad = layer(x_pad, valid_pad, prev_pad)

    torch.testing.assert_close(out_pad[:, :L], out, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(logits_pad[:, :, :L, :L], logits, atol=1e-5, rtol=1e-5)
    # the map handed on is zero at padded rows and columns
    assert logits_pad[:, :, L:, :].abs().max() == 0
    assert logits_pad[:, :, :, L:].abs().max() == 0
    # no attention mass on padded keys from real queries
    assert probs_pad[:, :, :L, L:].abs().max() == 0


def test_causal_layer_ignores_the_future():
    layer = make_layer(causal=True)
    x = torch.randn(B, L, D)
    prev = torch.randn(B, H, L, L)
    valid = torch.ones(B, L, dtype=torch.bool)
    out, logits, probs = layer(x, valid, prev)
    t = 6
    x2, prev2 = x.clone(), prev.clone()
    x2[:, t + 1 :] = torch.randn(B, L - t - 1, D)
    prev2[:, :, t + 1 :, :] = torch.randn(B, H, L - t - 1, L)
    prev2[:, :, :, t + 1 :] = torch.randn(B, H, L, L - t - 1)
    out2, logits2, _ = layer(x2, valid, prev2)
    torch.testing.assert_close(out2[:, : t + 1], out[:, : t + 1])
    torch.testing.assert_close(logits2[:, :, : t + 1, : t + 1], logits[:, :, : t + 1, : t + 1])
    assert probs.triu(diagonal=1).abs().max() == 0


def test_non_causal_layer_does_see_the_future():
    # the causality test above must be able to fail
    layer = make_layer(causal=False)
    x = torch.randn(B, L, D)
    valid = torch.ones(B, L, dtype=torch.bool)
    out, _, _ = layer(x, valid, torch.zeros(B, H, L, L))
    x2 = x.clone()
    x2[:, -1] += 1.0
    out2, _, _ = layer(x2, valid, torch.zeros(B, H, L, L))
    assert not torch.allclose(out2[:, :3], out[:, :3])


def test_previous_map_enters_the_logits():
    layer = make_layer(prev_map_weight=0.3, map_conv_weight=0.5)
    x = torch.randn(B, L, D)
    valid = torch.ones(B, L, dtype=torch.bool)
    out_a, _, _ = layer(x, valid, torch.zeros(B, H, L, L))
    out_b, _, _ = layer(x, valid, torch.randn(B, H, L, L))
    assert not torch.allclose(out_a, out_b)


def test_weights_zero_reduce_to_plain_attention():
    plain = make_layer(evolve=False)
    evolving = make_layer(prev_map_weight=0.0, map_conv_weight=0.0)
    evolving.load_state_dict(plain.state_dict(), strict=False)
    x = torch.randn(B, L, D)
    valid = torch.ones(B, L, dtype=torch.bool)
    torch.testing.assert_close(
        evolving(x, valid, torch.randn(B, H, L, L))[0], plain(x, valid)[0]
    )


def test_first_layer_has_no_map_convolution():
    assert make_layer(evolve=False).map_conv is None
    assert make_layer(evolve=True).map_conv is not None


def test_the_map_mask_is_built_once_per_forward_pass(monkeypatch):
    from tsevo.nn import EADCTransformer, attention

    calls = []
    original = attention.key_padding_and_future_mask
    monkeypatch.setattr(attention, "key_padding_and_future_mask", lambda *a: calls.append(1) or original(*a))
    model = EADCTransformer(3, 2, d_model=16, n_blocks=4, n_heads=2, d_ff=16, causal=True)
    valid = torch.ones(2, 20, dtype=torch.bool)
    valid[1, 12:] = False
    model(torch.randn(2, 3, 20), valid)
    assert len(calls) == 1


def test_relative_position_bias_covers_every_offset():
    from tsevo.nn.attention import RelativePositionBias

    bias = RelativePositionBias(n_heads=2)
    offsets = torch.arange(-300, 301)
    buckets = bias.bucket(offsets)
    assert buckets.min() == 0 and buckets.max() == bias.bias.shape[1] - 1
    assert (buckets.diff() >= 0).all()  # ordered by offset
    exact = bias.bucket(torch.arange(-15, 16))
    assert len(set(exact.tolist())) == 31  # each near offset has its own bias
    far = bias.bucket(torch.tensor([20, 40, 80, 127, 200]))
    assert len(set(far.tolist())) == 5  # far offsets the auto patch produces are still told apart
    assert bias(150).shape == (2, 150, 150)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_fused_map_update_has_the_exact_gradient(causal, padded):
    # float64 finite differences against EvolveMap's hand-written backward
    torch.manual_seed(0)
    scores, prev_map, weight = (
        torch.randn(shape, dtype=torch.float64, requires_grad=True) for shape in ((2, 2, 5, 5),) * 2 + ((2, 2, 3, 3),)
    )
    bias = torch.randn(2, dtype=torch.float64, requires_grad=True)
    valid = torch.ones(2, 5, dtype=torch.bool)
    valid[0, 3:] = not padded
    allowed = key_padding_and_future_mask(valid, causal) if padded or causal else None

    def update(s, p, w, b):
        return EvolveMap.apply(s, p, w, b, 0.3, 0.5, 0.01, causal, allowed)

    assert torch.autograd.gradcheck(update, (scores, prev_map, weight, bias))
