#!/usr/bin/env bash
# Debian packages the test suites start: Chromium (browser suites), coturn and Redis (TURN
# credentials). Installs the missing ones with apt-get; does nothing when all are there.
set -euo pipefail
missing=""
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing="$missing chromium"
{ command -v turnserver && command -v turnutils_uclient; } >/dev/null || missing="$missing coturn"
command -v redis-server >/dev/null || missing="$missing redis-server"
[ -z "$missing" ] && exit 0
echo "installing Debian packages for the test suites:$missing"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
  { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends $missing >/dev/null; }
