//! The listener for other machines (`[ui] remote_listen`): the same router as on loopback,
//! behind its own gate ([`super::auth::Gate::remote`]), served over TLS only.
//!
//! The certificate and key are read and checked when the daemon starts, so a wrong file stops
//! it with the file's name. Connections flow: a task accepts TCP connections and runs each
//! one's TLS handshake in a task of its own, at most [`MAX_HANDSHAKES`] at once and each within
//! [`HANDSHAKE_TIMEOUT`], so a client that stalls its handshake holds up nobody else; finished
//! handshakes go through a bounded channel to [`TlsListener::accept`], which axum's server
//! calls. A client that speaks plain HTTP to this port fails its handshake and is closed. When
//! the server stops, it drops the listener, and the accepting task ends with the channel.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use fedrec_config::RemoteUi;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tracing::Instrument;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// TLS handshakes in flight at once; further connections wait to be accepted.
pub const MAX_HANDSHAKES: usize = 64;
/// How long a client may take over its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's TLS configuration from the PEM files `remote` names: TLS 1.3 (rustls's safe
/// defaults with the aws-lc provider libp2p already links), HTTP/1.1, no client certificates.
pub fn server_config(remote: &RemoteUi) -> anyhow::Result<Arc<ServerConfig>> {
    let cert_file = remote.tls_cert.display();
    let key_file = remote.tls_key.display();
    let certs = CertificateDer::pem_file_iter(&remote.tls_cert)
        .with_context(|| format!("ui.tls_cert: {cert_file}: cannot read"))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("ui.tls_cert: {cert_file}: not a PEM certificate chain"))?;
    if certs.is_empty() {
        bail!("ui.tls_cert: {cert_file}: holds no certificate");
    }
    let key = PrivateKeyDer::from_pem_file(&remote.tls_key)
        .with_context(|| format!("ui.tls_key: {key_file}: not a readable PEM private key"))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("the TLS library refused its own defaults")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!("ui.tls_key: {key_file} is not the key of the certificate in {cert_file}")
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Connections whose TLS handshake has finished, for axum's server.
pub struct TlsListener {
    handshaken: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `listener` with `config` (inside the caller's span).
    pub fn spawn(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let (sender, handshaken) = mpsc::channel(MAX_HANDSHAKES);
        tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender).in_current_span());
        Ok(Self { handshaken, local })
    }
}

/// Accepts TCP connections until the listener is dropped, each handshake in its own task.
async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    sender: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = Arc::clone(&handshakes).acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = sender.closed() => return,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, usually: wait rather than spin.
                tracing::warn!(%error, "cannot accept a TLS connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, sender) = (acceptor.clone(), sender.clone());
        tokio::spawn(
            async move {
                let _permit = permit;
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = sender.send((stream, peer)).await;
                    }
                    Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                }
            }
            .in_current_span(),
        );
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.handshaken.recv().await {
            Some(connection) => connection,
            // The accepting task has ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
