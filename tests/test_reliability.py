"""Reliability, round two (#20): an input is never an output, outputs stay under --out, memory is bounded for any
aspect ratio and any checkpoint, outputs are never read back as inputs, one-line errors, and the smaller items."""

import hashlib, json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image

from colorgan_nb import train as T
from colorgan_nb.cli import main
from colorgan_nb.colorize import MAX_ASPECT, Colorizer, _model_size, colorize_files, default_checkpoint
from colorgan_nb.data import find_images_in, lab_to_rgb, make_dataloaders, rgb_to_lab
from colorgan_nb.models import load_checkpoint, load_generator, save_checkpoint
from conftest import ROOT, SAMPLE, user_env
from test_train import TINY


def _digests(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*'))
            if p.is_file()}  # fmt: skip


@pytest.fixture
def photos(tmp_path):
    "A folder of two real JPEGs, as a user has it."
    d = tmp_path / 'photos'
    d.mkdir()
    for n in ('storm.jpg', 'aqua.jpg'):
        shutil.copy(SAMPLE / n, d / n)
    return d


# 1. originals are never replaced
@pytest.mark.parametrize('fmt', ['jpg', 'png'])
def test_colorize_never_replaces_an_input(photos, monkeypatch, capsys, fmt):
    if fmt == 'png':  # PNG photos and the default format
        for f in list(photos.iterdir()):
            Image.open(f).save(f.with_suffix('.png'))
            f.unlink()
    before = _digests(photos)
    monkeypatch.chdir(photos.parent)
    for argv in (['photos', '--out', '.'], [f'photos/aqua.{fmt}', '--out', 'photos'], ['photos', '--out', 'photos/..']):
        assert main(['colorize', *argv, '--format', fmt, '--overwrite']) == 2
        assert 'would replace the input' in capsys.readouterr().err
    assert _digests(photos) == before  # and nothing else was written there
    monkeypatch.chdir(photos)  # `cd photos && colorgan colorize . --out . --overwrite`: outputs go to ./photos/
    assert main(['colorize', '.', '--out', '.', '--format', fmt, '--overwrite']) == 0
    assert {k: v for k, v in _digests(photos).items() if '/' not in k} == before
    assert sorted(p.name for p in (photos / 'photos').iterdir()) == [f'aqua.{fmt}', f'storm.{fmt}']
    assert main(['colorize', '.', '--out', '.', '--format', fmt, '--overwrite']) == 0  # again: still no nesting
    assert not (photos / 'photos' / 'photos').exists()
    assert {k: v for k, v in _digests(photos).items() if '/' not in k} == before


def test_an_output_link_into_the_inputs_is_refused(photos, tmp_path, capsys):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'photos').symlink_to(photos)  # out/photos/aqua.jpg would be the input itself
    before = _digests(photos)
    assert main(['colorize', str(photos), '--out', str(out), '--format', 'jpg', '--overwrite']) == 2
    assert 'would replace the input' in capsys.readouterr().err and _digests(photos) == before


# 2. export never replaces its input, a run's last.pt, a photo, or anything existing without --overwrite
def test_export_refuses_targets_that_would_lose_something(tmp_path, photos, capsys):
    src = tmp_path / 'best.pt'
    shutil.copy(default_checkpoint(), src)
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'config.json').write_text('{}')
    shutil.copy(default_checkpoint(), run / 'last.pt')
    keep = {p: p.read_bytes() for p in (src, run / 'last.pt', photos / 'aqua.jpg')}
    for argv, why in (
        ([str(src), '--out', str(src)], 'is the checkpoint being exported'),
        ([str(src), '--out', str(src), '--overwrite'], 'is the checkpoint being exported'),
        ([str(src), '--out', str(run / 'last.pt'), '--overwrite'], "a run's last.pt"),
        ([str(src), '--out', str(photos / 'aqua.jpg'), '--overwrite'], 'ending in .pt'),
        ([str(src), '--onnx', str(photos / 'aqua.jpg')], 'ending in .onnx'),
        ([str(src), '--out', str(run / 'last.pt')], "a run's last.pt"),
    ):
        assert main(['export', *argv]) == 2, argv
        assert why in capsys.readouterr().err
    assert all(p.read_bytes() == b for p, b in keep.items())
    assert main(['export', str(src), '--out', str(tmp_path / 'small.pt')]) == 0
    first = (tmp_path / 'small.pt').read_bytes()
    assert main(['export', str(src), '--out', str(tmp_path / 'small.pt'), '--float32']) == 2  # exists
    assert 'pass --overwrite' in capsys.readouterr().err and (tmp_path / 'small.pt').read_bytes() == first
    assert main(['export', str(src), '--out', str(tmp_path / 'small.pt'), '--float32', '--overwrite']) == 0
    assert (tmp_path / 'small.pt').read_bytes() != first


