#!/usr/bin/python3
"""archfence benchmark report: build/bench/raw/*.jsonl -> results.json, results.md, *.png.

    tests/bench/report.py BENCH_DIR

Every ratio is taken per round against the baseline measured in the same
round of the same boot, then the median over rounds is reported; absolute
nanoseconds are medians over rounds. Under emulation (TCG) only the ratios
mean anything.
"""
import json
import os
import statistics
import sys

CONFIGS = ["base", "allow", "realistic", "fapolicyd", "landlock"]
AF_CONFIGS = ["allow", "realistic"]
NAMES = {"base": "baseline", "allow": "archfence allow-all", "realistic": "archfence realistic",
         "fapolicyd": "fapolicyd", "landlock": "Landlock"}
OPS = ["open", "read", "write", "stat", "mmap", "rename", "link", "tcp"]
OP_NAMES = {"open": "open+close", "read": "read 1 B (open fd)", "write": "write 1 B (open fd)",
            "stat": "stat", "mmap": "mmap+munmap", "rename": "rename", "link": "link+unlink",
            "tcp": "TCP send+recv 1 B (loopback)"}
DEPTHS = [1, 8, 32, 256]


def load(raw, name):
    path = os.path.join(raw, name + ".jsonl")
    out = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


# ---------------------------------------------------------------- micro


def micro_table(rows):
    """{(op, kind, depth): {config: {"ns": median, "ratio": median of per-round ratios}}}"""
    by = {}
    for r in rows:
        by.setdefault((r["op"], r["kind"], r["depth"]), {}).setdefault(r["round"], {})[r["config"]] = r["ns"]
    out = {}
    for key, rounds in by.items():
        cell = {}
        for c in CONFIGS:
            ns = [v[c] for v in rounds.values() if c in v]
            ratios = [v[c] / v["base"] for v in rounds.values() if c in v and v.get("base")]
            if ns:
                cell[c] = {"ns": med(ns), "ratio": med(ratios), "rounds": len(ns)}
        out[key] = cell
    return out


def sort_key(k):
    op, kind, depth = k
    return (OPS.index(op) if op in OPS else 99, kind != "unl", depth)


# ---------------------------------------------------------------- scale


def scale_summary(rows):
    applies = [r for r in rows if r.get("what") == "apply"]
    installs = [r["ms"] for r in rows if r.get("what") == "install"]
    mk = {r["n"]: r["seconds"] for r in rows if r.get("what") == "mkfiles"}
    meas = [r for r in rows if "op" in r]
    # per round: {config: {metric: ns}}
    per = {}
    for r in meas:
        if r["op"] == "cold":
            metric = "cold_" + r.get("cold", "?")
        else:
            metric = r["op"] + "_" + r["kind"]
        per.setdefault(r["round"], {}).setdefault(str(r["config"]), {})[metric] = r["ns"]
    counts = sorted({r["n"] for r in applies})
    metrics = ["open_unl", "open_lab", "read_unl", "read_lab", "cold_unl", "cold_lab"]
    out = []
    for n in counts:
        a = [r for r in applies if r["n"] == n]
        e = {"n": n, "mkfiles_s": mk.get(n), "apply_ms": med([r["ms"] for r in a]),
             "kernel_bytes": med([r.get("kernel_bytes") for r in a]),
             "mem_avail_drop_kb": med([r.get("mem_avail_drop_kb") for r in a])}
        e["kernel_per_inode"] = e["kernel_bytes"] / n if e["kernel_bytes"] else None
        e["mem_per_inode"] = e["mem_avail_drop_kb"] * 1024 / n if e["mem_avail_drop_kb"] is not None else None
        for m in metrics:
            ns = [v[str(n)][m] for v in per.values() if str(n) in v and m in v[str(n)]]
            rat = [v[str(n)][m] / v["base"][m] for v in per.values()
                   if str(n) in v and m in v[str(n)] and m in v.get("base", {})]
            e[m + "_ns"] = med(ns)
            e[m + "_ratio"] = med(rat)
        out.append(e)
    base = {m: med([v["base"][m] for v in per.values() if m in v.get("base", {})]) for m in metrics}
    slab = [r for r in rows if r.get("what") == "cold_slab"]
    icache = {}
    for c in ["base"] + [str(n) for n in counts]:
        s = [r["slab_growth_kb"] * 1024 / r["inodes"] for r in slab if str(r["config"]) == c and r["inodes"]]
        icache[c] = med(s)
    return {"counts": out, "base": base, "install_ms": med(installs), "slab_per_cold_inode": icache}


