//! Nodes for unit tests: initialised in a temporary directory as `fedrec init` would, and opened
//! directly (no daemon, no network), so a test drives their sync and intake by hand.

use std::path::Path;
use std::sync::Arc;

use fedrec_config::{Overrides, Role};

use crate::daemon::{self, InitRequest};
use crate::node::{Node, RosterAdd};
use crate::store::Store;

/// A new node named `name` under `dir` (a recommender's nodes belong to Shanghai).
pub fn init(dir: &Path, name: &str, role: Role, ministry: Option<String>) -> Node {
    let data = dir.join(name);
    daemon::init(InitRequest {
        role,
        data: data.clone(),
        recommender: (role != Role::Ministry).then(|| "shanghai".to_string()),
        name: Some(name.into()),
        listen: Some(vec!["/ip4/127.0.0.1/tcp/0".into()]),
        api: Some("127.0.0.1:0".into()),
        ministry,
        peers: Vec::new(),
        mdns: false,
    })
    .unwrap();
    open(&data)
}

/// The node whose data directory is `data`.
pub fn open(data: &Path) -> Node {
    Node::new(
        daemon::key_from(data).unwrap(),
        daemon::load_config(data, &Overrides::default()).unwrap(),
        Store::open(&data.join(daemon::DB_DIR)).unwrap(),
        Arc::default(),
    )
}

/// A ministry and Shanghai's HQ in its roster, the HQ holding the roster and batch 6 (open
/// until 2099).
pub fn ministry_and_office(dir: &Path) -> (Node, Node) {
    let ministry = init(dir, "ministry", Role::Ministry, None);
    let address = format!(
        "/ip4/127.0.0.1/tcp/1/p2p/{}",
        daemon::peer_id(ministry.key())
    );
    let office = init(dir, "shanghai", Role::Recommender, Some(address));
    ministry
        .roster_add(RosterAdd {
            recommender: "shanghai".into(),
            name: "上海".into(),
            kind: "province".into(),
            key: Some(office.id().to_hex()),
            role: Some("hq".into()),
            may_submit: false,
        })
        .unwrap();
    ministry
        .publish_batch(&fedrec_config::BATCH_6_TOML.replace("2016-03-15", "2099-03-15"))
        .unwrap();
    office
        .import_bundle(ministry.roster_bundle().unwrap())
        .unwrap();
    (ministry, office)
}
