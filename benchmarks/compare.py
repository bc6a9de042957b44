#!/usr/bin/env python3
"""Run engram side by side with NEST and Brian2 on the same networks.

    python3 benchmarks/compare.py [--reps 3] [--only coba,coba_stdp] [--no-nest] [--no-brian2]

Installs nest-simulator and brian2 from PyPI into benchmarks/.venv if they are
missing, builds engram in release mode, then runs each benchmark in turn,
alternating engram, NEST and Brian2 runs so that machine drift affects all.
Prints, per benchmark and simulator: RTF (wall seconds per biological second of
the timed window), synaptic events per second, peak RSS, bytes per synapse,
mean rate, and the ratio peer RTF / engram RTF (medians over repetitions).
Rates must agree within 10 %; otherwise the row is marked "not comparable".
Appends the table, dated, with the machine description, to BENCHMARKS.md.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "benchmarks" / ".venv"
# ENGRAM_PEERS_PYTHON points at an existing interpreter with nest and brian2.
PY = Path(os.environ.get("ENGRAM_PEERS_PYTHON", VENV / "bin" / "python"))
BENCH = {
    # name: (engram protocol, peer flag, timed biological seconds, engram bio seconds incl. kick)
    "coba": ("benchmarks/coba.toml", [], 1.0, 1.05),
    "coba_stdp": ("benchmarks/coba_stdp.toml", ["--stdp"], 1.0, 1.05),
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def ensure_venv(need_nest, need_brian):
    if not PY.exists() and "ENGRAM_PEERS_PYTHON" not in os.environ:
        print(f"creating {VENV}", file=sys.stderr)
        sh([sys.executable, "-m", "venv", str(VENV)])
        sh([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    pkgs = []
    if need_nest and subprocess.run([str(PY), "-c", "import nest"], capture_output=True).returncode != 0:
        pkgs.append("nest-simulator==3.10.0")
    if need_brian and subprocess.run([str(PY), "-c", "import brian2"], capture_output=True).returncode != 0:
        pkgs.append("brian2==2.9.0")
    if pkgs:
        # brian2 2.9 (the newest for Python 3.11) does not import with numpy >= 2.4.
        print("installing " + " ".join(pkgs), file=sys.stderr)
        sh([str(PY), "-m", "pip", "install", "-q", *pkgs, "numpy<2.4"])


def timed(cmd):
    """Runs cmd under /usr/bin/time; returns (stdout, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile("r") as f:
        out = sh(["/usr/bin/time", "-f", "%M", "-o", f.name, *cmd], cwd=ROOT).stdout
        rss_kb = float(f.read().strip().splitlines()[-1])
    return out, rss_kb / 1024.0


def run_engram(name):
    proto, _, _, bio = BENCH[name]
    with tempfile.TemporaryDirectory() as d:
        _, rss = timed([str(ROOT / "target/release/engram"), "run", proto, "--out", d, "--quiet"])
        run = json.loads(Path(d, "run.json").read_text())
        summ = json.loads(Path(d, "summary.json").read_text())
    rates = [r["value"] for r in summ["readouts"] if r["unit"] == "Hz"]
    # exc and inh rates weighted by population size (3200 : 800)
    rate = (rates[0] * 3200 + rates[1] * 800) / 4000
    syn = sum(p["synapses"] for p in run["projections"] if not p["name"].startswith("kick"))
    return {"rtf": run["wall_time_s"] / bio, "rate_hz": rate, "synapses": syn, "rss_mb": rss,
            "events_per_s": rate * 4000 * (syn / 4000) / (run["wall_time_s"] / bio)}


def run_peer(script, name):
    _, flags, T, _ = BENCH[name]
    out, rss = timed([str(PY), f"benchmarks/peers/{script}", "--T", str(T), *flags])
    line = [l for l in out.splitlines() if l.startswith("RESULT ")][-1]
    r = json.loads(line[7:])
    return {"rtf": r["rtf"], "rate_hz": r["rate_hz"], "synapses": r["synapses"], "rss_mb": rss,
            "events_per_s": r["spikes"] * (r["synapses"] / 4000) / r["sim_s"]}


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default=",".join(BENCH))
    ap.add_argument("--no-nest", action="store_true")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--no-append", action="store_true", help="do not append to BENCHMARKS.md")
    a = ap.parse_args()
    ensure_venv(not a.no_nest, not a.no_brian2)
    sh(["cargo", "build", "--release", "-q", "-p", "engram-cli"], cwd=ROOT)
    sims = [("engram (1 thread)", run_engram)]
    if not a.no_nest:
        sims.append(("NEST 3.10 (1 thread)", lambda n: run_peer("coba_nest.py", n)))
    if not a.no_brian2:
        sims.append(("Brian2 2.9 standalone", lambda n: run_peer("coba_brian2.py", n)))
    rows = []
    for name in a.only.split(","):
        res = {s: [] for s, _ in sims}
        for rep in range(a.reps):
            for s, fn in sims:  # alternate simulators within each repetition
                res[s].append(fn(name))
                print(f"{name} rep {rep + 1} {s}: RTF {res[s][-1]['rtf']:.3f}", file=sys.stderr)
        med = {s: {k: statistics.median(r[k] for r in v) for k in v[0]} for s, v in res.items()}
        ref = med["engram (1 thread)"]
        for s, m in med.items():
            comparable = abs(m["rate_hz"] - ref["rate_hz"]) <= 0.1 * ref["rate_hz"]
            rows.append((name, s, m, m["rtf"] / ref["rtf"], comparable))
    header = "| benchmark | simulator | RTF | syn. events/s | peak RSS MB | bytes/synapse | rate Hz | RTF / engram RTF |\n|---|---|---|---|---|---|---|---|"
    lines = [header]
    for name, s, m, ratio, ok in rows:
        ratio_s = f"{ratio:.2f}" if ok else f"{ratio:.2f} (not comparable: rates differ > 10 %)"
        lines.append(f"| {name} | {s} | {m['rtf']:.3f} | {m['events_per_s'] / 1e6:.1f} M | {m['rss_mb']:.0f} | "
                     f"{m['rss_mb'] * 2**20 / m['synapses']:.0f} | {m['rate_hz']:.1f} | {ratio_s} |")
    table = "\n".join(lines)
    print(table)
    if not a.no_append:
        with open(ROOT / "BENCHMARKS.md", "a") as f:
            f.write(f"\n## {datetime.date.today().isoformat()}: {a.reps} repetitions, medians\n\n")
            f.write(f"Machine: {machine()}.\n\n{table}\n")


if __name__ == "__main__":
    main()
