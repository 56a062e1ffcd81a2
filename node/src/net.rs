//! The network: one event loop owns the libp2p swarm (TCP and QUIC, noise, yamux; identify,
//! ping, optional mDNS; the `/fedrec/sync/1` request-response protocol). The rest of the node
//! talks to it through a [`NetHandle`].
//!
//! Task tree: `run` spawns nothing long-lived besides the loop itself; every database operation
//! the loop needs (answering a request, planning a round, ingesting entries) runs in a blocking
//! task on the [`Node`], and its result comes back to the loop over the `internal` channel, so
//! the loop never blocks on disk.
//!
//! Gating (see [`gate`]): a connection from a peer the roster does not admit is refused in
//! libp2p's connection hooks, once the handshake has named the peer and before any stream of
//! its is opened, and counted; `connection_limits` bounds handshakes in progress, connections in
//! all and per peer. The gate decides from a roster snapshot the node publishes on every roster
//! change, never from the node's mutex; on each change the loop disconnects connected peers the
//! new roster no longer admits (a revoked key is cut off at once, not at its next reconnect).
//! Requests from a peer not marked authorised are refused too, in case one races a disconnect.
//!
//! Rounds start on a timer (anti-entropy), when a peer connects, and right after this node
//! writes or learns new entries (the push notice), so edits travel at once when peers are up.
//! [`Rounds`] keeps one round per peer at a time and never loses a reason for one: a notice that
//! arrives during a round starts another when it ends, and so does a request cut off by a
//! closed connection. Entries learned from a peer, and the receipts and verdicts the ministry
//! writes (whenever it writes them), start rounds only with the peers the roster lets read
//! their topics, the sender included: so a submission's verdict goes straight back to the
//! office that pushed it, and 300 offices pushing at once start 300 rounds, not 300 × 299.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use fedrec_common::feed::SignedEntry;
use fedrec_common::i18n::{s, tr};
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::Topic;
use fedrec_common::roster::Roster;
use fedrec_common::sync::{self, Request, Response};
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, identify, mdns, noise, ping, tcp, yamux};
use tokio::sync::{mpsc, oneshot};

use crate::api::Api;
use crate::daemon::node_id_of_peer;
use crate::metrics::Metrics;
use crate::rounds::Rounds;

pub mod gate;
pub mod permits;
pub mod rate;

/// The length-prefixed postcard codec of `/fedrec/sync/1`, with frame caps on both sides. It
/// counts what it reads and writes into the node's own [`Metrics`], so that several nodes in one
/// process (the demo, the benchmarks) keep separate figures.
#[derive(Clone)]
pub struct SyncCodec {
    metrics: Arc<Metrics>,
}

impl SyncCodec {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }

    fn bad_frame(&self, error: std::io::Error) -> std::io::Error {
        self.metrics.bad_frames.fetch_add(1, Ordering::Relaxed);
        error
    }

    fn invalid(&self, error: sync::WireError) -> std::io::Error {
        self.bad_frame(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            error.to_string(),
        ))
    }

    async fn read_frame<T: futures::AsyncRead + Unpin + Send>(
        &self,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        let mut length = [0u8; 4];
        io.read_exact(&mut length)
            .await
            .map_err(|e| self.bad_frame(e))?;
        let length = sync::check_frame_length(u32::from_be_bytes(length)).map_err(|e| {
            self.bad_frame(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                e.to_string(),
            ))
        })?;
        let mut body = Vec::new();
        read_body(io, length, &mut body)
            .await
            .map_err(|e| self.bad_frame(e))?;
        self.metrics
            .sync_bytes_received
            .fetch_add(4 + length as u64, Ordering::Relaxed);
        self.metrics
            .sync_frames_received
            .fetch_add(1, Ordering::Relaxed);
        Ok(body)
    }

    async fn write_frame<T: futures::AsyncWrite + Unpin + Send>(
        &self,
        io: &mut T,
        body: Vec<u8>,
    ) -> std::io::Result<()> {
        let length = u32::try_from(body.len()).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large")
        })?;
        io.write_all(&length.to_be_bytes()).await?;
        io.write_all(&body).await?;
        self.metrics
            .sync_bytes_sent
            .fetch_add(4 + u64::from(length), Ordering::Relaxed);
        self.metrics
            .sync_frames_sent
            .fetch_add(1, Ordering::Relaxed);
        io.close().await
    }
}

/// The first allocation for a frame's body, whatever length its prefix claims.
const FIRST_BODY_BYTES: usize = 64 * 1024;

