"""mmengine's Runner, with data-loading errors that name their loader."""
import contextlib

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

__all__ = ['MultiMixRunner', 'naming_loader']


@contextlib.contextmanager
def naming_loader(key: str):
    """Prefixes the message of an exception raised while building the
    ``key`` dataloader (``train_dataloader``, ...) with that key, keeping
    its type; multi-argument exceptions get it as a note."""
    try:
        yield
    except ValueError as e:
        if 'need at least one array to concatenate' in str(e):
            # mmengine serialises the data list with np.concatenate
            raise ValueError(_empty_message(key)) from e
        _prefix(e, key)
        raise
    except Exception as e:
        _prefix(e, key)
        raise


def _empty_message(key: str) -> str:
    return (f'{key}.dataset is empty: check its data_root, split, indices '
            'and filters in the config')


def _prefix(e: Exception, key: str) -> None:
    if len(e.args) == 1 and isinstance(e.args[0], str):
        e.args = (f'{key}.dataset: {e.args[0]}', )
    else:
        e.add_note(f'(while building {key})')


def _check_not_empty(loop, key: str) -> None:
    dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
    if dataset is not None and len(dataset) == 0:
        raise ValueError(_empty_message(key))


@RUNNERS.register_module()
class MultiMixRunner(Runner):
    """:class:`Runner` whose train / val / test dataloaders fail with the
    config key of the loader: a dataset error reads ``train_dataloader.
    dataset: ...``, an empty dataset is refused by name. Used by
    ``tools/train.py`` and ``tools/test.py`` unless the config names its
    own ``runner_type``."""

    def build_train_loop(self, loop):
        with naming_loader('train_dataloader'):
            out = super().build_train_loop(loop)
        _check_not_empty(out, 'train_dataloader')
        return out

    def build_val_loop(self, loop):
        with naming_loader('val_dataloader'):
            out = super().build_val_loop(loop)
        _check_not_empty(out, 'val_dataloader')
        return out

    def build_test_loop(self, loop):
        with naming_loader('test_dataloader'):
            out = super().build_test_loop(loop)
        _check_not_empty(out, 'test_dataloader')
        return out
