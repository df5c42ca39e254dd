#!/usr/bin/python3
"""Times package cluster against scipy and fastcluster on the same inputs.

Run from the repository root with Debian's Python (python3-scipy,
python3-fastcluster):

    /usr/bin/python3 bench/cluster_compare.py --n 40000 --d 33 --reps 3
    /usr/bin/python3 bench/cluster_compare.py --n 10000 --d 33 --reps 5 --linkage-only

The Go side (bench/cluster_compare) writes the input vectors as .npy, so both
sides cluster the same numbers. Each repetition runs Go and then Python, one
after the other, each on one core (GOMAXPROCS=1; scipy and fastcluster are
single-threaded), and the script prints medians of wall-clock and CPU
seconds and their ratios. Full mode times distances + average linkage
(ours against scipy's pdist + fastcluster.linkage); --linkage-only times
average linkage alone on scipy's pdist matrix (the same float64 values on
both sides). In full mode each side's run starts from warmed memory (see
warm_memory; --cold leaves it out). Finally every merge of the last Go run is checked against
scipy.cluster.hierarchy.linkage: same pairs, same sizes, same order, heights
to 1e-12 relative.
"""

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import fastcluster
import numpy as np
import scipy
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.spatial.distance import pdist


def timed(f, *args, **kw):
    w0, c0 = time.perf_counter(), time.process_time()
    out = f(*args, **kw)
    return out, time.perf_counter() - w0, time.process_time() - c0


def run_go(tool, args):
    env = dict(os.environ, GOMAXPROCS="1")
    out = subprocess.run([tool] + args, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def compare_merges(z_go, z_ref, name):
    """Reports whether z_go equals z_ref merge by merge."""
    same_pairs = np.array_equal(z_go[:, [0, 1, 3]], z_ref[:, [0, 1, 3]])
    rel = np.abs(z_go[:, 2] - z_ref[:, 2]) / np.maximum(np.abs(z_ref[:, 2]), 1e-300)
    ok = same_pairs and rel.max() <= 1e-12
    first = "" if same_pairs else f", first differing merge {np.argmax(np.any(z_go[:, [0, 1, 3]] != z_ref[:, [0, 1, 3]], axis=1))}"
    print(f"merges vs {name}: pairs and sizes {'identical' if same_pairs else 'DIFFER'}{first}, "
          f"max height rel. diff {rel.max():.2e} -> {'OK' if ok else 'MISMATCH'}")
    return ok


def warm_memory(nbytes):
    """Writes nbytes of fresh memory and frees it again.

    On a virtual machine the first write to a guest page the host has not
    backed yet costs a host page fault: on the machine these figures were
    measured on, about 2 ms per 2 MiB, 15 s for the 6.4 GB matrix of 40 000
    points, against 0.4 s when the same pages were written shortly before.
    Whichever side runs first would pay that, so before each side's
    distances the script writes (and frees) the size of the matrix plus
    10 %, and both sides start from memory the host has backed, as on a
    bare machine. --cold skips this."""
    a = np.empty(nbytes // 8)
    a.fill(1.0)
    del a
    gc.collect()


def med(v):
    return statistics.median(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--d", type=int, default=33)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--linkage-only", action="store_true")
    ap.add_argument("--no-check", action="store_true", help="skip the merge check against scipy")
    ap.add_argument("--cold", action="store_true",
                    help="do not warm the machine's memory before each side (see warm_memory)")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="cluster_compare_")
    tool = os.path.join(work, "cluster_compare")
    subprocess.run(["go", "build", "-o", tool, "./bench/cluster_compare"], check=True)
    xp, zp, dp = (os.path.join(work, f) for f in ("x.npy", "z.npy", "d.npy"))
    subprocess.run([tool, "-gen", "-n", str(a.n), "-d", str(a.d), "-seed", str(a.seed), "-x", xp], check=True)
    x = np.load(xp)
    print(f"{a.n} x {a.d} vectors, average linkage, one core; scipy {scipy.__version__}, "
          f"fastcluster {fastcluster.__version__}, numpy {np.__version__}", flush=True)

    rows = {}  # name -> {"wall": [...], "cpu": [...]}
    go_rss = []  # peak resident set of each Go run, MB

    def add(name, wall, cpu):
        r = rows.setdefault(name, {"wall": [], "cpu": []})
        r["wall"].append(wall)
        r["cpu"].append(cpu)

    if a.linkage_only:
        y = pdist(x)
        np.save(dp, y)
        del y
        gc.collect()
    for rep in range(a.reps):
        if a.linkage_only:
            g = run_go(tool, ["-dist", dp, "-z", zp, "-reps", "1"])
            go_rss.append(g.get("max_rss_mb", float("nan")))
            add("Go linkage", g["link"][0], g["link_cpu"][0])
            y = np.load(dp)
            _, w, c = timed(fastcluster.linkage, y, method="average", preserve_input=False)
            add("fastcluster linkage", w, c)
        else:
            if not a.cold:
                warm_memory(int(1.1 * 8 * a.n * (a.n - 1) / 2))
            g = run_go(tool, ["-x", xp, "-z", zp, "-reps", "1"])
            go_rss.append(g.get("max_rss_mb", float("nan")))
            add("Go distances", g["dist"][0], g["dist_cpu"][0])
            add("Go linkage", g["link"][0], g["link_cpu"][0])
            add("Go total", g["dist"][0] + g["link"][0], g["dist_cpu"][0] + g["link_cpu"][0])
            if not a.cold:
                warm_memory(int(1.1 * 8 * a.n * (a.n - 1) / 2))
            y, w1, c1 = timed(pdist, x)
            _, w2, c2 = timed(fastcluster.linkage, y, method="average", preserve_input=False)
            add("scipy pdist", w1, c1)
            add("fastcluster linkage", w2, c2)
            add("pdist + fastcluster total", w1 + w2, c1 + c2)
        del y
        gc.collect()
        print(f"rep {rep + 1}/{a.reps}: " + ", ".join(f"{k} {v['wall'][-1]:.2f} s ({v['cpu'][-1]:.2f} cpu)"
                                                   for k, v in rows.items()), flush=True)

    print(f"\nmedians of {a.reps} (seconds)    wall      cpu")
    for name, r in rows.items():
        print(f"  {name:28s} {med(r['wall']):8.3f} {med(r['cpu']):8.3f}")
    pairs = [("Go linkage", "fastcluster linkage")]
    if not a.linkage_only:
        pairs = [("Go distances", "scipy pdist")] + pairs + [("Go total", "pdist + fastcluster total")]
    print("\nspeed-up of Go (reference time / Go time)   wall    cpu")
    for ours, ref in pairs:
        print(f"  {ours + ' vs ' + ref:40s} {med(rows[ref]['wall']) / med(rows[ours]['wall']):6.2f}x "
              f"{med(rows[ref]['cpu']) / med(rows[ours]['cpu']):6.2f}x")

    print(f"\npeak resident set: Go {max(go_rss):.0f} MB; this Python process so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    ok = True
    if not a.no_check:
        z_go = np.load(zp)
        y = np.load(dp) if a.linkage_only else pdist(x)
        z_scipy = scipy_linkage(y, method="average")
        del y
        gc.collect()
        ok = compare_merges(z_go, z_scipy, "scipy.cluster.hierarchy.linkage")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
