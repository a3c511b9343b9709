"""Pure tensor maths of MultiMix (Venkataramanan et al., arXiv 2206.14868).

"Teach me how to interpolate a myriad of embeddings" — every formula of the
method lives here once, as small functions of tensors that registered modules
adapt. Conventions:

* batch-first: rows are examples. The paper writes column matrices
  (``Z ∈ R^{d×m}``); here ``Z`` is ``(m, d)`` and eq. 6 ``Z̃ = ZΛ`` becomes
  ``Z̃ = Λᵀ Z`` of shape ``(n, d)``.
* no in-place edits of inputs; device and dtype follow the inputs;
  randomness only from an explicit :class:`torch.Generator` (or the default
  generator of the device when ``generator`` is ``None``);
  sampling is separate from applying.
* invalid shapes or values raise :class:`ValueError` / :class:`TypeError`.

Modules: :mod:`.sampling` (Gamma, Dirichlet, Beta, Λ), :mod:`.mixing`
(MultiMix, mixup of pairs, CutMix), :mod:`.dense` (dense MultiMix, the
reference maths), :mod:`.dense_loss` (the same fused with eq. 15),
:mod:`.losses` (eqs. 1 and 15, PuzzleMix's softmax BCE), :mod:`.checks`
(validators), :mod:`.precision` (the fp32 region of interpolation); the
paper's baselines, each equal to its official code: :mod:`.alignment`
(AlignMixup), :mod:`.zeta` (ζ-Mixup), :mod:`.puzzle` (PuzzleMix),
:mod:`.saliency` (SaliencyMix). Every public
name is re-exported here: ``from mmmultimix import functional as Fm``.
"""
from .alignment import ALIGN_DIRECTIONS, align_mix, alignment_plan, sinkhorn
from .checks import AlphaType, check_alpha, check_beta_alpha, check_bool
from .dense import (ATTENTION_MODES, ATTENTION_NORMS, dense_interpolate,
                    dense_mix_targets, dense_mix_weights, dense_multimix,
                    spatial_attention)
from .dense_loss import DenseMixLoss, dense_multimix_loss
from .losses import (softmax_bce, soft_cross_entropy, weighted_mean,
                     weighted_soft_cross_entropy)
from .mixing import (cutmix, cutmix_box_pixels, multimix, pair_mix,
                     paste_box, sample_cutmix_box)
from .precision import at_least_fp32, full_precision
from .puzzle import (CLEAN_LOSS_FORMS, GCO_HINT, PuzzleParams,
                     PuzzleSolution, check_puzzle_geometry, graphcut_mask,
                     mask_transport, puzzle_apply, puzzle_clean_loss,
                     puzzle_saliency, puzzle_solve, transport_blocks)
from .saliency import (OPENCV_CONTRIB_HINT, SALIENCYMIX_CIFAR_NORM,
                       SALIENCYMIX_IMAGENET_NORM, official_saliency_input,
                       saliency_box, saliency_peak)
from .sampling import (LAMBDA_CHUNK_ELEMENTS, dense_lambda_chunks,
                       sample_alpha, sample_beta, sample_dense_lambda,
                       sample_dirichlet, sample_gamma, sample_lambda)
from .zeta import check_zeta_gamma, zeta_weights, zeta_weights_from_uniform

__all__ = [
    'at_least_fp32', 'full_precision', 'sample_gamma', 'sample_dirichlet',
    'sample_beta', 'sample_alpha',
    'sample_lambda', 'sample_dense_lambda', 'dense_lambda_chunks',
    'LAMBDA_CHUNK_ELEMENTS', 'dense_multimix_loss', 'DenseMixLoss',
    'multimix', 'pair_mix', 'sample_cutmix_box', 'cutmix_box_pixels',
    'cutmix', 'spatial_attention', 'dense_mix_weights', 'dense_interpolate',
    'dense_multimix', 'dense_mix_targets', 'soft_cross_entropy',
    'weighted_soft_cross_entropy', 'weighted_mean', 'check_alpha',
    'check_beta_alpha',
    'check_bool',
    'AlphaType', 'ATTENTION_MODES', 'ATTENTION_NORMS', 'paste_box',
    'softmax_bce', 'sinkhorn', 'align_mix', 'alignment_plan',
    'ALIGN_DIRECTIONS', 'zeta_weights', 'zeta_weights_from_uniform',
    'check_zeta_gamma', 'puzzle_saliency', 'puzzle_solve', 'puzzle_apply',
    'puzzle_clean_loss', 'CLEAN_LOSS_FORMS',
    'PuzzleSolution', 'PuzzleParams', 'graphcut_mask', 'mask_transport',
    'transport_blocks',
    'check_puzzle_geometry', 'GCO_HINT', 'saliency_box', 'saliency_peak',
    'official_saliency_input', 'SALIENCYMIX_CIFAR_NORM',
    'SALIENCYMIX_IMAGENET_NORM',
    'OPENCV_CONTRIB_HINT'
]
