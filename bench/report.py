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
import statistics
import sys

CMWQ_COLOR = "#d9480f"
PEER_COLOR = "#4c6ef5"
SERIES_COLORS = ["#4c6ef5", "#82c91e", "#fab005", "#15aabf"]

NAMES = {
    "cmwq-system": "cmwq system_wq",
    "cmwq-lanes": "cmwq system_wq (queueOn lanes)",
    "cmwq-unbound": "cmwq unbound queue",
    "cmwq-ordered": "cmwq ordered queue",
    "cmwq-execute": "cmwq Workqueue.execute (per-CPU)",
    "cmwq-service": "cmwq WorkqueueExecutorService.execute (per-CPU)",
    "cmwq-service-unbound": "cmwq WorkqueueExecutorService.execute (unbound)",
    "cmwq": "cmwq",
    "fixed": "ThreadPoolExecutor fixed(n)",
    "cached": "cached ThreadPoolExecutor",
    "fjp": "ForkJoinPool(n)",
    "virtual": "virtual thread per task",
    "stpe": "ScheduledThreadPoolExecutor(n)",
    "fixed1": "Executors.newFixedThreadPool(1) (JDK-only floor)",
    "single": "single-thread executor",
    "guava-sequential": "Guava sequential executor over fixed(n)",
    "netty": "Netty HashedWheelTimer (1 ms tick)",
}


# Scenario parameters that older results lack, with the value they had then.
PARAM_DEFAULTS = {"variant": "plain"}


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


def item_threads(e):
    """A starvation trial's threads that ran parents and sub-items: median / max over the trials."""
    counts = [t["itemThreads"] for t in e.get("trials", []) if "itemThreads" in t]
    return "%s / %s" % (fmt(statistics.median(counts)), fmt(max(counts))) if counts else "n/a"