/// Reads exactly `length` bytes into `body`, growing it as they arrive: a prefix that claims
/// 4 MiB and sends nothing costs [`FIRST_BODY_BYTES`], not 4 MiB, on each of the 64 streams a
/// connection may hold open.
async fn read_body<T: futures::AsyncRead + Unpin + Send>(
    io: &mut T,
    length: usize,
    body: &mut Vec<u8>,
) -> std::io::Result<()> {
    body.reserve(length.min(FIRST_BODY_BYTES));
    // `length` is at most MAX_FRAME_BYTES (checked by the caller), so it fits in a u64.
    let read = (&mut *io).take(length as u64).read_to_end(body).await?;
    if read < length {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("frame cut off after {read} of {length} bytes"),
        ));
    }
    Ok(())
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Request> {
        sync::decode(&self.read_frame(io).await?).map_err(|e| self.invalid(e))
    }

    async fn read_response<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Response> {
        sync::decode(&self.read_frame(io).await?).map_err(|e| self.invalid(e))
    }

    async fn write_request<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Request,
    ) -> std::io::Result<()> {
        let body = sync::encode(&request).map_err(|e| self.invalid(e))?;
        self.write_frame(io, body).await
    }

    async fn write_response<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Response,
    ) -> std::io::Result<()> {
        let body = sync::encode(&response).map_err(|e| self.invalid(e))?;
        self.write_frame(io, body).await
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    // The gate and the limits come first: a connection they refuse never reaches the others.
    gate: gate::Gate,
    limits: libp2p::connection_limits::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
}

