//! The circuit breaker of one function version (POET_SPEC §3).
//!
//! Closed: calls run the pipeline. It opens after `failures` consecutive failures, or when the
//! failure ratio over the last `window` calls (a full window) reaches `ratio`. Open: calls go
//! straight to the fallback until `cooldown` seconds have passed; then one trial call runs
//! (half-open) and decides: success closes the breaker, failure opens it again. Time is wall
//! clock seconds since the Unix epoch, passed in, because the state outlives the process
//! (it is saved in `state.json`).

use crate::config::BreakerConfig;
use serde::{Deserialize, Serialize};

/// The breaker's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// What the breaker lets a call do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Admission {
    /// Run the pipeline.
    Run,
    /// Run the pipeline as the half-open trial.
    Trial,
    /// Go to the fallback; the breaker may let a trial through in `retry_in` seconds.
    Rejected { retry_in: f64 },
}

/// Persistent breaker state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breaker {
    pub state: BreakerState,
    pub consecutive_failures: u32,
    /// Outcomes of the most recent calls, oldest first (`true` = failed); at most `window`.
    pub recent: Vec<bool>,
    /// When it last opened (Unix seconds).
    pub opened_at: Option<f64>,
    /// How many times it has opened.
    pub opened_count: u64,
    /// A half-open trial is running (a nested call during it is rejected). Not saved: a trial
    /// of a process that died must not block the next process.
    #[serde(skip)]
    pub trial_running: bool,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            state: BreakerState::Closed,
            consecutive_failures: 0,
            recent: Vec::new(),
            opened_at: None,
            opened_count: 0,
            trial_running: false,
        }
    }
}

/// A change of state, for the execution record and `state.json`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    pub from: BreakerState,
    pub to: BreakerState,
}

impl Breaker {
    /// Decides how the next call runs.
    pub fn admit(&mut self, cfg: &BreakerConfig, now: f64) -> Admission {
        match self.state {
            BreakerState::Closed => Admission::Run,
            BreakerState::Open => {
                let since = now - self.opened_at.unwrap_or(now);
                if since >= cfg.cooldown {
                    self.state = BreakerState::HalfOpen;
                    self.trial_running = true;
                    Admission::Trial
                } else {
                    Admission::Rejected {
                        retry_in: cfg.cooldown - since,
                    }
                }
            }
            BreakerState::HalfOpen if self.trial_running => Admission::Rejected { retry_in: 0.0 },
            BreakerState::HalfOpen => {
                self.trial_running = true;
                Admission::Trial
            }
        }
    }

    /// Records the outcome of a call that ran the pipeline.
    pub fn record(&mut self, cfg: &BreakerConfig, failed: bool, now: f64) -> Option<Transition> {
        let from = self.state;
        if cfg.window > 0 {
            self.recent.push(failed);
            let excess = self.recent.len().saturating_sub(cfg.window as usize);
            self.recent.drain(..excess);
        }
        self.consecutive_failures = if failed {
            self.consecutive_failures.saturating_add(1)
        } else {
            0
        };
        let to = match from {
            BreakerState::HalfOpen => {
                self.trial_running = false;
                if failed {
                    BreakerState::Open
                } else {
                    self.recent.clear();
                    BreakerState::Closed
                }
            }
            BreakerState::Closed if failed && self.should_open(cfg) => BreakerState::Open,
            // An outcome that arrives while open (a call admitted before it opened): no change.
            other => other,
        };
        if to == BreakerState::Open && from != BreakerState::Open {
            self.opened_at = Some(now);
            self.opened_count += 1;
        }
        self.state = to;
        (from != to).then_some(Transition { from, to })
    }

