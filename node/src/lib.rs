//! fedrec-node: the node daemon, its store and network, and the command-line interface, as a
//! library so that the `fedrec` binary, the in-process demo and the benchmarks share one code
//! path.
//!
//! Modules: `cli` (commands) talks to a running daemon through `client`; the daemon (`daemon`)
//! serves `api` over a `node::Node`, which owns the `store` (RocksDB) and the loaded `records`.
//! Entries from elsewhere come in through `intake` (one synced write per message) after the
//! exchange in `replicate`; `net` owns the libp2p swarm. `demo` and `bench` run whole
//! federations inside one process.

pub mod api;
pub mod backup;
pub mod bench;
pub mod cli;
pub mod client;
pub mod clock;
mod config_file;
pub mod daemon;
pub mod demo;
pub mod export;
pub mod heap;
pub mod intake;
pub mod metrics;
pub mod migrate;
pub mod ministry;
pub mod net;
pub mod node;
mod parking;
pub mod records;
pub mod replicate;
pub mod rounds;
pub mod store;
pub mod telemetry;
#[cfg(test)]
mod test_nodes;
pub mod trust;
pub mod ui;
mod wording;
