"""Write `data/default_split.json`: the default model's split of all shared photos (`../shared/photos`, `photos2`,
`photos3`; 237 photos), so that no test photo was ever trained on by any run, the shipped model included.

    python bench/default_split.py          # deterministic (seed 42); the committed file is its output

- test: every photo of `photos`/`photos2` that the previous default model (trained on `photos` + `photos2` with seed 42;
  its `reports/default_colorizer/splits.json` at commit 0139097) did not train on (its validation and test photos), plus 18 photos of
  `photos3`, drawn at random: at least 40 photos, from every folder. A model fine-tuned from the shipped weights
  (`init_from='default'`) has then seen none of them.
- valid: 12 photos of `photos3` and 8 photos the previous model trained on (used only to choose `best.pt` and the
  annealing temperature).
- train: everything else.
The photos' credits stay in each folder's README.md.
"""

import json, random, subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = '../shared'
EXTS = ('.jpg', '.jpeg', '.png')
PREVIOUS = '0139097'  # the commit whose default model (photos + photos2, seed 42) the split keeps apart


def folder(name: str) -> list[str]:
    return sorted(f"{SHARED}/{name}/{p.name}" for p in (ROOT / SHARED / name).iterdir() if p.suffix.lower() in EXTS)


def main():
    old = json.loads(subprocess.run(  # the previous default model's split (replaced when its successor shipped)
        ['git', 'show', f'{PREVIOUS}:reports/default_colorizer/splits.json'], cwd=ROOT, capture_output=True,
        text=True, check=True).stdout)  # fmt: skip
    seen_by_old = set(old['train'])
    rng = random.Random(42)
    p12 = folder('photos') + folder('photos2')
    p3 = folder('photos3')
    rng.shuffle(p3)
    test = [f for f in p12 if f not in seen_by_old] + sorted(p3[:18])
    old_train = sorted(f for f in p12 if f in seen_by_old)
    rng.shuffle(old_train)
    valid = sorted(p3[18:30]) + sorted(old_train[:8])
    train = sorted(set(p12 + p3) - set(test) - set(valid))
    split = dict(train=train, valid=valid, test=test)
    assert not (set(train) & set(test)) and not (set(valid) & set(test)) and len(test) >= 40
    assert all(any(f"/{d}/" in f for f in test) for d in ('photos', 'photos2', 'photos3'))
    (ROOT / 'data' / 'default_split.json').write_text(json.dumps(split, indent=1) + '\n')
    print({k: len(v) for k, v in split.items()}, 'test per folder:',
          {d: sum(f"/{d}/" in f for f in test) for d in ('photos', 'photos2', 'photos3')})  # fmt: skip


if __name__ == '__main__':
    main()
