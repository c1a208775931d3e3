#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that `logward score` loads at run time.
#
# The library comes from PyPI's `onnxruntime` wheel (a zip): pip downloads the wheel for
# this platform and only `onnxruntime/capi/libonnxruntime.so.<version>` is kept. No Python
# package is installed. The version must be at least the one the `ort` crate was built for.
#
#   scripts/fetch-onnxruntime.sh [DIR]    (default: ${XDG_DATA_HOME:-~/.local/share}/logward/onnxruntime)
set -euo pipefail

VERSION=1.31.1
DIR=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/logward/onnxruntime}
LIB=$DIR/libonnxruntime.so

if [ -f "$LIB" ] && [ "$(cat "$DIR/VERSION" 2>/dev/null)" = "$VERSION" ]; then
    exit 0
fi
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) PLATFORM=manylinux_2_28_x86_64 ;;
    Linux-aarch64) PLATFORM=manylinux_2_28_aarch64 ;;
    *) echo "fetch-onnxruntime: no PyPI wheel known for $(uname -s)-$(uname -m); install ONNX Runtime $VERSION and set ORT_DYLIB_PATH" >&2; exit 1 ;;
esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 -m pip download -q --no-deps --only-binary :all: --python-version 3.11 \
    --platform "$PLATFORM" -d "$TMP" "onnxruntime==$VERSION"
mkdir -p "$DIR"
python3 - "$TMP"/onnxruntime-*.whl "$LIB" <<'PY'
import shutil, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.startswith("onnxruntime/capi/libonnxruntime.so."))
    with z.open(name) as src, open(target + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
shutil.move(target + ".part", target)
PY
echo "$VERSION" > "$DIR/VERSION"
echo "fetch-onnxruntime: ONNX Runtime $VERSION installed at $LIB" >&2
