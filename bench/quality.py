"""Score models on the test photos of the default split (`data/default_split.json`, none of them trained on by any
run here), per photo folder, against the gray input: the figures of the README's comparison and of #21's targets.

    python bench/quality.py shipped=colorgan_nb/weights/default_colorizer.pt ft_regress=reports/ft_regress/best.pt \\
        ft_classify=reports/ft_classify/best.pt enc_lite0=reports/enc_lite0/best.pt enc_lite2=reports/enc_lite2/best.pt \\
        --temperatures 1,0.15 --side-by-side shipped,enc_lite2,ft_regress --out reports/quality \\
        --pairs ft_regress:shipped,enc_lite2:shipped,ft_classify:ft_regress,enc_lite2:enc_lite0,ft_regress:enc_lite2

(the committed reports/quality/; the runs' commands are in reports/quality/RUNS.md)

For each model: CIEDE2000 and PSNR of model and gray with 95% bootstrap intervals over photos, the paired difference
and the share of photos where the model is closer than gray, colorfulness; per folder and overall, on 256 px centre
crops (`--eval-size`). `--temperatures 1,0.15` also scores a classification model at other annealed-mean temperatures
(the "less colour where unsure" rule). Writes OUT/quality.json and OUT/quality.md; with `--grid NAME`, the
before/after grid of that model on every k-th test photo (a rule, not a choice) to OUT/before_after.png; with
`--side-by-side A,B,...`, gray | each model | original on three test photos of each folder to OUT/side_by_side.png.

An ensemble is NAME=CK1+CK2+...: the six views of every model, pooled, combined by `shrink_unsure` (their spread now
includes the models' disagreement; Lakshminarayanan et al. 2017 use an ensemble's spread as its uncertainty):

    python bench/quality.py shipped=colorgan_nb/weights/default_colorizer.pt \
        ens2=colorgan_nb/weights/default_colorizer.pt+reports/lite2_full/best.pt --unsure 32:2.5 --out reports/quality/ensemble
"""

import argparse, json, sys, time
from pathlib import Path

import numpy as np

from colorgan_nb.colorize import Colorizer, _resize_ab, evaluate_folder, folder_table, recolor, shrink_unsure
from colorgan_nb.data import atomic_write, read_split_file, resolve_path
from colorgan_nb.metrics import paired_summary

sys.path.insert(0, str(Path(__file__).parent))
from eval_default import before_after  # noqa: E402


class Ensemble:
    "Several `Colorizer`s as one: each model's six views of a photo, pooled and combined by `shrink_unsure`."

    def __init__(self, checkpoints: list, unsure=None, **kw):
        self.members = [Colorizer(resolve_path(c), **kw) for c in checkpoints]
        if not all(m.tta for m in self.members):
            raise ValueError('an ensemble pools six views of each model: tta must be on')
        self.unsure = tuple(unsure or self.members[0].unsure)
        self.checkpoint, self.image_size = '+'.join(checkpoints), self.members[0].image_size
        self.session = self.gen = None
        self.info = dict(train_files=[f for m in self.members for f in m.info.get('train_files') or []])

    def colorize_array(self, rgb):
        views = [m.predict_views(rgb) for m in self.members]
        h, w = views[0].shape[2:]
        views = [v if v.shape[2:] == (h, w) else np.stack([_resize_ab(x, h, w) for x in v]) for v in views]
        return recolor(rgb, shrink_unsure(np.concatenate(views), *self.unsure))


def colorizer(ck: str, temperature=None, tta=True, unsure=None):
    "A `Colorizer` for one checkpoint, an `Ensemble` for CK1+CK2+..."
    if '+' in ck:
        return Ensemble(ck.split('+'), unsure=unsure, temperature=temperature, tta=tta)
    return Colorizer(resolve_path(ck), temperature=temperature, tta=tta, **({'unsure': unsure} if unsure else {}))


TARGETS = "CIEDE2000 >= 1.0 below gray (interval excluding 0), PSNR >= gray + 0.5 dB, colorfulness >= 25, won >= 70%"


