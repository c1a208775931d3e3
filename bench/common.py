"""What every benchmark script shares: where things are, and how a command is timed."""
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# LOGWARD_BIN times another build (an older commit, say) instead of this checkout's release build.
BIN = os.environ.get("LOGWARD_BIN") or os.path.join(ROOT, "target/release/logward")
DATA = os.path.join(ROOT, "..", "shared", "data")


def timed(cmd):
    """Wall-clock seconds of one run of `cmd`, output discarded; fails if the command does."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0