# 3. `..` never takes an output outside --out
def test_dotdot_inputs_land_under_out(tmp_path, monkeypatch):
    sub = tmp_path / 'p' / 'src' / 'sub'
    sub.mkdir(parents=True)
    shutil.copy(SAMPLE / 'aqua.jpg', tmp_path / 'p' / 'src' / 'aqua.jpg')
    monkeypatch.chdir(sub)
    assert main(['colorize', '..', '--out', '../../elsewhere']) == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob('*.png'))
    assert written == ['p/elsewhere/src/aqua.png']


# 4. memory bounded by design
def test_the_model_input_is_capped_for_any_aspect_ratio():
    for h, w in ((10, 20000), (20000, 10), (1, 100000), (3000, 4000), (128, 128)):
        mh, mw = _model_size(32, 128, h, w)
        assert max(mh, mw) <= MAX_ASPECT * 128 + 32 and min(mh, mw) >= 32 and mh % 32 == mw % 32 == 0
    assert _model_size(32, 128, 3000, 4000) == (128, 160)  # ordinary photos: unchanged (short side 128)


def test_a_20000x10_strip_costs_little_memory(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((10, 20000, 3)) * 255).astype(np.uint8)).save(tmp_path / 'strip.jpg', quality=90)
    code = (
        "import resource, sys\nfrom colorgan_nb.colorize import Colorizer, colorize_files\ncz = Colorizer()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "r = colorize_files([sys.argv[1]], out=sys.argv[2], colorizer=cz, progress=False)\n"
        "print(r['written'], (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)"
    )
    p = subprocess.run([sys.executable, '-c', code, str(tmp_path / 'strip.jpg'), str(tmp_path / 'o')],
                       capture_output=True, text=True, timeout=300, env=user_env())  # fmt: skip
    assert p.returncode == 0, p.stderr
    written, extra_mb = p.stdout.split()
    assert written == '1' and float(extra_mb) < 300, p.stdout  # was 13.5 GB: a 128 x 256,000 model input
    assert Image.open(tmp_path / 'o' / 'strip.png').size == (20000, 10)


def test_checkpoints_asking_for_huge_models_are_refused_before_allocating(tmp_path):
    ck = load_checkpoint(default_checkpoint())
    for args, size, why in (
        (dict(name='unet_vgg', out_channels=2, base_channels=4096, depth=8), 128, 'base_channels=4096'),
        (dict(name='unet_vgg', out_channels=2, base_channels=256, depth=9), 128, 'do not fit'),  # meta-device check
        (dict(name='no_such_net', out_channels=2), 128, 'unknown generator'),
        (ck['model_args'], 0, 'image_size=0'),
    ):
        save_checkpoint({**ck, 'model_args': args, 'image_size': size}, tmp_path / 'x.pt')
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match=why):
            load_generator(tmp_path / 'x.pt')
        assert time.perf_counter() - t0 < 20  # refused, not built


# 5. outputs are never fed back as inputs
def test_a_second_colorize_into_a_subfolder_does_not_read_its_outputs(photos, capsys):
    out = photos / 'colorized'
    assert main(['colorize', str(photos), '--out', str(out)]) == 0
    assert main(['colorize', str(photos), '--out', str(out)]) == 0
    assert 'written 0, kept existing 2' in capsys.readouterr().out
    assert sorted(str(p.relative_to(out)) for p in out.rglob('*') if p.is_file()) == [
        'photos/aqua.png', 'photos/storm.png']  # fmt: skip


def test_training_scans_skip_out_dir_and_run_folders(tmp_path):
    data = tmp_path / 'data'
    shutil.copytree(SAMPLE, data)
    old = data / 'old_run'  # an earlier run's folder inside data_dir
    (old / 'grids').mkdir(parents=True)
    (old / 'config.json').write_text('{}')
    (old / 'last.pt').write_bytes(b'x')
    shutil.copy(SAMPLE / 'aqua.jpg', old / 'grids' / 'epoch_001.png')
    shutil.copy(SAMPLE / 'aqua.jpg', old / 'curves.png')
    n = len(list(SAMPLE.glob('*.jpg')))
    assert len(find_images_in(str(data))) == n
    out = data / 'new_run'  # this run's out_dir, already holding outputs (e.g. resumed)
    (out / 'grids').mkdir(parents=True)
    shutil.copy(SAMPLE / 'storm.jpg', out / 'grids' / 'epoch_001.png')
    assert len(find_images_in(str(data), exclude=[out])) == n
    cfg = T.make_config(**{**TINY, 'dataset': 'folder', 'data_dir': str(data), 'out_dir': str(out)})
    files = sum(T.build_dataloaders(cfg).info['files'].values(), [])
    assert len(files) == n and not any('run' in Path(f).parent.name for f in files)


