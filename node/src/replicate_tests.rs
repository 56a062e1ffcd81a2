//! Bounds of a sync round against a peer that lies about what it holds: invented heads are not
//! fetched nor kept, and a claim of holding nothing is answered within the round's budget, the
//! rest following in the next rounds; two rounds at once carry each entry once.

use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::Topic;
use fedrec_common::sync::{self, FeedPosition, Request, Response, RoundBudget};

use crate::test_nodes::ministry_and_office;

fn position(author: fedrec_common::identity::NodeId, topic: &str, seq: u64) -> FeedPosition {
    FeedPosition {
        author,
        topic: topic.parse::<Topic>().unwrap(),
        seq,
        head: Hash32::of(&seq.to_be_bytes()),
    }
}

fn example_application() -> fedrec_common::form::Application {
    fedrec_common::form::Application::from_toml_str(fedrec_config::EXAMPLE_APPLICATION_TOML)
        .unwrap()
}

/// 1,000 heads claimed for keys the roster does not know, and the office's key claimed on
/// topics it may not write: before the filter the ministry planned one fetch per claim (1,002)
/// and kept every claim in memory.
#[test]
fn heads_claimed_for_feeds_no_roster_key_may_hold_are_neither_fetched_nor_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ministry, office) = ministry_and_office(dir.path());
    let mut heads: Vec<FeedPosition> = (0..1_000)
        .map(|i| position(NodeKey::generate().id(), "recommender:shanghai", 1 + i))
        .collect();
    heads.push(position(office.id(), "public", 7));
    heads.push(position(office.id(), "recommender:guangdong", 7));
    // One honest claim, which must still be fetched.
    heads.push(position(office.id(), "recommender:shanghai", 3));
    let (requests, _) = ministry.on_response(
        &office.id(),
        Response::Heads {
            heads,
            roster_version: 0,
        },
    );
    let fetches: Vec<&Request> = requests
        .iter()
        .filter(|r| matches!(r, Request::Fetch { .. }))
        .collect();
    assert_eq!(fetches.len(), 1, "{fetches:?}");
    assert!(matches!(fetches[0], Request::Fetch { author, .. } if *author == office.id()));
    assert_eq!(ministry.peer_heads[&office.id()].len(), 1);
}

/// A peer that claims to hold nothing gets at most the round's budget of pushes; the rest
/// follows round after round until it holds everything. Without the budget the first round
/// loaded and pushed every entry at once (here all of them, in one round).
#[test]
fn a_claim_of_holding_nothing_is_answered_within_the_round_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ministry, mut office) = ministry_and_office(dir.path());
    let application = example_application();
    for _ in 0..4 {
        office.create_record(application.clone()).unwrap();
    }
    let feed = office.shared_heads(&ministry.id()).unwrap();
    let held: u64 = feed.iter().map(|p| p.seq).sum();
    assert!(held >= 4, "the office holds {held} entries to push");
    // One entry per chunk and one chunk per round.
    let budget = RoundBudget {
        fetches: 1,
        push_bytes: 1,
        chunk_bytes: sync::CHUNK_BYTES,
        chunk_entries: 1,
    };
    let (first, unfinished) = office.round_plan(&ministry.id(), &[], &budget).unwrap();
    assert_eq!(
        first.len(),
        1,
        "one push in the first round, not {}",
        first.len()
    );
    assert!(unfinished, "the round must say more is owed");
    // Rounds continue until the ministry holds everything, each within the budget.
    let mut rounds = 0;
    loop {
        let theirs = ministry.shared_heads(&office.id()).unwrap();
        let (requests, unfinished) = office.round_plan(&ministry.id(), &theirs, &budget).unwrap();
        assert!(
            requests.len() <= 1,
            "round {rounds}: {} requests",
            requests.len()
        );
        for request in requests {
            let (answer, _) = ministry.answer(&office.id(), request);
            assert!(
                matches!(answer, Response::Ack { accepted: 1, .. }),
                "{answer:?}"
            );
        }
        rounds += 1;
        if !unfinished {
            break;
        }
        assert!(rounds <= held, "more rounds than entries");
    }
    assert_eq!(ministry.shared_heads(&office.id()).unwrap(), feed);
}

