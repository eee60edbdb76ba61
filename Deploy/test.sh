#!/usr/bin/env bash
# Installs what the build and the tests need, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
# Reference implementations some tests check against (iCalendar parser, OpenAPI validator).
if ! python3 -c "import icalendar, openapi_spec_validator" 2>/dev/null; then
    python3 -m pip install -q --disable-pip-version-check icalendar openapi-spec-validator 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
bash Deploy/verify-deploy-files.sh
swift build --build-tests
swift test --skip-build --parallel
