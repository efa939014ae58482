//! What the simulator saw: one [`RequestLog`] per request received by either
//! service (control-API calls under `/_sim/` excluded), and the [`Stats`]
//! counters. Neither holds a secret: no header value is kept.

use crate::route53::operation::Operation;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

/// Which simulated service received a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Service {
    Imds,
    Route53,
    /// The STS Query API (`POST /` on the Route 53 listener, scope `sts`).
    Sts,
    /// The EC2 Query API (`POST /` on the Route 53 listener, scope `ec2`).
    Ec2,
}

/// The signing scheme a Route 53 request used (recognised from its headers
/// even when the endpoint refuses the scheme).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AuthScheme {
    Aws3Https,
    SigV4,
}

/// One request, as answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLog {
    pub service: Service,
    pub method: String,
    /// As received, including a fleet prefix `/i/<n>`.
    pub path: String,
    /// As received, without `?`.
    pub query: String,
    /// The Route 53 operation the path names (`None` for IMDS, `/date` and
    /// unknown paths).
    pub operation: Option<Operation>,
    /// STS and EC2: the Query API `Action` (`AssumeRole`, `DescribeInstances`).
    pub action: Option<String>,
    /// Route 53 only: the signing scheme of the request's authentication header.
    pub scheme: Option<AuthScheme>,
    /// The status sent; 0 when the simulator never answered (a hang).
    pub status: u16,
    /// Route 53: the AWS error `<Code>` sent, if any.
    pub error_code: Option<String>,
    /// Route 53: an `X-Amz-Security-Token` was sent. IMDS: an
    /// `X-aws-ec2-metadata-token` was sent (an IMDSv2 request).
    pub had_security_token: bool,
    /// When the request arrived.
    pub at: Instant,
}

/// Counters since start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub imds_requests: u64,
    pub route53_requests: u64,
    /// Route 53 requests per operation, whatever their outcome.
    pub operations: BTreeMap<Operation, u64>,
    /// Route 53 requests per error code sent.
    pub errors: BTreeMap<String, u64>,
    /// ChangeResourceRecordSets batches applied.
    pub changes_applied: u64,
    /// Answers `Throttling` from the rate limiter (injected faults not included).
    pub throttled: u64,
    /// Answers shaped by an injected fault or an IMDS failure setting
    /// (`fail_first`, `hang_all`).
    pub faults_served: u64,
    /// IMDSv2 tokens issued.
    pub imds_tokens_issued: u64,
    /// Role credential documents served.
    pub credentials_served: u64,
    pub sts_requests: u64,
    pub ec2_requests: u64,
    /// STS and EC2 requests per `Action`, whatever their outcome.
    pub actions: BTreeMap<String, u64>,
    /// Successful AssumeRole calls.
    pub roles_assumed: u64,
}

impl Stats {
    /// Requests seen for `op`.
    pub fn operation(&self, op: Operation) -> u64 {
        self.operations.get(&op).copied().unwrap_or(0)
    }

    /// Answers sent with error code `code`.
    pub fn error(&self, code: &str) -> u64 {
        self.errors.get(code).copied().unwrap_or(0)
    }
}

/// The request log and the counters, each behind its own short lock.
#[derive(Debug)]
pub(crate) struct Recorder {
    log: Mutex<VecDeque<RequestLog>>,
    limit: usize,
    stats: Mutex<Stats>,
}

impl Recorder {
    pub(crate) fn new(limit: usize) -> Self {
        Recorder {
            log: Mutex::new(VecDeque::new()),
            limit,
            stats: Mutex::new(Stats::default()),
        }
    }

    /// Logs a request and counts it.
    pub(crate) fn record(&self, entry: RequestLog) {
        {
            let mut stats = lock(&self.stats);
            match entry.service {
                Service::Imds => stats.imds_requests += 1,
                Service::Route53 => stats.route53_requests += 1,
                Service::Sts => stats.sts_requests += 1,
                Service::Ec2 => stats.ec2_requests += 1,
            }
            if let Some(action) = &entry.action {
                *stats.actions.entry(action.clone()).or_default() += 1;
            }
            if let Some(op) = entry.operation {
                *stats.operations.entry(op).or_default() += 1;
            }
            if let Some(code) = &entry.error_code {
                *stats.errors.entry(code.clone()).or_default() += 1;
            }
        }
        if self.limit == 0 {
            return;
        }
        let mut log = lock(&self.log);
        if log.len() >= self.limit {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// Applies `f` to the counters.
    pub(crate) fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut lock(&self.stats));
    }

    pub(crate) fn requests(&self) -> Vec<RequestLog> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }
}

/// Locks a mutex, ignoring poisoning: every critical section here leaves the
/// data consistent, so a panic elsewhere must not take the simulator down.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(service: Service, op: Option<Operation>, code: Option<&str>) -> RequestLog {
        RequestLog {
            service,
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            operation: op,
            action: None,
            scheme: None,
            status: 200,
            error_code: code.map(str::to_owned),
            had_security_token: false,
            at: Instant::now(),
        }
    }

    #[test]
    fn counts_and_caps() {
        let recorder = Recorder::new(2);
        recorder.record(entry(Service::Imds, None, None));
        recorder.record(entry(
            Service::Route53,
            Some(Operation::GetChange),
            Some("Throttling"),
        ));
        recorder.record(entry(Service::Route53, Some(Operation::GetChange), None));
        let stats = recorder.stats();
        assert_eq!(stats.imds_requests, 1);
        assert_eq!(stats.route53_requests, 2);
        assert_eq!(stats.operation(Operation::GetChange), 2);
        assert_eq!(stats.error("Throttling"), 1);
        let log = recorder.requests();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].service, Service::Route53);
        let json = serde_json::to_string(&stats).unwrap();
        assert!(json.contains("\"GetChange\":2"), "{json}");
    }
}
