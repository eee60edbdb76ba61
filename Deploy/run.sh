#!/usr/bin/env bash
# Builds Picketline and runs it on its embedded default: ./picketline.sqlite with the demo data.
# Usage: Deploy/run.sh [--no-demo]
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
swift build --product picketline
bin="$(swift build --show-bin-path)/picketline"
"$bin" migrate
if [[ "${1:-}" != "--no-demo" ]]; then
    "$bin" demo
    "$bin" action show london-picket-kazakhstan-embassy-2022
fi