# 6. one-line errors
def test_bad_onnx_and_bad_device_are_one_line_errors(photos, tmp_path, capsys):
    (tmp_path / 'bad.onnx').write_bytes(b'garbage')
    for argv in (
        ['colorize', str(photos), '--out', str(tmp_path / 'o'), '--checkpoint', str(tmp_path / 'bad.onnx')],
        ['colorize', str(photos), '--out', str(tmp_path / 'o'), '--device', 'bogus'],
        ['evaluate', '--data', str(photos), '--device', 'bogus'],
        ['evaluate', '--data', str(photos), '--checkpoint', str(tmp_path / 'bad.onnx')],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and ('not a readable ONNX model' in err or "device='bogus'" in err), err
    assert not (tmp_path / 'o').exists()


def test_ctrl_c_in_training_prints_one_line_with_the_resume_command(tmp_path):
    out = tmp_path / 'run'
    # 2000 epochs of a tiny run: the interrupt lands mid-run however fast the engine and however late the reader wakes
    cmd = ['colorgan', 'train', '-p', 'dataset', 'sample', '-p', 'image_size', '32', '-p', 'batch_size', '4',
           '-p', 'base_channels', '8', '-p', 'disc_channels', '8', '-p', 'epochs', '2000', '-p', 'cache', 'true',
           '-p', 'num_workers', '0', '-p', 'threads', '1', '-p', 'out_dir', str(out)]  # fmt: skip
    # Ctrl-C as in a terminal: SIGINT handled by default in the child, even when this test runs where it is ignored
    # (a shell's background job ignores SIGINT, and children inherit that; Python then installs no KeyboardInterrupt)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=user_env(),
                         cwd=tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    for line in p.stdout:  # wait for the first saved epoch
        if line.startswith('epoch 1/2000'):
            break
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130
    lines = [l for l in err.splitlines() if l.startswith('colorgan train')]
    assert len(lines) == 1 and 'Traceback' not in err, err
    assert 'holds epoch' in lines[0] and '-p resume true' in lines[0]
    assert not list(out.glob('*.tmp')) and not (out / '.lock').exists()
    saved = load_checkpoint(out / 'last.pt')['epoch']
    assert f'holds epoch {saved} of 2000' in lines[0]


def test_ctrl_c_while_colorizing_keeps_whole_files_and_says_how_to_go_on(photos, tmp_path, monkeypatch, capsys):
    """Ctrl-C during the second photo: the first stays written whole, no temporary file is left, and the command ends
    with exit 130 and one line saying how many were written and that the same command does the rest."""
    real = Colorizer.colorize_array
    calls = []

    def interrupted_on_the_second(self, rgb):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, rgb)

    monkeypatch.setattr(Colorizer, 'colorize_array', interrupted_on_the_second)
    out = tmp_path / 'out'
    assert main(['colorize', str(photos), '--out', str(out)]) == 130
    err = [l for l in capsys.readouterr().err.splitlines() if l.startswith('colorgan colorize')]
    assert err == [err[0]] and 'interrupted after writing 1 of 2 photos' in err[0] and 'same command' in err[0], err
    written = [p for p in out.rglob('*') if p.is_file()]
    assert len(written) == 1 and not list(out.rglob('.*.tmp'))
    assert Image.open(written[0]).size == Image.open(photos / written[0].with_suffix('.jpg').name).size
    monkeypatch.setattr(Colorizer, 'colorize_array', real)
    assert main(['colorize', str(photos), '--out', str(out)]) == 0  # the same command does the rest
    assert len([p for p in out.rglob('*') if p.is_file()]) == 2


@pytest.mark.parametrize('port', ['99999', '0', 'http'])
def test_serve_refuses_a_port_out_of_range_with_a_usage_error(port, capsys):
    with pytest.raises(SystemExit) as e:  # argparse's usage error, before gradio is imported (was a traceback)
        main(['serve', '--port', port])
    assert e.value.code == 2 and 'give an integer from 1 to 65535' in capsys.readouterr().err


