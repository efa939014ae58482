//! Signing agrees byte for byte with AWS's references:
//! `vectors/route53_signing.json` (botocore 1.44.5) and
//! `vectors/aws4_testsuite/` (AWS's official SigV4 suite), both vendored in
//! this crate (see `vectors/README.md`).

use aws_sign::sign::{self, Scheme, SignableRequest, sigv4};
use aws_sign::{Credentials, Timestamp};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn split_url(url: &str) -> (&str, &str, &str) {
    let rest = url.split_once("://").expect("absolute url").1;
    let (authority, path_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    (authority, path, query)
}

#[test]
fn route53_vectors_from_botocore() {
    let text = std::fs::read_to_string(vectors().join("route53_signing.json"))
        .expect("vectors/route53_signing.json is part of the repository");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 96, "the file documents 96 cases");
    let (mut aws3, mut v4) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let c = &case["credentials"];
        let creds = match c["session_token"].as_str() {
            Some(token) => Credentials::new_temporary(
                c["access_key_id"].as_str().unwrap(),
                c["secret_access_key"].as_str().unwrap(),
                token,
                None,
            ),
            None => Credentials::new_static(
                c["access_key_id"].as_str().unwrap(),
                c["secret_access_key"].as_str().unwrap(),
            ),
        };
        let time = Timestamp::parse_rfc3339(case["time"].as_str().unwrap()).unwrap();
        let req = &case["request"];
        let (host, path, query) = split_url(req["url"].as_str().unwrap());
        let headers: Vec<(&str, &str)> = req["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let signable = SignableRequest {
            method: req["method"].as_str().unwrap(),
            host,
            path,
            query,
            headers: &headers,
            body: req["body"].as_str().unwrap().as_bytes(),
        };
        let scheme = match case["scheme"].as_str().unwrap() {
            "aws3-https" => {
                aws3 += 1;
                Scheme::Aws3Https
            }
            "sigv4" => {
                v4 += 1;
                Scheme::SigV4
            }
            other => panic!("{name}: unknown scheme {other}"),
        };
        let region = case["region"].as_str().unwrap();
        let added = sign::sign(scheme, &signable, &creds, time, region, "route53");

        let expected = case["expected_added_headers"].as_object().unwrap();
        assert_eq!(added.len(), expected.len(), "{name}: header count");
        for (exp_name, exp_value) in expected {
            let got = added
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(exp_name))
                .unwrap_or_else(|| panic!("{name}: missing header {exp_name}"));
            assert_eq!(got.value, exp_value.as_str().unwrap(), "{name}: {exp_name}");
        }
        if scheme == Scheme::SigV4 {
            let signed = sigv4::sign(&signable, &creds, time, region, "route53");
            assert_eq!(
                signed.canonical_request,
                case["canonical_request"].as_str().unwrap(),
                "{name}: canonical request"
            );
            assert_eq!(
                signed.string_to_sign,
                case["string_to_sign"].as_str().unwrap(),
                "{name}: string to sign"
            );
        }
        // Secrets are marked for redaction by the HTTP layer.
        for h in &added {
            let secret = h.name.eq_ignore_ascii_case("authorization")
                || h.name.eq_ignore_ascii_case("x-amzn-authorization")
                || h.name.eq_ignore_ascii_case("x-amz-security-token");
            assert_eq!(h.sensitive, secret, "{name}: {} sensitivity", h.name);
        }
    }
    assert_eq!((aws3, v4), (36, 60));
}

/// One case of the AWS suite: the `.req` request and the expected outputs.
struct SuiteCase {
    name: String,
    method: String,
    path: String,
    query: String,
    host: String,
    amz_date: String,
    token: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
    creq: String,
    sts: String,
    authz: String,
}

/// Parses the suite's `.req` format: request line, `Name:value` headers
/// (indented lines continue the previous value), a blank line, the body.
fn parse_case(dir: &Path) -> SuiteCase {
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).unwrap();
    let req = read("req");
    let (head, body) = match req.split_once("\n\n") {
        Some((h, b)) => (h.to_owned(), b.to_owned()),
        None => (req.clone(), String::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let method = request_line.split(' ').next().unwrap().to_owned();
    let target = request_line[method.len() + 1..request_line.len() - " HTTP/1.1".len()].to_owned();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().expect("continuation after a header");
            last.1.push('\n');
            last.1.push_str(line);
        } else {
            let (n, v) = line.split_once(':').unwrap();
            headers.push((n.to_owned(), v.to_owned()));
        }
    }
    let take = |headers: &mut Vec<(String, String)>, wanted: &str| -> Option<String> {
        let i = headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(wanted))?;
        Some(headers.remove(i).1)
    };
    let host = take(&mut headers, "host").unwrap();
    let amz_date = take(&mut headers, "x-amz-date").unwrap();
    let token = take(&mut headers, "x-amz-security-token");
    SuiteCase {
        method,
        path,
        query,
        host,
        amz_date,
        token,
        headers,
        body,
        creq: read("creq"),
        sts: read("sts"),
        authz: read("authz"),
        name,
    }
}

fn suite_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().unwrap().to_str().unwrap().to_owned();
        if entry.join(format!("{name}.req")).exists() {
            out.push(entry.clone());
        }
        suite_cases(&entry, out);
    }
}

#[test]
fn aws_sigv4_test_suite() {
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    // get-vanilla-with-session-token's token is not in its .req: the suite adds it
    // while signing (as we do).
    const SUITE_TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    let mut dirs = Vec::new();
    suite_cases(&vectors().join("aws4_testsuite"), &mut dirs);
    assert_eq!(dirs.len(), 34, "every case in the suite is run");
    for dir in dirs {
        let case = parse_case(&dir);
        let token = match case.name.as_str() {
            "get-vanilla-with-session-token" => Some(SUITE_TOKEN.to_owned()),
            // Token sent but added after signing: sign without it.
            "post-sts-header-after" => None,
            _ => case.token.clone(),
        };
        let creds = match &token {
            Some(t) => Credentials::new_temporary("AKIDEXAMPLE", SECRET, t.clone(), None),
            None => Credentials::new_static("AKIDEXAMPLE", SECRET),
        };
        let time = Timestamp::parse_rfc3339(&format!(
            "{}-{}-{}T{}:{}:{}Z",
            &case.amz_date[0..4],
            &case.amz_date[4..6],
            &case.amz_date[6..8],
            &case.amz_date[9..11],
            &case.amz_date[11..13],
            &case.amz_date[13..15]
        ))
        .unwrap();
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = SignableRequest {
            method: &case.method,
            host: &case.host,
            path: &case.path,
            query: &case.query,
            headers: &headers,
            body: case.body.as_bytes(),
        };
        let signed = sigv4::sign(&request, &creds, time, "us-east-1", "service");
        assert_eq!(
            signed.canonical_request, case.creq,
            "{}: canonical request",
            case.name
        );
        assert_eq!(
            signed.string_to_sign, case.sts,
            "{}: string to sign",
            case.name
        );
        let auth = signed
            .headers
            .iter()
            .find(|h| h.name == "Authorization")
            .unwrap();
        assert_eq!(auth.value, case.authz, "{}: authorization", case.name);
    }
}
