"Colorizing (API and CLI), the shipped default model, full-resolution recombination, evaluation."

import errno, json, os, shutil, subprocess, sys, tempfile, warnings
from contextlib import nullcontext
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image

from colorgan_nb.cli import main
from colorgan_nb.colorize import Colorizer, colorize_files, default_checkpoint, lightness, recolor
from colorgan_nb.data import read_rgb, rgb_to_lab
from colorgan_nb.train import TEST_OVERRIDES, run_experiment
from conftest import SAMPLE, user_env

SHARED = Path(__file__).resolve().parent.parent.parent / 'shared'  # the shared photos, beside the checkout (as in CI)


@pytest.fixture(scope='module')
def rgb_ckpt(tmp_path_factory):
    "A tiny finished GAN-L1 run that predicts RGB, as the notebooks make it under nbdev_test."
    d = tmp_path_factory.mktemp('rgb')
    return run_experiment(**{**TEST_OVERRIDES, 'epochs': 1, 'out_dir': str(d)}).out_dir / 'best.pt'


@pytest.fixture(scope='module')
def lab_ckpt(tmp_path_factory):
    d = tmp_path_factory.mktemp('lab')
    return (
        run_experiment(**{**TEST_OVERRIDES, 'epochs': 1, 'color_space': 'lab', 'out_dir': str(d)}).out_dir / 'best.pt'
    )


def _two_megapixel(path):
    "A 2-megapixel, EXIF-rotated JPEG made from a real photo (the shared photos are at most 1024 px)."
    im = Image.open(SAMPLE / 'greenmeadow.jpg').convert('RGB').resize((1732, 1155), Image.LANCZOS)
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(path, quality=92, exif=exif)
    return path


def _L(rgb_u8):
    return rgb_to_lab(rgb_u8.float()[None] / 255)[0, 0]


@pytest.mark.parametrize('which', ['lab', 'rgb'])
def test_colorize_keeps_full_resolution_and_lightness(tmp_path, which, rgb_ckpt, lab_ckpt):
    ckpt = lab_ckpt if which == 'lab' else rgb_ckpt
    src_path = _two_megapixel(tmp_path / 'big.jpg')
    assert (
        main(['colorize', str(src_path), '--checkpoint', str(ckpt), '--out', str(tmp_path / 'out'), '--device', 'cpu'])
        == 0
    )
    src, out = read_rgb(src_path), read_rgb(tmp_path / 'out' / 'big.png')
    assert src.shape == out.shape == (3, 1732, 1155)  # EXIF applied, full size kept
    dL = (_L(out) - _L(src)).abs()
    assert dL.max() < 0.5 and dL.mean() < 0.15, (dL.max(), dL.mean())  # only 8-bit rounding and gamut clipping


def test_saturation_scales_the_colour_keeping_hue_and_lightness(tmp_path):
    """--saturation scales the model's ab: 0 gives the gray photo, 2 doubles the chroma where it stays in sRGB and
    keeps each pixel's hue, and any strength keeps the photo's lightness (out-of-gamut colour is desaturated, not
    clipped); bad values stop the command before anything is written (exit 2)."""
    src = SAMPLE / 'aqua.jpg'
    outs = {}
    for s in ('0', '1', '2', '4'):
        assert main(['colorize', str(src), '--out', str(tmp_path / s), '--saturation', s, '--no-tta']) == 0
        outs[s] = read_rgb(tmp_path / s / 'aqua.png')
    lab = {s: rgb_to_lab(o.float()[None] / 255)[0] for s, o in outs.items()}
    L = _L(read_rgb(src))
    for s in outs:
        assert (lab[s][0] - L).abs().max() < 0.5, s
    assert (outs['0'].max(0).values.int() - outs['0'].min(0).values.int()).max() <= 1  # gray: R = G = B
    c1, c2 = lab['1'][1:].norm(dim=0), lab['2'][1:].norm(dim=0)
    sure = c1 > 5  # where there is colour to scale (8-bit rounding aside)
    assert 1.6 < (c2[sure] / c1[sure]).median() <= 2.05
    cos = (lab['1'][1:] * lab['2'][1:]).sum(0)[sure] / (c1 * c2)[sure]
    assert cos.median() > 0.99  # the same hue
    for bad in ('-0.5', '4.5', 'nan', 'vivid'):
        with pytest.raises(SystemExit) if bad == 'vivid' else nullcontext():
            assert main(['colorize', str(src), '--out', str(tmp_path / 'bad'), '--saturation', bad]) == 2
    assert not (tmp_path / 'bad').exists()
    with pytest.raises(ValueError, match=r'saturation=True: give a number in \[0, 4\]'):
        Colorizer(saturation=True)
    from colorgan_nb.colorize import evaluate_folder

    for n in ('storm.jpg', 'aqua.jpg', 'ladybird.jpg'):
        shutil.copy(SAMPLE / n, tmp_path / n)
    r = evaluate_folder(None, tmp_path, eval_size=32, full_res=False, progress=False, tta=False, saturation=0)
    model, gray = r['model_res']['model'], r['model_res']['gray']  # evaluate scores the colour colorize would give
    assert r['saturation'] == 0 and r['tta'] is False and abs(model['ciede2000'] - gray['ciede2000']) < 0.1


