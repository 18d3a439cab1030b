#!/usr/bin/env bash
# Installs the system packages gradscope's tests need on a Debian bookworm machine without a GPU:
#   - libvulkan1: the Vulkan loader that Dawn (npm `webgpu`) opens
#   - mesa-vulkan-drivers 25.x from bookworm-backports: lavapipe, a software Vulkan GPU
#     (bookworm's own 22.3 is rejected by Dawn)
#   - chromium: the browser for end-to-end tests; it also ships SwiftShader, the second software GPU
#   - python3-torch (1.13) and python3-numpy: the exported PyTorch projects' tests (tests/cli/export.test.ts)
# Idempotent: skips what is already present. Needs root (or sudo); says what to do otherwise.
set -euo pipefail

have_lavapipe() {
  [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] || return 1
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
  dpkg --compare-versions "$v" ge 25 
}
have_torch() {
  /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null
}
have_all() {
  # grep reads all of ldconfig's output: with pipefail, grep -q's early exit SIGPIPEs ldconfig and fails the check
  have_lavapipe && [ -x /usr/bin/chromium ] && ldconfig -p | grep 'libvulkan.so.1' >/dev/null && have_torch
}

if have_all; then
  echo "setup-system: chromium, libvulkan1, mesa lavapipe 25.x, python3-torch and python3-numpy already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"
else
  cat >&2 <<'MSG'
setup-system: not root and no passwordless sudo, so system packages cannot be installed.
Install them yourself (Debian bookworm):
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee /etc/apt/sources.list.d/backports.list
  sudo apt-get update
  sudo apt-get install -y chromium libvulkan1 python3-torch python3-numpy
  sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers
On a machine with a real GPU driver, only chromium is needed for the browser tests; without
python3-torch the PyTorch export tests are skipped (and say so).
MSG
  exit 1
fi

echo "setup-system: installing chromium, libvulkan1, python3-torch, python3-numpy and mesa-vulkan-drivers (bookworm-backports)"
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium libvulkan1 fonts-dejavu-core python3-torch python3-numpy
$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers
have_all || { echo "setup-system: install finished but lavapipe 25.x, chromium or python3-torch is still missing" >&2; exit 1; }
echo "setup-system: done"
