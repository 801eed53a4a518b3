#!/usr/bin/env python3
"""Turns a suite's results.json into docs/benchmarks.md and SVG charts.

usage: report.py RESULTS_JSON DOCS_DIR

Writes DOCS_DIR/benchmarks.md, DOCS_DIR/benchmarks/*.svg and a copy of the results as
DOCS_DIR/benchmarks/results-<mode>.json. Standard library only. Every number is a median: of
JMH's iterations (all forks), of a scenario's trials. Ratios compare cmwq with each peer measured in
the same run; absolute numbers on a small shared machine are noisy, ratios less so.
"""
import html
import json
import math
import os
import shutil
import statistics
import sys

CMWQ_COLOR = "#d9480f"
PEER_COLOR = "#4c6ef5"
SERIES_COLORS = ["#4c6ef5", "#82c91e", "#fab005"]

NAMES = {
    "cmwq-system": "cmwq system_wq",
    "cmwq-lanes": "cmwq system_wq (queueOn lanes)",
    "cmwq-unbound": "cmwq unbound queue",
    "cmwq-ordered": "cmwq ordered queue",
    "cmwq": "cmwq",
    "fixed": "ThreadPoolExecutor fixed(n)",
    "cached": "cached ThreadPoolExecutor",
    "fjp": "ForkJoinPool(n)",
    "virtual": "virtual thread per task",
    "stpe": "ScheduledThreadPoolExecutor(n)",
    "single": "single-thread executor",
    "guava-sequential": "Guava sequential executor over fixed(n)",
    "netty": "Netty HashedWheelTimer (1 ms tick)",
}


def name(impl):
    return NAMES.get(impl, impl)


def is_cmwq(impl):
    return impl.startswith("cmwq")


def fmt(v, digits=3):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 1e6:
        return "{:,.0f}".format(v)
    if a >= 100:
        return "{:,.0f}".format(v)
    if a >= 10:
        return "{:.1f}".format(v)
    if a >= 1:
        return "{:.2f}".format(v)
    if a == 0:
        return "0"
    return "{:.{}g}".format(v, digits)


def ratio(a, b):
    if a is None or b is None or b == 0 or (isinstance(a, float) and math.isnan(a)):
        return None
    return a / b


def fmt_ratio(r):
    return "n/a" if r is None else "{:.2f}x".format(r)


# ---------------------------------------------------------------- JMH


class Jmh:
    def __init__(self, groups):
        self.rows = [e for g in groups for e in g]

    def find(self, bench, method, **params):
        for e in self.rows:
            b = e["benchmark"]
            if not b.endswith("." + bench + "." + method):
                continue
            p = e.get("params", {})
            if all(str(p.get(k)) == str(v) for k, v in params.items()):
                return e
        return None

    @staticmethod
    def median(metric):
        raw = [x for fork in metric.get("rawData", []) for x in fork]
        if not raw:
            return metric.get("score")
        return statistics.median(raw)

    def score(self, bench, method, **params):
        e = self.find(bench, method, **params)
        return None if e is None else self.median(e["primaryMetric"])

    def alloc(self, bench, method, **params):
        e = self.find(bench, method, **params)
        if e is None:
            return None
        m = e.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        return None if m is None else self.median(m)

    def spread(self, bench, method, **params):
        """(min, max) of the iterations, to show how noisy a score was."""
        e = self.find(bench, method, **params)
        if e is None:
            return None
        raw = [x for fork in e["primaryMetric"].get("rawData", []) for x in fork]
        return (min(raw), max(raw)) if raw else None


# ---------------------------------------------------------------- SVG


