"""Quality on every kind of unseen photo (#21): Lite2 weights, colour as a distribution (soft encoding, annealed mean,
rebalancing, the classification head in the engine), init_from, the committed split and per-folder figures."""

import json
from pathlib import Path
import numpy as np
import pytest
import torch

from colorgan_nb import train as T
from colorgan_nb.colorize import Colorizer, evaluate_folder, folder_summary
from colorgan_nb.data import read_split_file
from colorgan_nb.metrics import paired_summary, photo_interval
from colorgan_nb.models import (
    ab_bins, ab_prior, annealed_mean, count_params, efficientnet_lite, load_checkpoint, load_generator,
    make_generator, rebalance_weights, shipped_checkpoint, soft_encode,
)  # fmt: skip
from conftest import ROOT, SAMPLE
from test_models import _imagenet_top1

TINY_DEFAULT = dict(preset='default_colorizer', image_size=32, cache_size=48, batch_size=4, pretrain_epochs=1,
                    max_steps=2, device='cpu', dataset='sample')  # fmt: skip


def test_lite2_weights_really_load():
    "The EfficientNet-Lite2 weights of the pip package: two real photos get their ImageNet class, untrained nets don't."
    import skimage.data

    pre, raw = efficientnet_lite('lite2', pretrained=True), efficientnet_lite('lite2', pretrained=False)
    for photo, cls in ((skimage.data.chelsea(), 285), (skimage.data.coffee(), 967)):  # Egyptian cat, espresso
        top, prob = _imagenet_top1(pre, photo)
        assert top == cls and prob > 0.3, (top, prob)
        assert _imagenet_top1(raw, photo)[0] != cls
    g = make_generator('unet_effnet_lite2', 2)
    enc = efficientnet_lite('lite2', pretrained=True, features_only=True).state_dict()
    assert all(torch.equal(v, g.encoder.state_dict()[k]) for k, v in enc.items())  # init never touched the encoder
    assert 5.0e6 < count_params(g) < 5.5e6