    fn should_open(&self, cfg: &BreakerConfig) -> bool {
        if cfg.failures > 0 && self.consecutive_failures >= cfg.failures {
            return true;
        }
        if cfg.window == 0 || self.recent.len() < cfg.window as usize {
            return false;
        }
        let failed = self.recent.iter().filter(|f| **f).count();
        failed as f64 / self.recent.len() as f64 >= cfg.ratio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(failures: u32, window: u32, ratio: f64, cooldown: f64) -> BreakerConfig {
        BreakerConfig {
            failures,
            window,
            ratio,
            cooldown,
        }
    }

    #[test]
    fn opens_after_consecutive_failures() {
        let c = cfg(3, 20, 0.5, 10.0);
        let mut b = Breaker::default();
        assert_eq!(b.record(&c, true, 0.0), None);
        assert_eq!(b.record(&c, true, 1.0), None);
        let t = b.record(&c, true, 2.0);
        assert_eq!(
            t,
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open
            })
        );
        assert_eq!(b.opened_at, Some(2.0));
        assert_eq!(b.opened_count, 1);
        // A success resets the count.
        let mut b = Breaker::default();
        b.record(&c, true, 0.0);
        b.record(&c, true, 0.0);
        b.record(&c, false, 0.0);
        b.record(&c, true, 0.0);
        assert_eq!(b.state, BreakerState::Closed);
    }

    #[test]
    fn opens_on_the_failure_ratio_over_a_full_window() {
        let c = cfg(100, 4, 0.5, 10.0);
        let mut b = Breaker::default();
        // fail, ok, fail: the window is not full yet.
        for f in [true, false, true] {
            assert_eq!(b.record(&c, f, 0.0), None);
        }
        // The fourth call fills the window at 3/4 failures.
        assert!(b.record(&c, true, 5.0).is_some());
        assert_eq!(b.state, BreakerState::Open);
        // Below the ratio it stays closed while the window slides.
        let mut b = Breaker::default();
        for i in 0..20 {
            b.record(&c, i % 4 == 0, 0.0);
        }
        assert_eq!(b.state, BreakerState::Closed);
        assert_eq!(b.recent.len(), 4);
    }

    #[test]
    fn open_rejects_until_the_cooldown_then_one_trial_decides() {
        let c = cfg(1, 20, 0.5, 30.0);
        let mut b = Breaker::default();
        b.record(&c, true, 100.0);
        match b.admit(&c, 110.0) {
            Admission::Rejected { retry_in } => assert!((retry_in - 20.0).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        assert_eq!(b.admit(&c, 130.0), Admission::Trial);
        assert_eq!(b.state, BreakerState::HalfOpen);
        // A nested call during the trial goes to the fallback.
        assert!(matches!(b.admit(&c, 130.0), Admission::Rejected { .. }));
        // The trial fails: open again, with a new cooldown.
        let t = b.record(&c, true, 131.0).unwrap();
        assert_eq!((t.from, t.to), (BreakerState::HalfOpen, BreakerState::Open));
        assert!(matches!(b.admit(&c, 150.0), Admission::Rejected { .. }));
        assert_eq!(b.admit(&c, 161.0), Admission::Trial);
        // The trial succeeds: closed, history cleared.
        let t = b.record(&c, false, 161.5).unwrap();
        assert_eq!(
            (t.from, t.to),
            (BreakerState::HalfOpen, BreakerState::Closed)
        );
        assert_eq!(b.admit(&c, 162.0), Admission::Run);
        assert_eq!(b.opened_count, 2);
        assert!(b.recent.is_empty());
    }

    #[test]
    fn zero_disables_a_rule_and_state_round_trips_through_json() {
        let c = cfg(0, 0, 0.5, 1.0);
        let mut b = Breaker::default();
        for _ in 0..50 {
            b.record(&c, true, 0.0);
        }
        assert_eq!(b.state, BreakerState::Closed);
        let c = cfg(2, 0, 0.5, 1.0);
        b.record(&c, true, 3.0);
        assert_eq!(b.state, BreakerState::Open);
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains("\"state\":\"open\""), "{json}");
        let mut back: Breaker = serde_json::from_str(&json).unwrap();
        back.trial_running = b.trial_running;
        assert_eq!(back, b);
    }
}
