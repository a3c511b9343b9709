"""configs/multimix/metafile.yml (issue 34): OpenMMLab's model-index format,
generated from the configs and the committed caches: the committed files
are what the generator writes, every config is listed, every entry points
to an existing config, and mim's loader (model-index) reads it."""
import os
import os.path as osp

import yaml

from mmmultimix.studies.metafile import metafile, readme, to_yaml

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
META = osp.join(ROOT, 'configs', 'multimix', 'metafile.yml')


def _configs():
    return {f'configs/{d}/{f}' for d in ('multimix', 'demo', 'detection')
            for f in os.listdir(osp.join(ROOT, 'configs', d))
            if f.endswith('.py')}


def test_committed_metafile_and_readme_are_generated():
    data = metafile()
    with open(META, encoding='utf-8') as f:
        assert f.read() == to_yaml(data), \
            'run python tools/analysis/make_metafile.py and commit'
    with open(osp.join(ROOT, 'configs', 'multimix', 'README.md'),
              encoding='utf-8') as f:
        assert f.read() == readme(data)


def test_every_config_is_listed_and_every_entry_exists():
    with open(META, encoding='utf-8') as f:
        data = yaml.safe_load(f)
    listed = [m['Config'] for m in data['Models']]
    assert len(listed) == len(set(listed))
    assert set(listed) == _configs()
    names = {c['Name'] for c in data['Collections']}
    for m in data['Models']:
        assert osp.isfile(osp.join(ROOT, m['Config']))
        assert m['In Collection'] in names
        assert m['Metadata']['Paper Table']
        for r in m.get('Results', []):
            assert osp.isfile(osp.join(ROOT, r['Source'].split(' ')[0]))
            assert 0 < r['Metrics']['Top 1 Accuracy'] <= 100
    # the paper's tables where the name says so
    by_name = {m['Name']: m['Metadata']['Paper Table'] for m in
               data['Models']}
    assert by_name['r18_cifar100_multimix'].startswith('Table 1')
    assert by_name['r18_cifar100_cutmix_denseloss_distil'].startswith(
        'Table 9')
    assert by_name['r18_cifar100_dense_attn-cam-softmax'].startswith(
        'Table 10')
    assert by_name['r50_imagenet_dense_distil'].startswith('Table 2')
    assert by_name['ssd300_r50_voc0712'].startswith('Table 4')


def test_model_index_loads_with_mims_reader():
    from modelindex.load_model_index import load
    mi = load(osp.join(ROOT, 'model-index.yml'))
    assert len(mi.models) == len(_configs())
    measured = [m for m in mi.models if m.results]
    assert {m.name for m in measured} >= {'digits_multimix',
                                          'fashion_multimix'}
