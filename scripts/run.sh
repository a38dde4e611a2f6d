#!/usr/bin/env bash
# Install what is missing, build, and run Tessera on conf/tessera.yaml.
# Extra arguments go to tessera (e.g. --log-level debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
echo "run: demo page on http://127.0.0.1:8080/ (Ctrl-C stops)"
exec build/tessera --config conf/tessera.yaml "$@"
