#!/usr/bin/env python3
"""The report of bench/data-plane.sh: pools each case's per-request latencies over all its slices.

Reads RESULTS/summary.tsv (one row per slice: fortio's own figures, the sidecars' CPU and request counts) and
RESULTS/access/<round>-<case>-<proto>.jsonl (fortio's access log: one line per request, its latency in
seconds). Prints per case and protocol the pooled p50/p90/p99 and the slices' totals, then per protocol the
added p99 ratios: pooled over all rounds with a bootstrap interval (rounds resampled, so the cases stay
paired), and the spread of the same ratio over the rounds, each round's slices being neighbours in time.
Writes RESULTS/pooled.tsv and RESULTS/rounds.tsv. Exit 1 when a slice had errors or a sidecar did not count
the load (the smoke mode's check), 2 on missing or unreadable input.
"""

import argparse
import csv
import math
import random
import re
import sys
from pathlib import Path

LATENCY = re.compile(r'"latency":([0-9.eE+-]+)')
CASES = {"a": "no sidecars", "b": "minimal Envoys", "c": "generated", "d": "generated, extra probes"}
PROTOS = {"h1": "HTTP/1.1", "h2": "HTTP/2"}
# (x, y): the added p99 of x over (a), divided by that of y. (c)/(b) is the target's ratio; (d)/(c) what
# the extra probes of (d) add.
COMPARISONS = [("c", "b", 1.05), ("d", "c", None)]
BOOTSTRAP = 1000


def fail_input(msg):
    print(f"data-plane report: error: {msg}", file=sys.stderr)
    sys.exit(2)