/// What the network is told to do.
pub enum Command {
    /// This node wrote entries: tell connected peers now.
    Notify,
    /// The peers connected now, for `status`.
    Peers(oneshot::Sender<Vec<PeerInfo>>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PeerInfo {
    pub peer_id: String,
    pub node_id: Option<NodeId>,
    /// Seconds since this node last began a round with the peer, if it has.
    pub last_round_secs_ago: Option<u64>,
    /// Entries this node holds that the peer lacked at the last round (filled in by the API).
    #[serde(default)]
    pub pending_entries: Option<u64>,
}

/// The rest of the node's way to the network loop.
#[derive(Clone)]
pub struct NetHandle {
    tx: mpsc::Sender<Command>,
}

impl NetHandle {
    /// Tells the loop this node has new entries. Never blocks: if the loop is busy, the periodic
    /// round carries them instead.
    pub fn notify(&self) {
        let _ = self.tx.try_send(Command::Notify);
    }

    pub async fn peers(&self) -> Vec<PeerInfo> {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Command::Peers(tx)).await.is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }
}

pub struct NetConfig {
    pub listen: Vec<Multiaddr>,
    /// Peers to keep connected: the ministry, and any others configured (a field office's HQ).
    pub dial: Vec<Multiaddr>,
    pub mdns: bool,
    pub sync_interval: Duration,
    pub limits: fedrec_config::Limits,
}

/// Results of blocking work, delivered back to the loop.
enum Internal {
    Respond(request_response::ResponseChannel<Response>, Response),
    /// Requests to send to a peer as the next steps of a round.
    /// The next requests of a round with the peer, and whether its budget left work for
    /// another round (started as soon as this one ends).
    Send(PeerId, Vec<Request>, bool),
    /// New entries arrived: start rounds with the peers who may read them (store and forward).
    Learned(Learned),
    /// A peer's pushed entries were refused as invalid: they count against it.
    EntriesRefused(PeerId, u64),
}

/// Topics in which a message brought new entries, and the roster that says who reads them.
struct Learned {
    topics: BTreeSet<Topic>,
    roster: Option<Roster>,
}

impl Learned {
    /// Whether a peer with this key may want to hear of these entries. Without a roster, every
    /// peer may (rounds are cheap; a missed one waits for the timer).
    fn concerns(&self, peer: &NodeId) -> bool {
        match &self.roster {
            Some(roster) => self.topics.iter().any(|topic| roster.may_read(peer, topic)),
            None => true,
        }
    }
}

/// What the network keeps to prepare incoming messages off the node's lock (see
/// [`crate::replicate::prepare`]): one message per core at a time, and what earlier messages
/// showed.
struct Preparing {
    permits: permits::Permits,
    memory: crate::replicate::Remembered,
    /// This node's key: the Automerge actor of documents built ahead.
    own: NodeId,
}

impl Preparing {
    fn prepare(&self, entries: &[Vec<u8>]) -> fedrec_common::ingest::PreparedMessage {
        let _permit = self.permits.acquire();
        crate::replicate::prepare(entries, &self.own, &self.memory)
    }
}

/// The topics of the entries in a message, read without decoding the entries.
fn topics_of(entries: &[Vec<u8>]) -> BTreeSet<Topic> {
    entries
        .iter()
        .filter_map(|bytes| SignedEntry::peek_topic(bytes))
        .collect()
}

/// Peers admitted by the roster, with the key each one's peer id carries.
type Authorised = HashMap<PeerId, NodeId>;

/// A dial target with its backoff.
struct Target {
    address: Multiaddr,
    peer: Option<PeerId>,
    next_attempt: Instant,
    backoff: Duration,
}

pub fn channel() -> (NetHandle, mpsc::Receiver<Command>) {
    let (tx, rx) = mpsc::channel(64);
    (NetHandle { tx }, rx)
}

/// The swarm, built and listening, before its loop runs: built by [`bind`] while the daemon
/// starts, so that a listen address that cannot be bound stops the start with its reason
/// instead of leaving a daemon that answers its API but never syncs.
pub struct Network {
    swarm: libp2p::Swarm<Behaviour>,
    config: NetConfig,
    api: Arc<Api>,
    local_peer: PeerId,
    preparing: Arc<Preparing>,
    admitted_updates: tokio::sync::watch::Receiver<Arc<gate::Admitted>>,
    policing: rate::Policing<PeerId>,
}

/// Builds the swarm and binds every listen address of `config`.
pub fn bind(key: &NodeKey, config: NetConfig, api: Arc<Api>) -> anyhow::Result<Network> {
    let mut secret = key.secret_bytes();
    let keypair = libp2p::identity::Keypair::ed25519_from_bytes(&mut secret)?;
    let local_peer = keypair.public().to_peer_id();
    let mdns_enabled = config.mdns;
    // Taken once here, outside the loop; the loop then only reads the channel.
    let mut admitted_updates = api
        .node
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .admitted_updates();
    let admitted = Arc::clone(&admitted_updates.borrow_and_update());
    let policing = rate::Policing::new(
        rate::PeerBudgets::new(
            config.limits.peer_requests_burst,
            config.limits.peer_requests_per_sec,
        ),
        rate::Strikes::new(
            config.limits.peer_refusals_before_backoff,
            Duration::from_secs(config.limits.peer_backoff_secs.into()),
        ),
    );
    let connection_limits = libp2p::connection_limits::ConnectionLimits::default()
        .with_max_pending_incoming(Some(config.limits.max_pending_incoming_connections))
        .with_max_established_incoming(Some(config.limits.max_incoming_connections))
        .with_max_established_per_peer(Some(config.limits.max_connections_per_peer));
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_quic()
        .with_behaviour(|key| {
            let protocol = StreamProtocol::new(sync::PROTOCOL);
            let rr_config = request_response::Config::default()
                .with_request_timeout(Duration::from_secs(60))
                .with_max_concurrent_streams(64);
            let mdns = if mdns_enabled {
                Some(mdns::tokio::Behaviour::new(
                    mdns::Config {
                        // Query every 10 s rather than libp2p's 5 min, so a node that was not up
                        // (or whose interface had no address yet) at the first query is found soon.
                        query_interval: Duration::from_secs(10),
                        ..mdns::Config::default()
                    },
                    key.public().to_peer_id(),
                )?)
            } else {
                None
            };
            Ok(Behaviour {
                gate: gate::Gate::new(admitted, Arc::clone(&api.metrics)),
                limits: libp2p::connection_limits::Behaviour::new(connection_limits),
                sync: request_response::Behaviour::with_codec(
                    SyncCodec::new(Arc::clone(&api.metrics)),
                    [(protocol, ProtocolSupport::Full)],
                    rr_config,
                ),
                identify: identify::Behaviour::new(identify::Config::new(
                    "/fedrec/1.0.0".into(),
                    key.public(),
                )),
                ping: ping::Behaviour::new(ping::Config::new()),
                mdns: Toggle::from(mdns),
            })
        })?
        // A federation keeps its few connections open; periodic rounds keep them busy anyway.
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    for address in &config.listen {
        listen(&mut swarm, address)?;
    }
    Ok(Network {
        swarm,
        config,
        api,
        local_peer,
        preparing: Arc::new(Preparing {
            permits: permits::Permits::per_core(),
            memory: crate::replicate::Remembered::default(),
            own: key.id(),
        }),
        admitted_updates,
        policing,
    })
}

/// Starts listening on `address`; the error names the address and the system's reason (the
/// transport's own error prints nothing useful).
fn listen(swarm: &mut libp2p::Swarm<Behaviour>, address: &Multiaddr) -> anyhow::Result<()> {
    use std::error::Error as _;
    swarm
        .listen_on(address.clone())
        .map(|_| ())
        .map_err(|error| {
            let mut reason = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                reason = cause.to_string();
                source = cause.source();
            }
            anyhow::anyhow!(tr(
                "net-cannot-listen",
                &[("address", s(address.to_string())), ("reason", s(reason)),],
            ))
        })
}

