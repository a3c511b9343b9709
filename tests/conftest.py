import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def fake_roots(tmp_path_factory):
    """Tiny CIFAR-10/100, TinyImageNet and ImageNet trees on disk."""
    import fake_data
    base = tmp_path_factory.mktemp('data')
    return {
        'OfflineCIFAR10': fake_data.make_cifar(str(base / 'cifar10'), 10),
        'OfflineCIFAR100': fake_data.make_cifar(str(base / 'cifar100'), 100),
        'TinyImageNet': fake_data.make_tiny_imagenet(str(base / 'tiny')),
        'ImageNet': fake_data.make_imagenet(str(base / 'imagenet')),
    }


@pytest.fixture
def no_cifar_md5(monkeypatch):
    """Fake CIFAR pickles cannot match the real md5 sums: keep mmpretrain's
    integrity check (files must exist) but drop the checksums."""
    from mmmultimix.datasets import OfflineCIFAR10, OfflineCIFAR100
    for cls in (OfflineCIFAR10, OfflineCIFAR100):
        monkeypatch.setattr(cls, 'train_list',
                            [[n, None] for n, _ in cls.train_list])
        monkeypatch.setattr(cls, 'test_list',
                            [[n, None] for n, _ in cls.test_list])
        monkeypatch.setattr(cls, 'meta', dict(cls.meta, md5=None))


def _visualizer_classes(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _visualizer_classes(sub)


@pytest.fixture(autouse=True)
def fresh_visualizers():
    """mmengine keeps one Visualizer per experiment name (the config's name
    and the second the runner was built), with the save dir of the runner
    that made it: a runner built in a later test within the same second
    would write its logs into the earlier test's tmp_path, which is removed
    once that test passes (``tmp_path_retention_policy = failed``). Every
    test ends by forgetting the visualizers it made."""
    yield
    if 'mmengine.visualization' in sys.modules:
        from mmengine.visualization import Visualizer
        for cls in _visualizer_classes(Visualizer):
            cls._instance_dict.clear()


# The files that run longest (their slowest tests took 50-175 s on 2 cores
# with both busy: the dry run of the device call, the config trainings, the
# study engine's Ray runs, the kill-and-resume runs, the detectors, the
# smoke study) go first. Under `-n 2 --dist loadfile` xdist hands files out
# as workers free up, by default the files with the most tests first, which
# sent the one-test files of minutes last: one worker then ran the 3-minute
# dry run while the other had nothing left.
LONG_FIRST = ('test_gpu_check.py', 'test_configs.py', 'test_study_engine.py',
              'test_safety.py', 'test_detection.py', 'test_reproduce.py',
              'test_runner_digits.py')


def pytest_configure(config):
    if hasattr(config.option, 'loadscopereorder'):
        config.option.loadscopereorder = False  # keep the order below


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
