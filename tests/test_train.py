"Training engine: exact resume, NaN stop, early errors, safe checkpoints, a loss that falls, metrics vs references."

import errno, hashlib, json, math, subprocess, sys
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio as sk_psnr, structural_similarity as sk_ssim

from colorgan_nb import train as T
from colorgan_nb.models import load_checkpoint, load_generator
from colorgan_nb.metrics import ciede2000, colorfulness, image_metrics
from conftest import ROOT, user_env

TINY = dict(
    dataset='sample',
    image_size=32,
    batch_size=4,
    base_channels=8,
    disc_channels=8,
    device='cpu',
    num_workers=0,
    max_steps=3,
    cache=True,
    n_grid=2,
    download=False,  # a test that names flowers102 or kaggle never reaches for the network
)


# the default-colorizer recipe at test size
TINY_DEFAULT = dict(preset='default_colorizer', image_size=32, cache_size=48, batch_size=4, pretrain_epochs=1, max_steps=2,
                    device='cpu')  # fmt: skip


def _weights(t):
    return {
        **{'g.' + k: v for k, v in t.gen.state_dict().items()},
        **{'d.' + k: v for k, v in t.disc.state_dict().items()},
    }


@pytest.mark.parametrize('preset', ['report_gan_l1', 'report_wgan_gp'])
def test_resume_gives_the_same_weights_as_a_straight_run(tmp_path, preset):
    straight = T.Trainer(T.make_config(preset, **TINY, epochs=2, out_dir=str(tmp_path / 'a')))
    straight.fit()
    first = T.Trainer(T.make_config(preset, **TINY, epochs=1, out_dir=str(tmp_path / 'b')))
    first.fit()
    resumed = T.Trainer(T.make_config(preset, **TINY, epochs=2, out_dir=str(tmp_path / 'b'), resume=True))
    assert resumed.epoch == 1 and len(resumed.history) == 1
    resumed.fit()
    a, b = _weights(straight), _weights(resumed)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    h = pd.read_csv(tmp_path / 'b' / 'history.csv')
    assert list(h.epoch) == [1, 2] and np.allclose(h.loss_g, pd.read_csv(tmp_path / 'a' / 'history.csv').loss_g)


def test_the_generator_trains_when_an_epoch_has_fewer_batches_than_n_critic(tmp_path, capsys):
    "n_critic counts critic steps across epochs: one batch per epoch and n_critic=2 give G a step every 2nd epoch."
    cfg = T.make_config('report_wgan_gp', **{**TINY, 'max_steps': 1}, epochs=4, n_critic=2, out_dir=str(tmp_path))
    t = T.Trainer(cfg)
    before = {k: p.detach().clone() for k, p in t.gen.named_parameters()}
    t.fit()
    h = pd.read_csv(tmp_path / 'history.csv')
    assert h.loss_g.isna().tolist() == [True, False, True, False] and h.loss_d.notna().all()
    last = load_checkpoint(tmp_path / 'last.pt')['generator']  # (t.gen ends as best.pt's weights)
    assert any(not torch.equal(before[k], last[k]) for k in before)  # it learned
    assert 'epoch 1/4: G -  D ' in capsys.readouterr().out  # no G step that epoch: '-', not 'nan'


def test_nan_loss_stops_with_epoch_and_step_and_keeps_the_checkpoint(tmp_path, monkeypatch):
    out = tmp_path / 'run'
    T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(out))).fit()
    digest = hashlib.sha256((out / 'last.pt').read_bytes()).hexdigest()
    real = T.Objective.g_loss

    def nan_g_loss(self, *a, **k):
        total, adv, rec = real(self, *a, **k)
        return total * float('nan'), adv, rec

    monkeypatch.setattr(T.Objective, 'g_loss', nan_g_loss)
    t = T.Trainer(T.make_config(**TINY, epochs=3, out_dir=str(out), resume=True))
    with pytest.raises(FloatingPointError, match=r'generator loss is nan at epoch 2, step 1'):
        t.fit()
    assert hashlib.sha256((out / 'last.pt').read_bytes()).hexdigest() == digest
    assert load_checkpoint(out / 'last.pt')['epoch'] == 1 and not (out / 'last.pt.tmp').exists()


