//! The web interface for other machines, turned on by `[ui] remote_listen`: served over TLS
//! only, on an address other than the loopback API's (127.0.0.2 here), with a self-signed
//! certificate that the test's client trusts. The login link works there, its session cookie
//! is `Secure`, the gate admits the configured name over `https://` only, and plain HTTP to the
//! TLS port gets no answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fedrec_tests::process::{Daemon, init_node, ok};
use rustls::pki_types::{CertificateDer, ServerName};

/// The address the remote interface listens on: loopback, but not the API's 127.0.0.1.
const REMOTE_IP: &str = "127.0.0.2";

/// An answer read off the wire: status, headers (lower-case names) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn parse(bytes: &[u8]) -> Answer {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text}"));
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

/// A TLS client that trusts `cert` alone.
fn client(cert: &CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Sends one HTTP/1.1 request over TLS to `port` and reads the whole answer.
fn send_tls(
    config: &Arc<rustls::ClientConfig>,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let name = ServerName::try_from(REMOTE_IP).unwrap();
    let connection = rustls::ClientConnection::new(Arc::clone(config), name).unwrap();
    let tcp = TcpStream::connect((REMOTE_IP, port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {REMOTE_IP}:{port}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    // The server may close without a TLS close_notify; what arrived before counts.
    let _ = stream.read_to_end(&mut bytes);
    Answer::parse(&bytes)
}

/// Writes a self-signed certificate for `REMOTE_IP` into `data`; returns it.
fn self_signed(data: &Path) -> CertificateDer<'static> {
    let certified = rcgen::generate_simple_self_signed(vec![REMOTE_IP.to_string()]).unwrap();
    std::fs::write(data.join("tls-cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(data.join("tls-key.pem"), certified.key_pair.serialize_pem()).unwrap();
    certified.cert.der().clone()
}

#[test]
fn the_interface_for_other_machines_is_served_over_tls_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let cert = self_signed(&data);
    let config = data.join("fedrec.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[ui]\nremote_listen = \"{REMOTE_IP}:0\"\nremote_hosts = [\"{REMOTE_IP}\"]\n\
         tls_cert = \"tls-cert.pem\"\ntls_key = \"tls-key.pem\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    let _daemon = Daemon::start(&data);

    // `fedrec ui` gives the same single-use link at the remote name too.
    let printed = ok(
        &data,
        &["ui", "--user", "赵处长", "--role", "administrator"],
    );
    let remote_url = printed
        .lines()
        .find(|line| line.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https link in: {printed}"));
    let rest = remote_url
        .strip_prefix(&format!("https://{REMOTE_IP}:"))
        .unwrap();
    let (port, path) = rest.split_once('/').unwrap();
    let port: u16 = port.parse().unwrap();
    let path = format!("/{path}");

    // Plain HTTP to the TLS port: the handshake fails and nothing HTTP comes back.
    let mut plain = TcpStream::connect((REMOTE_IP, port)).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    plain
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {REMOTE_IP}:{port}\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/"),
        "plain HTTP was answered: {}",
        String::from_utf8_lossy(&answer)
    );

    // Over TLS, the link signs in, and the session cookie is Secure, HttpOnly, SameSite=Strict.
    let tls = client(&cert);
    let login = send_tls(&tls, port, "GET", &path, &[]);
    assert_eq!(login.status, 303, "{}", login.body);
    let cookies = login.all("set-cookie");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("fedrec_session"))
        .unwrap_or_else(|| panic!("no session cookie: {cookies:?}"));
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(session.contains(attribute), "{session}");
    }
    let session = session.split(';').next().unwrap().to_string();
    let cookie = ("Cookie", session.as_str());
    let home = send_tls(&tls, port, "GET", "/ui/decisions", &[cookie]);
    assert_eq!(home.status, 200, "{}", home.body);
    // The language switch's cookie is Secure too.
    let english = send_tls(&tls, port, "GET", "/ui/decisions?lang=en", &[cookie]);
    let lang_cookie = english.all("set-cookie").join(" | ");
    assert!(
        lang_cookie.contains("fedrec_lang=en") && lang_cookie.contains("Secure"),
        "{lang_cookie}"
    );

    // The gate: the configured name only, and changes only from its https origin.
    let loopback_name = format!("127.0.0.1:{port}");
    let rebound = send_tls(
        &tls,
        port,
        "GET",
        "/ui/decisions",
        &[("Host", &loopback_name), cookie],
    );
    assert_eq!(rebound.status, 421, "{}", rebound.body);
    let logout = |origin: &str| {
        send_tls(
            &tls,
            port,
            "POST",
            "/ui/logout",
            &[cookie, ("Origin", origin), ("Content-Length", "0")],
        )
    };
    let http_origin = logout(&format!("http://{REMOTE_IP}:{port}"));
    assert_eq!(http_origin.status, 403, "{}", http_origin.body);
    let signed_out = logout(&format!("https://{REMOTE_IP}:{port}"));
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    assert!(
        signed_out
            .all("set-cookie")
            .iter()
            .any(|c| c.contains("Max-Age=0") && c.contains("Secure")),
        "{:?}",
        signed_out.headers
    );
    let after = send_tls(&tls, port, "GET", "/ui/decisions", &[cookie]);
    assert_eq!(after.status, 401, "signed out: {}", after.body);
}
