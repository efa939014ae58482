//! The state both services share, built once from the [`SimConfig`] and
//! held in an `Arc` by every connection. Each part has its own short lock.

use crate::clock::Clock;
use crate::config::SimConfig;
use crate::faults::FaultQueue;
use crate::imds::ImdsState;
use crate::keys::KeyStore;
use crate::log::Recorder;
use crate::route53::Route53State;
use std::time::Instant;

#[derive(Debug)]
pub(crate) struct State {
    /// As started; never changes.
    pub(crate) config: SimConfig,
    pub(crate) clock: Clock,
    pub(crate) recorder: Recorder,
    pub(crate) faults: FaultQueue,
    pub(crate) keys: KeyStore,
    pub(crate) imds: ImdsState,
    pub(crate) route53: Route53State,
    pub(crate) started: Instant,
}

impl State {
    pub(crate) fn new(config: SimConfig) -> Self {
        let faults = FaultQueue::default();
        for fault in &config.faults {
            faults.push(fault.clone());
        }
        let state = State {
            clock: Clock::new(config.route53.clock_skew_secs),
            recorder: Recorder::new(config.request_log_limit),
            faults,
            keys: KeyStore::new(&config.route53.static_keys),
            imds: ImdsState::new(&config.imds),
            route53: Route53State::new(&config.route53),
            started: Instant::now(),
            config,
        };
        // Issue the first role credentials now, so they exist (and Route 53
        // knows them) before anyone asks IMDS.
        state.imds.role.current(&state.keys, state.clock.now());
        state
    }
}

impl State {
    /// Sets or removes a metadata path of the main instance.
    pub(crate) fn set_metadata(&self, path: &str, value: Option<&str>) {
        crate::log::lock(&self.imds.metadata).set(path, value);
    }

    /// Replaces a record set directly; `false` when the zone is unknown.
    pub(crate) fn put_record(&self, zone_id: &str, set: crate::record::RecordSet) -> bool {
        match crate::log::lock(&self.route53.store).zones.get_mut(zone_id) {
            Some(zone) => {
                zone.put(set);
                true
            }
            None => false,
        }
    }
}