@pytest.mark.parametrize('fmt', ['jpg', 'png'])
def test_colorize_keeps_the_exif_dates_camera_and_gps_with_the_turn_applied(tmp_path, fmt):
    """A family-album photo keeps its EXIF in the colorized copy (date taken, camera, GPS), so photo apps still sort
    and place it; its orientation tag is dropped because the turn is in the pixels (else viewers would turn it twice).
    A photo with damaged EXIF is still colorized."""
    ex = Image.Exif()
    ex[0x010F], ex[0x0112], ex[0x0132] = 'Canon', 6, '1962:07:14 10:00:00'  # make, orientation (turn 90°), date
    ex.get_ifd(0x8769)[0x9003] = '1962:07:14 09:59:58'  # DateTimeOriginal
    ex.get_ifd(0x8825)[1] = 'N'  # GPSLatitudeRef
    src = tmp_path / 'album.jpg'
    Image.open(SAMPLE / 'storm.jpg').convert('RGB').save(src, exif=ex.tobytes())
    Image.open(SAMPLE / 'storm.jpg').convert('RGB').save(tmp_path / 'cut.jpg', exif=ex.tobytes()[:40])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert main(['colorize', str(src), str(tmp_path / 'cut.jpg'), '--out', str(tmp_path / 'out'), '--format', fmt,
                     '--no-tta']) == 0  # fmt: skip
    assert not [w for w in caught if 'PIL' in w.filename]  # Pillow's warning about the cut EXIF stays out of the output
    out = Image.open(tmp_path / 'out' / f'album.{fmt}')
    w, h = Image.open(src).size
    assert out.size == (h, w)  # upright
    got = out.getexif()
    assert got[0x010F] == 'Canon' and got[0x0132] == '1962:07:14 10:00:00' and 0x0112 not in got
    assert got.get_ifd(0x8769)[0x9003] == '1962:07:14 09:59:58' and got.get_ifd(0x8825)[1] == 'N'
    assert Image.open(tmp_path / 'out' / f'cut.{fmt}').size == Image.open(SAMPLE / 'storm.jpg').size  # no turn read


def test_colorizer_takes_a_url_or_the_bytes_of_a_file():
    """A photo at a URL, or the bytes of a file (what Colab's `files.upload()` returns), is colorized exactly as the
    same file on disk; a URL that cannot be fetched, and bytes that are not an image, are BadImage saying why."""
    import functools, http.server, threading

    from colorgan_nb.files import BadImage

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SAMPLE))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cz = Colorizer(tta=False)
        want = np.asarray(cz(SAMPLE / 'storm.jpg'))
        url = f'http://127.0.0.1:{server.server_port}/storm.jpg'
        assert np.array_equal(np.asarray(cz(url)), want)
        assert np.array_equal(np.asarray(cz((SAMPLE / 'storm.jpg').read_bytes())), want)
        with pytest.raises(BadImage, match=r'/missing.jpg: unreadable \(HTTPError: File not found\)'):
            cz(f'http://127.0.0.1:{server.server_port}/missing.jpg')
    finally:
        server.shutdown()
    with pytest.raises(BadImage, match=r'<bytes>: not an image'):
        cz(b'GIF89a, or so it says')


def test_colorize_api_accepts_paths_pil_and_arrays(lab_ckpt):
    cz = Colorizer(lab_ckpt, device='cpu')
    p = SAMPLE / 'ladybird.jpg'
    a, b = cz(p), cz(Image.open(p))
    gray = np.array(Image.open(p).convert('L'))
    c = cz(gray)  # grayscale input works too, and keeps its own L
    assert a.size == b.size == c.size == Image.open(p).size and np.array_equal(np.asarray(a), np.asarray(b))
    dL = (_L(torch.from_numpy(np.array(c)).permute(2, 0, 1)) - _L(torch.from_numpy(np.repeat(gray[None], 3, 0)))).abs()
    assert dL.max() < 0.5


def test_arrays_of_other_dtypes_are_read_by_their_range_not_as_white():
    """An int64 or uint16 photo array (NumPy arithmetic, 16-bit readers) gives the uint8 photo's colours, floats in
    [0, 1] too; floats in 0..255, negative or NaN values raise ValueError (they used to clip to a white picture); RGBA
    arrays are composited onto white, as RGBA files are."""
    from colorgan_nb.colorize import to_rgb_array

    cz = Colorizer()
    u8 = np.asarray(Image.open(SAMPLE / 'ladybird.jpg').convert('RGB'))
    want = np.asarray(cz(u8))
    for a in (u8.astype(np.int64), u8.astype(np.uint16) * 257, u8 / 255.0, u8.astype(np.float32) / 255):
        assert np.array_equal(np.asarray(cz(a)), want), a.dtype
    for bad in (u8.astype(np.float64), -u8.astype(np.int32) - 1, np.full(u8.shape, np.nan)):
        with pytest.raises(ValueError):
            cz(bad)
    rgba = np.dstack([u8, np.full(u8.shape[:2], 255, np.uint8)])
    rgba[:10, :10, 3] = 0
    got = to_rgb_array(rgba)
    assert (got[:10, :10] == 255).all() and np.array_equal(got[10:, 10:], u8[10:, 10:])


