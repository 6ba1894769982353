#!/bin/bash
# The GPU checks #22 still needs, as one prepared script for a lent machine (the `run` tool; 15 minutes a session):
# the GPU tests (CPU-against-GPU batches since the CPU crop changed, bf16/fp16, compile, no host sync in a step), the
# speed bench eager and with torch.compile for report_gan_l1 at batch 64 (the >= 30% MFU target), and one short
# experiment. Every step has its own timeout so one slow step cannot eat the rest; outputs land in $OUT.
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
step "tests/test_gpu.py"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py > "$OUT/pytest_gpu.txt" 2>&1
step "tests rc $?"
step "speed, eager"
timeout 120 python3 bench/train_speed.py --runs default_colorizer:128 report_gan_l1:64 --steps 20 --warmup 2 \
  --repeat 3 --json "$OUT/speed_eager.json" > "$OUT/speed.txt" 2>&1
step "eager rc $?"
step "speed, compile (report_gan_l1 first: the MFU target)"
timeout 200 python3 bench/train_speed.py --runs report_gan_l1:64 default_colorizer:128 --compile on --no-plain \
  --steps 20 --warmup 2 --repeat 3 --json "$OUT/speed_compile.json" >> "$OUT/speed.txt" 2>&1
step "compile rc $?"
step "one experiment: 02_gan_l1's engine, default_colorizer on the GPU"
# pretrained false: the device lacks the efficientnet-lite0 weights wheel (this step checks the engine, not quality);
# the same command ran on the CPU with -p cache true -p epochs 1 -p train_repeats 1
timeout 70 python3 -m colorgan_nb.train -p preset default_colorizer -p pretrained false -p data_dir ../shared/photos \
  -p cache cuda -p epochs 3 -p pretrain_epochs 1 -p out_dir /tmp/gpu_run -p overwrite true > "$OUT/train.txt" 2>&1
step "train rc $?"
cp /tmp/gpu_run/history.csv "$OUT/" 2>/dev/null
step done
