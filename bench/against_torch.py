"""Colours of the torch-free path against the PyTorch path it replaced, on the unseen test photos (#23).

    python bench/against_torch.py            # data/default_split.json's test photos, at full resolution

The torch-free path is what `colorgan colorize` runs: the shipped ONNX model on onnxruntime, the shrink by
`colorize.resize_aa`, NumPy lightness and recombination. The PyTorch path is the one before it (commit a181209): the shrink by
`torch.nn.functional.interpolate(mode='bilinear', antialias=True)` on uint8, the `.pt` generator in PyTorch, the
same recombination. Both on one view (`tta=False`), as that path was. Per photo: the largest difference of any channel of any pixel (levels of 255), and the share of
channel values more than 1 level apart; also the model's input (the shrunk photo) and its ab, to show where a
difference starts. One process, the CPU.
"""

import json, statistics
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def torch_path(cz_pt, rgb):
    "ab (2, h, w) of the PyTorch path: torch's uint8 antialiased shrink, then the .pt generator."
    import torch
    import torch.nn.functional as F
    from colorgan_nb.colorize import _model_size, lightness
    from colorgan_nb.data import decode_lab, encode_L

    h, w = _model_size(cz_pt.multiple, cz_pt.image_size, *rgb.shape[:2])
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None]
    small = F.interpolate(x, size=(h, w), mode='bilinear', antialias=True)[0].permute(1, 2, 0)
    gray = encode_L(lightness(small)[None, None])
    with torch.no_grad():
        pred = cz_pt.gen(gray.to(memory_format=torch.channels_last)).float()
    return decode_lab(gray, pred, cz_pt.color_space)[0, 1:].numpy(), small.numpy()


def main():
    from colorgan_nb.colorize import Colorizer, _model_size, default_checkpoint, recolor, resize_aa
    from colorgan_nb.files import atomic_write, read_rgb_array, read_split_file

    split = read_split_file(ROOT / 'data/default_split.json')
    photos = [Path(p) for p in split['test']]
    ox, pt = Colorizer(tta=False), Colorizer(default_checkpoint(), tta=False)  # one view each, as the old path
    rows = []
    for p in photos:
        try:
            rgb = read_rgb_array(p, min_size=16, allow_gray=False)
        except Exception as e:  # the one gray photo of the split
            print(f"skipped {p.name}: {e}")
            continue
        ab_t, small_t = torch_path(pt, rgb)
        h, w = _model_size(ox.multiple, ox.image_size, *rgb.shape[:2])
        small_o = resize_aa(rgb, h, w)  # what the ONNX path feeds the model
        ab_o = ox.predict_ab(rgb)
        d = np.abs(recolor(rgb, ab_o).astype(np.int16) - recolor(rgb, ab_t))
        rows.append(dict(photo=p.name, mp=round(rgb.shape[0] * rgb.shape[1] / 1e6, 2), max_level=int(d.max()),
                         over_1=float((d > 1).mean()), input_max=int(np.abs(small_o.astype(int) - small_t).max()),
                         ab_max=float(np.abs(ab_o - ab_t).max())))  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    print(f"\n{len(rows)} photos: max difference {max(r['max_level'] for r in rows)} levels; photos within 1 level: "
          f"{sum(r['max_level'] <= 1 for r in rows)}; channel values > 1 level apart: median share "
          f"{statistics.median(r['over_1'] for r in rows):.1e}, largest {max(r['over_1'] for r in rows):.1e}; "
          f"largest ab difference {max(r['ab_max'] for r in rows):.2f} Lab units")  # fmt: skip
    atomic_write(ROOT / 'reports/colorize_speed/against_torch.json', json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