def test_colorize_folder_skips_bad_files_and_keeps_existing(tmp_path, lab_ckpt, capsys):
    src = tmp_path / 'in'
    (src / 'sub').mkdir(parents=True)
    for n in ('storm.jpg', 'aqua.jpg'):
        shutil.copy(SAMPLE / n, src / n)
    shutil.copy(SAMPLE / 'wood.jpg', src / 'sub' / 'wood.jpg')
    (src / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'out'
    assert main(['colorize', str(src), '--checkpoint', str(lab_ckpt), '--out', str(out), '--device', 'cpu']) == 1
    assert 'failed 1' in capsys.readouterr().out
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == ['in/aqua.png', 'in/storm.png', 'in/sub/wood.png']
    cz = Colorizer(lab_ckpt)  # each photo read ahead lands in its own output (the broken one read ahead failed alone)
    for n in written:
        expect = np.asarray(cz(src.parent / n.replace('.png', '.jpg')))
        assert np.array_equal(np.asarray(Image.open(out / n)), expect), n
    (out / 'in' / 'aqua.png').write_bytes(b'keep me')
    res = colorize_files([src / 'aqua.jpg'], lab_ckpt, out / 'in', device='cpu', progress=False)
    assert res['exists'] == 1 and (out / 'in' / 'aqua.png').read_bytes() == b'keep me'
    res = colorize_files([src / 'aqua.jpg'], lab_ckpt, out / 'in', overwrite=True, device='cpu', progress=False)
    assert res['replaced'] == 1 and res['written'] == 0  # an overwrite is not counted as a new file
    assert Image.open(out / 'in' / 'aqua.png').size == Image.open(src / 'aqua.jpg').size


def test_bad_checkpoint_is_a_clear_cli_error(tmp_path, capsys):
    (tmp_path / 'x.pt').write_bytes(b'junk')
    out = tmp_path / 'out'
    assert main(['colorize', str(SAMPLE / 'storm.jpg'), '--checkpoint', str(tmp_path / 'x.pt'), '--out', str(out)]) == 2
    assert 'not a readable, trusted colorgan_nb checkpoint' in capsys.readouterr().err
    assert not out.exists()  # refused before the output folder was made (the photo was read while the model loaded)


def test_evaluate_prints_both_baselines(tmp_path, lab_ckpt):
    data = tmp_path / 'photos'
    data.mkdir()
    for n in ('storm.jpg', 'aqua.jpg', 'flower.jpg', 'dune.jpg'):
        shutil.copy(SAMPLE / n, data / n)
    Image.open(SAMPLE / 'wood.jpg').convert('L').save(data / 'gray.jpg')
    r = subprocess.run(
        [
            'colorgan',
            'evaluate',
            '--checkpoint',
            str(lab_ckpt),
            '--data',
            str(data),
            '--json',
            str(tmp_path / 'e.json'),
            '--device',
            'cpu',
        ],
        capture_output=True,
        text=True,
        env=user_env(),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    for word in ('model_res', 'full_res', 'model', 'gray', 'mean_ab', 'psnr ↑', 'ciede2000 ↓', 'colorfulness_gap ↓'):
        assert word in r.stdout, word
    res = json.loads((tmp_path / 'e.json').read_text())
    assert res['n_images'] == 4 and res['skipped'] == {'grayscale': 1}
    trained = {t['name'] for t in torch.load(lab_ckpt, weights_only=True)['train_files']}
    assert {Path(f).name for f in res['overlap']} == trained & {'storm.jpg', 'aqua.jpg', 'flower.jpg', 'dune.jpg'}
    for resn in ('model_res', 'full_res'):
        assert (
            res[resn]['gray']['colorfulness'] < 1
            and res[resn]['mean_ab']['colorfulness'] > res[resn]['gray']['colorfulness']
        )
        assert all(np.isfinite(v) for m in res[resn].values() for v in m.values())


def test_cli_version_and_help():
    r = subprocess.run(['colorgan', '--version'], capture_output=True, text=True, env=user_env())
    assert r.returncode == 0 and r.stdout.startswith('colorgan_nb ')
    r = subprocess.run(['colorgan', '--help'], capture_output=True, text=True, env=user_env())
    assert r.returncode == 0 and all(w in r.stdout for w in ('colorize', 'evaluate', 'study'))


def test_default_model_ships_in_the_package_and_needs_no_checkpoint(tmp_path):
    "The default model is inside the package (fp16, at most 25 MB): `colorgan colorize photo --out DIR` just works."
    ck = default_checkpoint()
    assert ck.is_file() and ck.stat().st_size < 25e6
    sd = torch.load(ck, weights_only=True)
    assert sd['model_args']['name'] == 'unet_effnet_lite0' and all(
        v.dtype == torch.float16 for v in sd['generator'].values() if v.is_floating_point()
    )
    r = subprocess.run(
        ['colorgan', 'colorize', str(SAMPLE / 'garden.jpg'), '--out', str(tmp_path)],
        capture_output=True,
        text=True,
        env=user_env(),
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and 'written 1' in r.stdout, r.stderr
    out, src = read_rgb(tmp_path / 'garden.png'), read_rgb(SAMPLE / 'garden.jpg')
    assert out.shape == src.shape and (_L(out) - _L(src)).abs().max() < 0.5
    a = out.float()
    assert ((a[0] - a[1]).abs() + (a[1] - a[2]).abs()).mean() > 5  # it is in colour, not gray


def test_colorize_path_does_not_import_training_or_plotting():
    "Colorizing a photo loads no training, plotting or metrics code, and no Numba (its start-up alone is ~1 s)."
    code = (
        'import sys; import colorgan_nb.colorize; from colorgan_nb.colorize import Colorizer; Colorizer()(sys.argv[1]); '
        'print(sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "matplotlib", "seaborn", "papermill", "skimage", '
        '"torchmetrics", "numba", "scipy") or m == "colorgan_nb.train"))'
    )
    r = subprocess.run([sys.executable, '-c', code, str(SAMPLE / 'storm.jpg')], capture_output=True, text=True,
                       env=user_env(), timeout=120)  # fmt: skip
    assert r.returncode == 0 and r.stdout.strip() == '[]', (r.stdout, r.stderr[-2000:])


def test_lightness_and_recolor_match_kornia():
    "The fast banded Lab arithmetic agrees with kornia's conversion on a real photo."
    from colorgan_nb.data import lab_to_rgb

    src = read_rgb(SAMPLE / 'storm.jpg')
    hwc = src.permute(1, 2, 0).contiguous()
    lab = rgb_to_lab(src.float()[None] / 255)[0]
    assert (lightness(hwc) - lab[0]).abs().max() < 1e-3
    ab = lab[1:] * 0.5  # in gamut: equal to kornia's Lab -> sRGB
    ref = (lab_to_rgb(torch.cat([lab[:1], ab])[None])[0].permute(1, 2, 0) * 255).round()
    assert (torch.from_numpy(recolor(hwc.numpy(), ab)).float() - ref).abs().max() <= 1
    assert np.array_equal(recolor(hwc.numpy(), ab), recolor(hwc, ab))  # a tensor or an array: the same
    small = torch.randn(2, 5, 7) * 60  # a small ab map, resized to the photo
    out = recolor(hwc.numpy(), small)
    assert out.shape == tuple(hwc.shape) and (lightness(torch.from_numpy(out)) - lab[0]).abs().max() < 0.5
    with pytest.raises(ValueError, match='NaN'):
        recolor(hwc.numpy(), torch.full((2, 1, 1), float('nan')))


def test_recolor_desaturates_out_of_gamut_colour_keeping_lightness_and_hue():
    "Colour that sRGB cannot show at a pixel's lightness loses chroma, never lightness or hue."
    src = read_rgb(SAMPLE / 'storm.jpg')
    lab = rgb_to_lab(src.float()[None] / 255)[0]
    a, b = torch.randn(2, 8, 12, generator=torch.Generator().manual_seed(0)) * 90  # mostly far outside sRGB
    out = recolor(src.permute(1, 2, 0).numpy(), torch.stack([a, b]))
    back = rgb_to_lab(torch.from_numpy(out).permute(2, 0, 1).float()[None] / 255)[0]
    assert (back[0] - lab[0]).abs().max() < 0.5  # the photo's own lightness, up to 8-bit rounding
    want = torch.nn.functional.interpolate(torch.stack([a, b])[None], size=lab.shape[1:], mode='bilinear')[0]
    chroma, asked = torch.hypot(back[1], back[2]), torch.hypot(want[0], want[1])
    assert (chroma <= asked + 1.5).all() and (chroma < 0.6 * asked).float().mean() > 0.3  # only desaturated; often
    cos = (back[1] * want[0] + back[2] * want[1]) / (chroma * asked).clamp_min(1e-6)
    assert cos[chroma > 10].min() > 0.99  # same hue


def test_pixel_cap_skips_huge_photos_and_jpg_keeps_icc(tmp_path, lab_ckpt):
    src = tmp_path / 'in'
    src.mkdir()
    big = Image.open(SAMPLE / 'storm.jpg').convert('RGB').resize((3000, 2000))
    big.save(src / 'big.jpg', quality=80)
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
    Image.open(SAMPLE / 'aqua.jpg').save(src / 'icc.jpg', icc_profile=icc)
    res = colorize_files([src], lab_ckpt, tmp_path / 'out', device='cpu', fmt='jpg', max_megapixels=5, progress=False)
    assert res['written'] == 1 and res['errors'] == {str(src / 'big.jpg'): 'too large'}
    out = Image.open(tmp_path / 'out' / 'in' / 'icc.jpg')
    assert out.format == 'JPEG' and out.info.get('icc_profile') == icc


def test_evaluate_warns_about_training_photos(tmp_path, caplog):
    "The default model trained on the shared photos; data/sample holds copies of some: an evaluation says which."
    from colorgan_nb.colorize import evaluate_folder

    res = evaluate_folder(None, SAMPLE, eval_size=64, full_res=False, max_images=3, progress=False)
    assert len(res['overlap']) == 3 and all(v == 'same file name' for v in res['overlap'].values())
    assert 'training set' in caplog.text
    r = subprocess.run(['colorgan', 'evaluate', str(SAMPLE), '--max-images', '3', '--no-full-res', '--eval-size', '64'],
                       capture_output=True, text=True, env=user_env(), timeout=300)  # fmt: skip
    assert r.returncode == 0 and r.stderr.count('training set') == 1, r.stderr  # said once, naming the photos
    assert 'ladybird' in r.stderr or 'aqua' in r.stderr, r.stderr


def test_export_writes_float16_and_onnx_that_match(tmp_path):
    "colorgan export: the small float16 checkpoint and the ONNX graph colorize like the original (onnxruntime)."
    pytest.importorskip('onnxruntime')
    r = subprocess.run(
        ['colorgan', 'export', '--out', str(tmp_path / 'g.pt'), '--onnx', str(tmp_path / 'g.onnx')],
        capture_output=True,
        text=True,
        env=user_env(),
        timeout=300,
    )
    assert r.returncode == 0 and 'max |ONNX - PyTorch|' in r.stdout, r.stderr
    assert 'Warning' not in r.stderr, r.stderr  # no tracer warnings for the user to puzzle over
    rgb = np.asarray(Image.open(SAMPLE / 'storm.jpg').convert('RGB'))
    ref = Colorizer().colorize_array(rgb).astype(int)
    for f in ('g.pt', 'g.onnx'):
        out = Colorizer(tmp_path / f).colorize_array(rgb)
        assert out.shape == rgb.shape and np.abs(out - ref).max() <= 2, f
    r = subprocess.run(['colorgan', 'export'], capture_output=True, text=True, env=user_env(), timeout=60)
    assert r.returncode == 2 and 'say what to write' in r.stderr


def test_inputs_with_one_output_name_get_unique_names(tmp_path, lab_ckpt, capsys):
    for d in ('a', 'b'):
        (tmp_path / d).mkdir()
        shutil.copy(SAMPLE / 'storm.jpg', tmp_path / d / 'x.jpg')
    Image.open(SAMPLE / 'aqua.jpg').save(tmp_path / 'a' / 'x.png')
    files = [str(tmp_path / 'a' / 'x.jpg'), str(tmp_path / 'b' / 'x.jpg'), str(tmp_path / 'a' / 'x.png')]
    cmd = ['colorize', *files, files[0], '--checkpoint', str(lab_ckpt), '--out', str(tmp_path / 'out')]
    assert main(cmd) == 0
    assert 'written 3, kept existing 0' in capsys.readouterr().out  # the repeated file is done once
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['x_jpg-2.png', 'x_jpg.png', 'x_png.png']
    assert main([*cmd, '--overwrite']) == 0
    assert 'written 0, replaced 3' in capsys.readouterr().out


def test_folder_skips_are_counted_by_reason_and_multiframe_files_noted(tmp_path, lab_ckpt, capsys):
    src = tmp_path / 'in'
    src.mkdir()
    shutil.copy(SAMPLE / 'storm.jpg', src / 'storm.jpg')
    (src / 'README.txt').write_text('photo credits')
    (src / 'gone.jpg').symlink_to(tmp_path / 'deleted.jpg')
    frames = [Image.open(SAMPLE / n).convert('RGB').resize((96, 64)) for n in ('aqua.jpg', 'wood.jpg')]
    frames[0].save(src / 'anim.gif', save_all=True, append_images=frames[1:])
    assert main(['colorize', str(src), '--checkpoint', str(lab_ckpt), '--out', str(tmp_path / 'out')]) == 0
    o = capsys.readouterr().out
    assert 'written 2,' in o and '1 not an image (.txt)' in o and '1 broken link' in o
    assert f"note: {src / 'anim.gif'}: first of its 2 frames used" in o
    assert Image.open(tmp_path / 'out' / 'in' / 'anim.png').size == (96, 64)


def test_write_failures_are_clear_and_leave_no_partial_files(tmp_path, lab_ckpt, capsys, monkeypatch):
    ck = ['--checkpoint', str(lab_ckpt)]
    (tmp_path / 'afile').write_text('x')
    assert main(['colorize', str(SAMPLE / 'storm.jpg'), *ck, '--out', str(tmp_path / 'afile')]) == 3
    assert 'is a file, not a folder' in capsys.readouterr().err
    # a read-only output folder (root ignores permissions, so then the OS refusal is simulated)
    ro = tmp_path / 'ro'
    ro.mkdir()
    ro.chmod(0o555)
    with monkeypatch.context() as m:
        if os.geteuid() == 0:
            m.setattr(tempfile, 'mkstemp', lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, 'Permission denied')))
        assert main(['colorize', str(SAMPLE / 'storm.jpg'), *ck, '--out', str(ro)]) == 3
    assert f'cannot write to {ro}: Permission denied' in capsys.readouterr().err and not list(ro.iterdir())
    # disk full at the second of three photos: it stops, says so, and leaves no partial file
    real_save, calls = Image.Image.save, []

    def save_until_full(self, fp, *a, **k):
        calls.append(fp)
        if len(calls) == 2:
            Path(fp).write_bytes(b'half a png')
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_save(self, fp, *a, **k)

    monkeypatch.setattr(Image.Image, 'save', save_until_full)
    photos = [str(SAMPLE / n) for n in ('storm.jpg', 'aqua.jpg', 'wood.jpg')]
    assert main(['colorize', *photos, *ck, '--out', str(tmp_path / 'out')]) == 3
    err = capsys.readouterr().err
    assert 'no space left on device' in err and 'aqua.png' in err and '2 file(s) not done' in err
    assert [p.name for p in (tmp_path / 'out').iterdir()] == ['storm.png']


def test_evaluate_json_folder_is_refused_first_and_data_is_relative_to_cwd(tmp_path, lab_ckpt, capsys, monkeypatch):
    (tmp_path / 'photos').mkdir()
    for n in ('storm.jpg', 'aqua.jpg'):
        shutil.copy(SAMPLE / n, tmp_path / 'photos' / n)
    monkeypatch.chdir(tmp_path)
    cmd = ['evaluate', '--data', 'photos', '--checkpoint', str(lab_ckpt), '--no-full-res']
    assert main([*cmd, '--json', '.']) == 2
    assert 'is a folder' in capsys.readouterr().err
    assert main([*cmd, '--json', 'scores.json']) == 0
    assert json.loads(Path('scores.json').read_text())['n_images'] == 2
    as_args = ['evaluate', 'photos/storm.jpg', 'photos', '--checkpoint', str(lab_ckpt), '--no-full-res', '--json', 'a.json']
    assert main(as_args) == 0  # folders and files as arguments, as colorize takes them
    assert json.loads(Path('a.json').read_text())['n_images'] == 3  # storm.jpg, then the folder's two
    assert main([*as_args, '--data', 'photos']) == 2 and 'give the photos once' in capsys.readouterr().err
    Path('photos').rename('my:photos')  # an argument is one path, even with the path separator in its name
    assert main(['evaluate', 'my:photos', '--checkpoint', str(lab_ckpt), '--no-full-res', '--json', 'b.json']) == 0
    assert json.loads(Path('b.json').read_text())['n_images'] == 2


def test_image_size_is_checked_and_any_array_layout_works(tmp_path):
    "A bad --image-size is refused before any work; flipped or strided arrays colorize like contiguous ones."
    for bad in (0, -5, 1.5, True):
        with pytest.raises(ValueError, match='image_size'):
            Colorizer(image_size=bad)
    assert main(['colorize', str(SAMPLE / 'storm.jpg'), '--out', str(tmp_path / 'o'), '--image-size', '0']) == 2
    assert not (tmp_path / 'o').exists()
    cz = Colorizer(image_size=96)
    rgb = read_rgb(SAMPLE / 'storm.jpg').permute(1, 2, 0).numpy()
    flipped = rgb[::-1]  # negative strides
    assert np.array_equal(cz.colorize_array(flipped), cz.colorize_array(np.ascontiguousarray(flipped)))
    with pytest.raises(ValueError, match='steps'):
        recolor(rgb, torch.zeros(2, 1, 1), steps=0)


NO_TORCH = r"""
import json, sys
from colorgan_nb.cli import main
rc = main(['colorize', sys.argv[1], '--out', sys.argv[2]])
from colorgan_nb.colorize import Colorizer
Colorizer()(sys.argv[1])
rc = rc or main(['evaluate', '--data', sys.argv[3], '--max-images', '2'])
print(json.dumps(dict(rc=rc, loaded=[m for m in ('torch', 'torchvision', 'timm', 'kornia') if m in sys.modules])))
"""


def test_the_default_model_colorizes_without_importing_torch(tmp_path):
    "`colorgan colorize`, `Colorizer()` and `colorgan evaluate` with the default model never import torch."
    r = subprocess.run([sys.executable, '-c', NO_TORCH, str(SAMPLE / 'flower.jpg'), str(tmp_path), str(SAMPLE)], env=user_env(),
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res == dict(rc=0, loaded=[]), res
    out = np.asarray(Image.open(tmp_path / 'flower.png'))
    assert out.shape == np.asarray(Image.open(SAMPLE / 'flower.jpg')).shape


def test_the_shipped_onnx_model_is_the_shipped_pt_model():
    "The ONNX default model (<= 20 MB) gives the .pt model's colours within 1 level per channel on real photos."
    import onnx

    onnx_path = default_checkpoint().with_suffix('.onnx')
    assert onnx_path.stat().st_size <= 20e6
    meta = json.loads({p.key: p.value for p in onnx.load(str(onnx_path)).metadata_props}['colorgan'])
    pt = Colorizer(default_checkpoint())
    assert meta['model_args'] == pt.info['model_args'] and meta['image_size'] == pt.image_size
    assert len(meta['train_files']) == len(pt.info['train_files'])  # the overlap warning works with ONNX too
    ox = Colorizer()
    assert ox.session is not None and ox.checkpoint == onnx_path
    for name in ('flower.jpg', 'greenmeadow.jpg', 'dune.jpg'):
        rgb = read_rgb(SAMPLE / name).permute(1, 2, 0).numpy()
        assert np.abs(ox.predict_ab(rgb) - pt.predict_ab(rgb)).max() < 1e-3  # Lab units
        diff = np.abs(ox.colorize_array(rgb).astype(int) - pt.colorize_array(rgb).astype(int))
        assert diff.max() <= 1, (name, diff.max())


def test_photo_metrics_ssim_is_scikit_images_on_real_photos():
    "The Numba SSIM of `photo_metrics` equals scikit-image's (same window, valid pixels) on real photos and noise."
    from skimage.metrics import structural_similarity
    from colorgan_nb.metrics import photo_metrics

    rng = np.random.default_rng(0)
    for name in ('storm.jpg', 'ladybird.jpg'):
        a = read_rgb(SAMPLE / name).permute(1, 2, 0).numpy()[:151, :233]
        b = np.clip(a.astype(int) + rng.integers(-25, 25, a.shape), 0, 255).astype(np.uint8)
        ref = structural_similarity(a / 255, b / 255, channel_axis=2, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                    use_sample_covariance=False)  # fmt: skip
        assert abs(float(photo_metrics(b, a)['ssim'][0]) - ref) < 1e-5
        assert float(photo_metrics(a, a)['ssim'][0]) > 0.99999


def test_resize_aa_is_torchs_uint8_antialiased_bilinear():
    "The shrink that feeds the model is bit-exact with torch's on real photos: shrinking, uneven, enlarging."
    import torch.nn.functional as F
    from colorgan_nb.colorize import resize_aa

    for name, sizes in (('garden.jpg', ((128, 160), (33, 250), (900, 700))), ('dune.jpg', ((96, 96), (7, 5)))):
        x = read_rgb(SAMPLE / name)
        for size in sizes:
            ref = F.interpolate(x[None], size=size, mode='bilinear', antialias=True)[0].permute(1, 2, 0).numpy()
            got = resize_aa(x.permute(1, 2, 0).numpy(), *size)
            assert got.dtype == np.uint8 and np.array_equal(got, ref), (name, size)
    with pytest.raises(ValueError, match='uint8'):
        resize_aa(np.zeros((4, 4, 3), np.float32), 2, 2)


@pytest.mark.skipif(not (SHARED / 'photos').is_dir(), reason='needs ../shared beside the checkout')
def test_the_onnx_path_gives_the_pytorch_paths_colours():
    """`Colorizer()` (ONNX, NumPy) against the PyTorch path it replaced (torch's shrink, the .pt generator): within 1
    level per channel on test photos of data/default_split.json where Pillow's shrink instead gives 3 to 8 levels."""
    import torch.nn.functional as F
    from colorgan_nb.colorize import _model_size
    from colorgan_nb.data import decode_lab, encode_L

    ox, pt = Colorizer(tta=False), Colorizer(default_checkpoint(), tta=False)
    for path in ('photos/greentock_by_peter_nerlich.jpg', 'photos/storm.jpg', 'photos2/lxqt_butterfly_kenneth_wimer.jpg'):
        x = read_rgb(SHARED / path)
        rgb = x.permute(1, 2, 0).numpy()
        h, w = _model_size(pt.multiple, pt.image_size, *rgb.shape[:2])
        small = F.interpolate(x[None], size=(h, w), mode='bilinear', antialias=True)[0].permute(1, 2, 0)
        gray = encode_L(lightness(small)[None, None])
        with torch.no_grad():
            ab = decode_lab(gray, pt.gen(gray).float(), pt.color_space)[0, 1:]
        ref = recolor(rgb, ab)
        assert np.abs(ox.colorize_array(rgb).astype(int) - ref).max() <= 1, path


def test_six_views_fade_the_colour_the_model_is_unsure_of():
    """With tta (the default) a nearly colourless photo the model paints in blotches (a white clock) gets less colour
    than from one view; a mirrored photo gets mirrored colour; the lightness is the photo's."""
    from colorgan_nb.colorize import shrink_unsure

    clock = read_rgb(SHARED / 'photos/greentock_by_peter_nerlich.jpg').permute(1, 2, 0).numpy() if SHARED.is_dir() \
        else read_rgb(SAMPLE / 'storm.jpg').permute(1, 2, 0).numpy()  # fmt: skip
    one, six = Colorizer(tta=False), Colorizer()
    assert six.tta and not one.tta
    a1, a6 = one.predict_ab(clock), six.predict_ab(clock)
    assert a6.shape[0] == 2 and a6.shape[1] > a1.shape[1]  # the largest view's grid: 1.25 x the model size
    if SHARED.is_dir():
        assert np.hypot(*a6).mean() < 0.8 * np.hypot(*a1).mean()
    mirrored = six.predict_ab(np.ascontiguousarray(clock[:, ::-1]))[:, :, ::-1]
    assert np.abs(mirrored - a6).max() < 1e-3
    out = six.colorize_array(clock)
    assert (lightness(out) - lightness(clock)).__abs__().max() < 0.5
    with pytest.raises(ValueError, match='K >= 2'):
        shrink_unsure(np.zeros((1, 2, 4, 4), np.float32))
    with pytest.raises(ValueError, match='strength'):
        shrink_unsure(np.zeros((2, 2, 4, 4), np.float32), strength=-1)


def test_evaluate_skips_a_colour_file_with_no_colour(tmp_path):
    "An RGB JPEG whose picture is gray (R = G = B) is skipped as grayscale, not scored (its gray PSNR is infinite)."
    from colorgan_nb.colorize import evaluate_folder

    for n in ('storm.jpg', 'aqua.jpg'):
        shutil.copy(SAMPLE / n, tmp_path / n)
    Image.open(SAMPLE / 'dune.jpg').convert('L').convert('RGB').save(tmp_path / 'gray_in_rgb.jpg')
    assert Image.open(tmp_path / 'gray_in_rgb.jpg').mode == 'RGB'
    r = evaluate_folder(None, tmp_path, eval_size=64, full_res=False, progress=False, tta=False)
    assert r['skipped'] == {'grayscale': 1} and r['n_images'] == 2
    assert np.isfinite(r['per_folder']['model_res']['all']['vs_gray']['psnr']['diff']).all()


def test_evaluate_finds_colour_photos_after_many_gray_ones_and_says_why_a_gray_folder_scores_nothing(tmp_path):
    """The mean-ab baseline is taken from the first 64 usable photos, not the first 64 files: a folder whose first 70
    files are gray scans is still scored on its colour photo; a folder of gray photos only is an error that counts
    them and says why (there is no colour original to score against)."""
    from colorgan_nb.colorize import evaluate_folder

    gray = np.asarray(Image.open(SAMPLE / 'dune.jpg').convert('L').resize((32, 32)))
    for i in range(70):
        Image.fromarray(gray).save(tmp_path / f'a_scan_{i:02d}.png')
    with pytest.raises(ValueError, match=r'no usable colour photos in .*: 70 files skipped \(70 grayscale\); a score '
                       'needs the colour original'):  # fmt: skip
        evaluate_folder(None, [tmp_path], eval_size=32, full_res=False, progress=False, tta=False)
    shutil.copy(SAMPLE / 'storm.jpg', tmp_path / 'z_colour.jpg')
    r = evaluate_folder(None, tmp_path, eval_size=32, full_res=False, progress=False, tta=False)
    assert r['n_images'] == 1 and r['skipped'] == {'grayscale': 70}
    assert r['notes']['photos'].startswith('only 1 photo: the intervals mean little')  # said with fewer than 10


@pytest.mark.parametrize('which', ['onnx', 'pt'])
def test_a_view_and_its_mirror_in_one_run_equal_two_runs(which):
    "predict_ab sends each view with its mirror image as a batch of 2: the same ab as two runs, on both back ends."
    from colorgan_nb.colorize import resize_aa

    cz = Colorizer() if which == 'onnx' else Colorizer(default_checkpoint())
    assert (cz.session is not None) == (which == 'onnx')
    small = resize_aa(np.asarray(Image.open(SAMPLE / 'storm.jpg').convert('RGB')), 96, 128)
    mirror = np.ascontiguousarray(small[:, ::-1])
    pair = cz._model_ab(np.stack([small, mirror]))
    assert pair.shape == (2, 2, 96, 128) and pair.dtype == np.float32
    assert np.abs(pair[0] - cz._model_ab(small)).max() < 1e-3  # Lab units, of ab in [-128, 127]
    assert np.abs(pair[1] - cz._model_ab(mirror)).max() < 1e-3
    assert np.abs(pair[0] - pair[1][:, :, ::-1]).mean() > 0.01  # the mirror is a different view, not a copy
