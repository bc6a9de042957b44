#!/usr/bin/env python3
"""Run engram side by side with NEST and Brian2 on the same networks.

    python3 benchmarks/compare.py [--reps 3] [--only coba,coba_stdp,brunel_plastic] [--no-nest] [--no-brian2]
                                  [--threads 1,2] [--T SECONDS] [--native]

Installs nest-simulator and brian2 from PyPI into benchmarks/.venv if they are
missing, builds engram in release mode, then runs each benchmark in turn,
alternating engram, NEST and Brian2 runs so that machine drift affects all.
Prints, per benchmark and simulator: RTF (wall seconds per biological second of
the timed window), synaptic events per second, peak RSS, bytes per synapse,
mean rate, and the ratio peer RTF / engram RTF (medians over repetitions).
Rates must agree within 10 %; otherwise the row is marked "not comparable".
engram runs once per thread count in --threads (default 1 and 2); the spike and
weight tables of the first repetition are compared byte for byte across thread
counts ("bit-identical" line under the table). --T shortens the timed window
of the benchmarks that allow it (brunel_plastic; the peers likewise).
--native also builds engram with `-C target-cpu=native` (as Brian2 compiles its
standalone code with -march=native by default) into target/native and adds a
1-thread row for that binary; its tables join the byte-for-byte comparison.
Appends the table, dated, with the machine description and the load average,
to BENCHMARKS.md.
"""
import argparse
import datetime
import hashlib
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
    # 100 ms warm-up, then the timed window; --T changes the window.
    "brunel_plastic": ("benchmarks/brunel_plastic.toml", [], 1.0, 1.1),
}
# Peer scripts per benchmark (NEST, Brian2) and the population sizes (exc, inh)
# that weight the two rate readouts.
PEERS = {
    "coba": ("coba_nest.py", "coba_brian2.py", (3200, 800)),
    "coba_stdp": ("coba_nest.py", "coba_brian2.py", (3200, 800)),
    "brunel_plastic": ("brunel_plastic_nest.py", "brunel_plastic_brian2.py", (8000, 2000)),
}
WARMUP_S = {"brunel_plastic": 0.1}


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


def engram_sets(name, T):
    """--set arguments that shorten the timed window to T seconds (after the warm-up)."""
    if T is None or name not in WARMUP_S:
        return []
    end = f'"{(WARMUP_S[name] + T) * 1000:g} ms"'
    sets = [f"simulation.duration={end}"]
    for ro in ("exc_rate", "inh_rate"):
        sets.append(f"readout.{ro}.to={end}")
    if name == "brunel_plastic":
        sets.append(f"readout.ee_weight_end.at={end}")
    return sum((["--set", x] for x in sets), [])


def bio_seconds(name, T):
    _, _, T0, bio = BENCH[name]
    return bio if T is None or name not in WARMUP_S else WARMUP_S[name] + T


