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
    /// A `[ui]` key given without `ui.remote_listen`.
    #[error("has no use without ui.remote_listen, the address to serve other machines on")]
    UiWithoutRemoteListen,
    #[error("'{0}' is not HOST:PORT, e.g. 0.0.0.0:7443")]
    NotRemoteHostPort(String),
    /// `ui.remote_listen` without both TLS files.
    #[error(
        "missing: ui.remote_listen = \"{0}\" serves other machines, which is done over TLS only; give both tls_cert and tls_key (PEM files)"
    )]
    RemoteWithoutTls(String),
    #[error(
        "missing: the names people's browsers use to reach this node, e.g. [\"fedrec.example.gov.cn\", \"10.1.2.3\"]; other names are refused"
    )]
    MissingRemoteHosts,
    #[error("'{0}' is not a host name or IP address (give it without a port)")]
    NotRemoteHost(String),
    /// A TLS file that cannot be read: the file and the system's reason.
    #[error("{file}: cannot read: {reason}")]
    TlsFileUnreadable { file: String, reason: String },
    #[error("{0}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoPemCertificate(String),
    #[error(
        "{0}: holds no PEM private key (-----BEGIN PRIVATE KEY-----, or RSA or EC PRIVATE KEY)"
    )]
    NoPemPrivateKey(String),
}
