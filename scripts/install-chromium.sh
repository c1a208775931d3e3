#!/bin/sh
# Installs headless Chromium from Debian's `chromium` package for the report's browser test
# (tests/report_browser.rs) and `make report-png`. Does nothing when a Chromium is already
# there (`chromium`, `chromium-browser`, or $LOGWARD_CHROMIUM). Never fails the build: where
# it cannot install (no apt-get, not root and no sudo, no package index), it says why and the
# browser test is skipped with the same message.
set -u

for c in "${LOGWARD_CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: no apt-get here; install Chromium yourself (or set LOGWARD_CHROMIUM) for the browser test" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "install-chromium: need root (or passwordless sudo) to run apt-get install chromium; the browser test will be skipped" >&2
    exit 0
fi

echo "install-chromium: apt-get install chromium (Debian's package) ..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; then
    $SUDO apt-get update -q >/dev/null 2>&1
    if ! $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
        echo "install-chromium: apt-get install chromium failed; the browser test will be skipped" >&2
        exit 0
    fi
fi
command -v chromium >/dev/null 2>&1 && echo "install-chromium: $(chromium --version 2>/dev/null)" >&2
exit 0