@pytest.mark.parametrize(
    'bad, match',
    [
        (dict(preset='pix3pix'), 'valid presets'),
        (dict(generator='resnet'), 'generator='),
        (dict(lambda_adv=-0.5), 'lambda_adv'),
        (dict(image_size=48), 'image_size=48 does not fit generator'),
        (dict(dataset='imagenet'), 'dataset='),
        (dict(objective='wgan-gp', discriminator='vgg'), 'BatchNorm'),
        (dict(color_space='yuv'), 'color_space'),
        (dict(epochs=0), 'epochs'),
        (dict(n_critic=0), 'n_critic'),
        (dict(device='tpu'), 'device'),
        (dict(seed=-1), 'seed=-1: need an integer >= 0'),
        (dict(beta1=2.0), 'beta1=2.0: need a number in'),
    ],
)
def test_invalid_parameters_fail_before_training(tmp_path, bad, match):
    cfg = {**TINY, 'epochs': 1, 'out_dir': str(tmp_path / 'r'), **bad}
    with pytest.raises(ValueError, match=match):
        T.Trainer(cfg).fit()
    assert not (tmp_path / 'r' / 'last.pt').exists()


def test_missing_data_fails_before_training(tmp_path):
    with pytest.raises(FileNotFoundError, match='not found'):
        T.Trainer({**TINY, 'dataset': 'folder', 'data_dir': str(tmp_path / 'none'), 'out_dir': str(tmp_path / 'r')})
    with pytest.raises(FileNotFoundError, match='102flowers.tgz'):
        T.Trainer({**TINY, 'dataset': 'flowers102', 'data_dir': str(tmp_path), 'out_dir': str(tmp_path / 'r2')})


def test_an_existing_run_is_not_overwritten_by_accident(tmp_path):
    cfg = T.make_config(**TINY, epochs=1, out_dir=str(tmp_path))
    T.Trainer(cfg).fit()
    with pytest.raises(ValueError, match='already holds a run'):
        T.Trainer(cfg)
    T.Trainer({**cfg, 'overwrite': True})  # explicit replacement is allowed


