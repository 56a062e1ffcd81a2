//! Criterion micro-benchmarks of the hot pieces: a feed entry's encoding, decoding and
//! verification (one at a time with `verify_strict`, and the batch path), the rules over a
//! country's receipts, and a synced RocksDB write batch. `cargo bench -p fedrec-node`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Entry, SignedEntry, verify_many};
use fedrec_common::form::Application;
use fedrec_common::identity::NodeKey;
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::timestamp::Timestamp;
use fedrec_node::store::Store;

fn application() -> Application {
    Application::from_toml_str(fedrec_config::EXAMPLE_APPLICATION_TOML).unwrap()
}

/// A record's creation (the whole ~30 KB application) and `edits` small edits, as signed entries.
fn entries(key: &NodeKey, edits: usize) -> Vec<SignedEntry> {
    let recommender = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let doc = DocId::Record {
        batch: BatchNumber(6),
        recommender,
        record: RecordId::derive(&key.id(), &topic, 1),
    };
    let mut application = application();
    let (mut record, change) = RecordDoc::create(
        &key.id(),
        BatchNumber(6),
        &"shanghai".parse().unwrap(),
        &application,
        Timestamp(1_456_790_400_000),
    )
    .unwrap();
    let mut changes = vec![change];
    for edit in 0..edits {
        application
            .plan
            .targets
            .push_str(&format!("（修改{edit}）"));
        if let Some(change) = record
            .update(&application, Timestamp(1_456_790_400_000 + edit as i64))
            .unwrap()
        {
            changes.push(change);
        }
    }
    let mut prev = None;
    changes
        .into_iter()
        .enumerate()
        .map(|(index, change)| {
            let signed = Entry {
                author: key.id(),
                topic: topic.clone(),
                seq: index as u64 + 1,
                prev,
                doc: doc.clone(),
                change: change.raw_bytes().to_vec(),
            }
            .sign(key);
            prev = Some(signed.id());
            signed
        })
        .collect()
}

fn entry_benches(c: &mut Criterion) {
    let key = NodeKey::for_test("bench");
    let entries = entries(&key, 64);
    let creation = entries[0].clone();
    let edit = entries[1].clone();
    let mut group = c.benchmark_group("entry");
    for (name, entry) in [("creation", &creation), ("edit", &edit)] {
        let bytes = entry.encode();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("encode/{name}"), |b| {
            b.iter(|| black_box(entry).encode())
        });
        group.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| SignedEntry::decode(black_box(&bytes)).unwrap())
        });
        group.bench_function(format!("verify_strict/{name}"), |b| {
            b.iter(|| black_box(entry).verify().unwrap())
        });
    }
    group.finish();

    let edits = &entries[1..];
    let mut group = c.benchmark_group("verify_64_edits");
    group.throughput(Throughput::Elements(edits.len() as u64));
    group.bench_function("one_by_one", |b| {
        b.iter(|| {
            for entry in edits {
                black_box(entry.verify().unwrap());
            }
        })
    });
    group.bench_function("batch", |b| b.iter(|| verify_many(black_box(edits))));
    group.finish();
}

fn rules_bench(c: &mut Criterion) {
    let batch = fedrec_config::parse_batch(
        &fedrec_config::BATCH_6_TOML.replace("2016-03-15", "2099-03-15"),
        std::path::Path::new("batch-6.toml"),
    )
    .unwrap();
    let (roster, receipts) = fedrec_common::workload::country_receipts(&batch, 300).unwrap();
    c.bench_function("rules/evaluate_300_recommenders", |b| {
        b.iter(|| fedrec_common::rules::evaluate(&batch, &roster, black_box(&receipts)))
    });
}

fn store_bench(c: &mut Criterion) {
    let key = NodeKey::for_test("bench store");
    let entries = entries(&key, 511);
    let snapshot = vec![7u8; 40_000];
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut group = c.benchmark_group("store_synced_write");
    group.sample_size(20);
    for count in [1usize, 512] {
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(format!("{count}_entries_and_a_snapshot"), |b| {
            b.iter_batched(
                || &entries[..count],
                |entries| {
                    let mut batch = store.batch();
                    for entry in entries {
                        batch.entry(entry);
                    }
                    batch.snapshot("record/6/shanghai/0000000000000001", &snapshot);
                    batch.commit().unwrap();
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, entry_benches, rules_bench, store_bench);
criterion_main!(benches);
