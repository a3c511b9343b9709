"""The environment flavours (issue 25): what the light environment
(mmcv-lite, no compiled ops) refuses and why."""
import pytest


def test_detection_without_compiled_ops_names_the_build_command(monkeypatch):
    """The light environment (mmcv-lite) has no compiled ops: a detection
    config stops before mmdet fails deep inside (issue 25)."""
    import builtins

    from mmengine.config import Config

    from mmmultimix.engine.distributed import require_compiled_ops
    real = builtins.__import__

    def no_ops(name, *a, **k):
        if name == 'mmcv.ops' or (name == 'mmcv' and a and a[2] and
                                  'ops' in a[2]):
            raise ImportError('mmcv-lite has no mmcv.ops')
        return real(name, *a, **k)

    det = Config(dict(default_scope='mmdet'))
    cls = Config(dict(default_scope='mmpretrain'))
    monkeypatch.setattr(builtins, '__import__', no_ops)
    require_compiled_ops(cls)  # classification never needs them
    with pytest.raises(RuntimeError, match='bash tools/setup_env.sh full'):
        require_compiled_ops(det)
