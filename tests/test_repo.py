"Repository hygiene: README mirrors nbs/index.ipynb, parameters cells keep their papermill tag."
import json, re
from conftest import ROOT

def _norm(s): return re.sub(r'\s+', ' ', s).strip()

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