/// Runs the network's loop until `shutdown` fires.
pub async fn run(
    network: Network,
    mut commands: mpsc::Receiver<Command>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Network {
        mut swarm,
        config,
        api,
        local_peer,
        preparing,
        mut admitted_updates,
        mut policing,
    } = network;
    let mut targets: Vec<Target> = config
        .dial
        .iter()
        .map(|address| Target {
            address: address.clone(),
            peer: peer_of(address),
            next_attempt: Instant::now(),
            backoff: Duration::from_millis(250),
        })
        .collect();
    let (internal_tx, mut internal) = mpsc::channel::<Internal>(256);
    let mut rounds: Rounds<PeerId, OutboundRequestId> = Rounds::default();
    let mut authorised = Authorised::new();
    let mut last_round: HashMap<PeerId, Instant> = HashMap::new();
    // Every round this loop starts goes through here: its first step (the digest) runs in a
    // blocking task, and it is recorded for `status`.
    let begin = |peer: PeerId, node_id: NodeId, last_round: &mut HashMap<PeerId, Instant>| {
        last_round.insert(peer, Instant::now());
        spawn_digest(&api, peer, node_id, &internal_tx, RoundCause::Other);
    };
    // The round a new connection starts: the peer starts one too, and each pushes what the
    // other lacks, so this one fetches none of it (see `Node::note_round_at_connect`).
    let begin_at_connect =
        |peer: PeerId, node_id: NodeId, last_round: &mut HashMap<PeerId, Instant>| {
            last_round.insert(peer, Instant::now());
            spawn_digest(&api, peer, node_id, &internal_tx, RoundCause::Connected);
        };
    let mut tick = tokio::time::interval(config.sync_interval);
    let mut redial = tokio::time::interval(Duration::from_millis(250));
    tracing::info!(peer = %local_peer, "network up");

    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Ok(()) = admitted_updates.changed() => {
                let admitted = Arc::clone(&admitted_updates.borrow_and_update());
                swarm.behaviour_mut().gate.set(Arc::clone(&admitted));
                let refused: Vec<PeerId> = swarm
                    .connected_peers()
                    .filter(|peer| !admitted.admits_peer(peer))
                    .copied()
                    .collect();
                for peer in refused {
                    tracing::warn!(%peer, "roster no longer admits this peer: disconnected");
                    authorised.remove(&peer);
                    api.metrics.peers_gated.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let _ = swarm.disconnect_peer_id(peer);
                }
            }
            _ = tick.tick() => {
                for (&peer, &node_id) in &authorised {
                    if rounds.want(peer) {
                        begin(peer, node_id, &mut last_round);
                    }
                }
            }
            _ = redial.tick() => {
                let now = Instant::now();
                for target in &mut targets {
                    let connected = target.peer.is_some_and(|p| swarm.is_connected(&p));
                    if connected || target.next_attempt > now {
                        continue;
                    }
                    tracing::debug!(address = %target.address, "dialling");
                    let _ = swarm.dial(target.address.clone());
                    target.next_attempt = now + target.backoff;
                    target.backoff = (target.backoff * 2).min(Duration::from_secs(30));
                }
            }
            Some(command) = commands.recv() => match command {
                Command::Notify => {
                    for (&peer, &node_id) in &authorised {
                        if rounds.want(peer) {
                            begin(peer, node_id, &mut last_round);
                        }
                    }
                }
                Command::Peers(reply) => {
                    let peers = swarm.connected_peers().map(|peer| PeerInfo {
                        peer_id: peer.to_string(),
                        node_id: node_id_of_peer(&peer.to_string()).ok(),
                        last_round_secs_ago: last_round.get(peer).map(|t| t.elapsed().as_secs()),
                        pending_entries: None,
                    }).collect();
                    let _ = reply.send(peers);
                }
            },
            Some(message) = internal.recv() => match message {
                Internal::Respond(channel, response) => {
                    let _ = swarm.behaviour_mut().sync.send_response(channel, response);
                }
                Internal::EntriesRefused(peer, entries) => {
                    if let Some(backoff) = policing.entries_refused(peer, entries, Instant::now()) {
                        back_off(&mut swarm, &api, &mut authorised, peer, backoff);
                    }
                }
                Internal::Send(peer, requests, unfinished) => {
                    if authorised.contains_key(&peer) {
                        for request in requests {
                            let id = swarm.behaviour_mut().sync.send_request(&peer, request);
                            rounds.sent(id, peer);
                        }
                        if unfinished {
                            // The round is under way, so this only marks it owed another.
                            rounds.want(peer);
                        }
                    }
                    if rounds.step_done(peer) {
                        match authorised.get(&peer) {
                            Some(&node_id) => begin(peer, node_id, &mut last_round),
                            // Gone meanwhile: release the step counted for the owed round.
                            None => { rounds.step_done(peer); }
                        }
                    }
                }
                Internal::Learned(learned) => {
                    for (&peer, node_id) in &authorised {
                        if learned.concerns(node_id) && rounds.want(peer) {
                            begin(peer, *node_id, &mut last_round);
                        }
                    }
                }
            },
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                    // The gate admitted this connection; check again in case the roster changed
                    // between its decision and this event.
                    let admitted = swarm
                        .behaviour()
                        .gate
                        .admits(&peer_id)
                        .then(|| node_id_of_peer(&peer_id.to_string()).ok())
                        .flatten();
                    if let Some(node_id) = admitted {
                        if authorised.insert(peer_id, node_id).is_none() {
                            tracing::info!(peer = %peer_id, "peer connected");
                            if rounds.want(peer_id) {
                                begin_at_connect(peer_id, node_id, &mut last_round);
                            }
                        }
                        for target in targets.iter_mut().filter(|t| t.peer == Some(peer_id)) {
                            target.backoff = Duration::from_millis(250);
                        }
                    } else {
                        tracing::warn!(peer = %peer_id, "peer not in the roster: disconnected");
                        api.metrics.peers_gated.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let _ = swarm.disconnect_peer_id(peer_id);
                    }
                }
                SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                    authorised.remove(&peer_id);
                    rounds.disconnected(&peer_id);
                    tracing::debug!(peer = %peer_id, "peer disconnected");
                }
                SwarmEvent::NewListenAddr { address, .. } => tracing::info!(%address, "listening"),
                SwarmEvent::IncomingConnectionError {
                    error: libp2p::swarm::ListenError::Denied { cause },
                    ..
                } if cause
                    .downcast_ref::<libp2p::connection_limits::Exceeded>()
                    .is_some() =>
                {
                    api.metrics.connections_limited.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%cause, "incoming connection over a limit: refused");
                }
                SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                    // A discovered peer joins the dial targets, so a failed first dial is retried
                    // with backoff like a configured peer's (mDNS reports a peer only once).
                    for (peer, address) in found {
                        swarm.add_peer_address(peer, address.clone());
                        let address = if peer_of(&address).is_some() {
                            address
                        } else {
                            address.with(libp2p::multiaddr::Protocol::P2p(peer))
                        };
                        if !targets.iter().any(|t| t.address == address) {
                            tracing::info!(%address, "peer found by mDNS");
                            targets.push(Target {
                                address,
                                peer: Some(peer),
                                next_attempt: Instant::now(),
                                backoff: Duration::from_millis(250),
                            });
                        }
                    }
                }
                SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => {
                    match handle_sync_event(event, &api, &preparing, &authorised, &mut rounds, &mut policing, &internal_tx) {
                        FollowUp::Begin(peer) => {
                            if let Some(&node_id) = authorised.get(&peer) {
                                begin(peer, node_id, &mut last_round);
                            }
                        }
                        FollowUp::BackOff(peer, backoff) => {
                            back_off(&mut swarm, &api, &mut authorised, peer, backoff);
                        }
                        FollowUp::Nothing => {}
                    }
                }
                _ => {}
            },
        }
    }
    tracing::info!("network down");
    Ok(())
}

