#!/usr/bin/env python3
"""cronsim's side of the cron benchmark: recomputes every fire time picketline-bench wrote,
counts mismatches, and measures cronsim's iterating and fresh rates on the same sequences."""
import json
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from cronsim import CronSim

MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}

data = json.load(open(sys.argv[1]))
cases = data["cases"]
compared = mismatches = 0
prepared = []
for case in cases:
    expression = MACROS.get(case["expression"], case["expression"])
    start = datetime.fromisoformat(case["after"]).astimezone(ZoneInfo(case["timeZone"]))
    prepared.append((expression, start))
    iterator = CronSim(expression, start)
    for expected in case["next"]:
        compared += 1
        if next(iterator).isoformat() != datetime.fromisoformat(expected).isoformat():
            mismatches += 1


def rate(round_function, calls_per_round, seconds=2.0):
    best = 0.0
    for _ in range(3):
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            round_function()
            calls += calls_per_round
        best = max(best, calls / (time.perf_counter() - started))
    return best


def iterating():
    for expression, start in prepared:
        iterator = CronSim(expression, start)
        for _ in range(data["fires_per_sequence"]):
            next(iterator)


def fresh():
    for expression, start in prepared:
        next(CronSim(expression, start))


print(json.dumps({"compared": compared, "mismatches": mismatches,
                  "iterating_per_second": int(rate(iterating, len(prepared) * data["fires_per_sequence"])),
                  "fresh_per_second": int(rate(fresh, len(prepared)))}))
