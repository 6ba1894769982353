"""Training speed of the engine (`colorgan_nb.train.Trainer.train_epoch`) against a plain loop over the same networks.

    python bench/train_speed.py                                   # default_colorizer at its batch (16), this device
    python bench/train_speed.py --runs default_colorizer:128 report_gan_l1:64 --compile both --json out.json
    PYTHONPATH=/path/to/other/checkout python bench/train_speed.py   # the same figures for another version

For each preset:batch it trains on real photos (../shared/photos* beside the checkout, else data/sample), cached on
the device (`cache='cuda'` on a GPU, 'ram' on the CPU), in the adversarial phase (`pretrain_epochs=0`), and reports:
- engine img/s: steady state, the median of `--repeat` timed epochs of `--steps` steps after `--warmup` epochs;
  with `--compile on`, the warm-up seconds (torch.compile's) too;
- FLOPs per image: `torch.utils.flop_counter.FlopCounterMode` over one real engine step (n_critic steps for WGAN-GP),
  forward and backward of generator and discriminator, divided by the images (with `--compile on`, that step runs
  eager: the counter does not see inside compiled graphs);
- MFU: FLOPs per image x img/s / the GPU's dense bf16 peak (`PEAKS`, by device name); none on a CPU;
- peak GPU memory of the engine's epochs;
- the plain loop: the same generator and discriminator, BCE + 100 L1 (conditional discriminator), bf16 autocast on
  CUDA, channels-last, fused Adam, no host syncs, one fixed batch already on the device: the ceiling the engine is
  held to.
Run it on an idle machine, one process at a time: other work on the cores changes every figure.
"""

import argparse, json, math, os, platform, statistics, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# dense bf16/fp16 tensor-core peaks (FLOP/s) from the vendors' datasheets (SXM parts), matched in the device's name
PEAKS = {'H200': 989e12, 'H100': 989e12, 'A100': 312e12, 'L40S': 362e12, 'L4': 121e12, 'A10G': 70e12, 'A10': 125e12,
         'T4': 65e12, 'V100': 125e12, 'RTX 4090': 165e12, 'RTX 3090': 71e12}  # fmt: skip


def photo_dirs() -> list[str]:
    shared = [r / 'shared' / n for r in (ROOT.parent, ROOT) for n in ('photos', 'photos2', 'photos3')]
    found = [str(p) for p in shared if p.is_dir()][:3]
    return found or [str(ROOT / 'data' / 'sample')]


def peak_flops(device) -> float | None:
    import torch

    if device.type != 'cuda':
        return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAKS.items() if k in name), None)