/// The peer id at the end of a multiaddr, if it names one.
fn peer_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|protocol| match protocol {
        libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

/// Disconnects a roster peer that earned too many refusals and refuses its connections for
/// `backoff` (the ministry excepted: the gate never keeps it away).
fn back_off(
    swarm: &mut libp2p::Swarm<Behaviour>,
    api: &Api,
    authorised: &mut Authorised,
    peer: PeerId,
    backoff: Duration,
) {
    if !swarm
        .behaviour_mut()
        .gate
        .back_off(peer, Instant::now() + backoff)
    {
        return;
    }
    tracing::warn!(
        %peer,
        seconds = backoff.as_secs(),
        "peer sent too much refused input: disconnected and backed off"
    );
    api.metrics.peers_backed_off.fetch_add(1, Ordering::Relaxed);
    authorised.remove(&peer);
    let _ = swarm.disconnect_peer_id(peer);
}

/// What the loop must do after a sync event.
enum FollowUp {
    Nothing,
    /// A peer's owed round must begin now (a failed request ended a round during which a
    /// notice arrived).
    Begin(PeerId),
    /// A peer earned a backoff.
    BackOff(PeerId, Duration),
}

/// Handles one event of the sync protocol.
fn handle_sync_event(
    event: request_response::Event<Request, Response>,
    api: &Arc<Api>,
    preparing: &Arc<Preparing>,
    authorised: &Authorised,
    rounds: &mut Rounds<PeerId, OutboundRequestId>,
    policing: &mut rate::Policing<PeerId>,
    internal: &mpsc::Sender<Internal>,
) -> FollowUp {
    match event {
        request_response::Event::Message { peer, message, .. } => match message {
            request_response::Message::Request {
                request, channel, ..
            } => {
                let internal = internal.clone();
                let Some(&node_id) = authorised.get(&peer) else {
                    let refusal = Response::Refused {
                        reason: "this node does not sync with peers outside the roster".into(),
                    };
                    let _ = internal.try_send(Internal::Respond(channel, refusal));
                    return FollowUp::Nothing;
                };
                let admission = policing.admit(peer, Instant::now());
                if admission != rate::Admission::Admitted {
                    api.metrics.requests_limited.fetch_add(1, Ordering::Relaxed);
                    let refusal = Response::Refused {
                        reason: "too many requests: over this peer's rate (limits.peer_requests_per_sec)".into(),
                    };
                    let _ = internal.try_send(Internal::Respond(channel, refusal));
                    return match admission {
                        rate::Admission::BackOff(backoff) => FollowUp::BackOff(peer, backoff),
                        _ => FollowUp::Nothing,
                    };
                }
                let api = Arc::clone(api);
                let preparing = Arc::clone(preparing);
                tokio::task::spawn_blocking(move || {
                    // Decoding and signatures are checked before the node's lock is taken, so
                    // they overlap with the intake of another message.
                    let (topics, prepared) = match &request {
                        Request::Push { entries } => {
                            (topics_of(entries), Some(preparing.prepare(entries)))
                        }
                        _ => (BTreeSet::new(), None),
                    };
                    let (response, learned) = {
                        let _turn = prepared.is_some().then(|| intake_turn(&api));
                        let mut node = api
                            .node
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let (response, learned) = node.answer_prepared(&node_id, request, prepared);
                        (response, news(&mut node, learned, topics))
                    };
                    if let Response::Ack { refused, .. } = &response
                        && *refused > 0
                    {
                        let _ = internal
                            .blocking_send(Internal::EntriesRefused(peer, u64::from(*refused)));
                    }
                    let _ = internal.blocking_send(Internal::Respond(channel, response));
                    if let Some(learned) = learned {
                        let _ = internal.blocking_send(Internal::Learned(learned));
                    }
                });
                FollowUp::Nothing
            }
            request_response::Message::Response {
                request_id,
                response,
            } => {
                let Some(peer) = rounds.answered(&request_id) else {
                    return FollowUp::Nothing;
                };
                let api = Arc::clone(api);
                let internal = internal.clone();
                let node_id = authorised.get(&peer).copied();
                let preparing = Arc::clone(preparing);
                tokio::task::spawn_blocking(move || {
                    let (topics, prepared) = match &response {
                        Response::Entries { entries, .. } => {
                            (topics_of(entries), Some(preparing.prepare(entries)))
                        }
                        _ => (BTreeSet::new(), None),
                    };
                    let (next, learned, unfinished) = match node_id {
                        Some(node_id) => {
                            let _turn = prepared.is_some().then(|| intake_turn(&api));
                            let mut node = api
                                .node
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            let (next, learned) =
                                node.on_response_prepared(&node_id, response, prepared);
                            let unfinished = node.take_unfinished_round(&node_id);
                            (next, news(&mut node, learned, topics), unfinished)
                        }
                        None => (Vec::new(), None, false),
                    };
                    // Sent even when empty: it tells the loop this step of the round is done.
                    let _ = internal.blocking_send(Internal::Send(peer, next, unfinished));
                    if let Some(learned) = learned {
                        let _ = internal.blocking_send(Internal::Learned(learned));
                    }
                });
                FollowUp::Nothing
            }
        },
        request_response::Event::OutboundFailure {
            peer,
            request_id,
            error,
            ..
        } => {
            tracing::debug!(%peer, %error, "sync request failed");
            // A round cut short by a closed connection is owed again: the peer may still be
            // connected on another, and would otherwise wait for the timer (30 s by default).
            let failed = match error {
                request_response::OutboundFailure::ConnectionClosed => {
                    rounds.failed_on_closed_connection(&request_id)
                }
                _ => rounds.failed(&request_id),
            };
            match failed {
                Some((peer, true)) if authorised.contains_key(&peer) => FollowUp::Begin(peer),
                Some((peer, true)) => {
                    // Gone meanwhile: release the step counted for the owed round.
                    rounds.step_done(peer);
                    FollowUp::Nothing
                }
                _ => FollowUp::Nothing,
            }
        }
        request_response::Event::InboundFailure { peer, error, .. } => {
            tracing::debug!(%peer, %error, "inbound sync request failed");
            FollowUp::Nothing
        }
        request_response::Event::ResponseSent { .. } => FollowUp::Nothing,
    }
}

/// What a step of sync gave peers to hear of: the topics of the entries it brought in (when it
/// brought any), and those this node signed on during it (the ministry's receipts and verdicts,
/// also those written when a peer's answer opened a topic that held them back). `None` when
/// there is nothing.
fn news(node: &mut crate::node::Node, learned: bool, incoming: BTreeSet<Topic>) -> Option<Learned> {
    let mut topics = node.take_written_topics();
    if learned {
        topics.extend(incoming);
    }
    (!topics.is_empty()).then(|| Learned {
        topics,
        roster: node.roster().ok().flatten(),
    })
}

/// Waits for this message's turn to bring entries in (see [`Api::intake_turn`]); taken before
/// the node's lock, never while holding it.
fn intake_turn(api: &Api) -> std::sync::MutexGuard<'_, ()> {
    api.intake_turn
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why a round starts, as far as its plan cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RoundCause {
    /// The connection to the peer has just been established, and the peer starts a round too.
    Connected,
    /// A timer, a write, entries learned, or a round owed.
    Other,
}

/// The first step of a round with `peer`, already counted as running in [`Rounds`]: computes
/// this node's digest for it in a blocking task and hands it to the loop to send.
fn spawn_digest(
    api: &Arc<Api>,
    peer: PeerId,
    node_id: NodeId,
    internal: &mpsc::Sender<Internal>,
    cause: RoundCause,
) {
    let api = Arc::clone(api);
    let internal = internal.clone();
    tokio::task::spawn_blocking(move || {
        let request = {
            let mut node = api
                .node
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cause == RoundCause::Connected {
                node.note_round_at_connect(&node_id);
            }
            node.digest_for(&node_id).ok()
        };
        if request.is_some() {
            api.metrics
                .sync_rounds
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // Sent even when empty: it tells the loop the round's first step is done.
        let _ = internal.blocking_send(Internal::Send(peer, request.into_iter().collect(), false));
    });
}

/// A codec that writes a request's bytes exactly as given (length prefix included) and reads
/// the answer as an ordinary frame: the tool for sending hand-made or hostile input over the
/// real network path (`fedrec debug send`).
#[derive(Clone)]
pub struct RawCodec(SyncCodec);

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        self.0.read_frame(io).await
    }

    async fn read_response<T: futures::AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        self.0.read_frame(io).await
    }

    async fn write_request<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        bytes: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&bytes).await?;
        io.close().await
    }

    async fn write_response<T: futures::AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        bytes: Vec<u8>,
    ) -> std::io::Result<()> {
        self.0.write_frame(io, bytes).await
    }
}

