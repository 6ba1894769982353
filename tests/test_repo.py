"""Repository hygiene: README mirrors nbs/index.ipynb, parameters cells keep their papermill tag, the Colab cells and
links follow settings.ini. Forks: set `git_url` and `branch` in settings.ini, then `python tests/test_repo.py` rewrites
every notebook's Colab cell and the Colab link in nbs/index.ipynb, and renders README.md from it."""

import configparser, json, os, re, subprocess, sys, types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT, user_env

COLAB = """# Colab: clone this repository and install it (a regular install: imports work at once, no restart); does nothing
# elsewhere. The URL comes from settings.ini (git_url); forks set it there and run `python tests/test_repo.py`.
import importlib, os, subprocess, sys

if 'google.colab' in sys.modules and not os.path.exists(_clone := '/content/colorgan_nb'):
    subprocess.run(['git', 'clone', '-q', '--depth', '1', '{git_url}', _clone], check=True)  # fmt: skip
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', _clone], check=True)
    importlib.invalidate_caches()
    os.chdir(f'{{_clone}}/nbs')"""
COLAB_LINK = re.compile(r'https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/nbs/')


def settings():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'settings.ini')
    return cfg['DEFAULT']


def colab_cell() -> str:
    return COLAB.format(git_url=settings()['git_url'])


def colab_link() -> str:
    s = settings()
    return f"https://colab.research.google.com/github/{s['git_url'].split('github.com/')[1]}/blob/{s['branch']}/nbs/"


def _notebooks():
    for f in sorted((ROOT / 'nbs').glob('*.ipynb')):
        yield f, json.loads(f.read_text())


def _src(c):
    return ''.join(c['source'])


def sync_colab():
    "Rewrite the Colab cells and links from settings.ini (for forks)."
    for f, nb in _notebooks():
        changed = False
        for c in nb['cells']:
            old = _src(c)
            new = colab_cell() if c['cell_type'] == 'code' and old.startswith('# Colab:') else COLAB_LINK.sub(colab_link(), old)
            if new != old:  # keep each cell's own layout (a string or a list of lines) unless it changes
                c['source'], changed = new if isinstance(c['source'], str) else new.splitlines(keepends=True), True
        if changed:
            f.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')


def render_readme() -> str:
    "README.md: the markdown cells of nbs/index.ipynb, one after another."
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    return '\n\n'.join(_src(c).strip() for c in nb['cells'] if c['cell_type'] == 'markdown') + '\n'


def test_readme_is_rendered_from_index():
    assert (ROOT / 'README.md').read_text() == render_readme(), 'run python tests/test_repo.py'



def test_readme_links_point_at_its_headings_and_files():
    "Every #anchor in README.md is one of its headings (GitHub's slugs), every relative link a file of the repository."
    text = (ROOT / 'README.md').read_text()
    slugs = {re.sub(r'[^\w\- ]', '', h.strip().lower()).replace(' ', '-') for h in re.findall(r'^#+ (.+)$', text, re.M)}
    links = re.findall(r'\]\(([^)\s]+)\)', text)
    anchors = [u[1:] for u in links if u.startswith('#')]
    assert len(anchors) >= 10 and set(anchors) <= slugs, set(anchors) - slugs
    files = [u.split('#')[0] for u in links if not u.startswith(('#', 'http://', 'https://'))]
    assert files and all((ROOT / f).exists() for f in files), [f for f in files if not (ROOT / f).exists()]


def test_experiment_notebooks_have_a_tagged_parameters_cell():
    for name in ('02_gan_l1', '03_gan_mse', '04_wgan', '05_compare'):
        nb = json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())
        tagged = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
        assert len(tagged) == 1, name
    assert 'allowed_cell_metadata_keys = tags' in (ROOT / 'settings.ini').read_text()


def test_03_and_04_declare_the_common_parameters_with_02s_defaults():
    """papermill warns "Passed unknown parameter" for any name a parameters cell does not declare (it infers them
    with `inspect_notebook`); `-p epochs 350` on 03/04 must not, and must mean what it means on 02."""
    import papermill as pm
    from colorgan_nb.config import DEFAULTS

    common = ('dataset', 'data_dir', 'image_size', 'batch_size', 'epochs', 'seed', 'device', 'out_dir', 'resume',
              'overwrite')  # fmt: skip
    p02 = pm.inspect_notebook(str(ROOT / 'nbs' / '02_gan_l1.ipynb'))
    for name in ('03_gan_mse', '04_wgan'):
        p = pm.inspect_notebook(str(ROOT / 'nbs' / f'{name}.ipynb'))
        assert set(common) <= set(p), (name, sorted(set(common) - set(p)))
        assert set(p) <= set(DEFAULTS), (name, sorted(set(p) - set(DEFAULTS)))
        assert all(p[k]['default'] == p02[k]['default'] for k in common), name


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
        indent = r' *' if name != 'cli' else ''  # the CLI imports the engine only inside `colorgan train` and `study`
        assert not re.search(rf'^{indent}(from|import)\s+(\.train|colorgan_nb\.train)\b', text, re.M), name


def test_colab_cells_and_links_follow_settings_ini():
    cells, links = 0, []
    for f, nb in _notebooks():
        colab = [_src(c) for c in nb['cells'] if c['cell_type'] == 'code' and _src(c).startswith('# Colab:')]
        assert colab == ([colab_cell()] if f.stem != 'index' else []), f'{f.name}: run python tests/test_repo.py'
        cells += len(colab)
        links += [m.group(0) for c in nb['cells'] for m in COLAB_LINK.finditer(_src(c))]
    assert cells >= 9 and links and set(links) == {colab_link()}


def test_colab_cell_installs_the_package_so_it_imports_without_a_restart(tmp_path):
    """Run the Colab cell as Colab would (google.colab imported), cloning this checkout instead of GitHub and installing
    into a fresh site folder (that is on sys.path from the start, like Colab's site-packages), then import."""
    site, clone = tmp_path / 'site', tmp_path / 'clone'
    site.mkdir()
    code = colab_cell().replace(settings()['git_url'], ROOT.as_uri()).replace('/content/colorgan_nb', str(clone))
    prog = (
        "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n" + code + "\n"
        "import colorgan_nb, colorgan_nb.colorize, os\nprint(colorgan_nb.__file__)\nprint(os.getcwd())"
    )
    env = {**user_env(), 'PYTHONPATH': str(site), 'PIP_TARGET': str(site), 'PIP_NO_DEPS': '1'}
    r = subprocess.run([sys.executable, '-c', prog], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    where, cwd = r.stdout.split()[-2:]
    assert where == str(site / 'colorgan_nb' / '__init__.py') and cwd == str(clone / 'nbs')


if __name__ == '__main__':
    sync_colab()
    (ROOT / 'README.md').write_text(render_readme())
    print('the Colab cells and links follow settings.ini; README.md is rendered from nbs/index.ipynb')
