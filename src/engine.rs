//! Embedding Dana in a Rust program: the core API of [`dana_interpreter::engine`], with an
//! [`Engine`] that comes with the standard library and POET installed.
//!
//! ```
//! let mut engine = dana::Engine::new();
//! engine.register_fn("scale", |x: f64| x * 1.5);
//! let v: f64 = engine.eval("import math\nscale(math.floor(2.7))").unwrap();
//! assert_eq!(v, 3.0);
//! ```
//!
//! The example of the README's "Embedding" section:
//!
//! ```
//! use dana::{Engine, Scope};
//!
//! let mut engine = Engine::new();
//! engine.register_fn("discount", |price: f64, pct: i64| price * (1.0 - pct as f64 / 100.0));
//!
//! // Evaluate an expression, converted to a Rust type.
//! let total: f64 = engine.eval("discount(80.0, 25) + 5").unwrap();
//! assert_eq!(total, 65.0);
//!
//! // Compile once (a `Program` is Send + Sync), pass values in through a Scope, read them back,
//! // and call Dana functions from Rust.
//! let program = engine.compile("def tax(x: float) -> float:\n    return x * rate\nbase = tax(100.0)").unwrap();
//! let mut scope = Scope::new();
//! scope.set("rate", 0.2);
//! engine.run_with_scope(&program, &mut scope).unwrap();
//! assert_eq!(scope.get::<f64>("base").unwrap(), 20.0);
//! assert_eq!(engine.call_fn_in::<f64>(&scope, "tax", (50.0,)).unwrap(), 10.0);
//! ```

#![warn(missing_docs)]

pub use dana_interpreter::engine::{
    from_value, to_value, Error, ErrorKind, FromValue, Host, HostConstructor, HostMethod,
    Installer, IntoArgs, IntoNativeResult, IntoValue, Program, RegisterFn, Result, Scope,
    TypeBuilder,
};
pub use dana_interpreter::Value;
pub use dana_llm::LlmConfig;
pub use dana_poet::{PoetOptions, PoetRuntime};

use dana_interpreter::engine as core;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

/// The installers behind [`Engine::new`] for a core engine builder: the standard modules,
/// then POET with its default options. [`Engine::builder`] installs POET itself, so that
/// [`EngineBuilder::poet_dir`] and [`EngineBuilder::llm`] can change them.
pub const DEFAULT_INSTALLERS: [Installer; 2] = [dana_stdlib::install, dana_poet::install];

/// A Dana engine with the standard library and POET installed.
///
/// It dereferences to the core [`dana_interpreter::engine::Engine`], which has every
/// method (`compile`, `run_with_scope`, `eval`, `call_fn`, `register_fn`,
/// `register_type`, `on_print`, `cancel_handle`, …). Like it, it is single-threaded (not
/// `Send`); share [`Program`]s across threads instead.
pub struct Engine {
    core: core::Engine,
    poet: Option<Rc<PoetRuntime>>,
}

impl Engine {
    /// An engine with the standard library, POET, default limits and output to stdout.
    pub fn new() -> Engine {
        Engine::builder().build()
    }

    /// A builder with the standard library and POET already added.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            core: core::Engine::builder().installer(dana_stdlib::install),
            poet: Some(PoetOptions::from_env()),
        }
    }

    /// The core engine.
    pub fn into_inner(self) -> core::Engine {
        self.core
    }

    /// POET in this engine (flush its state, inspect its functions), unless it was left
    /// out with [`EngineBuilder::without_poet`].
    pub fn poet(&self) -> Option<&Rc<PoetRuntime>> {
        self.poet.as_ref()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl std::ops::Deref for Engine {
    type Target = core::Engine;
    fn deref(&self) -> &core::Engine {
        &self.core
    }
}

impl std::ops::DerefMut for Engine {
    fn deref_mut(&mut self) -> &mut core::Engine {
        &mut self.core
    }
}

/// Configures an [`Engine`]; see [`dana_interpreter::engine::EngineBuilder`].
///
/// ```
/// use std::time::Duration;
/// let mut engine = dana::Engine::builder()
///     .max_operations(100_000)
///     .timeout(Duration::from_millis(500))
///     .capture_output()
///     .build();
/// engine.run_source("print('ok')").unwrap();
/// assert_eq!(engine.take_output(), "ok\n");
/// ```
#[must_use]
pub struct EngineBuilder {
    core: core::EngineBuilder,
    poet: Option<PoetOptions>,
}

impl EngineBuilder {
    /// Adds an installer (a native module, host builtins, a hook).
    pub fn installer(self, f: Installer) -> Self {
        EngineBuilder {
            core: self.core.installer(f),
            ..self
        }
    }
    /// Stops a run after about `n` operations with a `LimitError`.
    pub fn max_operations(self, n: u64) -> Self {
        EngineBuilder {
            core: self.core.max_operations(n),
            ..self
        }
    }
    /// Maximum nesting of Dana calls (a `RecursionError` beyond it).
    pub fn max_call_depth(self, n: usize) -> Self {
        EngineBuilder {
            core: self.core.max_call_depth(n),
            ..self
        }
    }
    /// Stops a run lasting longer than `d` with a `TimeoutError`.
    pub fn timeout(self, d: Duration) -> Self {
        EngineBuilder {
            core: self.core.timeout(d),
            ..self
        }
    }
    /// Stops a run whose memory grows past `bytes` with a `MemoryError` (default: the
    /// interpreter's [`dana_interpreter::limits::default_max_memory`]). The `dana` binary
    /// measures memory with [`dana_interpreter::limits::CountingAlloc`]; a host measures
    /// it by installing that allocator too.
    pub fn max_memory(self, bytes: usize) -> Self {
        EngineBuilder {
            core: self.core.max_memory(bytes),
            ..self
        }
    }
    /// Removes the memory limit.
    pub fn unlimited_memory(self) -> Self {
        EngineBuilder {
            core: self.core.unlimited_memory(),
            ..self
        }
    }
    /// Hands `print` output to `f`.
    pub fn on_print(self, f: impl FnMut(&str) + 'static) -> Self {
        EngineBuilder {
            core: self.core.on_print(f),
            ..self
        }
    }
    /// Collects `print` output in memory (read it with `take_output`).
    pub fn capture_output(self) -> Self {
        EngineBuilder {
            core: self.core.capture_output(),
            ..self
        }
    }
    /// Where POET keeps its versions and events (default: `$DANA_POET_DIR`, else a
    /// `.poet` next to each program file, or in the current directory for source text).
    pub fn poet_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        if let Some(o) = &mut self.poet {
            o.dir = Some(dir.into());
        }
        self
    }
    /// The LLM POET generates with (default: from the environment and `dana.toml`; with
    /// none configured, generation is offline).
    pub fn llm(mut self, config: LlmConfig) -> Self {
        if let Some(o) = &mut self.poet {
            o.llm = Some(config);
        }
        self
    }
    /// No `@poet` in this engine (the name is then undefined).
    pub fn without_poet(mut self) -> Self {
        self.poet = None;
        self
    }
    /// Builds the engine.
    pub fn build(self) -> Engine {
        let mut core = self.core.build();
        let poet = self.poet.map(|o| dana_poet::install_with(core.interp(), o));
        Engine { core, poet }
    }
}
