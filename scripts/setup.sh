#!/usr/bin/env bash
# Sets up bottomup on a fresh Debian/Ubuntu machine: system packages (apt) and a virtualenv (.venv).
# Idempotent: a second run only checks. Needs root or sudo for apt-get.
#   bash scripts/setup.sh            # runtime + test dependencies
#   BOTTOMUP_SKIP_APT=1 bash scripts/setup.sh   # skip apt (packages already there)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-pip       # Python >= 3.11 (Debian 12 / Ubuntu 24.04 ship it)
  xvfb openbox xdotool x11-utils         # virtual display, window manager, window tools
  fonts-dejavu-core                      # fonts for desktop games
  postgresql                             # the many-machines library store (tests)
  chromium                               # headless rendering of the HTML views (tests)
  imagemagick                            # `import` screen grabs in tests
  gnome-mines aisleriot                  # third-party desktop games with profiles
)

if [ "${BOTTOMUP_SKIP_APT:-0}" != "1" ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: bottomup needs Python >= 3.11 (found $("$PY" --version 2>&1)); set PYTHON=..." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test,ocr,postgres]'
# rapidocr-onnxruntime pulls in opencv-python (GUI build); keep only the headless build.
if .venv/bin/python -m pip show -q opencv-python >/dev/null 2>&1; then
  .venv/bin/python -m pip uninstall -q -y opencv-python
  .venv/bin/python -m pip install -q --force-reinstall --no-deps opencv-python-headless
fi
.venv/bin/python -c 'import cv2, pygame, agent, skills, games' >/dev/null
echo "setup: ready (.venv/bin/bottomup)"
