"""Validation loop that evaluates the student and the EMA teacher."""
from typing import Dict

from mmengine.runner import ValLoop
from mmpretrain.registry import LOOPS

__all__ = ['StudentTeacherValLoop']


@LOOPS.register_module()
class StudentTeacherValLoop(ValLoop):
    """mmengine's :class:`ValLoop`, run for the student and then, when the
    model has a teacher (``model.distill``), for the teacher. Student
    metrics keep their names (so ``save_best`` works unchanged); teacher
    metrics are prefixed ``teacher/``. Both are logged after every
    validation.
    """

    def run(self) -> Dict[str, float]:
        model = self.runner.model
        model = getattr(model, 'module', model)
        teacher = getattr(model, 'teacher', None)
        if teacher is None:
            return super().run()
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        previous = model.predict_with
        metrics = {}
        try:
            for who in ('student', 'teacher'):
                model.predict_with = who
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                res = self.evaluator.evaluate(len(self.dataloader.dataset))
                prefix = '' if who == 'student' else 'teacher/'
                metrics.update({f'{prefix}{k}': v for k, v in res.items()})
        finally:
            model.predict_with = previous
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics
