"Data layer: colour spaces against scikit-image, the three dataset readers, and every kind of bad input."

import logging, shutil, struct, tarfile, zlib
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image
from scipy.io import savemat
from skimage import color

from colorgan_nb.data import (
    BadImage,
    KaggleLab,
    PhotoDataset,
    decode_rgb,
    encode_rgb,
    find_images,
    flowers102_files,
    make_dataloaders,
    read_rgb,
    rgb_to_lab,
)
from conftest import SAMPLE


def _rgb(path):
    return np.array(Image.open(path).convert('RGB'))


# --- colour spaces ------------------------------------------------------------------------------------


@pytest.mark.parametrize('name', ['flower.jpg', 'storm.jpg', 'ladybird.jpg', 'dune.jpg'])
def test_lab_matches_skimage_and_round_trips(name):
    img = _rgb(SAMPLE / name)
    rgb = torch.from_numpy(img).permute(2, 0, 1).float()[None] / 255
    gray, ab = encode_rgb(rgb)
    ref = torch.from_numpy(color.rgb2lab(img)).permute(2, 0, 1).float()[None]
    assert (gray - (ref[:, :1] / 50 - 1)).abs().max() < 1e-3
    assert (ab - ref[:, 1:] / 128).abs().max() < 1e-3
    assert (decode_rgb(gray, ab) - rgb).abs().max() < 1e-3
    g, t = encode_rgb(rgb, 'rgb')
    assert torch.equal(g, gray) and (decode_rgb(g, t, 'rgb') - rgb).abs().max() < 1e-6


def test_lab_is_differentiable():
    rgb = torch.rand(2, 3, 8, 8, requires_grad=True)
    rgb_to_lab(rgb).sum().backward()
    assert rgb.grad is not None and torch.isfinite(rgb.grad).all()


# --- bad and unusual files ----------------------------------------------------------------------------


def _png_bomb(path, side=100_000):
    "A tiny PNG whose header claims side x side pixels (Pillow refuses it at open)."

    def chunk(tag, data):
        return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack('>IIBBBBB', side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b'')
    )