def rank(sorted_values, p):
    """Nearest-rank percentile p (0-100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def quantile(values, q):
    """Linear-interpolated quantile q (0-1), for the spread of a few dozen ratios."""
    s = sorted(values)
    if not s:
        return float("nan")
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def read_latencies(path):
    try:
        text = path.read_text()
    except OSError as e:
        fail_input(f"access log {path}: {e.strerror}")
    values = sorted(float(m) * 1000 for m in LATENCY.findall(text))
    if not values:
        fail_input(f"access log {path} has no request")
    return values


def pooled_p99(tails, total):
    """p99 of the union of slices given their tails (each the slice's largest values, descending, at least
    as many as the union's top 1 %) and the union's size."""
    k = total - max(1, math.ceil(0.99 * total)) + 1  # rank from the top
    merged = sorted((v for t in tails for v in t), reverse=True)
    return merged[k - 1]


def ratio(x, y):
    return x / y if y > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True, type=Path)
    ap.add_argument("--slice", required=True, type=int)
    ap.add_argument("--smoke", default="false")
    args = ap.parse_args()

    rows = []
    try:
        with open(args.results / "summary.tsv") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except OSError as e:
        fail_input(f"{args.results / 'summary.tsv'}: {e.strerror}")
    if not rows:
        fail_input("summary.tsv has no slice")

    lat = {}  # (proto, case, round) -> ascending latencies in ms
    for r in rows:
        key = (r["proto"], r["case"], int(r["round"]))
        lat[key] = read_latencies(args.results / "access" / f"{r['round']}-{r['case']}-{r['proto']}.jsonl")
    cases = [c for c in CASES if any(k[1] == c for k in lat)]
    protos = [p for p in PROTOS if any(k[0] == p for k in lat)]
    rounds = sorted({k[2] for k in lat})

    bad = []
    out = []
    print(
        f"{'case':<4} {'proto':<5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'req/s':>9} {'errors':>7} "
        f"{'requests':>9} {'cpu s/1k req/s':>14} {'sidecar rq (cl/srv)':>20}  pooled over {len(rounds)} slices"
    )
    pooled = {}
    for p in protos:
        for c in cases:
            mine = [r for r in rows if r["proto"] == p and r["case"] == c]
            values = sorted(v for r in mine for v in lat[(p, c, int(r["round"]))])
            p50, p90, p99 = rank(values, 50), rank(values, 90), rank(values, 99)
            pooled[(p, c)] = p99
            qps = sum(float(r["qps"]) for r in mine) / len(mine)
            errors = sum(int(r["errors"]) for r in mine)
            requests = sum(int(r["requests"]) for r in mine)
            if len(values) != requests:
                bad.append(f"case {c} {p}: {len(values)} requests in the access logs, fortio counted {requests}")
            for r in mine:
                if int(r["errors"]) > 0:
                    bad.append(f"case {c} {p} round {r['round']}: {r['errors']} errors")
                if c != "a" and (int(r["client_rq"]) < int(r["requests"]) or int(r["server_rq"]) < int(r["requests"])):
                    bad.append(
                        f"case {c} {p} round {r['round']}: sidecars saw {r['client_rq']} / {r['server_rq']}"
                        f" requests of {r['requests']}"
                    )
            if c == "a":
                norm = seen = "-"
            else:
                cpu = sum(float(r["sidecar_cpu_s"]) for r in mine)
                norm = f"{cpu / (args.slice * len(mine)) / (qps / 1000):.3f}"
                seen = f"{sum(int(r['client_rq']) for r in mine)}/{sum(int(r['server_rq']) for r in mine)}"
            print(
                f"{c:<4} {p:<5} {p50:8.3f} {p90:8.3f} {p99:8.3f} {qps:9.1f} {errors:7d} {requests:9d} "
                f"{norm:>14} {seen:>20}"
            )
            out.append([c, p, f"{p50:.3f}", f"{p90:.3f}", f"{p99:.3f}", f"{qps:.1f}", errors, requests, norm, seen])
    with open(args.results / "pooled.tsv", "w") as f:
        f.write("case\tproto\tp50_ms\tp90_ms\tp99_ms\tqps\terrors\trequests\tcpu_s_per_1k_rps\tsidecar_rq\n")
        for line in out:
            f.write("\t".join(str(x) for x in line) + "\n")

    rng = random.Random(15)  # a fixed seed: the same data gives the same interval
    round_lines = []
    for p in protos:
        for x, y, target in COMPARISONS:
            if x not in cases or y not in cases:
                continue
            complete = [n for n in rounds if all((p, c, n) in lat for c in ("a", x, y))]
            if not complete:
                continue
            add_x = pooled[(p, x)] - pooled[(p, "a")]
            add_y = pooled[(p, y)] - pooled[(p, "a")]
            pooled_ratio = ratio(add_x, add_y)
            # Bootstrap over rounds: each resample pools the same rounds for all three cases.
            n = {c: {r: len(lat[(p, c, r)]) for r in complete} for c in ("a", x, y)}
            keep = {
                c: math.ceil(0.01 * max(n[c].values()) * len(complete)) + 1 for c in ("a", x, y)
            }  # a slice never gives more than the union's top 1 %
            tails = {c: {r: lat[(p, c, r)][::-1][: keep[c]] for r in complete} for c in ("a", x, y)}
            boot, margin = [], []
            for _ in range(BOOTSTRAP):
                pick = [rng.choice(complete) for _ in complete]
                q = {c: pooled_p99([tails[c][r] for r in pick], sum(n[c][r] for r in pick)) for c in ("a", x, y)}
                boot.append(ratio(q[x] - q["a"], q[y] - q["a"]))
                if target is not None:
                    # The target as a difference, defined even when (y) adds nothing in a resample:
                    # added(x) - target * added(y) <= 0.
                    margin.append((q[x] - q["a"]) - target * (q[y] - q["a"]))
            undefined = sum(1 for b in boot if math.isnan(b))
            boot = [b for b in boot if not math.isnan(b)]
            lo, hi = quantile(boot, 0.05), quantile(boot, 0.95)
            per_round, diffs = [], []
            for r in complete:
                a99, x99, y99 = (rank(lat[(p, c, r)], 99) for c in ("a", x, y))
                per_round.append(ratio(x99 - a99, y99 - a99))
                diffs.append(x99 - y99)
                round_lines.append([p, f"({x})/({y})", r, f"{a99:.3f}", f"{x99:.3f}", f"{y99:.3f}", f"{per_round[-1]:.3f}"])
            finite = [v for v in per_round if not math.isnan(v)]
            print(
                f"{p} ({x})/({y}): added p99 {add_x:.3f} / {add_y:.3f} ms, pooled ratio {pooled_ratio:.2f}, "
                f"90 % bootstrap interval {lo:.2f}-{hi:.2f} ({BOOTSTRAP} resamples of {len(complete)} rounds"
                + (f", {undefined} without a ratio: ({y}) added nothing)" if undefined else ")")
            )
            print(
                f"   per round ({len(complete)}): ratio median {quantile(finite, 0.5):.2f}, quartiles "
                f"{quantile(finite, 0.25):.2f}-{quantile(finite, 0.75):.2f}, range {min(finite, default=float('nan')):.2f}"
                f"-{max(finite, default=float('nan')):.2f}; p99 ({x})-({y}) median {quantile(diffs, 0.5):+.3f} ms, "
                f"quartiles {quantile(diffs, 0.25):+.3f}-{quantile(diffs, 0.75):+.3f} ms, ({x}) below ({y}) in "
                f"{sum(1 for d in diffs if d < 0)} of {len(diffs)} rounds"
            )
            if target is not None:
                m_lo, m_hi = quantile(margin, 0.05), quantile(margin, 0.95)
                m = add_x - target * add_y
                if m_hi <= 0:
                    verdict = "MET: the whole interval is at or below 0"
                elif m_lo > 0:
                    verdict = "NOT MET: the whole interval is above 0"
                else:
                    verdict = "NOT DECIDED: the interval holds 0 (within noise)"
                print(
                    f"   target added p99 ({x}) <= {target}x ({y}): added({x}) - {target} x added({y}) = {m:+.3f} ms, "
                    f"90 % bootstrap interval {m_lo:+.3f} to {m_hi:+.3f} ms: {verdict}"
                )
    with open(args.results / "rounds.tsv", "w") as f:
        f.write("proto\tratio\tround\tp99_a_ms\tp99_x_ms\tp99_y_ms\tadded_ratio\n")
        for line in round_lines:
            f.write("\t".join(str(v) for v in line) + "\n")

    if bad:
        print("FAILED:\n  " + "\n  ".join(bad))
        sys.exit(1)
    if args.smoke == "true":
        print("smoke PASSED: no errors, every request of (b), (c) and (d) counted by both sidecars")


if __name__ == "__main__":
    main()