def hbar(title, rows, series, unit, log=False, goal=None, goal_label=None, width=720):
    """Horizontal grouped bars. rows: [(label, [values per series], highlight)]."""
    bar_h = 16
    gap = 4
    group_h = bar_h * len(series) + gap * 2
    left = 250
    right = 110
    top = 40
    legend_h = 22 if len(series) > 1 else 0
    height = top + legend_h + group_h * len(rows) + 30
    plot_w = width - left - right
    values = [v for _, vs, _ in rows for v in vs if v is not None and v > 0]
    if goal:
        values.append(goal)
    if not values:
        values = [1]
    vmax = max(values)
    vmin = min(values)
    if log:
        lo = 10 ** math.floor(math.log10(vmin))
        hi = 10 ** math.ceil(math.log10(vmax))
        if hi <= lo:
            hi = lo * 10

        def x(v):
            v = max(v, lo)
            return left + plot_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    else:
        hi = vmax * 1.05

        def x(v):
            return left + plot_w * max(v, 0) / hi

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">%s</text>' % html.escape(title),
           '<text x="%d" y="20" text-anchor="end" fill="#555">%s%s</text>'
           % (width - 10, html.escape(unit), " (log scale)" if log else "")]
    y0 = top + legend_h
    if len(series) > 1:
        lx = left
        for i, s in enumerate(series):
            out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx, top - 4, SERIES_COLORS[i]))
            out.append('<text x="%d" y="%d">%s</text>' % (lx + 16, top + 7, html.escape(s)))
            lx += 30 + 7 * len(s)
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="#fff4e6" stroke="#ccc"/>' % (lx, top - 4))
        out.append('<text x="%d" y="%d">cmwq</text>' % (lx + 16, top + 7))
    # grid
    if log:
        t = lo
        while t <= hi * 1.0001:
            gx = x(t)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (gx, y0, gx, height - 24))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#777" font-size="10">%s</text>'
                       % (gx, height - 10, tick(t)))
            t *= 10
    else:
        step = nice_step(hi / 5)
        t = 0
        while t <= hi:
            gx = x(t)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (gx, y0, gx, height - 24))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#777" font-size="10">%s</text>'
                       % (gx, height - 10, tick(t)))
            t += step
    for r, (label, vs, highlight) in enumerate(rows):
        gy = y0 + r * group_h + gap
        if highlight:
            out.append('<rect x="0" y="%d" width="%d" height="%d" fill="#fff4e6"/>' % (gy - gap, width, group_h))
        out.append('<text x="%d" y="%d" text-anchor="end"%s>%s</text>'
                   % (left - 8, gy + group_h / 2, ' font-weight="bold"' if highlight else "", html.escape(label)))
        for i, v in enumerate(vs):
            by = gy + i * bar_h
            color = SERIES_COLORS[i] if len(series) > 1 else (CMWQ_COLOR if highlight else PEER_COLOR)
            if v is None:
                out.append('<text x="%d" y="%d" fill="#777">%s</text>' % (left + 4, by + bar_h - 4, "n/a"))
                continue
            w = max(1.0, x(v) - left)
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, by, w, bar_h - 2, color))
            out.append('<text x="%.1f" y="%d" fill="#222">%s</text>' % (left + w + 4, by + bar_h - 4, fmt(v)))
    if goal:
        gx = x(goal)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#2b8a3e" stroke-width="2" stroke-dasharray="5,3"/>'
                   % (gx, y0 - 4, gx, height - 24))
        out.append('<text x="%.1f" y="%d" fill="#2b8a3e" font-size="10">%s</text>'
                   % (gx + 3, y0 - 6, html.escape(goal_label or "goal")))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def tick(v):
    return "{:,.0f}".format(v) if v >= 1 else "{:g}".format(v)


def nice_step(raw):
    if raw <= 0:
        return 1
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


# ---------------------------------------------------------------- report


