#!/usr/bin/env python3
"""Writes fuzz/seeds/sigv4/: real requests from crates/aws-sign/vectors/, encoded the
way `arbitrary` 1.x decodes the `Input` struct of fuzz_targets/sigv4.rs.

Run from anywhere: python3 fuzz/tools/gen_sigv4_seeds.py [VECTORS_DIR]
(default: crates/aws-sign/vectors/ in the repository).

The encoding (arbitrary 1.x, `Unstructured`):
- `&str` / `&[u8]`: a length taken from the END of the data (1 byte while at
  most 256 bytes remain, else 2 bytes, big-endian), reduced modulo
  (remaining + 1), then that many bytes from the front;
- `bool`: one byte from the front, `& 1`; `Option<T>`: a bool, then T;
- `Vec<T>`: a bool before each element (1 = another one), 0 to stop;
- `i64`: 8 bytes from the front, little-endian;
- the last field takes all the bytes that are left.
Keep the field order here in step with `struct Input` in sigv4.rs.
"""
import json
import os
import struct
import sys
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "seeds", "sigv4")
VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "crates", "aws-sign", "vectors")


def encode(ops):
    """ops: list of (kind, value); kinds: str, bytes, bool, i64, rest."""
    # The width of each length depends on how much data remains when it is
    # read, which depends on the widths: iterate to a fixed point.
    sized = [i for i, (k, _) in enumerate(ops) if k in ("str", "bytes")]
    widths = {i: 1 for i in sized}
    while True:
        remaining = sum(_size(k, v) for k, v in ops) + sum(widths.values())
        front, lengths, needed = bytearray(), [], {}
        for i, (kind, value) in enumerate(ops):
            data = _data(kind, value)
            if i in widths:
                needed[i] = 1 if remaining <= 256 else 2
                remaining -= widths[i]
                lengths.append((len(data), widths[i]))
            front += data
            remaining -= len(data)
        if needed == widths:
            assert remaining == 0, remaining
            return bytes(front) + b"".join(n.to_bytes(w, "big") for n, w in reversed(lengths))
        widths = needed


def _data(kind, value):
    if kind in ("str", "rest"):
        return value.encode()
    if kind == "bytes":
        return value
    if kind == "bool":
        return bytes([1 if value else 0])
    return struct.pack("<q", value)


def _size(kind, value):
    if kind == "str" or kind == "rest":
        return len(value.encode())
    if kind == "bytes":
        return len(value)
    return {"bool": 1, "i64": 8}[kind]


def seed(method, host, path, query, headers, body, key_id, secret, token, time,
         region, service, sigv4_auth, aws3_auth):
    ops = [("str", method), ("str", host), ("str", path), ("str", query)]
    for name, value in headers:
        ops += [("bool", True), ("str", name), ("str", value)]
    ops += [("bool", False), ("bytes", body), ("str", key_id), ("str", secret)]
    ops += [("bool", token is not None)] + ([("str", token)] if token is not None else [])
    ops += [("i64", time), ("str", region), ("str", service), ("str", sigv4_auth),
            ("rest", aws3_auth)]
    return encode(ops)


def rfc3339_to_unix(text):
    import calendar
    import time as t
    return calendar.timegm(t.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def from_route53_vectors():
    cases = json.load(open(os.path.join(VECTORS, "route53_signing.json")))["cases"]
    wanted = [
        "sigv4/static/change/2015-08-30T12:36:00Z/route53.amazonaws.com",
        "sigv4/role/get-change/2024-02-29T23:59:59Z/route53.amazonaws.com",
        "sigv4/static/list-rrsets/2015-08-30T12:36:00Z/route53.amazonaws.com.cn",
        "sigv4/role/change-comment/2026-11-23T09:05:07Z/route53.amazonaws.com.cn",
        "aws3-https/role/zones-by-name/2026-11-23T09:05:07Z/route53.amazonaws.com",
    ]
    by_name = {c["name"]: c for c in cases}
    for name in wanted:
        c = by_name.get(name)
        if c is None:
            continue
        url = urlsplit(c["request"]["url"])
        added = c["expected_added_headers"]
        creds = c["credentials"]
        yield "r53-" + name.replace("/", "-").replace(":", ""), seed(
            c["request"]["method"], url.netloc, url.path, url.query,
            list(c["request"]["headers"].items()), c["request"]["body"].encode(),
            creds["access_key_id"], creds["secret_access_key"], creds["session_token"],
            rfc3339_to_unix(c["time"]), c["region"], "route53",
            added.get("Authorization", ""), added.get("X-Amzn-Authorization", ""))


def from_aws4_testsuite():
    root = os.path.join(VECTORS, "aws4_testsuite")
    for rel in ["get-header-value-multiline", "get-header-key-duplicate",
                "get-vanilla-query-order-key-case", "get-utf8", "get-vanilla-with-session-token",
                "post-x-www-form-urlencoded-parameters", "normalize-path/get-relative-relative",
                "normalize-path/get-space"]:
        base = os.path.join(root, rel, os.path.basename(rel))
        if not os.path.exists(base + ".req"):
            continue
        req = open(base + ".req", encoding="utf-8").read()
        authz = open(base + ".authz", encoding="utf-8").read().strip()
        head, _, body = req.partition("\n\n")
        lines = head.split("\n")
        # "GET /path?query HTTP/1.1" (the path may contain spaces).
        method, _, target = lines[0].rpartition(" ")[0].partition(" ")
        path, _, query = target.partition("?")
        headers, host, token = [], "", None
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + "\n" + line)
                continue
            name, _, value = line.partition(":")
            if name.lower() == "host":
                host = value
            elif name.lower() == "x-amz-date":
                pass
            elif name.lower() == "x-amz-security-token":
                token = value
            else:
                headers.append((name, value))
        # The session token is only in the signed request (.sreq).
        for line in open(base + ".sreq", encoding="utf-8").read().split("\n"):
            if line.lower().startswith("x-amz-security-token:"):
                token = line.partition(":")[2]
        yield "aws4-" + rel.replace("/", "-"), seed(
            method, host, path, query, headers, body.encode(), "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token, 1440938160, "us-east-1",
            "service", authz, "AWS3-HTTPS AWSAccessKeyId=AKIDEXAMPLE,Algorithm=HmacSHA256,Signature=x=")


def main():
    os.makedirs(OUT, exist_ok=True)
    count = 0
    for name, data in list(from_route53_vectors()) + list(from_aws4_testsuite()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        count += 1
    print(f"wrote {count} seeds to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
