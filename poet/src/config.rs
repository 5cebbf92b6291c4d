//! The decorator's arguments (POET_SPEC §1): names, defaults and validation.

use dana_interpreter::error::{did_you_mean, type_error, value_error, Exc};
use dana_interpreter::value::{repr, Args, Value};

/// The arguments `@poet` accepts, in the order the spec lists them.
pub const ARGUMENTS: &[&str] = &[
    "domain",
    "optimize_for",
    "retries",
    "timeout",
    "backoff",
    "fallback",
    "generate",
    "train",
    "improve",
    "capabilities",
    "model",
    "breaker",
];

const CAPABILITIES: &[&str] = &[
    "reason", "http", "fs_read", "fs_write", "time", "random", "env",
];
const GENERATE: &[&str] = &["lazy", "background", "eager", "off"];
const FALLBACK: &[&str] = &["original", "raise"];
const BREAKER_KEYS: &[&str] = &["failures", "window", "ratio", "cooldown"];

/// Circuit breaker settings (POET_SPEC §3).
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    pub failures: u32,
    pub window: u32,
    pub ratio: f64,
    pub cooldown: f64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failures: 5,
            window: 20,
            ratio: 0.5,
            cooldown: 30.0,
        }
    }
}

/// A validated `@poet(...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct PoetConfig {
    pub domain: String,
    pub optimize_for: Option<String>,
    pub retries: u32,
    pub timeout: f64,
    pub backoff: f64,
    pub fallback: String,
    pub generate: String,
    pub train: bool,
    /// `False`: the original is the oracle of the trial; `True`: it may be bettered, and the
    /// docstring's examples, the enforce stage and the domain rules judge a version.
    pub improve: bool,
    pub capabilities: Vec<String>,
    pub model: Option<String>,
    pub breaker: BreakerConfig,
}

impl Default for PoetConfig {
    fn default() -> Self {
        PoetConfig {
            domain: "base".into(),
            optimize_for: None,
            retries: 2,
            timeout: 5.0,
            backoff: 0.1,
            fallback: "original".into(),
            generate: "lazy".into(),
            train: true,
            improve: false,
            capabilities: Vec::new(),
            model: None,
            breaker: BreakerConfig::default(),
        }
    }
}

fn one_of(arg: &str, v: &str, allowed: &[&str]) -> Result<String, Exc> {
    if allowed.contains(&v) {
        return Ok(v.to_string());
    }
    let mut e = value_error(format!(
        "@poet {arg}={v:?} is not valid; expected one of: {}",
        allowed.join(", ")
    ));
    if let Some(s) = did_you_mean(v, allowed.iter().copied()) {
        e = e.with_help(format!("did you mean '{s}'?"));
    }
    Err(e)
}

fn text(arg: &str, v: &Value) -> Result<String, Exc> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(format!("@poet {arg}= must be a str, got {}", repr::repr(v))))
}

/// The ranges the decorator's numbers must lie in (POET_SPEC §1, §3, §8). A value outside is
/// an error naming the argument and the range; the same bounds clamp what `params.json` says.
pub mod limits {
    /// `retries`: extra attempts of Operate.
    pub const RETRIES: (u32, u32) = (0, 10);
    /// `timeout`: seconds per attempt; above zero, at most one hour.
    pub const TIMEOUT_MAX: f64 = 3600.0;
    /// `backoff`: base seconds of the backoff (each wait is capped at 5 s anyway).
    pub const BACKOFF_MAX: f64 = 60.0;
    /// `breaker.failures`: consecutive failures that open the breaker (0: that check is off).
    pub const BREAKER_FAILURES: (u32, u32) = (0, 1000);
    /// `breaker.window`: calls over which the failure ratio is measured (0: that check is off).
    pub const BREAKER_WINDOW: (u32, u32) = (0, 1000);
    /// `breaker.cooldown`: seconds the breaker stays open; at most a day.
    pub const BREAKER_COOLDOWN_MAX: f64 = 86_400.0;
}

/// A float in `[lo, hi]` (`lo` excluded when `open_low`), as given or from an int.
fn number_in(arg: &str, v: &Value, lo: f64, open_low: bool, hi: f64) -> Result<f64, Exc> {
    let x = match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => {
            return Err(type_error(format!(
                "@poet {arg}= must be a number, got {}",
                repr::repr(v)
            )))
        }
    };
    let below = if open_low { x <= lo } else { x < lo };
    if !x.is_finite() || below || x > hi {
        let low = if open_low {
            format!("above {lo}")
        } else {
            format!("at least {lo}")
        };
        return Err(value_error(format!(
            "@poet {arg}={} is out of range: it must be {low} and at most {hi}",
            repr::repr(v)
        ))
        .with_help(format!("use a value in the allowed range for {arg}=")));
    }
    Ok(x)
}

