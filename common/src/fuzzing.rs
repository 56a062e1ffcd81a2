//! Entry points for the fuzz targets (`fuzz/fuzz_targets/`) and for `tests/fuzz_regressions.rs`,
//! which replays every input the fuzzers kept. Each takes arbitrary bytes, runs one untrusted-
//! input path of the core the way the node does, and must return without panicking whatever the
//! bytes are: every error is an ordinary value, never a crash.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::batch::{BATCH_TAG, Batch, BatchNumber};
use crate::bundle::parse_bundle;
use crate::feed::Entry;
use crate::form::{Application, all_fields};
use crate::identity::NodeKey;
use crate::ids::{DocId, RecordId, Topic};
use crate::ingest::{self, FeedState, Outcome};
use crate::record::RecordDoc;
use crate::roster::{KeyRole, ROSTER_TAG, Recommender, RecommenderKind, Roster};
use crate::signed::SignedText;
use crate::sync::{self, Request, Response};
use crate::timestamp::Timestamp;

/// The fixed world the targets check input against: a ministry, one recommender with one
/// authorised key, the sixth batch, and a saved record to merge into.
struct World {
    ministry: NodeKey,
    author: NodeKey,
    roster: Roster,
    batch: Batch,
    saved_record: Vec<u8>,
}

fn world() -> Option<&'static World> {
    static WORLD: OnceLock<Option<World>> = OnceLock::new();
    WORLD
        .get_or_init(|| {
            let ministry = NodeKey::from_seed([1; 32]);
            let author = NodeKey::from_seed([2; 32]);
            let mut roster = Roster::new(ministry.id());
            let shanghai = "shanghai".parse().ok()?;
            roster
                .add_recommender(Recommender {
                    id: "shanghai".parse().ok()?,
                    name: "上海".into(),
                    kind: RecommenderKind::Province,
                })
                .ok()?;
            roster.add_key(author.id(), shanghai, KeyRole::Hq).ok()?;
            let batch =
                Batch::from_toml_str(include_str!("../../config/examples/batch-6.toml")).ok()?;
            let mut application = Application {
                batch: 6,
                ..Application::default()
            };
            application.applicant.name = "模糊测试学院".into();
            let (mut record, _) = RecordDoc::create(
                &author.id(),
                BatchNumber(6),
                &"shanghai".parse().ok()?,
                &application,
                Timestamp(0),
            )
            .ok()?;
            Some(World {
                saved_record: record.save(),
                ministry,
                author,
                roster,
                batch,
            })
        })
        .as_ref()
}

/// For the fuzz binaries, called once at start: a panic inside Automerge that the core catches
/// (`record::guarded`) is then handled as it is in the node, instead of libFuzzer's panic hook
/// aborting at once. A panic that escapes a target still stops the fuzzer: libfuzzer-sys catches
/// it around every input and aborts.
pub fn let_caught_panics_be_caught() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// The sync wire decoder: a frame's length prefix, then a request or a response.
pub fn sync_decode(data: &[u8]) {
    if let Some(prefix) = data.first_chunk::<4>() {
        let _ = sync::check_frame_length(u32::from_be_bytes(*prefix));
    }
    if let Ok(request) = sync::decode::<Request>(data) {
        let _ = sync::encode(&request);
    }
    if let Ok(response) = sync::decode::<Response>(data) {
        let _ = sync::encode(&response);
    }
}

/// A feed entry's decoding and verification, as for any entry from elsewhere.
pub fn entry_decode_verify(data: &[u8]) {
    if let Ok(signed) = ingest::decode(data) {
        let _ = signed.id();
        let _ = signed.encode();
        let _ = signed.verify();
    }
}

/// The ingest path that applies an Automerge change: the bytes as an entry, and the bytes as
/// the change inside a correctly signed, authorised entry (so they reach Automerge's parser
/// and the merge), applied to an empty record and to a saved one.
pub fn ingest_apply(data: &[u8]) {
    let _ = ingest_apply_reached(data);
}

