#!/usr/bin/python3
"""Compare two deep-family sweeps teacher by teacher.

    results/tools/compare_sweeps.py OLD/results.csv NEW/results.csv

Prints, for every teacher in NEW, both outcomes and CPU seconds, the CPU
ratio new/old, the teachers whose outcome changed, and the median ratio over
the teachers exact in both. Standard library only.
"""
import csv
import statistics
import sys


def rows(path):
    with open(path) as f:
        return {r["problem"]: r for r in csv.DictReader(f)}


def main(old_path, new_path):
    old, new = rows(old_path), rows(new_path)
    ratios, gained, lost = [], [], []
    for name in sorted(new):
        n, o = new[name], old.get(name)
        if o is None:
            print(f"{name:40s} (not in {old_path})")
            continue
        oc, nc = float(o["cpu_seconds"]), float(n["cpu_seconds"])
        ratio = nc / oc if oc > 0 else float("nan")
        mark = ""
        if o["success"] != n["success"]:
            mark = "  gained" if n["success"] == "true" else "  lost"
            (gained if n["success"] == "true" else lost).append(name)
        elif n["success"] == "true":
            ratios.append(ratio)
        print(f"{name:40s} old {o['success']:5s} {oc:6.1f}s {o['recovered_hidden']:8s}"
              f" new {n['success']:5s} {nc:6.1f}s {n['recovered_hidden']:8s} {ratio:5.2f}{mark}")
    both = [k for k in new if k in old]
    print(f"{len(both)} teachers in both; exact old {sum(old[k]['success'] == 'true' for k in both)},"
          f" new {sum(new[k]['success'] == 'true' for k in both)}")
    print("gained:", ", ".join(gained) or "none")
    print("lost:", ", ".join(lost) or "none")
    if ratios:
        print(f"CPU new/old over the {len(ratios)} exact in both: median {statistics.median(ratios):.2f},"
              f" range {min(ratios):.2f}–{max(ratios):.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
