"The engine on a CUDA GPU: batches cut on the device, bf16/fp16, torch.compile, and no host sync inside a step."

import warnings
import pytest
import torch

from colorgan_nb import train as T
from colorgan_nb.data import CachedBatches, PhotoDataset, find_images, sample_dir

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
TINY = dict(dataset='sample', image_size=32, batch_size=4, base_channels=8, disc_channels=8, device='cuda',
            num_workers=0, max_steps=3, cache='cuda', n_grid=2, epochs=1)  # fmt: skip


@cuda
def test_batches_cut_on_the_gpu_match_the_cpu_ones():
    files = find_images(sample_dir())[:6]
    kw = dict(image_size=32, train=True, cache_size=48, repeats=2, progress=False)
    cpu, gpu = PhotoDataset(files, cache='ram', **kw), PhotoDataset(files, cache='cuda', **kw)
    a = list(CachedBatches(cpu, 4, generator=torch.Generator().manual_seed(3)))
    b = list(CachedBatches(gpu, 4, generator=torch.Generator().manual_seed(3)))
    assert len(a) == len(b) == 3 and b[0][0].device.type == 'cuda'
    for (ga, ta), (gb, tb) in zip(a, b):  # the same boxes and flips (drawn on the CPU), resized by other kernels
        assert (ga - gb.cpu()).abs().mean() < 0.01 and (ta - tb.cpu()).abs().mean() < 0.01


@cuda
@pytest.mark.parametrize('amp_dtype, scaled', [('bf16', False), ('fp16', True)])
def test_mixed_precision_trains(tmp_path, amp_dtype, scaled):
    t = T.Trainer(T.make_config(**TINY, amp_dtype=amp_dtype, out_dir=str(tmp_path)))
    assert t.amp_dtype == (torch.bfloat16 if amp_dtype == 'bf16' else torch.float16)
    assert t.scaler_g.is_enabled() == scaled and t.opt_g.defaults['fused']
    m = t.fit()
    assert all(map(torch.isfinite, torch.tensor(list(m['model'].values()))))


@cuda
@pytest.mark.parametrize('preset', ['report_gan_l1', 'report_wgan_gp'])
def test_compiled_networks_train(tmp_path, preset):
    t = T.Trainer(T.make_config(preset, **TINY, compile=True, out_dir=str(tmp_path)))
    row = t.train_epoch()
    assert torch.isfinite(torch.tensor([row['loss_g'], row['loss_d']])).all()
    assert (t.d_adv is t.disc) == (preset == 'report_wgan_gp')  # the WGAN-GP critic stays eager


@cuda
def test_no_host_sync_inside_a_step(tmp_path):
    "The syncs of an epoch do not grow with its steps: only the end-of-epoch check reads the device."
    t = T.Trainer(T.make_config('default_colorizer', **{**TINY, 'max_steps': 8}, pretrained=False, ema=0.9,
                                pretrain_epochs=0, train_repeats=8, out_dir=str(tmp_path)))  # fmt: skip
    t.train_epoch()  # warm-up: cuDNN autotuning, lazy state

    def syncs(steps):
        t.cfg['max_steps'] = steps
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            torch.cuda.set_sync_debug_mode('warn')
            try:
                t.train_epoch()
            finally:
                torch.cuda.set_sync_debug_mode('default')
        return sum('synchroniz' in str(x.message) for x in w)

    assert syncs(2) == syncs(8)