/// An int in `[lo, hi]`.
fn count_in(arg: &str, v: &Value, (lo, hi): (u32, u32)) -> Result<u32, Exc> {
    match v {
        Value::Int(i) if (i64::from(lo)..=i64::from(hi)).contains(i) => Ok(*i as u32),
        Value::Int(_) => Err(value_error(format!(
            "@poet {arg}={} is out of range: it must be an int from {lo} to {hi}",
            repr::repr(v)
        ))
        .with_help(format!("use a value in the allowed range for {arg}="))),
        _ => Err(type_error(format!(
            "@poet {arg}= must be an int from {lo} to {hi}, got {}",
            repr::repr(v)
        ))),
    }
}

impl PoetConfig {
    /// Validates decorator arguments (keywords only) against POET_SPEC §1.
    pub fn from_args(args: Args<'_>) -> Result<PoetConfig, Exc> {
        if !args.pos.is_empty() {
            return Err(type_error(format!(
                "@poet takes keyword arguments only: {}",
                ARGUMENTS.join(", ")
            )));
        }
        let mut c = PoetConfig::default();
        for (k, v) in args.kw {
            let k = k.as_str();
            match k {
                // Checked against the loaded templates (built-in and the user's) by the hook.
                "domain" => {
                    if !v.is_none() {
                        c.domain = text(k, v)?;
                        if c.domain.is_empty() {
                            return Err(value_error("@poet domain= must not be empty"));
                        }
                    }
                }
                "optimize_for" => {
                    c.optimize_for = if v.is_none() { None } else { Some(text(k, v)?) }
                }
                "retries" => c.retries = count_in(k, v, limits::RETRIES)?,
                "timeout" => c.timeout = number_in(k, v, 0.0, true, limits::TIMEOUT_MAX)?,
                "backoff" => c.backoff = number_in(k, v, 0.0, false, limits::BACKOFF_MAX)?,
                "fallback" => c.fallback = one_of(k, &text(k, v)?, FALLBACK)?,
                "generate" => c.generate = one_of(k, &text(k, v)?, GENERATE)?,
                "train" => match v {
                    Value::Bool(b) => c.train = *b,
                    _ => {
                        return Err(type_error(format!(
                            "@poet train= must be a bool, got {}",
                            repr::repr(v)
                        )))
                    }
                },
                "improve" => match v {
                    Value::Bool(b) => c.improve = *b,
                    _ => {
                        return Err(type_error(format!(
                            "@poet improve= must be a bool, got {}",
                            repr::repr(v)
                        )))
                    }
                },
                "capabilities" => {
                    let items = match v {
                        Value::List(l) => l.borrow().clone(),
                        Value::Tuple(t) => t.as_ref().clone(),
                        _ => return Err(type_error("@poet capabilities= must be a list of names")),
                    };
                    c.capabilities = items
                        .iter()
                        .map(|x| one_of(k, &text(k, x)?, CAPABILITIES))
                        .collect::<Result<_, _>>()?;
                }
                "model" => c.model = if v.is_none() { None } else { Some(text(k, v)?) },
                "breaker" => {
                    let Value::Dict(d) = v else {
                        return Err(type_error("@poet breaker= must be a dict"));
                    };
                    for (bk, bv) in d.borrow().iter() {
                        let name = text("breaker", bk.value())?;
                        match name.as_str() {
                            "failures" => {
                                c.breaker.failures =
                                    count_in("breaker.failures", bv, limits::BREAKER_FAILURES)?
                            }
                            "window" => {
                                c.breaker.window =
                                    count_in("breaker.window", bv, limits::BREAKER_WINDOW)?
                            }
                            "ratio" => {
                                c.breaker.ratio = number_in("breaker.ratio", bv, 0.0, true, 1.0)?
                            }
                            "cooldown" => {
                                c.breaker.cooldown = number_in(
                                    "breaker.cooldown",
                                    bv,
                                    0.0,
                                    false,
                                    limits::BREAKER_COOLDOWN_MAX,
                                )?
                            }
                            other => {
                                one_of("breaker key", other, BREAKER_KEYS)?;
                            }
                        }
                    }
                }
                other => {
                    let mut e = type_error(format!(
                        "@poet got an unknown argument '{other}'; valid arguments: {}",
                        ARGUMENTS.join(", ")
                    ));
                    if let Some(s) = did_you_mean(other, ARGUMENTS.iter().copied()) {
                        e = e.with_help(format!("did you mean '{s}'?"));
                    }
                    return Err(e);
                }
            }
        }
        Ok(c)
    }
}

