"The study's statistics, its report and the study command."

import json, subprocess, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from colorgan_nb.compare import (
    ConstantAB,
    bootstrap_ci,
    mean_ab,
    paired_differences,
    photo_scores,
    render_report,
    score_baselines,
    study_conclusions,
    study_scores,
    study_tables,
    load_run,
)
from colorgan_nb.train import TEST_OVERRIDES, build_dataloaders, make_config, run_experiment
from conftest import user_env

TINY = {**TEST_OVERRIDES, 'epochs': 1, 'eval_crops': 2, 'split_seed': 42}
PRESETS = (('report_gan_l1', 'gan_l1'), ('report_gan_mse', 'gan_mse'), ('report_wgan_gp', 'wgan_gp'))


@pytest.fixture(scope='module')
def study(tmp_path_factory):
    "A tiny study as the notebook makes it under nbdev_test: three objectives x two seeds, one split, the baselines."
    root = tmp_path_factory.mktemp('study')
    runs = [
        run_experiment(preset=p, seed=s, **{**TINY, 'out_dir': str(root / f'{n}_seed{s}')}).out_dir
        for p, n in PRESETS
        for s in (1, 2)
    ]
    score_baselines({k: v for k, v in TINY.items() if k != 'overwrite'}, root / 'baselines')
    return runs, root / 'baselines'


def test_every_test_image_is_scored_and_the_means_are_metrics_json(study):
    for d in study[0]:
        run = load_run(d)
        m, img = run['metrics'], run['images']
        assert len(img) == 2 * m['n_test_images'] and set(img['method']) == {'model', 'gray'}
        assert img.groupby('photo')['crop'].nunique().eq(2).all()  # eval_crops fixed crops of every photo
        for method, key in (('model', 'model'), ('gray', 'gray_baseline')):
            assert abs(img[img['method'] == method]['psnr'].mean() - m[key]['psnr']) < 1e-4


def test_a_damaged_run_file_is_named_not_a_traceback(tmp_path, study):
    """A truncated metrics.json or an empty history.csv (a copy cut short, a hand edit): load_run says which file,
    as a ValueError the CLI prints in one line."""
    import shutil

    run = tmp_path / 'run'
    shutil.copytree(study[0][0], run)
    text = (run / 'metrics.json').read_text()
    (run / 'metrics.json').write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match='metrics.json cannot be read'):
        load_run(run)
    (run / 'metrics.json').write_text(json.dumps({'no': 'config'}))
    with pytest.raises(ValueError, match='metrics.json cannot be read'):
        load_run(run)
    (run / 'metrics.json').write_text(text)
    (run / 'history.csv').write_text('')
    with pytest.raises(ValueError, match='history.csv cannot be read'):
        load_run(run)


def test_report_has_every_section_intervals_and_differences(tmp_path, study):
    rep = render_report(study[0], tmp_path, n_images=3, baselines_dir=study[1], n_boot=500)
    md = rep['md'].read_text()
    for h in ('## Conclusion', '## Scores', '## Paired differences', '## Side by side', '## Curves', '## Setup'):
        assert h in md
    s = rep['summary']['ciede2000']
    assert list(s.index) == ['GAN-L1', 'GAN-MSE', 'WGAN-GP', 'gray input', 'mean ab']
    assert (s.loc[['GAN-L1', 'GAN-MSE', 'WGAN-GP'], 'seeds'] == 2).all() and s.loc['mean ab', 'seeds'] == 1
    assert ((s['lo'] <= s['mean']) & (s['mean'] <= s['hi'])).all()
    assert 'GAN-L1 − GAN-MSE' in rep['differences']['psnr'].index and 'WGAN-GP − mean ab' in md
    per = pd.read_csv(tmp_path / 'compare_files' / 'per_photo.csv')
    n_photos = per['photo'].nunique()
    assert len(per) == (3 * 2 + 2) * n_photos  # every method, seed and photo
    body = rep['html'].read_text().split('<body')[1]
    assert body.count('data:image/png;base64,') == 3 and '<table' in body  # intervals, grid, curves embedded
    assert 'No description has been provided' not in body  # nbconvert's stand-in where an image has no alt text
    assert 'alt="Test photos: the gray input, each method and the original' in body and '](compare_files/grid.png)' in md
    grid = Image.open(tmp_path / 'compare_files' / 'grid.png')
    assert abs(grid.size[0] / grid.size[1] - 6 / 3) < 0.1  # 3 photos x (gray | 3 objectives | mean ab | original)