def test_run_writes_everything_and_checkpoint_rebuilds_the_generator(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # display() publishes to a shell, as in a notebook
    run = T.run_experiment(**TINY, epochs=2, color_space='lab', out_dir=str(tmp_path))
    with capture_output() as shown:  # what a notebook shows, and what papermill --log-output prints of it
        T.show_run(run)
    plain = [o.data['text/plain'] for o in shown.outputs]
    assert plain[0].startswith(f'Run folder: {tmp_path}') and plain[1] == f"[image: {tmp_path / 'curves.png'}]"
    assert shown.outputs[1].data['image/png'] == (tmp_path / 'curves.png').read_bytes() and 'psnr' in plain[-1]
    m = json.loads((tmp_path / 'metrics.json').read_text())
    assert set(m['model']) >= {'psnr', 'ssim', 'mae', 'mse', 'ciede2000', 'colorfulness'} and set(
        m['gray_baseline']
    ) == set(m['model'])
    assert m['n_test_images'] == len(list((tmp_path / 'results').glob('*.png'))) == 3
    assert (
        len(list((tmp_path / 'grids').glob('epoch_*.png'))) == 2 and (tmp_path / 'curves.png').stat().st_size > 10_000
    )
    assert list(pd.read_csv(tmp_path / 'history.csv').columns[:2]) == ['epoch', 'phase']
    assert {'val_ciede2000', 'val_colorfulness'} <= set(pd.read_csv(tmp_path / 'history.csv').columns)
    gen, info = load_generator(tmp_path / 'best.pt')
    ck = load_checkpoint(tmp_path / 'best.pt')
    assert info['color_space'] == 'lab' and all(torch.equal(v, gen.state_dict()[k]) for k, v in ck['generator'].items())
    assert 'discriminator' not in ck and ck['model_args']['name'] == 'unet_vgg' and len(ck['train_files']) == 24
    assert m['select_by'] == 'ciede2000' and ck['val']['val_ciede2000'] == min(
        pd.read_csv(tmp_path / 'history.csv').val_ciede2000
    )
    splits = json.loads((tmp_path / 'splits.json').read_text())
    assert [len(splits[k]) for k in ('train', 'valid', 'test')] == [24, 3, 3]
    assert gen(torch.zeros(1, 1, 32, 32)).shape == (1, 2, 32, 32)


class Evil:
    def __reduce__(self):
        return (print, ('this ran',))


def test_untrusted_or_corrupt_checkpoints_are_refused(tmp_path):
    torch.save({'format': T.CKPT_FORMAT, 'config': {}, 'generator': Evil()}, tmp_path / 'evil.pt')
    with pytest.raises(ValueError, match='not a readable, trusted') as e:
        load_checkpoint(tmp_path / 'evil.pt')
    # says why in our words, and never passes on torch's advice to load with weights_only=False
    assert 'pickled Python objects (print)' in str(e.value) and 'weights_only' not in str(e.value)
    (tmp_path / 'junk.pt').write_bytes(b'\x00' * 100)
    with pytest.raises(ValueError, match='not a readable'):
        load_checkpoint(tmp_path / 'junk.pt')
    torch.save({'weights': torch.zeros(2)}, tmp_path / 'other.pt')
    with pytest.raises(ValueError, match='not a colorgan_nb checkpoint'):
        load_checkpoint(tmp_path / 'other.pt')
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / 'none.pt')


def test_reconstruction_loss_falls_on_a_tiny_overfit(tmp_path):
    run = T.run_experiment(
        **{**TINY, 'max_steps': None},
        max_items=4,
        epochs=30,
        pretrain_epochs=30,
        color_space='lab',
        lr=2e-3,
        out_dir=str(tmp_path),
        save_results=False,
    )
    rec = run.history.loss_rec.to_numpy()
    # Adam at lr 2e-3 on 4 photos (BatchNorm over a batch of 4) can jump back up for a few epochs: the test asks that
    # the loss reaches half its start within the last 10 epochs, whichever crops the seed draws
    assert rec[-10:].min() < 0.5 * rec[:3].mean(), rec
    assert (run.history.phase == 'pretrain').all() and run.history.loss_d.isna().all()


def test_metrics_match_references():
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.random((2, 3, 32, 32), dtype=np.float32))
    b = (a + 0.05 * torch.from_numpy(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))).clamp(0, 1)
    m = image_metrics(b, a, full=True)
    for i in range(2):
        x, y = a[i].permute(1, 2, 0).numpy(), b[i].permute(1, 2, 0).numpy()
        assert math.isclose(m['psnr'][i].item(), sk_psnr(x, y, data_range=1.0), rel_tol=1e-4)
        ref = sk_ssim(
            x, y, data_range=1.0, channel_axis=2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
        )
        assert abs(m['ssim'][i].item() - ref) < 0.02
        assert math.isclose(m['mae'][i].item(), float(np.abs(x - y).mean()), rel_tol=1e-4)
    red = torch.zeros(1, 3, 4, 4)
    red[:, 0] = 1
    assert math.isclose(colorfulness(red).item(), 0.3 * math.hypot(255, 127.5), rel_tol=1e-5)
    assert ciede2000(a, a).max() < 1e-4 and (ciede2000(b, a) > 0).all()


