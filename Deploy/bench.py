#!/usr/bin/env python3
"""Runs the benchmarks behind Deploy/bench.sh and prints the table.

Every Picketline figure is paired with a reference measured in this run on this machine:
  - RSVP intake and the public list: `picketline serve` (release, real SQLite file, WAL with
    synchronous=FULL and group commit) against a bare Hummingbird route in picketline-bench that
    decodes the same JSON (wrk -t1 -c32);
  - cron: CronExpression against cronsim 2.8 in Python, every fire time compared;
  - footprint: serve against the bare server (start to first answer, idle RSS).
Loops are bounded; only processes started here are stopped, by PID.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = sys.argv[1]
PICKETLINE = os.path.join(BIN, "picketline")
BENCH = os.path.join(BIN, "picketline-bench")
DURATION = os.environ.get("BENCH_SECONDS", "10")
ROWS = []


def row(figure, ours, reference, ratio, target, met, unit=""):
    ROWS.append((figure, ours, reference, ratio, target, "yes" if met else "NO"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, path, timeout=20.0):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except Exception:
            time.sleep(0.002)
    raise RuntimeError(f"port {port} never answered {path}")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(url, script=None, connections=32):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{DURATION}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"rate": rate, "total": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "p99_ms": float(p99.group(1)) * scale}


RSVP_LUA = """
local thread_tag = tostring(math.random(1, 1000000000))
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"Bench %d","email":"b%s-%d@example.org","consent_to_contact":true}', counter, thread_tag, counter)
  return wrk.format("POST", "%PATH%", {["Content-Type"] = "application/json"}, body)
end
"""


def lua(work, path):
    file = os.path.join(work, path.strip("/").replace("/", "_") + ".lua")
    with open(file, "w") as handle:
        handle.write(RSVP_LUA.replace("%PATH%", path))
    return file


def picketline(work, *arguments, env=None):
    return subprocess.run([PICKETLINE, *arguments, "--database", os.path.join(work, "bench.sqlite")],
                          capture_output=True, text=True, check=True, env=env).stdout


def http_benchmarks(work):
    # Reference: the bare route.
    bare_port = free_port()
    bare = subprocess.Popen([BENCH, "bare", "--port", str(bare_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        bare_start = wait_ready(bare_port, "/bare/actions")
        time.sleep(1)
        bare_rss = rss_mb(bare.pid)
        bare_get = wrk(f"http://127.0.0.1:{bare_port}/bare/actions")
        bare_post = wrk(f"http://127.0.0.1:{bare_port}/bare/rsvp", lua(work, "/bare/rsvp"))
    finally:
        stop(bare)

    picketline(work, "demo")
    picketline(work, "action", "create", "--title", "Bench picket", "--slug", "bench", "--starts", "2099-06-01 12:00",
               "--time-zone", "Europe/London", "--status", "confirmed")
    env = dict(os.environ, PICKETLINE_HTTP_PUBLIC_WRITES_PER_MINUTE="1000000000")
    port = free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([PICKETLINE, "serve", "--port", str(port), "--database", os.path.join(work, "bench.sqlite")],
                              stdout=log, stderr=log, env=env)
    try:
        start_seconds = wait_ready(port, "/readyz")
        time.sleep(1)
        idle_rss = rss_mb(server.pid)
        get = wrk(f"http://127.0.0.1:{port}/api/v1/actions")
        post = wrk(f"http://127.0.0.1:{port}/api/v1/actions/bench/attendances", lua(work, "/api/v1/actions/bench/attendances"))
        peak_rss = rss_mb(server.pid)
    finally:
        stop(server)
    summary = json.loads(picketline(work, "attendance", "summary", "bench", "--json"))
    # wrk stops mid-flight: requests it sent but did not count may still have been committed.
    answered_201 = post["total"] - post["non2xx"]
    durable = summary["accepted"] >= answered_201

    ratio = post["rate"] / bare_post["rate"]
    row("RSVP intake (POST → 201), req/s", f"{post['rate']:.0f}", f"{bare_post['rate']:.0f} bare", f"{ratio:.0%}", "≥ 50 %", ratio >= 0.5)
    row("RSVP intake p99 latency, 32 connections", f"{post['p99_ms']:.1f} ms", f"{bare_post['p99_ms']:.1f} ms bare", "", "≤ 20 ms", post["p99_ms"] <= 20)
    row("RSVPs durable (rows ≥ 201s, synchronous=FULL)", f"{summary['accepted']} rows", f"{answered_201} × 201", "",
        "all", durable and post["non2xx"] == 0)
    ratio = get["rate"] / bare_get["rate"]
    row("Public action list (GET), req/s", f"{get['rate']:.0f}", f"{bare_get['rate']:.0f} bare", f"{ratio:.0%}", "≥ 70 %", ratio >= 0.7)
    row("serve start → /readyz (existing database)", f"{start_seconds * 1000:.0f} ms", f"{bare_start * 1000:.0f} ms bare", "", "≤ 300 ms", start_seconds <= 0.3)
    row("serve idle RSS", f"{idle_rss:.1f} MB", f"{bare_rss:.1f} MB bare", f"{idle_rss / bare_rss:.1f}×", "≤ 40 MB", idle_rss <= 40)
    row("serve RSS after the HTTP runs", f"{peak_rss:.1f} MB", "", "", "(record)", True)
    size = os.path.getsize(PICKETLINE) / 1024 / 1024
    row("release binary size", f"{size:.1f} MB", f"{os.path.getsize(BENCH) / 1024 / 1024:.1f} MB bench", "", "(record)", True)


def cron_benchmark(work):
    fires = os.path.join(work, "fires.json")
    ours = json.loads(subprocess.run([BENCH, "cron", "--out", fires], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    reference = json.loads(subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "bench_cron.py"), fires],
                                          capture_output=True, text=True, check=True).stdout)
    ratio = ours["iterating_per_second"] / reference["iterating_per_second"]
    row(f"cron next fires/s, iterating ({ours['expressions']} expressions)", f"{ours['iterating_per_second']:,}",
        f"{reference['iterating_per_second']:,} cronsim", f"{ratio:.0f}×", "≥ 600,000/s", ours["iterating_per_second"] >= 600_000)
    ratio = ours["fresh_per_second"] / reference["fresh_per_second"]
    row("cron parse + first next fire/s", f"{ours['fresh_per_second']:,}", f"{reference['fresh_per_second']:,} cronsim",
        f"{ratio:.0f}×", "(record)", True)
    row("cron fire times equal to cronsim's", f"{reference['compared'] - reference['mismatches']}/{reference['compared']}",
        "cronsim 2.8", "", "all", reference["mismatches"] == 0)


def main():
    only = set(sys.argv[2:])
    with tempfile.TemporaryDirectory(prefix="picketline-bench-") as work:
        if not only or "http" in only:
            http_benchmarks(work)
        if not only or "cron" in only:
            cron_benchmark(work)
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
    print(f"\nPicketline benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {cpu}\n")
    headers = ("figure", "Picketline", "reference (same run)", "ratio", "target", "met")
    widths = [max(len(str(r[i])) for r in ROWS + [headers]) for i in range(6)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in ROWS:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