def test_python_m_train_runs_the_train_command(tmp_path):
    p = subprocess.run([sys.executable, '-m', 'colorgan_nb.train', '-p', 'epoch', '3'], capture_output=True,
                       text=True, env=user_env(), cwd=tmp_path, timeout=120)  # fmt: skip
    assert p.returncode == 2 and "unknown parameter 'epoch' (did you mean 'epochs'?)" in p.stderr


# 7. the smaller items
def test_usage_errors_exit_2_before_any_work(photos, tmp_path, capsys, monkeypatch):
    (tmp_path / 'texts').mkdir()
    (tmp_path / 'texts' / 'a.txt').write_text('no image')
    o = str(tmp_path / 'o')
    for argv, why in (
        (['colorize', str(tmp_path / 'texts'), '--out', o], 'no image files among the inputs (1 not an image (.txt))'),
        (['colorize', str(photos), '--out', ''], '--out is empty'),
        (['colorize', str(photos), '--out', o, '--max-megapixels', '0'], 'max_megapixels=0.0'),
        (['colorize', str(photos), '--out', o, '--max-megapixels', '-1'], 'max_megapixels=-1.0'),
        (['evaluate', '--data', str(photos), '--max-images', '-1'], 'max_images=-1'),
        (['evaluate', '--data', str(photos), '--eval-size', '0'], 'eval_size=0'),
    ):
        assert main(argv) == 2, argv
        assert why in capsys.readouterr().err
    assert not Path(o).exists() and sorted(os.listdir(Path.cwd())) == sorted(os.listdir(Path.cwd()))


def test_json_and_export_under_a_file_fail_before_the_work(photos, tmp_path, capsys, monkeypatch):
    import colorgan_nb.colorize as C

    monkeypatch.setattr(C, 'evaluate_folder', lambda *a, **k: (_ for _ in ()).throw(AssertionError('evaluated')))
    assert main(['evaluate', '--data', str(photos), '--json', str(photos / 'aqua.jpg' / 'scores.json')]) == 3
    assert 'aqua.jpg is a file, not a folder' in capsys.readouterr().err
    assert main(['export', '--out', str(photos / 'aqua.jpg' / 'g.pt')]) == 3
    assert 'aqua.jpg is a file, not a folder' in capsys.readouterr().err
    before = (photos / 'aqua.jpg').read_bytes()  # --json naming a photo being scored: refused, the photo kept
    assert main(['evaluate', '--data', str(photos), '--json', str(photos / 'aqua.jpg')]) == 2
    assert 'ending in .json' in capsys.readouterr().err and (photos / 'aqua.jpg').read_bytes() == before
    split = tmp_path / 'split.json'
    split.write_text(json.dumps({k: [str(photos / 'aqua.jpg')] for k in ('train', 'valid', 'test')}))
    assert main(['evaluate', '--split', str(split), '--json', str(split)]) == 2  # nor the split file it reads
    assert 'is the split file' in capsys.readouterr().err