def digest(d):
    """SHA-256 over the spike and weight tables of a run directory."""
    h = hashlib.sha256()
    for f in sorted(Path(d).glob("*.csv")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def run_engram(name, threads=1, T=None, binary=ROOT / "target/release/engram"):
    proto = BENCH[name][0]
    bio = bio_seconds(name, T)
    ne, ni = PEERS[name][2]
    with tempfile.TemporaryDirectory() as d:
        _, rss = timed([str(binary), "run", proto, "--out", d, "--quiet",
                        "--format", "csv", "--threads", str(threads), *engram_sets(name, T)])
        run = json.loads(Path(d, "run.json").read_text())
        summ = json.loads(Path(d, "summary.json").read_text())
        dig = digest(d)
    rates = [r["value"] for r in summ["readouts"] if r["unit"] == "Hz"]
    # exc and inh rates weighted by population size
    rate = (rates[0] * ne + rates[1] * ni) / (ne + ni)
    # recurrent synapses only: not those from the kick-start or drive sources
    syn = sum(p["synapses"] for p in run["projections"] if not p["name"].startswith(("kick", "ext")))
    return {"rtf": run["wall_time_s"] / bio, "rate_hz": rate, "synapses": syn, "rss_mb": rss,
            "events_per_s": rate * syn / (run["wall_time_s"] / bio), "build_s": run.get("build_time_s", 0.0),
            "digest": dig}


def run_peer(script, name, T=None):
    _, flags, T0, _ = BENCH[name]
    T = T0 if T is None or name not in WARMUP_S else T
    out, rss = timed([str(PY), f"benchmarks/peers/{script}", "--T", str(T), *flags])
    line = [l for l in out.splitlines() if l.startswith("RESULT ")][-1]
    r = json.loads(line[7:])
    n = r.get("neurons", 4000)
    return {"rtf": r["rtf"], "rate_hz": r["rate_hz"], "synapses": r["synapses"], "rss_mb": rss,
            "events_per_s": r["spikes"] * (r["synapses"] / n) / r["sim_s"], "build_s": r.get("setup_s", 0.0)}


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


def loadavg():
    try:
        return " / ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default=",".join(BENCH))
    ap.add_argument("--no-nest", action="store_true")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--no-append", action="store_true", help="do not append to BENCHMARKS.md")
    ap.add_argument("--threads", default="1,2", help="engram thread counts, comma-separated")
    ap.add_argument("--T", type=float, default=None, help="timed biological seconds (brunel_plastic)")
    ap.add_argument("--native", action="store_true", help="also run engram built with -C target-cpu=native (1 thread)")
    a = ap.parse_args()
    ensure_venv(not a.no_nest, not a.no_brian2)
    sh(["cargo", "build", "--release", "-q", "-p", "engram-cli"], cwd=ROOT)
    if a.native:
        env = dict(os.environ, RUSTFLAGS="-C target-cpu=native", CARGO_TARGET_DIR=str(ROOT / "target" / "native"))
        sh(["cargo", "build", "--release", "-q", "-p", "engram-cli"], cwd=ROOT, env=env)
    load_before = loadavg()
    threads = [int(t) for t in a.threads.split(",")]
    sims = [(f"engram ({t} thread{'s' if t > 1 else ''})", (lambda t: lambda n: run_engram(n, t, a.T))(t))
            for t in threads]
    if a.native:
        native = ROOT / "target" / "native" / "release" / "engram"
        sims.append(("engram native (1 thread)", lambda n: run_engram(n, 1, a.T, native)))
    if not a.no_nest:
        sims.append(("NEST 3.10 (1 thread)", lambda n: run_peer(PEERS[n][0], n, a.T)))
    if not a.no_brian2:
        sims.append(("Brian2 2.9 standalone", lambda n: run_peer(PEERS[n][1], n, a.T)))
    ref_name = sims[0][0]
    rows, notes = [], []
    for name in a.only.split(","):
        res = {s: [] for s, _ in sims}
        for rep in range(a.reps):
            for s, fn in sims:  # alternate simulators within each repetition
                res[s].append(fn(name))
                print(f"{name} rep {rep + 1} {s}: RTF {res[s][-1]['rtf']:.3f}, rate {res[s][-1]['rate_hz']:.2f} Hz",
                      file=sys.stderr)
        digests = {s: v[0]["digest"] for s, v in res.items() if "digest" in v[0]}
        if len(digests) > 1:
            same = len(set(digests.values())) == 1
            runs = [f"{t} thread{'s' if t > 1 else ''}" for t in threads] + (["the native build"] if a.native else [])
            notes.append(f"{name}: spike and weight tables of engram with {', '.join(runs)} "
                         f"{'bit-identical' if same else 'DIFFER'} (SHA-256 {list(digests.values())[0][:12]})")
        med = {s: {k: statistics.median(r[k] for r in v) for k in v[0] if k != "digest"} for s, v in res.items()}
        ref = med[ref_name]
        for s, m in med.items():
            comparable = abs(m["rate_hz"] - ref["rate_hz"]) <= 0.1 * ref["rate_hz"]
            rows.append((name, s, m, m["rtf"] / ref["rtf"], comparable))
        for s in med:
            if s.startswith("engram") and s != ref_name:
                notes.append(f"{name}: {s} is {ref['rtf'] / med[s]['rtf']:.2f}x faster than {ref_name}")
    header = "| benchmark | simulator | RTF | syn. events/s | peak RSS MB | bytes/synapse | rate Hz | RTF / engram RTF |\n|---|---|---|---|---|---|---|---|"
    lines = [header]
    for name, s, m, ratio, ok in rows:
        ratio_s = f"{ratio:.2f}" if ok else f"{ratio:.2f} (not comparable: rates differ > 10 %)"
        lines.append(f"| {name} | {s} | {m['rtf']:.3f} | {m['events_per_s'] / 1e6:.1f} M | {m['rss_mb']:.0f} | "
                     f"{m['rss_mb'] * 2**20 / m['synapses']:.0f} | {m['rate_hz']:.1f} | {ratio_s} |")
    table = "\n".join(lines)
    if notes:
        table += "\n\n" + "\n".join(f"- {n}" for n in notes)
    print(table)
    if not a.no_append:
        window = f", timed window {a.T:g} s" if a.T is not None else ""
        with open(ROOT / "BENCHMARKS.md", "a") as f:
            f.write(f"\n## {datetime.date.today().isoformat()}: {a.reps} repetitions, medians{window}\n\n")
            f.write(f"Machine: {machine()}; load average (1/5/15 min) before {load_before}, "
                    f"after {loadavg()}.\n\n{table}\n")


if __name__ == "__main__":
    main()
