#!/usr/bin/env bash
# Debian packages that the deployment and browser tests run for real (npm test's pretest step).
# As root, installs what is missing (one apt-get update first); otherwise says what to run.
set -euo pipefail

declare -A BINARY=([pgbouncer]=/usr/sbin/pgbouncer [nginx]=/usr/sbin/nginx [chromium]=/usr/bin/chromium)

missing=()
for pkg in "${!BINARY[@]}"; do
  [ -x "${BINARY[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages that are not installed: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} for the deployment and browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