def sync(device):
    import torch

    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def engine(preset: str, batch: int, args, compile_: bool) -> tuple[dict, object]:
    "The engine's figures for one preset and batch, and its Trainer (for the plain loop's models)."
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from colorgan_nb import train as T

    dirs = photo_dirs()
    cuda = args.device.startswith('cuda') or (args.device == 'auto' and torch.cuda.is_available())
    base = T.make_config(preset)
    n_photos = 48 if len(dirs) > 1 else 24  # the training photos: max_items below, or 80% of data/sample's 30
    repeats = max(1, math.ceil(1.5 * args.steps * batch / n_photos))
    params = dict(dataset='folder', data_dir=os.pathsep.join(dirs), batch_size=batch, pretrain_epochs=0,
                  epochs=1000, cache='cuda' if cuda else 'ram', num_workers=0, train_repeats=repeats,
                  max_steps=args.steps, device=args.device, out_dir=tempfile.mkdtemp(prefix='train_speed_'),
                  cache_size=base['cache_size'] or base['image_size'], save_results=False, eval_crops=1, max_items=48,
                  pretrained=False)  # fmt: skip  (speed does not depend on the starting weights)
    if args.image_size:
        params['image_size'] = args.image_size
    if 'compile' in T.DEFAULTS:  # older versions of the engine have neither
        params.update(compile=compile_, amp_dtype=args.amp_dtype)
    elif compile_:
        raise SystemExit('this version of the engine has no compile parameter')
    t = T.Trainer(T.make_config(preset, **params))
    dev = t.device
    # FLOPs of one real step (n_critic steps: one generator step), counted on the eager networks: FlopCounterMode does
    # not see inside compiled graphs, so a compiled trainer is wired eager for that step (its own `_compile`), then back
    def wire(compiled: bool):
        if compile_:  # older engines (no compile) have no `_compile` either
            t.cfg['compile'] = compiled
            t._compile()

    t.cfg['max_steps'] = t.cfg['n_critic']
    wire(False)
    with FlopCounterMode(display=False) as fc:
        t.train_epoch()
    flops = fc.get_total_flops() / (batch * t.cfg['n_critic'])
    t.cfg['max_steps'] = args.steps
    wire(True)
    peak, tag = peak_flops(dev), f"{preset}:{batch}{' compile' if compile_ else ''}"
    # each figure is printed as soon as it is known, so a run cut off by a timeout still leaves what it measured
    print(f"[{tag}] {flops / 1e9:.1f} GFLOP per image; warming up ({args.warmup} epochs)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    for _ in range(args.warmup):
        t.train_epoch()
    sync(dev)
    warm = time.perf_counter() - t0
    print(f"[{tag}] warm-up {warm:.1f} s", file=sys.stderr, flush=True)
    if dev.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(dev)
    rates = []
    for _ in range(args.repeat):
        rates.append(t.train_epoch()['images_per_s'])
        mfu = f", MFU {flops * rates[-1] / peak:.1%}" if peak else ''
        print(f"[{tag}] epoch {len(rates)}: {rates[-1]:.1f} img/s{mfu}", file=sys.stderr, flush=True)
    ips = statistics.median(rates)
    row = dict(preset=preset, batch=batch, image_size=t.cfg['image_size'], compile=compile_,
               amp_dtype=str(getattr(t, 'amp_dtype', None)).replace('torch.', ''), engine_img_s=round(ips, 1),
               epoch_rates=[round(r, 1) for r in rates], warmup_s=round(warm, 1), flops_per_image=flops,
               peak_mem_gb=round(torch.cuda.max_memory_allocated(dev) / 1e9, 2) if dev.type == 'cuda' else None)  # fmt: skip
    return row, t


def plain_loop(t, batch: int, args) -> dict:
    "img/s of a plain training loop over the trainer's own generator and discriminator (fresh copies)."
    import copy
    import torch
    import torch.nn.functional as F

    dev, cfg = t.device, t.cfg
    cuda = dev.type == 'cuda'
    gen, disc = copy.deepcopy(t.gen).train(), copy.deepcopy(t.disc).train()
    mf = torch.channels_last if cuda else torch.contiguous_format
    gen, disc = gen.to(dev, memory_format=mf), disc.to(dev, memory_format=mf)
    opt_g = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999), fused=cuda or None)
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999), fused=cuda or None)
    s, oc = cfg['image_size'], 2 if cfg['color_space'] == 'lab' else 3
    gray = (torch.rand(batch, 1, s, s, device=dev) * 2 - 1).to(memory_format=mf)
    real = (torch.rand(batch, oc, s, s, device=dev) * 2 - 1).to(memory_format=mf)
    amp = torch.autocast('cuda', dtype=torch.bfloat16) if cuda else torch.autocast('cpu', enabled=False)
    d_in = (lambda c: torch.cat([gray, c], 1)) if cfg['conditional'] else (lambda c: c)

    def step():
        with amp:
            fake = gen(gray)
            d_real, d_fake = disc(d_in(real)), disc(d_in(fake.detach()))
            loss_d = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
                F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))  # fmt: skip
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        disc.requires_grad_(False)
        with amp:
            d_fake = disc(d_in(fake))
            loss_g = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake)) + 100 * F.l1_loss(fake, real)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        disc.requires_grad_(True)

    for _ in range(3):
        step()
    sync(dev)
    rates = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        sync(dev)
        rates.append(args.steps * batch / (time.perf_counter() - t0))
    return dict(plain_img_s=round(statistics.median(rates), 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--runs', nargs='+', default=['default_colorizer:16'], help='preset:batch ...')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--steps', type=int, default=20, help='steps per timed epoch')
    ap.add_argument('--warmup', type=int, default=2, help='untimed epochs first')
    ap.add_argument('--repeat', type=int, default=3, help='timed epochs (median)')
    ap.add_argument('--image-size', type=int, default=None, help="override the preset's image_size")
    ap.add_argument('--amp-dtype', default='auto', choices=['auto', 'bf16', 'fp16'])
    ap.add_argument('--compile', default='off', choices=['off', 'on', 'both'])
    ap.add_argument('--no-plain', action='store_true', help='skip the plain loop')
    ap.add_argument('--json', default=None, help='also write the rows here')
    args = ap.parse_args(argv)
    import torch

    rows = []
    for spec in args.runs:
        preset, _, b = spec.partition(':')
        batch = int(b or 16)
        for comp in {'off': [False], 'on': [True], 'both': [False, True]}[args.compile]:
            row, t = engine(preset, batch, args, comp)
            if not args.no_plain and not comp:
                row.update(plain_loop(t, batch, args))
                print(f"[{preset}:{batch}] plain loop: {row['plain_img_s']:.1f} img/s", file=sys.stderr, flush=True)
            peak = peak_flops(t.device)
            flops = row['flops_per_image'] or next((r['flops_per_image'] for r in rows if r['preset'] == preset
                                                     and r['batch'] == batch and r['flops_per_image']), None)  # fmt: skip
            row['flops_per_image'] = flops
            row['mfu'] = round(flops * row['engine_img_s'] / peak, 4) if peak and flops else None
            if row.get('plain_img_s'):
                row['engine_vs_plain'] = round(row['engine_img_s'] / row['plain_img_s'], 3)
                row['plain_mfu'] = round(flops * row['plain_img_s'] / peak, 4) if peak and flops else None
            t.lock.release()
            del t
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            rows.append(row)
            print(json.dumps(row), flush=True)
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() and args.device != 'cpu' else platform.processor()
    try:
        dev = dev if torch.cuda.is_available() and args.device != 'cpu' else next(
            l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    head = f"device: {dev}; torch {torch.__version__}; command: python bench/train_speed.py {' '.join(sys.argv[1:])}"
    print('\n' + head + '\n')
    print('| preset | batch | px | compile | amp | engine img/s | plain loop img/s | engine / plain | GFLOP/img | MFU '
          '| plain MFU | peak GB | warm-up s |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    f = lambda v, fmt='{}': '' if v is None else fmt.format(v)
    for r in rows:
        print(f"| {r['preset']} | {r['batch']} | {r['image_size']} | {'on' if r['compile'] else 'off'} | "
              f"{r['amp_dtype']} | {r['engine_img_s']:.0f} | {f(r.get('plain_img_s'), '{:.0f}')} | "
              f"{f(r.get('engine_vs_plain'), '{:.0%}')} | {f(r['flops_per_image'] and r['flops_per_image'] / 1e9, '{:.1f}')} | "
              f"{f(r['mfu'], '{:.1%}')} | {f(r.get('plain_mfu'), '{:.1%}')} | {f(r['peak_mem_gb'])} | {r['warmup_s']} |")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(dict(device=dev, torch=torch.__version__, argv=sys.argv[1:], rows=rows),
                                              indent=1))  # fmt: skip


if __name__ == '__main__':
    main()