def test_intervals_and_conclusions_follow_the_data():
    rng = np.random.default_rng(1)
    base = rng.normal(15, 4, (1, 40))  # ΔE per photo; photos differ much more than the methods
    noise = lambda s: rng.normal(0, 0.1, (3, 40)) + rng.normal(0, 0.05, (3, 1))  # per photo and per seed
    scores = {k: {'A': base - 2 + noise(0), 'B': base + noise(1), 'C': base + noise(2), 'gray input': base + 3}
              for k in ('psnr', 'ssim', 'ciede2000', 'colorfulness_gap')}  # fmt: skip
    summary, diffs = study_tables(scores, ['A', 'B', 'C'], ['gray input'], n_boot=1000)
    text = '\n'.join(study_conclusions(diffs, ['A', 'B', 'C'], ['gray input']))
    assert '**CIEDE2000 ΔE**: A is best' in text and 'A beats B on CIEDE2000 ΔE by 2' in text
    assert 'B and C: no clear difference on CIEDE2000 ΔE' in text  # equal methods are not ranked
    assert '**PSNR dB**: no objective is clearly best' in text  # higher PSNR is better, so A (lower) loses
    assert 'A against the gray input: better on CIEDE2000 ΔE, colorfulness gap; worse on PSNR dB, SSIM.' in text
    d = diffs['ciede2000'].loc['A − B']
    assert d['lo'] < -2 < d['hi'] < 0 and d['hi'] - d['lo'] < 0.3  # paired: the photos' spread (4) cancels


def test_nested_bootstrap_widens_with_seed_disagreement():
    x = np.random.default_rng(0).normal(0, 1, (1, 200))
    one = bootstrap_ci({'m': x}, n_boot=2000).loc['m']
    spread = bootstrap_ci({'m': x + np.array([[-0.5], [0.0], [0.5]])}, n_boot=2000).loc['m']
    assert abs((one['hi'] - one['lo']) / 2 - 1.96 * x.std() / np.sqrt(200)) < 0.02
    assert spread['hi'] - spread['lo'] > 1.5 * (one['hi'] - one['lo'])
    d = paired_differences({'a': x, 'b': x}, [('a', 'b')], n_boot=200).loc['a − b']
    assert d['diff'] == 0 and d['lo'] == 0 == d['hi']  # identical methods: exactly no difference


def test_runs_on_other_test_photos_are_refused(tmp_path, study):
    other = run_experiment(preset='report_gan_l1', seed=3, **{**TINY, 'split_seed': None, 'out_dir': str(tmp_path)})
    runs = [load_run(d) for d in study[0][:1]] + [load_run(other.out_dir)]
    assert set(photo_scores(runs[0]['images']).index) != set(photo_scores(runs[1]['images']).index)
    with pytest.raises(ValueError, match='other test photos'):
        study_scores(runs)


def test_mean_ab_baseline_is_the_training_photos_mean(study):
    dls = build_dataloaders(make_config(**{**TINY, 'color_space': 'lab'}))
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the same random crops as mean_ab draws
        ab = torch.stack([dls.train.dataset[i][1] for i in range(len(dls.train.dataset))])
    expected = ab.double().mean((0, 2, 3)).float()
    assert torch.allclose(mean_ab(dls.train.dataset), expected, atol=1e-6)
    assert torch.equal(mean_ab(dls.train.dataset), mean_ab(dls.train.dataset))  # the baseline is reproducible
    gray = next(iter(dls.test))[0]
    out = ConstantAB(expected)(gray)
    assert out.shape == (len(gray), 2, *gray.shape[2:]) and torch.equal(out[3, :, 5, 7], expected)
    img = pd.read_csv(study[1] / 'test_images.csv')
    assert set(img['method']) == {'gray', 'mean_ab'}  # the default model trained on the sample photos: left out


def _study(tmp_path, *extra, seeds=('1', '2')):
    cmd = ['colorgan', 'study', '--out-root', str(tmp_path), '--seeds', *seeds]
    for k, v in dict(dataset='sample', image_size=64, epochs=1, base_channels=8, disc_channels=8, device='cpu',
                     num_workers=0, cache=True, max_steps=2, batch_size=8, eval_crops=2).items():  # fmt: skip
        cmd += ['-p', k, str(v)]
    return subprocess.run(cmd + list(extra), capture_output=True, text=True, env=user_env(), timeout=900)