def test_transparency_is_kept_in_png_and_noted_in_jpg(tmp_path):
    rgb = np.asarray(Image.open(SAMPLE / 'aqua.jpg').convert('RGB'))
    alpha = np.zeros(rgb.shape[:2], np.uint8)
    alpha[:, rgb.shape[1] // 2 :] = 255  # left half transparent
    Image.fromarray(np.dstack([rgb, alpha]), 'RGBA').save(tmp_path / 'logo.png')
    cz = Colorizer()
    res = colorize_files([tmp_path / 'logo.png'], out=tmp_path / 'png', colorizer=cz, progress=False)
    out = Image.open(tmp_path / 'png' / 'logo.png')
    assert res['written'] == 1 and out.mode == 'RGBA' and np.array_equal(np.asarray(out)[..., 3], alpha)
    res = colorize_files([tmp_path / 'logo.png'], out=tmp_path / 'jpg', fmt='jpg', colorizer=cz, progress=False)
    assert 'flattened onto white' in res['notes'][str(tmp_path / 'logo.png')]


def test_resume_without_a_run_is_refused(tmp_path):
    with pytest.raises(ValueError, match='holds no last.pt to resume'):
        T.Trainer(T.make_config(**TINY, epochs=1, out_dir=str(tmp_path / 'none'), resume=True))
    assert not (tmp_path / 'none').exists()


def test_a_resume_refuses_a_folder_whose_photos_changed_and_resumes_on_its_saved_split(tmp_path):
    """A photo added to data_dir between two sessions re-draws the random split: the resume must stop before touching
    the run (validation and test photos would move into training) and name the way out, which resumes exactly."""
    data = tmp_path / 'photos'
    data.mkdir()
    for f in sorted(SAMPLE.glob('*.jpg'))[:8]:
        shutil.copy(f, data / f.name)
    tiny = dict(TINY, dataset='folder', data_dir=str(data), out_dir=str(tmp_path / 'run'))
    T.Trainer(T.make_config(**tiny, epochs=1)).fit()
    before = _digests(tmp_path / 'run')
    shutil.copy(sorted(SAMPLE.glob('*.jpg'))[8], data / 'added.jpg')
    with pytest.raises(ValueError, match='split_file') as e:
        T.Trainer(T.make_config(**tiny, epochs=2, resume=True))
    assert 'changed since it started' in str(e.value)
    assert _digests(tmp_path / 'run') == before  # nothing touched
    saved = json.loads((tmp_path / 'run' / 'splits.json').read_text())
    t = T.Trainer(T.make_config(**tiny, epochs=2, resume=True, split_file=str(tmp_path / 'run' / 'splits.json')))
    assert t.epoch == 1 and t.dls.info['sizes'] == {k: len(v) for k, v in saved.items()}
    t.fit()
    assert json.loads((tmp_path / 'run' / 'splits.json').read_text()) == saved


def test_unusable_files_take_no_place_in_a_random_split(tmp_path):
    """Empty and too-small files are dropped before the split is drawn: a small folder with a few of them still gets
    photos in every split, where before a split could be left with only unusable files."""
    data = tmp_path / 'photos'
    data.mkdir()
    for f in sorted(SAMPLE.glob('*.jpg'))[:5]:
        shutil.copy(f, data / f.name)
    for i in range(5):
        (data / f'empty{i}.jpg').write_bytes(b'')
    dls = make_dataloaders('folder', str(data), image_size=32, batch_size=2, progress=False, seed=0)
    assert sum(dls.info['sizes'].values()) == 5 and min(dls.info['sizes'].values()) >= 1
    assert dls.info['skipped'] == {'not an image': 5}
    assert all('empty' not in f for fs in dls.info['files'].values() for f in fs)


def test_a_split_whose_photos_all_fail_names_them_and_why(tmp_path):
    """A small folder whose test split drew only a truncated photo: the error names that photo and its fault, not
    the files other splits skipped (the shared SkipLog's summary, which the message quoted before)."""
    from colorgan_nb.data import PhotoDataset
    from colorgan_nb.files import BadImage, SkipLog

    good = sorted(SAMPLE.glob('*.jpg'))[0]
    (tmp_path / 'trunc.jpg').write_bytes(good.read_bytes()[:3000])  # passes the header check, fails to decode
    shared = SkipLog()
    shared.add(BadImage(tmp_path / 'album_bw.png', 'grayscale'))  # skipped while building another split
    with pytest.raises(ValueError) as e:
        PhotoDataset([tmp_path / 'trunc.jpg'], image_size=32, cache='ram', skips=shared, progress=False)
    msg = str(e.value)
    assert 'none of its 1 file(s) is usable' in msg and 'trunc.jpg: truncated or corrupt' in msg, msg
    assert 'album_bw' not in msg and shared.counts == {'grayscale': 1, 'truncated or corrupt': 1}


def test_a_file_written_meanwhile_by_another_run_is_kept(photos, tmp_path, monkeypatch):
    cz = Colorizer()
    out = tmp_path / 'o'
    real = cz.colorize_array

    def slow(rgb):  # another colorize writes the same output while this one works
        (out / 'photos').mkdir(parents=True, exist_ok=True)
        for n in ('aqua.png', 'storm.png'):
            (out / 'photos' / n).write_bytes(b'theirs')
        return real(rgb)

    monkeypatch.setattr(cz, 'colorize_array', slow)
    res = colorize_files([photos], out=out, colorizer=cz, progress=False)
    assert res['written'] == 0 and res['exists'] == 2
    assert all((out / 'photos' / n).read_bytes() == b'theirs' for n in ('aqua.png', 'storm.png'))
    assert not list(out.rglob('*.tmp'))


def test_a_folder_in_the_way_of_one_output_fails_that_file_only(photos, tmp_path, capsys):
    out = tmp_path / 'o'
    (out / 'photos' / 'aqua.png').mkdir(parents=True)
    assert main(['colorize', str(photos), '--out', str(out)]) == 1
    cap = capsys.readouterr()
    assert 'written 1' in cap.out and 'is a folder' in cap.err
    assert (out / 'photos' / 'storm.png').is_file() and (out / 'photos' / 'aqua.png').is_dir()
