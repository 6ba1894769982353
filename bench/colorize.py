"""Benchmark `colorgan colorize` at full resolution: wall time per stage and peak memory for 1, 12 and 48 MP JPEGs.

    python bench/colorize.py                  # default model run at 256 px, --format jpg and png, 1/12/48 MP
    python bench/colorize.py --sizes 12 --formats jpg --repeat 5
    python bench/colorize.py --sizes 12 --whole-only        # whole processes only: what a user waits for

Each size runs in its own process (so its peak RSS is its own), colorizes the photo `--repeat` times after one
warm-up, and reports the median of each stage: decode (Pillow, EXIF applied), model (shrink, L, generator),
recombine (full-resolution L + resized ab, gamut fit, sRGB), write (encode + atomic rename). The floor is the same
process only decoding the JPEG and writing it back in the same format. Also: `colorgan --help` wall time, and
`colorgan evaluate` seconds per photo. Whole-process rows: `colorgan colorize` as a user runs it (the first process,
then the median of the next ones), against a process that only decodes and writes the photo, with each process's peak
RSS. Run it on an
idle machine: other work on the cores changes every figure.
"""

import argparse, json, os, platform, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path

SIZES = {1: (1200, 900), 12: (4000, 3000), 48: (8000, 6000)}
ROOT = Path(__file__).resolve().parent.parent


def cpu_name() -> str:
    "The CPU's model name (Linux), else what `platform` knows."
    try:
        return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


MAKE = """
import sys
from PIL import Image
Image.open(sys.argv[1]).convert('RGB').resize((int(sys.argv[3]), int(sys.argv[4])), Image.BICUBIC).save(sys.argv[2], quality=90)
"""


def make_photo(mp: int, folder: Path) -> Path:
    """A real photo (data/sample/greenmeadow.jpg) upscaled to `mp` megapixels, saved as JPEG quality 90; in a child
    process, so this process stays small (a child's peak RSS counts its parent's at the fork)."""
    p = folder / f'photo_{mp}mp.jpg'
    if not p.exists():
        src = str(ROOT / 'data/sample/greenmeadow.jpg')
        subprocess.run([sys.executable, '-c', MAKE, src, str(p), *map(str, SIZES[mp])], check=True)
    return p


def one(path: str, fmt: str, repeat: int, checkpoint=None, image_size=None, tta=True) -> dict:
    "Stage times (median of `repeat`, after a warm-up) and peak RSS of colorizing one file in this process."
    t = time.perf_counter()
    import numpy as np
    from PIL import Image
    from colorgan_nb.colorize import FORMATS, Colorizer, _read_capped, recolor
    from colorgan_nb.files import atomic_write

    import_s = time.perf_counter() - t
    cz = Colorizer(checkpoint, image_size=image_size, tta=tta)
    pil_fmt, ext, opts = FORMATS[fmt]
    out = Path(tempfile.mkdtemp()) / f'out{ext}'

    def write(arr):
        img = Image.fromarray(arr)
        atomic_write(out, lambda tmp: img.save(tmp, pil_fmt, **opts))

    stages = {k: [] for k in ('decode', 'model', 'recombine', 'write', 'total', 'floor')}
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        rgb, *_ = _read_capped(Path(path), 1000)
        t1 = time.perf_counter()
        ab = cz.predict_ab(rgb)
        t2 = time.perf_counter()
        res = recolor(rgb, ab)
        t3 = time.perf_counter()
        write(res)
        t4 = time.perf_counter()
        f0 = time.perf_counter()
        rgb2, *_ = _read_capped(Path(path), 1000)
        write(rgb2)
        f1 = time.perf_counter()
        del rgb, rgb2, res
        if i == 0:
            continue  # warm-up
        for k, v in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, f1 - f0)):
            stages[k].append(v)
    med = {k: round(statistics.median(v), 3) for k, v in stages.items()}
    return dict(
        file=Path(path).name,
        format=fmt,
        import_s=round(import_s, 2),
        **med,
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    )


FLOOR = """
import sys
from PIL import Image, ImageOps
im = ImageOps.exif_transpose(Image.open(sys.argv[1])).convert('RGB')
im.save(sys.argv[2], **({'quality': 95} if sys.argv[2].endswith('.jpg') else {}))
"""


def timed(cmd: list, env=None) -> tuple[float, int]:
    "(wall seconds, peak RSS in MB) of one whole process (`os.wait4` gives the child's own peak)."
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise RuntimeError(f"{cmd} failed: {p.stderr.read().decode()[-500:]}")
    return wall, round(ru.ru_maxrss / 1024)


