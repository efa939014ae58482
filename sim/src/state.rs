//! The state both services share, built once from the [`SimConfig`] and
//! held in an `Arc` by every connection. Each part has its own short lock.

use crate::clock::Clock;
use crate::config::{SimConfig, SpotAction};
use crate::faults::FaultQueue;
use crate::imds::ImdsState;
use crate::imds::metadata::Metadata;
use crate::keys::KeyStore;
use crate::log::Recorder;
use crate::route53::Route53State;
use std::time::Instant;

/// Where IMDS answers a Spot interruption notice.
pub(crate) const SPOT_PATH: &str = "spot/instance-action";
/// Where IMDS answers the Auto Scaling target lifecycle state.
pub(crate) const LIFECYCLE_PATH: &str = "autoscaling/target-lifecycle-state";
/// A Spot notice comes this long before the action.
const SPOT_NOTICE_SECS: i64 = 120;

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
    pub(crate) ec2: crate::query::Ec2State,
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
            route53: Route53State::new(&config.route53, config.seed),
            ec2: crate::query::Ec2State::new(&config.ec2.instances),
            started: Instant::now(),
            config,
        };
        // Issue the first role credentials now, so they exist (and Route 53
        // knows them) before anyone asks IMDS.
        state.imds.role.current(&state.keys, state.clock.now());
        if let Some(action) = state.config.imds.spot_action.clone() {
            state.set_spot_action(0, Some(&action));
        }
        if let Some(lifecycle) = state.config.imds.lifecycle_state.clone() {
            state.set_instance_metadata(0, LIFECYCLE_PATH, Some(&lifecycle));
        }
        state
    }
}

impl State {
    /// Sets or removes a metadata path of the main instance.
    pub(crate) fn set_metadata(&self, path: &str, value: Option<&str>) {
        crate::log::lock(&self.imds.metadata).set(path, value);
    }

    /// Sets or removes a metadata path of instance `n` (0 = the main
    /// instance, 1..=fleet a fleet member); `false` for an unknown member.
    pub(crate) fn set_instance_metadata(&self, n: u32, path: &str, value: Option<&str>) -> bool {
        if n == 0 {
            self.set_metadata(path, value);
            return true;
        }
        if n > self.config.imds.fleet {
            return false;
        }
        crate::log::lock(&self.imds.fleet_changed)
            .entry(n)
            .or_insert_with(|| Metadata::for_fleet(&self.config.imds, n))
            .set(path, value);
        true
    }

    /// Sets (or clears) the Spot notice of instance `n`; a notice without a
    /// time gets "two minutes from now" on the simulated clock.
    pub(crate) fn set_spot_action(&self, n: u32, action: Option<&SpotAction>) -> bool {
        let json = action.map(|a| {
            let time = a
                .time
                .clone()
                .unwrap_or_else(|| self.clock.now().offset_by(SPOT_NOTICE_SECS).rfc3339());
            format!(
                "{{\"action\": \"{}\", \"time\": \"{}\"}}",
                a.action.name(),
                time
            )
        });
        self.set_instance_metadata(n, SPOT_PATH, json.as_deref())
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
