#!/usr/bin/env bash
# Installs everything svclint's tests need on a fresh Debian machine with Python >= 3.10, and nothing
# else: the package with its [test] extras, and the real consumers of its outputs (Graphviz renders
# the DOT, Chromium renders Mermaid and the HTML review, the mermaid package from npm). The tests
# fail, not skip, when one is missing. `.ci/run` calls this script too. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v dot >/dev/null || need+=(graphviz)
command -v chromium >/dev/null || need+=(chromium)
command -v npm >/dev/null || need+=(npm)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi
# the mermaid package, into tests/js/node_modules (not committed)
npm install --prefix tests/js --no-audit --no-fund --loglevel=error
python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e '.[test]'