def whole(photo: Path, fmt: str, repeat: int, tmp: Path, extra: tuple = ()) -> dict:
    """Whole processes, as a user runs them: `colorgan colorize PHOTO --out DIR --format FMT` (the default model at
    its own size), the first process then the median of the next `repeat`, against the floor, a Python process that
    only decodes the photo (EXIF applied) and writes it in that format, run in turn with them; warm / floor is the
    median of each run's time over the floor run's beside it. Nothing is compiled on first use (no Numba on
    this path), so the first run differs from the others only by what the OS has cached."""
    ext = '.jpg' if fmt == 'jpg' else '.png'
    env = dict(os.environ)
    colorgan = [str(Path(sys.executable).parent / 'colorgan'), 'colorize', str(photo), '--format', fmt, '--overwrite', *extra]
    cold = timed(colorgan + ['--out', str(tmp / 'cold')], env)
    warm, floor = [], []
    for _ in range(repeat):  # alternating, so that both see the same spells of a drifting machine
        warm.append(timed(colorgan + ['--out', str(tmp / 'warm')], env))
        floor.append(timed([sys.executable, '-c', FLOOR, str(photo), str(tmp / f'floor{ext}')]))
    w, f = statistics.median(x[0] for x in warm), statistics.median(x[0] for x in floor)
    ratio = statistics.median(a[0] / b[0] for a, b in zip(warm, floor))  # each run against the floor run beside it
    return dict(cold_s=round(cold[0], 2), warm_s=round(w, 2), floor_s=round(f, 2), warm_over_floor=round(ratio, 2),
                peak_rss_mb=max(x[1] for x in warm), floor_rss_mb=max(x[1] for x in floor))  # fmt: skip


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--sizes', default='1,12,48')
    p.add_argument('--formats', default='jpg,png')
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--checkpoint', default=None)
    p.add_argument('--image-size', type=int, default=256, help="the model's input (shorter side); default 256")
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)
    p.add_argument('--format', default='jpg', help=argparse.SUPPRESS)
    p.add_argument('--whole-only', action='store_true', help='only the whole-process rows (and import times)')
    p.add_argument('--no-tta', action='store_true', help='one view of each photo (colorgan colorize --no-tta)')
    a = p.parse_args(argv)
    if a.one:
        print(json.dumps(one(a.one, a.format, a.repeat, a.checkpoint, a.image_size, not a.no_tta)))
        return
    tmp = Path(tempfile.mkdtemp(prefix='colorgan_bench_'))
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores; checkpoint: {a.checkpoint or 'default model'}"
        f" at {a.image_size} px" + (", one view (--no-tta)" if a.no_tta else ", six views (the default)")
    )
    rows = []
    for mp in map(int, a.sizes.split(',') if not a.whole_only else []):
        photo = make_photo(mp, tmp)
        for fmt in a.formats.split(','):
            cmd = [sys.executable, __file__, '--one', str(photo), '--format', fmt, '--repeat', str(a.repeat)]
            cmd += ['--image-size', str(a.image_size)] + (['--no-tta'] if a.no_tta else [])
            if a.checkpoint:
                cmd += ['--checkpoint', a.checkpoint]
            r = subprocess.run(cmd, capture_output=True, text=True, check=True)
            rows.append(dict(mp=mp, **json.loads(r.stdout.strip().splitlines()[-1])))
    print(
        '\n| MP | format | decode s | model s | recombine s | write s | total s | floor s (decode+write) | total/floor | peak RSS MB |'
    )
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(
            f"| {r['mp']} | {r['format']} | {r['decode']:.3f} | {r['model']:.3f} | {r['recombine']:.3f} | {r['write']:.3f} | "
            f"{r['total']:.3f} | {r['floor']:.3f} | {r['total'] / r['floor']:.2f} | {r['peak_rss_mb']} |"
        )
    print('\nWhole processes (`colorgan colorize PHOTO --out DIR`, default model at its own 128 px; median of '
          f'{a.repeat}):\n')
    print('| MP | format | first run s | warm s | floor s (decode + write process) | warm / floor | '
          'peak RSS MB | floor peak RSS MB |')
    print('|---|---|---|---|---|---|---|---|')
    for mp in map(int, a.sizes.split(',')):
        for fmt in a.formats.split(','):
            r = whole(make_photo(mp, tmp), fmt, a.repeat, tmp, ('--no-tta',) if a.no_tta else ())
            print(f"| {mp} | {fmt} | {r['cold_s']} | {r['warm_s']} | {r['floor_s']} | {r['warm_over_floor']} | "
                  f"{r['peak_rss_mb']} | {r['floor_rss_mb']} |", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import colorgan_nb.colorize'], check=True)
    print(f"\n`import colorgan_nb.colorize`: {time.perf_counter() - t:.2f} s wall (a whole Python process)")
    t = time.perf_counter()
    subprocess.run(['colorgan', '--help'], capture_output=True, check=True)
    print(f"\n`colorgan --help`: {time.perf_counter() - t:.2f} s wall")
    from PIL import Image

    walls = {}
    for n in (4, 12) if not a.whole_only else ():  # two folder sizes: the difference gives the per-photo cost without the start-up
        ev = tmp / f'eval{n}'
        ev.mkdir(exist_ok=True)
        for i, f in enumerate(sorted((ROOT / 'data/sample').glob('*.jpg'))[:n]):
            Image.open(f).convert('RGB').resize((1200, 900), Image.BICUBIC).save(ev / f'p{i}.jpg', quality=90)
        t = time.perf_counter()
        subprocess.run(
            ['colorgan', 'evaluate', '--data', str(ev)] + (['--checkpoint', a.checkpoint] if a.checkpoint else []),
            capture_output=True,
            check=True,
        )
        walls[n] = time.perf_counter() - t
    if a.whole_only:
        return
    print(
        f"`colorgan evaluate` on 1.08 MP photos (model size and full resolution): 4 photos {walls[4]:.1f} s "
        f"({walls[4] / 4:.2f} s per photo with start-up), 12 photos {walls[12]:.1f} s; per extra photo "
        f"{(walls[12] - walls[4]) / 8:.2f} s, start-up {walls[4] - 4 * (walls[12] - walls[4]) / 8:.1f} s"
    )


if __name__ == '__main__':
    main()