def targets(d: dict) -> dict:
    "#21's done-when on the 'all' row, and 'no folder worse than gray' over the folders."
    a = d['all']
    e, p = a['vs_gray']['ciede2000'], a['vs_gray']['psnr']
    folders = {k: v['vs_gray']['ciede2000']['diff'][0] for k, v in d.items() if k != 'all'}
    return {
        'ciede2000 >= 1.0 below gray, interval excludes 0': e['diff'][0] <= -1.0 and e['diff'][2] < 0,
        'psnr >= gray + 0.5 dB': p['diff'][0] >= 0.5,
        'colorfulness >= 25': a['model']['colorfulness'][0] >= 25,
        'closer than gray on >= 70% of photos': e['win_rate'] >= 0.7,
        'no folder worse than gray (ciede2000)': all(v <= 0 for v in folders.values()),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('models', nargs='+', help='NAME=CHECKPOINT pairs')
    p.add_argument('--split', default='data/default_split.json')
    p.add_argument('--eval-size', type=int, default=256)
    p.add_argument('--temperatures', default='', help='extra annealed-mean temperatures for classification models')
    p.add_argument('--out', default='reports/quality')
    p.add_argument('--grid', default=None, help='NAME of the model whose before/after grid to draw')
    p.add_argument('--side-by-side', default='', help='NAME,NAME,...: one grid, gray | each model | original')
    p.add_argument('--pairs', default='', help='A:B,C:D: paired CIEDE2000 differences A - B on the same photos')
    p.add_argument('--n-grid', type=int, default=6)
    p.add_argument('--one-view', action='store_true', help='also score each model on one view (no tta)')
    p.add_argument('--unsure', default='', help='K:G,...: also score each model with shrink_unsure strength K, gain G')
    p.add_argument('--part', default='test', choices=['test', 'valid'], help="the split's photos to score")
    a = p.parse_args(argv)
    test = [str(f) for f in read_split_file(a.split)[a.part]]
    out_dir, t0 = resolve_path(a.out), time.perf_counter()
    print(f"{len(test)} {a.part} photos of {a.split}: {', '.join(Path(f).name for f in test)}")
    results, md = {}, [f"# Per-folder quality on the {len(test)} {a.part} photos of `{a.split}`\n",
                       f"{a.eval_size} px centre crops; 95% bootstrap intervals over photos. Targets: {TARGETS}.\n"]  # fmt: skip
    runs = [(n, c, None, True, None) for n, c in (m.split('=', 1) for m in a.models)]
    temps = [float(t) for t in a.temperatures.split(',') if t]
    for name, ck, *_ in list(runs):
        for t in temps:
            if 'classify' in name:
                runs.append((f"{name}@T={t:g}", ck, t, True, None))
        if a.one_view and '+' not in ck:
            runs.append((f"{name}@one view", ck, None, False, None))
        for kg in filter(None, a.unsure.split(',')):
            k, g = map(float, kg.split(':'))
            runs.append((f"{name}@k={k:g} g={g:g}", ck, None, True, (k, g)))
    names = {n for n, *_ in runs}
    for x in (n for pair in filter(None, a.pairs.split(',')) for n in pair.split(':')):
        if x not in names:  # said before any scoring, not after
            p.error(f"--pairs names {x!r}, which is not scored here; scored: {', '.join(sorted(names))}")
    for name, ck, t, tta, unsure in runs:
        cz = colorizer(ck, t, tta, unsure)
        r = evaluate_folder(None, test, eval_size=a.eval_size, full_res=False, progress=False, colorizer=cz)
        if r['overlap']:
            print(f"WARNING {name}: {len(r['overlap'])} test photos were in its training set: {r['overlap']}")
        res = r['per_folder']['model_res']
        results[name] = dict(checkpoint=ck, temperature=t, tta=tta, unsure=unsure or cz.unsure, per_folder=res, targets=targets(res),
                             overlap=r['overlap'], skipped=r['skipped'], photos=r['photos'])  # fmt: skip
        temp = getattr(cz.gen, 'temperature', None) if cz.session is None else None
        md += [f"\n## {name} (`{ck}`" + (f", T = {float(temp):g}" if temp is not None else '') + ')\n',
               folder_table(r), '\n', ', '.join(f"{k}: {'yes' if v else 'no'}" for k, v in results[name]['targets'].items())]  # fmt: skip
        print('\n'.join(md[-4:]), flush=True)
    pairs = {}
    for pair in filter(None, a.pairs.split(',')):
        x, y = pair.split(':')
        per = lambda n: {(q['photo']): q['ciede2000'] for q in results[n]['photos'] if q['method'] == 'model'}
        px, py = per(x), per(y)
        common = sorted(px.keys() & py.keys())
        for folder in ['all', *sorted({Path(f).parent.name for f in common})]:
            sel = [f for f in common if folder == 'all' or Path(f).parent.name == folder]
            pairs.setdefault(pair, {})[folder] = paired_summary([px[f] for f in sel], [py[f] for f in sel])
    if pairs:
        f = lambda t: f"{t[0]:+.2f} [{t[1]:+.2f}, {t[2]:+.2f}]"
        md += ['\n## Paired CIEDE2000 differences between options (A − B; negative: A closer to the originals)\n',
               '| A − B | ' + ' | '.join(next(iter(pairs.values()))) + ' |',
               '|---|' + '---|' * len(next(iter(pairs.values())))]  # fmt: skip
        for pair, d in pairs.items():
            md.append(f"| {pair.replace(':', ' − ')} | " + ' | '.join(
                f"{f(v['diff'])}, A better on {v['win_rate']:.0%}" for v in d.values()) + ' |')  # fmt: skip
        print('\n'.join(md[-len(pairs) - 3:]))
    atomic_write(out_dir / 'quality.json', json.dumps(dict(split=a.split, eval_size=a.eval_size, results=results, pairs=pairs,
                                                           seconds=round(time.perf_counter() - t0)), indent=1))  # fmt: skip
    atomic_write(out_dir / 'quality.md', '\n'.join(md) + '\n')
    made = {n: (lambda ck=ck, t=t, tta=tta, u=u: colorizer(ck, t, tta, u)) for n, ck, t, tta, u in runs}
    if a.grid:
        step = max(1, len(test) // a.n_grid)
        photos = test[::step][: a.n_grid]  # every k-th test photo: a rule, not a choice
        before_after(made[a.grid](), photos, out_dir / 'before_after.png')
        print('grid photos:', ', '.join(Path(f).name for f in photos))
    if a.side_by_side:
        names = a.side_by_side.split(',')
        photos = []  # three of each folder, every k-th: a rule, not a choice
        for d in dict.fromkeys(Path(f).parent.name for f in test):
            fs = [f for f in test if Path(f).parent.name == d]
            photos += fs[:: max(1, len(fs) // 3)][:3]
        side_by_side([made[n]() for n in names], photos, out_dir / 'side_by_side.png')
        print(f"side_by_side.png: gray | {' | '.join(names)} | original; photos: {', '.join(Path(f).name for f in photos)}")
    print(f"wrote {out_dir / 'quality.md'} ({time.perf_counter() - t0:.0f} s)")


def side_by_side(colorizers, photos, path, height=150):
    "One row per photo: gray input | each colorizer | original, `height` px high, written as PNG."
    import numpy as np, torch
    from PIL import Image
    from colorgan_nb.colorize import recolor
    from colorgan_nb.data import read_rgb

    rows = []
    for f in photos:
        im = Image.fromarray(read_rgb(f).permute(1, 2, 0).numpy())
        small = np.asarray(im.resize((round(im.width * height / im.height), height), Image.LANCZOS))
        cols = [recolor(small, torch.zeros(2, 1, 1)), *(cz.colorize_array(small) for cz in colorizers), small]
        sep = np.full((height, 3, 3), 255, np.uint8)
        rows.append(np.concatenate([x for c in cols for x in (c, sep)][:-1], 1))
    w = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 3), (0, w - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    atomic_write(path, lambda tmp: Image.fromarray(np.concatenate(rows)).save(tmp, 'PNG'))


if __name__ == '__main__':
    main()
