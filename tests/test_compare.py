"Colorize (API and CLI), evaluate, the comparison report and the study command."
import json, os, shutil, subprocess, sys
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from colorgan_nb.compare import Colorizer, colorize_files, conclusions, main, render_report
from colorgan_nb.data import read_rgb, rgb_to_lab
from colorgan_nb.train import TEST_OVERRIDES, run_experiment
from conftest import SAMPLE

def _env():
    "The environment a user has: the venv's bin first on PATH, no IN_TEST."
    env = {k: v for k, v in os.environ.items() if k != 'IN_TEST'}
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    return env

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "Three tiny finished experiments (one per objective), as the notebooks make them under nbdev_test."
    root = tmp_path_factory.mktemp('runs')
    return [run_experiment(preset=p, **{**TEST_OVERRIDES, 'epochs': 1, 'out_dir': str(root / n)}).out_dir
            for p, n in (('report_gan_l1', 'gan_l1'), ('report_gan_mse', 'gan_mse'), ('report_wgan_gp', 'wgan_gp'))]

@pytest.fixture(scope='module')
def lab_ckpt(tmp_path_factory):
    d = tmp_path_factory.mktemp('lab')
    return run_experiment(**{**TEST_OVERRIDES, 'epochs': 1, 'color_space': 'lab', 'out_dir': str(d)}).out_dir / 'best.pt'

def _two_megapixel(path):
    "A 2-megapixel, EXIF-rotated JPEG made from a real photo (the shared photos are at most 1024 px)."
    im = Image.open(SAMPLE / 'greenmeadow.jpg').convert('RGB').resize((1732, 1155), Image.LANCZOS)
    exif = Image.Exif(); exif[0x0112] = 6
    im.save(path, quality=92, exif=exif)
    return path

def _L(rgb_u8): return rgb_to_lab(rgb_u8.float()[None] / 255)[0, 0]

@pytest.mark.parametrize('which', ['lab', 'rgb'])
def test_colorize_keeps_full_resolution_and_lightness(tmp_path, which, runs, lab_ckpt):
    ckpt = lab_ckpt if which == 'lab' else runs[0] / 'best.pt'
    src_path = _two_megapixel(tmp_path / 'big.jpg')
    assert main(['colorize', str(src_path), '--checkpoint', str(ckpt), '--out', str(tmp_path / 'out'), '--device', 'cpu']) == 0
    src, out = read_rgb(src_path), read_rgb(tmp_path / 'out' / 'big.png')
    assert src.shape == out.shape == (3, 1732, 1155)            # EXIF applied, full size kept
    dL = (_L(out) - _L(src)).abs()
    assert dL.max() < 0.5 and dL.mean() < 0.15, (dL.max(), dL.mean())   # only 8-bit rounding and gamut clipping

def test_colorize_api_accepts_paths_pil_and_arrays(lab_ckpt):
    cz = Colorizer(lab_ckpt, device='cpu')
    p = SAMPLE / 'ladybird.jpg'
    a, b = cz(p), cz(Image.open(p))
    gray = np.array(Image.open(p).convert('L'))
    c = cz(gray)                                                  # grayscale input works too, and keeps its own L
    assert a.size == b.size == c.size == Image.open(p).size and np.array_equal(np.asarray(a), np.asarray(b))
    dL = (_L(torch.from_numpy(np.array(c)).permute(2, 0, 1)) - _L(torch.from_numpy(np.repeat(gray[None], 3, 0)))).abs()
    assert dL.max() < 0.5

