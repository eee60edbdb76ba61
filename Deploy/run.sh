#!/usr/bin/env bash
# Builds Picketline and runs the service on its embedded default: ./picketline.sqlite, with the
# demo data (the London picket of January 2022), on http://127.0.0.1:8080. Ctrl-C stops it.
# Usage: Deploy/run.sh [--no-demo]
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
swift build --product picketline
bin="$(swift build --show-bin-path)/picketline"
"$bin" migrate
if [[ "${1:-}" != "--no-demo" ]]; then
    "$bin" demo
fi
echo "serving on http://127.0.0.1:8080 — try: curl -s localhost:8080/api/v1/actions" >&2
exec "$bin" serve
