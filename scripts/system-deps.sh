#!/usr/bin/env bash
# Install the Debian packages melian's full test suite and brief need, if they are missing:
#   chromium        headless browser: end-to-end web tests (Playwright) and HTML -> PDF of the brief
#   poppler-utils   pdftoppm: the brief's PDF rendering test
#   postgresql      a real PostgreSQL server for the run-store tests (started by the tests)
#   fonts-noto-core Noto Naskh/Sans Arabic: the Arabic brief is shaped right to left with them
# Tested with Debian 12 (bookworm) packages: chromium 14x-15x, poppler-utils 22.12, postgresql 15,
# fonts-noto-core 20201225. Debian's archive does not keep superseded versions, so these are not
# pinned to an exact version: the suite checks behaviour, not a build of the browser.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list :lang=ar 2>/dev/null | grep -qi "noto" || need+=(fonts-noto-core)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]}; install them with your package manager (tests that need them will be skipped)" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
