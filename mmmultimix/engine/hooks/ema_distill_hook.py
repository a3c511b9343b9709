"""Hook updating the self-distillation teacher after every optimizer step."""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

__all__ = ['EMASelfDistillHook']


@HOOKS.register_module()
class EMASelfDistillHook(Hook):
    """The "EMA self-distillation hook": decides *when* and with which
    momentum the teacher of a ``MultiMixClassifier`` (``model.distill``)
    takes an EMA step; the teacher (:class:`EMATeacher`) decides *how*.

    The teacher follows the student's *optimizer steps*: with gradient
    accumulation (``optim_wrapper.accumulative_counts = k``) it takes one
    EMA step every ``k`` iterations, when the optimizer has stepped, so
    the momentum is per optimizer step whatever ``k`` (the same teacher
    as training without accumulation on a ``k`` times larger batch).

    Momentum convention (mmengine's): ``teacher ← (1 − μ) teacher + μ
    student`` per optimizer step, i.e. ``μ = 1 − decay``. With
    ``end_momentum`` the momentum follows a cosine from ``momentum`` to
    ``end_momentum`` over training (as BYOL / MoCo v3 anneal the decay
    towards 1):
    ``μ_t = end + (μ_0 − end)(1 + cos(π t / T)) / 2``.

    Args:
        momentum (float): ``μ_0`` in ``(0, 1)``; None uses the model's
            ``distill.momentum``. Defaults to None.
        end_momentum (float, optional): final momentum in ``(0, 1)``; None
            keeps it constant. Defaults to None.
        interval (int): update every ``interval`` optimizer steps.
            Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 momentum: Optional[float] = None,
                 end_momentum: Optional[float] = None,
                 interval: int = 1):
        for key, value in (('momentum', momentum),
                           ('end_momentum', end_momentum)):
            if value is not None and not 0.0 < float(value) < 1.0:
                raise ValueError(f'EMASelfDistillHook.{key} must lie in '
                                 f'(0, 1) (1 - decay), got {value}')
        if not isinstance(interval, int) or interval < 1:
            raise ValueError('EMASelfDistillHook.interval must be an integer '
                             f'>= 1, got {interval!r}')
        self.momentum = momentum
        self.end_momentum = end_momentum
        self.interval = interval

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if getattr(model, 'teacher', None) is None:
            raise ValueError('EMASelfDistillHook needs a model with a teacher:'
                             ' set model.distill (MultiMixClassifier)')
        if self.momentum is None:
            self.momentum = float(model.teacher.momentum)

    def momentum_at(self, it: int, max_iters: int) -> float:
        if self.end_momentum is None or max_iters <= 1:
            return float(self.momentum)
        frac = min(max(it / (max_iters - 1), 0.0), 1.0)
        return self.end_momentum + (self.momentum - self.end_momentum) * (
            1 + math.cos(math.pi * frac)) / 2

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        stepped, k = _optimizer_stepped(runner)
        if not stepped or (-(-(runner.iter + 1) // k)) % self.interval:
            return
        self._model(runner).update_teacher(
            self.momentum_at(runner.iter, runner.max_iters))


def _optimizer_stepped(runner):
    """Whether this iteration's ``update_params`` stepped the optimizer
    (mmengine's ``OptimWrapper.should_update``, read after the step), and
    the accumulation count ``k``; ``(True, 1)`` for a wrapper that does
    not say."""
    wrapper = getattr(runner, 'optim_wrapper', None)
    should = getattr(wrapper, 'should_update', None)
    if should is None:
        return True, 1
    return bool(should()), int(getattr(wrapper, '_accumulative_counts', 1))
