#!/usr/bin/env python3
"""Turns compare.sh results (results.jsonl) into the side-by-side markdown table
of docs/benchmarks.md, with Parley/peer ratios, and optionally writes it between
the markers <!-- compare:begin --> and <!-- compare:end --> of a markdown file.

  bench/compare_table.py RESULTS.jsonl [--into docs/benchmarks.md] [--title TEXT]
"""
import argparse
import json
import re
import sys


def load(path):
    runs, cpu = {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            j = json.loads(line)
            if "server_cpu_s" in j:
                cpu[j["label"]] = j["server_cpu_s"]
            else:
                runs[j["label"]] = j
    return runs, cpu


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}"


def ratio(a, b, higher_is_better=True):
    if a is None or b is None or a == 0 or b == 0:
        return "-"
    r = a / b if higher_is_better else b / a
    return f"{r:.2f}x"


def rows(runs, cpu):
    out = []
    scen = sorted({label.split("/", 1)[1] for label in runs})
    for s in scen:
        p, q = runs.get("parley/" + s), runs.get("peer/" + s)
        pc, qc = cpu.get("parley/" + s), cpu.get("peer/" + s)
        if s == "conn":
            for name, key, better in (("connect p99 ms", None, False), ("RSS per connection, bytes", "bytes_per_conn", False)):
                if key:
                    a, b = (p or {}).get(key), (q or {}).get(key)
                else:
                    a = (p or {}).get("connect_latency", {}).get("p99_ms")
                    b = (q or {}).get("connect_latency", {}).get("p99_ms")
                out.append((f"conn: {name}", fmt(a), fmt(b), ratio(a, b, better)))
            a = None if p is None else f'{p["ok"]} ok / {p["failed"]} failed'
            b = None if q is None else f'{q["ok"]} ok / {q["failed"]} failed'
            out.append(("conn: connections", fmt(a), fmt(b), "-"))
            a = p and p["ok"] / max(p["connect_s"], 1e-9)
            b = q and q["ok"] / max(q["connect_s"], 1e-9)
            out.append(("conn: connects/s sustained", fmt(a), fmt(b), ratio(a, b)))
        elif s.startswith("fanout"):
            a, b = (p or {}).get("deliveries_per_s"), (q or {}).get("deliveries_per_s")
            out.append((f"{s}: deliveries/s", fmt(a), fmt(b), ratio(a, b)))
            a = p and p["latency"]["p99_ms"]
            b = q and q["latency"]["p99_ms"]
            out.append((f"{s}: e2e p99 ms", fmt(a, 1), fmt(b, 1), ratio(a, b, False)))
            a = p and f'{p["lost"]} / {p["out_of_order"]}'
            b = q and f'{q["lost"]} / {q["out_of_order"]}'
            out.append((f"{s}: lost / out of order", fmt(a), fmt(b), "-"))
            a = p and pc and pc * 1e6 / max(p["received"], 1)
            b = q and qc and qc * 1e6 / max(q["received"], 1)
            out.append((f"{s}: server CPU us per delivery", fmt(a, 2), fmt(b, 2), ratio(a, b, False)))
        elif s == "latency":
            for k in ("p50_ms", "p99_ms"):
                a = p and p["latency"][k]
                b = q and q["latency"][k]
                out.append((f"latency: e2e {k.replace('_ms', '')} ms", fmt(a, 1), fmt(b, 1), ratio(a, b, False)))
        elif s == "throughput":
            a, b = (p or {}).get("acked_per_s"), (q or {}).get("acked_per_s")
            out.append(("throughput: acked sends/s", fmt(a), fmt(b), ratio(a, b)))
            a = p and p["ack_latency"]["p99_ms"]
            b = q and q["ack_latency"]["p99_ms"]
            out.append(("throughput: ack p99 ms", fmt(a, 1), fmt(b, 1), ratio(a, b, False)))
            a = p and p.get("errors_count")
            b = q and q.get("errors_count")
            out.append(("throughput: errors", fmt(a), fmt(b), "-"))
            a = p and pc and pc * 1e6 / max(p["acked"], 1)
            b = q and qc and qc * 1e6 / max(q["acked"], 1)
            out.append(("throughput: server CPU us per acked send", fmt(a), fmt(b), ratio(a, b, False)))
        elif s == "rest":
            a = (p or {}).get("req_per_s")
            out.append(("rest: history GET req/s (wrk, 32 conns)", fmt(a), "- (no REST)", "-"))
            out.append(("rest: p99", fmt((p or {}).get("p99")), "-", "-"))
            a = p and pc and pc * 1e6 / max(p["req_per_s"] * 10, 1)
            out.append(("rest: server CPU us per request", fmt(a), "-", "-"))
    return out


def table(runs, cpu, title):
    lines = [title, "", "| scenario | Parley | peer | Parley vs peer |", "|---|---|---|---|"]
    for name, a, b, r in rows(runs, cpu):
        lines.append(f"| {name} | {a} | {b} | {r} |")
    lines.append("")
    lines.append("Ratios read \"better\" above 1x: throughput and deliveries as Parley/peer; latency, memory and CPU as peer/Parley.")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--into")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    runs, cpu = load(args.results)
    text = table(runs, cpu, args.title)
    if not args.into:
        sys.stdout.write(text)
        return
    doc = open(args.into).read()
    begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
    block = f"{begin}\n{text}{end}"
    if begin in doc and end in doc:
        doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    open(args.into, "w").write(doc)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
