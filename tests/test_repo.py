"Repository hygiene: README mirrors nbs/index.ipynb, parameters cells keep their papermill tag."

import json, re
from conftest import ROOT


def _norm(s):
    return re.sub(r'\s+', ' ', s).strip()


def test_readme_is_rendered_from_index():
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    readme = _norm((ROOT / 'README.md').read_text())
    cells = [_norm(''.join(c['source'])) for c in nb['cells'] if c['cell_type'] == 'markdown']
    assert cells and all(c in readme for c in cells)


def test_experiment_notebooks_have_a_tagged_parameters_cell():
    for name in ('02_gan_l1', '03_gan_mse', '04_wgan', '05_compare'):
        nb = json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())
        tagged = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
        assert len(tagged) == 1, name
    assert 'allowed_cell_metadata_keys = tags' in (ROOT / 'settings.ini').read_text()


def test_exported_code_is_wrapped_at_120_characters():
    "fastai and nanoGPT wrap at 120; nbdev's own generated `__all__` and `_modidx.py` are left to nbdev."
    long = []
    for f in sorted((ROOT / 'colorgan_nb').glob('*.py')):
        if f.name == '_modidx.py':
            continue
        in_all = False
        for i, line in enumerate(f.read_text().splitlines(), 1):
            in_all = line.startswith('__all__') or (in_all and line.startswith(' '))
            if len(line) > 120 and not in_all:
                long.append(f'{f.name}:{i}')
    assert not long, long


def test_inference_modules_do_not_import_the_trainer():
    for name in ('colorize', 'cli', 'models', 'metrics', 'data'):
        text = (ROOT / 'colorgan_nb' / f'{name}.py').read_text()
        assert 'from .train' not in text and 'colorgan_nb.train' not in text, name