impl PoetConfig {
    /// The arguments as JSON (`params.json`, and part of the cache key).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "domain": self.domain,
            "optimize_for": self.optimize_for,
            "retries": self.retries,
            "timeout": self.timeout,
            "backoff": self.backoff,
            "fallback": self.fallback,
            "generate": self.generate,
            "train": self.train,
            "improve": self.improve,
            "capabilities": self.capabilities,
            "model": self.model,
            "breaker": {
                "failures": self.breaker.failures,
                "window": self.breaker.window,
                "ratio": self.breaker.ratio,
                "cooldown": self.breaker.cooldown,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dana_grammar::ast::Sym;

    fn kw(pairs: &[(&str, Value)]) -> Vec<(Sym, Value)> {
        pairs
            .iter()
            .map(|(k, v)| (Sym::intern(k), v.clone()))
            .collect()
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = PoetConfig::from_args(Args::new(&[], &[])).unwrap();
        assert_eq!(c, PoetConfig::default());
        assert_eq!((c.retries, c.timeout, c.backoff), (2, 5.0, 0.1));
        assert_eq!(c.domain, "base");
        assert_eq!(c.breaker.failures, 5);
    }

    #[test]
    fn unknown_argument_lists_the_valid_ones_with_a_suggestion() {
        let k = kw(&[("domian", Value::str("api"))]);
        let e = PoetConfig::from_args(Args::new(&[], &k)).unwrap_err();
        assert!(e.message.contains("'domian'") && e.message.contains("retries"));
        assert_eq!(e.help.as_deref(), Some("did you mean 'domain'?"));
    }

    #[test]
    fn values_are_checked() {
        let bad_domain = kw(&[("domain", Value::Int(3))]);
        let e = PoetConfig::from_args(Args::new(&[], &bad_domain)).unwrap_err();
        assert!(e.message.contains("domain= must be a str"), "{}", e.message);
        let bad_fallback = kw(&[("fallback", Value::str("orignal"))]);
        let e = PoetConfig::from_args(Args::new(&[], &bad_fallback)).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean 'original'?"));
        let bad_retries = kw(&[("retries", Value::Int(-1))]);
        assert!(PoetConfig::from_args(Args::new(&[], &bad_retries)).is_err());
        let ok = kw(&[
            ("domain", Value::str("financial_risk")),
            ("retries", Value::Int(0)),
            ("timeout", Value::Float(0.5)),
            ("capabilities", Value::list(vec![Value::str("time")])),
        ]);
        let c = PoetConfig::from_args(Args::new(&[], &ok)).unwrap();
        assert_eq!(
            (c.domain.as_str(), c.retries, c.timeout),
            ("financial_risk", 0, 0.5)
        );
        assert_eq!(c.capabilities, vec!["time".to_string()]);
    }

    fn error_of(pairs: &[(&str, Value)]) -> Exc {
        PoetConfig::from_args(Args::new(&[], &kw(pairs))).unwrap_err()
    }

    #[test]
    fn numbers_out_of_range_name_the_argument_and_the_range() {
        let d = |pairs: Vec<(&str, Value)>| -> Value {
            let mut m = dana_interpreter::value::DictMap::default();
            for (k, v) in pairs {
                m.insert(dana_interpreter::value::Key(Value::str(k)), v);
            }
            Value::dict(m)
        };
        let cases: Vec<(&str, Value, &str)> = vec![
            ("timeout", Value::Float(1e300), "at most 3600"),
            ("timeout", Value::Float(f64::NAN), "timeout="),
            ("timeout", Value::Float(f64::INFINITY), "timeout="),
            ("timeout", Value::Int(0), "above 0"),
            ("timeout", Value::Float(-1.0), "above 0"),
            ("backoff", Value::Float(-0.5), "at least 0"),
            ("backoff", Value::Float(1e12), "at most 60"),
            ("retries", Value::Int(4_000_000_000), "from 0 to 10"),
            ("retries", Value::Int(11), "from 0 to 10"),
            ("retries", Value::Int(-1), "from 0 to 10"),
        ];
        for (arg, v, want) in cases {
            let e = error_of(&[(arg, v.clone())]);
            assert!(
                e.message.contains(&format!("@poet {arg}=")) && e.message.contains(want),
                "{arg}={v:?}: {}",
                e.message
            );
        }
        for (key, v, want) in [
            ("failures", Value::Int(-1), "breaker.failures"),
            ("failures", Value::Int(1 << 40), "from 0 to 1000"),
            ("window", Value::Int(5000), "breaker.window"),
            ("ratio", Value::Float(1.5), "breaker.ratio"),
            ("ratio", Value::Float(0.0), "breaker.ratio"),
            ("cooldown", Value::Float(-3.0), "breaker.cooldown"),
            ("cooldown", Value::Float(1e300), "breaker.cooldown"),
        ] {
            let e = error_of(&[("breaker", d(vec![(key, v)]))]);
            assert!(e.message.contains(want), "{key}: {}", e.message);
        }
        // The bounds themselves are accepted.
        let ok = kw(&[
            ("timeout", Value::Float(3600.0)),
            ("retries", Value::Int(10)),
            ("backoff", Value::Int(0)),
            (
                "breaker",
                d(vec![
                    ("failures", Value::Int(1000)),
                    ("ratio", Value::Float(1.0)),
                ]),
            ),
        ]);
        let c = PoetConfig::from_args(Args::new(&[], &ok)).unwrap();
        assert_eq!(
            (c.timeout, c.retries, c.breaker.failures),
            (3600.0, 10, 1000)
        );
    }
}
