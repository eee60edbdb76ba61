#!/usr/bin/env bash
# Installs what the build needs and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
swift build --build-tests
swift test --skip-build --parallel
