#!/usr/bin/env bash
# The main job (`npm run demo`): set-up, then `pulumi up` of the default `emulated` stack through
# the mptcp-lab command: it creates the emulated bench, provisions both hosts, runs the failover
# test and prints its result. Extra arguments go to `mptcp-lab up`.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bash scripts/bootstrap.sh
exec cli/mptcp-lab up --stack emulated "$@"
