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
//!
//! It also keeps away, for a while, roster peers the network loop has backed off for sending
//! refused input (see `rate::Strikes`); the ministry is never backed off.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Instant;

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

    /// Whether `peer` is the ministry's key, which is never backed off.
    pub fn is_ministry_peer(&self, peer: &PeerId) -> bool {
        node_id_of_peer(&peer.to_string()).is_ok_and(|id| id == self.ministry)
    }

    /// Like [`Admitted::admits`], for a libp2p peer id (which embeds an ed25519 key).
    pub fn admits_peer(&self, peer: &PeerId) -> bool {
        node_id_of_peer(&peer.to_string()).is_ok_and(|id| self.admits(&id))
    }
}

/// Refused because the roster does not admit the peer, or it is backed off.
#[derive(Debug)]
enum NotAdmitted {
    NotInRoster(PeerId),
    BackedOff(PeerId),
}

impl std::fmt::Display for NotAdmitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotInRoster(peer) => write!(f, "peer {peer} is not in the roster"),
            Self::BackedOff(peer) => {
                write!(f, "peer {peer} is backed off for sending refused input")
            }
        }
    }
}

impl std::error::Error for NotAdmitted {}

/// The libp2p behaviour that refuses connections from peers the roster does not admit.
pub struct Gate {
    admitted: Arc<Admitted>,
    metrics: Arc<Metrics>,
    /// Roster peers kept away until the instant given, for earning too many refusals.
    backed_off: HashMap<PeerId, Instant>,
}

impl Gate {
    pub fn new(admitted: Arc<Admitted>, metrics: Arc<Metrics>) -> Self {
        Self {
            admitted,
            metrics,
            backed_off: HashMap::new(),
        }
    }

    /// Refuses `peer`'s connections until `until`; false (and nothing done) for the ministry,
    /// which is never kept away. Held for roster peers only, one entry each.
    pub fn back_off(&mut self, peer: PeerId, until: Instant) -> bool {
        if self.admitted.is_ministry_peer(&peer) {
            return false;
        }
        let now = Instant::now();
        self.backed_off.retain(|_, until| *until > now);
        self.backed_off.insert(peer, until);
        true
    }

    fn is_backed_off(&self, peer: &PeerId) -> bool {
        self.backed_off
            .get(peer)
            .is_some_and(|until| *until > Instant::now())
    }

    /// Takes a new roster snapshot; connections opened from now on are judged by it.
    pub fn set(&mut self, admitted: Arc<Admitted>) {
        self.admitted = admitted;
    }

    /// Whether `peer` may hold a connection now: the roster admits it and it is not backed off.
    pub fn admits(&self, peer: &PeerId) -> bool {
        self.admitted.admits_peer(peer) && !self.is_backed_off(peer)
    }

    fn judge(&self, peer: PeerId) -> Result<THandler<Self>, ConnectionDenied> {
        if !self.admitted.admits_peer(&peer) {
            self.metrics.peers_gated.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%peer, "connection refused: peer not in the roster");
            return Err(ConnectionDenied::new(NotAdmitted::NotInRoster(peer)));
        }
        if self.is_backed_off(&peer) {
            self.metrics.peers_gated.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%peer, "connection refused: peer backed off");
            return Err(ConnectionDenied::new(NotAdmitted::BackedOff(peer)));
        }
        Ok(dummy::ConnectionHandler)
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