/// Connects to `peer` with `key`, sends `bytes` verbatim on `/fedrec/sync/1`, and returns the
/// decoded answer, or why there was none.
pub async fn send_raw(
    key: &NodeKey,
    peer: Multiaddr,
    bytes: Vec<u8>,
    timeout: Duration,
) -> anyhow::Result<Result<Response, String>> {
    let mut answers = send_raw_many(key, peer, vec![bytes], timeout).await?;
    Ok(answers.pop().unwrap_or_else(|| Err("no answer".into())))
}

/// Like [`send_raw`] for several requests, all sent at once on one connection (one stream
/// each); the answers come back in the order of `requests`.
pub async fn send_raw_many(
    key: &NodeKey,
    peer: Multiaddr,
    requests: Vec<Vec<u8>>,
    timeout: Duration,
) -> anyhow::Result<Vec<Result<Response, String>>> {
    let mut secret = key.secret_bytes();
    let keypair = libp2p::identity::Keypair::ed25519_from_bytes(&mut secret)?;
    let target =
        peer_of(&peer).ok_or_else(|| anyhow::anyhow!("{peer} must end in /p2p/PEER_ID"))?;
    let streams = requests.len().max(1);
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_behaviour(|_| {
            request_response::Behaviour::with_codec(
                RawCodec(SyncCodec::new(Arc::default())),
                [(
                    StreamProtocol::new(sync::PROTOCOL),
                    ProtocolSupport::Outbound,
                )],
                request_response::Config::default()
                    .with_request_timeout(timeout)
                    .with_max_concurrent_streams(streams),
            )
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(5)))
        .build();
    swarm.dial(peer)?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut answers: Vec<Option<Result<Response, String>>> = vec![None; requests.len()];
    let mut sent: HashMap<OutboundRequestId, usize> = HashMap::new();
    let mut pending = Some(requests);
    let fill = |answers: &mut Vec<Option<Result<Response, String>>>, why: &str| {
        for answer in answers.iter_mut().filter(|a| a.is_none()) {
            *answer = Some(Err(why.to_string()));
        }
    };
    while answers.iter().any(Option::is_none) {
        let Ok(event) = tokio::time::timeout_at(deadline, swarm.select_next_some()).await else {
            fill(&mut answers, &format!("no answer within {timeout:?}"));
            break;
        };
        match event {
            SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == target => {
                for (index, bytes) in pending.take().into_iter().flatten().enumerate() {
                    sent.insert(swarm.behaviour_mut().send_request(&target, bytes), index);
                }
            }
            SwarmEvent::Behaviour(request_response::Event::Message {
                message:
                    request_response::Message::Response {
                        request_id,
                        response,
                    },
                ..
            }) => {
                if let Some(&index) = sent.get(&request_id) {
                    answers[index] = Some(sync::decode(&response).map_err(|e| e.to_string()));
                }
            }
            SwarmEvent::Behaviour(request_response::Event::OutboundFailure {
                request_id,
                error,
                ..
            }) => {
                if let Some(&index) = sent.get(&request_id) {
                    answers[index] = Some(Err(error.to_string()));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, .. }
                if peer_id == target && pending.is_none() =>
            {
                fill(&mut answers, "the peer closed the connection");
            }
            SwarmEvent::OutgoingConnectionError { error, .. } => {
                fill(&mut answers, &error.to_string());
            }
            _ => {}
        }
    }
    Ok(answers.into_iter().flatten().collect())
}

#[cfg(test)]
mod codec_tests {
    use super::*;

    /// A peer that announces 4 MiB and sends 100 bytes before it stops: the buffer held while
    /// waiting grows with what arrived (it was the announced 4 MiB, allocated up front).
    #[test]
    fn a_frame_buffer_grows_with_the_bytes_received_not_the_length_claimed() {
        let claimed = sync::MAX_FRAME_BYTES;
        let mut io = futures::io::Cursor::new(vec![7u8; 100]);
        let mut body = Vec::new();
        let result = futures::executor::block_on(read_body(&mut io, claimed, &mut body));
        assert_eq!(
            result.unwrap_err().kind(),
            std::io::ErrorKind::UnexpectedEof
        );
        assert_eq!(body.len(), 100);
        assert!(
            body.capacity() <= FIRST_BODY_BYTES,
            "{} bytes held for 100 received",
            body.capacity()
        );
        // A whole frame still reads.
        let mut io = futures::io::Cursor::new(vec![7u8; 200_000]);
        let mut body = Vec::new();
        futures::executor::block_on(read_body(&mut io, 200_000, &mut body)).unwrap();
        assert_eq!(body, vec![7u8; 200_000]);
    }
}