def test_ema_generator_is_validated_and_saved(tmp_path):
    "With ema > 0, best.pt holds the averaged weights, which differ from the raw generator's, and a resume restores them."
    t = T.Trainer(T.make_config(**TINY, epochs=2, ema=0.9, out_dir=str(tmp_path)))
    t.fit()
    best = load_checkpoint(tmp_path / 'best.pt')['generator']
    ema, raw = t.ema.module.state_dict(), t.gen.state_dict()
    assert any(not torch.equal(ema[k], raw[k]) for k in raw if raw[k].is_floating_point())
    last = load_checkpoint(tmp_path / 'last.pt')
    assert last['ema']['n_averaged'] > 0 and set(best) == set(raw)
    t2 = T.Trainer(T.make_config(**TINY, epochs=3, ema=0.9, out_dir=str(tmp_path), resume=True))
    assert all(torch.equal(v, t2.ema.state_dict()[k]) for k, v in last['ema'].items())


def test_same_seeded_command_gives_the_same_metrics(tmp_path):
    "Seeded CPU runs reproduce: two runs of one config write identical metrics.json figures."
    ms = [T.run_experiment(**TINY, epochs=2, ema=0.9, out_dir=str(tmp_path / n)).metrics for n in 'ab']
    assert ms[0]['model'] == ms[1]['model'] and ms[0]['best_epoch'] == ms[1]['best_epoch']


def test_several_folders_and_pretrained_generator_train(tmp_path):
    "The default-colorizer recipe runs end to end on two folders (tiny sizes), with multi-crop test metrics."
    from conftest import SAMPLE
    import os

    run = T.run_experiment(
        **TINY_DEFAULT,
        data_dir=os.pathsep.join([str(SAMPLE), str(SAMPLE)]),
        epochs=2,
        train_repeats=1,
        eval_crops=2,
        out_dir=str(tmp_path),
    )
    assert run.metrics['n_test_images'] == 2 * run.metrics['n_test_photos'] == 12
    assert load_checkpoint(tmp_path / 'best.pt')['model_args'] == dict(name='unet_effnet_lite0', out_channels=2)


def test_freeze_encoder_trains_the_decoder_only(tmp_path):
    from conftest import SAMPLE

    cfg = T.make_config(**TINY_DEFAULT, data_dir=str(SAMPLE), epochs=1, ema=0, eval_crops=1, freeze_encoder=True,
                        out_dir=str(tmp_path))  # fmt: skip
    t = T.Trainer(cfg)
    before = {
        k: v.clone() for k, v in t.gen.encoder.state_dict().items() if v.is_floating_point() and 'running' not in k
    }
    head = t.gen.head.weight.detach().clone()
    t.fit()
    assert all(torch.equal(v, t.gen.encoder.state_dict()[k]) for k, v in before.items())
    assert not torch.equal(head, t.gen.head.weight)
    with pytest.raises(ValueError, match='freeze_encoder'):
        T.make_config(freeze_encoder=True)  # unet_vgg has no pretrained encoder


# --- reliability: nothing saved is lost, no silent wrong run ----------------------------------------------------


def test_a_mistyped_papermill_parameter_stops_the_run_at_once(tmp_path):
    "papermill passes unknown names through; the cell after `parameters` refuses them, naming the closest key."
    out = tmp_path / 'run'
    r = subprocess.run(
        [sys.executable, '-m', 'papermill', str(ROOT / 'nbs' / '02_gan_l1.ipynb'), str(tmp_path / 'o.ipynb'),
         '-p', 'epoch', '3', '-p', 'out_dir', str(out)],
        capture_output=True, text=True, env=user_env(), cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert r.returncode != 0
    assert "unknown parameter 'epoch' (did you mean 'epochs'?)" in r.stderr, r.stderr[-2000:]
    nb = json.loads((tmp_path / 'o.ipynb').read_text())
    ran = [c for c in nb['cells'] if c['cell_type'] == 'code' and c.get('execution_count')]
    assert 'experiment_params(globals(), before=' in ''.join(ran[-1]['source'])  # the cell right after parameters
    assert not out.exists()


def test_nothing_in_the_run_folder_changes_before_the_run_is_valid(tmp_path):
    out = tmp_path / 'run'
    T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(out))).fit()
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(FileNotFoundError):  # overwrite with a missing data folder
        T.Trainer({**TINY, 'dataset': 'folder', 'data_dir': str(tmp_path / 'none'), 'out_dir': str(out), 'overwrite': True})
    with pytest.raises(ValueError, match='cannot resume'):  # resume with another architecture
        T.Trainer({**TINY, 'epochs': 2, 'base_channels': 16, 'out_dir': str(out), 'resume': True})
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    with pytest.raises(FileNotFoundError):  # missing Flowers-102
        T.Trainer({**TINY, 'dataset': 'flowers102', 'data_dir': str(tmp_path), 'out_dir': str(tmp_path / 'r2')})
    (tmp_path / 'kaggle' / 'l').mkdir(parents=True)  # a Kaggle folder without its ab files
    np.save(tmp_path / 'kaggle' / 'l' / 'gray_scale.npy', np.zeros((4, 24, 24), np.uint8))
    with pytest.raises((FileNotFoundError, ValueError)):
        T.Trainer({**TINY, 'dataset': 'kaggle', 'data_dir': str(tmp_path / 'kaggle'), 'out_dir': str(tmp_path / 'r3')})
    assert not (tmp_path / 'r2').exists() and not (tmp_path / 'r3').exists()


