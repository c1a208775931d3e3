#!/usr/bin/env bash
# Installs what the Spark job's test and benchmark need, from the registries only:
#   - a Java runtime (17 or newer, for Spark 4), from Debian's packages when `java` is missing
#     or too old: openjdk-17-jre-headless, else default-jre-headless;
#   - PySpark (spark/requirements.txt) into the project-local virtual environment spark/.venv.
# Prints the venv's python on the last line. Exit status 0: ready; 3: something could not be
# installed (the message says what), so callers can skip with that message.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${LOGWARD_SPARK_VENV:-spark/.venv}

fail() { echo "setup-spark: $*" >&2; exit 3; }

java_major() {
    # `java -version` prints e.g. openjdk version "17.0.15" 2025-04-15 (or "1.8.0_392").
    local v
    v=$(java -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -1)
    case "$v" in 1.*) v=${v#1.} ;; esac
    echo "${v%%[.+-]*}"
}

need_java=1
if command -v java >/dev/null 2>&1; then
    major=$(java_major)
    if [ -n "$major" ] && [ "$major" -ge 17 ] 2>/dev/null; then need_java=0; fi
fi
if [ "$need_java" = 1 ]; then
    echo "setup-spark: no Java 17+ runtime found; installing one from Debian's packages" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "Java 17+ is missing and installing it needs root (apt-get install openjdk-17-jre-headless)"
        SUDO="sudo -n"
    fi
    command -v apt-get >/dev/null 2>&1 || fail "Java 17+ is missing and this system has no apt-get: install a Java 17 runtime"
    $SUDO apt-get update -q >/dev/null 2>&1 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >/dev/null 2>&1 \
        || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends default-jre-headless >/dev/null 2>&1 \
        || fail "could not install a Java runtime (apt-get install openjdk-17-jre-headless failed)"
    hash -r
    command -v java >/dev/null 2>&1 || fail "a Java runtime was installed but 'java' is not on PATH"
    major=$(java_major)
    [ "$major" -ge 17 ] 2>/dev/null || fail "Java $major was installed; Spark 4 needs 17 or newer"
fi

want=$(sed -n 's/^pyspark==//p' spark/requirements.txt)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$want')" 2>/dev/null; then
    echo "setup-spark: installing PySpark $want into $VENV (pip)" >&2
    python3 -m venv "$VENV" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install -q -r spark/requirements.txt >&2 || fail "pip could not install PySpark $want"
fi
echo "$VENV/bin/python"
