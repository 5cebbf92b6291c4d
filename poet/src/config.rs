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

fn number(arg: &str, v: &Value) -> Result<f64, Exc> {
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
    if !x.is_finite() || x < 0.0 {
        return Err(value_error(format!(
            "@poet {arg}= must be a non-negative number, got {}",
            repr::repr(v)
        )));
    }
    Ok(x)
}

fn count(arg: &str, v: &Value) -> Result<u32, Exc> {
    match v {
        Value::Int(i) if (0..=1_000_000).contains(i) => Ok(*i as u32),
        _ => Err(type_error(format!(
            "@poet {arg}= must be a non-negative int, got {}",
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
                "retries" => c.retries = count(k, v)?,
                "timeout" => c.timeout = number(k, v)?,
                "backoff" => c.backoff = number(k, v)?,
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
                            "failures" => c.breaker.failures = count("breaker.failures", bv)?,
                            "window" => c.breaker.window = count("breaker.window", bv)?,
                            "ratio" => c.breaker.ratio = number("breaker.ratio", bv)?,
                            "cooldown" => c.breaker.cooldown = number("breaker.cooldown", bv)?,
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
}
