"""Pure PyTorch modules of the EA-DC-Transformer (no sklearn, numpy or I/O)."""

from tsevo.nn.attention import EvolvingAttention
from tsevo.nn.blocks import CONV_PADDINGS, NORM_PLACEMENTS, AttentionAugmentedConv, DilatedConv1d, DropPath, EADCBlock
from tsevo.nn.heads import HEADS, POOLING_HEADS, FlattenPooling, MaskedPooling, PatchReconstruction
from tsevo.nn.model import AttentionMaps, EADCTransformer
from tsevo.nn.norms import NORMS, MaskedBatchNorm
from tsevo.nn.stems import PATCH_EMBEDDINGS, STEMS, ConvStem, PatchStem

__all__ = [
    "CONV_PADDINGS",
    "HEADS",
    "NORMS",
    "NORM_PLACEMENTS",
    "PATCH_EMBEDDINGS",
    "POOLING_HEADS",
    "STEMS",
    "AttentionAugmentedConv",
    "AttentionMaps",
    "ConvStem",
    "DilatedConv1d",
    "DropPath",
    "EADCBlock",
    "EADCTransformer",
    "EvolvingAttention",
    "FlattenPooling",
    "MaskedBatchNorm",
    "MaskedPooling",
    "PatchReconstruction",
    "PatchStem",
]
