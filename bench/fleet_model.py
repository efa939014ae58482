#!/usr/bin/env python3
"""A discrete-event model of a fleet booting against one account's Route 53
budget: the tool used to choose the pacer's numbers (src/aws/pacer.rs) and
the GetChange schedules (src/route53/wait.rs) before measuring them for real
with bench.py's fleet section.

What it models, in simulated time (no processes, no sockets):
- N instances whose first Route 53 call starts evenly over a launch window;
- the account's buckets as the simulator has them (`--rate-limit 50,10,100,10`):
  50 requests burst, 10/s refill; 100 change units, 10/s (CREATE 1, UPSERT 2);
- each change propagating in a time drawn uniformly from 5-60 s;
- an unrelated client in the same account sending one request per second;
- per instance, one of the client policies below: which calls it makes, how
  it waits after a throttled answer, and when it polls GetChange.

It reports, per policy: the time until every instance saw INSYNC, requests
served and throttled, the floor (requests served / 10 per s), the unrelated
client's first-attempt success, and GetChange calls per change. A model, not
a measurement: bench.py measures the real binaries; the two agree on the
shape (see docs/BENCHMARKS.md).

    python3 bench/fleet_model.py                 # the table for N = 100, 300, 1000
    python3 bench/fleet_model.py --sweep         # the pacer's windows, and first-call jitter
"""

import argparse
import heapq
import random

RATE = 10.0  # requests/s refill of the account bucket
BURST = 50
CHANGE_RATE = 10.0
CHANGE_BURST = 100


class Buckets:
    def __init__(self):
        self.tokens, self.changes, self.at = float(BURST), float(CHANGE_BURST), 0.0

    def take(self, now, cost):
        dt = now - self.at
        self.at = now
        self.tokens = min(BURST, self.tokens + dt * RATE)
        self.changes = min(CHANGE_BURST, self.changes + dt * CHANGE_RATE)
        # As the simulator: the request takes its account token first; a
        # batch the change bucket cannot pay for is refused after that.
        if self.tokens < 1:
            return False
        self.tokens -= 1
        if self.changes < cost:
            return False
        self.changes -= cost
        return True


def next_at(schedule, late_every, after):
    """The first offset of `schedule` (then every `late_every`) after `after`."""
    for t in schedule:
        if t > after:
            return t
    t = schedule[-1]
    while t <= after:
        t += late_every
    return t


class Previous:
    """The client before issue 12: every boot lists, then UPSERTs a new name
    (2 change units); each call backs off on its own (full jitter, 0.5 s doubling to a
    20 s cap, reset per call); GetChange at 1, 3, 6, 10, ... 61 s, then every
    10 s, whatever happened."""

    name = "previous"
    calls = ("list", "change")
    change_cost = 2

    def __init__(self, rng):
        self.rng, self.attempt = rng, 0

    def first_delay(self):
        return 0.0

    def throttled(self, now):
        ceiling = min(20.0, 0.5 * 2 ** self.attempt)
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def succeeded(self, now):
        self.attempt = 0
        return 0.0

    def poll_at(self, since_change):
        return next_at([1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 61], 10, since_change)


class Paced:
    """This client: a first boot under its own name (`{instance_id}`) CREATEs
    at once (1 change unit); a throttled answer sets the pace (U[1/2, 1] x window, the window
    doubling from `first` to `cap`), each success steps one level back;
    GetChange every 6 s for a minute, or once at 61 s (then every 15 s) when
    the run was throttled."""

    name = "paced"
    calls = ("change",)
    change_cost = 1

    def __init__(self, rng, first=10.0, cap=60.0, jitter=0.0):
        self.rng, self.first, self.cap, self.jitter = rng, first, cap, jitter
        self.level, self.congested = 0, False

    def window(self, k):
        return min(self.cap, self.first * 2**k)

    def first_delay(self):
        return self.rng.uniform(0, self.jitter)

    def throttled(self, now):
        wait = self.rng.uniform(0.5, 1.0) * self.window(self.level)
        self.level += 1
        self.congested = True
        return wait

    def succeeded(self, now):
        self.level = max(0, self.level - 1)
        return self.rng.uniform(0.5, 1.0) * self.window(self.level - 1) if self.level else 0.0

    def poll_at(self, since_change):
        if self.congested:
            return next_at([61], 15, since_change)
        return next_at([6 * k for k in range(1, 11)], 10, since_change)


