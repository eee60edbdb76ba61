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
# The Standard Webhooks reference implementation checks our signatures in the webhook tests;
# without python3 (or without network for pip) those checks are skipped, not failed.
if command -v python3 >/dev/null && ! python3 -c "import standardwebhooks" 2>/dev/null; then
    python3 -m pip install -q standardwebhooks >/dev/null 2>&1 \
        || echo "warning: could not install standardwebhooks; the reference signature checks will be skipped" >&2
fi
swift build --build-tests
swift test --skip-build --parallel