def test_nan_weights_after_a_finite_loss_are_not_saved(tmp_path, monkeypatch):
    out = tmp_path / 'run'
    T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(out))).fit()
    digests = {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in ('last.pt', 'best.pt', 'history.csv')}
    real = T.Trainer.train_epoch

    def poisoned(self):
        row = real(self)  # every loss of the epoch was finite
        next(self.gen.parameters()).data.fill_(float('nan'))
        return row

    monkeypatch.setattr(T.Trainer, 'train_epoch', poisoned)
    with pytest.raises(FloatingPointError, match=r'after epoch 2; stopping before anything of it is saved') as e:
        T.Trainer(T.make_config(**TINY, epochs=2, out_dir=str(out), resume=True)).fit()
    assert f"({out / 'last.pt'}, epoch 1) is intact" in str(e.value)
    assert {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in digests} == digests
    assert not (out / 'grids' / 'epoch_002.png').exists()


HOLD = """
import sys, time
from colorgan_nb import train as T
t = T.Trainer(T.make_config(**{cfg!r}))
t._prepare_out_dir()
print('holding', flush=True)
time.sleep(120)
"""


def test_a_run_folder_in_use_is_refused_and_a_killed_runs_lock_is_taken_over(tmp_path, caplog):
    cfg = dict(TINY, epochs=1, out_dir=str(tmp_path / 'run'))
    p = subprocess.Popen([sys.executable, '-c', HOLD.format(cfg=cfg)], stdout=subprocess.PIPE, text=True, env=user_env())
    try:
        assert p.stdout.readline().strip() == 'holding'
        with pytest.raises(T.RunLocked, match=rf'is in use by another run \(pid {p.pid} on'):
            T.Trainer({**cfg, 'overwrite': True}).fit()
        assert not (tmp_path / 'run' / 'last.pt').exists()
    finally:
        p.kill()  # SIGKILL: no cleanup runs, the .lock file stays behind
        p.wait()
    assert json.loads((tmp_path / 'run' / '.lock').read_text())['pid'] == p.pid
    with caplog.at_level('INFO', logger='colorgan_nb'):
        T.Trainer({**cfg, 'overwrite': True}).fit()
    assert f'stale lock of {tmp_path / "run"} (pid {p.pid}' in caplog.text
    assert (tmp_path / 'run' / 'metrics.json').exists() and not (tmp_path / 'run' / '.lock').exists()


def test_disk_full_while_saving_says_so_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / 'run'
    T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(out))).fit()
    digest = hashlib.sha256((out / 'last.pt').read_bytes()).hexdigest()
    real_save = torch.save

    def save_until_full(obj, f, *a, **k):
        if 'last.pt' in str(f):
            Path(f).write_bytes(b'half a checkpoint')
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, 'save', save_until_full)
    with pytest.raises(OSError, match=r'no space left on device while writing .*last\.pt; the partial file was removed'):
        T.Trainer(T.make_config(**TINY, epochs=2, out_dir=str(out), resume=True)).fit()
    assert hashlib.sha256((out / 'last.pt').read_bytes()).hexdigest() == digest
    assert not [p.name for p in out.iterdir() if p.name.endswith('.tmp')] and not (out / '.lock').exists()


