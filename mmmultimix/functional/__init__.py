"""Pure tensor maths of MultiMix (Venkataramanan et al., ICLR 2024).

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
:mod:`.losses` (eqs. 1 and 15), :mod:`.checks` (validators),
:mod:`.precision` (the fp32 region of interpolation). Every public
name is re-exported here: ``from mmmultimix import functional as Fm``.
"""
from .checks import AlphaType, check_alpha, check_beta_alpha, check_bool
from .dense import (ATTENTION_MODES, ATTENTION_NORMS, dense_interpolate,
                    dense_mix_targets, dense_mix_weights, dense_multimix,
                    spatial_attention)
from .dense_loss import DenseMixLoss, dense_multimix_loss
from .losses import soft_cross_entropy, weighted_soft_cross_entropy
from .mixing import (cutmix, cutmix_box_pixels, multimix, pair_mix,
                     sample_cutmix_box)
from .precision import at_least_fp32, full_precision
from .sampling import (LAMBDA_CHUNK_ELEMENTS, dense_lambda_chunks,
                       sample_alpha, sample_beta, sample_dense_lambda,
                       sample_dirichlet, sample_gamma, sample_lambda)

__all__ = [
    'at_least_fp32', 'full_precision', 'sample_gamma', 'sample_dirichlet', 'sample_beta', 'sample_alpha',
    'sample_lambda', 'sample_dense_lambda', 'dense_lambda_chunks',
    'LAMBDA_CHUNK_ELEMENTS', 'dense_multimix_loss', 'DenseMixLoss',
    'multimix', 'pair_mix', 'sample_cutmix_box', 'cutmix_box_pixels',
    'cutmix', 'spatial_attention', 'dense_mix_weights', 'dense_interpolate',
    'dense_multimix', 'dense_mix_targets', 'soft_cross_entropy',
    'weighted_soft_cross_entropy', 'check_alpha', 'check_beta_alpha',
    'check_bool',
    'AlphaType', 'ATTENTION_MODES', 'ATTENTION_NORMS'
]
