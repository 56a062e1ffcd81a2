//! The node's surfaces, knocked on from outside: the local API refuses callers without the
//! daemon's token, with a foreign Host or Origin, or with a body a web page could send, and the
//! data directory keeps its secrets to the node's user.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fedrec_tests::process::*;

/// A case of the door: what it is, the headers sent, the status expected.
type Case<'a> = (&'a str, Vec<(&'a str, String)>, u16);

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A record created and submitted through the CLI; returns its id.
fn submitted_record(data: &Path) -> String {
    let example = workspace().join("config/examples/application.toml");
    let id = ok(
        data,
        &["record", "new", "--file", example.to_str().unwrap()],
    )
    .trim()
    .to_string();
    ok(data, &["submit", &id]);
    id
}

fn record_state(data: &Path, id: &str) -> String {
    let listed = ok(data, &["record", "list"]);
    listed
        .lines()
        .find(|line| line.contains(id))
        .unwrap_or_else(|| panic!("record {id} is listed: {listed}"))
        .to_string()
}

/// The reported attack: a web page posts `text/plain` to the withdraw route, with no credential.
#[test]
fn a_web_page_without_the_token_cannot_withdraw_a_submitted_record() {
    let pair = pair();
    let data = &pair.shanghai;
    let daemon = Daemon::start(data);
    let id = submitted_record(data);
    let host = daemon.api.trim_start_matches("http://").to_string();
    let (status, body) = http_with(
        "POST",
        &format!("{}/records/{id}/withdraw", daemon.api),
        &[
            ("host", &host),
            ("origin", "http://evil.example"),
            ("content-type", "text/plain"),
        ],
        Some(b"{}".to_vec()),
    );
    assert!(
        (400..500).contains(&status),
        "refused with a 4xx, got {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let state = record_state(data, &id);
    assert!(
        state.contains("submitted") && !state.contains("withdrawn"),
        "the record is still submitted: {state}"
    );
}

#[test]
fn the_api_refuses_missing_tokens_foreign_hosts_and_origins_and_form_bodies() {
    let pair = pair();
    let data = &pair.shanghai;
    let mut daemon = Daemon::start(data);
    let id = submitted_record(data);
    let cookie = data.join(".cookie");
    assert_eq!(mode(&cookie), 0o600, "the cookie is the owner's alone");
    let token = std::fs::read_to_string(&cookie).unwrap();
    let token = token
        .trim()
        .strip_prefix("__cookie__:")
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {token}");
    let host = daemon.api.trim_start_matches("http://").to_string();
    let port = host.rsplit_once(':').unwrap().1.to_string();
    let withdraw = format!("{}/records/{id}/withdraw", daemon.api);
    let status_url = format!("{}/status", daemon.api);

    // Each refusal, with the status that names it.
    let cases: Vec<Case> = vec![
        ("no token", vec![("host", host.clone())], 401),
        (
            "a wrong token",
            vec![
                ("host", host.clone()),
                ("authorization", format!("Bearer {}", "0".repeat(64))),
            ],
            401,
        ),
        (
            "a rebinding page's Host",
            vec![
                ("host", format!("evil.example:{port}")),
                ("authorization", bearer.clone()),
            ],
            421,
        ),
        (
            "a foreign Origin",
            vec![
                ("host", host.clone()),
                ("origin", "http://evil.example".into()),
                ("authorization", bearer.clone()),
            ],
            403,
        ),
    ];
    for (what, headers, expected) in &cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, body) = http_with("GET", &status_url, &headers, None);
        assert_eq!(
            status,
            *expected,
            "{what}: {}",
            String::from_utf8_lossy(&body)
        );
        let (status, _) = http_with("POST", &withdraw, &headers, None);
        assert_eq!(status, *expected, "{what} on withdraw");
    }
    for media in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let headers = [
            ("host", host.as_str()),
            ("authorization", bearer.as_str()),
            ("content-type", media),
        ];
        let (status, _) = http_with("POST", &withdraw, &headers, Some(b"{}".to_vec()));
        assert_eq!(status, 415, "{media} body with the token");
    }
    assert!(record_state(data, &id).contains("submitted"));

    // The right token from the daemon's own address works, by every loopback name; /health is
    // open, and says nothing more than that the node is up.
    for name in ["127.0.0.1", "localhost"] {
        let own = format!("{name}:{port}");
        let headers = [("host", own.as_str()), ("authorization", bearer.as_str())];
        let (status, _) = http_with("GET", &status_url, &headers, None);
        assert_eq!(status, 200, "Host {own}");
    }
    let (status, _) = http_with(
        "GET",
        &format!("{}/health", daemon.api),
        &[("host", &host)],
        None,
    );
    assert_eq!(status, 200);
    let headers = [
        ("host", host.as_str()),
        ("authorization", bearer.as_str()),
        ("origin", "http://evil.example"),
    ];
    let (status, _) = http_with("GET", &format!("{}/health", daemon.api), &headers, None);
    assert_eq!(status, 403, "an open route still refuses foreign origins");
    let headers = [
        ("host", host.as_str()),
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let (status, body) = http_with("POST", &withdraw, &headers, Some(b"{}".to_vec()));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(record_state(data, &id).contains("withdrawn"));

    // A clean stop takes the credential away; a new start draws a new one.
    daemon.terminate();
    assert!(!cookie.exists(), "a clean stop removes .cookie");
    let _daemon = Daemon::start(data);
    let again = std::fs::read_to_string(&cookie).unwrap();
    assert!(!again.contains(&token), "each start draws a new token");
}

#[test]
fn the_data_directory_is_private_and_a_readable_key_is_refused() {
    let pair = pair();
    let data = &pair.shanghai;
    assert_eq!(mode(data), 0o700, "data directory");
    assert_eq!(mode(&data.join("node.key")), 0o600, "node.key");
    assert_eq!(mode(&data.join("fedrec.toml")), 0o600, "fedrec.toml");
    assert_eq!(mode(&pair.ministry.join("db")), 0o700, "the ministry's db/");

    std::fs::set_permissions(
        data.join("node.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let refused = fedrec(data, &["run", "--offline"]);
    assert!(!refused.status.success(), "a readable key stops the start");
    let message = stderr(&refused);
    assert!(
        message.contains("node.key") && message.contains("chmod 600"),
        "the error says how to fix it: {message}"
    );

    std::fs::set_permissions(
        data.join("node.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let _daemon = Daemon::start(data);
    assert_eq!(mode(&data.join("db")), 0o700, "db/ made at the first start");
}