def test_resuming_a_finished_run_sets_its_metrics_aside(tmp_path):
    out = tmp_path / 'run'
    T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(out))).fit()
    first = (out / 'metrics.json').read_text()
    t = T.Trainer(T.make_config(**TINY, epochs=2, out_dir=str(out), resume=True))
    assert not (out / 'metrics.json').exists() and (out / 'metrics_epoch001.json').read_text() == first
    t.fit()
    assert json.loads((out / 'metrics.json').read_text())['epochs_trained'] == 2


def test_a_run_killed_with_sigkill_resumes_to_the_same_weights(tmp_path):
    "kill -9 in the middle of an epoch (batches cut by CachedBatches, losses kept on the device), then resume."
    import signal, time

    cfg = dict(TINY, epochs=12, max_steps=None, max_items=8, train_repeats=6, ema=0.9)  # the kill lands mid-run
    straight = T.Trainer(T.make_config(**cfg, out_dir=str(tmp_path / 'a')))
    straight.fit()
    out = tmp_path / 'b'
    args = [a for k, v in {**cfg, 'out_dir': str(out)}.items() for a in ('-p', k, json.dumps(v))]
    p = subprocess.Popen([sys.executable, '-m', 'colorgan_nb.train', *args], env=user_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (out / 'history.csv').exists():
            time.sleep(0.02)
        time.sleep(0.3)  # into a later epoch
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    saved = load_checkpoint(out / 'last.pt')['epoch']
    assert 1 <= saved < 12, saved  # killed part-way through the run
    resumed = T.Trainer(T.make_config(**cfg, out_dir=str(out), resume=True))
    resumed.fit()
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    ea, eb = straight.ema.state_dict(), resumed.ema.state_dict()
    assert all(torch.equal(ea[k], eb[k]) for k in ea)


def test_compile_trains_on_the_cpu_leaves_its_compiling_epoch_out_of_the_eta_and_resumes(tmp_path, capsys):
    """compile=True (torch.compile of generator and discriminator) works on the CPU too: the run trains, its first
    epoch is marked as compiling and left out of the ETA (it would put hours on a long run), the checkpoints hold the
    plain networks' weights (no `_orig_mod.` keys), best.pt colorizes, and the run resumes compiled."""
    import re
    from torch._dynamo.eval_frame import OptimizedModule

    cfg = {**TINY, 'preset': 'dcgan_lab', 'compile': True, 'out_dir': str(tmp_path)}
    t = T.Trainer(T.make_config(**cfg, epochs=2))
    t.fit()
    assert isinstance(t.g_train, OptimizedModule) and isinstance(t.d_adv, OptimizedModule)
    lines = [s for s in capsys.readouterr().out.splitlines() if s.startswith('epoch ')]
    assert 'incl. compiling' in lines[0] and 'incl. compiling' not in lines[1]
    first = float(re.search(r'\((\d+\.\d)s', lines[0])[1])
    m, s = map(int, re.search(r'ETA (\d+):(\d+)\)', lines[1]).groups())
    assert 60 * m + s < first / 2  # the ETA after epoch 2 comes from epoch 2 alone, not the compiling epoch 1
    state = load_checkpoint(tmp_path / 'last.pt')
    assert not [k for sd in (state['generator'], state['discriminator']) for k in sd if '_orig_mod' in k]
    gen, info = load_generator(tmp_path / 'best.pt')
    assert gen(torch.zeros(1, 1, 32, 32)).shape[1] == 2
    T.Trainer(T.make_config(**cfg, epochs=3, resume=True)).fit()
    assert len(pd.read_csv(tmp_path / 'history.csv')) == 3
