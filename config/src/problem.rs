//! What is wrong with one key of a configuration or batch file: the `problem` of
//! [`crate::ConfigError::Invalid`]. Each problem carries the value it refuses, so that the
//! catalogue can word it in the reader's language (`wording.rs`); its English `Display` is the
//! message IT staff and logs have always read.

use std::net::SocketAddr;

use fedrec_common::batch::BatchProblem;
use fedrec_common::identity::IdentityError;
use fedrec_common::ids::IdError;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigProblem {
    #[error("missing: ministry, recommender or field-office")]
    MissingRole,
    #[error("missing or empty: name the office, e.g. 上海市人社局")]
    MissingName,
    #[error("the ministry acts for no recommender")]
    MinistryActsForNone,
    /// A recommender or field-office node without `recommender`; the role's key.
    #[error("missing: a {0} node acts for one recommender")]
    MissingRecommender(&'static str),
    #[error("{0}")]
    Recommender(IdError),
    #[error("the ministry node does not name another ministry")]
    MinistryNamesMinistry,
    #[error("missing: [ministry] address and key")]
    MissingMinistry,
    #[error("{0}")]
    MinistryKey(IdentityError),
    #[error("'{0}' is not a multiaddr like /ip4/127.0.0.1/tcp/7400")]
    NotMultiaddr(String),
    #[error("'{address}': '{host}' is not an IP address")]
    NotIpAddress { address: String, host: String },
    #[error("'{0}': expected /tcp/PORT or /udp/PORT/quic-v1 after the host")]
    NoTransport(String),
    #[error("'{0}' is not HOST:PORT, e.g. 127.0.0.1:7401")]
    NotHostPort(String),
    #[error(
        "{0} is not a loopback address; the local API speaks plain HTTP, so its token must not cross a network"
    )]
    NotLoopback(SocketAddr),
    /// `FEDREC_MDNS` holds something else than a yes or a no.
    #[error("FEDREC_MDNS='{0}' is not true or false")]
    MdnsVariable(String),
    #[error("must be more than 0")]
    Zero,
    #[error("'{0}' must end in /p2p/PEER_ID, so the node knows whom it reaches")]
    PeerWithoutId(String),
    /// `FEDREC_SYNC_INTERVAL_SECS` is not a number.
    #[error("FEDREC_SYNC_INTERVAL_SECS='{0}' is not a number of seconds")]
    SyncIntervalVariable(String),
    #[error("must be between 1 and 86400")]
    SyncIntervalRange,
    /// A batch file's key, checked by the core.
    #[error("{0}")]
    Batch(BatchProblem),
}
