//! Logging and tracing: structured events to standard error, filtered by `RUST_LOG` (or `-v`),
//! so that standard output stays clean for the command's own results.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `verbose` raises the default level from `warn` to `debug`.
pub fn init(verbose: bool) {
    let default = if verbose { "debug" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second initialisation (only possible in tests) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
