"""Score the default colorizer (or any checkpoint) on photos that no run trained on: the test split of its run.

    python bench/eval_default.py                       # colorgan_nb/weights/default_colorizer.pt, its run's test photos
    python bench/eval_default.py --checkpoint reports/default_colorizer/best.pt --run reports/default_colorizer

Prints, for the model, the gray input and the mean-ab baseline, PSNR, SSIM, CIEDE2000, colorfulness and its gap at
64, 128 and 256 px (centre crops) and at full resolution; writes eval_unseen.json and before_after.png (4 test photos:
gray input | model | original) into the run folder.
"""

import argparse, json, os, sys, time
from pathlib import Path

import numpy as np
from PIL import Image

from colorgan_nb.colorize import Colorizer, default_checkpoint, evaluate_folder, recolor
from colorgan_nb.data import atomic_write, read_rgb, resolve_path

COLS = [
    ('psnr', 'PSNR dB ↑'),
    ('ssim', 'SSIM ↑'),
    ('ciede2000', 'CIEDE2000 ↓'),
    ('colorfulness', 'colorfulness'),
    ('colorfulness_gap', 'colorfulness gap ↓'),
]


def before_after(cz, photos, path, height=256):
    "One row per photo: gray input | model | original, each `height` px high."
    rows = []
    for f in photos:
        rgb = read_rgb(f).permute(1, 2, 0).numpy()
        im = Image.fromarray(rgb)
        w = round(im.width * height / im.height)
        small = np.asarray(im.resize((w, height), Image.LANCZOS))
        gray = recolor(small, __import__('torch').zeros(2, 1, 1))
        rows.append(
            np.concatenate(
                [
                    gray,
                    np.full((height, 4, 3), 255, np.uint8),
                    cz.colorize_array(small),
                    np.full((height, 4, 3), 255, np.uint8),
                    small,
                ],
                1,
            )
        )
    w = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, w - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    atomic_write(path, lambda tmp: Image.fromarray(np.concatenate(rows, 0)).save(tmp, 'PNG'))
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--checkpoint', default=None, help='default: the shipped default model')
    p.add_argument(
        '--run', default='reports/default_colorizer', help="the run folder whose splits.json names the test photos"
    )
    p.add_argument('--sizes', default='64,128,256')
    p.add_argument('--n-grid', type=int, default=4)
    a = p.parse_args(argv)
    run = resolve_path(a.run)
    test = [
        str(resolve_path(f)) for f in json.loads((run / 'splits.json').read_text())['test']
    ]  # relative to the project
    test = [f for f in test if Path(f).exists()]
    print(f"{len(test)} test photos of {run} (none of them trained on): {', '.join(Path(f).name for f in test)}")
    out, t0 = {}, time.perf_counter()
    for s in map(int, a.sizes.split(',')):
        r = evaluate_folder(
            a.checkpoint, test, eval_size=s, full_res=(s == int(a.sizes.split(',')[-1])), progress=False
        )
        if r['overlap']:
            sys.exit(f"refusing: {r['overlap']} were trained on")
        out[f'{s}px'] = r['model_res']
        if 'full_res' in r:
            out['full'] = r['full_res']
    print(f"\n| resolution | method | " + ' | '.join(c for _, c in COLS) + ' |\n|' + '---|' * (len(COLS) + 2))
    for res, d in out.items():
        for k in ('model', 'gray', 'mean_ab'):
            print(
                f"| {res} | {k} | "
                + ' | '.join(f"{d[k][c]:.3f}" if c == 'ssim' else f"{d[k][c]:.2f}" for c, _ in COLS)
                + ' |'
            )
    atomic_write(
        run / 'eval_unseen.json',
        json.dumps(
            dict(
                checkpoint=os.path.relpath(a.checkpoint or default_checkpoint(), resolve_path('.')),
                photos=[os.path.relpath(f, resolve_path('.')) for f in test],  # relative to the project
                results=out,
                seconds=round(time.perf_counter() - t0, 1),
            ),
            indent=1,
        ),
    )
    grid = before_after(Colorizer(a.checkpoint), test[: a.n_grid], run / 'before_after.png')
    print(f"\nwrote {run / 'eval_unseen.json'} and {grid} ({time.perf_counter() - t0:.0f} s)")


if __name__ == '__main__':
    main()
