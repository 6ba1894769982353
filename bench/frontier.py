"""Every option of #21 scored on the test split, in one picture: colorfulness against CIEDE2000 − gray.

    python bench/frontier.py        # reads reports/quality/**/quality.json, writes reports/quality/frontier.png

It re-scores nothing and chooses nothing: it reads what `bench/quality.py` wrote for the 50 scored test photos of
`data/default_split.json` (256 px centre crops), keeps one point per option (model, views, rule, temperature), and
draws each point's mean difference from the gray input with its 95% bootstrap interval, coloured by the share of
photos where the option is closer than gray. The shaded corner is #21's target (colorfulness >= 25 and CIEDE2000 at
least 1.0 below gray); a point there would also need a win rate >= 70%. Prints the points as a table.
"""

import argparse, json
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from colorgan_nb.data import atomic_write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def points(folder: Path) -> list[dict]:
    """One dict per option (name, views, colorfulness, diff (mean, low, high), win rate, n, source), from every
    quality.json under `folder` with the default split's test photos; an option scored in several files is kept once
    (the same model, settings and photos give the same scores)."""
    seen, out = set(), []
    for f in sorted(folder.rglob('quality.json')):
        d = json.loads(f.read_text())
        if not str(d.get('split', '')).endswith('default_split.json') or d.get('eval_size') != 256:
            continue
        for name, r in d['results'].items():
            views = 'six views' if r.get('tta') else 'one view'
            rule = tuple(r.get('unsure') or ()) if r.get('tta') else ()
            key = (r['checkpoint'], bool(r.get('tta')), rule, r.get('temperature'))
            if key in seen:
                continue
            seen.add(key)
            a = r['per_folder']['all']
            base = name.split('@')[0]
            label = base if rule in ((), (16.0, 1.2)) else base + ' k={:g} g={:g}'.format(*rule)
            label += f" T={r['temperature']:g}" if r.get('temperature') else ''
            out.append(dict(name=label, views=views, colorfulness=a['model']['colorfulness'][0],
                            diff=a['vs_gray']['ciede2000']['diff'], win=a['vs_gray']['ciede2000']['win_rate'],
                            n=a['n'], source=str(f.relative_to(ROOT))))  # fmt: skip
    return out


def plot(pts: list[dict], path: Path):
    """Two panels against colorfulness, each with its target shaded: CIEDE2000 − gray with 95% intervals, and the
    share of photos closer than gray. Points are numbered (key on the right); saved as PNG at `path`."""
    pts = sorted(pts, key=lambda q: q['colorfulness'])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.5))
    target = 'target: colorfulness ≥ 25, ≥ 1.0 below gray'
    ax.fill_between([25, 50], -4, -1.0, color='tab:green', alpha=0.15, label=target)
    bx.fill_between([25, 50], 0.7, 1.0, color='tab:green', alpha=0.15, label='target: colorfulness ≥ 25, won ≥ 70%')
    ax.axhline(0, color='gray', lw=0.8)
    bx.axhline(0.5, color='gray', lw=0.8)
    for i, p in enumerate(pts, 1):
        m, lo, hi = p['diff']
        style = dict(fmt='o' if p['views'] == 'six views' else 's', ms=6, capsize=3, mec='black', mew=0.5,
                     color='tab:orange' if p['views'] == 'six views' else 'tab:blue')  # fmt: skip
        ax.errorbar(p['colorfulness'], m, yerr=[[m - lo], [hi - m]], **style)
        bx.errorbar(p['colorfulness'], p['win'], **style)
        for axis, y in ((ax, m), (bx, p['win'])):
            axis.annotate(str(i), (p['colorfulness'], y), fontsize=7, xytext=(4, 2), textcoords='offset points')
    ax.set_ylim(-3, 4.5)
    bx.set_ylim(0.1, 0.9)
    for axis in (ax, bx):
        axis.set_xlim(10, 50)
        axis.set_xlabel('colorfulness of the output (Hasler & Süsstrunk; the originals: about 45)')
        axis.legend(loc='upper right', fontsize=8)
    ax.set_ylabel('CIEDE2000 model − gray (lower is better), 95% interval')
    bx.set_ylabel('share of photos closer than gray')
    key = '\n'.join(f"{i:2d} {p['name']}, {p['views']}" for i, p in enumerate(pts, 1))
    fig.text(0.805, 0.5, key, fontsize=7.5, va='center', family='monospace')
    n = pts[0]['n']
    fig.suptitle(f"#21's options on the {n} scored test photos of data/default_split.json "
                 "(orange ○: six views, blue □: one view)", fontsize=10)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 0.8, 1))
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format='png'))
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--folder', default=str(ROOT / 'reports/quality'))
    p.add_argument('--out', default=str(ROOT / 'reports/quality/frontier.png'))
    a = p.parse_args(argv)
    pts = points(Path(a.folder))
    if not pts:
        raise SystemExit(f"no quality.json for data/default_split.json under {a.folder}: run bench/quality.py first")
    print('| option | views | colorfulness | CIEDE2000 − gray [95%] | closer than gray | source |')
    print('|---|---|---|---|---|---|')
    for q in sorted(pts, key=lambda q: q['colorfulness']):
        m, lo, hi = q['diff']
        print(f"| {q['name']} | {q['views']} | {q['colorfulness']:.1f} | {m:+.2f} [{lo:+.2f}, {hi:+.2f}] | "
              f"{q['win']:.0%} | {q['source']} |")  # fmt: skip
    plot(pts, Path(a.out))
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
