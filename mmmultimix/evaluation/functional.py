"""Evaluation maths as pure functions (scikit-learn where it exists)."""
from typing import Dict

import numpy as np
import torch
from torch import Tensor

__all__ = [
    'ood_scores', 'ood_metrics', 'alignment', 'uniformity',
    'expected_calibration_error'
]


def ood_scores(logits: Tensor, score: str = 'msp',
               temperature: float = 1.0) -> Tensor:
    """In-distribution scores (higher = more in-distribution).

    ``'msp'``: maximum softmax probability (Hendrycks & Gimpel 2017, the
    default); ``'energy'``: ``T·logsumexp(logits / T)`` (negative energy, Liu
    et al. 2020); ``'maxlogit'``: the largest logit.
    """
    logits = logits.float()
    if score == 'msp':
        return torch.softmax(logits, -1).max(-1).values
    if score == 'energy':
        return temperature * torch.logsumexp(logits / temperature, -1)
    if score == 'maxlogit':
        return logits.max(-1).values
    raise ValueError("score must be 'msp', 'energy' or 'maxlogit', got "
                     f'{score!r}')


def ood_metrics(id_scores: np.ndarray,
                ood_scores: np.ndarray) -> Dict[str, float]:
    """Detection accuracy, AuROC, AuPR-In (ID positive), AuPR-Out (OOD
    positive), in %, with scikit-learn. Detection accuracy is
    ``max_t ½(TPR(t) + TNR(t))`` with ID as positive."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.metrics import roc_curve
    scores = np.concatenate([id_scores, ood_scores]).astype(np.float64)
    is_id = np.concatenate([np.ones(len(id_scores)),
                            np.zeros(len(ood_scores))])
    if len(id_scores) == 0 or len(ood_scores) == 0:
        raise ValueError('OOD metrics need both in-distribution and OOD '
                         f'samples, got {len(id_scores)} and '
                         f'{len(ood_scores)}')
    fpr, tpr, _ = roc_curve(is_id, scores)
    return {
        'detection_acc': 100.0 * float(np.max(0.5 * (tpr + 1.0 - fpr))),
        'auroc': 100.0 * float(roc_auc_score(is_id, scores)),
        'aupr_in': 100.0 * float(average_precision_score(is_id, scores)),
        'aupr_out': 100.0 * float(average_precision_score(1 - is_id,
                                                          -scores)),
    }


def _normalize(z: Tensor) -> Tensor:
    return torch.nn.functional.normalize(z.double(), dim=1)


def alignment(embeddings: Tensor, labels: Tensor, alpha: float = 2.0) -> float:
    """Alignment (Wang & Isola 2020) as in paper A.4: the mean of
    ``‖f(x) − f(y)‖₂^α`` over pairs ``x ≠ y`` of the same class, on
    ℓ2-normalised embeddings (lower: tighter classes)."""
    z = _normalize(embeddings)
    d = torch.cdist(z, z).pow(alpha)
    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    if not bool(same.any()):
        raise ValueError('alignment needs two examples of a class')
    return float(d[same].mean())


def uniformity(embeddings: Tensor, t: float = 2.0) -> float:
    """Uniformity (Wang & Isola 2020): ``log E_{x≠y} exp(−t‖f(x) − f(y)‖²)``
    over all pairs, on ℓ2-normalised embeddings (lower: more uniform)."""
    z = _normalize(embeddings)
    n = z.shape[0]
    if n < 2:
        raise ValueError('uniformity needs at least two embeddings')
    sq = torch.pdist(z).pow(2)
    return float(torch.logsumexp(-t * sq, 0) - np.log(sq.numel()))


def expected_calibration_error(probs: Tensor, labels: Tensor,
                               n_bins: int = 15) -> float:
    """ECE (Guo et al. 2017), in %: ``Σ_b |B_b|/N · |acc(B_b) − conf(B_b)|``
    over equal-width confidence bins ``(k/B, (k+1)/B]``."""
    conf, pred = probs.float().max(-1)
    correct = (pred == labels).float()
    edges = torch.linspace(0, 1, n_bins + 1)
    ece = torch.zeros(())
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.float().mean() * (correct[mask].mean() -
                                          conf[mask].mean()).abs()
    return 100.0 * float(ece)