def test_ctrl_c_in_a_study_says_which_run_and_how_to_go_on(tmp_path, monkeypatch, capsys):
    import papermill

    from colorgan_nb.cli import main

    def interrupted(*a, **kw):  # Ctrl-C while the first experiment runs
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, 'execute_notebook', interrupted)
    code = main(['study', '--out-root', str(tmp_path), '--seeds', '1', '-p', 'dataset', 'sample', '-p', 'epochs', '1'])
    err = capsys.readouterr().err
    assert code == 130 and 'interrupted in run 1 of 3 (gan_l1_seed1); 0 finished runs are kept' in err, err
    assert 'run the same command again' in err


def _study_in_its_second_epoch(tmp_path) -> tuple[subprocess.Popen, Path]:
    """A real `colorgan study` (its output in tmp_path/log.txt) once its first run has reached epoch 2, with SIGINT at
    its default, as a terminal starts it (background shells start children with it ignored)."""
    import signal

    cmd = ['colorgan', 'study', '--out-root', str(tmp_path), '--seeds', '1']
    for k, v in dict(dataset='sample', image_size=32, epochs=30, batch_size=8, num_workers=0).items():
        cmd += ['-p', k, str(v)]
    log = tmp_path / 'log.txt'
    with open(log, 'w') as f:  # the child keeps its own copy of the file
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=user_env(),
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    t = time.time()
    while 'epoch 2/30' not in log.read_text() and time.time() - t < 300 and p.poll() is None:
        time.sleep(0.2)
    return p, log


def test_a_real_ctrl_c_in_a_study_prints_one_line_and_keeps_the_saved_epoch(tmp_path):
    "SIGINT as a terminal sends it, during the first run's second epoch: our line only (no kernel traceback), exit 130."
    import signal

    p, log = _study_in_its_second_epoch(tmp_path)
    p.send_signal(signal.SIGINT)
    assert p.wait(120) == 130
    out = log.read_text()
    assert 'interrupted in run 1 of 3 (gan_l1_seed1)' in out and 'Traceback' not in out, out[-3000:]
    assert (tmp_path / 'study' / 'gan_l1_seed1' / 'last.pt').exists()


def test_a_study_whose_kernel_dies_says_so_in_one_line_and_keeps_the_saved_epoch(tmp_path):
    "The kernel killed from outside (as the OOM killer does) in the first run: one line, exit 1, last.pt kept."
    import os, signal

    p, log = _study_in_its_second_epoch(tmp_path)
    kernels = subprocess.run(['pgrep', '-P', str(p.pid)], capture_output=True, text=True).stdout.split()
    assert kernels, 'no kernel process found'
    for k in kernels:
        os.kill(int(k), signal.SIGKILL)
    assert p.wait(120) == 1
    out = log.read_text()
    assert 'run 1 of 3 (gan_l1_seed1) stopped: its kernel died' in out and 'Traceback' not in out, out[-3000:]
    assert (tmp_path / 'study' / 'gan_l1_seed1' / 'last.pt').exists()


def test_study_command_trains_every_seed_renders_the_report_and_resumes(tmp_path):
    r = _study(tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    log = r.stdout + r.stderr  # no false alarms: 03 and 04 get every parameter, the kernel runs on this machine
    assert 'Passed unknown parameter' not in log and 'without encryption' not in log, log[-3000:]
    for name in ('gan_l1', 'gan_mse', 'wgan_gp'):
        for s in (1, 2):
            d = tmp_path / 'study' / f'{name}_seed{s}'
            cfg = json.loads((d / 'metrics.json').read_text())['config']
            assert cfg['seed'] == s and cfg['split_seed'] == 42 and (d / 'test_images.csv').exists()
    assert (tmp_path / 'study' / 'baselines' / 'test_images.csv').exists()
    md = (tmp_path / 'compare.md').read_text()
    assert 'seeds 1, 2' in md and '## Paired differences' in md and (tmp_path / 'compare.html').exists()
    stamp = (tmp_path / 'study' / 'gan_l1_seed1' / 'last.pt').stat().st_mtime_ns
    t = time.time()
    again = _study(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count('finished earlier, skipped') == 6  # resumable: nothing retrained
    assert (tmp_path / 'study' / 'gan_l1_seed1' / 'last.pt').stat().st_mtime_ns == stamp
    changed = _study(tmp_path, '-p', 'lambda_rec', '0.5')
    assert changed.returncode == 2 and 'holds a finished run with other parameters' in changed.stderr
    assert (tmp_path / 'study' / 'gan_l1_seed1' / 'last.pt').stat().st_mtime_ns == stamp
    assert _study(tmp_path, '-p', 'seed', '3').returncode == 2  # the study sets the seeds itself