/// [`ingest_apply`], saying how far each path got: whether the bytes as an entry, and the
/// bytes as a change in a signed entry, were accepted and applied (for the test that shows the
/// target reaches Automerge at all).
fn ingest_apply_reached(data: &[u8]) -> (bool, bool) {
    let Some(world) = world() else {
        return (false, false);
    };
    let refused = BTreeSet::new();
    let take = |bytes: &[u8]| -> bool {
        let Ok(signed) = ingest::decode(bytes) else {
            return false;
        };
        let Outcome::Accept(accepted) =
            ingest::check(signed, &world.roster, &refused, &FeedState::default())
        else {
            return false;
        };
        let (_, change) = *accepted;
        let mut empty = RecordDoc::empty(&world.ministry.id());
        let applied = empty.apply([change.clone()]).is_ok();
        if applied {
            let _ = empty.status();
            let _ = empty.application();
            let _ = empty.history();
            let _ = RecordDoc::load(&empty.save(), &world.ministry.id());
        }
        if let Ok(mut saved) = RecordDoc::load(&world.saved_record, &world.ministry.id())
            && saved.apply([change]).is_ok()
        {
            let _ = saved.application();
        }
        applied
    };
    let raw = take(data);
    let Ok(recommender) = "shanghai".parse::<crate::ids::RecommenderId>() else {
        return (raw, false);
    };
    let topic = Topic::Recommender(recommender.clone());
    let entry = Entry {
        author: world.author.id(),
        topic: topic.clone(),
        seq: 1,
        prev: None,
        doc: DocId::Record {
            batch: BatchNumber(6),
            recommender,
            record: RecordId::derive(&world.author.id(), &topic, 1),
        },
        change: data.to_vec(),
    }
    .sign(&world.author);
    (raw, take(&entry.encode()))
}

/// The application file parser and validation, and every box read back.
pub fn application_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(application) = Application::from_toml_str(text) {
        if let Some(world) = world() {
            let _ = application.validate(&world.batch);
        }
        for spec in all_fields() {
            let _ = application.get(spec.path);
        }
    }
    let _ = Batch::from_toml_str(text);
}

/// A bundle file: split into entries, each decoded and verified.
pub fn bundle_import(data: &[u8]) {
    if let Ok(entries) = parse_bundle(data) {
        for entry in entries {
            entry_decode_verify(&entry);
        }
    }
}

/// The roster decoder: the bytes as a signed roster file, and as a roster text the ministry
/// signed (so they reach the roster's parser and consistency checks); likewise a batch text.
pub fn roster_decode(data: &[u8]) {
    let Some(world) = world() else { return };
    if let Ok(signed) = SignedText::roster_from_json(data) {
        let _ = signed.verify(&world.ministry.id());
        let _ = signed.verify_update(&world.roster);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let signed = SignedText::sign(ROSTER_TAG, text.to_string(), &world.ministry);
        if let Ok(roster) = signed.verify(&world.ministry.id()) {
            let _ = roster.sign(&world.ministry);
        }
        let batch = SignedText::sign(BATCH_TAG, text.to_string(), &world.ministry);
        let _ = Batch::verify_signed(&batch, &world.ministry.id());
    }
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// The targets by name, for the regression replay.
pub const TARGETS: [(&str, Target); 6] = [
    ("sync_decode", sync_decode),
    ("entry_decode_verify", entry_decode_verify),
    ("ingest_apply", ingest_apply),
    ("application_toml", application_toml),
    ("bundle_import", bundle_import),
    ("roster_decode", roster_decode),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ingest_target_reaches_automerge_with_a_real_change() {
        let author = NodeKey::from_seed([2; 32]);
        let application = Application {
            batch: 6,
            ..Application::default()
        };
        let (_, change) = RecordDoc::create(
            &author.id(),
            BatchNumber(6),
            &"shanghai".parse().unwrap(),
            &application,
            Timestamp(0),
        )
        .unwrap();
        assert_eq!(ingest_apply_reached(change.raw_bytes()), (false, true));
        assert_eq!(ingest_apply_reached(b"not a change"), (false, false));
    }

    #[test]
    fn every_target_survives_empty_and_random_input() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for (_, target) in TARGETS {
            target(&[]);
            for length in [1usize, 7, 64, 1000] {
                let bytes: Vec<u8> = (0..length)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                target(&bytes);
            }
        }
    }
}
