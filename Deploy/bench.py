#!/usr/bin/env python3
"""Runs the benchmarks behind Deploy/bench.sh and prints the table.

Every Picketline figure is paired with a reference measured in this run on this machine:
  - RSVP intake and the public list: `picketline serve` (release, real SQLite file, WAL with
    synchronous=FULL and group commit) against a bare Hummingbird route in picketline-bench that
    decodes the same JSON (wrk -t1 -c32), in rounds that alternate the two; the median ratio;
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
# Each HTTP figure is the median of ROUNDS paired rounds of DURATION seconds: the reference, then
# Picketline, alternating, so that a slow spell of this shared machine falls on both sides. Single
# rounds of the RSVP intake ranged 44-60 % of the bare route within one run; 5 rounds rather than 3
# keep one such round from being the median (about 40 s more).
DURATION = os.environ.get("BENCH_SECONDS", "5")
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "5"))
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


def rss_mb(pid, field="VmRSS"):
    """A process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
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
    before, retransmitted = cpu_times(), tcp_retransmissions()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after, retransmitted = cpu_times(), tcp_retransmissions() - retransmitted
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    slowest = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", output)
    elapsed = sum(after) - sum(before)
    histogram = re.search(r"histogram_samples=(\d+)", output)
    return {"rate": rate, "total": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "p99_ms": float(p99.group(1)) * scale[p99.group(2)], "max_ms": float(slowest.group(1)) * scale[slowest.group(2)],
            # The share of the machine's CPU time the host took (steal) and spent waiting for the disk
            # (iowait) during the run: a round slowed by the shared machine shows here.
            "steal": (after[7] - before[7]) / elapsed if elapsed else 0.0,
            "iowait": (after[4] - before[4]) / elapsed if elapsed else 0.0,
            # Segments TCP sent again (loopback loses none: a late acknowledgement does it), each
            # a request waiting 200 ms or more.
            "retransmitted": retransmitted,
            # wrk adds samples for coordinated omission (README, Performance): one stall of X ms adds
            # about rate × X, which is what lifts a round's p99 when a commit stalls.
            "added_samples": int(histogram.group(1)) - total if histogram else None}


RSVP_ROUTE = 'http_route="/api/v1/actions/{action}/attendances",http_request_method="POST",http_response_status_code="201",'


def serve_histograms(port):
    """serve's histograms from /metrics that say where an RSVP's time went: the writer's commits and
    writes' waits, and the RSVP route's own duration (handler entry to response) at 201:
    {name: [(upper bound in s, cumulative count)]}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = {}
    for name, bound, count in re.findall(r'^(picketline_database_(?:commit|write|checkpoint)_seconds)_bucket\{le="([^"]+)"\} (\S+)$', text, re.M):
        found.setdefault(name, []).append((float(bound), float(count)))
    for total in re.findall(r'^picketline_database_commit_seconds_sum (\S+)$', text, re.M):
        found["commit_sum"] = float(total)
    for bound, count in re.findall(r'^http_server_request_duration_bucket\{' + re.escape(RSVP_ROUTE) + r'le="([^"]+)"\} (\S+)$', text, re.M):
        found.setdefault("rsvp", []).append((float(bound), float(count)))
    return found


def serve_round(before, after):
    """Where one round's time went inside serve, from its histograms before and after: the writer's
    commits, those over 20 ms and the slowest one's bucket; the checkpoints (a commit that leaves
    1,000 pages in the WAL copies them back before its writes are answered) and the slowest one's
    bucket; the bucket holding the 99th percentile of the writes' waits (queued → committed); and
    that of the RSVP handler's duration (which holds the wait). wrk's p99 well above the handler's was spent outside it: reading the request,
    handing it to the handler, writing the answer, or in wrk itself."""
    def delta(name):
        earlier = dict(before.get(name, []))
        return [(bound, count - earlier.get(bound, 0)) for bound, count in after.get(name, [])]
    def percentile(buckets, fraction):
        total = buckets[-1][1] if buckets else 0
        return next((bound for bound, cumulative in buckets if cumulative >= total * fraction), float("inf")) * 1000
    commits, checkpoints = delta("picketline_database_commit_seconds"), delta("picketline_database_checkpoint_seconds")
    total = commits[-1][1]
    return {"commits": total, "commit_ms": (after.get("commit_sum", 0.0) - before.get("commit_sum", 0.0)) * 1000,
            "slow_commits": total - dict(commits)[0.02], "slowest_commit_ms": percentile(commits, 1.0),
            "checkpoints": checkpoints[-1][1], "slowest_checkpoint_ms": percentile(checkpoints, 1.0),
            "write_p99_ms": percentile(delta("picketline_database_write_seconds"), 0.99),
            "handler_p99_ms": percentile(delta("rsvp"), 0.99)}


def tcp_retransmissions():
    """The machine's count of TCP segments retransmitted (RetransSegs in /proc/net/snmp)."""
    with open("/proc/net/snmp") as snmp:
        rows = [line.split() for line in snmp if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("RetransSegs")])


