//! Who may hold a connection to this node, decided before any stream of theirs is read.
//!
//! [`Admitted`] is a snapshot of the roster's answer: the ministry, every key the roster grants
//! and has not revoked, or (before any roster) the peers the operator configured. The node
//! publishes a new snapshot on a watch channel whenever its roster changes; the network loop
//! hands it to the [`Gate`] behaviour and disconnects connected peers the new roster no longer
//! admits. The gate holds its own copy, so deciding never takes the node's mutex.
//!
//! The gate refuses unknown peers in libp2p's connection hooks: an inbound connection is refused
//! as soon as the noise handshake has told who it is (`handle_established_inbound_connection`),
//! before any behaviour's handler exists, so none of its streams is ever opened; an outbound one
//! to a peer outside the roster (one found by mDNS, say) likewise. Each refusal is counted in
//! `fedrec_peers_gated_total`.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use fedrec_common::identity::NodeId;
use fedrec_common::roster::Roster;
use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

use crate::daemon::node_id_of_peer;
use crate::metrics::Metrics;

/// The peers this node syncs with, as its roster stood when the snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    ministry: NodeId,
    /// Keys the roster grants and has not revoked; `None` before the node holds any roster.
    granted: Option<HashSet<NodeId>>,
    /// Before any roster, the configured peers may bring the ministry's signed roster (it is
    /// verified against the ministry key, whoever carries it).
    configured: HashSet<NodeId>,
}

impl Admitted {
    pub fn new(ministry: NodeId, roster: Option<&Roster>, configured: Vec<NodeId>) -> Self {
        // A key's first grant decides, as `Roster::grant` finds it.
        let granted = roster.map(|roster| {
            let mut seen = HashSet::new();
            roster
                .keys
                .iter()
                .filter(|grant| seen.insert(grant.key))
                .filter(|grant| grant.revoked_after.is_none())
                .map(|grant| grant.key)
                .collect()
        });
        Self {
            ministry,
            granted,
            configured: configured.into_iter().collect(),
        }
    }

    /// Whether a peer with this key may sync with this node at all.
    pub fn admits(&self, peer: &NodeId) -> bool {
        if *peer == self.ministry {
            return true;
        }
        match &self.granted {
            Some(granted) => granted.contains(peer),
            None => self.configured.contains(peer),
        }
    }

    /// Like [`Admitted::admits`], for a libp2p peer id (which embeds an ed25519 key).
    pub fn admits_peer(&self, peer: &PeerId) -> bool {
        node_id_of_peer(&peer.to_string()).is_ok_and(|id| self.admits(&id))
    }
}

/// Refused because the roster does not admit the peer.
#[derive(Debug)]
struct NotAdmitted(PeerId);

impl std::fmt::Display for NotAdmitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "peer {} is not in the roster", self.0)
    }
}

impl std::error::Error for NotAdmitted {}

/// The libp2p behaviour that refuses connections from peers the roster does not admit.
pub struct Gate {
    admitted: Arc<Admitted>,
    metrics: Arc<Metrics>,
}

impl Gate {
    pub fn new(admitted: Arc<Admitted>, metrics: Arc<Metrics>) -> Self {
        Self { admitted, metrics }
    }

    /// Takes a new roster snapshot; connections opened from now on are judged by it.
    pub fn set(&mut self, admitted: Arc<Admitted>) {
        self.admitted = admitted;
    }

    pub fn admits(&self, peer: &PeerId) -> bool {
        self.admitted.admits_peer(peer)
    }

    fn judge(&self, peer: PeerId) -> Result<THandler<Self>, ConnectionDenied> {
        if self.admits(&peer) {
            return Ok(dummy::ConnectionHandler);
        }
        self.metrics.peers_gated.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%peer, "connection refused: peer not in the roster");
        Err(ConnectionDenied::new(NotAdmitted(peer)))
    }
}

impl NetworkBehaviour for Gate {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        peer: PeerId,
        _local_addr: &Multiaddr,
        _remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.judge(peer)
    }

    fn handle_pending_outbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        peer: Option<PeerId>,
        _addresses: &[Multiaddr],
        _effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        // A dial that names its peer is refused before a packet leaves; one that does not is
        // judged once the handshake has named it.
        match peer {
            Some(peer) => self.judge(peer).map(|_| Vec::new()),
            None => Ok(Vec::new()),
        }
    }

    fn handle_established_outbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        peer: PeerId,
        _addr: &Multiaddr,
        _role_override: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.judge(peer)
    }

    fn on_swarm_event(&mut self, _event: FromSwarm) {}

    fn on_connection_handler_event(
        &mut self,
        _peer_id: PeerId,
        _connection_id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(
        &mut self,
        _cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedrec_common::identity::NodeKey;

    #[test]
    fn before_a_roster_only_the_ministry_and_configured_peers_are_admitted() {
        let ministry = NodeKey::for_test("gate: ministry").id();
        let hq = NodeKey::for_test("gate: hq").id();
        let stranger = NodeKey::for_test("gate: stranger").id();
        let admitted = Admitted::new(ministry, None, vec![hq]);
        assert!(admitted.admits(&ministry) && admitted.admits(&hq));
        assert!(!admitted.admits(&stranger));
    }
}
