#!/usr/bin/env bash
# Installs what the build and the tests need, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Deploy/setup.sh
# Reference implementations some tests check against: the iCalendar parser, the OpenAPI validator
# and Standard Webhooks' signature check. Without them those checks are skipped, not failed.
source Deploy/python-references.sh
python_references icalendar=icalendar openapi_spec_validator=openapi-spec-validator standardwebhooks=standardwebhooks
bash Deploy/verify-deploy-files.sh
swift build --build-tests
swift test --skip-build --parallel
