"""Training in several processes: `torchrun --nproc_per_node 2` with the gloo backend on the CPU, through the same
engine and the `colorgan train` command: a tiny run finishes, its validation is that of one process, its checkpoint
resumes in one process, and kill -9 of one process stops the job with the last checkpoint intact."""

import json, os, signal, subprocess, sys, time
import pytest
import torch

from colorgan_nb import train as T
from colorgan_nb.models import load_checkpoint
from conftest import user_env
from test_train import TINY  # every call below sets its own batch_size


def torchrun(params: dict, n: int = 2, **kw) -> subprocess.Popen:
    args = [x for k, v in params.items() for x in ('-p', k, json.dumps(v) if not isinstance(v, str) else v)]
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(n), '-m', 'colorgan_nb.cli', 'train']
    return subprocess.Popen(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=user_env(), **kw)


def children(pid: int) -> list[int]:
    "The pids whose parent is `pid` (Linux /proc)."
    out = []
    for d in filter(str.isdigit, os.listdir('/proc')):
        try:
            stat = open(f'/proc/{d}/stat').read()
        except OSError:
            continue
        if int(stat.rsplit(')', 1)[1].split()[1]) == pid:
            out.append(int(d))
    return sorted(out)


def test_wgan_gp_trains_in_two_processes(tmp_path):
    "The critic's whole loss, gradient penalty included, runs inside one DDP forward (`DiscriminatorStep`)."
    p = torchrun(dict(TINY, preset='report_wgan_gp', batch_size=4, epochs=1, out_dir=str(tmp_path)))
    out = p.communicate(timeout=240)[0]
    assert p.returncode == 0, out[-3000:]
    h = json.loads((tmp_path / 'metrics.json').read_text())
    assert h['processes'] == 2 and h['config']['objective'] == 'wgan-gp'


def test_two_processes_train_like_one_and_resume_in_one(tmp_path):
    one = T.run_experiment(**dict(TINY, batch_size=8, epochs=2, out_dir=str(tmp_path / 'one'))).metrics
    p = torchrun(dict(TINY, batch_size=4, epochs=2, out_dir=str(tmp_path / 'two')))  # global batch 4 x 2 = 8
    out = p.communicate(timeout=240)[0]
    assert p.returncode == 0, out[-3000:]
    assert out.count('epoch 1/2:') == 1  # one epoch line: only process 0 prints
    two = json.loads((tmp_path / 'two' / 'metrics.json').read_text())
    assert two['processes'] == 2 and two['global_batch'] == 8 and two['n_test_images'] == one['n_test_images'] == 3
    for k, tol in (('psnr', 0.5), ('ciede2000', 1.0)):  # other data order and per-process BatchNorm: close, not equal
        assert abs(two['model'][k] - one['model'][k]) < tol, (k, two['model'][k], one['model'][k])
    assert two['gray_baseline'] == pytest.approx(one['gray_baseline'], rel=1e-6)
    # the checkpoint of 2 processes resumes in 1, and one process validates those weights to the same numbers
    t = T.Trainer(dict(TINY, batch_size=8, epochs=2, out_dir=str(tmp_path / 'two'), resume=True))
    assert t.epoch == 2 and len(t.history) == 2
    val = t.validate()
    assert all(abs(val[k] - t.history[-1][k]) <= 1e-5 * max(1, abs(val[k])) for k in val), (val, t.history[-1])


def test_killing_one_process_stops_the_job_and_keeps_the_last_checkpoint(tmp_path):
    out = tmp_path / 'run'
    p = torchrun(dict(TINY, batch_size=4, epochs=200, out_dir=str(out)), start_new_session=True)
    try:
        deadline = time.time() + 120
        while not (out / 'last.pt').exists() and time.time() < deadline and p.poll() is None:
            time.sleep(0.2)
        assert (out / 'last.pt').exists(), 'no checkpoint was written'
        workers = children(p.pid)
        assert len(workers) == 2, workers
        os.kill(workers[-1], signal.SIGKILL)
        p.communicate(timeout=120)
        assert p.returncode != 0
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    ck = load_checkpoint(out / 'last.pt')
    assert 1 <= ck['epoch'] < 200 and not list(out.glob('*.tmp'))
    t = T.Trainer(dict(TINY, batch_size=8, epochs=ck['epoch'] + 1, out_dir=str(out), resume=True))
    assert t.fit()['epochs_trained'] == ck['epoch'] + 1  # the killed run's stale lock is taken over


def test_sync_bn_needs_gpus(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '2')
    with pytest.raises(ValueError, match='sync_bn=True needs CUDA GPUs'):
        T.Trainer(dict(TINY, batch_size=4, sync_bn=True, out_dir='/nonexistent/never-written'))