# ---------------------------------------------------------------- macro


def macro_table(rows):
    by = {}
    for r in rows:
        for phase in ("extract", "compile", "tar"):
            by.setdefault((phase, r["kind"]), {}).setdefault(r["round"], {})[r["config"]] = r[phase + "_ms"]
    out = {}
    for key, rounds in by.items():
        cell = {}
        for c in CONFIGS:
            ms = [v[c] for v in rounds.values() if c in v]
            rat = [v[c] / v["base"] for v in rounds.values() if c in v and v.get("base")]
            if ms:
                cell[c] = {"ms": med(ms), "ratio": med(rat), "rounds": len(ms)}
        out[key] = cell
    return out


# ---------------------------------------------------------------- BPF stats


def bpf_table(rows):
    agg = {}
    for r in rows:
        k = (r["section"], r["config"], r["prog"])
        a = agg.setdefault(k, {"run_cnt": 0, "run_time_ns": 0, "type": r.get("type")})
        a["run_cnt"] += r["run_cnt"]
        a["run_time_ns"] += r["run_time_ns"]
    out = []
    for (section, config, prog), a in sorted(agg.items()):
        out.append({"section": section, "config": config, "prog": prog, "type": a["type"],
                    "run_cnt": a["run_cnt"], "run_time_ns": a["run_time_ns"],
                    "ns_per_run": a["run_time_ns"] / a["run_cnt"] if a["run_cnt"] else None})
    return out


def noise(rows):
    """How much the baseline itself moves between rounds: per micro row, the
    median of |base(round) / base(median) - 1|; then the median and 90th
    percentile over rows. A ratio closer to 1 than this is not resolved."""
    by = {}
    for r in rows:
        if r["config"] == "base":
            by.setdefault((r["op"], r["kind"], r["depth"]), []).append(r["ns"])
    devs = []
    for v in by.values():
        if len(v) >= 2:
            m = statistics.median(v)
            devs.append(statistics.median([abs(x / m - 1) for x in v]))
    if not devs:
        return None
    devs.sort()
    return {"median": statistics.median(devs), "p90": devs[int(0.9 * (len(devs) - 1))], "rows": len(devs)}


# ---------------------------------------------------------------- targets


def target(name, limit, measured, le=True, detail=""):
    if measured is None:
        return {"target": name, "limit": limit, "measured": None, "met": None, "missed_by": None,
                "detail": detail or "not measured"}
    met = measured <= limit if le else measured >= limit
    missed = None
    if not met:
        missed = (measured - limit) / limit if limit else measured
    return {"target": name, "limit": limit, "measured": measured, "met": met, "missed_by": missed,
            "detail": detail}


def worst(micro, configs, ops, kinds, depths=DEPTHS):
    best = None
    for c in configs:
        for op in ops:
            for kind in kinds:
                for d in depths:
                    cell = micro.get((op, kind, d), {}).get(c)
                    if cell and cell["ratio"] is not None and (best is None or cell["ratio"] > best[0]):
                        best = (cell["ratio"], "%s %s %s depth %d" % (NAMES[c], OP_NAMES[op], kind, d))
    return best or (None, "")


