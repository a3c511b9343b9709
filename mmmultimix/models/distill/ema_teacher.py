"""Self-distillation (§3.3, eq. 9): the EMA teacher's whole life cycle."""
import contextlib
from typing import Optional

import torch
from mmengine.model import ExponentialMovingAverage
from torch import Tensor

from ..utils.dist import average_buffers
from ..utils.precision import (DTYPES, PRECISIONS, autocast_context,
                               fast_bf16, resolve_precision)
from .classifier_net import ClassifierNet

__all__ = ['EMATeacher', 'fast_bf16']

_KEYS = ('gamma', 'momentum', 'frozen_teacher', 'teacher_stats',
         'teacher_target', 'teacher_dtype')
STATS = ('own', 'student')
TARGETS = ('logits', 'probs')


class EMATeacher(ExponentialMovingAverage):
    """The self-distillation teacher: mmengine's
    :class:`ExponentialMovingAverage` of the student's
    :class:`ClassifierNet`, plus what eq. 9 needs around it — parsing
    ``model.distill``, frozen-teacher loading, the update, the mode the
    teacher predicts in, the never-updated check and the loss weights
    ``γ·H(Ỹ, P̃) + (1−γ)·H(P̃′, P̃)``. :class:`EMASelfDistillHook` decides
    *when* it steps; the classifier only calls it.

    **Momentum convention (stated once for the whole package):** mmengine's,
    ``teacher = (1 − momentum) · teacher + momentum · student``, i.e.
    ``momentum = 1 − decay``; ``momentum = 0.001`` is a decay of 0.999
    (Mean Teacher). The EMA covers the parameters; the BN statistics
    (``teacher_stats``) are by default the teacher's own: its BN layers track
    the statistics of its activations during its training-mode forward
    passes (as Mean Teacher), so the exported teacher pairs EMA weights with
    statistics of those weights. Under DDP they are averaged over the ranks
    after every step, so the teacher is identical on every rank. ``steps``
    is a buffer, so checkpoints resume the average exactly. The first update
    copies the student's parameters (mmengine's behaviour).

    Args:
        net (ClassifierNet): the student's network (copied).
        momentum (float): in ``(0, 1)``. Defaults to 0.001.
        gamma (float): ``γ`` of eq. 9 in ``[0, 1]``. Defaults to 0.5.
        frozen_teacher (str, optional): the two-stage variant of A.5: a
            checkpoint whose ``backbone/neck/head`` weights initialise a
            teacher that is never updated and predicts in eval mode.
        teacher_stats (str): ``'own'`` (default, above) or ``'student'``
            (copies of the student's statistics after every step: EMA
            weights with the student's statistics; before issue 17).
        teacher_target (str): ``P̃′`` of eq. 9: ``'logits'`` (default, eq. 9
            as written: the softmax of the interpolated teacher logits) or
            ``'probs'`` (the interpolation of the teacher's per-example
            probabilities). Plans that mix the input or an inner layer
            give the teacher one mixed input: the softmax of its logits
            either way.
        teacher_dtype (str, optional): the precision of the teacher's
            forward pass (no gradient; it only supplies soft targets):
            None (default) follows the run's precision (``model.precision``,
            or an autocasting optim wrapper); ``'fp32'`` (autocast off, also
            inside a bf16 run), ``'bf16'`` (autocast; CUDA, or a CPU with
            AVX512-BF16 / AMX), ``'fp16'`` (autocast, CUDA only) or
            ``'auto'`` (bf16 where :func:`fast_bf16`, else fp32). Its
            logits are cast to fp32 before interpolation and softmax.
    """

    def __init__(self,
                 net: ClassifierNet,
                 momentum: float = 0.001,
                 gamma: float = 0.5,
                 frozen_teacher: Optional[str] = None,
                 teacher_stats: str = 'own',
                 teacher_target: str = 'logits',
                 teacher_dtype: Optional[str] = None):
        super().__init__(net, momentum=momentum, interval=1,
                         update_buffers=False)
        if teacher_stats not in STATS:
            raise ValueError(f'model.distill.teacher_stats must be one of '
                             f'{STATS}, got {teacher_stats!r}')
        self.teacher_stats = teacher_stats
        if teacher_target not in TARGETS:
            raise ValueError(f'model.distill.teacher_target must be one of '
                             f'{TARGETS}, got {teacher_target!r}')
        self.mix_probs = teacher_target == 'probs'
        if teacher_dtype is not None and teacher_dtype not in PRECISIONS:
            raise ValueError('model.distill.teacher_dtype must be None (the '
                             f"run's precision) or one of {PRECISIONS}, got "
                             f'{teacher_dtype!r}')
        self.teacher_dtype = teacher_dtype
        self._resolved = {}  # device -> precision: resolved (and warned) once
        self.gamma = gamma
        self.frozen_path = frozen_teacher
        self._calls = 0

    @classmethod
    def from_config(cls, distill: Optional[dict],
                    net: ClassifierNet) -> Optional['EMATeacher']:
        """The teacher ``model.distill`` asks for (None without one); every
        bad value is a ``ValueError`` naming its key and range."""
        if distill is None:
            return None
        distill = dict(distill)
        unknown = set(distill) - set(_KEYS)
        if unknown:
            raise ValueError(
                f'model.distill has unknown keys {sorted(unknown)}'
                f'; valid: {", ".join(map(repr, _KEYS))}')
        gamma = float(distill.get('gamma', 0.5))
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'model.distill.gamma must lie in [0, 1], got '
                             f'{gamma}')
        momentum = float(distill.get('momentum', 0.001))
        if not 0.0 < momentum < 1.0:
            raise ValueError('model.distill.momentum must lie in (0, 1) '
                             '(mmengine convention: 1 - decay), got '
                             f'{momentum}')
        return cls(net, momentum, gamma, distill.get('frozen_teacher'),
                   distill.get('teacher_stats', 'own'),
                   distill.get('teacher_target', 'logits'),
                   distill.get('teacher_dtype'))

    @property
    def frozen(self) -> bool:
        return self.frozen_path is not None

    def init_from(self, student: ClassifierNet) -> None:
        """Starts as a copy of the initialised student, or loads the frozen
        teacher's checkpoint."""
        self.module.load_state_dict(student.state_dict())
        if self.frozen:
            self.load_frozen(self.frozen_path)

    def load_frozen(self, path: str) -> None:
        """Loads the student weights (``backbone/neck/head``) of one of our
        classification checkpoints, strictly."""
        from mmengine.runner.checkpoint import _load_checkpoint
        ckpt = _load_checkpoint(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        state = {
            k: v
            for k, v in state.items()
            if k.split('.', 1)[0] in ('backbone', 'neck', 'head')
        }
        self.module.load_state_dict(state, strict=True)

    @torch.no_grad()
    def step(self, student: ClassifierNet,
             momentum: Optional[float] = None) -> None:
        """One EMA step towards the student (no-op when frozen). Parameters
        are identical on every rank (DDP); BN statistics are per rank
        (mmengine does not broadcast buffers): the teacher takes their
        mean."""
        if self.frozen:
            return
        if momentum is not None:
            self.momentum = float(momentum)
        own = [b.clone() for b in self.module.buffers()] \
            if self.teacher_stats == 'own' else None
        self.update_parameters(student)  # copies the student's buffers
        if own is not None:
            for buf, kept in zip(self.module.buffers(), own):
                buf.copy_(kept)
        average_buffers(self.module)

    def net(self, training: bool) -> ClassifierNet:
        """The teacher network in the mode it predicts in: an EMA teacher
        uses batch statistics in training (Mean Teacher / BYOL), a frozen
        teacher predicts in eval mode. Fails fast when an EMA teacher is
        never updated (no hook)."""
        if training and not self.frozen:
            self._calls += 1
            if self._calls > 2 and int(self.steps) == 0:
                raise RuntimeError(
                    'model.distill is set but the EMA teacher is never '
                    "updated: add custom_hooks=[dict(type='EMASelfDistillHook'"
                    ')] to the config (or call model.update_teacher() after '
                    'each step)')
        self.module.train(training and not self.frozen)
        return self.module

    def dtype_on(self, device: torch.device) -> Optional[torch.dtype]:
        """The autocast dtype of the teacher's forward on ``device`` (None:
        fp32, or the run's own precision when ``teacher_dtype`` is None); a
        dtype the device cannot run is a ``ValueError``."""
        if self.teacher_dtype is None:
            return None
        return DTYPES[self._resolve(device)]

    def _resolve(self, device: torch.device) -> str:
        if device not in self._resolved:
            self._resolved[device] = resolve_precision(
                self.teacher_dtype, device, 'model.distill.teacher_dtype')
        return self._resolved[device]

    def autocast(self, device: torch.device):
        """The context of the teacher's forward pass: the run's own (None),
        or ``teacher_dtype`` (fp32: autocast off)."""
        if self.teacher_dtype is None:
            return contextlib.nullcontext()
        return autocast_context(self._resolve(device), device)

    @staticmethod
    def probs(logits: Tensor) -> Tensor:
        """``P̃′``: softmax of the (interpolated) teacher logits, in fp32."""
        return torch.softmax(
            logits.to(torch.promote_types(logits.dtype, torch.float32)), -1)

    def target_of(self, out) -> Tensor:
        """``P̃′`` from the teacher's mixed output (a ``MixedOutput``):
        its interpolated probabilities, or the softmax of its logits."""
        return out.logits if out.is_probs else self.probs(out.logits)

    def combine(self, cls: Tensor, distill: Tensor) -> dict:
        """Eq. 9's terms, weighted: ``loss_cls`` = ``γ·H(Ỹ, P̃)``,
        ``loss_distill`` = ``(1−γ)·H(P̃′, P̃)``."""
        return dict(loss_cls=self.gamma * cls,
                    loss_distill=(1 - self.gamma) * distill)
