#!/usr/bin/env python3
"""Benchmarks for ec2-dns-updater, against the local simulator on loopback.

One command runs everything and prints tables (Markdown):

    python3 bench/bench.py            # full run (the estimate is printed at the start)
    python3 bench/bench.py --quick    # CI-sized run (about 3.5 minutes once built)

Two updater clients can run side by side: "new" (this checkout) and "baseline"
(built from --baseline REV in a temporary git worktree; not in --quick runs).

Sections (--only picks some):
  boot    one boot end to end: ec2-dns-updater vs a curl + AWS CLI boot script vs
          the same HTTP requests pre-signed and replayed by curl (the floor);
          wall time, CPU time, peak RSS; binary size and crate count
  insync  K updaters, propagation drawn per change in 5..60 s: how late each
          client notices INSYNC, and its GetChange calls (--propagations adds
          the old fixed-propagation table: updater vs the AWS CLI waiter)
  budget  Route 53 / IMDS requests per boot: first, unchanged and changed reboots
  fleet   N updaters booting within 10 s against one rate-limited account with
          propagation 5..60 s and an unrelated client sending 1 request/s,
          baseline and new one after the other

Only the standard library is used. The AWS CLI is installed with pip into
target/bench-venv. Every server is the simulator on 127.0.0.1; nothing leaves
the machine. Results also go to target/bench-results/ (results.md,
results.json) and the fleet plot to docs/benchmarks-fleet.svg (full run) or
target/bench-results/fleet.svg (--quick).
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import http.client as httpclient
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AWSCLI_VERSION = "1.46.3"
ZONE = "Z0123456789ABCDEFGHIJ"  # the simulator's default public zone, example.com.
DEFAULT_HOSTNAME = "ec2-203-0-113-25.compute-1.amazonaws.com"
FLEET_RATE_LIMIT = "50,10,100,10"  # account burst 50, refill 10/s; change bucket 100, 10/s
FLEET_LAUNCH_WINDOW = 10.0  # seconds over which a fleet's processes are started ("booting within 10 s")
FLEET_PROPAGATION = "5..60"  # each change draws its own propagation, uniform in [5 s, 60 s]
ACCOUNT_REFILL = 10.0  # requests/s: the account bucket's refill in FLEET_RATE_LIMIT
INSYNC_STAGGER = 1.5  # seconds between the starts of the parallel fixed-propagation INSYNC runs
INSYNC_PROPAGATION = "5..60"  # the INSYNC section's propagation spread
INSYNC_SPACING = 1.0  # seconds between the INSYNC section's updater starts (per client)
SIM_SEED = 20261123  # --seed for every simulator: the same propagation draws in every run
DEFAULT_BASELINE = "686f013"  # "today's client": the last commit before the rate-limit-aware client
BYSTANDER_NAME = "bystander.example.com."  # the unrelated client's ListResourceRecordSets name
BYSTANDER_RATE = 1.0  # its logical requests per second
REQUESTS_PER_FIRST_BOOT = 3  # ListResourceRecordSets, ChangeResourceRecordSets, GetChange


# ---- small helpers ---------------------------------------------------------


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def percentile(xs, p):
    """Nearest-rank percentile (p in 0..100)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def fmt_s(x):
    if x != x:  # nan
        return "n/a"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    if x < 10:
        return f"{x:.3f} s"
    return f"{x:.1f} s"


def fmt_range(xs, f=fmt_s):
    if not xs:
        return "n/a"
    return f"{f(median(xs))} ({f(min(xs))}–{f(max(xs))})"