/// When two nodes connect, each starts a round. Before, the office pushed its new entries in its
/// round while the ministry fetched the same entries in its own: every entry crossed twice (the
/// country benchmark counted 15,000 duplicates for 15,000 entries). A node that has just
/// answered a peer's digest with its heads now leaves catching up to that peer's push; a round
/// it starts alone still fetches.
#[test]
fn two_rounds_at_connect_carry_each_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ministry, mut office) = ministry_and_office(dir.path());
    let application = example_application();
    office.create_record(application).unwrap();

    // The ministry's round alone: it fetches what the office holds beyond its heads.
    let digest = ministry.digest_for(&office.id()).unwrap();
    let (heads, _) = office.answer(&ministry.id(), digest);
    let (alone, _) = ministry.on_response(&office.id(), heads.clone());
    assert!(fetches(&alone) > 0, "{alone:?}");

    // Both rounds at once: the office's digest reaches the ministry first.
    let office_digest = office.digest_for(&ministry.id()).unwrap();
    let (ministry_heads, _) = ministry.answer(&office.id(), office_digest);
    let (ministry_requests, _) = ministry.on_response(&office.id(), heads);
    assert_eq!(fetches(&ministry_requests), 0, "{ministry_requests:?}");
    let (office_requests, _) = office.on_response(&ministry.id(), ministry_heads);
    assert!(pushed_without_duplicates(&mut ministry, &office, office_requests) > 0);
    assert_eq!(
        ministry.shared_heads(&office.id()).unwrap(),
        office.shared_heads(&ministry.id()).unwrap(),
        "the push alone brought the ministry everything"
    );
}

/// The other order of the same race: the office's heads reach the ministry before the office's
/// digest does, so the ministry has answered nothing yet when it plans. Its round was started
/// by the connection, and so was the office's, so it still leaves the catch-up to the office's
/// push (the country benchmark still counted 8,000–10,000 duplicates of 15,000 entries from
/// this order alone). A round started later, for any other reason, fetches as before.
#[test]
fn a_round_started_at_connect_leaves_catching_up_to_the_peers_round_whichever_answer_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ministry, mut office) = ministry_and_office(dir.path());
    office.create_record(example_application()).unwrap();

    ministry.note_round_at_connect(&office.id());
    let digest = ministry.digest_for(&office.id()).unwrap();
    let (heads, _) = office.answer(&ministry.id(), digest);
    let (ministry_requests, _) = ministry.on_response(&office.id(), heads.clone());
    assert_eq!(fetches(&ministry_requests), 0, "{ministry_requests:?}");

    // The office's own round at connect: its digest is answered only now, and it pushes.
    office.note_round_at_connect(&ministry.id());
    let office_digest = office.digest_for(&ministry.id()).unwrap();
    let (ministry_heads, _) = ministry.answer(&office.id(), office_digest);
    let (office_requests, _) = office.on_response(&ministry.id(), ministry_heads);
    assert!(pushed_without_duplicates(&mut ministry, &office, office_requests) > 0);
    assert_eq!(
        ministry.shared_heads(&office.id()).unwrap(),
        office.shared_heads(&ministry.id()).unwrap(),
        "the office's push alone brought the ministry everything"
    );

    // A later round with a peer still missing something fetches it: the note lasted one plan.
    // (The ministry answered the office's digest above, so that wait is cleared first.)
    office.create_record(example_application()).unwrap();
    ministry.digests_answered.clear();
    let digest = ministry.digest_for(&office.id()).unwrap();
    let (heads, _) = office.answer(&ministry.id(), digest);
    let (later, _) = ministry.on_response(&office.id(), heads);
    assert!(fetches(&later) > 0, "{later:?}");
}

/// Hands the office's round requests to the ministry; each must be a push taken with no
/// duplicate and no refusal. Returns the entries accepted.
fn pushed_without_duplicates(
    ministry: &mut crate::node::Node,
    office: &crate::node::Node,
    requests: Vec<Request>,
) -> u32 {
    let mut accepted = 0;
    for request in requests {
        match ministry.answer(&office.id(), request).0 {
            Response::Ack {
                accepted: taken,
                duplicates: 0,
                refused: 0,
            } => accepted += taken,
            other => panic!("{other:?}"),
        }
    }
    accepted
}

/// How many of a round's requests are fetches.
fn fetches(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| matches!(r, Request::Fetch { .. }))
        .count()
}
