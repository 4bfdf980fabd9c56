#!/usr/bin/env bash
# Runs every test of the solution, then a smoke run of the benchmarks so they cannot rot.
# Installs Debian's etcd-server when it is missing: the etcd tests start a real etcd.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd not found: installing Debian's etcd-server" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y etcd-server
fi

# The dashboard's browser tests drive Debian's chromium through Playwright (no browser download).
if [ ! -x /usr/bin/chromium ]; then
  echo "chromium not found: installing Debian's chromium" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi

dotnet build Registry.Adapters.sln -c Release
dotnet test Registry.Adapters.sln -c Release --no-build --blame-hang-timeout 5m --blame-hang-dump-type none -- RunConfiguration.TestSessionTimeout=1500000
dotnet run -c Release --no-build --project tests/Registry.Adapters.Benchmarks -- --smoke