def fmt_ratio(x):
    if x != x:
        return "n/a"
    return f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def clean_env(extra=None):
    """The environment for every child: no AWS settings, no proxies, C locale."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("AWS_")
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["LC_ALL"] = "C"
    # Nobody reads ~/.aws: the credential chains must find what we give them.
    env["AWS_CONFIG_FILE"] = "/nonexistent/aws-config"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials"
    if extra:
        env.update(extra)
    return env


TIME = "/usr/bin/time"  # Debian's `time` package


def timed_argv(argv, rss_path):
    """Wraps argv in /usr/bin/time, which writes the peak RSS (KiB) to rss_path.

    Peak RSS has to come from a parent other than this script: a process
    exec'd straight from Python keeps Python's RSS high-water mark (about
    25 MiB) through the exec, whereas /usr/bin/time forks from a small process.
    """
    return [TIME, "-f", "%M", "-o", str(rss_path)] + list(argv)


def read_rss_kib(rss_path):
    try:
        return int(Path(rss_path).read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return float("nan")


def run_measured(argv, env, stdout_path, stderr_path):
    """Runs argv under /usr/bin/time and waits for it alone: wall time (here),
    CPU time (user + sys from wait4: the command, its waited-for children and
    /usr/bin/time's own fraction of a millisecond) and peak RSS of the largest
    single process (from /usr/bin/time)."""
    rss_path = Path(str(stderr_path) + ".rss")
    argv = timed_argv(argv, rss_path)
    fa = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(stdout_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, str(stderr_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "user": ru.ru_utime,
        "sys": ru.ru_stime,
        "maxrss_kib": read_rss_kib(rss_path),
        "rc": os.waitstatus_to_exitcode(status),
    }


def http(method, url, body=None, headers=None, timeout=10):
    assert url.startswith("http://127.0.0.1:"), url  # loopback only
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=timeout) as r:
        return r.read()


def cmd_output(argv, **kw):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True, **kw).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "n/a"


# ---- the simulator ---------------------------------------------------------


class Sim:
    """One ec2-dns-sim process on loopback ports."""

    def __init__(self, binary, workdir, args):
        self.dir = Path(tempfile.mkdtemp(prefix="sim-", dir=workdir))
        ready = self.dir / "ready.json"
        self.proc = subprocess.Popen(
            [str(binary), "--ready-file", str(ready)] + list(args),
            stdin=subprocess.DEVNULL,
            stdout=open(self.dir / "stdout", "wb"),
            stderr=open(self.dir / "stderr", "wb"),
            env=clean_env(),
        )
        deadline = time.monotonic() + 15
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the simulator did not start: {(self.dir / 'stderr').read_text()[-2000:]}"
                )
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        self.imds = info["imds"]
        self.route53 = info["route53"]
        self.key_id = info["static_access_key_id"]
        self.secret = info["static_secret_access_key"]

    def control(self, what):
        return json.loads(http("GET", f"{self.route53}/_sim/{what}"))

    def stats(self):
        return self.control("stats")

    def requests(self):
        return self.control("requests")

    def zones(self):
        return self.control("zones")

    def records(self):
        out = {}
        for z in self.zones():
            for r in z["records"]:
                out[(r["name"], r["rtype"])] = r["values"]
        return out

    def set_metadata(self, path, value):
        http("PUT", f"{self.route53}/_sim/metadata/{path}", body=value.encode())

    def cpu_seconds(self):
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")

    def clock_offset(self, imds_path="/latest/meta-data/instance-id"):
        """harness monotonic time = offset + sim elapsed_ms / 1000: one logged
        IMDS request, timed on both sides."""
        t0 = time.monotonic()
        http("GET", self.imds + imds_path)
        t1 = time.monotonic()
        entry = [r for r in self.requests() if r["service"] == "Imds"][-1]
        return (t0 + t1) / 2 - entry["elapsed_ms"] / 1000

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def stats_delta(before, after):
    ops = {
        k: after["operations"].get(k, 0) - before["operations"].get(k, 0)
        for k in set(after["operations"]) | set(before["operations"])
    }
    return {
        "imds": after["imds_requests"] - before["imds_requests"],
        "route53": after["route53_requests"] - before["route53_requests"],
        "ops": {k: v for k, v in ops.items() if v},
        "throttled": after["throttled"] - before["throttled"],
    }


# ---- the three ways to boot ------------------------------------------------

CLI_SCRIPT = r"""#!/bin/bash
# What users write today: IMDSv2 with curl, then the AWS CLI.
set -euo pipefail
TOKEN=$(curl -sSf -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
HOST=$(curl -sSf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/latest/meta-data/public-hostname")
CHANGE_ID=$(aws route53 change-resource-record-sets --endpoint-url "$ROUTE53" \
  --hosted-zone-id "$ZONE" --query ChangeInfo.Id --output text \
  --change-batch "{\"Changes\":[{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{\"Name\":\"$NAME\",\"Type\":\"CNAME\",\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"$HOST\"}]}}]}")
echo "$CHANGE_ID"
if [ "${WAIT:-1}" = 1 ]; then
  aws route53 wait resource-record-sets-changed --endpoint-url "$ROUTE53" --id "$CHANGE_ID"
fi
"""

# The floor: the updater's own requests (same order, same paths), each one a
# curl, Route 53 ones carrying AWS3-HTTPS headers signed before the clock
# starts (AWS3-HTTPS signs only the Date header, so one signature serves every
# request of the run).
FLOOR_SCRIPT = r"""#!/bin/bash
set -euo pipefail
TOKEN=$(curl -sSf -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
T="X-aws-ec2-metadata-token: $TOKEN"
IID=$(curl -sSf -H "$T" "$IMDS/latest/meta-data/instance-id")
HOST=$(curl -sSf -H "$T" "$IMDS/latest/meta-data/public-hostname")
ROLE=$(curl -sSf -H "$T" "$IMDS/latest/meta-data/iam/security-credentials/")
curl -sSf -o /dev/null -H "$T" "$IMDS/latest/meta-data/iam/security-credentials/$ROLE"
A=(-H "Date: $SIGNED_DATE" -H "X-Amz-Security-Token: $SESSION_TOKEN" -H "X-Amzn-Authorization: $AUTHORIZATION")
curl -sSf -o /dev/null "${A[@]}" "$ROUTE53/2013-04-01/hostedzone/$ZONE/rrset?name=$NAME.&type=CNAME&maxitems=1"
BODY="<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Comment>floor on $IID</Comment><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>$NAME.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>$HOST</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
ANSWER=$(curl -sSf "${A[@]}" -H "Content-Type: application/xml" --data-binary "$BODY" "$ROUTE53/2013-04-01/hostedzone/$ZONE/rrset/")
[[ $ANSWER =~ \<Id\>/change/([A-Z0-9]+)\</Id\> ]] || { echo "no change id in: $ANSWER" >&2; exit 1; }
echo "${BASH_REMATCH[1]}"
if [ "${WAIT:-1}" = 1 ]; then
  STATUS=$(curl -sSf "${A[@]}" "$ROUTE53/2013-04-01/change/${BASH_REMATCH[1]}")
  [[ $STATUS == *"<Status>INSYNC</Status>"* ]] || { echo "not INSYNC: $STATUS" >&2; exit 1; }
fi
"""


def aws3_https_headers(sim):
    """Signs AWS3-HTTPS with the role credentials the simulator's IMDS hands
    out (what the updater uses): Signature = base64(HMAC-SHA256(secret, Date))."""
    token = http("PUT", sim.imds + "/latest/api/token",
                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}).decode()
    h = {"X-aws-ec2-metadata-token": token}
    base = sim.imds + "/latest/meta-data/iam/security-credentials/"
    role = http("GET", base, headers=h).decode().split()[0]
    doc = json.loads(http("GET", base + role, headers=h))
    date = email.utils.formatdate(usegmt=True)
    sig = base64.b64encode(
        hmac.new(doc["SecretAccessKey"].encode(), date.encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "SIGNED_DATE": date,
        "SESSION_TOKEN": doc["Token"],
        "AUTHORIZATION": f"AWS3-HTTPS AWSAccessKeyId={doc['AccessKeyId']},Algorithm=HmacSHA256,Signature={sig}",
    }


# Error codes botocore's standard retry mode retries (throttling and transient
# errors), plus HTTP 429/5xx and connection errors (status 0 here).
BOTOCORE_RETRYABLE = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable",
}


class Bystander:
    """An unrelated client in the same account: one logical request per second
    (ListResourceRecordSets of its own name, so the harness can tell its
    requests apart in the simulator's log), signed AWS3-HTTPS with the
    simulator's static key pair, retried as botocore's standard retry mode
    does: up to 3 attempts, sleeping uniform(0, 1) · 2^n s between them
    (n = 0, 1; capped at 20 s). Each logical request runs in its own thread,
    so a slow one does not delay the next second's. Logical request k starts
    at a random moment of second k: the fleet is launched on an even 0.1 s
    grid and polls whole seconds after its changes, so a request on the
    whole second would always meet the same updaters (its success rate then
    swung between 58 % and 94 % from run to run)."""

    MAX_ATTEMPTS = 3
    MAX_BACKOFF = 20.0

    def __init__(self, sim, seed):
        assert sim.route53.startswith("http://127.0.0.1:"), sim.route53  # loopback only
        self.port = int(sim.route53.rsplit(":", 1)[1])
        self.key_id, self.secret = sim.key_id, sim.secret
        self.path = (f"/2013-04-01/hostedzone/{ZONE}/rrset"
                     f"?name={BYSTANDER_NAME}&type=TXT&maxitems=1")
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.outcomes = []  # per logical request: attempts used, succeeded, codes
        self.workers = []
        self.main = None

    @staticmethod
    def is_own(entry):
        """Whether a simulator request-log entry is one of its requests."""
        return BYSTANDER_NAME in entry.get("query", "")

    def start(self, t0):
        self.main = threading.Thread(target=self._schedule, args=(t0,), daemon=True)
        self.main.start()

    def finish(self):
        """Stops starting logical requests and waits for those under way."""
        self.stop.set()
        if self.main:
            self.main.join()
        for t in self.workers:
            t.join()

    def _schedule(self, t0):
        k = 0
        while True:
            with self.lock:
                at = t0 + (k + self.rng.random()) / BYSTANDER_RATE
            if self.stop.wait(max(0.0, at - time.monotonic())):
                break
            t = threading.Thread(target=self._logical, daemon=True)
            t.start()
            self.workers.append(t)
            k += 1

    def _attempt(self):
        date = email.utils.formatdate(usegmt=True)
        sig = base64.b64encode(
            hmac.new(self.secret.encode(), date.encode(), hashlib.sha256).digest()).decode()
        headers = {
            "Date": date,
            "X-Amzn-Authorization":
                f"AWS3-HTTPS AWSAccessKeyId={self.key_id},Algorithm=HmacSHA256,Signature={sig}",
        }
        conn = httpclient.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", self.path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            m = re.search(rb"<Code>([^<]+)</Code>", body)
            return resp.status, (m.group(1).decode() if m else None)
        except (OSError, httpclient.HTTPException) as e:
            return 0, type(e).__name__
        finally:
            conn.close()

    def _logical(self):
        codes = []
        ok = False
        for attempt in range(self.MAX_ATTEMPTS):
            if attempt:
                with self.lock:
                    u = self.rng.random()
                time.sleep(min(self.MAX_BACKOFF, u * 2 ** (attempt - 1)))
            status, code = self._attempt()
            codes.append(code or status)
            if status == 200:
                ok = True
                break
            if not (status == 0 or status == 429 or status >= 500 or code in BOTOCORE_RETRYABLE):
                break
        with self.lock:
            self.outcomes.append({"attempts": len(codes), "ok": ok, "codes": codes})

    def summary(self):
        n = len(self.outcomes)
        first = sum(1 for o in self.outcomes if o["ok"] and o["attempts"] == 1)
        within = sum(1 for o in self.outcomes if o["ok"])
        return {
            "logical_requests": n,
            "attempts": sum(o["attempts"] for o in self.outcomes),
            "first_attempt_ok": first,
            "ok_within_3": within,
            "first_attempt_rate": first / n if n else float("nan"),
            "within_3_rate": within / n if n else float("nan"),
        }


def fleet_instance_id(n):
    """The simulator's instance id for fleet member n (`sim/src/imds/metadata.rs`)."""
    return f"i-fleet{n:012}"


def updater_config(path, sim, name, imds_suffix="", wait=True, extra=""):
    path.write_text(
        f"""[[record]]
zone = "{ZONE}"
name = "{name}"
ttl = 60

[route53]
endpoint = "{sim.route53}"
wait = {"true" if wait else "false"}

[imds]
endpoint = "{sim.imds}{imds_suffix}"
{extra}"""
    )


def give_up_reason(message, rc):
    """An updater's last error with what differs per instance (request ids,
    counts, seconds) taken out, so that give-ups group by cause."""
    if not message:
        return f"exit {rc}"
    text = re.sub(r",? *request id [0-9A-Za-z-]+", "", message)
    text = re.sub(r"(?<!HTTP )(?<!Route )(?<![\w.])\d+(?:\.\d+)?", "N", text)
    return f"exit {rc}: {text[:200]}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        if not target.is_absolute():
            target = REPO / target
        self.target = target
        self.updater = target / "release" / "ec2-dns-updater"
        self.simbin = target / "release" / "ec2-dns-sim"
        self.venv = REPO / "target" / "bench-venv"
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix="ec2-dns-bench-"))
        self.results = {"mode": "quick" if self.quick else "full"}
        self.md = []
        self.sims = []
        self.bash = shutil.which("bash")
        self.curl = shutil.which("curl")
        # The clients compared side by side; setup_clients() puts the baseline first.
        self.clients = [{"key": "new", "label": "new", "binary": self.updater, "commit": None}]

    # -- setup --

    def build(self):
        if self.args.skip_build:
            return
        log("cargo build --release -p ec2-dns-updater -p ec2-dns-sim")
        t0 = time.monotonic()
        subprocess.run(
            ["cargo", "build", "--release", "-p", "ec2-dns-updater", "-p", "ec2-dns-sim"],
            cwd=REPO, check=True,
        )
        self.results["build_seconds"] = round(time.monotonic() - t0, 1)

    def setup_clients(self, sections):
        """"new" is this checkout's updater; "baseline" ("today's client") is
        --baseline REV, built once per commit in a temporary git worktree with
        its own target directory, and kept as <target>/bench-baseline/bin/<commit>/."""
        head = cmd_output(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"])
        self.clients[0]["label"] = f"new ({head})"
        self.clients[0]["commit"] = head
        rev = self.args.baseline
        info = {"rev": rev, "used": False}
        self.results["baseline"] = info
        if self.quick or rev in ("", "none") or not {"insync", "fleet"} & set(sections):
            info["note"] = "not built: " + ("--quick runs the new client only" if self.quick
                                            else "no section compares clients" if rev not in ("", "none")
                                            else "--baseline none")
            return
        sha = cmd_output(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
        if sha in ("", "n/a"):
            info["note"] = (f"revision {rev} is not in this checkout (a shallow clone?): "
                            "running the new client only")
            log("baseline: " + info["note"])
            return
        root = self.target / "bench-baseline"
        binary = root / "bin" / sha / "ec2-dns-updater"
        # Built like the new client: together with the simulator when the
        # revision has it, since cargo unifies the two packages' dependency
        # features and so changes the updater binary (~40 KB bigger).
        has_sim = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{sha}:sim/Cargo.toml"],
                                 stderr=subprocess.DEVNULL).returncode == 0
        command = ["cargo", "build", "--release", "-p", "ec2-dns-updater"] + (
            ["-p", "ec2-dns-sim"] if has_sim else [])
        stamp = binary.parent / "build-command"
        built = binary.exists() and stamp.exists() and stamp.read_text().strip() == " ".join(command)
        info["build_command"] = " ".join(command)
        if built:
            log(f"baseline: reusing {binary}")
        elif self.args.skip_build:
            info["note"] = f"--skip-build and no baseline built for {sha[:12]}: running the new client only"
            log("baseline: " + info["note"])
            return
        else:
            self.build_baseline(sha, root, binary, command)
        self.clients.insert(0, {"key": "baseline", "label": f"baseline ({sha[:12]})",
                                "binary": binary, "commit": sha[:12]})
        info.update(used=True, commit=sha)

    def build_baseline(self, sha, root, binary, command):
        src = root / "src"
        git = ["git", "-C", str(REPO)]

        def drop_worktree():
            if src.exists():
                subprocess.run(git + ["worktree", "remove", "--force", str(src)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                shutil.rmtree(src, ignore_errors=True)
            subprocess.run(git + ["worktree", "prune"], check=False)

        drop_worktree()  # a leftover of an interrupted run
        root.mkdir(parents=True, exist_ok=True)
        log(f"baseline: git worktree add --detach {src} {sha[:12]}; {' '.join(command)} "
            f"(CARGO_TARGET_DIR={root / 'target'})")
        t0 = time.monotonic()
        subprocess.run(git + ["worktree", "add", "--detach", str(src), sha], check=True,
                       stdout=subprocess.DEVNULL)
        try:
            env = dict(os.environ, CARGO_TARGET_DIR=str(root / "target"))
            subprocess.run(command, cwd=src, env=env, check=True)
            binary.parent.mkdir(parents=True, exist_ok=True)
            tmp = binary.with_suffix(".tmp")
            shutil.copy2(root / "target" / "release" / "ec2-dns-updater", tmp)
            os.replace(tmp, binary)
            (binary.parent / "build-command").write_text(" ".join(command) + "\n")
        finally:
            drop_worktree()
        self.results["baseline"]["build_seconds"] = round(time.monotonic() - t0, 1)

    def setup_cli(self):
        aws = self.venv / "bin" / "aws"
        have = cmd_output([str(aws), "--version"]) if aws.exists() else ""
        if f"aws-cli/{AWSCLI_VERSION} " not in have:
            log(f"installing awscli=={AWSCLI_VERSION} into {self.venv}")
            if not (self.venv / "bin" / "python").exists():
                subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run(
                [str(self.venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                 "--disable-pip-version-check", f"awscli=={AWSCLI_VERSION}"],
                check=True,
            )
        self.aws_version = cmd_output([str(aws), "--version"])
        (self.work / "cli-boot.sh").write_text(CLI_SCRIPT)
        (self.work / "floor-boot.sh").write_text(FLOOR_SCRIPT)

    def sim(self, *args):
        s = Sim(self.simbin, self.work, [str(a) for a in args])
        self.sims.append(s)
        return s

    def cli_env(self, sim, name, wait):
        return clean_env({
            "PATH": f"{self.venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "AWS_ACCESS_KEY_ID": sim.key_id,
            "AWS_SECRET_ACCESS_KEY": sim.secret,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "IMDS": sim.imds, "ROUTE53": sim.route53, "ZONE": ZONE, "NAME": name,
            "WAIT": "1" if wait else "0",
        })

    def machine(self):
        cpu = "n/a"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        commit = cmd_output(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"])
        dirty = cmd_output(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
        m = {
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(),
            "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
            "rustc": cmd_output(["rustc", "--version"]),
            "awscli": self.aws_version,
            "curl": cmd_output([self.curl, "--version"]).splitlines()[0],
            "bash": cmd_output([self.bash, "--version"]).splitlines()[0],
            "python": platform.python_version(),
            "updater_commit": commit + (" (with uncommitted changes)" if dirty not in ("", "n/a") else ""),
            "baseline_commit": next((c["commit"] for c in self.clients if c["key"] == "baseline"),
                                    self.results.get("baseline", {}).get("note", "n/a")),
        }
        self.results["machine"] = m
        return m

    def estimate(self, sections):
        """Seconds the sections should take once built (measured on 2 cores)."""
        rounds = self.args.rounds or (5 if self.quick else 20)
        k = self.args.insync_updaters or (10 if self.quick else 30)
        sizes = [int(n) for n in (self.args.fleet or ("100" if self.quick else "100,300,1000")).split(",")]
        t = {"boot": 10 + 3.5 * rounds, "budget": 10,
             "insync": k * INSYNC_SPACING + 65 + (80 if self.args.propagations else 0), "fleet": 0.0}
        for n in sizes:
            for c in self.clients:
                # Today's client, measured: all done at ~125 s (100), ~250 s
                # (300), ~530 s (1000); the updaters' 600 s deadline caps a run.
                t["fleet"] += min(FLEET_LAUNCH_WINDOW + 60 + 0.6 * min(n, 300)
                                  + 0.4 * max(0, n - 300), 620)
        t = {k: v for k, v in t.items() if k in sections}
        serial = t.get("boot", 0) + t.get("budget", 0)
        if self.quick and not self.args.propagations and serial:
            serial = max(serial, t.get("insync", 0))  # run at the same time
        else:
            serial += t.get("insync", 0)
        return serial + t.get("fleet", 0)

    def note_load(self, section):
        self.results.setdefault("loadavg", {})[section] = " ".join(
            Path("/proc/loadavg").read_text().split()[:3])

    # -- 1. one boot --

    def bench_boot(self):
        rounds = self.args.rounds or (5 if self.quick else 20)
        sim = self.sim("--propagation", "0")
        variants = ["updater", "cli", "floor", "updater-nowait", "cli-nowait", "floor-nowait",
                    "updater-nowait-bundle"]
        empty_dir = self.work / "empty-cert-dir"
        empty_dir.mkdir(exist_ok=True)
        runs = {v: [] for v in variants}
        log(f"boot: {rounds} interleaved rounds (+1 warm-up) of {', '.join(variants)}")

        def one(variant, tag):
            name = f"{variant}-{tag}.boot.example.com"
            wait = "-nowait" not in variant
            d = self.work / "boot" / f"{variant}-{tag}"
            d.mkdir(parents=True)
            kind = variant.split("-")[0]
            if kind == "updater":
                updater_config(d / "config.toml", sim, name, wait=wait)
                argv = [str(self.updater), "--config", str(d / "config.toml"),
                        "--state-dir", str(d / "state"), "--log-format", "json"]
                env = clean_env()
                if variant.endswith("-bundle"):
                    # Trust roots from the bundle file only, not also from the
                    # ~300 files of /etc/ssl/certs (what a proposed change saves).
                    env["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
                    env["SSL_CERT_DIR"] = str(empty_dir)
            elif kind == "cli":
                argv = [self.bash, str(self.work / "cli-boot.sh")]
                env = self.cli_env(sim, name, wait)
            else:
                argv = [self.bash, str(self.work / "floor-boot.sh")]
                env = clean_env({"IMDS": sim.imds, "ROUTE53": sim.route53, "ZONE": ZONE,
                                 "NAME": name, "WAIT": "1" if wait else "0",
                                 **aws3_https_headers(sim)})
            before = sim.stats()
            r = run_measured(argv, env, d / "stdout", d / "stderr")
            r.update(stats_delta(before, sim.stats()))
            r["name"] = name + "."
            if r["rc"] != 0:
                raise RuntimeError(f"{variant} failed (exit {r['rc']}): "
                                   f"{(d / 'stderr').read_text()[-1500:]}")
            return r

        for v in variants:  # warm-up: page cache, Python bytecode
            one(v, "warmup")
        rng = random.Random(42)
        for i in range(rounds):
            order = variants[:]
            rng.shuffle(order)
            for v in order:
                runs[v].append(one(v, f"r{i}"))
        records = sim.records()
        for v in variants:
            for r in runs[v]:
                if records.get((r["name"], "CNAME")) != [DEFAULT_HOSTNAME]:
                    raise RuntimeError(f"{v}: {r['name']} does not hold {DEFAULT_HOSTNAME}")

        def ratios(a, b, key="wall"):
            return [x[key] / y[key] for x, y in zip(runs[a], runs[b])]

        res = {"rounds": rounds, "runs": runs}
        res["ratio_cli_over_updater"] = ratios("cli", "updater")
        res["ratio_updater_over_floor"] = ratios("updater", "floor")
        res["ratio_cli_over_updater_nowait"] = ratios("cli-nowait", "updater-nowait")
        res["ratio_updater_over_floor_nowait"] = ratios("updater-nowait", "floor-nowait")
        res["ratio_cpu_cli_over_updater"] = ratios("cli", "updater", "cpu")
        res["ratio_updater_over_bundle_nowait"] = ratios("updater-nowait", "updater-nowait-bundle")
        res["ratio_cli_over_bundle_nowait"] = ratios("cli-nowait", "updater-nowait-bundle")
        self.results["boot"] = res

        labels = {
            "updater": "ec2-dns-updater",
            "cli": "curl + AWS CLI script (change + wait)",
            "floor": "floor: pre-signed curl replay",
            "updater-nowait": "ec2-dns-updater, `wait = false`",
            "cli-nowait": "curl + AWS CLI script without `wait`",
            "floor-nowait": "floor without GetChange",
            "updater-nowait-bundle": "ec2-dns-updater, `wait = false`, CA roots from the bundle file only",
        }
        rows = []
        for v in variants:
            rs = runs[v]
            ops = rs[0]["ops"]
            rows.append([
                labels[v],
                fmt_range([r["wall"] for r in rs]),
                fmt_range([r["cpu"] for r in rs]),
                fmt_range([r["maxrss_kib"] / 1024 for r in rs], lambda x: f"{x:.1f} MiB"),
                f"{rs[0]['imds']} + {rs[0]['route53']} ({', '.join(f'{k} {n}' for k, n in sorted(ops.items()))})",
            ])
        md = [f"### 1. One boot, end to end ({rounds} interleaved rounds, propagation 0 s)\n",
              "Median (min–max). CPU = user + sys of the process and its children; peak RSS = "
              "the largest single process (`/usr/bin/time` %M). Each run writes its own new record.\n",
              table(["variant", "wall", "CPU", "peak RSS", "requests: IMDS + Route 53"], rows), ""]
        rr = [
            ["AWS CLI script ÷ updater (to INSYNC)", res["ratio_cli_over_updater"]],
            ["updater ÷ floor (to INSYNC)", res["ratio_updater_over_floor"]],
            ["AWS CLI script ÷ updater (change accepted, no wait)", res["ratio_cli_over_updater_nowait"]],
            ["updater ÷ floor (change accepted, no wait)", res["ratio_updater_over_floor_nowait"]],
            ["AWS CLI script ÷ updater, CPU time (to INSYNC)", res["ratio_cpu_cli_over_updater"]],
            ["updater ÷ updater with bundle-only CA roots (no wait)", res["ratio_updater_over_bundle_nowait"]],
            ["AWS CLI script ÷ updater with bundle-only CA roots (no wait)", res["ratio_cli_over_bundle_nowait"]],
        ]
        md.append(table(["ratio of wall times, paired per round", "median (min–max)"],
                        [[a, fmt_range(b, fmt_ratio)] for a, b in rr]))
        md.append("")
        self.md.append(("1", "\n".join(md)))

    def build_facts(self):
        size = self.updater.stat().st_size
        stripped = None
        strip = shutil.which("strip")
        if strip:
            tmp = self.work / "stripped"
            subprocess.run([strip, "-o", str(tmp), str(self.updater)], check=True)
            stripped = tmp.stat().st_size

        def crates(edges):
            out = cmd_output(["cargo", "tree", "-p", "ec2-dns-updater", "-e", edges,
                              "--prefix", "none", "--offline"], cwd=REPO)
            names = set()
            for line in out.splitlines():
                line = line.replace("(*)", "").replace("(proc-macro)", "").strip()
                m = re.match(r"(\S+) v(\S+)", line)
                if m:
                    names.add((m.group(1), m.group(2)))
            return len(names)

        facts = {"binary_bytes": size, "stripped_bytes": stripped,
                 "crates_normal": crates("normal"), "crates_normal_build": crates("normal,build")}
        self.results["build_facts"] = facts
        self.md.append(("1b", "\n".join([
            "### Binary and build\n",
            table(["what", "value"], [
                ["release binary (profile strips it)", f"{size:,} bytes ({size / 2**20:.2f} MiB)"],
                ["after `strip` again", f"{stripped:,} bytes" if stripped else "n/a (no strip)"],
                ["crates, `cargo tree -e normal` (incl. the updater and proc-macros)", facts["crates_normal"]],
                ["crates, `cargo tree -e normal,build` (everything compiled for it)", facts["crates_normal_build"]],
            ]), ""])))

    # -- 2. time to INSYNC --

    def bench_insync(self):
        """K updaters per client, each its own record, started INSYNC_SPACING
        apart, against one simulator per client with the propagation drawn per
        change. Every simulator has the same seed and gets its changes in the
        same order, so updater i of every client waits for the same propagation."""
        k = self.args.insync_updaters or (10 if self.quick else 30)
        clients = self.clients
        log(f"insync: {k} updaters per client ({', '.join(c['label'] for c in clients)}), "
            f"propagation {INSYNC_PROPAGATION} s, started {INSYNC_SPACING:.0f} s apart; "
            f"clients interleaved, one simulator each")
        sims = {c["key"]: self.sim("--propagation", INSYNC_PROPAGATION, "--seed", SIM_SEED)
                for c in clients}
        runs = {}
        t0 = time.monotonic() + 0.2

        def one(c, i, at):
            time.sleep(max(0.0, at - time.monotonic()))
            d = self.work / "insync" / f"{c['key']}-{i}"
            d.mkdir(parents=True)
            updater_config(d / "config.toml", sims[c["key"]], f"u{i}.insync.example.com")
            argv = [str(c["binary"]), "--config", str(d / "config.toml"),
                    "--state-dir", str(d / "state"), "--log-format", "json"]
            runs[(c["key"], i)] = run_measured(argv, clean_env(), d / "stdout", d / "stderr")

        threads = []
        for i in range(k):
            for j, c in enumerate(clients):
                at = t0 + i * INSYNC_SPACING + j * INSYNC_SPACING / len(clients)
                threads.append(threading.Thread(target=one, args=(c, i, at)))
                threads[-1].start()
        for t in threads:
            t.join()

        res, rows = {}, []
        for c in clients:
            sim = sims[c["key"]]
            changes = sim.control("changes")
            reqs = sim.requests()
            sim.stop()
            served = {}
            calls = {}
            for e in reqs:
                if e["operation"] != "GetChange":
                    continue
                cid = e["path"].rsplit("/", 1)[-1]
                calls[cid] = calls.get(cid, 0) + 1
                if e["status"] == 200:
                    served[cid] = max(served.get(cid, 0), e["elapsed_ms"])
            late, gets, props = [], [], []
            for ch in changes:
                props.append(ch["propagation_ms"] / 1000)
                gets.append(calls.get(ch["id"], 0))
                if ch["id"] in served:
                    late.append((served[ch["id"]] - ch["insync_ms"]) / 1000)
            fails = [i for i in range(k) if runs[(c["key"], i)]["rc"] != 0]
            r = {
                "updaters": k, "failed": len(fails), "changes": len(changes),
                "propagation_s": props, "late_s": late, "getchange": gets,
                "late_mean": statistics.fmean(late) if late else float("nan"),
                "late_p90": percentile(late, 90),
                "late_max": max(late) if late else float("nan"),
                "getchange_mean": statistics.fmean(gets) if gets else float("nan"),
                "getchange_max": max(gets) if gets else 0,
            }
            res[c["key"]] = r
            rows.append([
                c["label"], f"{k - len(fails)}/{k}",
                f"{statistics.fmean(props):.1f} s ({min(props):.1f}–{max(props):.1f} s)" if props else "n/a",
                fmt_s(r["late_mean"]), fmt_s(r["late_p90"]), fmt_s(r["late_max"]),
                f"{r['getchange_mean']:.1f} / {r['getchange_max']}",
            ])
        self.results["insync"] = res
        self.md.append(("2", "\n".join([
            f"### 2. Time to INSYNC ({k} updaters per client, propagation {INSYNC_PROPAGATION} s "
            "drawn per change)\n",
            f"One simulator per client (`--propagation {INSYNC_PROPAGATION} --seed {SIM_SEED}`, no rate "
            f"limit); updater i of each client starts {INSYNC_SPACING:.0f} s after updater i − 1 and "
            "writes its own record, so updater i of every client waits for the same propagation. "
            "Late = the GetChange that saw INSYNC minus the moment the change turned INSYNC "
            "(applied + its propagation), both on the simulator's clock.\n",
            table(["client", "exit 0", "propagation drawn: mean (min–max)", "noticed late: mean",
                   "p90", "max", "GetChange per change: mean / max"], rows), ""])))

    def bench_insync_fixed(self):
        props = [int(p) for p in (self.args.propagations or ("5,20" if self.quick else "1,5,20,60")).split(",")]
        repeats = self.args.insync_repeats or (1 if self.quick else 3)
        jobs = [(p, c, i) for i in range(repeats) for p in props for c in ("updater", "cli")]
        log(f"insync: propagation {props} s × updater/CLI × {repeats}, in parallel (one simulator "
            f"each), started {INSYNC_STAGGER} s apart")
        results = {}
        errors = []

        def job(p, client, i):
            try:
                sim = self.sim("--propagation", p)
                name = f"{client}.insync.example.com"
                d = self.work / "insync" / f"{client}-{p}-{i}"
                d.mkdir(parents=True)
                if client == "updater":
                    updater_config(d / "config.toml", sim, name)
                    argv = [str(self.updater), "--config", str(d / "config.toml"),
                            "--state-dir", str(d / "state"), "--log-format", "json"]
                    env = clean_env()
                else:
                    argv = [self.bash, str(self.work / "cli-boot.sh")]
                    env = self.cli_env(sim, name, True)
                r = run_measured(argv, env, d / "stdout", d / "stderr")
                if r["rc"] != 0:
                    raise RuntimeError(f"exit {r['rc']}: {(d / 'stderr').read_text()[-1000:]}")
                log_ = sim.requests()
                change = [e for e in log_ if e["operation"] == "ChangeResourceRecordSets" and e["status"] == 200]
                gets = [e for e in log_ if e["operation"] == "GetChange"]
                insync_at = change[0]["elapsed_ms"] + p * 1000
                results[(p, client, i)] = {
                    "getchange": len(gets),
                    "lag": (gets[-1]["elapsed_ms"] - insync_at) / 1000,
                    "total": (gets[-1]["elapsed_ms"] - change[0]["elapsed_ms"]) / 1000,
                    "wall": r["wall"],
                }
                sim.stop()
            except Exception as e:  # reported below
                errors.append(f"{client} propagation {p}: {e}")

        threads = [threading.Thread(target=job, args=j) for j in jobs]
        for t in threads:
            t.start()
            # Apart enough that two AWS CLI start-ups (~0.4 s of CPU each) do
            # not compete for the 2 cores and delay each other's first call.
            time.sleep(INSYNC_STAGGER)
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError("; ".join(errors))
        self.results["insync_fixed"] = {f"{p}/{c}/{i}": v for (p, c, i), v in results.items()}
        rows = []
        for p in props:
            for c in ("updater", "cli"):
                rs = [results[(p, c, i)] for i in range(repeats)]
                rows.append([
                    f"{p} s",
                    "ec2-dns-updater" if c == "updater" else "AWS CLI waiter",
                    fmt_range([r["lag"] for r in rs]),
                    "/".join(str(n) for n in sorted({r["getchange"] for r in rs})),
                    fmt_range([r["total"] for r in rs]),
                ])
        self.md.append(("2b", "\n".join([
            f"### 2b. Time to INSYNC, fixed propagations ({repeats} run{'s' if repeats > 1 else ''} each)\n",
            "Lag = the GetChange that saw INSYNC, minus the moment the simulator turned the change "
            "INSYNC (change applied + propagation), both on the simulator's clock.\n",
            table(["propagation", "client", "noticed after INSYNC", "GetChange calls",
                   "change → noticed"], rows), ""])))

    # -- 3. API budget --

    def bench_budget(self):
        log("budget: first boot, unchanged reboot, changed reboot")
        rows = []
        res = {}

        def count(sim, argv, env, d):
            d.mkdir(parents=True, exist_ok=True)
            before = sim.stats()
            seen = {c["id"] for c in sim.control("changes")}
            r = run_measured(argv, env, d / "stdout", d / "stderr")
            if r["rc"] != 0:
                raise RuntimeError(f"budget run failed: {(d / 'stderr').read_text()[-1000:]}")
            delta = stats_delta(before, sim.stats())
            # The change bucket's price of the batches Route 53 accepted:
            # an UPSERT costs 2, a CREATE or DELETE 1.
            delta["change_cost"] = sum(
                2 if rec["action"] == "UPSERT" else 1
                for c in sim.control("changes") if c["id"] not in seen
                for rec in c["records"])
            return delta

        def row(who, case, delta):
            res[f"{who}/{case}"] = delta
            ops = ", ".join(f"{k} {n}" for k, n in sorted(delta["ops"].items())) or "–"
            rows.append([who, case, delta["route53"], ops, delta["change_cost"], delta["imds"]])

        for refuse in (False, True):
            sim = self.sim("--propagation", "0", *(["--refuse-aws3"] if refuse else []))
            d = self.work / "budget" / ("refuse" if refuse else "plain")
            d.mkdir(parents=True)
            updater_config(d / "config.toml", sim, "web.example.com")
            argv = [str(self.updater), "--config", str(d / "config.toml"),
                    "--state-dir", str(d / "state"), "--log-format", "json"]
            who = "ec2-dns-updater" + (" (Route 53 refuses AWS3-HTTPS)" if refuse else "")
            row(who, "first boot", count(sim, argv, clean_env(), d / "1"))
            row(who, "reboot, nothing changed", count(sim, argv, clean_env(), d / "2"))
            if refuse:
                continue
            sim.set_metadata("public-hostname", "ec2-198-51-100-7.compute-1.amazonaws.com")
            row(who, "reboot, new public hostname", count(sim, argv, clean_env(), d / "3"))
            sim.set_metadata("public-hostname", DEFAULT_HOSTNAME)
            # A fleet's name, from the instance id: nothing else can be there.
            updater_config(d / "fleet.toml", sim, "{instance_id}.fleet.example.com")
            fleet = [str(self.updater), "--config", str(d / "fleet.toml"),
                     "--state-dir", str(d / "fleet-state"), "--log-format", "json"]
            row(who, "first boot, name `{instance_id}.fleet…`", count(sim, fleet, clean_env(), d / "4"))
            cli = [self.bash, str(self.work / "cli-boot.sh")]
            env = self.cli_env(sim, "cli.example.com", True)
            row("curl + AWS CLI script", "first boot", count(sim, cli, env, d / "c1"))
            row("curl + AWS CLI script", "reboot, nothing changed", count(sim, cli, env, d / "c2"))
        self.results["budget"] = res
        self.md.append(("3", "\n".join([
            "### 3. API budget per boot (propagation 0 s)\n",
            "With propagation 0 the simulator's change answer already says INSYNC, so the "
            "updater sends no GetChange; the AWS CLI waiter asks once anyway. Change-bucket "
            "cost from the simulator's change listing (UPSERT = 2, CREATE and DELETE = 1).\n",
            table(["client", "boot", "Route 53 requests", "by operation",
                   "change-bucket cost", "IMDS requests"], rows), ""])))

    # -- 4. a fleet --

    def bench_fleet(self):
        sizes = [int(n) for n in (self.args.fleet or ("100" if self.quick else "100,300,1000")).split(",")]
        panels = []
        self.results["fleet"] = {}
        by = {}
        for idx, n in enumerate(sizes):
            # One simulator per run; which client goes first alternates per size.
            order = self.clients if idx % 2 == 0 else list(reversed(self.clients))
            for c in order:
                r = self.fleet_once(n, c)
                by[(n, c["key"])] = r
                self.results["fleet"].setdefault(str(n), {})[c["key"]] = {
                    k: v for k, v in r.items() if not k.endswith("_times")}
            panels.append({"n": n, "runs": [(c, by[(n, c["key"])]) for c in self.clients]})

        main_rows, call_rows, inst_rows, ratio_rows = [], [], [], []
        reasons = []
        for n in sizes:
            for c in self.clients:
                r = by[(n, c["key"])]
                main_rows.append([
                    n, c["label"], "1st" if r["order"] == 1 else "2nd",
                    fmt_s(r["all_insync"]), fmt_s(r["all_done"]),
                    f"{fmt_s(r['floor'])} ({r['served']:,} ÷ {ACCOUNT_REFILL:.0f}/s)",
                    fmt_ratio(r["convergence"]),
                    r["give_ups"], f"{r['ok_records']}/{n}",
                    f"{r['bystander']['first_attempt_rate'] * 100:.0f} % / "
                    f"{r['bystander']['within_3_rate'] * 100:.0f} % "
                    f"(of {r['bystander']['logical_requests']})",
                ])
                own = r["own_counts"]
                call_rows.append([
                    n, c["label"],
                    f"{r['requests'] / n:.1f} / {r['served'] / n:.1f}",
                    f"{r['throttled']:,}", fmt_ratio(r["throttled"] / r["served"]) if r["served"] else "n/a",
                    f"{r['getchange'] / n:.1f} / {r['getchange_served'] / n:.1f}",
                    f"{own['api_calls']:,} / {own['retries']:,} / "
                    + (f"{own['throttled']:,}" if own["throttled"] is not None else "–"),
                ])
                cpl, lg, le = r["completion"], r["late_getchange"], r["late_exit"]
                inst_rows.append([
                    n, c["label"],
                    f"{fmt_s(percentile(cpl, 50))} / {fmt_s(percentile(cpl, 90))} / "
                    f"{fmt_s(max(cpl) if cpl else float('nan'))}",
                    f"{fmt_s(statistics.fmean(lg) if lg else float('nan'))} / {fmt_s(percentile(lg, 90))} / "
                    f"{fmt_s(max(lg) if lg else float('nan'))}",
                    f"{fmt_s(statistics.fmean(le) if le else float('nan'))} / {fmt_s(percentile(le, 90))}",
                    f"{percentile(r['per_instance_calls'], 50)} / {max(r['per_instance_calls'] or [0])}",
                    f"{r['median_rss_kib'] / 1024:.1f} / {r['max_rss_kib'] / 1024:.1f} MiB",
                    f"{r['fleet_cpu']:.1f} s / {r['sim_cpu']:.1f} s",
                    f"{r['peak_load']:.1f}",
                ])
                for why, count in sorted(r["give_up_reasons"].items(), key=lambda kv: -kv[1]):
                    reasons.append(f"- N = {n}, {c['label']}: {count} × {why}")
            keys = [c["key"] for c in self.clients]
            if "baseline" in keys and "new" in keys:
                b, w = by[(n, "baseline")], by[(n, "new")]

                def q(a, z):
                    return fmt_ratio(a / z) if z else "n/a"

                ratio = {"all_done": w["all_done"] / b["all_done"] if b["all_done"] else float("nan"),
                         "all_insync": w["all_insync"] / b["all_insync"] if b["all_insync"] else float("nan"),
                         "throttled": w["throttled"] / b["throttled"] if b["throttled"] else float("nan"),
                         "requests": w["requests"] / b["requests"] if b["requests"] else float("nan")}
                self.results["fleet"][str(n)]["new_over_baseline"] = ratio
                ratio_rows.append([n, q(w["all_done"], b["all_done"]), q(w["all_insync"], b["all_insync"]),
                                   q(w["throttled"], b["throttled"]), q(w["requests"], b["requests"]),
                                   q(w["served"], b["served"])])
        plot = Path(self.args.plot) if self.args.plot else (
            self.out / "fleet.svg" if self.quick else REPO / "docs" / "benchmarks-fleet.svg")
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_text(fleet_svg(panels))
        self.results["fleet_plot"] = str(plot)
        md = [
            f"### 4. A fleet booting at once (`--rate-limit {FLEET_RATE_LIMIT}`, propagation "
            f"{FLEET_PROPAGATION} s per change, started within {FLEET_LAUNCH_WINDOW:.0f} s, "
            f"an unrelated client at {BYSTANDER_RATE:.0f} request/s)\n",
            "One simulator per run (`--seed` fixed). Times from the first updater started. "
            f"Floor = Route 53 requests the updaters got served (HTTP 200) ÷ {ACCOUNT_REFILL:.0f}/s, "
            "the account bucket's refill (the unrelated client takes about 1/s of it); convergence = "
            "all done ÷ floor, so it includes the propagation tail. All records INSYNC = the "
            "last change's submission + its drawn propagation (the simulator's change listing). "
            "Unrelated client: ListResourceRecordSets once a second from the first start until the "
            "last updater exits, botocore standard retries (3 attempts).\n",
            table(["N", "client", "ran", "all records INSYNC", "all updaters done", "floor",
                   "convergence", "give-ups (exit ≠ 0)", "records correct",
                   "unrelated client OK: 1st attempt / within 3"], main_rows), "",
            "Route 53 calls (the unrelated client's excluded):\n",
            table(["N", "client", "calls per instance: sent / served", "throttled attempts",
                   "throttled ÷ served", "GetChange per instance: sent / served",
                   "updaters' own logs: api_calls / retries / throttled (sum)"], call_rows), "",
            "Per instance (its own start → its exit; late = after its change turned INSYNC, give-ups excluded):\n",
            table(["N", "client", "completion p50 / p90 / max", "INSYNC seen late (last GetChange): "
                   "mean / p90 / max", "exit after INSYNC: mean / p90", "API calls p50 / max",
                   "peak RSS median / max", "CPU: all updaters / simulator", "peak load avg (1 min)"],
                  inst_rows), "",
        ]
        if ratio_rows:
            md += ["New ÷ baseline:\n",
                   table(["N", "all updaters done", "all records INSYNC", "throttled attempts",
                          "calls sent", "calls served"], ratio_rows), ""]
        if reasons:
            md += ["Give-ups:\n"] + reasons + [""]
        md.append(f"Plot: `{plot.relative_to(REPO) if plot.is_relative_to(REPO) else plot}`")
        md.append("")
        self.md.append(("4", "\n".join(md)))

    def fleet_once(self, n, client):
        order = len([k for k in self.results.get("fleet_order", []) if k[0] == n]) + 1
        self.results.setdefault("fleet_order", []).append((n, client["key"]))
        log(f"fleet: {n} × {client['label']}, launched over {FLEET_LAUNCH_WINDOW:.0f} s, "
            f"propagation {FLEET_PROPAGATION} s")
        sim = self.sim("--propagation", FLEET_PROPAGATION, "--seed", SIM_SEED, "--fleet", n,
                       "--rate-limit", FLEET_RATE_LIMIT)
        d = self.work / f"fleet-{n}-{client['key']}"
        d.mkdir(parents=True)
        for i in range(1, n + 1):
            # The name a fleet's operator writes: one per instance, from its id.
            updater_config(d / f"{i}.toml", sim, "{instance_id}.fleet.example.com",
                           imds_suffix=f"/i/{i}")
        env = clean_env()
        offset = sim.clock_offset()
        sim_cpu0 = sim.cpu_seconds()
        starts, exits = {}, {}
        ru_cpu = [0.0]
        done = threading.Event()
        pids = {}
        lock = threading.Lock()

        def reaper():
            while True:
                with lock:
                    if len(exits) == n:
                        break
                try:
                    pid, status, ru = os.wait4(-1, 0)
                except ChildProcessError:
                    time.sleep(0.01)
                    continue
                t = time.monotonic()
                with lock:
                    i = pids.get(pid)
                    if i is None:
                        continue  # not ours (a simulator that exited)
                    exits[i] = (t, os.waitstatus_to_exitcode(status))
                    ru_cpu[0] += ru.ru_utime + ru.ru_stime
            done.set()

        loads = []

        def monitor():
            while not done.wait(1.0):
                loads.append(float(Path("/proc/loadavg").read_text().split()[0]))

        threading.Thread(target=reaper, daemon=True).start()
        threading.Thread(target=monitor, daemon=True).start()
        bystander = Bystander(sim, seed=n)
        t0 = time.monotonic()
        bystander.start(t0)
        for i in range(1, n + 1):
            target = t0 + (i - 1) * FLEET_LAUNCH_WINDOW / n
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            fa = [
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, str(d / f"{i}.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            ]
            argv = timed_argv([str(client["binary"]), "--config", str(d / f"{i}.toml"),
                               "--state-dir", str(d / f"state-{i}"), "--log-format", "json"],
                              d / f"{i}.rss")
            with lock:
                pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
                pids[pid] = i
                starts[i] = time.monotonic()
        launch_span = max(starts.values()) - t0
        # The updater's own deadline is 600 s; allow a margin, then stop stragglers.
        if not done.wait(720):
            log("fleet: stragglers after 720 s, sending SIGTERM")
            with lock:
                for pid, i in pids.items():
                    if i not in exits:
                        os.kill(pid, signal.SIGTERM)
            done.wait(30)
        bystander.finish()
        sim_cpu = sim.cpu_seconds() - sim_cpu0
        stats = sim.stats()
        reqlog = sim.requests()
        changes = sim.control("changes")
        records = sim.records()
        sim.stop()
        if len(reqlog) >= 200_000:
            log("fleet: the simulator's request log is full (200,000 entries): counts are low")

        ok = 0
        for i in range(1, n + 1):
            want = f"ec2-10-{i // 256}-{i % 256}-1.compute-1.amazonaws.com"
            if records.get((f"{fleet_instance_id(i)}.fleet.example.com.", "CNAME")) == [want]:
                ok += 1
        r53 = [e for e in reqlog if e["service"] == "Route53" and not Bystander.is_own(e)]
        served = sum(1 for e in r53 if e["status"] == 200)
        throttled = sum(1 for e in r53 if e["error_code"] == "Throttling")
        gets = [e for e in r53 if e["operation"] == "GetChange"]
        last_get = {}
        for e in gets:
            if e["status"] == 200:
                cid = e["path"].rsplit("/", 1)[-1]
                last_get[cid] = max(last_get.get(cid, 0), e["elapsed_ms"])
        # Each instance's (last) change, by the record it wrote.
        change_of = {}
        for ch in changes:
            for rec in ch["records"]:
                m = re.fullmatch(r"i-fleet(\d{12})\.fleet\.example\.com\.", rec["name"])
                if m:
                    change_of[int(m.group(1))] = ch
        insync_times = sorted(offset + ch["insync_ms"] / 1000 - t0 for ch in change_of.values())

        calls, give_ups, reasons = [], 0, {}
        own = {"api_calls": 0, "retries": 0, "throttled": None}
        completion, exit_times, late_get, late_exit = [], [], [], []
        for i in range(1, n + 1):
            t, rc = exits.get(i, (None, None))
            summary = None
            last_error = None
            for line in (d / f"{i}.log").read_text(errors="replace").splitlines():
                try:
                    fields = json.loads(line).get("fields", {})
                except ValueError:
                    continue
                if "api_calls" in fields:
                    summary = fields
                if "exit_code" in fields:
                    last_error = fields.get("message", "")
            if summary:
                own["api_calls"] += summary.get("api_calls", 0)
                own["retries"] += summary.get("retries", 0)
                if "throttled" in summary:
                    own["throttled"] = (own["throttled"] or 0) + summary["throttled"]
            if rc != 0:
                give_ups += 1
                key = give_up_reason(last_error, rc)
                reasons[key] = reasons.get(key, 0) + 1
                continue
            exit_times.append(t - t0)
            completion.append(t - starts[i])
            if summary:
                calls.append(summary["api_calls"])
            ch = change_of.get(i)
            if ch:
                if ch["id"] in last_get:
                    late_get.append((last_get[ch["id"]] - ch["insync_ms"]) / 1000)
                late_exit.append(t - (offset + ch["insync_ms"] / 1000))
        rss = [read_rss_kib(d / f"{i}.rss") for i in range(1, n + 1)]
        rss = [x for x in rss if x == x]
        floor = served / ACCOUNT_REFILL
        all_done = max(exit_times) if exit_times else float("nan")
        r = {
            "n": n,
            "client": client["key"],
            "commit": client["commit"],
            "order": order,
            "all_insync": insync_times[-1] if insync_times else float("nan"),
            "all_done": all_done,
            "floor": floor,
            "convergence": all_done / floor if floor else float("nan"),
            "requests": len(r53),
            "served": served,
            "throttled": throttled,
            "getchange": len(gets),
            "getchange_served": sum(1 for e in gets if e["status"] == 200),
            "sim_stats": stats,
            "own_counts": own,
            "give_ups": give_ups,
            "give_up_reasons": reasons,
            "ok_records": ok,
            "bystander": bystander.summary(),
            "completion": completion,
            "late_getchange": late_get,
            "late_exit": late_exit,
            "per_instance_calls": calls,
            "launch_span": launch_span,
            "max_rss_kib": max(rss) if rss else float("nan"),
            "median_rss_kib": median(rss),
            "fleet_cpu": ru_cpu[0],
            "sim_cpu": sim_cpu,
            "peak_load": max(loads) if loads else float("nan"),
            "insync_times": insync_times,
            "exit_times": sorted(exit_times),
            "launch_times": sorted(t - t0 for t in starts.values()),
        }
        bs = r["bystander"]
        log(f"fleet {n} {client['key']}: all INSYNC {r['all_insync']:.1f} s, all done {all_done:.1f} s, "
            f"floor {floor:.0f} s, give-ups {give_ups}, throttled {throttled}, "
            f"unrelated client {bs['first_attempt_ok']}/{bs['ok_within_3']}/{bs['logical_requests']}")
        return r

    # -- report --

    def report(self, sections, elapsed):
        m = self.results["machine"]
        m["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
        head = [
            f"## Results ({self.results['mode']} run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{elapsed / 60:.1f} min)\n",
            table(["machine / version", "value"], [
                ["CPU", f"{m['nproc']} × {m['cpu']}"],
                ["memory", f"{m['memory_gib']} GiB"],
                ["kernel", m["kernel"]],
                ["load average (1, 5, 15 min) at start / end", f"{' '.join(m['loadavg_start'])} / {' '.join(m['loadavg_end'])}"],
                ["load average as each section began", "; ".join(
                    f"{k}: {v}" for k, v in self.results.get("loadavg", {}).items())],
                ["updater commit (new)", m["updater_commit"]],
                ["baseline commit", m["baseline_commit"]],
                ["section times", ", ".join(f"{k} {v:.0f} s" for k, v in self.results.get("section_seconds", {}).items())
                 + (f" ({self.results['overlap']})" if self.results.get("overlap") else "")],
                ["rustc", m["rustc"]],
                ["AWS CLI", m["awscli"]],
                ["curl", m["curl"]],
                ["bash / python", f"{m['bash']} / {m['python']}"],
                ["command", "python3 bench/bench.py " + " ".join(sys.argv[1:])],
            ]), ""]
        # Sections may finish out of order (--quick overlaps insync with boot and budget).
        text = "\n".join(head + [md for _, md in sorted(self.md, key=lambda x: x[0])])
        print(text)
        (self.out / "results.md").write_text(text + "\n")
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1, default=str) + "\n")
        log(f"wrote {self.out / 'results.md'} and results.json")

    def cleanup(self):
        for s in self.sims:
            try:
                s.stop()
            except Exception:
                pass
        shutil.rmtree(self.work, ignore_errors=True)


# ---- the plot ----------------------------------------------------------------


def nice_step(span, target=8):
    for s in (1, 2, 5, 10, 20, 30, 60, 120, 300, 600):
        if span / s <= target:
            return s
    return 1200


CLIENT_COLOURS = {"baseline": "#1f77b4", "new": "#d62728"}


def fleet_svg(panels):
    """One panel per fleet size: for each client, records INSYNC at Route 53
    (solid) and updaters done (dashed) over time; updaters started in grey."""
    # The legend goes under each panel's axis, two entries a row.
    rows = (1 + 2 * max((len(p["runs"]) for p in panels), default=1) + 1) // 2
    W, ML, MR, MT = 900, 70, 20, 40
    MB = 50 + 17 * rows + 6
    PH = 250 + MB
    H = len(panels) * PH + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           '<text x="450" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
           f'Records in sync over time: a fleet booting within {FLEET_LAUNCH_WINDOW:.0f} s '
           f'(burst 50, 10 requests/s, propagation {FLEET_PROPAGATION} s)</text>']
    for k, p in enumerate(panels):
        n = p["n"]
        top = 30 + k * PH + MT
        h = PH - MT - MB
        left, w = ML, W - ML - MR
        ends = [v for _, r in p["runs"] for v in (r["all_done"], r["all_insync"]) if v == v]
        tmax = max(ends + [FLEET_LAUNCH_WINDOW]) * 1.05
        x = lambda t: left + w * max(0.0, t) / tmax  # noqa: E731
        y = lambda c: top + h - h * c / n  # noqa: E731
        out.append(f'<text x="{left}" y="{top - 8}" font-weight="bold">N = {n} updaters</text>')
        out.append(f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
        step = nice_step(tmax)
        t = 0
        while t <= tmax:
            out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + h}" stroke="#eee"/>')
            out.append(f'<text x="{x(t):.1f}" y="{top + h + 15}" text-anchor="middle">{t}</text>')
            t += step
        for frac in (0, 0.25, 0.5, 0.75, 1):
            c = round(n * frac)
            out.append(f'<line x1="{left}" y1="{y(c):.1f}" x2="{left + w}" y2="{y(c):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y(c) + 4:.1f}" text-anchor="end">{c}</text>')
        out.append(f'<text x="{left + w / 2}" y="{top + h + 32}" text-anchor="middle">'
                   'seconds since the first updater started</text>')

        def steps(times, colour, width, dash=""):
            pts = [f"{x(0):.1f},{y(0):.1f}"]
            for i, t in enumerate(times):
                pts.append(f"{x(t):.1f},{y(i):.1f}")
                pts.append(f"{x(t):.1f},{y(i + 1):.1f}")
            if times:
                pts.append(f"{x(tmax):.1f},{y(len(times)):.1f}")
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" '
                       f'stroke-dasharray="{dash}" points="{" ".join(pts)}"/>')

        legend = []
        for c, r in p["runs"][:1]:
            steps(r["launch_times"], "#bbb", 1)
        for c, r in p["runs"]:
            colour = CLIENT_COLOURS.get(c["key"], "#2ca02c")
            steps(r["insync_times"], colour, 2)
            steps(r["exit_times"], colour, 1.5, "6,4")
            legend.append((colour, "", f"{c['label']}: records INSYNC at Route 53"))
            legend.append((colour, "6,4", f"{c['label']}: updaters done (exit 0)"))
        legend.append(("#bbb", "", "updaters started"))
        for j, (colour, dash, label) in enumerate(legend):
            lx = left + (j % 2) * (w // 2)
            yy = top + h + 56 + (j // 2) * 17
            out.append(f'<line x1="{lx}" y1="{yy - 4}" x2="{lx + 26}" y2="{yy - 4}" stroke="{colour}" '
                       f'stroke-width="2" stroke-dasharray="{dash}"/>')
            out.append(f'<text x="{lx + 32}" y="{yy}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- main ---------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized run, new client only (about 3.5 minutes once built)")
    ap.add_argument("--only", help="comma-separated sections: boot,insync,budget,fleet")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, metavar="REV",
                    help=f"git revision of today's client, run beside this checkout's in the insync "
                         f"and fleet sections ({DEFAULT_BASELINE}; none = new client only; "
                         "never built with --quick)")
    ap.add_argument("--rounds", type=int, help="boot: interleaved rounds (20; quick 5)")
    ap.add_argument("--insync-updaters", type=int,
                    help=f"insync: updaters per client, started {INSYNC_SPACING:.0f} s apart (30; quick 10)")
    ap.add_argument("--propagations",
                    help="insync: also the old table with fixed propagations, seconds, comma-separated "
                         "(e.g. 1,5,20,60): this checkout's updater vs the AWS CLI waiter")
    ap.add_argument("--insync-repeats", type=int, help="insync, fixed propagations: runs per case (3; quick 1)")
    ap.add_argument("--fleet", help="fleet sizes, comma-separated (100,300,1000; quick 100)")
    ap.add_argument("--plot", help="where the fleet SVG goes")
    ap.add_argument("--out", default=str(REPO / "target" / "bench-results"), help="results directory")
    ap.add_argument("--skip-build", action="store_true", help="use the binaries already built")
    args = ap.parse_args()
    sections = (args.only or "boot,insync,budget,fleet").split(",")
    unknown = set(sections) - {"boot", "insync", "budget", "fleet"}
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    for tool in ("bash", "curl", "cargo", TIME):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is required" + (" (apt-get install time)" if tool == TIME else ""))

    started = time.monotonic()
    b = Bench(args)
    try:
        b.build()
        b.setup_clients(sections)
        b.setup_cli()
        b.machine()
        log(f"clients: {', '.join(c['label'] for c in b.clients)}; estimated time once built: "
            f"{b.estimate(sections) / 60:.1f} min")
        times = b.results.setdefault("section_seconds", {})

        def section(name, *steps):
            b.note_load(name)
            t = time.monotonic()
            for step in steps:
                step()
            times[name] = time.monotonic() - t
            log(f"{name}: {times[name]:.0f} s")

        insync = [b.bench_insync] + ([b.bench_insync_fixed] if args.propagations else [])
        # --quick: the INSYNC section (about 70 s, nearly all of it its updaters
        # sleeping between GetChange calls) runs while boot and budget run.
        overlap = (args.quick and "insync" in sections and not args.propagations
                   and {"boot", "budget"} & set(sections))
        background, failed = None, []
        if overlap:
            b.results["overlap"] = "insync ran at the same time as boot and budget (--quick)"

            def run_insync():
                try:
                    section("insync", *insync)
                except BaseException as e:  # re-raised below
                    failed.append(e)

            background = threading.Thread(target=run_insync)
            background.start()
        try:
            if "boot" in sections:
                section("boot", b.bench_boot, b.build_facts)
            if "insync" in sections and not overlap:
                section("insync", *insync)
            if "budget" in sections:
                section("budget", b.bench_budget)
        finally:
            if background:
                background.join()
        if failed:
            raise failed[0]
        if "fleet" in sections:
            section("fleet", b.bench_fleet)
        b.report(sections, time.monotonic() - started)
    finally:
        b.cleanup()
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
