#!/usr/bin/env bash
# Benchmarks Picketline against references measured in the same run on the same machine, and
# prints one table: figure, Picketline, reference, ratio, target, met.
#   Deploy/bench.sh            (about 8 minutes after the release build; BENCH_BUILD=dir picks the build folder)
#   Deploy/bench.sh http       (one part: http, fanout, cron, scheduler; disk, 240 s of the disk's own commit
#                               stalls, runs only when named)
# Installs what it needs: wrk and nginx-light (Debian), cronsim (PyPI). Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
# wrk drives the HTTP runs; nginx-light is the webhook receiver of the fan-out run.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
if (( ${#missing[@]} )); then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi
# cronsim is the reference of the cron figures (a virtualenv of our own where pip may not install).
source Deploy/python-references.sh
python_references cronsim=cronsim==2.8
# Built as Deploy/README.md and the Dockerfile ship it (Swift libraries linked in), in a build
# folder of its own so that the development build in .build/ is left alone.
build=(swift build -c release --static-swift-stdlib --scratch-path "${BENCH_BUILD:-.build-static}")
"${build[@]}" --product picketline
"${build[@]}" --product picketline-bench
exec python3 Deploy/bench.py "$("${build[@]}" --show-bin-path)" "$@"
