#!/usr/bin/env python3
"""Benchmarks for ec2-dns-updater, against the local simulator on loopback.

One command runs everything and prints tables (Markdown):

    python3 bench/bench.py            # full run (about 10 minutes on 2 cores, once built)
    python3 bench/bench.py --quick    # CI-sized run (about 1.5 minutes once built)

Sections (--only picks some):
  boot    one boot end to end: ec2-dns-updater vs a curl + AWS CLI boot script vs
          the same HTTP requests pre-signed and replayed by curl (the floor);
          wall time, CPU time, peak RSS; binary size and crate count
  insync  time to INSYNC with propagation 1/5/20/60 s: updater vs the CLI waiter
  budget  Route 53 / IMDS requests per boot: first, unchanged and changed reboots
  fleet   N updaters booting at once against one rate-limited account

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
FLEET_LAUNCH_WINDOW = 5.0  # seconds over which a fleet's processes are started
INSYNC_STAGGER = 1.5  # seconds between the starts of the parallel INSYNC runs
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


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        if not target.is_absolute():
            target = REPO / target
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
        }
        self.results["machine"] = m
        return m

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
        self.md.append("\n".join(md))

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
        self.md.append("\n".join([
            "### Binary and build\n",
            table(["what", "value"], [
                ["release binary (profile strips it)", f"{size:,} bytes ({size / 2**20:.2f} MiB)"],
                ["after `strip` again", f"{stripped:,} bytes" if stripped else "n/a (no strip)"],
                ["crates, `cargo tree -e normal` (incl. the updater and proc-macros)", facts["crates_normal"]],
                ["crates, `cargo tree -e normal,build` (everything compiled for it)", facts["crates_normal_build"]],
            ]), ""]))

    # -- 2. time to INSYNC --

    def bench_insync(self):
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
        self.results["insync"] = {f"{p}/{c}/{i}": v for (p, c, i), v in results.items()}
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
        self.md.append("\n".join([
            f"### 2. Time to INSYNC ({repeats} run{'s' if repeats > 1 else ''} each)\n",
            "Lag = the GetChange that saw INSYNC, minus the moment the simulator turned the change "
            "INSYNC (change applied + propagation), both on the simulator's clock.\n",
            table(["propagation", "client", "noticed after INSYNC", "GetChange calls",
                   "change → noticed"], rows), ""]))

    # -- 3. API budget --

    def bench_budget(self):
        log("budget: first boot, unchanged reboot, changed reboot")
        rows = []
        res = {}

        def count(sim, argv, env, d):
            d.mkdir(parents=True, exist_ok=True)
            before = sim.stats()
            r = run_measured(argv, env, d / "stdout", d / "stderr")
            if r["rc"] != 0:
                raise RuntimeError(f"budget run failed: {(d / 'stderr').read_text()[-1000:]}")
            return stats_delta(before, sim.stats())

        def row(who, case, delta):
            res[f"{who}/{case}"] = delta
            ops = ", ".join(f"{k} {n}" for k, n in sorted(delta["ops"].items())) or "–"
            # Every batch these clients send holds one UPSERT: 2 changes each.
            cost = 2 * delta["ops"].get("ChangeResourceRecordSets", 0)
            rows.append([who, case, delta["route53"], ops, cost, delta["imds"]])

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
            cli = [self.bash, str(self.work / "cli-boot.sh")]
            env = self.cli_env(sim, "cli.example.com", True)
            row("curl + AWS CLI script", "first boot", count(sim, cli, env, d / "c1"))
            row("curl + AWS CLI script", "reboot, nothing changed", count(sim, cli, env, d / "c2"))
        self.results["budget"] = res
        self.md.append("\n".join([
            "### 3. API budget per boot (propagation 0 s: one GetChange)\n",
            table(["client", "boot", "Route 53 requests", "by operation",
                   "change-bucket cost (UPSERT = 2)", "IMDS requests"], rows), ""]))

    # -- 4. a fleet --

    def bench_fleet(self):
        sizes = [int(n) for n in (self.args.fleet or ("100" if self.quick else "100,300,1000")).split(",")]
        panels = []
        rows = []
        dist_rows = []
        self.results["fleet"] = {}
        for n in sizes:
            r = self.fleet_once(n)
            self.results["fleet"][str(n)] = {k: v for k, v in r.items() if not k.endswith("_times")}
            panels.append(r)
            tmin = r["t_min"]
            rows.append([
                n,
                fmt_s(tmin),
                f"{fmt_s(r['all_insync_server'])} ({r['all_insync_server'] / tmin:.2f}×)",
                f"{fmt_s(r['all_done'])} ({r['all_done'] / tmin:.2f}×)",
                f"{r['route53_requests']:,} ({r['throttled']:,} throttled)",
                f"{r['retries']:,}",
                r["give_ups"],
                f"{r['ok_records']}/{n}",
            ])
            c = r["completion"]
            dist_rows.append([
                n, fmt_s(percentile(c, 50)), fmt_s(percentile(c, 90)), fmt_s(percentile(c, 99)),
                fmt_s(max(c) if c else float("nan")),
                f"{percentile(r['per_instance_calls'], 50)} / {max(r['per_instance_calls'] or [0])}",
                f"{percentile(r['per_instance_retries'], 50)} / {max(r['per_instance_retries'] or [0])}",
                f"{r['launch_span']:.1f} s",
                f"{r['median_rss_kib'] / 1024:.1f} / {r['max_rss_kib'] / 1024:.1f} MiB",
                f"{r['fleet_cpu']:.1f} s / {r['sim_cpu']:.1f} s",
                f"{r['peak_load']:.1f}",
            ])
        plot = Path(self.args.plot) if self.args.plot else (
            self.out / "fleet.svg" if self.quick else REPO / "docs" / "benchmarks-fleet.svg")
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_text(fleet_svg(panels))
        self.results["fleet_plot"] = str(plot)
        self.md.append("\n".join([
            f"### 4. A fleet booting at once (`--rate-limit {FLEET_RATE_LIMIT}`, propagation 0 s, "
            f"processes started over {FLEET_LAUNCH_WINDOW:.0f} s)\n",
            f"Theoretical minimum = {REQUESTS_PER_FIRST_BOOT} Route 53 requests per instance × N ÷ 10 "
            "requests/s. Times from the first process started.\n",
            table(["N", "theoretical minimum", "all records INSYNC (Route 53)",
                   "all updaters done (saw INSYNC)", "Route 53 requests", "retries (sum)",
                   "give-ups (exit ≠ 0)", "records correct"], rows), "",
            "Per instance (its own start → its exit):\n",
            table(["N", "p50", "p90", "p99", "max", "API calls p50 / max", "retries p50 / max",
                   "launch span", "peak RSS median / max", "CPU: all updaters / simulator",
                   "peak load avg (1 min)"], dist_rows), "",
            f"Plot: `{plot.relative_to(REPO) if plot.is_relative_to(REPO) else plot}`", ""]))

    def fleet_once(self, n):
        log(f"fleet: {n} updaters, launched over {FLEET_LAUNCH_WINDOW:.0f} s")
        sim = self.sim("--propagation", "0", "--fleet", n, "--rate-limit", FLEET_RATE_LIMIT)
        d = self.work / f"fleet-{n}"
        d.mkdir(parents=True)
        for i in range(1, n + 1):
            updater_config(d / f"{i}.toml", sim, f"i-{i}.fleet.example.com", imds_suffix=f"/i/{i}")
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
        t0 = time.monotonic()
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
            argv = timed_argv([str(self.updater), "--config", str(d / f"{i}.toml"),
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
        sim_cpu = sim.cpu_seconds() - sim_cpu0
        stats = sim.stats()
        reqlog = sim.requests()
        records = sim.records()
        sim.stop()

        ok = 0
        for i in range(1, n + 1):
            want = f"ec2-10-{i // 256}-{i % 256}-1.compute-1.amazonaws.com"
            if records.get((f"i-{i}.fleet.example.com.", "CNAME")) == [want]:
                ok += 1
        server_times = sorted(
            offset + e["elapsed_ms"] / 1000 - t0
            for e in reqlog
            if e["operation"] == "ChangeResourceRecordSets" and e["status"] == 200
        )
        calls, retries, give_ups, reasons = [], [], 0, {}
        completion, exit_times = [], []
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
            if rc != 0:
                give_ups += 1
                key = (last_error or f"exit {rc}")[:160]
                reasons[key] = reasons.get(key, 0) + 1
                continue
            exit_times.append(t - t0)
            completion.append(t - starts[i])
            if summary:
                calls.append(summary["api_calls"])
                retries.append(summary["retries"])
        rss = [read_rss_kib(d / f"{i}.rss") for i in range(1, n + 1)]
        rss = [x for x in rss if x == x]
        route53_requests = stats["route53_requests"]
        r = {
            "n": n,
            "t_min": REQUESTS_PER_FIRST_BOOT * n / 10.0,
            "all_insync_server": server_times[-1] if server_times else float("nan"),
            "all_done": max(exit_times) if exit_times else float("nan"),
            "route53_requests": route53_requests,
            "throttled": stats["throttled"],
            "operations": stats["operations"],
            "imds_requests": stats["imds_requests"],
            "retries": sum(retries),
            "give_ups": give_ups,
            "give_up_reasons": reasons,
            "ok_records": ok,
            "completion": completion,
            "per_instance_calls": calls,
            "per_instance_retries": retries,
            "launch_span": launch_span,
            "max_rss_kib": max(rss) if rss else float("nan"),
            "median_rss_kib": median(rss),
            "fleet_cpu": ru_cpu[0],
            "sim_cpu": sim_cpu,
            "peak_load": max(loads) if loads else float("nan"),
            "server_times": server_times,
            "exit_times": sorted(exit_times),
            "launch_times": sorted(t - t0 for t in starts.values()),
        }
        log(f"fleet {n}: all INSYNC {r['all_insync_server']:.1f} s, all done {r['all_done']:.1f} s, "
            f"min {r['t_min']:.0f} s, give-ups {give_ups}, retries {r['retries']}")
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
                ["updater commit", m["updater_commit"]],
                ["rustc", m["rustc"]],
                ["AWS CLI", m["awscli"]],
                ["curl", m["curl"]],
                ["bash / python", f"{m['bash']} / {m['python']}"],
                ["command", "python3 bench/bench.py " + " ".join(sys.argv[1:])],
            ]), ""]
        text = "\n".join(head + self.md)
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


def fleet_svg(panels):
    W, PH, ML, MR, MT, MB = 900, 300, 70, 20, 40, 50
    H = len(panels) * PH + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           '<text x="450" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
           'Records in sync over time: a fleet booting at once against one account '
           '(burst 50, 10 requests/s)</text>']
    for k, p in enumerate(panels):
        n = p["n"]
        top = 30 + k * PH + MT
        h = PH - MT - MB
        left, w = ML, W - ML - MR
        tmax = max(p["all_done"] if p["all_done"] == p["all_done"] else 0,
                   p["t_min"] * 1.3, p["all_insync_server"] or 0) * 1.05
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
        # theoretical minimum: 10 requests/s, 3 per instance
        tm = p["t_min"]
        out.append(f'<polyline fill="none" stroke="#888" stroke-dasharray="6,4" '
                   f'points="{x(0):.1f},{y(0):.1f} {x(tm):.1f},{y(n):.1f} {x(tmax):.1f},{y(n):.1f}"/>')
        for tt, label in ((tm, "minimum"), (1.3 * tm, "1.3× minimum")):
            out.append(f'<line x1="{x(tt):.1f}" y1="{top}" x2="{x(tt):.1f}" y2="{top + h}" '
                       'stroke="#c00" stroke-dasharray="2,3"/>')
            right = x(tt) > left + w - 90
            out.append(f'<text x="{x(tt) + (-3 if right else 3):.1f}" y="{top + 12}" fill="#c00" '
                       f'text-anchor="{"end" if right else "start"}">{label}</text>')

        def steps(times, colour, width):
            pts = [f"{x(0):.1f},{y(0):.1f}"]
            for i, t in enumerate(times):
                pts.append(f"{x(t):.1f},{y(i):.1f}")
                pts.append(f"{x(t):.1f},{y(i + 1):.1f}")
            if times:
                pts.append(f"{x(tmax):.1f},{y(len(times)):.1f}")
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" '
                       f'points="{" ".join(pts)}"/>')

        steps(p["launch_times"], "#bbb", 1)
        steps(p["server_times"], "#1f77b4", 2)
        steps(p["exit_times"], "#ff7f0e", 2)
        lx, ly = left + w - 330, top + h - 78
        out.append(f'<rect x="{lx - 8}" y="{ly - 14}" width="330" height="76" fill="white" '
                   'fill-opacity="0.85" stroke="#ccc"/>')
        for j, (colour, dash, label) in enumerate((
                ("#1f77b4", "", "records INSYNC at Route 53 (change accepted)"),
                ("#ff7f0e", "", "updaters done (saw INSYNC, exit 0)"),
                ("#888", "6,4", "ideal: 10 requests/s ÷ 3 per instance"),
                ("#bbb", "", "updaters started"))):
            yy = ly + j * 17
            out.append(f'<line x1="{lx}" y1="{yy - 4}" x2="{lx + 26}" y2="{yy - 4}" stroke="{colour}" '
                       f'stroke-width="2" stroke-dasharray="{dash}"/>')
            out.append(f'<text x="{lx + 32}" y="{yy}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- main ---------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CI-sized run (about 1.5 minutes once built)")
    ap.add_argument("--only", help="comma-separated sections: boot,insync,budget,fleet")
    ap.add_argument("--rounds", type=int, help="boot: interleaved rounds (20; quick 5)")
    ap.add_argument("--propagations", help="insync: seconds, comma-separated (1,5,20,60; quick 5,20)")
    ap.add_argument("--insync-repeats", type=int, help="insync: runs per case (3; quick 1)")
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
        b.setup_cli()
        b.machine()
        if "boot" in sections:
            b.note_load("boot")
            b.bench_boot()
            b.build_facts()
        if "insync" in sections:
            b.note_load("insync")
            b.bench_insync()
        if "budget" in sections:
            b.note_load("budget")
            b.bench_budget()
        if "fleet" in sections:
            b.note_load("fleet")
            b.bench_fleet()
        b.report(sections, time.monotonic() - started)
    finally:
        b.cleanup()
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
