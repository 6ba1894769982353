"""Time the default generator on the CPU in PyTorch and in onnxruntime, at the model sizes `colorize` uses.

    python bench/onnx_vs_torch.py            # needs the `onnx` extra: pip install -e ".[onnx]"

Exports the shipped model to ONNX (`colorgan export --onnx`), checks that both give the same ab (max |diff|), then
times `Colorizer.predict_ab` (shrink, L, generator, ab) on a 12 MP photo with the model at 128 and 256 px: median of
10 after 2 warm-ups, one process, one engine at a time. Run it on an idle machine.
"""

import platform, statistics, tempfile, time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def median_s(fn, n=10, warm=2):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main():
    import torch
    from colorgan_nb.colorize import Colorizer, default_checkpoint, export_onnx

    onnx = Path(tempfile.mkdtemp()) / 'default.onnx'
    res = export_onnx(None, onnx)
    photo = np.asarray(Image.open(ROOT / 'data/sample/greenmeadow.jpg').convert('RGB').resize((4000, 3000)))
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads; max |ONNX - PyTorch| at export: "
          f"{res['max_abs_diff']:.1e}")
    print('| model size | PyTorch s | onnxruntime s | max abs ab diff (Lab units) |\n|---|---|---|---|')
    for size in (128, 256):
        pt, ox = Colorizer(default_checkpoint(), image_size=size), Colorizer(onnx, image_size=size)
        diff = float(np.abs(pt.predict_ab(photo) - ox.predict_ab(photo)).max())
        t_pt, t_ox = median_s(lambda: pt.predict_ab(photo)), median_s(lambda: ox.predict_ab(photo))
        print(f"| {size} px | {t_pt:.4f} | {t_ox:.4f} | {diff:.1e} |")


if __name__ == '__main__':
    main()
