"""What colour strength (`--saturation`) does to the shipped model on photos it never saw.

    python bench/saturation.py                          # 1, 1.25, 1.5 on the test photos of data/default_split.json
    python bench/saturation.py --strengths 1 1.5 2 --every 8

Scores the default model (six views, as `colorgan colorize` runs it) at each strength on the test split's photos
(256 px centre crops, as `colorgan evaluate --split data/default_split.json --eval-size 256 --no-full-res
--saturation S`) and prints the README's table: CIEDE2000 and its paired difference from the gray input with a 95%
interval, the share of photos closer than gray, PSNR and colorfulness. Writes reports/default_colorizer/saturation.png:
every `--every`-th test photo (not chosen by eye), gray input | each strength | original, and saturation.json.
Needs the shared photos beside the checkout (../shared), as data/default_split.json names them.
"""

import argparse, json, sys
from pathlib import Path

import numpy as np
from PIL import Image

from colorgan_nb.colorize import Colorizer, evaluate_folder, recolor
from colorgan_nb.data import BadImage, atomic_write, read_rgb_array, read_split_file, resolve_path

ROOT = Path(__file__).resolve().parent.parent


def grid(photos, strengths, path, height=200):
    "One row per photo: gray input | the model at each strength | original, each `height` px high."
    czs = {s: Colorizer(saturation=s) for s in strengths}
    gap = np.full((height, 4, 3), 255, np.uint8)
    rows = []
    for f in photos:
        im = Image.fromarray(read_rgb_array(f))
        small = np.asarray(im.resize((round(im.width * height / im.height), height), Image.LANCZOS))
        cells = [recolor(small, np.zeros((2, 1, 1), np.float32))] + [czs[s].colorize_array(small) for s in strengths]
        rows.append(np.concatenate([x for c in cells + [small] for x in (c, gap)][:-1], 1))
    w = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, w - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    atomic_write(path, lambda tmp: Image.fromarray(np.concatenate(rows, 0)).save(tmp, 'PNG'))


def _is_colour(f) -> bool:
    try:
        read_rgb_array(f, allow_gray=False)
        return True
    except BadImage:
        return False


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--strengths', type=float, nargs='+', default=[1.0, 1.25, 1.5])
    p.add_argument('--split', default='data/default_split.json')
    p.add_argument('--every', type=int, default=10, help='every N-th test photo goes into the grid')
    p.add_argument('--out', default='reports/default_colorizer')
    args = p.parse_args(argv)
    test = [str(f) for f in read_split_file(resolve_path(args.split))['test']]
    rows, out = [], resolve_path(args.out)
    print('| `--saturation` | CIEDE2000 ↓ | model − gray, 95% CI | closer than gray | PSNR dB ↑ | colorfulness |')
    print('|---|---|---|---|---|---|')
    for s in args.strengths:
        r = evaluate_folder(None, test, eval_size=256, full_res=False, saturation=s)
        a = r['per_folder']['model_res']['all']
        d, m = a['vs_gray']['ciede2000'], r['model_res']
        rows.append(dict(saturation=s, n=r['n_images'], skipped=r['skipped'], ciede2000=m['model']['ciede2000'],
                         gray_ciede2000=m['gray']['ciede2000'], diff=d['diff'], win_rate=d['win_rate'],
                         psnr=m['model']['psnr'], gray_psnr=m['gray']['psnr'],
                         colorfulness=m['model']['colorfulness']))  # fmt: skip
        print(f"| {s:g} | {m['model']['ciede2000']:.2f} (gray {m['gray']['ciede2000']:.2f}) | {d['diff'][0]:+.2f} "
              f"[{d['diff'][1]:.2f}, {d['diff'][2]:.2f}] | {d['win_rate']:.0%} | {m['model']['psnr']:.2f} (gray "
              f"{m['gray']['psnr']:.2f}) | {m['model']['colorfulness']:.1f} |", flush=True)  # fmt: skip
    print(f"{rows[0]['n']} photos scored, skipped {rows[0]['skipped'] or 'none'}")
    atomic_write(out / 'saturation.json', json.dumps(rows, indent=1))
    colour = [f for f in test if _is_colour(f)]  # a gray original shows nothing
    chosen = colour[:: args.every]
    grid(chosen, args.strengths, out / 'saturation.png')
    print(f"grid: {out / 'saturation.png'} ({', '.join(Path(f).name for f in chosen)})")


if __name__ == '__main__':
    sys.exit(main())