def cpu_times():
    """The machine's CPU times from /proc/stat (user, nice, system, idle, iowait, irq, softirq, steal)."""
    with open("/proc/stat") as stat:
        return [int(field) for field in stat.readline().split()[1:9]]


RSVP_LUA = """
local thread_tag = "%TAG%"
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"Bench %d","email":"b%s-%d@example.org","consent_to_contact":true}', counter, thread_tag, counter)
  return wrk.format("POST", "%PATH%", {["Content-Type"] = "application/json"}, body)
end
-- wrk's latency histogram after its coordinated-omission correction: how many samples it holds
-- (the responses, and those the correction added).
done = function(summary, latency, requests)
  local samples = 0
  for i = 1, #latency do
    local _, count = latency(i)
    samples = samples + count
  end
  io.write(string.format("histogram_samples=%d\\n", samples))
end
"""


def lua(work, path, tag):
    """A wrk script POSTing RSVPs with e-mails no other run used (`tag`), so each is a new one."""
    file = os.path.join(work, path.strip("/").replace("/", "_") + f"-{tag}.lua")
    with open(file, "w") as handle:
        handle.write(RSVP_LUA.replace("%PATH%", path).replace("%TAG%", tag))
    return file


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def picketline(work, *arguments, env=None):
    return subprocess.run([PICKETLINE, *arguments, "--database", os.path.join(work, "bench.sqlite")],
                          capture_output=True, text=True, check=True, env=env).stdout


def admin_writes(work, tag, count, while_running=None):
    """Milliseconds each of `count` `organisation create` commands took, one after another
    (only those started while `while_running` still runs, when given)."""
    times = []
    for index in range(count):
        if while_running is not None and while_running.poll() is not None:
            break
        started = time.monotonic()
        picketline(work, "organisation", "create", "--name", f"Bench {tag} {index}", "--kind", "union")
        times.append((time.monotonic() - started) * 1000)
    return times


