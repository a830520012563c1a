"""Pure PyTorch modules of the EA-DC-Transformer (no sklearn, numpy or I/O)."""

from tsevo.nn.attention import EvolvingAttention
from tsevo.nn.blocks import AttentionAugmentedConv, CausalConv1d, EADCBlock
from tsevo.nn.heads import HEADS, POOLING_HEADS, FlattenPooling, MaskedPooling
from tsevo.nn.model import AttentionMaps, EADCTransformer

__all__ = [
    "HEADS",
    "POOLING_HEADS",
    "AttentionAugmentedConv",
    "AttentionMaps",
    "CausalConv1d",
    "EADCBlock",
    "EADCTransformer",
    "EvolvingAttention",
    "FlattenPooling",
    "MaskedPooling",
]