def test_colorize_folder_skips_bad_files_and_keeps_existing(tmp_path, lab_ckpt, capsys):
    src = tmp_path / 'in'; (src / 'sub').mkdir(parents=True)
    for n in ('storm.jpg', 'aqua.jpg'): shutil.copy(SAMPLE / n, src / n)
    shutil.copy(SAMPLE / 'wood.jpg', src / 'sub' / 'wood.jpg')
    (src / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'out'
    assert main(['colorize', str(src), '--checkpoint', str(lab_ckpt), '--out', str(out), '--device', 'cpu']) == 1
    assert 'failed 1' in capsys.readouterr().out
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == ['in/aqua.png', 'in/storm.png', 'in/sub/wood.png']
    (out / 'in' / 'aqua.png').write_bytes(b'keep me')
    res = colorize_files([src / 'aqua.jpg'], lab_ckpt, out / 'in', device='cpu', progress=False)
    assert res['exists'] == 1 and (out / 'in' / 'aqua.png').read_bytes() == b'keep me'
    res = colorize_files([src / 'aqua.jpg'], lab_ckpt, out / 'in', overwrite=True, device='cpu', progress=False)
    assert res['written'] == 1 and Image.open(out / 'in' / 'aqua.png').size == Image.open(src / 'aqua.jpg').size

def test_bad_checkpoint_is_a_clear_cli_error(tmp_path, capsys):
    (tmp_path / 'x.pt').write_bytes(b'junk')
    assert main(['colorize', str(SAMPLE / 'storm.jpg'), '--checkpoint', str(tmp_path / 'x.pt'), '--out', str(tmp_path)]) == 2
    assert 'not a readable, trusted colorgan_nb checkpoint' in capsys.readouterr().err

def test_evaluate_prints_both_baselines(tmp_path, lab_ckpt):
    data = tmp_path / 'photos'; data.mkdir()
    for n in ('storm.jpg', 'aqua.jpg', 'flower.jpg', 'dune.jpg'): shutil.copy(SAMPLE / n, data / n)
    Image.open(SAMPLE / 'wood.jpg').convert('L').save(data / 'gray.jpg')
    r = subprocess.run(['colorgan', 'evaluate', '--checkpoint', str(lab_ckpt), '--data', str(data), '--json', str(tmp_path / 'e.json'),
                        '--device', 'cpu'], capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    for word in ('model_res', 'full_res', 'model', 'gray', 'mean_ab', 'psnr', 'ciede2000', 'colorfulness_gap', 'lpips: skipped'):
        assert word in r.stdout, word
    res = json.loads((tmp_path / 'e.json').read_text())
    assert res['n_images'] == 4 and res['skipped'] == {'grayscale': 1}
    for resn in ('model_res', 'full_res'):
        assert res[resn]['gray']['colorfulness'] < 1 and res[resn]['mean_ab']['colorfulness'] > res[resn]['gray']['colorfulness']
        assert all(np.isfinite(v) for m in res[resn].values() for v in m.values())

def test_report_has_every_section_and_experiment(tmp_path, runs):
    rep = render_report(runs, tmp_path, n_images=3)
    assert {'GAN-L1', 'GAN-MSE', 'WGAN-GP', 'gray baseline'} == set(rep['table'].index)
    md = rep['md'].read_text()
    for h in ('## Test metrics', '## Conclusion', '## Curves', '## Side by side', '## Time and hardware', '## Setup'): assert h in md
    assert (tmp_path / 'compare_files' / 'grid.png').exists() and (tmp_path / 'compare_files' / 'curves.png').exists()
    html = rep['html'].read_text()
    assert html.count('data:image/png;base64,') == 2 and '<table>' in html and 'compare_files/' not in html.split('<body>')[1].split('Folders')[0]
    assert Image.open(tmp_path / 'compare_files' / 'grid.png').size[1] > 300

def test_conclusion_is_computed_from_the_numbers():
    df = pd.DataFrame({'psnr': [22.0, 21.5, 20.0, 23.0], 'ssim': [0.9, 0.92, 0.8, 0.95], 'mae': [0.05, 0.06, 0.07, 0.04],
                       'mse': [0.01, 0.011, 0.012, 0.009], 'ciede2000': [8.0, 7.5, 9.0, 10.0], 'colorfulness': [20, 25, 30, 0],
                       'colorfulness_gap': [10, 5, 1, 30]}, index=['GAN-L1', 'GAN-MSE', 'WGAN-GP', 'gray baseline'])
    c = conclusions(df)
    assert c[1].startswith('**PSNR**: GAN-L1 is best (22, 0.5 above GAN-MSE; the gray baseline has 23, which it does not beat)')
    assert 'WGAN-GP is best' in next(s for s in c if s.startswith('**colorfulness_gap**'))
    assert 'GAN-MSE is best (7.5, 0.5 below GAN-L1' in next(s for s in c if s.startswith('**ciede2000**'))

def test_study_command_runs_three_experiments_and_the_report(tmp_path):
    cmd = ['colorgan', 'study', '--out-root', str(tmp_path)]
    for k, v in dict(dataset='sample', image_size=64, epochs=1, base_channels=8, disc_channels=8, device='cpu', num_workers=0,
                     cache=True, max_steps=2, batch_size=8).items(): cmd += ['-p', k, str(v)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ('gan_l1', 'gan_mse', 'wgan_gp'):
        d = tmp_path / name
        assert (d / 'executed.ipynb').exists() and (d / 'metrics.json').exists() and (d / 'last.pt').exists()
        assert json.loads((d / 'metrics.json').read_text())['config']['epochs'] == 1
    assert (tmp_path / 'compare.html').exists() and 'WGAN-GP' in (tmp_path / 'compare.md').read_text()

def test_cli_version_and_help():
    r = subprocess.run(['colorgan', '--version'], capture_output=True, text=True, env=_env())
    assert r.returncode == 0 and r.stdout.startswith('colorgan_nb ')
    r = subprocess.run(['colorgan', '--help'], capture_output=True, text=True, env=_env())
    assert r.returncode == 0 and all(w in r.stdout for w in ('colorize', 'evaluate', 'study'))

def test_fit_gamut_keeps_lightness_and_hue():
    from colorgan_nb.compare import fit_gamut
    from colorgan_nb.data import lab_to_rgb
    L = rgb_to_lab(read_rgb(SAMPLE / 'storm.jpg').float()[None] / 255)[:, :1]
    ab = torch.randn(1, 2, *L.shape[-2:]) * 90                    # mostly far outside sRGB
    fitted = fit_gamut(L, ab)
    scale = fitted.norm(dim=1) / ab.norm(dim=1).clamp_min(1e-6)
    assert (scale <= 1 + 1e-6).all() and scale.min() < 0.5        # only ever desaturated, and here often
    cos = (fitted * ab).sum(1) / (fitted.norm(dim=1) * ab.norm(dim=1)).clamp_min(1e-6)
    assert cos[fitted.norm(dim=1) > 1].min() > 0.999                # same hue
    back = rgb_to_lab(lab_to_rgb(torch.cat([L, fitted], 1)))
    assert (back[:, :1] - L).abs().max() < 0.1                      # same lightness after the trip through sRGB
