"""mmmultimix: MultiMix (Venkataramanan et al., arXiv 2206.14868) for
OpenMMLab.

Importing the package registers every module into mmpretrain's registries
(and mirrors them into mmdet's), so a config only needs
``custom_imports=dict(imports=['mmmultimix'], allow_failed_imports=False)``.
"""
import warnings

# mmcv-lite (tools/setup_env.sh light: classification without compiled ops)
# warns on every import that its deformable attention op is missing;
# classification never uses it, and detection configs stop with the command
# that builds the ops (engine.require_compiled_ops)
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``',
    category=UserWarning)

try:  # mmcv is no plain requirement (two flavours: setup.cfg, get_started)
    import mmcv  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        'mmmultimix needs mmcv in one of its two flavours: `pip install -e '
        '".[lite]"` (mmcv-lite: classification) or `bash tools/build_mmcv.sh` '
        '(mmcv with compiled ops: detection too); docs/get_started.md') from e

from . import checkpoint  # noqa: F401,E402  (trusted-loading policy)
from . import (datasets, engine, evaluation, functional,  # noqa: F401,E402
               models)
from .registry import mirror_into_mmdet  # noqa: E402

__version__ = '0.1.0'
__all__ = ['datasets', 'engine', 'evaluation', 'functional', 'models',
           '__version__']

mirror_into_mmdet()

try:  # detection-side modules need mmdet (optional at import time)
    from .models import detection  # noqa: F401,E402
except ImportError:  # pragma: no cover
    detection = None
