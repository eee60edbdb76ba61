#!/usr/bin/env bash
# Benchmarks Picketline against references measured in the same run on the same machine, and
# prints one table: figure, Picketline, reference, ratio, target, met.
#   Deploy/bench.sh            (about 5 minutes after the release build)
# Installs what it needs: wrk (Debian), cronsim (PyPI). Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
if ! command -v wrk >/dev/null; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null; }
fi
python3 -c "import cronsim" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check "cronsim==2.8" 2>&1 | grep -v "Running pip as the 'root' user" || true
swift build -c release --product picketline
swift build -c release --product picketline-bench
exec python3 Deploy/bench.py "$(swift build -c release --show-bin-path)" "$@"