def fmt_int(v):
    return "n/a" if v is None else "{:,}".format(int(v))


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
            if all(e.get("params", {}).get(k, PARAM_DEFAULTS.get(k)) == v for k, v in params.items()):
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
        impls = ["cmwq-system", "cmwq-unbound", "cmwq-execute", "cmwq-service", "cmwq-service-unbound", "fjp", "fixed",
                 "cached", "virtual"]
        self.p("## 1. Hand-off throughput")
        self.p()
        self.p("10,000 distinct tiny items per invocation (pre-allocated, reused once run) queued from one or two "
               "producer threads; the invocation ends when all have run. Items per second, median of the "
               "iterations; ratio = cmwq system_wq / peer (higher is better for cmwq). "
               "Goal: at least 1.0x ForkJoinPool and 1.5x the fixed ThreadPoolExecutor. The executor views "
               "(issue 12) take the peers' own `Runnable` tasks instead of reused items: `Workqueue.execute` "
               "allocates a one-shot item per task, and the service's `execute` also counts the task in and out "
               "for shutdown and termination; their goal is the same, against the same peers in the same run.")
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
        for view, label in (("cmwq-execute", "Workqueue.execute"), ("cmwq-service", "service execute")):
            for n in (1, 2):
                c = self.jmh.score("HandoffBenchmark", "handoff", impl=view, producers=n)
                f = self.jmh.score("HandoffBenchmark", "handoff", impl="fjp", producers=n)
                x = self.jmh.score("HandoffBenchmark", "handoff", impl="fixed", producers=n)
                if c is None:
                    continue
                rf, rx = ratio(c, f), ratio(c, x)
                met = None if rf is None or rx is None else (rf >= 1.0 and rx >= 1.5)
                self.goal("1. %s hand-off, %d producer%s (issue 12)" % (label, n, "s" if n > 1 else ""),
                          ">= 1.0x FJP and >= 1.5x fixed", "%s FJP, %s fixed" % (fmt_ratio(rf), fmt_ratio(rx)), met)

    def allocation(self):
        self.p("## 2. Allocation on the queueing path")
        self.p()
        self.p("JMH `-prof gc`, `gc.alloc.rate.norm`: bytes allocated per queued item by every thread (producers, "
               "workers, the pool's own bookkeeping), measured on the hand-off and ordered benchmarks. "
               "Goal: 0 bytes per item for cmwq (the work item is the queue node). Values below about 1 B/item are "
               "JMH's own noise (its iteration bookkeeping, spread over millions of items). The executor views "
               "allocate their one-shot item per task; their goal (issue 12) is ForkJoinPool's 32 B.")
        self.p()
        rows = []
        chart_rows = []
        for impl in ["cmwq-system", "cmwq-unbound", "cmwq-execute", "cmwq-service", "fjp", "fixed", "cached", "virtual"]:
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
        views = [x for impl in ("cmwq-execute", "cmwq-service") for n in (1, 2)
                 for x in [self.jmh.alloc("HandoffBenchmark", "handoff", impl=impl, producers=n)] if x is not None]
        if views:
            fjp = self.jmh.alloc("HandoffBenchmark", "handoff", impl="fjp", producers=1)
            # The same allowance as the 0 B goal above: JMH's own bookkeeping adds a fraction of a byte.
            self.goal("2. execute() allocation per task (issue 12)",
                      "<= 32 B (< 33 B/task as measured; ForkJoinPool: %s B)" % fmt(fjp),
                      "up to %s B/task (Workqueue and service execute)" % fmt(max(views)), max(views) < 33)

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
               "volatile read is the floor; *full fence + volatile read* is the read-first fast path cmwq takes for a "
               "pending item (`Work.trySetPending`: the fence keeps the kernel's ordering), measured bare. "
               "Nanoseconds per call (per thread with two threads). Goal: at most 5 ns, with one thread and with two.")
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
        v2 = self.jmh.score("CoalesceBenchmark", "cmwqQueuePending2Threads")
        if v is not None:
            self.goal("4. coalescing", "<= 5 ns/call", "%s ns (1 thread), %s ns (2 threads)" % (fmt(v), fmt(v2)),
                      v <= 5 and (v2 is None or v2 <= 5))

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
               "is better for cmwq). Goals: announced within 1.1x of the best peer, unannounced within 1.3x, peak "
               "platform threads at most half the cached pool's.")
        self.p()
        for announced in (True, False):
            label = "announced" if announced else "unannounced"
            self.p("**%s**" % label.capitalize())
            self.p()
            rows, chart_rows = [], []
            base = self.s("blocking", "cmwq-lanes", announced=announced, variant="plain")
            for impl in impls:
                e = self.s("blocking", impl, announced=announced, variant="plain")
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
            peers = [self.s("blocking", i, announced=announced, variant="plain") for i in impls if not is_cmwq(i)]
            peers = [e for e in peers if e and "error" not in e and not e.get("timedOut")]
            if base and "error" not in base and peers:
                best = min(peers, key=lambda e: e["makespanMs"])
                r = ratio(base["makespanMs"], best["makespanMs"])
                limit = 1.1 if announced else 1.3
                self.goal("6. blocking mix, %s" % label, "makespan <= %.1fx best peer" % limit,
                          "%s of %s (%s ms vs %s ms)" % (fmt_ratio(r), name(best["impl"]), fmt(base["makespanMs"]),
                                                         fmt(best["makespanMs"])), r <= limit)
                cached = self.s("blocking", "cached", announced=announced, variant="plain")
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

    # The first rounds of many-executors, the goal's makespan (JIT warm-up included, as the page's first runs
    # had it), and the rounds from here on, the steady state (finding 34-lead).
    MANY_EXECUTORS_COLD_ROUNDS = 7
    MANY_EXECUTORS_STEADY_FROM = 8

    @classmethod
    def many_executors_makespans(cls, e):
        """(median of the first rounds, median of the steady rounds or None) of a many-executors result."""
        r = e["makespanMsPerRound"]
        cold = statistics.median(r[:cls.MANY_EXECUTORS_COLD_ROUNDS])
        steady = r[cls.MANY_EXECUTORS_STEADY_FROM:]
        return cold, (statistics.median(steady) if len(steady) >= 3 else None)

    def many_executors_runs(self, impl):
        """The many-executors JVMs of one contender that gave a result, in the order they ran."""
        return sorted((e for e in self.scen if e.get("scenario") == "many-executors" and e.get("impl") == impl
                       and "error" not in e), key=lambda e: e.get("round", 0))

    def many_executors(self):
        self.p("## 15. Many executors: the thread census")
        self.p()
        runs = {impl: self.many_executors_runs(impl) for impl in ["cmwq", "fixed"]}
        e = next((r[0] for r in runs.values() if r), None)
        prm = (e or {}).get("params", {})
        first, steady_from = self.MANY_EXECUTORS_COLD_ROUNDS, self.MANY_EXECUTORS_STEADY_FROM
        jvms = max([len(r) for r in runs.values()] + [0])
        self.p("%s components, each with its own `ExecutorService`, as a service that adopted a library per concern "
               "has them: `Executors.newFixedThreadPool(4)` per component against one per-CPU "
               "`WorkqueueExecutorService` per component (all on cmwq's shared workers). Each component gets %s "
               "tasks, alternately about 200 us of CPU and an unannounced 2 ms sleep, from one producer thread per "
               "lane; %s rounds in one JVM, in %s fresh JVM%s per contender, the contenders alternating. Threads are "
               "counted above the JVM's baseline: the peak, those still alive "
               "once the load is over and the executors are still open, and those alive %s later (past the "
               "idle timeout of 5 s: the idle threads a service keeps; the goal's figure). "
               "Makespan: the median of the first %d rounds (the JVM's first seconds, JIT compilation included, "
               "the figure of the goal), and of rounds %d on (the steady state, once the JIT has compiled what "
               "runs; finding 34-lead). Each figure is the median over the JVMs (their range in brackets); per "
               "round, the median over the JVMs of that round. Goals (issue 12): at most 2 x lanes + 4 idle threads; "
               "makespan within 1.1x the fixed pools'." % (fmt_int(prm.get("components", 200)),
                                                           fmt_int(prm.get("tasks", 20)), fmt_int(prm.get("rounds", 3)),
                                                           fmt_int(jvms), "" if jvms == 1 else "s",
                                                           "%g s" % (prm["settleMs"] / 1000) if "settleMs" in prm
                                                           else "`settleMs` (the idle timeout plus 1 s)",
                                                           first, steady_from + 1))
        self.p()

        def med(values):
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None

        def count(v):  # a thread count, or the median of an even number of them
            return fmt_int(v) if v == int(v) else fmt(v)

        def with_range(values, f=fmt):
            values = [v for v in values if v is not None]
            if not values:
                return "n/a"
            m = statistics.median(values)
            return f(m) + ("" if min(values) == max(values) else " (%s-%s)" % (f(min(values)), f(max(values))))

        def settled(x):
            return x.get("idleThreadsSettled", x["idleThreadsAfter"])

        rows, chart_rows, summary = [], [], {}
        for impl in ["cmwq", "fixed"]:
            rs = runs[impl]
            if not rs:
                continue
            spans = [self.many_executors_makespans(x) for x in rs]
            colds, steadies = [c for c, _ in spans], [st for _, st in spans]
            n = min(len(x["makespanMsPerRound"]) for x in rs)
            per_round = [statistics.median(x["makespanMsPerRound"][i] for x in rs) for i in range(n)]
            summary[impl] = (med(colds), med(steadies), med([settled(x) for x in rs]),
                             med([x["idleThreadsAfter"] for x in rs]))
            label = "cmwq services" if impl == "cmwq" else "fixed(4) pools"
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % label, with_range([x["peakThreads"] for x in rs], count),
                         with_range([x["threadsStarted"] for x in rs], count),
                         with_range([x["idleThreadsAfter"] for x in rs], count),
                         with_range([settled(x) for x in rs], count), with_range(colds), with_range(steadies),
                         ", ".join(fmt(x) for x in per_round)])
            chart_rows.append((label, [med([x["peakThreads"] for x in rs]), med([settled(x) for x in rs])],
                               is_cmwq(impl)))
        when_txt = "idle threads %g s later" % (prm["settleMs"] / 1000) if "settleMs" in prm else "idle threads settled"
        self.table(["contender", "peak threads", "threads started", "idle threads after", when_txt,
                    "makespan ms, first %d rounds (median)" % first,
                    "makespan ms, rounds %d on (median)" % (steady_from + 1), "makespan ms per round"], rows)
        pairs = list(zip(runs["cmwq"], runs["fixed"]))
        if len(pairs) > 1:
            self.p()
            self.p("Ratio of the first %d rounds' makespans, JVM pair by JVM pair (cmwq / fixed, in the order they "
                   "ran): %s." % (first, ", ".join(fmt_ratio(ratio(self.many_executors_makespans(c)[0],
                                                                   self.many_executors_makespans(f)[0]))
                                                  for c, f in pairs)))
        limit = None
        if "cmwq" in summary:
            limit = 2 * runs["cmwq"][0].get("lanes", 1) + 4
        self.chart("many-executors.svg", hbar("Thread census, %s executors" % fmt_int(prm.get("components", 200)),
                                              chart_rows, ["peak threads", "idle threads, settled"],
                                              "threads (log scale), lower is better", log=True, goal=limit,
                                              goal_label=None if limit is None else "goal %d idle" % limit))
        if limit is not None:
            c_cold, c_steady, idle, idle_after = summary["cmwq"]
            when = ("%g s after the load" % (prm["settleMs"] / 1000)) if "settleMs" in prm else "once settled"
            self.goal("15. many executors, idle threads (%s)" % when, "<= 2 x lanes + 4 = %d" % limit,
                      "%s (right after the load: %s)" % (count(idle), count(idle_after)), idle <= limit)
            if "fixed" in summary:
                f_cold, f_steady = summary["fixed"][0], summary["fixed"][1]
                r = ratio(c_cold, f_cold)
                self.goal("15. many executors, makespan (first %d rounds)" % first, "<= 1.1x fixed(4) pools'",
                          fmt_ratio(r) + ("" if jvms == 1 else " (medians of %d JVMs each)" % jvms),
                          None if r is None else r <= 1.1)
                r = ratio(c_steady, f_steady)
                if r is not None:
                    self.goal("15. many executors, makespan, steady state (rounds %d on)" % (steady_from + 1),
                              "<= 1.1x fixed(4) pools'", fmt_ratio(r), r <= 1.1)

    def starvation(self):
        impls = ["cmwq-lanes", "fixed", "cached", "fjp", "virtual"]
        self.p("## 8. Starvation")
        self.p()
        self.p("500 parent items queued up front over the lanes; each queues 4 sub-items (about 50 us of CPU each) "
               "on the same queue or executor and waits for them: cmwq with `sub.flush()` (a cmwq wait: another "
               "worker takes over), peers with `Future.get()`. A fixed pool of n = lanes threads deadlocks once its n "
               "threads all wait; the trial is cut at the timeout. cmwq queues the sub-items unpinned (spreading may "
               "place them on any lane; a waiter takes over one that has not started, on its own lane or another). "
               "Peak threads are the JVM's, above its baseline (compiler and GC threads included); threads that ran "
               "items count only the pool's. Ratio = cmwq makespan / peer (lower is better for cmwq). Goals: completes, "
               "within 1.2x the cached pool's time; issue 10: peak threads at most 2 x lanes + 4 and within 1.2x "
               "ForkJoinPool(n)'s makespan.")
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
                         fmt(e["peakThreads"]), fmt(e["threadsStarted"]), item_threads(e),
                         fmt_ratio(ratio(base and not base.get("timedOut") and base["makespanMs"], ms))])
            chart_rows.append((name(impl) + (" (deadlock)" if ms is None else ""), [ms], is_cmwq(impl)))
        self.table(["contender", "outcome", "makespan ms", "peak threads", "threads started",
                    "threads that ran items (median / max)", "ratio"], rows)
        self.chart("starvation.svg", hbar("Starvation: items waiting for their sub-items", chart_rows, ["makespan ms"],
                                          "makespan ms, lower is better"))
        fjp = self.s("starvation", "fjp")
        if base and "error" not in base and fjp and "error" not in fjp:
            done = not base.get("timedOut")
            r = ratio(base["makespanMs"], fjp["makespanMs"]) if done else None
            bound = 2 * base["lanes"] + 4
            self.goal("8. starvation (issue 10)", "completes, peak threads <= 2 x lanes + 4 (%d), <= 1.2x ForkJoinPool(n)" % bound,
                      ("completes, %s peak threads (%s ran items), %s of ForkJoinPool(n)"
                       % (fmt(base["peakThreads"]), item_threads(base), fmt_ratio(r))) if done else "did not complete",
                      done and r is not None and r <= 1.2 and base["peakThreads"] <= bound)
        cached = self.s("starvation", "cached")
        if base and "error" not in base and cached and "error" not in cached:
            done = not base.get("timedOut")
            r = ratio(base["makespanMs"], cached["makespanMs"]) if done else None
            self.goal("8. starvation", "completes, <= 1.2x cached pool",
                      ("completes, %s of cached" % fmt_ratio(r)) if done else "did not complete",
                      done and r is not None and r <= 1.2)

    def timers(self):
        self.p("## 9. Timers")
        self.p()
        self.p("cmwq: `DelayedWork` on the hierarchical timing wheel (`Workqueue.queueDelayed(work, Duration)`, "
               "`DelayedWork.cancel()`, re-arm = `Workqueue.modDelayed`), items on system_wq. Peers: "
               "`ScheduledThreadPoolExecutor(1)` with `setRemoveOnCancelPolicy(true)` and Netty's `HashedWheelTimer` "
               "(1 ms ticks, 512 buckets); neither can re-arm, so they cancel and schedule anew, as their users write.")
        self.p()
        if not self.r.get("cmwqTimersAvailable"):
            self.p("*cmwq's `queueDelayed` with a non-zero delay threw in this run (no timer wheel): its rows are "
                   "missing.*")
            self.p()
        self.p("**Throughput with %s items armed** an hour or two ahead in the background (JMH, average time per "
               "operation, one thread). Ratio = peer ns / cmwq ns: how many times more operations per second cmwq "
               "does (higher is better for cmwq). Goals: at least 3x ScheduledThreadPoolExecutor and at least 1x "
               "Netty's HashedWheelTimer, for arm+cancel and for re-arm." % fmt(self.armed()))
        self.p()
        rows, chart_rows = [], []
        ca = self.jmh.score("TimerBenchmark", "armCancel", impl="cmwq")
        cm = self.jmh.score("TimerBenchmark", "rearm", impl="cmwq")
        for impl in ["cmwq", "cmwq-service", "stpe", "netty"]:
            a = self.jmh.score("TimerBenchmark", "armCancel", impl=impl)
            m = self.jmh.score("TimerBenchmark", "rearm", impl=impl)
            if a is None and m is None:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % timer_name(impl), fmt(a),
                         spread_txt(self.jmh.spread("TimerBenchmark", "armCancel", impl=impl)),
                         fmt(self.jmh.alloc("TimerBenchmark", "armCancel", impl=impl)), fmt_ratio(ratio(a, ca)), fmt(m),
                         spread_txt(self.jmh.spread("TimerBenchmark", "rearm", impl=impl)),
                         fmt(self.jmh.alloc("TimerBenchmark", "rearm", impl=impl)), fmt_ratio(ratio(m, cm))])
            chart_rows.append((timer_name(impl), [a, m], is_cmwq(impl)))
        self.table(["timer", "arm+cancel ns", "(min-max)", "B/op", "ratio", "re-arm ns", "(min-max)", "B/op", "ratio"],
                   rows)
        if chart_rows:
            self.chart("timers.svg", hbar("Timers with %s armed" % fmt(self.armed()), chart_rows,
                                          ["arm+cancel", "re-arm"], "ns per operation, lower is better"))
        for method, label in (("armCancel", "arm+cancel"), ("rearm", "re-arm")):
            c = self.jmh.score("TimerBenchmark", method, impl="cmwq")
            s = self.jmh.score("TimerBenchmark", method, impl="stpe")
            n = self.jmh.score("TimerBenchmark", method, impl="netty")
            rs, rn = ratio(s, c), ratio(n, c)
            if c is not None:
                self.goal("9. timers, %s" % label, ">= 3x STPE and >= 1x Netty (ops/s)",
                          "%s STPE, %s Netty (%s ns vs %s / %s)" % (fmt_ratio(rs), fmt_ratio(rn), fmt(c), fmt(s), fmt(n)),
                          None if rs is None or rn is None else (rs >= 3 and rn >= 1))
        c = self.jmh.score("TimerBenchmark", "armCancel", impl="cmwq-service")
        s = self.jmh.score("TimerBenchmark", "armCancel", impl="stpe")
        if c is not None:
            rs = ratio(s, c)
            self.goal("9. timers, service schedule+cancel (issue 12)", ">= 3x STPE (ops/s)",
                      "%s STPE (%s ns vs %s)" % (fmt_ratio(rs), fmt(c), fmt(s)), None if rs is None else rs >= 3)
        self.schedule_cancel()
        self.timer_heap()
        self.timer_lateness()

    def schedule_cancel(self):
        impls = ["cmwq-service", "stpe"]
        runs = {i: [e for e in self.scen if e.get("scenario") == "schedule-cancel" and e.get("impl") == i] for i in impls}
        if not any(runs.values()):
            return
        flags = next((e.get("jvmArgs", []) for r in runs.values() for e in r), [])
        self.p("**The service's schedule + cancel by CPU time** (issue 12: a cancelled task leaves the queue and the "
               "timer wheel at once). `WorkqueueExecutorService.schedule(task, delay)` an hour ahead, then "
               "`future.cancel(false)`, with %s other tasks armed an hour or two ahead, against "
               "`ScheduledThreadPoolExecutor(1)` with remove-on-cancel: JMH's service pair above, timed by the calling "
               "thread's CPU clock (which leaves out the time the thread waited for a CPU, and the collector's "
               "threads) as well as the wall clock. One fresh JVM per contender%s, the contenders alternating over %s rounds; each JVM runs %s unmeasured batches, then %s batches of %s pairs, and gives its median per "
               "pair; the table gives the median of the rounds and each round's. A JVM fails (no result) unless its "
               "timer holds exactly the background tasks after the pairs and none once those are cancelled too, and "
               "the service then terminates at shutdown. Ratio = peer CPU ns / cmwq CPU ns (higher is better for "
               "cmwq). Goal: at least 3x ScheduledThreadPoolExecutor."
               % (fmt_int(self.param("schedule-cancel", "armed")),
                  (", with `%s` (without it a first touch's page fault is kernel time on the thread's CPU clock)"
                   % " ".join(flags)) if flags else "",
                  fmt_int(max(len(r) for r in runs.values())),
                  fmt_int(self.param("schedule-cancel", "warmup")), fmt_int(self.param("schedule-cancel", "batches")),
                  fmt_int(self.param("schedule-cancel", "pairs"))))
        self.p()
        ok = {i: sorted((e for e in runs[i] if "error" not in e), key=lambda e: e.get("round", 0)) for i in impls}
        cpu = {i: statistics.median(e["cpuNsPerPair"] for e in ok[i]) if ok[i] else None for i in impls}
        by_round = {e.get("round"): e["cpuNsPerPair"] for e in ok["cmwq-service"]}
        rows = []
        for impl in impls:
            if not ok[impl]:
                continue
            per_round = [ratio(e["cpuNsPerPair"], by_round.get(e.get("round"))) for e in ok[impl]]
            per_round = [r for r in per_round if r is not None]
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % timer_name(impl), fmt(cpu[impl]),
                         ", ".join(fmt(e["cpuNsPerPair"]) for e in ok[impl]),
                         fmt(statistics.median(e["wallNsPerPair"] for e in ok[impl])),
                         fmt_ratio(ratio(cpu[impl], cpu["cmwq-service"])),
                         "" if is_cmwq(impl) else spread_txt((min(per_round), max(per_round)) if per_round else None)])
        self.table(["timer", "CPU ns per pair", "per round", "wall ns per pair", "ratio (CPU)", "ratio by round"], rows)
        failed = [e for i in impls for e in runs[i] if "error" in e]
        if failed:
            self.p("*%d JVM(s) failed: %s (a cancelled task left on the timer fails its check; see the run's log).*"
                   % (len(failed), ", ".join("%s round %s" % (timer_name(e["impl"]), e.get("round")) for e in failed)))
            self.p()
        if runs["cmwq-service"]:
            rs = ratio(cpu["stpe"], cpu["cmwq-service"])
            leaked = any("error" in e for e in runs["cmwq-service"])
            self.goal("9. timers, service schedule+cancel, CPU per pair (issue 12)", ">= 3x STPE (CPU ns per pair)",
                      "a cmwq JVM failed its check (the timer kept cancelled tasks?)" if leaked else
                      "%s STPE (%s ns vs %s, medians of %d alternating rounds)"
                      % (fmt_ratio(rs), fmt(cpu["cmwq-service"]), fmt(cpu["stpe"]), len(ok["cmwq-service"])),
                      False if leaked else (None if rs is None else rs >= 3))

    def timer_heap(self):
        impls = ["cmwq-system", "stpe", "netty"]
        if not any(self.s("timer-heap", i) for i in impls):
            return
        self.p("**Heap per armed item.** %s distinct functions exist first; heap in use after full collections "
               "(MemoryMXBean) is read with the timer running and nothing made (h0), with the idle items made "
               "(h1: cmwq's `DelayedWork`s, which carry their timer node; nothing for the peers, which take the "
               "function itself) and with every item armed an hour or two ahead, once the timer thread has taken "
               "them in (h2). *Armed* = (h2 - h1) / n: the retained heap of n armed items minus n idle ones, the "
               "goal's measure (at most 64 B for cmwq). *Idle item* = (h1 - h0) / n: what the item costs before "
               "it is armed (for cmwq, the `DelayedWork` itself with its timer node). *Total* = idle + armed: "
               "heap per armed item beyond the user's function. Medians of the repetitions."
               % fmt_int(self.param("timer-heap", "items")))
        self.p()
        rows, chart_rows = [], []
        for impl in impls:
            e = self.s("timer-heap", impl)
            if e is None or "error" in e:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % timer_name(impl), fmt(e["armedBytes"]),
                         ", ".join(fmt(x) for x in e["armedBytesSamples"]), fmt(e["idleItemBytes"]),
                         fmt(e["idleItemBytes"] + e["armedBytes"])])
            chart_rows.append((timer_name(impl), [e["armedBytes"], e["idleItemBytes"] + e["armedBytes"]],
                               is_cmwq(impl)))
        self.table(["timer", "armed B/item", "samples", "idle item B", "total B per armed item"], rows)
        self.chart("timer-heap.svg", hbar("Heap per armed timer item", chart_rows, ["armed - idle", "total"],
                                          "bytes per item, lower is better", goal=64, goal_label="goal 64 B"))
        e = self.s("timer-heap", "cmwq-system")
        if e and "error" not in e:
            self.goal("9. timers, heap per armed item", "<= 64 B beyond the DelayedWork",
                      "%s B (the DelayedWork with its timer node: %s B)" % (fmt(e["armedBytes"]),
                                                                          fmt(e["idleItemBytes"])),
                      e["armedBytes"] <= 64)

    def timer_lateness(self):
        impls = ["cmwq-unbound", "cmwq-system", "stpe", "netty"]
        if not any(self.s("timer-lateness", i) for i in impls):
            return
        self.p("**Firing lateness under load.** %s items armed at once with deadlines spread uniformly over %s ms "
               "(from %s ms ahead), while %s self-requeueing CPU-bound cmwq items per lane of system_wq (about "
               "200 us each) keep every CPU busy; the same load for every contender. Lateness = the time the "
               "item's function starts minus its deadline (microseconds, HdrHistogram over %s trials); *early* "
               "counts functions that started before their deadline. cmwq on an unbound queue (the fired item "
               "gets a worker of its own at once) and on system_wq (the fired item joins the busy lane's worklist "
               "behind the load: per-CPU concurrency management, not timer lateness). Goal: cmwq's median at most "
               "2 ms." % (fmt_int(self.param("timer-lateness", "items")), fmt_int(self.param("timer-lateness", "spreadMs")),
                          fmt_int(self.param("timer-lateness", "minDelayMs")),
                          fmt_int(self.param("timer-lateness", "loadItems")),
                          fmt_int(self.param("timer-lateness", "trials"))))
        self.p()
        rows, chart_rows = [], []
        for impl in impls:
            e = self.s("timer-lateness", impl)
            if e is None or "error" in e:
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % timer_name(impl), fmt(e["p50Us"]), fmt(e["p90Us"]),
                         fmt(e["p99Us"]), fmt(e["p999Us"]), fmt(e["maxUs"]), str(e["count"]), str(e["early"])])
            chart_rows.append((timer_name(impl), [e["p50Us"], e["p99Us"]], is_cmwq(impl)))
        self.table(["timer", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "samples", "early"], rows)
        self.chart("timer-lateness.svg", hbar("Timer lateness under load", chart_rows, ["p50", "p99"],
                                              "microseconds after the deadline, lower is better", log=True,
                                              goal=2000, goal_label="goal p50 2 ms"))
        e = self.s("timer-lateness", "cmwq-unbound")
        if e and "error" not in e:
            peers = [self.s("timer-lateness", i) for i in ("stpe", "netty")]
            peers = [x for x in peers if x and "error" not in x]
            self.goal("9. timers, lateness under load", "median <= 2 ms",
                      "p50 %s us, p99 %s us (unbound queue)%s" % (
                          fmt(e["p50Us"]), fmt(e["p99Us"]),
                          "".join("; %s p50 %s us" % (timer_short(x["impl"]), fmt(x["p50Us"])) for x in peers)),
                      e["p50Us"] <= 2000)

    def param(self, scenario, key):
        for e in self.scen:
            if e.get("scenario") == scenario and key in e.get("params", {}):
                return e["params"][key]
        return None

    # -------------------------------------------------------- the sampler

    def sampler(self):
        if (not self.s("sampler-reaction", "cmwq") and not self.blocking_entry("cmwq-lanes", "hog")
                and self.jmh.score("SamplerCostBenchmark", "samplerOn", producers=1) is None):
            return
        self.p("## 10. The sampler: unannounced blocking")
        self.p()
        self.sampler_reaction()
        self.sampler_cost()
        self.blocking_variants()

    def sampler_reaction(self):
        runs = [e for e in self.scen if e.get("scenario") == "sampler-reaction" and "error" not in e]
        if not runs:
            return
        self.p("**Reaction time.** A blocker item B runs on lane 0 of a per-CPU queue; it queues a waiter W on its "
               "own lane (W waits: B is the lane's running worker), computes for the *lead* time, reads the clock "
               "and parks (`LockSupport.parkNanos`, no cmwq bracket). W reads the clock first thing and releases B. "
               "Reaction = W's start minus B's clock read: from \"the lane's only running worker is blocked and an "
               "item waits\" to \"that item starts\". With a 2 ms lead the sampler has backed off to its longest "
               "interval (500 us) when B blocks, as for any backlog behind a running item; with no lead it is still "
               "at its shortest (50 us). Steady state: the pool's workers exist (warm-up samples create them), so "
               "these rows measure detection plus one wake-up. The last row runs with `-Dcmwq.idleTimeoutMs=2` and "
               "20 ms between samples: idle workers are culled to two, so the worker woken for W is the last idle "
               "one and creates a spare before it runs W (the kernel's manager rule); only samples during which a "
               "thread was started are counted there. *Early*: samples set apart because W started before B read "
               "the clock (the sampler took the still-computing B for blocked: a preempted worker's CPU clock stands "
               "still, and the sampler then marks one worker per pool speculatively). Microseconds, HdrHistogram. "
               "Goals (on the first row): median at most 0.5 ms, 99th percentile at most 5 ms.")
        self.p()
        rows, chart_rows = [], []
        main = None
        for e in runs:
            create = "-Dcmwq.idleTimeoutMs=2" in e.get("jvmArgs", [])
            lead = e["params"].get("leadRounds", 0)
            h = e["created"] if create else e["steady"]
            if create:
                label = "a worker is created on the way (2 ms lead)"
            elif lead:
                label = "steady, waiter queued 2 ms before the block"
            else:
                label = "steady, waiter queued just before the block"
            if h.get("count", 0) == 0:
                rows.append([label, "n/a", "n/a", "n/a", "n/a", "n/a", "0", "", str(e.get("early", 0))])
                continue
            other = e["steady"] if create else e["created"]
            rows.append([label, fmt(h["p50Us"]), fmt(h["p90Us"]), fmt(h["p99Us"]), fmt(h["p999Us"]), fmt(h["maxUs"]),
                         str(h["count"]), "%s (%s)" % (other.get("count", 0), "steady" if create else "with creation"),
                         str(e.get("early", 0))])
            chart_rows.append((label, [h["p50Us"], h["p99Us"]], True))
            if not create and lead:
                main = h
        self.table(["case", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "samples", "samples set apart",
                    "early"], rows)
        self.chart("sampler-reaction.svg", hbar("Sampler reaction: blocked worker to waiting item start", chart_rows,
                                                ["p50", "p99"], "microseconds, lower is better", log=True))
        if main:
            self.goal("10. sampler reaction, median", "<= 0.5 ms", "%s us (p90 %s us)" % (fmt(main["p50Us"]),
                                                                                     fmt(main["p90Us"])),
                      main["p50Us"] <= 500)
            self.goal("10. sampler reaction, p99", "<= 5 ms", "%s us" % fmt(main["p99Us"]), main["p99Us"] <= 5000)

    def sampler_cost(self):
        if self.jmh.score("SamplerCostBenchmark", "samplerOn", producers=1) is None:
            return
        self.p("**Cost on the queueing path when nothing blocks.** The hand-off benchmark (section 1) on system_wq "
               "in two JMH forks of the same run, `-Dcmwq.sampler=true` and `-Dcmwq.sampler=false` (the method name "
               "selects the fork's JVM flags). Nothing blocks, so any difference is the sampler's looks at the "
               "running workers of a pool with a backlog (under the pool's lock) and their CPU-clock reads. The flag "
               "turns off only the blocking detection: the sampler thread still watches pools with a backlog "
               "(starvation, maydays, watchdog), and the producer still pays the `watch()` call that starts it. "
               "Items/s; ratio = on / off. Goal: no measurable cost (verdict: the sampler-on median is at least "
               "0.95x the sampler-off one, or inside the sampler-off iterations' range).")
        self.p()
        rows, chart_rows = [], []
        verdicts = []
        for n in (1, 2):
            on = self.jmh.score("SamplerCostBenchmark", "samplerOn", producers=n)
            off = self.jmh.score("SamplerCostBenchmark", "samplerOff", producers=n)
            if on is None or off is None:
                continue
            so = self.jmh.spread("SamplerCostBenchmark", "samplerOn", producers=n)
            sf = self.jmh.spread("SamplerCostBenchmark", "samplerOff", producers=n)
            r = ratio(on, off)
            rows.append(["%d producer%s" % (n, "s" if n > 1 else ""), fmt(on), spread_txt(so), fmt(off), spread_txt(sf),
                         fmt_ratio(r)])
            chart_rows.append(("%d producer%s" % (n, "s" if n > 1 else ""), [on / 1e6, off / 1e6], True))
            verdicts.append((n, r, r >= 0.95 or (sf is not None and sf[0] <= on <= sf[1])))
        self.table(["hand-off on system_wq", "sampler on: items/s", "(min-max)", "sampler off: items/s", "(min-max)",
                    "ratio"], rows)
        self.chart("sampler-cost.svg", hbar("Hand-off with the sampler on and off", chart_rows,
                                            ["sampler on", "sampler off"], "million items/s, higher is better"))
        if verdicts:
            self.goal("10. sampler cost, nothing blocks", "no measurable cost (on/off >= 0.95x or within range)",
                      ", ".join("%s (%d producer%s)" % (fmt_ratio(r), n, "s" if n > 1 else "") for n, r, _ in verdicts),
                      all(v for _, _, v in verdicts))

    def blocking_variants(self):
        variants = [("plain", "plain sleep"), ("hog", "CPU hogs"), ("monitor", "sleep inside synchronized"),
                    ("native", "sleep inside synchronized, below a native frame")]
        impls = ["cmwq-lanes", "virtual", "cached"]
        have = [v for v, _ in variants if any(self.blocking_entry(i, v) for i in impls)]
        if len(have) < 2:
            return
        self.p("**Virtual threads against the sampler** on the unannounced blocking mix of section 6 and three "
               "variants: *CPU hogs*: every %sth item computes about 50 ms without blocking instead; *sleep inside "
               "synchronized*: the sleep is inside a `synchronized` block on the item's own lock (JDK 24+ no longer "
               "pins a virtual thread there: JEP 491); *below a native frame*: the same, but `Thread.sleep` is called "
               "through core reflection in a JVM run with `-Djdk.reflect.useNativeAccessorOnly=true`, so a native "
               "frame is on the stack and the virtual thread pins its carrier on JDK 25 (checked: 8 virtual "
               "threads sleeping 50 ms this way take 400 ms on one carrier, 50 ms without the flag). *Start* = "
               "queue call to the item's first line, over the short items (hogs not counted), median and p99 of "
               "each trial, then the median over trials. Lower is better everywhere."
               % fmt_int(self.param_where("blocking", "hogEvery", variant="hog") or 50))
        self.p()
        rows = []
        for v, label in variants:
            for impl in impls:
                e = self.blocking_entry(impl, v)
                if e is None or "error" in e:
                    continue
                rows.append([label, ("**%s**" if is_cmwq(impl) else "%s") % name(impl),
                             fmt(e["makespanMs"]) + (" (timed out)" if e.get("timedOut") else ""),
                             fmt(e.get("startP50Ms")), fmt(e.get("startP99Ms")), fmt(e["peakThreads"]),
                             fmt(e["voluntaryCtxSwitches"])])
        self.table(["variant", "contender", "makespan ms", "start p50 ms", "start p99 ms", "peak threads",
                    "voluntary cs"], rows)
        chart_rows = []
        for v, label in variants:
            for impl in ("cmwq-lanes", "virtual"):
                e = self.blocking_entry(impl, v)
                if e and "error" not in e:
                    chart_rows.append(("%s: %s" % (v, "cmwq" if is_cmwq(impl) else "virtual"),
                                       [e["makespanMs"], e.get("startP99Ms")], is_cmwq(impl)))
        self.chart("blocking-variants.svg", hbar("Sampler against virtual threads", chart_rows,
                                                 ["makespan ms", "start p99 ms"], "lower is better", log=True))
        self.p("Who wins, in this run (makespan; start p99):")
        self.p()
        for v, label in variants:
            c, vt = self.blocking_entry("cmwq-lanes", v), self.blocking_entry("virtual", v)
            if not c or not vt or "error" in c or "error" in vt:
                continue
            self.p("- *%s*: %s (cmwq %s ms vs virtual threads %s ms, %s); start p99 %s (%s ms vs %s ms)." % (
                label, "cmwq" if c["makespanMs"] < vt["makespanMs"] else "virtual threads", fmt(c["makespanMs"]),
                fmt(vt["makespanMs"]), fmt_ratio(ratio(c["makespanMs"], vt["makespanMs"])),
                "cmwq" if (c.get("startP99Ms") or 0) < (vt.get("startP99Ms") or 0) else "virtual threads",
                fmt(c.get("startP99Ms")), fmt(vt.get("startP99Ms"))))
        self.p()

    def blocking_entry(self, impl, variant):
        for e in self.scen:
            if e.get("scenario") != "blocking" or e.get("impl") != impl:
                continue
            p = e.get("params", {})
            if p.get("announced") is False and p.get("variant", "plain") == variant:
                return e
        return None

    def param_where(self, scenario, key, **where):
        for e in self.scen:
            p = e.get("params", {})
            if e.get("scenario") == scenario and key in p and all(p.get(k) == v for k, v in where.items()):
                return p[key]
        return None

    def armed(self):
        for e in self.jmh.rows:
            if e["benchmark"].endswith("TimerBenchmark.armCancel"):
                return int(e["params"]["armed"])
        return 0

    # -------------------------------------------------------- issue 10 and 13: fan-out, lanes, one JVM, cold start

    def fanout(self):
        impls = ["cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual"]
        runs = [e for e in self.scen if e.get("scenario") == "fanout"]
        if not runs:
            return
        self.p("## 11. Fan-out from one thread")
        self.p()
        self.p("One thread queues N CPU-bound items (a calibrated loop of real computation, not sleeps, of about 50 us "
               "or 500 us of CPU each) as fast as it can, then waits until all have run. cmwq: `Workqueues.system()` "
               "with `queue(work)` (per-CPU) and a fresh unbound queue with the default max_active; peers get the "
               "same `Runnable`s. Makespan = first queueing call to the last item's end (median of the trials after "
               "a warm-up); threads = ThreadMXBean's started-thread count and peak live platform threads (above the "
               "JVM's baseline) in the first trial of a fresh JVM (cmwq's idle workers outlive a trial, so later "
               "trials would start none); context switches summed over the process's threads "
               "(`/proc/self/task/*/status`, median of the trials). Ratio = cmwq makespan / ForkJoinPool(n) "
               "makespan (lower is better for cmwq). Goals (issue 10): both cmwq cases within 1.1x ForkJoinPool(n); "
               "the unbound queue starts at most lanes + 2 workers.")
        self.p()
        for us in (50, 500):
            fjp = self.s("fanout", "fjp", itemUs=us)
            rows, chart_rows = [], []
            for impl in impls:
                e = self.s("fanout", impl, itemUs=us)
                if e is None or "error" in e:
                    continue
                rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl),
                             fmt(e["makespanMs"]) + (" (timed out)" if e.get("timedOut") else ""),
                             fmt(e["coldThreadsStarted"]), fmt(e["coldPeakThreads"]), fmt(e["voluntaryCtxSwitches"]),
                             fmt(e["nonvoluntaryCtxSwitches"]),
                             fmt_ratio(ratio(e["makespanMs"], fjp and "error" not in fjp and fjp["makespanMs"]))])
                chart_rows.append((name(impl), [e["makespanMs"]], is_cmwq(impl)))
            if not rows:
                continue
            items = self.param_where("fanout", "items", itemUs=us)
            self.p("**%s items of %d us**" % (fmt_int(items), us))
            self.p()
            self.table(["contender", "makespan ms", "threads started", "peak threads", "voluntary cs",
                        "involuntary cs", "ratio to FJP"], rows)
            self.chart("fanout-%dus.svg" % us, hbar("Fan-out of %s items of %d us from one thread" % (fmt_int(items), us),
                                                    chart_rows, ["makespan ms"], "makespan ms, lower is better"))
            if not fjp or "error" in fjp:
                continue
            for impl, label in (("cmwq-system", "per-CPU"), ("cmwq-unbound", "unbound")):
                e = self.s("fanout", impl, itemUs=us)
                if e is None or "error" in e:
                    continue
                r = ratio(e["makespanMs"], fjp["makespanMs"])
                self.goal("11. fan-out, %s, %d us" % (label, us), "makespan <= 1.1x FJP",
                          "%s (%s ms vs %s ms)" % (fmt_ratio(r), fmt(e["makespanMs"]), fmt(fjp["makespanMs"])),
                          not e.get("timedOut") and r <= 1.1)
                if impl == "cmwq-unbound":
                    limit = e.get("lanes", 1) + 2
                    # cmwq's workers alone when the run counted them (coldWorkersStarted), else every thread.
                    started = e.get("coldWorkersStarted", e["coldThreadsStarted"])
                    self.goal("11. fan-out, unbound, %d us, workers" % us, "<= lanes + 2 = %d started" % limit,
                              fmt(started), started <= limit)

    def idle_heap(self):
        runs = sorted((e for e in self.scen if e.get("scenario") == "idle-heap" and "error" not in e),
                      key=lambda e: e.get("lanes", 0))
        if not runs:
            return
        self.p("## 12. Heap per idle queue, by lane count")
        self.p()
        self.p("%s per-CPU workqueues created and never used, in a fresh JVM per lane count (`-Dcmwq.cpus=N` on this "
               "machine); heap in use after full GCs, minus the same before, divided by the count (MemoryMXBean); "
               "median of the rounds after a first one (queues destroyed between), whose reading also holds one-time "
               "costs and is shown apart. Threads started while creating them are counted too (an idle queue should "
               "start none). Goal (issue 10): at most 1 KiB per idle queue at 2, 64 and 256 lanes."
               % fmt_int(self.param("idle-heap", "queues")))
        self.p()
        rows, chart_rows = [], []
        for e in runs:
            rows.append(["%d lanes" % e["lanes"], fmt(e["heapBytesPerQueue"]),
                         ", ".join(fmt(x) for x in e["heapBytesPerQueueSamples"]),
                         fmt(e["heapBytesPerQueueFirstRound"]), fmt(e["threadsStarted"]), fmt(e["createMs"])])
            chart_rows.append(("%d lanes" % e["lanes"], [e["heapBytesPerQueue"]], True))
            self.goal("12. idle queue heap, %d lanes" % e["lanes"], "<= 1024 B per queue",
                      "%s B" % fmt(e["heapBytesPerQueue"]), e["heapBytesPerQueue"] <= 1024)
        self.table(["lanes", "heap B/queue (median)", "samples", "first round B/queue", "threads started",
                    "create ms (first round)"], rows)
        self.chart("idle-heap.svg", hbar("Heap per idle queue", chart_rows, ["bytes per queue"],
                                         "bytes per idle queue, lower is better", log=True, goal=1024,
                                         goal_label="goal 1 KiB"))

    def handoff_one_jvm(self):
        runs = [e for e in self.scen if e.get("scenario") == "handoff-one-jvm" and "error" not in e]
        if not runs:
            return
        self.p("## 13. Hand-off with every contender in one JVM")
        self.p()
        self.p("Section 1's workload, but the way an application meets it: every contender alive in one JVM (threads, "
               "objects and the call sites they share), each with its own distinct task objects, measured in turn "
               "(the order rotates per iteration). Rounds of 10,000 items, and a backlog of 400,000 items queued before "
               "the first has to finish, from one or two producers; items/s, median of the iterations. After the warm-ups "
               "a full collection moves every long-lived object (items, queues, pools, threads) to the old generation, "
               "as in an application that has run for a while (`heap=old`; JMH's section 1 runs with everything young, "
               "which G1's write barrier favours: finding 28-lead). *Alone*: the "
               "same harness with one contender in its JVM. Ratio = cmwq system_wq / ForkJoinPool(n) in the same "
               "fork. Goal (issue 10): at least 1.0x ForkJoinPool in every setting, 1 and 2 producers.")
        self.p()
        impls = ["cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual"]
        settings = sorted({(e["params"]["batch"], e["params"]["producers"]) for e in runs})
        header = ["contender"] + ["%s items, %d producer%s" % (fmt_int(b), n, "s" if n > 1 else "") for b, n in settings]
        rows, chart_rows = [], []

        def score(impl, where, batch, producers):
            e = self.s("handoff-one-jvm", where, batch=batch, producers=producers)
            if e is None or "error" in e:
                return None
            c = e.get("contenders", {}).get(impl)
            return c and c["itemsPerSecond"]

        for impl in impls:
            v = [score(impl, "all", b, n) for b, n in settings]
            if all(x is None for x in v):
                continue
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl)] + [fmt(x) for x in v])
            chart_rows.append((name(impl), [x / 1e6 if x else None for x in v], is_cmwq(impl)))
        ratios = [ratio(score("cmwq-system", "all", b, n), score("fjp", "all", b, n)) for b, n in settings]
        rows.append(["*ratio system_wq / FJP*"] + [fmt_ratio(r) for r in ratios])
        for impl in ("cmwq-system", "fjp"):
            v = [score(impl, impl, b, n) for b, n in settings]
            if any(x is not None for x in v):
                rows.append(["%s, alone" % name(impl)] + [fmt(x) for x in v])
        alone = [ratio(score("cmwq-system", "cmwq-system", b, n), score("fjp", "fjp", b, n)) for b, n in settings]
        if any(r is not None for r in alone):
            rows.append(["*ratio alone (separate JVMs)*"] + [fmt_ratio(r) for r in alone])
        self.table(header, rows)
        cost_rows = []
        for impl in impls:
            cells = []
            for b, n in settings:
                e = self.s("handoff-one-jvm", "all", batch=b, producers=n)
                c = e and "error" not in e and e.get("contenders", {}).get(impl)
                cells.append("%s ns, %s cs" % (fmt(c["cpuNanosPerItem"]), fmt(c["voluntaryCtxSwitchesPer1000"]))
                             if c and "cpuNanosPerItem" in c else "n/a")
            if any(x != "n/a" for x in cells):
                cost_rows.append([("**%s**" if is_cmwq(impl) else "%s") % name(impl)] + cells)
        if cost_rows:
            self.p("What an item cost in the same runs (all contenders in one JVM): the process's CPU time per item over "
                   "all its threads (less sensitive to the machine's load than items/s), and voluntary context switches "
                   "per 1,000 items.")
            self.p()
            self.table(header, cost_rows)
        self.chart("handoff-one-jvm.svg", hbar("Hand-off, all contenders in one JVM", chart_rows,
                                               [h for h in header[1:]], "million items/s, higher is better"))
        for (b, n), r in zip(settings, ratios):
            self.goal("13. hand-off in one JVM, %s items, %d producer%s" % (fmt_int(b), n, "s" if n > 1 else ""),
                      ">= 1.0x FJP", fmt_ratio(r), None if r is None else r >= 1.0)

    def cold_start(self):
        impls = ["cmwq", "cmwq-cold", "cmwq-aot", "stpe", "fixed1", "cmwq-open", "netty-open", "guava-open"]
        if not any(self.s("cold-start", i) for i in impls):
            return
        self.p("## 14. Cold start: the first use in a fresh JVM")
        self.p()
        self.p("Each trial is a fresh JVM with no flags, as an application starts. The caller's first use: from "
               "before `new Work(fn)` to the return of `Workqueues.system().queue(work)`, class loading and static "
               "initialisation included (split into `Workqueues.system()` and `queue`); then the first item's start "
               "from the same clock; then the caller arms its first `DelayedWork` 200 ms ahead: the time that call "
               "blocks and how late the item starts after its deadline. The peer does the same with a fresh "
               "`ScheduledThreadPoolExecutor(n)` (`execute`, then `schedule`), and the JDK-only floor with "
               "`Executors.newFixedThreadPool(1).execute` (one thread start, classes from the JDK's archive). "
               "*Platform beans untouched*: cmwq in a JVM that has not reached the platform beans before its first "
               "use (the others read the thread-CPU bean first, for the caller's CPU time), as an application that "
               "never looked at them: its first item shows what the first worker waits for on its way. "
               "*JDK 25 AOT cache*: cmwq in JVMs started with `-XX:AOTCache=app.aot`, made once before the trials by a "
               "training run of the same first use (`-XX:AOTCacheOutput=app.aot`): classes loaded and linked, and "
               "method profiles, from the cache (a deployment choice, shown apart; the goal's verdict is the "
               "no-flags row's). *Libraries side by side, jar open*: cmwq, Netty (a fresh "
               "`DefaultEventExecutorGroup(n)`: `execute`, then `schedule`) and Guava (`MoreExecutors.listeningDecorator` "
               "over a fresh `Executors.newScheduledThreadPool(n)`: the same) with the library's jars first on the class "
               "path, so that the JVM opens them before the clock starts (about 1 ms a jar here, which a first use pays "
               "when no class before it came from that jar) and none pays for the suite's other jars: each library's "
               "own classes, against each other. The "
               "caller's CPU time (where the results have it) is the figure the machine's load moves least. "
               "Milliseconds, medians of %s trials. "
               "Goal (issue 13): the first use costs the caller at most 5 ms." % fmt_int(self.param("cold-start", "trials")))
        self.p()
        rows, chart_rows = [], []
        for impl in impls:
            e = self.s("cold-start", impl)
            if e is None or "error" in e:
                continue
            label = {"cmwq": "cmwq system_wq", "cmwq-cold": "cmwq system_wq, platform beans untouched",
                     "cmwq-aot": "cmwq system_wq, JDK 25 AOT cache", "cmwq-open": "cmwq system_wq, jar open",
                     "netty-open": "Netty DefaultEventExecutorGroup(n), jar open",
                     "guava-open": "Guava listeningDecorator(newScheduledThreadPool(n)), jars open"}.get(impl) or name(impl)
            rows.append([("**%s**" if is_cmwq(impl) else "%s") % label, fmt(e["callerMs"]),
                         fmt(e.get("callerCpuMs")), fmt(e.get("systemMs")), fmt(e.get("queueMs")), fmt(e["firstItemMs"]),
                         fmt(e["delayedCallerMs"]), fmt(e["delayedLatenessMs"]),
                         ", ".join(fmt(t["callerMs"]) for t in e["trials"])])
            chart_rows.append((label, [e["callerMs"], e["delayedLatenessMs"]], is_cmwq(impl)))
        self.table(["contender", "caller ms", "caller CPU ms", "system() ms", "queue ms", "first item ms", "delayed: caller ms",
                    "delayed: late ms", "caller ms per trial"], rows)
        self.chart("cold-start.svg", hbar("Cold start in a fresh JVM", chart_rows,
                                          ["caller blocked, first use", "first 200 ms delayed item, lateness"],
                                          "milliseconds, lower is better", log=True, goal=5, goal_label="goal 5 ms"))
        e = self.s("cold-start", "cmwq")
        if e and "error" not in e:
            self.goal("14. cold start, caller", "<= 5 ms", "%s ms (first delayed item %s ms late)" % (
                fmt(e["callerMs"]), fmt(e["delayedLatenessMs"])), e["callerMs"] <= 5)

    # -------------------------------------------------------- assembly

    def render(self):
        body_start = len(self.md)
        for section in (self.handoff, self.allocation, self.wakeup, self.coalesce, self.ordered, self.blocking,
                        self.many_queues, self.starvation, self.timers, self.sampler, self.fanout, self.idle_heap,
                        self.handoff_one_jvm, self.cold_start, self.many_executors):
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
        self.p("bench/run-quick    # every benchmark, short runs, ~12 min on 2 cores; rewrites this page")
        self.p("bench/run-full     # more forks, iterations, samples and trials, ~45 min; rewrites this page")
        self.p("bench/run-smoke    # CI: every benchmark once, very briefly (38 JMH forks and about 60 scenario JVMs: 2 min on a quiet 2-core machine); writes to cmwq-bench/target")
        self.p("java -jar cmwq-bench/target/cmwq-bench.jar -h   # JMH's own command line, after a build")
        self.p("```")
        self.p()
        self.p("Both suites accept `--only REGEX` (JMH class or scenario name, e.g. `--only 'Handoff|wakeup'`); "
               "such a partial run re-measures those parts and keeps the others from the previous results of the "
               "same mode (`docs/benchmarks/results-<mode>.json`), and the page then names both runs. "
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
        self.provenance()
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

    def provenance(self):
        """Names the earlier runs whose results a partial (--only) run kept."""
        prov = self.r.get("provenance", {})
        runs = {}
        for key, info in sorted(prov.items()):
            runs.setdefault((info.get("commit"), info.get("started")), (info, []))[1].append(key.split(":", 1)[1])
        if len(runs) < 2:
            return
        self.p("This page merges runs: a partial run (`--only`) re-measured some parts and kept the others from "
               "the earlier run that measured them. Compare ratios within a part, not across parts.")
        self.p()
        rows = []
        for (commit, started), (info, parts) in sorted(runs.items(), key=lambda kv: kv[0][1] or ""):
            rows.append(["`%s`" % commit, "%s / %s" % (started, info.get("finished")),
                         "%s / %s" % (info.get("loadAverageAtStart"), info.get("loadAverageAtEnd")),
                         "`%s`" % str(info.get("only")).replace("|", "\\|"), ", ".join(parts)])
        self.table(["commit", "started / finished", "load average at start / end", "--only", "parts"], rows)

    def jmh_settings(self):
        if not self.jmh.rows:
            return "not run"
        e = self.jmh.rows[0]
        return "%s, %d fork(s), %d x %s warm-up, %d x %s measurement, `-prof gc`" % (
            e.get("jmhVersion"), e.get("forks"), e.get("warmupIterations"), e.get("warmupTime"),
            e.get("measurementIterations"), e.get("measurementTime"))


TIMER_NAMES = {
    "cmwq": "cmwq DelayedWork (system_wq)",
    "cmwq-system": "cmwq DelayedWork (system_wq)",
    "cmwq-unbound": "cmwq DelayedWork (unbound queue)",
    "cmwq-service": "cmwq WorkqueueExecutorService (schedule + cancel)",
    "stpe": "ScheduledThreadPoolExecutor(1), removeOnCancel",
    "netty": "Netty HashedWheelTimer (1 ms tick)",
}


def timer_name(impl):
    return TIMER_NAMES.get(impl, impl)


def timer_short(impl):
    return {"stpe": "STPE", "netty": "Netty"}.get(impl, impl)


def spread_txt(s):
    if not s:
        return ""
    return "%s-%s" % (fmt(s[0]), fmt(s[1]))


def jmh_class(group):
    """The benchmark class of one JMH result group (a list of results of one class)."""
    for e in group:
        return e["benchmark"].split(".")[-2]
    return None


def run_info(results):
    m = results.get("machine", {})
    return {"commit": m.get("commit"), "started": m.get("started"), "finished": results.get("finished"),
            "loadAverageAtStart": m.get("loadAverageAtStart"), "loadAverageAtEnd": m.get("loadAverageAtEnd"),
            "only": results.get("only", ".*")}


def merge(results, base):
    """Fills in what a partial (--only) run did not measure from an earlier run of the same mode.

    Every JMH class and scenario keeps a note of the run it came from (results["provenance"]).
    """
    mine = run_info(results)
    prov = {}
    for g in results.get("jmh", []):
        prov["jmh:%s" % jmh_class(g)] = mine
    for e in results.get("scenarios", []):
        prov["scenario:%s" % e.get("scenario")] = mine
    if base is None or results.get("only", ".*") == ".*" or base.get("mode") != results.get("mode"):
        results["provenance"] = prov
        return results
    theirs = run_info(base)
    base_prov = base.get("provenance", {})
    for g in base.get("jmh", []):
        key = "jmh:%s" % jmh_class(g)
        if key not in prov:
            results["jmh"].append(g)
            prov[key] = base_prov.get(key, theirs)
    for e in base.get("scenarios", []):
        key = "scenario:%s" % e.get("scenario")
        if key not in prov or prov[key] is not mine:
            results["scenarios"].append(e)
            prov.setdefault(key, base_prov.get(key, theirs))
    if "jmh:TimerBenchmark" in prov and prov["jmh:TimerBenchmark"] is not mine:
        results["cmwqTimersAvailable"] = base.get("cmwqTimersAvailable")
    results["provenance"] = prov
    return results


def main():
    args = sys.argv[1:]
    base_file = None
    if len(args) == 4 and args[2] == "--base":
        base_file = args[3]
        args = args[:2]
    if len(args) != 2:
        sys.exit("usage: report.py RESULTS_JSON DOCS_DIR [--base EARLIER_RESULTS_JSON]")
    src, docs = args
    with open(src) as f:
        results = json.load(f)
    base = None
    if base_file and os.path.exists(base_file):
        with open(base_file) as f:
            base = json.load(f)
    results = merge(results, base)
    os.makedirs(docs, exist_ok=True)
    rep = Report(results, docs)
    text = rep.render()
    with open(os.path.join(docs, "benchmarks.md"), "w") as f:
        f.write(text)
    with open(os.path.join(rep.chart_dir, "results-%s.json" % results["mode"]), "w") as f:
        json.dump(results, f)
        f.write("\n")
    print("report: wrote %s and %d charts" % (os.path.join(docs, "benchmarks.md"),
                                              len([x for x in os.listdir(rep.chart_dir) if x.endswith(".svg")])))


if __name__ == "__main__":
    main()