def sqlite_commit_rate(work, synchronous, seconds=3.0):
    """The disk's own limit: single-row IMMEDIATE transactions per second in WAL mode; returns the
    rate, the commits over 20 ms, those over 70 ms and the slowest commit in ms (what the disk does
    without serve)."""
    import sqlite3
    connection = sqlite3.connect(os.path.join(work, f"commits-{synchronous}.sqlite"), isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
    count, slow, stalled, slowest, started = 0, 0, 0, 0.0, time.monotonic()
    while time.monotonic() - started < seconds:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t VALUES (1)")
        committing = time.monotonic()
        connection.execute("COMMIT")
        took = time.monotonic() - committing
        slow, slowest, count = slow + (took > 0.02), max(slowest, took), count + 1
        stalled += took > 0.07
    connection.close()
    return count / (time.monotonic() - started), slow, stalled, slowest * 1000


def disk_benchmark(work, seconds=float(os.environ.get("BENCH_DISK_SECONDS", "240"))):
    """Not in the default run: the disk's own stalls over minutes. Single-row commits (WAL,
    synchronous=FULL) from Python's sqlite3, no serve: how often one commit takes over 20 and 70 ms.
    A stall of 70 ms or more during an RSVP round puts wrk's p99 over 20 ms (README, Performance)."""
    rate, slow, stalled, slowest = sqlite_commit_rate(work, "FULL", seconds=seconds)
    row(f"SQLite single-row commits, FULL, {seconds:.0f} s: rate / over 20 ms / over 70 ms / slowest",
        f"{rate:.0f}/s / {slow} / {stalled} / {slowest:.1f} ms", "", "", "(record)", True)


def http_benchmarks(work):
    picketline(work, "demo")
    picketline(work, "action", "create", "--title", "Bench picket", "--slug", "bench", "--starts", "2099-06-01 12:00",
               "--time-zone", "Europe/London", "--status", "confirmed")
    # Reference: the bare route, kept running (idle) beside serve so that the rounds can alternate.
    bare_port = free_port()
    bare = subprocess.Popen([BENCH, "bare", "--port", str(bare_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        bare_start = wait_ready(bare_port, "/bare/actions")
        time.sleep(1)
        bare_rss = rss_mb(bare.pid)
        env = dict(os.environ, PICKETLINE_HTTP_PUBLIC_WRITES_PER_MINUTE="1000000000")
        port = free_port()
        log = open(os.path.join(work, "serve.log"), "w")
        server = subprocess.Popen([PICKETLINE, "serve", "--port", str(port), "--database", os.path.join(work, "bench.sqlite")],
                                  stdout=log, stderr=log, env=env)
        start_seconds = wait_ready(port, "/readyz")
        time.sleep(1)
        idle_rss = rss_mb(server.pid)
        bare_gets, gets, bare_posts, posts = [], [], [], []
        for _ in range(ROUNDS):
            bare_gets.append(wrk(f"http://127.0.0.1:{bare_port}/bare/actions"))
            gets.append(wrk(f"http://127.0.0.1:{port}/api/v1/actions"))
        for index in range(ROUNDS):
            bare_posts.append(wrk(f"http://127.0.0.1:{bare_port}/bare/rsvp", lua(work, "/bare/rsvp", f"bare{index}")))
            before = serve_histograms(port)
            posts.append(wrk(f"http://127.0.0.1:{port}/api/v1/actions/bench/attendances",
                             lua(work, "/api/v1/actions/bench/attendances", f"r{index}")))
            posts[-1]["serve"] = serve_round(before, serve_histograms(port))
        # An organiser's command beside a serve busy with RSVPs: it must get the write lock in
        # between serve's group commits (see BusyWait.swift).
        idle_admin = admin_writes(work, "idle", 5)
        load = subprocess.Popen(["wrk", "-t1", "-c32", "-d8s", "-s", lua(work, "/api/v1/actions/bench/attendances", "admin"),
                                 f"http://127.0.0.1:{port}/api/v1/actions/bench/attendances"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        busy_admin = admin_writes(work, "busy", 20, while_running=load)
        load.wait()
        peak_rss = rss_mb(server.pid)
    finally:
        if server is not None:
            stop(server)
        stop(bare)
    summary = json.loads(picketline(work, "attendance", "summary", "bench", "--json"))
    # wrk stops mid-flight: requests it sent but did not count may still have been committed.
    answered_201 = sum(post["total"] - post["non2xx"] for post in posts)
    durable = summary["accepted"] >= answered_201
    post_ratio = median([post["rate"] / reference["rate"] for post, reference in zip(posts, bare_posts)])
    get_ratio = median([get["rate"] / reference["rate"] for get, reference in zip(gets, bare_gets)])
    post_rate, bare_post_rate = median([p["rate"] for p in posts]), median([p["rate"] for p in bare_posts])
    get_rate, bare_get_rate = median([g["rate"] for g in gets]), median([g["rate"] for g in bare_gets])
    worst_p99 = max(post["p99_ms"] for post in posts)

    full, full_slow, _, full_slowest = sqlite_commit_rate(work, "FULL")
    normal, _, _, _ = sqlite_commit_rate(work, "NORMAL")
    row("SQLite single-row commits/s, WAL (the disk's limit)", f"{full:.0f} FULL", f"{normal:.0f} NORMAL", "", "(reference)", True)
    row("  the same, FULL: commits over 20 ms / slowest (the disk's own stalls, 3 s)", f"{full_slow} / {full_slowest:.1f} ms", "", "",
        "(record)", True)
    row("RSVPs per fsync'd commit (group commit gain over FULL)", f"{post_rate:.0f}/s", f"{full:.0f}/s", f"{post_rate / full:.1f}×",
        "(record)", True)
    row(f"RSVP intake (POST → 201), req/s, median of {ROUNDS} paired rounds", f"{post_rate:.0f}", f"{bare_post_rate:.0f} bare",
        f"{post_ratio:.0%}", "≥ 50 %", post_ratio >= 0.5)
    row("  per round (Picketline / bare)", " ".join(f"{p['rate'] / 1000:.1f}k" for p in posts),
        " ".join(f"{p['rate'] / 1000:.1f}k" for p in bare_posts), " ".join(f"{p['rate'] / b['rate']:.0%}" for p, b in zip(posts, bare_posts)),
        "(record)", True)
    row("RSVP intake p99 latency, 32 connections, worst round", f"{worst_p99:.1f} ms",
        f"{max(p['p99_ms'] for p in bare_posts):.1f} ms bare", "", "≤ 20 ms", worst_p99 <= 20)
    row("  per round: p99 / slowest, ms (Picketline / bare)", " ".join(f"{p['p99_ms']:.1f}/{p['max_ms']:.0f}" for p in posts),
        " ".join(f"{p['p99_ms']:.1f}/{p['max_ms']:.0f}" for p in bare_posts), "", "(record)", True)
    row("  per round: CPU stolen by the host / waiting for the disk", " ".join(f"{p['steal']:.0%}/{p['iowait']:.0%}" for p in posts),
        " ".join(f"{p['steal']:.0%}/{p['iowait']:.0%}" for p in bare_posts), "", "(record)", True)
    def bound(ms):
        return "≤" + (f"{ms:g}" if ms != float("inf") else "∞")
    row("  per round, inside serve: commits over 20 ms / slowest commit / slowest of N checkpoints (ms)",
        " ".join(f"{p['serve']['slow_commits']:.0f}/{bound(p['serve']['slowest_commit_ms'])}/"
                 + (f"{bound(p['serve']['slowest_checkpoint_ms'])} of {p['serve']['checkpoints']:.0f}" if p['serve']['checkpoints'] else "none")
                 for p in posts), "", "", "(record)", True)
    row("  per round, inside serve: p99 of writes' waits for their commit / p99 of the RSVP handler (ms)",
        " ".join(f"{bound(p['serve']['write_p99_ms'])}/{bound(p['serve']['handler_p99_ms'])}" for p in posts), "", "", "(record)", True)
    row("  per round: samples wrk added for coordinated omission (a stall of X ms adds about rate × X)",
        " ".join(str(p["added_samples"]) for p in posts), " ".join(str(p["added_samples"]) for p in bare_posts), "", "(record)", True)
    row("  per round: TCP segments retransmitted", " ".join(str(p["retransmitted"]) for p in posts),
        " ".join(str(p["retransmitted"]) for p in bare_posts), "", "(record)", True)
    row("RSVPs durable (rows ≥ 201s, synchronous=FULL)", f"{summary['accepted']} rows", f"{answered_201} × 201", "",
        "all", durable and all(post["non2xx"] == 0 for post in posts))
    row(f"Public action list (GET), req/s, median of {ROUNDS} paired rounds", f"{get_rate:.0f}", f"{bare_get_rate:.0f} bare",
        f"{get_ratio:.0%}", "≥ 70 %", get_ratio >= 0.7)
    row("serve start → /readyz (existing database)", f"{start_seconds * 1000:.0f} ms", f"{bare_start * 1000:.0f} ms bare", "", "≤ 300 ms", start_seconds <= 0.3)
    row("serve idle RSS", f"{idle_rss:.1f} MB", f"{bare_rss:.1f} MB bare", f"{idle_rss / bare_rss:.1f}×", "≤ 40 MB", idle_rss <= 40)
    row("serve RSS after the HTTP runs", f"{peak_rss:.1f} MB", "", "", "(record)", True)
    row(f"admin write beside serve taking RSVPs (organisation create, {len(busy_admin)}): median / worst",
        f"{median(busy_admin):.0f} / {max(busy_admin):.0f} ms", f"{median(idle_admin):.0f} ms idle", "", "(record)", True)
    size = os.path.getsize(PICKETLINE) / 1024 / 1024
    row("release binary size", f"{size:.1f} MB", f"{os.path.getsize(BENCH) / 1024 / 1024:.1f} MB bench", "", "(record)", True)


NGINX_CONF = """
worker_processes 2;
pid %WORK%/nginx.pid;
error_log %WORK%/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    server {
        listen 127.0.0.1:%PORT%;
        location / { return 204; }
    }
}
"""


def api(port, method, path, token, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


MAJOR_FAULTS = [0]  # of the last child run_measured ran: pages it had to read back from the disk


def run_measured(command, env=None):
    """Runs a child to completion; returns (seconds, peak RSS in MB, stdout), and keeps its major
    page faults in MAJOR_FAULTS[0] (a page of the binary the kernel dropped from memory is read
    back from the disk as the command starts)."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{command[1]} failed: {child.stderr.read().decode()[-500:]}")
    MAJOR_FAULTS[0] = usage.ru_majflt
    return time.monotonic() - started, usage.ru_maxrss / 1024, output.decode()


class Deliveries:
    """Counts a call-out's delivered rows through the (outbox_id, subscription_id) index, on one
    read-only connection: cheap enough to poll every few milliseconds beside the fan-out."""

    def __init__(self, database):
        import sqlite3
        self.connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, isolation_level=None)

    def event_of(self, callout_id):
        return self.connection.execute("SELECT id FROM outbox WHERE subject_type = 'callout' AND subject_id = ? AND type = 'callout.created'",
                                       (callout_id,)).fetchone()[0]

    def delivered(self, event):
        return self.connection.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE outbox_id = ? AND status = 'delivered'",
                                       (event,)).fetchone()[0]

    def timeline(self, event):
        """Epoch seconds (millisecond resolution, as stored) of one call-out's steps: the event's
        commit, the first delivery row made, the first batch sent, the last batch sent, the last
        answer (sent + its latency), the last record's transaction (before its commit)."""
        epoch = lambda column: f"(julianday({column}) - 2440587.5) * 86400.0"
        occurred = self.connection.execute(f"SELECT {epoch('occurred_at')} FROM outbox WHERE id = ?", (event,)).fetchone()[0]
        made, first, last = self.connection.execute(
            f"SELECT MIN({epoch('created_at')}), MIN({epoch('first_attempt_at')}), MAX({epoch('first_attempt_at')}) "
            f"FROM webhook_deliveries WHERE outbox_id = ?", (event,)).fetchone()
        answered, recorded = self.connection.execute(
            f"SELECT MAX({epoch('a.attempted_at')} + a.latency_milliseconds / 1000.0), MAX({epoch('d.updated_at')}) "
            f"FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.outbox_id = ?", (event,)).fetchone()
        return occurred, made, first, last, answered, recorded

    def made(self, event):
        return self.connection.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE outbox_id = ?", (event,)).fetchone()[0]

    def unsettled(self):
        return self.connection.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE status IN ('pending', 'delivering')").fetchone()[0]

    def wait_for(self, event, count, started, limit=30.0, interval=0.003):
        """Seconds from `started` (time.monotonic) until `count` are delivered; polled every 3 ms,
        so the figure is late by at most that (against Picketline, never for it). Each poll reads
        only indexes (the event's deliveries made, then those not settled: the bench leaves none
        from earlier rounds), about 30 µs against 170 µs for counting the delivered rows: the
        observer takes as little as it can of the two cores the fan-out itself needs."""
        while time.monotonic() < started + limit:
            if self.made(event) >= count and self.unsettled() == 0:
                if self.delivered(event) >= count:
                    break
            time.sleep(interval)
        return time.monotonic() - started


def fanout_benchmark(work, subscriptions=1000, rounds=9):
    nginx_port = free_port()
    with open(os.path.join(work, "nginx.conf"), "w") as handle:
        handle.write(NGINX_CONF.replace("%WORK%", work).replace("%PORT%", str(nginx_port)))
    nginx = subprocess.Popen(["nginx", "-c", os.path.join(work, "nginx.conf"), "-p", work, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = os.path.join(work, "fanout.sqlite")
    env = dict(os.environ, PICKETLINE_WEBHOOKS_ALLOW_CIDRS="127.0.0.1/32", PICKETLINE_WEBHOOKS_MAX_CONCURRENCY="64",
               PICKETLINE_WEBHOOKS_MAX_PER_HOST="64", PICKETLINE_DATABASE_PATH=database, PICKETLINE_LOG_LEVEL="warning")
    picket = "london-picket-kazakhstan-embassy-2022"
    message = "Emergency picket at the embassy tomorrow 12:00 — all out! " + "x" * 400
    try:
        time.sleep(0.5)  # nginx answers 204 at /, which wait_ready (200 only) would not accept
        # Reference: curl posting the same number of 600-byte bodies, 64 at a time.
        body = os.path.join(work, "body.json")
        with open(body, "w") as handle:
            handle.write(json.dumps({"type": "callout.created", "data": {"message": "x" * 540}}))
        config = os.path.join(work, "curl.conf")
        with open(config, "w") as handle:
            handle.write("next\n".join(
                f'url = "http://127.0.0.1:{nginx_port}/hook/{index}"\n'
                f'data-binary = "@{body}"\nheader = "Content-Type: application/json"\noutput = "/dev/null"\n'
                for index in range(subscriptions)))

        def curl():
            return run_measured(["curl", "--silent", "--no-progress-meter", "--fail", "--parallel", "--parallel-max", "64",
                                 "--config", config])[0]

        subprocess.run([PICKETLINE, "demo"], env=env, check=True, capture_output=True)
        token = subprocess.run([PICKETLINE, "token", "create", "--name", "bench", "--role", "admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        port = free_port()
        server = subprocess.Popen([PICKETLINE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, "/readyz")
            for index in range(subscriptions):
                api(port, "POST", "/api/v1/webhooks", token,
                    {"url": f"http://127.0.0.1:{nginx_port}/hook/{index}", "event_types": ["callout.*"], "format": "standard"})
        finally:
            stop(server)
        deliveries = Deliveries(database)
        callout_id = lambda text: int(re.search(r"call-out (\d+)", text).group(1))

        # Each round: curl's run, then Picketline's, one after the other, so that both see the same
        # moment of a shared machine; the ratio is taken per round and the median reported.
        paths = {"cli": [], "api": [], "one": [], "cron": []}
        cli_rounds = []  # per round: the command's own seconds, its major faults, serve's writer

        # 1. As deployed: `serve` runs; an organiser sends the call-out with `picketline callout send`
        #    (the command rings the doorbell, serve's dispatcher wakes at once). From the command's
        #    start to the last delivery recorded.  2. The same through the API (POST → last recorded).
        port = free_port()
        server = subprocess.Popen([PICKETLINE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, "/readyz")
            time.sleep(1.0)  # let the dispatcher finish its first look and go to sleep
            for _ in range(rounds):
                reference = curl()
                before = serve_histograms(port)
                started, wall = time.monotonic(), time.time()
                command_seconds, _, output = run_measured([PICKETLINE, "callout", "send", picket, "--message", message], env=env)
                faults = MAJOR_FAULTS[0]
                event = deliveries.event_of(callout_id(output))
                seconds = deliveries.wait_for(event, subscriptions, started)
                paths["cli"].append((seconds, reference, deliveries.delivered(event)))
                steps = [(step - wall) * 1000 if step is not None else float("nan") for step in deliveries.timeline(event)]
                cli_rounds.append((command_seconds, faults, serve_round(before, serve_histograms(port)), steps))
                time.sleep(0.5)
                reference = curl()
                started = time.monotonic()
                answer = api(port, "POST", f"/api/v1/actions/{picket}/callouts", token, {"message": message})
                event = deliveries.event_of(answer["callout"]["id"] if "callout" in answer else answer["id"])
                seconds = deliveries.wait_for(event, subscriptions, started)
                paths["api"].append((seconds, reference, deliveries.delivered(event)))
                time.sleep(0.5)
            serve_rss = rss_mb(server.pid, "VmHWM")
        finally:
            stop(server)

        # 3. Without the service: `callout send --deliver` sends from the command itself.
        # 4. As run from cron: `callout send`, then `deliver --once` (both processes timed).
        deliver_rss = 0.0
        for _ in range(rounds):
            reference = curl()
            seconds, _, output = run_measured([PICKETLINE, "callout", "send", picket, "--deliver", "--message", message], env=env)
            paths["one"].append((seconds, reference, deliveries.delivered(deliveries.event_of(callout_id(output)))))
            reference = curl()
            send_seconds, _, output = run_measured([PICKETLINE, "callout", "send", picket, "--message", message], env=env)
            deliver_seconds, rss, _ = run_measured([PICKETLINE, "deliver", "--once"], env=env)
            deliver_rss = max(deliver_rss, rss)
            paths["cron"].append((send_seconds + deliver_seconds, reference, deliveries.delivered(deliveries.event_of(callout_id(output)))))
    finally:
        stop(nginx)

    def summary(runs):
        ratio = median([reference / seconds for seconds, reference, _ in runs])
        return median([r[0] for r in runs]), median([r[1] for r in runs]), ratio, min(r[2] for r in runs)

    seconds, reference, ratio, delivered = summary(paths["cli"])
    row(f"Call-out fan-out to {subscriptions} webhooks: picketline callout send → last delivery recorded, serve running",
        f"{seconds * 1000:.0f} ms", f"{reference * 1000:.0f} ms curl --parallel 64", f"{ratio:.0%}", "≥ 90 %", ratio >= 0.9)
    row("  per round: ratio / curl's ms / Picketline's ms / the command's own ms (exec to exit) / its pages read back",
        " ".join(f"{reference / seconds:.0%}/{reference * 1000:.0f}/{seconds * 1000:.0f}/{command * 1000:.0f}/{faults}"
                 for (seconds, reference, _), (command, faults, _, _) in zip(paths["cli"], cli_rounds)), "", "", "(record)", True)
    row("  per round: ms from the command's start to its commit / first delivery made / first batch sent / last batch sent / last answer / last record's write",
        " ".join("/".join(f"{step:.0f}" for step in steps) for _, _, _, steps in cli_rounds), "", "", "(record)", True)
    row("  per round: serve's commits / their ms in all / over 20 ms / slowest (ms)",
        " ".join(f"{writer['commits']:.0f}/{writer['commit_ms']:.0f}/{writer['slow_commits']:.0f}/≤{writer['slowest_commit_ms']:g}"
                 for _, _, writer, _ in cli_rounds), "", "", "(record)", True)
    row("  deliveries recorded as delivered, signed (each run)", f"{delivered}", f"{subscriptions}", "", "all", delivered >= subscriptions)
    for key, label in (("api", "  the same through the API (POST → last delivery recorded)"),
                       ("one", "  without the service: callout send --deliver (one process)"),
                       ("cron", "  without the service: callout send, then deliver --once (as from cron)")):
        seconds, reference, ratio, delivered = summary(paths[key])
        row(label, f"{seconds * 1000:.0f} ms", f"{reference * 1000:.0f} ms curl", f"{ratio:.0%}", "(record)", delivered >= subscriptions)
    row("  peak RSS: serve over these fan-outs / picketline deliver", f"{serve_rss:.1f} MB / {deliver_rss:.1f} MB", "", "", "(record)", True)


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timer_reference(count=200, spread=10.0):
    """Lateness of plain sleeping timers in Python on this machine, the same run: the floor."""
    start = time.time() + 0.5
    deadlines = sorted(start + spread * i / count for i in range(count))
    lateness = []
    for deadline in deadlines:
        delay = deadline - time.time()
        if delay > 0:
            time.sleep(delay)
        lateness.append(max(0.0, time.time() - deadline))
    return lateness


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scheduler_benchmark(work, total=10_000):
    import sqlite3
    from datetime import datetime, timezone
    database = os.path.join(work, "scheduler.sqlite")
    env = dict(os.environ, PICKETLINE_DATABASE_PATH=database, PICKETLINE_REMINDERS_DEFAULT_OFFSETS="1h before",
               PICKETLINE_LOG_LEVEL="warning")
    subprocess.run([PICKETLINE, "migrate"], env=env, check=True, capture_output=True)
    token = subprocess.run([PICKETLINE, "token", "create", "--name", "bench", "--role", "admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    port = free_port()
    server = subprocess.Popen([PICKETLINE, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, "/readyz")
        # Reminders (1 h before start) due between 100 s and 160 s from now, created through the API.
        first_due = time.time() + 100
        def create(index):
            due = first_due + 60.0 * index / total
            start = datetime.fromtimestamp(due + 3600, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            api(port, "POST", "/api/v1/actions", token, {"title": f"Reminder bench {index}", "start_date": start,
                                                         "time_zone": "UTC", "status": "confirmed"})
        for index in range(100):
            create(index)
        time.sleep(1)
        rss_100 = rss_mb(server.pid)
        for index in range(100, total):
            create(index)
        time.sleep(1)
        rss_all = rss_mb(server.pid)
        if time.time() > first_due - 15:
            raise RuntimeError("creating the reminders took too long for the planned due window")
        before = cpu_seconds(server.pid)
        time.sleep(10)
        idle_cpu = (cpu_seconds(server.pid) - before) / 10
        deadline = first_due + 60 + 60
        writer_before = serve_histograms(port)
        fired = 0
        while time.time() < deadline:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                fired = connection.execute("SELECT COUNT(*) FROM scheduler_ledger WHERE job LIKE 'reminder:%'").fetchone()[0]
            if fired >= total:
                break
            time.sleep(2)
        rss_after = rss_mb(server.pid)
        writer = serve_round(writer_before, serve_histograms(port))
    finally:
        stop(server)
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT scheduled_for, fired_at FROM scheduler_ledger WHERE job LIKE 'reminder:%'").fetchall()
    def parse(text):
        return datetime.strptime(text[:23], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
    lateness = [max(0.0, parse(fired) - parse(scheduled)) for scheduled, fired in rows]
    reference = timer_reference()
    p50, p99 = percentile(lateness, 0.5) * 1000, percentile(lateness, 0.99) * 1000
    row(f"Scheduler: {total:,} reminders fired (ledger rows)", f"{len(rows):,}", f"{total:,}", "", "all", len(rows) >= total)
    row("Scheduler lateness p50 / p99", f"{p50:.1f} / {p99:.1f} ms",
        f"{percentile(reference, 0.5) * 1000:.1f} / {percentile(reference, 0.99) * 1000:.1f} ms time.sleep", "", "p99 ≤ 50 ms", p99 <= 50)
    late = sorted(lateness)
    row("  fires later than 50 ms / the latest (p99 passes 50 ms only once more than 1 % of them are)",
        f"{sum(1 for value in late if value > 0.05)} / {late[-1] * 1000 if late else 0:.0f} ms", "", "", "(record)", True)
    row("  serve's commits while firing: over 20 ms / slowest (a stalled commit makes the fires after it late)",
        f"{writer['slow_commits']:.0f} / ≤{writer['slowest_commit_ms']:g} ms", "", "", "(record)", True)
    row("Scheduler CPU while idle (10 s before the first due)", f"{idle_cpu * 100:.2f} %", "", "", "~0", idle_cpu < 0.01)
    row("serve RSS with 100 → 10,000 pending reminders", f"{rss_100:.1f} → {rss_all:.1f} MB", f"{rss_after:.1f} MB after firing",
        f"{rss_all / rss_100:.2f}×", "flat", rss_all / rss_100 < 1.25)


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
    keep = os.environ.get("BENCH_WORK")  # a folder to keep the databases in, for profiling afterwards
    if keep:
        os.makedirs(keep, exist_ok=True)
    with (tempfile.TemporaryDirectory(prefix="picketline-bench-") if not keep else open(os.devnull)) as temporary:
        work = keep or temporary
        if not only or "http" in only:
            http_benchmarks(work)
        if not only or "fanout" in only:
            fanout_benchmark(work)
        if not only or "cron" in only:
            cron_benchmark(work)
        if not only or "scheduler" in only:
            scheduler_benchmark(work)
        if "disk" in only:
            disk_benchmark(work)
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
