#!/usr/bin/env bash
# Regenerates the initial migration from the models. Only while no database outside
# development has been migrated: after the first release, add migrations instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
YUQING_INSTANCE_PATH="$tmp" .venv/bin/yuqing db migrate -m "initial schema" --rev-id 0001 >/dev/null
rm -rf "$tmp"
ls migrations/versions
