//! A fault-injecting TCP proxy for the process tests: a node dials the proxy instead of its peer,
//! and the test cuts the link (open connections closed, new ones refused), heals it, delays
//! every chunk of bytes, or drops connections mid-message at random. The noise handshake runs
//! end to end through it, so a proxy can delay and drop but never read or forge.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the link does to traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinkMode {
    /// Bytes pass at once.
    Up,
    /// Open connections are closed and new ones refused.
    Cut,
    /// Every chunk of bytes waits this long before it is passed on.
    Delay(Duration),
    /// Each chunk closes its connection with this probability (a message dropped mid-flight).
    Flaky(f64),
}

struct Shared {
    mode: Mutex<LinkMode>,
    connections: Mutex<Vec<TcpStream>>,
    /// Chunks passed, and connections dropped by faults.
    chunks: AtomicU64,
    dropped: AtomicU64,
    random: AtomicU64,
    stop: AtomicBool,
}

/// One proxied link: listens on loopback and forwards to `target`.
pub struct Proxy {
    pub address: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    pub fn start(target: SocketAddr, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the proxy");
        let address = listener.local_addr().expect("bound");
        let shared = Arc::new(Shared {
            mode: Mutex::new(LinkMode::Up),
            connections: Mutex::new(Vec::new()),
            chunks: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            random: AtomicU64::new(seed | 1),
            stop: AtomicBool::new(false),
        });
        let accept = Arc::clone(&shared);
        std::thread::spawn(move || {
            for incoming in listener.incoming() {
                if accept.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(client) = incoming else { continue };
                if accept.mode() == LinkMode::Cut {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                for stream in [&client, &server] {
                    let _ = stream.set_nodelay(true);
                    if let Ok(clone) = stream.try_clone() {
                        accept.lock_connections().push(clone);
                    }
                }
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
                        continue;
                    };
                    let shared = Arc::clone(&accept);
                    std::thread::spawn(move || pump(from, to, &shared));
                }
            }
        });
        Self { address, shared }
    }

    /// The proxy's address as a multiaddr for `peer_id`.
    pub fn multiaddr(&self, peer_id: &str) -> String {
        format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", self.address.port())
    }

    pub fn set(&self, mode: LinkMode) {
        *self
            .shared
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
        if mode == LinkMode::Cut {
            self.shared.close_all();
        }
    }

    pub fn mode(&self) -> LinkMode {
        self.shared.mode()
    }

    /// (chunks passed, connections dropped by faults).
    pub fn counts(&self) -> (u64, u64) {
        (
            self.shared.chunks.load(Ordering::Relaxed),
            self.shared.dropped.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.close_all();
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(self.address);
    }
}

impl Shared {
    fn mode(&self) -> LinkMode {
        *self
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_connections(&self) -> std::sync::MutexGuard<'_, Vec<TcpStream>> {
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn close_all(&self) {
        for stream in self.lock_connections().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// A number in [0, 1) from a shared xorshift generator.
    fn chance(&self) -> f64 {
        let mut x = self.random.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        match shared.mode() {
            LinkMode::Up => {}
            LinkMode::Cut => break,
            LinkMode::Delay(delay) => std::thread::sleep(delay),
            LinkMode::Flaky(probability) => {
                if shared.chance() < probability {
                    shared.dropped.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
        shared.chunks.fetch_add(1, Ordering::Relaxed);
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
