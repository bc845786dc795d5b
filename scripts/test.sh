#!/usr/bin/env bash
# The test command (`npm test`): set-up, type check, lint, then every ava test. Ends with one
# "N passed, N failed" line.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bash scripts/bootstrap.sh
echo "[test] type check (tsc --noEmit, strict)"
npx --no-install tsc --noEmit -p tsconfig.json
echo "[test] lint (eslint)"
npx --no-install eslint --max-warnings 0 .
echo "[test] ava"
node scripts/run-ava.js "$@"
