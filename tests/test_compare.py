"The comparison report and the study command."

import json, subprocess
import pandas as pd
import pytest
from PIL import Image

from colorgan_nb.compare import conclusions, render_report
from colorgan_nb.train import TEST_OVERRIDES, run_experiment
from conftest import user_env


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "Three tiny finished experiments (one per objective), as the notebooks make them under nbdev_test."
    root = tmp_path_factory.mktemp('runs')
    return [
        run_experiment(preset=p, **{**TEST_OVERRIDES, 'epochs': 1, 'out_dir': str(root / n)}).out_dir
        for p, n in (('report_gan_l1', 'gan_l1'), ('report_gan_mse', 'gan_mse'), ('report_wgan_gp', 'wgan_gp'))
    ]


def test_report_has_every_section_and_experiment(tmp_path, runs):
    rep = render_report(runs, tmp_path, n_images=3)
    assert {'GAN-L1', 'GAN-MSE', 'WGAN-GP', 'gray baseline'} == set(rep['table'].index)
    md = rep['md'].read_text()
    for h in ('## Test metrics', '## Conclusion', '## Curves', '## Side by side', '## Time and hardware', '## Setup'):
        assert h in md
    assert (tmp_path / 'compare_files' / 'grid.png').exists() and (tmp_path / 'compare_files' / 'curves.png').exists()
    assert '![curves](compare_files/curves.png)' in md and '| GAN-L1 ' in md  # Markdown tables, linked figures
    html = rep['html'].read_text()
    body = html.split('<body')[1]
    assert body.count('data:image/png;base64,') == 2 and '<table' in body  # both figures embedded, tables as HTML
    assert 'compare_files/' not in body.split('Folders')[0] and 'max-width:1200px' in html
    assert Image.open(tmp_path / 'compare_files' / 'grid.png').size[1] > 300


def test_conclusion_is_computed_from_the_numbers():
    df = pd.DataFrame(
        {
            'psnr': [22.0, 21.5, 20.0, 23.0],
            'ssim': [0.9, 0.92, 0.8, 0.95],
            'mae': [0.05, 0.06, 0.07, 0.04],
            'mse': [0.01, 0.011, 0.012, 0.009],
            'ciede2000': [8.0, 7.5, 9.0, 10.0],
            'colorfulness': [20, 25, 30, 0],
            'colorfulness_gap': [10, 5, 1, 30],
        },
        index=['GAN-L1', 'GAN-MSE', 'WGAN-GP', 'gray baseline'],
    )
    c = conclusions(df)
    assert c[1].startswith(
        '**PSNR**: GAN-L1 is best (22, 0.5 above GAN-MSE; the gray baseline has 23, which it does not beat)'
    )
    assert 'WGAN-GP is best' in next(s for s in c if s.startswith('**colorfulness_gap**'))
    assert 'GAN-MSE is best (7.5, 0.5 below GAN-L1' in next(s for s in c if s.startswith('**ciede2000**'))


def test_study_command_runs_three_experiments_and_the_report(tmp_path):
    cmd = ['colorgan', 'study', '--out-root', str(tmp_path)]
    for k, v in dict(
        dataset='sample',
        image_size=64,
        epochs=1,
        base_channels=8,
        disc_channels=8,
        device='cpu',
        num_workers=0,
        cache=True,
        max_steps=2,
        batch_size=8,
    ).items():
        cmd += ['-p', k, str(v)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=user_env(), timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ('gan_l1', 'gan_mse', 'wgan_gp'):
        d = tmp_path / name
        assert (d / 'executed.ipynb').exists() and (d / 'metrics.json').exists() and (d / 'last.pt').exists()
        assert json.loads((d / 'metrics.json').read_text())['config']['epochs'] == 1
    assert (tmp_path / 'compare.html').exists() and 'WGAN-GP' in (tmp_path / 'compare.md').read_text()