def test_soft_encoding_and_annealed_mean_round_trip_on_known_ab():
    bins = ab_bins()
    assert bins.shape == (262, 2) and len(torch.unique(bins, dim=0)) == 262
    ab = torch.stack(torch.meshgrid(torch.linspace(-40, 40, 17) + 1.3, torch.linspace(-50, 60, 23) + 2.1,
                                    indexing='ij'))  # fmt: skip (off the half-grid: no two bins equally near)
    have = {tuple(b.tolist()) for b in bins}
    inner = [i for i, (a, b) in enumerate(ab.reshape(2, -1).T.tolist()) if all(
        (10 * (a // 10) + da, 10 * (b // 10) + db) in have for da in (-10, 0, 10, 20) for db in (-10, 0, 10, 20))]
    edge = ab.reshape(2, -1)[:, [i for i in range(ab[0].numel()) if i not in inner]]
    ab = ab.reshape(2, -1)[:, inner][None, :, None]  # colours whose neighbouring bins all exist: (1, 2, 1, N)
    assert ab.shape[-1] > 200 and edge.shape[1] > 0
    z = soft_encode(ab, bins)
    assert torch.allclose(z.sum(1), torch.ones(1, 1, ab.shape[-1])) and int((z > 0).sum(1).max()) == 5
    assert (annealed_mean(torch.log(z.clamp_min(1e-12)), bins, 1.0) - ab).abs().max() < 1.0  # the mean: back to ab
    nearest = bins[torch.cdist(ab.permute(0, 2, 3, 1).reshape(-1, 2), bins).argmin(1)]
    mode = annealed_mean(torch.log(z.clamp_min(1e-12)), bins, 0.01).permute(0, 2, 3, 1).reshape(-1, 2)
    assert torch.allclose(mode, nearest, atol=1e-3)  # T -> 0: the most likely bin
    lg = torch.log(z.clamp_min(1e-12))  # T = 0.38 lies between the mean and the mode, nearer the mode
    to_mode = lambda t: (annealed_mean(lg, bins, t).permute(0, 2, 3, 1).reshape(-1, 2) - mode).norm(dim=1)
    assert (to_mode(0.38) <= to_mode(1.0) + 1e-4).all() and to_mode(0.38).mean() < 0.5 * to_mode(1.0).mean()


def test_rebalancing_weights_from_a_tiny_set():
    bins = ab_bins()
    ab = torch.zeros(2, 16, 16)
    ab[:, :, 12:] = torch.tensor([40.0, -40.0])[:, None, None]  # 3/4 gray, 1/4 one vivid colour
    prior = ab_prior(ab, bins)
    assert abs(float(prior.sum()) - 1) < 1e-9 and prior.max() == 0.75 and (prior > 0).sum() == 2
    w = rebalance_weights(prior, bins, lam=0.5)
    g, v = bins.norm(dim=1).argmin(), (bins - torch.tensor([40.0, -40.0])).norm(dim=1).argmin()
    assert w[v] > w[g] and w.min() > 0
    kern = torch.exp(-torch.cdist(bins.double(), bins.double()) ** 2 / 50)
    smooth = kern @ prior.double()
    assert abs(float((smooth / smooth.sum() * w.double()).sum()) - 1) < 1e-5  # E[w] = 1 under the smoothed prior
    assert torch.allclose(rebalance_weights(prior, bins, lam=1.0), torch.ones(len(bins)))  # lambda 1: no rebalancing
    with pytest.raises(ValueError, match='distribution'):
        rebalance_weights(prior * 2, bins)


def test_init_from_starts_from_exactly_the_given_weights(tmp_path):
    t = T.Trainer(T.make_config(**TINY_DEFAULT, epochs=1, out_dir=str(tmp_path / 'a'), init_from='default'))
    shipped = load_checkpoint(shipped_checkpoint())['generator']
    sd = t.gen.state_dict()
    assert sd.keys() == shipped.keys() and all(torch.equal(sd[k], v.float()) for k, v in shipped.items())
    t.fit()  # and a run's best.pt serves as init_from too
    t2 = T.Trainer(T.make_config(**TINY_DEFAULT, epochs=1, out_dir=str(tmp_path / 'b'),
                                 init_from=str(tmp_path / 'a' / 'best.pt')))  # fmt: skip
    best = load_checkpoint(tmp_path / 'a' / 'best.pt')['generator']
    assert all(torch.equal(t2.gen.state_dict()[k], v) for k, v in best.items())
    with pytest.raises(ValueError, match='holds a unet_effnet_lite0 generator'):
        T.Trainer(T.make_config(**TINY_DEFAULT, generator='unet_effnet_lite2', epochs=1, out_dir=str(tmp_path / 'c'),
                                init_from='default'))  # fmt: skip
    assert not (tmp_path / 'c').exists()


def test_classification_head_trains_resumes_and_colorizes(tmp_path):
    cfg = dict(**TINY_DEFAULT, head='classify', lambda_rec=2.5, init_from='default', out_dir=str(tmp_path / 'run'))
    t = T.Trainer(T.make_config(**cfg, epochs=2))
    assert t.gen.class_weights.max() > 1 > t.gen.class_weights.min() > 0  # rebalanced from the training photos
    shipped = load_checkpoint(shipped_checkpoint())['generator']  # the encoder comes from the shipped model
    assert all(torch.equal(t.gen.state_dict()[k], v.float()) for k, v in shipped.items() if k.startswith('encoder.'))
    m = t.fit()
    assert m['temperatures']['chosen'] in T.TEMPERATURES and np.isfinite(m['model']['ciede2000'])
    resumed = T.Trainer(T.make_config(**cfg, epochs=3, resume=True))
    assert torch.equal(resumed.gen.class_weights, t.gen.class_weights)
    g, info = load_generator(tmp_path / 'run' / 'best.pt')
    assert info['model_args']['head'] == 'classify' and abs(float(g.temperature) - m['temperatures']['chosen']) < 1e-6  # stored as float32
    out = Colorizer(tmp_path / 'run' / 'best.pt')(SAMPLE / 'aqua.jpg')
    assert out.size == Colorizer()(SAMPLE / 'aqua.jpg').size
    with pytest.raises(ValueError, match="'classify' needs color_space 'lab'"):
        T.make_config(preset='report_gan_l1', head='classify')


@pytest.mark.skipif(not (ROOT.parent / 'shared' / 'photos3').is_dir(), reason='needs ../shared beside the checkout')
def test_the_committed_split_never_tests_on_trained_photos():
    split = read_split_file(ROOT / 'data' / 'default_split.json')
    test = {p.resolve() for p in split['test']}
    assert len(test) >= 40 and not test & {p.resolve() for p in split['train'] + split['valid']}
    assert {p.parent.name for p in split['test']} == {'photos', 'photos2', 'photos3'}
    shipped = json.loads((ROOT / 'reports' / 'default_colorizer' / 'splits.json').read_text())['train']
    assert not test & {(ROOT / f).resolve() for f in shipped}  # nor did the shipped model (init_from='default')


def test_per_folder_summary_gives_intervals_and_win_rates():
    rows = []
    for folder, n, delta in (('objects', 6, -2.0), ('landscapes', 5, 1.0)):
        for i in range(n):
            for method, de in (('model', 10 + delta + 0.1 * i), ('gray', 10 + 0.1 * i), ('mean_ab', 11.0)):
                rows.append(dict(photo=f'{folder}/{i}.jpg', folder=folder, res='model_res', method=method,
                                 ciede2000=de, psnr=30 - de, colorfulness=20.0))  # fmt: skip
    s = folder_summary(rows)['model_res']
    assert s['all']['n'] == 11 and s['objects']['n'] == 6 and s['landscapes']['n'] == 5
    assert s['objects']['vs_gray']['ciede2000']['diff'] == (-2.0, -2.0, -2.0)
    assert s['objects']['vs_gray']['ciede2000']['win_rate'] == 1.0 and s['landscapes']['vs_gray']['ciede2000']['win_rate'] == 0
    assert s['landscapes']['vs_gray']['psnr']['win_rate'] == 0.0
    lo, hi = s['all']['vs_gray']['ciede2000']['diff'][1:]
    assert lo < -0.6 < hi  # the pooled mean (-6/11 + 5/11 ... ) lies inside its interval
    mean, lo, hi = photo_interval([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and lo < mean < hi


def test_evaluate_reports_each_folder(tmp_path):
    import shutil

    for folder, names in (('a', ('aqua.jpg', 'storm.jpg')), ('b', ('ladybird.jpg',))):
        (tmp_path / folder).mkdir()
        for n in names:
            shutil.copy(SAMPLE / n, tmp_path / folder / n)
    res = evaluate_folder(None, [str(tmp_path / 'a'), str(tmp_path / 'b')], eval_size=64, full_res=False,
                          progress=False)  # fmt: skip
    pf = res['per_folder']['model_res']
    assert set(pf) == {'all', 'a', 'b'} and pf['a']['n'] == 2 and pf['b']['n'] == 1 and pf['all']['n'] == 3
    d = [p['ciede2000'] for p in res['photos'] if p['method'] == 'model']
    assert pf['all']['model']['ciede2000'][0] == pytest.approx(np.mean(d))