def test_unusable_files_raise_badimage_with_reason(tmp_path, photo):
    (tmp_path / 'zero.jpg').write_bytes(b'')
    (tmp_path / 'text.jpg').write_text('not a picture')
    data = photo.read_bytes()
    (tmp_path / 'trunc.jpg').write_bytes(data[: len(data) // 3])
    _png_bomb(tmp_path / 'bomb.png')
    expect = {
        'zero.jpg': 'not an image',
        'text.jpg': 'not an image',
        'trunc.jpg': 'truncated or corrupt',
        'bomb.png': 'decompression bomb',
    }
    for name, reason in expect.items():
        with pytest.raises(BadImage) as e:
            read_rgb(tmp_path / name)
        assert e.value.reason == reason, name


def test_modes_are_converted_correctly(tmp_path, photo):
    rgb = Image.open(photo).convert('RGB')
    rgb.convert('CMYK').save(tmp_path / 'cmyk.jpg', quality=95)
    out = read_rgb(tmp_path / 'cmyk.jpg')
    assert out.shape == (3, rgb.height, rgb.width) and out.dtype == torch.uint8
    assert np.abs(out.permute(1, 2, 0).numpy().astype(int) - np.asarray(rgb, dtype=int)).mean() < 6
    # 16-bit gray PNG: scaled to 8 bits, not clipped at 255
    a16 = np.array([[0, 32896, 65535, 1000]], dtype=np.uint16).repeat(4, 0)
    Image.fromarray(a16).save(tmp_path / 'g16.png')
    assert Image.open(tmp_path / 'g16.png').mode.startswith('I')
    assert read_rgb(tmp_path / 'g16.png')[0, 0].tolist() == [0, 128, 255, 4]
    # 32-bit float gray TIFF: 0..1 (the usual float range) or 0..255 both give the 8-bit picture, not a black one
    gray = np.asarray(rgb.convert('L'))
    for name, scale in (('f01.tif', 1 / 255), ('f255.tif', 1.0)):
        Image.fromarray(gray.astype(np.float32) * np.float32(scale)).save(tmp_path / name)
        assert Image.open(tmp_path / name).mode == 'F'
        out = read_rgb(tmp_path / name)[0].numpy().astype(int)
        assert np.abs(out - gray).max() <= 1, name
    # 32-bit integer gray beyond 16 bits: scaled from 0..its largest value, not saturated at 65535
    Image.fromarray(gray.astype(np.int32) * 4096).save(tmp_path / 'i32.tif')
    assert Image.open(tmp_path / 'i32.tif').mode == 'I'
    out = read_rgb(tmp_path / 'i32.tif')[0].numpy().astype(int)
    assert np.abs(out - np.rint(gray / gray.max() * 255)).max() <= 1
    bad = gray.astype(np.float32) / 255
    bad[0, 0] = np.nan
    Image.fromarray(bad).save(tmp_path / 'nan.tif')
    with pytest.raises(BadImage) as e:
        read_rgb(tmp_path / 'nan.tif')
    assert e.value.reason == 'bad pixel values'
    # palette PNG with a transparent entry: composited on white
    p = Image.new('P', (4, 4))
    p.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    p.putpixel((0, 0), 1)
    p.save(tmp_path / 'pal.png', transparency=1)
    out = read_rgb(tmp_path / 'pal.png')
    assert out[:, 0, 0].tolist() == [255, 255, 255] and out[:, 1, 1].tolist() == [255, 0, 0]
    # RGBA: transparent pixels become white
    Image.new('RGBA', (4, 4), (10, 200, 30, 0)).save(tmp_path / 'rgba.png')
    assert read_rgb(tmp_path / 'rgba.png')[:, 0, 0].tolist() == [255, 255, 255]


def test_exif_orientation_is_applied(tmp_path, photo):
    im = Image.open(photo).convert('RGB')
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    im.save(tmp_path / 'rot.jpg', exif=exif, quality=95)
    out = read_rgb(tmp_path / 'rot.jpg')
    assert out.shape == (3, im.width, im.height)  # displayed upright: width and height swap
    upright = np.asarray(im.transpose(Image.Transpose.ROTATE_270), dtype=int)
    assert np.abs(out.permute(1, 2, 0).numpy().astype(int) - upright).mean() < 4


def test_grayscale_sources_are_rejected_for_training(tmp_path, photo):
    Image.open(photo).convert('L').save(tmp_path / 'l.jpg')
    Image.open(photo).convert('L').convert('RGB').save(tmp_path / 'rgbgray.png')
    assert read_rgb(tmp_path / 'l.jpg').shape[0] == 3  # usable for colorizing
    for name in ('l.jpg', 'rgbgray.png'):
        with pytest.raises(BadImage) as e:
            read_rgb(tmp_path / name, allow_gray=False)
        assert e.value.reason == 'grayscale'


def _bad_folder(tmp, photo):
    "Three good photos plus one of each kind of bad file."
    for n in ('storm.jpg', 'dune.jpg', 'garden.jpg', 'aqua.jpg', 'wood.jpg'):
        shutil.copy(SAMPLE / n, tmp / n)
    (tmp / 'sub').mkdir()
    shutil.copy(photo, tmp / 'sub' / 'FLOWER.JPG')  # recursive, any-case extension
    (tmp / 'zero.jpg').write_bytes(b'')
    (tmp / 'notes.png').write_text('hello')
    data = photo.read_bytes()
    (tmp / 'trunc.jpg').write_bytes(data[: len(data) // 3])
    _png_bomb(tmp / 'bomb.png')
    Image.open(photo).convert('L').save(tmp / 'gray.jpg')
    Image.open(photo).convert('RGB').resize((20, 15)).save(tmp / 'tiny.jpg')
    Image.open(photo).convert('RGB').resize((48, 40)).save(tmp / 'small.jpg')  # smaller than the crop: upscaled
    (tmp / 'readme.txt').write_text('ignored: not an image extension')


def test_folder_with_bad_files_trains_through_an_epoch(tmp_path, photo, caplog):
    _bad_folder(tmp_path, photo)
    assert len(find_images(tmp_path)) == 13
    with caplog.at_level(logging.WARNING, logger='colorgan_nb'):
        dls = make_dataloaders(
            'folder', tmp_path, image_size=64, batch_size=2, ratios=(0.7, 0.15, 0.15), seed=1, progress=False
        )
    skipped = dls.skips.counts
    assert skipped == {'not an image': 2, 'decompression bomb': 1, 'grayscale': 1, 'too small': 1}
    assert sum(1 for r in caplog.records if 'skipped' in r.getMessage()) == 1  # reported once, not per file
    n = 0
    for dl in (dls.train, dls.valid, dls.test):
        for xb, yb in dl:
            assert xb.shape[1:] == (1, 64, 64) and yb.shape[1:] == (2, 64, 64) and torch.isfinite(yb).all()
            n += len(xb)
    assert n >= 7  # every usable image went through; the truncated one was replaced, not fatal


def test_truncated_file_is_skipped_at_decode_and_counted(tmp_path, photo):
    shutil.copy(photo, tmp_path / 'a.jpg')
    data = photo.read_bytes()
    (tmp_path / 'b.jpg').write_bytes(data[: len(data) // 3])
    ds = PhotoDataset([tmp_path / 'a.jpg', tmp_path / 'b.jpg'], image_size=32)
    items = [ds[i] for i in range(len(ds))]
    assert len(items) == 2 and ds.skips.counts['truncated or corrupt'] == 1
    cached = PhotoDataset([tmp_path / 'a.jpg', tmp_path / 'b.jpg'], image_size=32, cache='ram', progress=False)
    assert len(cached) == 1 and cached.images.shape == (1, 3, 32, 32) and cached.skips.total == 1


def test_missing_and_empty_folders_fail_before_training(tmp_path):
    with pytest.raises(FileNotFoundError, match='not found'):
        make_dataloaders('folder', tmp_path / 'nope')
    with pytest.raises(ValueError, match='no image files'):
        make_dataloaders('folder', tmp_path)
    with pytest.raises(ValueError, match='data_dir'):
        make_dataloaders('folder')
    with pytest.raises(ValueError, match='color_space'):
        make_dataloaders('sample', color_space='hsv')
    with pytest.raises(ValueError, match='image_size'):
        make_dataloaders('sample', image_size=8)
    with pytest.raises(ValueError, match='ratios'):
        make_dataloaders('sample', split='random', ratios=(0.5, 0.5, 0.5))


def test_sample_cache_matches_layout_and_is_deterministic():
    a = make_dataloaders('sample', image_size=32, batch_size=4, cache='ram', seed=3, progress=False)
    b = make_dataloaders('sample', image_size=32, batch_size=4, cache='ram', seed=3, progress=False)
    assert a.train.dataset.images.shape[1:] == (3, 32, 32)
    torch.manual_seed(0)
    xa, ya = next(iter(a.train))
    torch.manual_seed(0)
    xb, yb = next(iter(b.train))
    assert torch.equal(xa, xb) and torch.equal(ya, yb)


# --- Kaggle L/ab .npy --------------------------------------------------------------------------------


def _kaggle(root, n=(3, 2), size=24, nested=False):
    imgs = [
        np.asarray(Image.open(p).convert('RGB').resize((size, size))) for p in sorted(SAMPLE.glob('*.jpg'))[: sum(n)]
    ]
    lab = np.stack([color.rgb2lab(i) for i in imgs])
    (root / 'l').mkdir(parents=True)
    ab_dir = root / 'ab' / ('ab' if nested else '')
    ab_dir.mkdir(parents=True, exist_ok=True)
    np.save(root / 'l' / 'gray_scale.npy', np.rint(lab[..., 0] * 255 / 100).astype(np.uint8))
    ab = np.rint(lab[..., 1:] + 128).clip(0, 255).astype(np.uint8)
    for k, (lo, hi) in enumerate(zip(np.cumsum((0,) + n[:-1]), np.cumsum(n)), 1):
        np.save(ab_dir / f'ab{k}.npy', ab[lo:hi])
    return imgs, lab


@pytest.mark.parametrize('nested', [False, True])
def test_kaggle_reads_memory_mapped_pairs(tmp_path, nested):
    imgs, lab = _kaggle(tmp_path, nested=nested)
    ds = KaggleLab(tmp_path, image_size=24)
    assert len(ds) == 5
    gray, ab = ds[4]  # the second ab file's second image
    assert gray.shape == (1, 24, 24) and ab.shape == (2, 24, 24)
    assert (gray[0].numpy() - (lab[4, ..., 0] / 50 - 1)).__abs__().max() < 0.01  # 8-bit L quantisation
    assert (ab.permute(1, 2, 0).numpy() - lab[4, ..., 1:] / 128).__abs__().max() < 0.01
    assert all(isinstance(a, np.memmap) for a in [ds._arrays[0], *ds._arrays[1]])
    _, rgb = KaggleLab(tmp_path, image_size=32, color_space='rgb')[0]
    assert rgb.shape == (3, 32, 32) and -1 <= rgb.min() and rgb.max() <= 1
    dls = make_dataloaders('kaggle', tmp_path, image_size=16, batch_size=2, progress=False)
    assert next(iter(dls.train))[1].shape == (2, 2, 16, 16)


def test_kaggle_download_fetches_the_set_into_data_dir_once_and_says_why_it_could_not(tmp_path, monkeypatch):
    """download=True asks kagglehub for the public set (stood in for here, refusing a non-empty folder as kagglehub
    does: no network in tests) into a folder of its own under data_dir, which also holds other things (data/ holds the
    sample photos), in the layout the archive unpacks to (ab/ab/), and trains from it; once there, it is neither
    fetched again nor needs download; a download cut short is started over; a failed download (no network) is a
    FileNotFoundError naming the reason, and without download the message says how to fetch it."""
    kagglehub = pytest.importorskip('kagglehub')
    import requests

    from colorgan_nb.data import KAGGLE_HANDLE

    data = tmp_path / 'data'
    (data / 'sample').mkdir(parents=True)
    shutil.copy(SAMPLE / 'storm.jpg', data / 'sample' / 'storm.jpg')  # data/ is not empty
    calls = []

    def fetch(handle, path=None, *, force_download=False, output_dir=None):
        calls.append((handle, output_dir, force_download))
        out = Path(output_dir)
        if out.exists() and any(out.iterdir()) and not force_download:
            raise FileExistsError(f"output_dir is not empty: {out}. Set force_download=True to replace it.")
        shutil.rmtree(out, ignore_errors=True)
        _kaggle(out, n=(4, 3, 3), nested=True)  # as the Kaggle archive unpacks
        return output_dir

    with pytest.raises(FileNotFoundError, match=r'or pass download=True \(-p download True\)'):
        make_dataloaders('kaggle', data, image_size=24, batch_size=2, progress=False)
    monkeypatch.setattr(kagglehub, 'dataset_download', fetch)
    (data / 'image-colorization' / 'l').mkdir(parents=True)  # a download cut short: started over
    dls = make_dataloaders('kaggle', data, image_size=24, batch_size=2, download=True, progress=False)
    assert calls == [(KAGGLE_HANDLE, str(data / 'image-colorization'), True)] and sum(dls.info['sizes'].values()) == 10
    assert (data / 'sample' / 'storm.jpg').exists()  # nothing else in data/ was touched
    gray, ab = next(iter(dls.train))
    assert gray.shape == (2, 1, 24, 24) and ab.shape == (2, 2, 24, 24)
    for download in (True, False):  # there now: not fetched again, and found without download too
        make_dataloaders('kaggle', data, image_size=24, batch_size=2, download=download, progress=False)
    assert len(calls) == 1

    def offline(handle, path=None, *, force_download=False, output_dir=None):
        raise requests.exceptions.ConnectionError('Failed to resolve www.kaggle.com')

    monkeypatch.setattr(kagglehub, 'dataset_download', offline)
    with pytest.raises(FileNotFoundError, match=r'downloading shravankumar9892/image-colorization failed '
                       r'\(ConnectionError: Failed to resolve www.kaggle.com\); put l/gray_scale.npy'):  # fmt: skip
        make_dataloaders('kaggle', tmp_path / 'elsewhere', image_size=24, batch_size=2, download=True, progress=False)


def test_kaggle_mismatched_files_fail_clearly(tmp_path):
    _kaggle(tmp_path)
    np.save(tmp_path / 'ab' / 'ab2.npy', np.zeros((1, 24, 24, 2), np.uint8))
    with pytest.raises(ValueError, match='L has 5 images but the ab files hold 4'):
        KaggleLab(tmp_path)
    np.save(tmp_path / 'ab' / 'ab2.npy', np.zeros((2, 20, 24, 2), np.uint8))
    with pytest.raises(ValueError, match='expected uint8'):
        KaggleLab(tmp_path)
    with pytest.raises(FileNotFoundError, match='gray_scale.npy'):
        KaggleLab(tmp_path / 'missing')
    data = (tmp_path / 'ab' / 'ab1.npy').read_bytes()  # a download cut short: named, not numpy's bare message
    (tmp_path / 'ab' / 'ab1.npy').write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match='ab1.npy is not a readable .npy file'):
        KaggleLab(tmp_path)


# --- Oxford Flowers-102 --------------------------------------------------------------------------------


def _flowers(root, n=12, archive=False):
    d = root / 'flowers-102'
    (d / 'jpg').mkdir(parents=True)
    photos = sorted(SAMPLE.glob('*.jpg'))
    for i in range(n):
        Image.open(photos[i]).save(d / 'jpg' / f'image_{i + 1:05d}.jpg')
    ids = np.arange(1, n + 1)
    savemat(d / 'setid.mat', {'trnid': ids[:4], 'valid': ids[4:7], 'tstid': ids[7:]})
    savemat(d / 'imagelabels.mat', {'labels': np.ones(n)})
    if archive:
        with tarfile.open(d / '102flowers.tgz', 'w:gz') as tf:
            tf.add(d / 'jpg', arcname='jpg')
        shutil.rmtree(d / 'jpg')


@pytest.mark.parametrize('archive', [False, True])
def test_flowers_official_and_random_splits(tmp_path, archive):
    _flowers(tmp_path, archive=archive)
    files, splits = flowers102_files(tmp_path)
    assert len(files) == 12 and [len(splits[k]) for k in ('train', 'valid', 'test')] == [4, 3, 5]
    assert files[0].name == 'image_00001.jpg' and files[0].exists()
    dls = make_dataloaders('flowers102', tmp_path, image_size=32, batch_size=2, progress=False)
    assert dls.info['sizes'] == {'train': 4, 'valid': 3, 'test': 5}
    dls = make_dataloaders(
        'flowers102', tmp_path, image_size=32, split='random', ratios=(0.5, 0.25, 0.25), progress=False
    )
    assert dls.info['sizes'] == {'train': 6, 'valid': 3, 'test': 3}


def test_flowers_missing_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        flowers102_files(tmp_path)
    msg = str(e.value)
    assert '102flowers.tgz' in msg and 'setid.mat' in msg and str(tmp_path / 'flowers-102') in msg and 'download' in msg


def test_flowers_download_fetches_what_is_missing_or_damaged_and_says_why_it_could_not(tmp_path, monkeypatch):
    """With download=True, torchvision's Flowers102 is asked only when files are missing or the archive is damaged
    (stood in for here: no network in tests); a failed download (no network) is a FileNotFoundError naming the reason
    and what to put where, not urllib's traceback."""
    import urllib.error

    import torchvision

    calls = []

    def no_network(root, split, download):
        calls.append(root)
        raise urllib.error.URLError('[Errno -2] Name or service not known')

    monkeypatch.setattr(torchvision.datasets, 'Flowers102', no_network)
    with pytest.raises(FileNotFoundError) as e:
        flowers102_files(tmp_path, download=True)
    msg = str(e.value)
    assert 'downloading it failed (URLError' in msg and 'Name or service not known' in msg
    assert '102flowers.tgz' in msg and str(tmp_path / 'flowers-102') in msg and len(calls) == 1
    _flowers(tmp_path, archive=True)
    files, _ = flowers102_files(tmp_path, download=True)  # all there: no download
    assert len(files) == 12 and len(calls) == 1
    shutil.rmtree(tmp_path / 'flowers-102' / 'jpg')
    tgz = tmp_path / 'flowers-102' / '102flowers.tgz'
    whole = tgz.read_bytes()
    tgz.write_bytes(whole[: len(whole) // 2])  # a download cut short

    def fetch_again(root, split, download):  # what torchvision does: the checksum fails, so it fetches the file again
        calls.append(root)
        tgz.write_bytes(whole)

    monkeypatch.setattr(torchvision.datasets, 'Flowers102', fetch_again)
    files, _ = flowers102_files(tmp_path, download=True)
    assert len(files) == 12 and len(calls) == 2


def test_flowers_truncated_archive_or_split_file_is_named_and_leaves_no_half_set(tmp_path):
    """A 102flowers.tgz cut short raises ValueError naming it and leaves no jpg/ folder (a half set would be taken
    for the data set next time); once the archive is whole, it extracts. A damaged setid.mat is named too."""
    _flowers(tmp_path, archive=True)
    tgz = tmp_path / 'flowers-102' / '102flowers.tgz'
    whole = tgz.read_bytes()
    tgz.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match='102flowers.tgz is truncated or corrupt'):
        flowers102_files(tmp_path)
    assert not (tmp_path / 'flowers-102' / 'jpg').exists()
    assert not list((tmp_path / 'flowers-102').glob('.jpg*'))
    tgz.write_bytes(whole)
    (tmp_path / 'flowers-102' / 'jpg').mkdir()  # a folder of the user's own where jpg/ goes: kept, and named
    (tmp_path / 'flowers-102' / 'jpg' / 'notes.txt').write_text('mine')
    with pytest.raises(ValueError, match='holds other files and no image_'):
        flowers102_files(tmp_path)
    assert (tmp_path / 'flowers-102' / 'jpg' / 'notes.txt').read_text() == 'mine'
    shutil.rmtree(tmp_path / 'flowers-102' / 'jpg')
    files, _ = flowers102_files(tmp_path)
    assert len(files) == 12
    (tmp_path / 'flowers-102' / 'setid.mat').write_bytes(b'MATLAB 5.0 MAT-file, cut short')
    with pytest.raises(ValueError, match='setid.mat is not Flowers-102'):
        flowers102_files(tmp_path)


def test_batched_crop_boxes_follow_torchvision_and_cut_the_same_pixels():
    "CachedBatches' crop boxes and flips have RandomResizedCrop's distribution; each box is cut as torchvision cuts it."
    from torchvision.transforms import v2
    from colorgan_nb.data import crop_batch, random_resized_crop_boxes

    n, (H, W) = 6000, (120, 200)
    torch.manual_seed(0)
    ref = torch.tensor([v2.RandomResizedCrop.get_params(torch.zeros(3, H, W), [0.5, 1.0], [3 / 4, 4 / 3])
                        for _ in range(n)]).double()  # fmt: skip
    ours, flips = random_resized_crop_boxes(n, H, W, (0.5, 1.0), generator=torch.Generator().manual_seed(1))
    for k, top in enumerate((H, W, H, W)):  # top, left, height, width: histograms of 8 bins agree within noise
        bins = torch.linspace(0, top + 1, 9, dtype=torch.float64)
        a, b = (torch.histogram(x[:, k].double(), bins).hist / n for x in (ref, ours))
        assert (a - b).abs().max() < 0.03, (k, a, b)
    assert abs(flips.double().mean() - 0.5) < 0.03
    assert ((ours[:, 0] + ours[:, 2] <= H) & (ours[:, 1] + ours[:, 3] <= W)).all()
    # no try fits a 10 x 1000 strip: both fall back to the same centred crop, clamped to the ratio range
    torch.manual_seed(0)
    strip = v2.RandomResizedCrop.get_params(torch.zeros(3, 10, 1000), [0.9, 1.0], [3 / 4, 4 / 3])
    assert random_resized_crop_boxes(3, 10, 1000, (0.9, 1.0))[0].tolist() == [list(strip)] * 3
    img = (torch.rand(2, 3, 64, 96) * 255).to(torch.uint8)
    boxes, flip = torch.tensor([[3, 5, 40, 50], [0, 10, 64, 60]]), torch.tensor([False, True])
    out = crop_batch(img, boxes, flip, 32)
    for k in range(2):
        want = v2.functional.resized_crop(img[k], *boxes[k].tolist(), [32, 32], antialias=True).float() / 255
        assert torch.equal(out[k], want.flip(-1) if flip[k] else want)