def run(n, make_client, seed=1, launch=10.0, spread=(5.0, 60.0), horizon=1200.0):
    rng = random.Random(seed)
    buckets = Buckets()
    events, seq = [], 0

    def push(t, what, i):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, what, i))

    clients = [make_client(random.Random(rng.random())) for _ in range(n)]
    state = [{"step": 0, "changed": None, "polls": 0, "done": None} for _ in range(n)]
    for i, c in enumerate(clients):
        push(i * launch / n + c.first_delay(), "call", i)
    for k in range(int(horizon)):
        # Once a second, at a random phase: never in step with the refill.
        push(k + rng.random(), "other", -1)
    served = throttled = 0
    other_ok = other_all = 0
    while events:
        now, _, what, i = heapq.heappop(events)
        if now > horizon:
            break
        if what == "other":
            if all(s["done"] is not None for s in state):
                continue
            other_all += 1
            other_ok += buckets.take(now, 0)
            continue
        c, s = clients[i], state[i]
        step = c.calls[s["step"]] if s["step"] < len(c.calls) else "poll"
        if not buckets.take(now, c.change_cost if step == "change" else 0):
            throttled += 1
            push(now + c.throttled(now), "call", i)
            continue
        served += 1
        pace = c.succeeded(now)
        if step == "poll":
            s["polls"] += 1
            if now - s["changed"] >= s["propagation"]:
                s["done"] = now
                s["late"] = now - s["changed"] - s["propagation"]
                continue
        else:
            s["step"] += 1
            if step == "change":
                s["changed"] = now
                s["propagation"] = rng.uniform(*spread)
        if s["changed"] is None:
            push(now + pace, "call", i)
        else:
            push(max(now + pace, s["changed"] + c.poll_at(now - s["changed"])), "call", i)
    done = [s["done"] for s in state if s["done"] is not None]
    return {
        "n": n,
        "all_insync": max(done) if len(done) == n else float("inf"),
        "served": served,
        "throttled": throttled,
        "floor": served / RATE,
        "other": other_ok / max(1, other_all),
        "polls": sum(s["polls"] for s in state) / n,
        "late": sum(s.get("late", 0.0) for s in state) / max(1, len(done)),
    }


def averaged(n, make_client, seeds):
    rs = [run(n, make_client, seed=s) for s in seeds]
    return {k: sum(r[k] for r in rs) / len(rs) for k in rs[0]}


def row(label, r):
    return (f"| {label} | {r['n']:.0f} | {r['all_insync']:.0f} s | {r['floor']:.0f} s | "
            f"{r['all_insync'] / r['floor']:.2f} | {r['served'] / r['n']:.2f} | "
            f"{r['throttled'] / r['served']:.2f} | {r['other']:.0%} | {r['polls']:.2f} |")


HEADER = ("| client | N | all INSYNC | floor (served / 10/s) | ratio | served per instance | "
          "throttled per served | unrelated client, first attempt | GetChange per change |\n"
          "|---|---|---|---|---|---|---|---|---|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sweep", action="store_true", help="the pacer's windows and first-call jitter")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    seeds = range(1, args.seeds + 1)
    print(HEADER)
    if not args.sweep:
        for n in (100, 300, 1000):
            print(row("previous", averaged(n, Previous, seeds)))
            print(row("paced", averaged(n, Paced, seeds)))
        return
    for first in (2.0, 5.0, 10.0, 20.0):
        for cap in (30.0, 60.0, 120.0):
            r = averaged(1000, lambda g, f=first, c=cap: Paced(g, first=f, cap=c), seeds)
            print(row(f"paced, windows {first:.0f} s doubling to {cap:.0f} s", r))
    for jitter in (0.0, 1.0, 2.0, 5.0):
        for n in (100, 1000):
            r = averaged(n, lambda g, j=jitter: Paced(g, jitter=j), seeds)
            print(row(f"paced, first call jittered over {jitter:.0f} s", r))


if __name__ == "__main__":
    main()