def targets(micro, scale, macro):
    t = []
    v, where = worst(micro, AF_CONFIGS, ["open", "read", "write"], ["unl"])
    t.append(target("unlabelled open/read/write loops, ratio to baseline", 1.05, v, detail="worst: " + where))
    v, where = worst(micro, AF_CONFIGS, ["open", "read", "write", "stat", "mmap", "rename", "link"], ["lab"])
    t.append(target("labelled (allowed) decisions, ratio to baseline", 1.10, v, detail="worst: " + where))
    # depth: spread of the ratio over depths, per config, op and kind
    spread = None
    for c in AF_CONFIGS:
        for op in ("open", "read", "write"):
            for kind in ("unl", "lab"):
                rs = [micro.get((op, kind, d), {}).get(c, {}).get("ratio") for d in DEPTHS]
                rs = [r for r in rs if r]
                if len(rs) == len(DEPTHS):
                    s = max(rs) / min(rs)
                    if spread is None or s > spread[0]:
                        spread = (s, "%s %s %s: ratio %.3f..%.3f over depths 1-256" % (
                            NAMES[c], OP_NAMES[op], kind, min(rs), max(rs)))
    t.append(target("cost flat from depth 1 to 256 (open/read/write, max/min of the ratio)", 1.10,
                    spread and spread[0], detail=spread[1] if spread else ""))
    spread = None
    for m in ("open_lab", "read_lab", "open_unl", "cold_lab"):
        rs = [e.get(m + "_ratio") for e in scale["counts"]]
        rs = [r for r in rs if r]
        if len(rs) >= 2:
            s = max(rs) / min(rs)
            if spread is None or s > spread[0]:
                spread = (s, "%s: ratio %.3f..%.3f over %s labels" % (
                    m, min(rs), max(rs), ", ".join(str(e["n"]) for e in scale["counts"])))
    t.append(target("cost flat from 10 to 1,000,000 labels (max/min of the ratio)", 1.10,
                    spread and spread[0], detail=spread[1] if spread else ""))
    frac = None
    for kind in ("unl", "lab"):
        for d in DEPTHS:
            cell = micro.get(("open", kind, d), {})
            if all(c in cell for c in ("base", "realistic", "fapolicyd")):
                b = cell["base"]["ns"]
                fa = cell["fapolicyd"]["ns"] - b
                for c in AF_CONFIGS:
                    af = cell[c]["ns"] - b
                    f = af / fa if fa > 0 else None
                    if f is not None and (frac is None or f > frac[0]):
                        frac = (f, "%s, %s depth %d: +%.0f ns vs fapolicyd +%.0f ns" % (NAMES[c], kind, d, af, fa))
    t.append(target("archfence's added open/close cost / fapolicyd's", 0.10, frac and frac[0],
                    detail=frac[1] if frac else ""))
    w = None
    for (phase, kind), cell in macro.items():
        for c in AF_CONFIGS:
            if c in cell and cell[c]["ratio"] is not None and (w is None or cell[c]["ratio"] > w[0]):
                w = (cell[c]["ratio"], "%s %s %s" % (NAMES[c], phase, kind))
    t.append(target("macro workloads, ratio to baseline", 1.02, w and w[0], detail=w[1] if w else ""))
    big = [e for e in scale["counts"] if e["n"] >= 100000]
    if big:
        e = max(big, key=lambda e: e["n"])
        t.append(target("map memory per labelled inode, bytes (memory cgroup of the apply)", 128,
                        e["kernel_per_inode"], detail="%d labels: %s bytes of kernel memory charged to the apply" % (
                            e["n"], fmt(e["kernel_bytes"], ".0f"))))
    m = [e for e in scale["counts"] if e["n"] == 1000000]
    t.append(target("applying 1,000,000 labels, seconds of guest time", 10.0,
                    m[0]["apply_ms"] / 1000 if m and m[0]["apply_ms"] is not None else None))
    # design section 6: never slower than Landlock on the same rule set
    worse = []
    for key, cell in micro.items():
        if key[1] == "lab" and "realistic" in cell and "landlock" in cell:
            if cell["realistic"]["ratio"] and cell["landlock"]["ratio"] and \
                    cell["realistic"]["ratio"] > cell["landlock"]["ratio"] * 1.02:
                worse.append("%s d%d (%.3f vs %.3f)" % (key[0], key[2], cell["realistic"]["ratio"],
                                                        cell["landlock"]["ratio"]))
    t.append({"target": "never slower than Landlock (labelled micro ops, >2% counts)", "limit": 0,
              "measured": len(worse), "met": not worse, "missed_by": None,
              "detail": "; ".join(sorted(worse)) or "archfence within 2% of or faster than Landlock everywhere"})
    return t


# ---------------------------------------------------------------- output


