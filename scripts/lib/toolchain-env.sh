# shellcheck shell=bash
# Where the pinned Pulumi toolchain and mptcp-lab's state live, and the environment that keeps the
# engine offline. Sourced by bootstrap.sh, demo.sh and test.sh; toolchain/index.ts mirrors it for
# the Automation API. Expects $repo_root.
: "${repo_root:?set repo_root before sourcing this file}"

# shellcheck source-path=SCRIPTDIR/../..
source "$repo_root/toolchain/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/mptcp-lab"
state_root="${XDG_STATE_HOME:-$HOME/.local/state}/mptcp-lab"
toolchain_bin="$cache_root/toolchain/v$PULUMI_VERSION/bin"

# Plugins and credentials stay out of the user's own ~/.pulumi; state is a local file backend.
export PULUMI_HOME="$state_root/pulumi-home"
export PULUMI_BACKEND_URL="file://$state_root/pulumi-state"
export PULUMI_CONFIG_PASSPHRASE_FILE="$state_root/passphrase"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# `npm test` type-checks the program; the engine need not do it again on every run.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
export PATH="$toolchain_bin:$PATH"
