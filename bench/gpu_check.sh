#!/bin/bash
# The GPU checks #22 still needs, as one prepared script for a lent machine (the `run` tool; 15 minutes a session):
# torch.compile for report_gan_l1 at batch 64 (the >= 30% MFU target) first, the GPU tests (CPU-against-GPU batches
# since the CPU crop changed, bf16/fp16, compile, no host sync in a step), one short experiment, then the eager bench.
# Every step has its own timeout so one slow step cannot eat the rest; outputs land in $OUT.
#
#   run(command="bash bench/gpu_check.sh", carry=[".device/whl", ".device/shared"], timeout_s=560)
#
# .device/ is git-ignored (.git/info/exclude): whl/ holds the wheels the machine lacks (fastcore, kornia,
# kornia_rs for its Python), shared/ a copy of ../shared/photos* (downscaled is enough). Written without a GPU at hand
# (no GPU was lent the session that wrote it): read $OUT/steps.txt first.
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
T0=$(date +%s); step() { echo "[$(( $(date +%s) - T0 )) s] $*" | tee -a "$OUT/steps.txt"; }
if ls .device/whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .device/whl/*.whl \
    && export PYTHONPATH=/tmp/site:$PWD
fi
[ -d ../shared/photos ] || { [ -d .device/shared ] && mkdir -p ../shared && cp -r .device/shared/* ../shared/; }
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name())"; nproc; } >> "$OUT/steps.txt" 2>&1
# the figure #22 still lacks comes first: report_gan_l1 at batch 64 with torch.compile (>= 30% MFU; a 2026-11 session
# measured eager at 22.1%, and its compile pass was cut off at 160 s; the compile row now has its own FLOPs, counted
# on an eager twin, so it prints its MFU, and each epoch's img/s and MFU as soon as it is measured, so a step cut off
# by its timeout still leaves its figures in speed.txt); then the GPU tests, the experiment, and eager
step "speed, compile: report_gan_l1 at batch 64 (the MFU target)"
timeout 230 python3 bench/train_speed.py --runs report_gan_l1:64 --compile on --no-plain \
  --steps 20 --warmup 2 --repeat 3 --json "$OUT/speed_compile.json" > "$OUT/speed.txt" 2>&1
step "compile rc $?"
step "tests/test_gpu.py"
timeout 130 python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py > "$OUT/pytest_gpu.txt" 2>&1
step "tests rc $?"
step "one experiment: 02_gan_l1's engine, default_colorizer on the GPU"
# pretrained false: the device lacks the efficientnet-lite0 weights wheel (this step checks the engine, not quality);
# the same command ran on the CPU with -p cache true -p epochs 1 -p train_repeats 1
timeout 70 python3 -m colorgan_nb.train -p preset default_colorizer -p pretrained false -p data_dir ../shared/photos \
  -p cache cuda -p epochs 3 -p pretrain_epochs 1 -p out_dir /tmp/gpu_run -p overwrite true > "$OUT/train.txt" 2>&1
step "train rc $?"
cp /tmp/gpu_run/history.csv "$OUT/" 2>/dev/null
step "speed, eager (both presets, with the plain loop)"
timeout 90 python3 bench/train_speed.py --runs report_gan_l1:64 default_colorizer:128 --steps 20 --warmup 2 \
  --repeat 3 --json "$OUT/speed_eager.json" >> "$OUT/speed.txt" 2>&1
step "eager rc $?"
step done
