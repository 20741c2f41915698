#!/usr/bin/env bash
# Debian packages the test suite needs beyond npm: kubectl (kubectl plugin tests) and tmux (TUI tests).
# The integration cluster installs its own (scripts/cluster/build-apiserver.sh).
set -euo pipefail
need=()
command -v kubectl >/dev/null || need+=(kubernetes-client)
command -v tmux >/dev/null || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "need root to install ${need[*]} (or install them yourself)" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