class Report:
    def __init__(self, results, docs):
        self.r = results
        self.docs = docs
        self.chart_dir = os.path.join(docs, "benchmarks")
        os.makedirs(self.chart_dir, exist_ok=True)
        self.jmh = Jmh(results.get("jmh", []))
        self.scen = results.get("scenarios", [])
        self.md = []
        self.goals = []  # (benchmark, goal, result, verdict)

    def chart(self, file, svg):
        with open(os.path.join(self.chart_dir, file), "w") as f:
            f.write(svg)
        self.md.append("\n![%s](benchmarks/%s)\n" % (file[:-4], file))

    def goal(self, bench, goal, result, met):
        verdict = "n/a" if met is None else ("**met**" if met else "**missed**")
        self.goals.append((bench, goal, result, verdict))

    def s(self, scenario, impl, **params):
        for e in self.scen:
            if e.get("scenario") != scenario or e.get("impl") != impl:
                continue
            if all(e.get("params", {}).get(k) == v for k, v in params.items()):
                return e
        return None

    def p(self, text=""):
        self.md.append(text)

    def table(self, header, rows):
        self.p("| " + " | ".join(header) + " |")
        self.p("|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|")
        for row in rows:
            self.p("| " + " | ".join(row) + " |")
        self.p()

    # -------------------------------------------------------- sections

    def handoff(self):
        impls = ["cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual"]
        self.p("## 1. Hand-off throughput")
        self.p()
        self.p("10,000 distinct tiny items per invocation (pre-allocated, reused once run) queued from one or two "
               "producer threads; the invocation ends when all have run. Items per second, median of the "
               "iterations; ratio = cmwq system_wq / peer (higher is better for cmwq). "
               "Goal: at least 1.0x ForkJoinPool and 1.5x the fixed ThreadPoolExecutor.")
        self.p()
        rows = []
        chart_rows = []
        for impl in impls:
            v = [self.jmh.score("HandoffBenchmark", "handoff", impl=impl, producers=n) for n in (1, 2)]
            if all(x is None for x in v):
                continue
            base = [self.jmh.score("HandoffBenchmark", "handoff", impl="cmwq-system", producers=n) for n in (1, 2)]
            spr = [self.jmh.spread("HandoffBenchmark", "handoff", impl=impl, producers=n) for n in (1, 2)]
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl),
                         fmt(v[0]), spread_txt(spr[0]), fmt_ratio(ratio(base[0], v[0])),
                         fmt(v[1]), spread_txt(spr[1]), fmt_ratio(ratio(base[1], v[1]))])
            chart_rows.append((name(impl), [x / 1e6 if x else None for x in v], is_cmwq(impl)))
        self.table(["contender", "1 producer: items/s", "(min-max)", "ratio", "2 producers: items/s", "(min-max)",
                    "ratio"], rows)
        self.chart("handoff.svg", hbar("Hand-off throughput", chart_rows, ["1 producer", "2 producers"],
                                       "million items/s, higher is better"))
        for n in (1, 2):
            c = self.jmh.score("HandoffBenchmark", "handoff", impl="cmwq-system", producers=n)
            f = self.jmh.score("HandoffBenchmark", "handoff", impl="fjp", producers=n)
            x = self.jmh.score("HandoffBenchmark", "handoff", impl="fixed", producers=n)
            rf, rx = ratio(c, f), ratio(c, x)
            met = None if rf is None or rx is None else (rf >= 1.0 and rx >= 1.5)
            self.goal("1. hand-off, %d producer%s" % (n, "s" if n > 1 else ""), ">= 1.0x FJP and >= 1.5x fixed",
                      "%s FJP, %s fixed" % (fmt_ratio(rf), fmt_ratio(rx)), met)

    def allocation(self):
        self.p("## 2. Allocation on the queueing path")
        self.p()
        self.p("JMH `-prof gc`, `gc.alloc.rate.norm`: bytes allocated per queued item by every thread (producers, "
               "workers, the pool's own bookkeeping), measured on the hand-off and ordered benchmarks. "
               "Goal: 0 bytes per item for cmwq (the work item is the queue node). Values below about 1 B/item are "
               "JMH's own noise (its iteration bookkeeping, spread over millions of items).")
        self.p()
        rows = []
        chart_rows = []
        for impl in ["cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual"]:
            v = [self.jmh.alloc("HandoffBenchmark", "handoff", impl=impl, producers=n) for n in (1, 2)]
            if all(x is None for x in v):
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), "hand-off", fmt(v[0]), fmt(v[1])])
            chart_rows.append((name(impl), v, is_cmwq(impl)))
        for impl in ["cmwq-ordered", "guava-sequential", "single"]:
            v = self.jmh.alloc("OrderedBenchmark", "ordered", impl=impl)
            if v is None:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), "ordered", fmt(v), ""])
            chart_rows.append((name(impl), [v, None], is_cmwq(impl)))
        self.table(["contender", "benchmark", "B/item, 1 producer", "B/item, 2 producers"], rows)
        self.chart("allocation.svg", hbar("Bytes allocated per queued item", chart_rows, ["1 producer", "2 producers"],
                                          "bytes per item, lower is better"))
        worst = [x for impl in ("cmwq-system", "cmwq-unbound") for n in (1, 2)
                 for x in [self.jmh.alloc("HandoffBenchmark", "handoff", impl=impl, producers=n)] if x is not None]
        o = self.jmh.alloc("OrderedBenchmark", "ordered", impl="cmwq-ordered")
        if o is not None:
            worst.append(o)
        if worst:
            self.goal("2. allocation per item", "0 B (< 1 B/item as measured)", "up to %s B/item" % fmt(max(worst)),
                      max(worst) < 1.0)

    def wakeup(self):
        impls = ["cmwq-system", "cmwq-unbound", "fixed", "cached", "fjp", "virtual", "stpe"]
        self.p("## 3. Wake-up latency from an idle pool")
        self.p()
        self.p("The pool is left idle for 1-2 ms, then one item is queued; latency is from just before the queue "
               "call to the first line of the item (HdrHistogram, microseconds). Ratio = cmwq system_wq p99 / peer "
               "p99 (lower is better for cmwq). Goal: p99 no worse than the best peer.")
        self.p()
        rows, chart_rows = [], []
        base = self.s("wakeup", "cmwq-system")
        for impl in impls:
            e = self.s("wakeup", impl)
            if e is None or "error" in e:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), fmt(e["p50Us"]), fmt(e["p90Us"]),
                         fmt(e["p99Us"]), fmt(e["p999Us"]), fmt(e["maxUs"]), str(e["count"]),
                         fmt_ratio(ratio(base and base["p99Us"], e["p99Us"]))])
            chart_rows.append((name(impl), [e["p50Us"], e["p99Us"]], is_cmwq(impl)))
        self.table(["contender", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "samples", "p99 ratio"], rows)
        self.chart("wakeup.svg", hbar("Wake-up latency, idle pool to item start", chart_rows, ["p50", "p99"],
                                      "microseconds, lower is better", log=True))
        peers = [self.s("wakeup", i) for i in impls if not is_cmwq(i)]
        peers = [e for e in peers if e and "error" not in e]
        if base and "error" not in base and peers:
            best = min(peers, key=lambda e: e["p99Us"])
            self.goal("3. wake-up p99", "<= best peer", "%s us vs %s us (%s)" % (
                fmt(base["p99Us"]), fmt(best["p99Us"]), name(best["impl"])), base["p99Us"] <= best["p99Us"])

    def coalesce(self):
        self.p("## 4. Queueing an already pending item (coalescing)")
        self.p()
        self.p("`queue(work)` on an item that is already pending returns false without queueing. The item is kept "
               "pending behind a blocked ordered queue. No peer coalesces by itself; the JDK idiom "
               "(`if (pending.compareAndSet(false, true)) executor.execute(task)`) costs one failed CAS, and a "
               "volatile read is the floor; *full fence + volatile read* is what a read-first fast path with the kernel's "
               "ordering would cost (a measurement, not cmwq code). Nanoseconds per call (per thread with two "
               "threads). Goal: at most 5 ns.")
        self.p()
        rows, chart_rows = [], []
        for method, label in [("cmwqQueuePending", "cmwq queue(pending), 1 thread"),
                              ("cmwqQueuePending2Threads", "cmwq queue(pending), 2 threads"),
                              ("jdkFailedCas", "JDK failed CAS, 1 thread"),
                              ("jdkFailedCas2Threads", "JDK failed CAS, 2 threads"),
                              ("volatileRead", "volatile read (floor)"),
                              ("fenceThenRead", "full fence + volatile read, 1 thread"),
                              ("fenceThenRead2Threads", "full fence + volatile read, 2 threads")]:
            v = self.jmh.score("CoalesceBenchmark", method)
            if v is None:
                continue
            rows.append([("**%s**" if method.startswith("cmwq") else "%s") % label, fmt(v),
                         spread_txt(self.jmh.spread("CoalesceBenchmark", method)),
                         fmt(self.jmh.alloc("CoalesceBenchmark", method))])
            chart_rows.append((label, [v], method.startswith("cmwq")))
        self.table(["case", "ns/call", "(min-max)", "B/call"], rows)
        self.chart("coalesce.svg", hbar("Queueing a pending item", chart_rows, ["ns"], "ns per call, lower is better",
                                        goal=5, goal_label="goal 5 ns"))
        v = self.jmh.score("CoalesceBenchmark", "cmwqQueuePending")
        if v is not None:
            self.goal("4. coalescing", "<= 5 ns/call", "%s ns (1 thread), %s ns (2 threads)" % (
                fmt(v), fmt(self.jmh.score("CoalesceBenchmark", "cmwqQueuePending2Threads"))), v <= 5)

    def ordered(self):
        self.p("## 5. Ordered queue throughput")
        self.p()
        self.p("10,000 distinct items per invocation from one producer on an ordered queue (strict FIFO, one at a "
               "time), against Guava's `MoreExecutors.newSequentialExecutor` over a shared fixed pool of n threads, "
               "and a single-thread executor for reference. Items/s; ratio = cmwq / peer. Goal: 1.5x Guava.")
        self.p()
        rows, chart_rows = [], []
        base = self.jmh.score("OrderedBenchmark", "ordered", impl="cmwq-ordered")
        for impl in ["cmwq-ordered", "guava-sequential", "single"]:
            v = self.jmh.score("OrderedBenchmark", "ordered", impl=impl)
            if v is None:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), fmt(v),
                         spread_txt(self.jmh.spread("OrderedBenchmark", "ordered", impl=impl)),
                         fmt(self.jmh.alloc("OrderedBenchmark", "ordered", impl=impl)), fmt_ratio(ratio(base, v))])
            chart_rows.append((name(impl), [v / 1e6], is_cmwq(impl)))
        self.table(["contender", "items/s", "(min-max)", "B/item", "ratio"], rows)
        self.chart("ordered.svg", hbar("Ordered throughput", chart_rows, ["items/s"],
                                       "million items/s, higher is better"))
        g = self.jmh.score("OrderedBenchmark", "ordered", impl="guava-sequential")
        r = ratio(base, g)
        if r is not None:
            self.goal("5. ordered throughput", ">= 1.5x Guava sequential", fmt_ratio(r), r >= 1.5)

    def blocking(self):
        impls = ["cmwq-lanes", "virtual", "cached", "fjp"]
        self.p("## 6. Blocking mix")
        self.p()
        self.p("2,000 items, each about 200 us of CPU (a calibrated loop) then a 5 ms sleep. *Announced*: cmwq "
               "sleeps inside `Workqueues.enterBlocking()`, ForkJoinPool inside `ForkJoinPool.managedBlock` (each "
               "contender's own way to say it blocks; virtual threads and the cached pool need none). "
               "*Unannounced*: a plain `Thread.sleep`. cmwq spreads the items over system_wq's lanes with "
               "`queueOn(i % lanes, work)`. Makespan (ms), peak live platform threads above the JVM's baseline "
               "(ThreadMXBean), threads started, and context switches summed over the process's threads "
               "(`/proc/self/task/*/status`). Medians of the trials; ratio = cmwq makespan / peer makespan (lower "
               "is better for cmwq). Goals: announced within 1.1x of the best peer, unannounced within 1.5x, peak "
               "platform threads at most half the cached pool's.")
        self.p()
        for announced in (True, False):
            label = "announced" if announced else "unannounced"
            self.p("**%s**" % label.capitalize())
            self.p()
            rows, chart_rows = [], []
            base = self.s("blocking", "cmwq-lanes", announced=announced)
            for impl in impls:
                e = self.s("blocking", impl, announced=announced)
                if e is None or "error" in e:
                    continue
                rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl),
                             fmt(e["makespanMs"]) + (" (timed out)" if e.get("timedOut") else ""),
                             fmt(e["peakThreads"]), fmt(e["threadsStarted"]), fmt(e["voluntaryCtxSwitches"]),
                             fmt(e["nonvoluntaryCtxSwitches"]),
                             fmt_ratio(ratio(base and base["makespanMs"], e["makespanMs"]))])
                chart_rows.append((name(impl), [e["makespanMs"], e["peakThreads"]], is_cmwq(impl)))
            self.table(["contender", "makespan ms", "peak threads", "threads started", "voluntary cs",
                        "involuntary cs", "makespan ratio"], rows)
            self.chart("blocking-%s.svg" % label, hbar("Blocking mix, %s" % label, chart_rows,
                                                        ["makespan ms", "peak platform threads"],
                                                        "lower is better", log=True))
            peers = [self.s("blocking", i, announced=announced) for i in impls if not is_cmwq(i)]
            peers = [e for e in peers if e and "error" not in e and not e.get("timedOut")]
            if base and "error" not in base and peers:
                best = min(peers, key=lambda e: e["makespanMs"])
                r = ratio(base["makespanMs"], best["makespanMs"])
                limit = 1.1 if announced else 1.5
                self.goal("6. blocking mix, %s" % label, "makespan <= %.1fx best peer" % limit,
                          "%s of %s (%s ms vs %s ms)" % (fmt_ratio(r), name(best["impl"]), fmt(base["makespanMs"]),
                                                         fmt(best["makespanMs"])), r <= limit)
                cached = self.s("blocking", "cached", announced=announced)
                if cached and "error" not in cached:
                    self.goal("6. blocking mix, %s, threads" % label, "peak <= 0.5x cached pool",
                              "%s vs %s" % (fmt(base["peakThreads"]), fmt(cached["peakThreads"])),
                              base["peakThreads"] <= 0.5 * cached["peakThreads"])

    def many_queues(self):
        self.p("## 7. Many queues")
        self.p()
        self.p("10,000 components, each with its own queue and one item (item i on lane i % lanes), against one "
               "single-thread executor per component. Threads started (first repetition, fresh JVM) and heap "
               "retained per idle queue: heap in use after full GCs once all items have run, minus the same before "
               "the queues existed (MemoryMXBean), divided by 10,000; median of the repetitions after a first round "
               "(whose reading also holds one-time costs and is shown apart). Goals: at most "
               "2 x lanes + 4 threads; at most 1 KiB per idle queue.")
        self.p()
        rows = []
        chart_rows = []
        for impl in ["cmwq", "single"]:
            e = self.s("many-queues", impl)
            if e is None or "error" in e:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), fmt(e["threadsStarted"]),
                         fmt(e["liveThreadsAfter"]), fmt(e["heapBytesPerQueue"]),
                         ", ".join(fmt(x) for x in e["heapBytesPerQueueSamples"]),
                         fmt(e.get("heapBytesPerQueueFirstRound")), fmt(e["setupMs"])])
            chart_rows.append((name(impl), [e["threadsStarted"], e["heapBytesPerQueue"]], is_cmwq(impl)))
        self.table(["contender", "threads started", "live threads after", "heap B/queue (median)", "samples",
                    "first round B/queue", "create + run ms (first round)"], rows)
        self.chart("many-queues.svg", hbar("10,000 queues", chart_rows, ["threads started", "heap bytes per queue"],
                                           "lower is better", log=True))
        e = self.s("many-queues", "cmwq")
        if e and "error" not in e:
            lanes = e.get("lanes", 1)
            limit = 2 * lanes + 4
            self.goal("7. many queues, threads", "<= 2 x lanes + 4 = %d" % limit, fmt(e["threadsStarted"]),
                      e["threadsStarted"] <= limit)
            self.goal("7. many queues, heap", "<= 1024 B per idle queue", "%s B" % fmt(e["heapBytesPerQueue"]),
                      e["heapBytesPerQueue"] <= 1024)

    def starvation(self):
        impls = ["cmwq-lanes", "fixed", "cached", "fjp", "virtual"]
        self.p("## 8. Starvation")
        self.p()
        self.p("500 parent items queued up front over the lanes; each queues 4 sub-items (about 50 us of CPU each) "
               "on the same queue or executor and waits for them: cmwq with `sub.flush()` (a cmwq wait: another "
               "worker takes over), peers with `Future.get()`. A fixed pool of n = lanes threads deadlocks once its n "
               "threads all wait; the trial is cut at the timeout. Ratio = cmwq makespan / peer (lower is better "
               "for cmwq). Goal: completes, within 1.2x the cached pool's time.")
        self.p()
        rows, chart_rows = [], []
        base = self.s("starvation", "cmwq-lanes")
        for impl in impls:
            e = self.s("starvation", impl)
            if e is None or "error" in e:
                continue
            if e.get("timedOut"):
                outcome = "**deadlock** (%s of %s parents done when cut at %s ms)" % (
                    fmt(e.get("completedParents", float("nan"))), e["params"]["parents"], e["params"]["timeoutMs"])
                ms = None
            else:
                outcome = "completed"
                ms = e["makespanMs"]
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), outcome, fmt(ms),
                         fmt(e["peakThreads"]), fmt(e["threadsStarted"]),
                         fmt_ratio(ratio(base and not base.get("timedOut") and base["makespanMs"], ms))])
            chart_rows.append((name(impl) + (" (deadlock)" if ms is None else ""), [ms], is_cmwq(impl)))
        self.table(["contender", "outcome", "makespan ms", "peak threads", "threads started", "ratio"], rows)
        self.chart("starvation.svg", hbar("Starvation: items waiting for their sub-items", chart_rows, ["makespan ms"],
                                          "makespan ms, lower is better"))
        cached = self.s("starvation", "cached")
        if base and "error" not in base and cached and "error" not in cached:
            done = not base.get("timedOut")
            r = ratio(base["makespanMs"], cached["makespanMs"]) if done else None
            self.goal("8. starvation", "completes, <= 1.2x cached pool",
                      ("completes, %s of cached" % fmt_ratio(r)) if done else "did not complete",
                      done and r is not None and r <= 1.2)

    def timers(self):
        self.p("## Timers (cmwq side pending the timer wheel)")
        self.p()
        self.p("With %s other items armed an hour or two ahead: arm an item and cancel it; re-arm an armed item "
               "(debounce). `ScheduledThreadPoolExecutor` with `setRemoveOnCancelPolicy(true)`, Netty's "
               "`HashedWheelTimer` with 1 ms ticks; neither can re-arm, so they cancel and schedule anew. "
               "Nanoseconds per operation." % fmt(self.armed()))
        if not self.r.get("cmwqTimersAvailable"):
            self.p(" cmwq's `DelayedWork` with a non-zero delay still throws `UnsupportedOperationException` (the "
                   "timer wheel is being built); its side of `TimerBenchmark` is written and the suite enables it "
                   "as soon as a one-hour `queueDelayed` succeeds.")
        self.p()
        rows, chart_rows = [], []
        for impl in ["cmwq", "stpe", "netty"]:
            a = self.jmh.score("TimerBenchmark", "armCancel", impl=impl)
            m = self.jmh.score("TimerBenchmark", "rearm", impl=impl)
            if a is None and m is None:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl), fmt(a),
                         fmt(self.jmh.alloc("TimerBenchmark", "armCancel", impl=impl)), fmt(m),
                         fmt(self.jmh.alloc("TimerBenchmark", "rearm", impl=impl))])
            chart_rows.append((name(impl), [a, m], is_cmwq(impl)))
        self.table(["timer", "arm+cancel ns", "B/op", "re-arm ns", "B/op"], rows)
        if chart_rows:
            self.chart("timers.svg", hbar("Timers with %s armed" % fmt(self.armed()), chart_rows,
                                          ["arm+cancel", "re-arm"], "ns per operation, lower is better"))

    def armed(self):
        for e in self.jmh.rows:
            if e["benchmark"].endswith("TimerBenchmark.armCancel"):
                return int(e["params"]["armed"])
        return 0

    # -------------------------------------------------------- assembly

    def render(self):
        body_start = len(self.md)
        for section in (self.handoff, self.allocation, self.wakeup, self.coalesce, self.ordered, self.blocking,
                        self.many_queues, self.starvation, self.timers):
            try:
                section()
            except Exception as e:  # a missing or failed part must not hide the others
                self.p("*(section failed to render: %s)*" % html.escape(repr(e)))
                self.p()
        body = self.md[body_start:]
        self.md = self.md[:body_start]
        m = self.r["machine"]
        self.p("# cmwq benchmarks")
        self.p()
        self.p("Generated by `bench/report.py` from a **%s** run; do not edit by hand (the analysis at the end "
               "comes from `bench/findings.md`)." % self.r["mode"])
        self.p()
        self.p("```sh")
        self.p("bench/run-quick    # every benchmark, short runs, ~10 min on 2 cores; rewrites this page")
        self.p("bench/run-full     # more forks, iterations, samples and trials, ~40 min; rewrites this page")
        self.p("bench/run-smoke    # CI: every benchmark once, very briefly (< 2 min); writes to cmwq-bench/target")
        self.p("java -jar cmwq-bench/target/cmwq-bench.jar -h   # JMH's own command line, after a build")
        self.p("```")
        self.p()
        self.p("Both suites accept `--only REGEX` (JMH class or scenario name, e.g. `--only 'Handoff|wakeup'`). "
               "JMH benchmarks live in `cmwq-bench/src/main/java/dev/cmwq/bench/jmh`, whole-workload scenarios "
               "(one fresh JVM per scenario and contender) in `.../bench/scenario`.")
        self.p()
        self.p("**How to read.** Every number is a median (of JMH iterations, of scenario trials). The machine is "
               "small and shared: absolute numbers move from run to run, ratios between contenders measured in "
               "the same run are what count. The load average below shows how busy the machine was. "
               "Each peer is built fresh per trial; cmwq's system pools are process-wide by design.")
        self.p()
        self.table(["run", ""], [
            ["mode", self.r["mode"]],
            ["commit", "`%s`" % m.get("commit")],
            ["started / finished", "%s / %s" % (m.get("started"), self.r.get("finished"))],
            ["JDK", "%s (%s, %s)" % (m.get("javaVersion"), m.get("javaVm"), m.get("javaVendor"))],
            ["OS", m.get("os", "")],
            ["CPU", "%s, %s processors (= cmwq lanes)" % (m.get("cpuModel"), m.get("processors"))],
            ["memory", m.get("memTotal", "")],
            ["load average at start / end", "%s / %s" % (m.get("loadAverageAtStart"), m.get("loadAverageAtEnd"))],
            ["JMH", self.jmh_settings()],
        ])
        self.p("## Goals at a glance")
        self.p()
        self.table(["benchmark", "goal", "result", "verdict"], [list(g) for g in self.goals])
        self.md.extend(body)
        findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
        if os.path.exists(findings):
            with open(findings) as f:
                self.p(f.read().rstrip())
                self.p()
        return "\n".join(self.md) + "\n"

    def jmh_settings(self):
        if not self.jmh.rows:
            return "not run"
        e = self.jmh.rows[0]
        return "%s, %d fork(s), %d x %s warm-up, %d x %s measurement, `-prof gc`" % (
            e.get("jmhVersion"), e.get("forks"), e.get("warmupIterations"), e.get("warmupTime"),
            e.get("measurementIterations"), e.get("measurementTime"))


def spread_txt(s):
    if not s:
        return ""
    return "%s-%s" % (fmt(s[0]), fmt(s[1]))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_JSON DOCS_DIR")
    src, docs = sys.argv[1], sys.argv[2]
    with open(src) as f:
        results = json.load(f)
    os.makedirs(docs, exist_ok=True)
    rep = Report(results, docs)
    text = rep.render()
    with open(os.path.join(docs, "benchmarks.md"), "w") as f:
        f.write(text)
    shutil.copyfile(src, os.path.join(rep.chart_dir, "results-%s.json" % results["mode"]))
    print("report: wrote %s and %d charts" % (os.path.join(docs, "benchmarks.md"),
                                              len([x for x in os.listdir(rep.chart_dir) if x.endswith(".svg")])))


if __name__ == "__main__":
    main()