def write_md(path, res):
    env, host = res["env"], res["host"]
    L = []
    p = L.append
    p("# archfence benchmark results\n")
    p("Command: `%s` (`make bench` runs `tests/bench/run`)  " % host.get("command", "tests/bench/run"))
    p("Ran: %s, kernel %s, %s CPUs, %s MiB; %s  " % (
        "in the test guest (QEMU TCG, no KVM)" if host.get("where") == "guest" else "natively",
        env.get("kernel"), env.get("cpus"), int(env.get("mem_kb", 0)) // 1024, env.get("started")))
    p("Host: %s, %s cores, %s GiB, kernel %s; %s  " % (
        host.get("host_cpu"), host.get("host_cpus"), round(int(host.get("host_mem_kb", 0)) / 2**20),
        host.get("host_kernel"), host.get("qemu")))
    p("Wall time %s s. Rounds: micro %s (iterations x%s, 20 timed batches each, at most %s ms per "
      "measurement), scale %s, macro %s; denial storm %s opens; fapolicyd %s.\n" % (
          host.get("wall_seconds"), env.get("rounds"), env.get("micro_scale"), env.get("cap_ms"),
          env.get("scale_rounds"), env.get("macro_rounds"), env.get("storm"), env.get("fapolicyd")))
    if host.get("where") == "guest":
        p("**Under emulation only ratios measured in the same boot mean anything.** Every ratio below is "
          "the median over rounds of (configuration / baseline in the same round); absolute nanoseconds "
          "are TCG nanoseconds, 3-10x a real machine's.\n")
    if res.get("noise"):
        p("Noise floor of this run: the baseline's own round-to-round deviation is %.0f%% in the median "
          "micro row (90th percentile %.0f%%); ratios within that of 1.0 are not resolved.\n" % (
              100 * res["noise"]["median"], 100 * res["noise"]["p90"]))
    p("## Targets\n")
    p("| target | limit | measured | met | missed by |")
    p("|---|---|---|---|---|")
    for t in res["targets"]:
        p("| %s | %s | %s | %s | %s |" % (
            t["target"], t["limit"], fmt(t["measured"]) if isinstance(t["measured"], float) else t["measured"],
            {True: "yes", False: "**no**", None: "-"}[t["met"]],
            "" if t["missed_by"] is None else "%+.1f%%" % (100 * t["missed_by"])))
    p("")
    for t in res["targets"]:
        if t["detail"]:
            p("- %s: %s" % (t["target"], t["detail"]))
    p("\n## Micro: ns per operation (median) and ratio to baseline\n")
    p("Each operation runs relative to a directory descriptor on the file's own directory, so the kernel's "
      "own path walk is the same at every depth. *unl*: unlabelled file; *lab*: a file under a labelled "
      "directory whose label allows everything (archfence), an explicitly allowed tree (fapolicyd, Landlock).\n")
    p("| op | file | depth | " + " | ".join(NAMES[c] for c in CONFIGS) + " |")
    p("|---|---|---|" + "---|" * len(CONFIGS))
    for key in sorted(res["_micro"], key=sort_key):
        cell = res["_micro"][key]
        cols = []
        for c in CONFIGS:
            if c not in cell:
                cols.append("-")
            elif c == "base":
                cols.append("%.0f" % cell[c]["ns"])
            else:
                cols.append("%.0f (%sx)" % (cell[c]["ns"], fmt(cell[c]["ratio"], ".2f")))
        p("| %s | %s | %s | %s |" % (OP_NAMES.get(key[0], key[0]), key[1], key[2] or "-", " | ".join(cols)))
    sc = res["scale"]
    if sc["counts"]:
        p("\n## Scale: labelled inodes (archfence, labels allow everything)\n")
        p("Ratios against the baseline (nothing loaded) of the same round. *warm*: the same file again and "
          "again (cached label); *cold*: each file opened once after the apply (label looked up in the map).\n")
        p("| labels | apply (s) | kernel memory (B/inode) | open lab warm | read lab warm "
          "| open unl warm | cold open lab (ns, ratio) | cold open unl (ns, ratio) |")
        p("|---|---|---|---|---|---|---|---|")
        for e in sc["counts"]:
            p("| %s | %s | %s | %sx | %sx | %sx | %s (%sx) | %s (%sx) |" % (
                format(e["n"], ","), fmt(e["apply_ms"] and e["apply_ms"] / 1000, ".2f"),
                fmt(e["kernel_per_inode"], ".1f"),
                fmt(e["open_lab_ratio"], ".3f"), fmt(e["read_lab_ratio"], ".3f"), fmt(e["open_unl_ratio"], ".3f"),
                fmt(e["cold_lab_ns"], ".0f"), fmt(e["cold_lab_ratio"], ".2f"),
                fmt(e["cold_unl_ns"], ".0f"), fmt(e["cold_unl_ratio"], ".2f")))
        p("\nKernel memory: what the apply's own memory cgroup is charged once it has exited (BPF maps are "
          "charged to the cgroup of the process that creates them), less its anonymous and page-cache memory; "
          "for 10 labels it is one page. First apply (loads and verifies the programs): %s s. Slab growth per "
          "inode opened once (inode local storage; noisy): %s.\n" % (
              fmt(sc["install_ms"] and sc["install_ms"] / 1000, ".1f"),
              ", ".join("%s: %s B" % (k, fmt(v, ".0f")) for k, v in sc["slab_per_cold_inode"].items())))
    if res["storm"]:
        s = res["storm"]
        p("## Denial storm (realistic policy, `archfence events --json --follow` draining)\n")
        p("| refused opens | seconds | ns per refused open | deny counter | event records | accesses they "
          "stand for | coalesced | lost (events_lost) | controller CPU (ms) | drain after storm (ms) |")
        p("|---|---|---|---|---|---|---|---|---|---|")
        p("| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |" % (
            format(s["refused"], ","), s["seconds"], s["ns"], format(s["denied_counter"], ","),
            format(s["event_records"], ","), format(s["events_represented"], ","), format(s["coalesced"], ","),
            format(s["events_lost"], ","), s["controller_cpu_ms"], s["drain_after_ms"]))
        acc = s["events_represented"] + s["events_lost"]
        p("\nAccounted for: %s of %s refusals (records' counts + lost)." % (format(acc, ","), format(s["refused"], ",")))
    if res["_macro"]:
        p("\n## Macro: ms (median) and ratio to baseline\n")
        p("*extract*: `tar -xzf` of Debian's %s (recompressed with gzip: the guest has no bzip2); *compile*: "
          "`make clean && make -j2 %s` (the library has %s C files) in a copy of it configured once beforehand; *tar*: "
          "`tar -cf - | cat` of a %s-file, %s MiB tree (a copy of /usr/include). *lab*: the same inside a "
          "labelled-but-allowed tree.\n" % (
              host.get("source_package") or "zlib", env.get("macro_target", "libz.a"), res["macro_tree"].get("sources", "?"),
              res["macro_tree"].get("files", "?"), int(res["macro_tree"].get("kb", 0)) // 1024))
        p("| workload | tree | " + " | ".join(NAMES[c] for c in CONFIGS) + " |")
        p("|---|---|" + "---|" * len(CONFIGS))
        for (phase, kind) in sorted(res["_macro"], key=lambda k: (["extract", "compile", "tar"].index(k[0]), k[1] != "unl")):
            cell = res["_macro"][(phase, kind)]
            cols = []
            for c in CONFIGS:
                if c not in cell:
                    cols.append("-")
                elif c == "base":
                    cols.append("%.0f" % cell[c]["ms"])
                else:
                    cols.append("%.0f (%sx)" % (cell[c]["ms"], fmt(cell[c]["ratio"], ".3f")))
            p("| %s | %s | %s |" % (phase, kind, " | ".join(cols)))
    if res["bpf"]:
        p("\n## BPF programs: run time and count (kernel.bpf_stats_enabled=1), summed over rounds\n")
        p("| section | configuration | program | runs | total ms | ns per run |")
        p("|---|---|---|---|---|---|")
        for b in res["bpf"]:
            p("| %s | %s | %s | %s | %.1f | %s |" % (b["section"], b["config"], b["prog"], format(b["run_cnt"], ","),
                                                 b["run_time_ns"] / 1e6, fmt(b["ns_per_run"], ".0f")))
    if res["timing"]:
        p("\n## Time per section (guest seconds)\n")
        p(", ".join("%s %s s" % (t["section"], t["seconds"]) for t in res["timing"]))
    open(path, "w").write("\n".join(L) + "\n")


def plots(bench, res):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib missing (tests/bench/deps installs python3-matplotlib): no plots",
              file=sys.stderr)
        return []
    made = []
    micro = res["_micro"]
    if not micro:
        fig = None
    else:
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, (op, kind) in (zip(axes, [("open", "unl"), ("open", "lab"), ("read", "lab")]) if fig else []):
        for c in CONFIGS[1:]:
            xs, ys = [], []
            for d in DEPTHS:
                cell = micro.get((op, kind, d), {}).get(c)
                if cell and cell["ratio"]:
                    xs.append(d)
                    ys.append(cell["ratio"])
            if xs:
                ax.plot(xs, ys, marker="o", label=NAMES[c])
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(DEPTHS)
        ax.set_xticklabels([str(d) for d in DEPTHS])
        ax.set_xlabel("path depth (directories below the tree root)")
        ax.set_ylabel("time / baseline (same boot)")
        ax.set_title("%s, %s file" % (OP_NAMES[op], "unlabelled" if kind == "unl" else "labelled, allowed"))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    if fig:
        fig.suptitle("Cost against path depth (median of per-round ratios)")
        fig.tight_layout()
        p = os.path.join(bench, "depth.png")
        fig.savefig(p, dpi=100)
        plt.close(fig)
        made.append(p)

    counts = res["scale"]["counts"]
    if counts:
        ns = [e["n"] for e in counts]
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
        ax = axes[0]
        for m, label in [("open_lab", "open+close, labelled (warm)"), ("read_lab", "read 1 B, labelled (warm)"),
                         ("open_unl", "open+close, unlabelled (warm)"), ("cold_lab", "first open of a labelled file"),
                         ("cold_unl", "first open of an unlabelled file")]:
            ys = [e.get(m + "_ratio") for e in counts]
            if any(ys):
                ax.plot(ns, ys, marker="o", label=label)
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("labelled inodes")
        ax.set_ylabel("time / baseline (same boot)")
        ax.set_title("Cost per access against label count")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        ax = axes[1]
        ax.plot(ns, [e["apply_ms"] / 1000 if e["apply_ms"] else None for e in counts], marker="o")
        ax.axhline(10, color="red", lw=0.8, ls="--", label="target (1M labels)")
        ax.set_xscale("log")
        ax.set_xlabel("labelled inodes")
        ax.set_ylabel("seconds (guest)")
        ax.set_title("archfence apply time")
        ax.legend(fontsize=8)
        ax = axes[2]
        ax.plot(ns, [e["kernel_per_inode"] for e in counts], marker="o", label="charged to the apply's memory cgroup")
        ax.axhline(128, color="red", lw=0.8, ls="--", label="target")
        ax.set_xscale("log")
        if any(e["kernel_per_inode"] for e in counts):
            ax.set_yscale("log")
        ax.set_xlabel("labelled inodes")
        ax.set_ylabel("bytes per labelled inode")
        ax.set_title("Kernel memory per labelled inode")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = os.path.join(bench, "labels.png")
        fig.savefig(p, dpi=100)
        plt.close(fig)
        made.append(p)
    return made


def main():
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    raw = os.path.join(bench, "raw")
    env = (load(raw, "env") or [{}])[0]
    host = {}
    if os.path.exists(os.path.join(raw, "host.json")):
        host = json.load(open(os.path.join(raw, "host.json")))
    micro = micro_table(load(raw, "micro"))
    scale = scale_summary(load(raw, "scale"))
    macro = macro_table(load(raw, "macro"))
    storm = (load(raw, "storm") or [None])[0]
    res = {"env": env, "host": host, "timing": load(raw, "timing"),
           "_micro": micro, "_macro": macro, "scale": scale, "storm": storm,
           "macro_tree": (load(raw, "macro-info") or [{}])[0], "bpf": bpf_table(load(raw, "bpfstats"))}
    res["targets"] = targets(micro, scale, macro)
    res["noise"] = noise(load(raw, "micro"))
    try:
        res["plots"] = [os.path.basename(p) for p in plots(bench, res)]
    except (ValueError, RuntimeError) as e:  # a plot of too little data
        print("report: no plots: %s" % e, file=sys.stderr)
        res["plots"] = []
    write_md(os.path.join(bench, "results.md"), res)
    out = dict(res)
    out["micro"] = [{"op": k[0], "kind": k[1], "depth": k[2], "configs": v}
                    for k, v in sorted(micro.items(), key=lambda kv: sort_key(kv[0]))]
    out["macro"] = [{"phase": k[0], "kind": k[1], "configs": v} for k, v in sorted(macro.items())]
    del out["_micro"], out["_macro"]
    json.dump(out, open(os.path.join(bench, "results.json"), "w"), indent=1)
    print("report: %s, %s, %s" % (os.path.join(bench, "results.md"), os.path.join(bench, "results.json"),
                                  ", ".join(res["plots"]) or "no plots"))


if __name__ == "__main__":
    main()
