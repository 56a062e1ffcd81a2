//! The names of things that replicate: recommenders, records, documents and topics.
//!
//! Every document has one fixed topic, and a topic is an audience: `recommender:<id>` is read by
//! that recommender's nodes and the ministry, `public` by every node, `ministry` by the ministry
//! alone. A document id therefore tells who may read it and (with the roster) who may write it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::batch::BatchNumber;
use crate::identity::NodeId;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error(
        "recommender id '{0}' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter"
    )]
    Recommender(String),
    #[error("record id '{0}' must be 16 lower-case hex digits")]
    Record(String),
    #[error(
        "'{0}' is not a document id (record/<batch>/<recommender>/<record>, roster, batch/<n>, decisions/<recommender>, published/<n> or review/<n>)"
    )]
    Doc(String),
    #[error("'{0}' is not a topic (public, ministry or recommender:<id>)")]
    Topic(String),
}

/// A recommender's short, stable id, such as `shanghai` or `miit` (工业和信息化部).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecommenderId(String);

impl RecommenderId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RecommenderId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ok = (1..=32).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(IdError::Recommender(text.chars().take(64).collect()))
        }
    }
}

/// A record's id: 8 bytes derived from the entry that created it, shown as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId([u8; 8]);

impl RecordId {
    /// A record id from a number, for synthetic inputs (benchmarks and tests).
    pub fn from_u64(n: u64) -> Self {
        Self(n.to_be_bytes())
    }

    /// The id of the record created by `author`'s entry at `seq` in its feed: unique without a
    /// random source, because an author never signs two entries for one position.
    pub fn derive(author: &NodeId, topic: &Topic, seq: u64) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"fedrec/record-id/1\0");
        hasher.update(author.as_bytes());
        hasher.update(topic.to_string().as_bytes());
        hasher.update(&seq.to_be_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&hasher.finalize().as_bytes()[..8]);
        Self(id)
    }
}

impl FromStr for RecordId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || IdError::Record(text.chars().take(64).collect());
        if text.len() != 16 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad());
        }
        let bytes = hex::decode(text).map_err(|_| bad())?;
        Ok(Self(bytes.try_into().map_err(|_| bad())?))
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// A replicated document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DocId {
    /// One application record of a recommender in a batch.
    Record {
        batch: BatchNumber,
        recommender: RecommenderId,
        record: RecordId,
    },
    /// The ministry-signed roster of recommenders and node keys.
    Roster,
    /// A batch definition published by the ministry.
    Batch(BatchNumber),
    /// The ministry's receipts and verdicts for one recommender.
    Decisions(RecommenderId),
    /// The published list of recognised bases of a batch.
    Published(BatchNumber),
    /// The expert review of a batch, kept within the ministry.
    Review(BatchNumber),
}

impl DocId {
    /// The topic every entry of this document must carry: its audience.
    pub fn topic(&self) -> Topic {
        match self {
            DocId::Record { recommender, .. } | DocId::Decisions(recommender) => {
                Topic::Recommender(recommender.clone())
            }
            DocId::Roster | DocId::Batch(_) | DocId::Published(_) => Topic::Public,
            DocId::Review(_) => Topic::Ministry,
        }
    }

    /// Whether only the ministry writes this document.
    pub fn is_ministry_document(&self) -> bool {
        !matches!(self, DocId::Record { .. })
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Record {
                batch,
                recommender,
                record,
            } => write!(f, "record/{batch}/{}/{record}", recommender.as_str()),
            DocId::Roster => f.write_str("roster"),
            DocId::Batch(n) => write!(f, "batch/{n}"),
            DocId::Decisions(r) => write!(f, "decisions/{}", r.as_str()),
            DocId::Published(n) => write!(f, "published/{n}"),
            DocId::Review(n) => write!(f, "review/{n}"),
        }
    }
}

/// A batch number in its one written form: digits without a leading zero, so `record/06/…` is
/// not a second name for `record/6/…`.
fn batch_number(text: &str) -> Option<BatchNumber> {
    let ok = !text.is_empty()
        && text.len() <= 6
        && !text.starts_with('0')
        && text.bytes().all(|b| b.is_ascii_digit());
    let number: u32 = text.parse().ok().filter(|_| ok)?;
    (number > 0).then_some(BatchNumber(number))
}

impl FromStr for DocId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || IdError::Doc(text.chars().take(128).collect());
        let parts: Vec<&str> = text.split('/').collect();
        let doc = match parts.as_slice() {
            ["roster"] => DocId::Roster,
            ["batch", n] => DocId::Batch(batch_number(n).ok_or_else(bad)?),
            ["published", n] => DocId::Published(batch_number(n).ok_or_else(bad)?),
            ["review", n] => DocId::Review(batch_number(n).ok_or_else(bad)?),
            ["decisions", r] => DocId::Decisions(r.parse().map_err(|_| bad())?),
            ["record", n, r, id] => DocId::Record {
                batch: batch_number(n).ok_or_else(bad)?,
                recommender: r.parse().map_err(|_| bad())?,
                record: id.parse().map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        };
        // Every document has exactly one name: whatever the parts accepted, a text that is not
        // what the id writes back is refused, so two peers never key one document two ways.
        if doc.to_string() != text {
            return Err(bad());
        }
        Ok(doc)
    }
}

/// A feed's audience.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Topic {
    /// Every node.
    Public,
    /// The ministry's nodes only.
    Ministry,
    /// One recommender's nodes and the ministry.
    Recommender(RecommenderId),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Public => f.write_str("public"),
            Topic::Ministry => f.write_str("ministry"),
            Topic::Recommender(r) => write!(f, "recommender:{}", r.as_str()),
        }
    }
}

impl FromStr for Topic {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "public" => Ok(Topic::Public),
            "ministry" => Ok(Topic::Ministry),
            _ => text
                .strip_prefix("recommender:")
                .and_then(|id| id.parse().ok())
                .map(Topic::Recommender)
                .ok_or_else(|| IdError::Topic(text.chars().take(64).collect())),
        }
    }
}

macro_rules! string_conversions {
    ($($name:ident),*) => {$(
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.to_string()
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    )*};
}
string_conversions!(RecordId, DocId, Topic);

impl fmt::Display for RecommenderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RecommenderId> for String {
    fn from(id: RecommenderId) -> Self {
        id.0
    }
}

impl TryFrom<String> for RecommenderId {
    type Error = IdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::NodeKey;

    #[test]
    fn document_ids_round_trip_and_know_their_topic() {
        let author = NodeKey::for_test("document_ids_round_trip").id();
        let shanghai: RecommenderId = "shanghai".parse().unwrap();
        let topic = Topic::Recommender(shanghai.clone());
        let record = RecordId::derive(&author, &topic, 1);
        let docs = [
            DocId::Record {
                batch: BatchNumber(6),
                recommender: shanghai.clone(),
                record,
            },
            DocId::Roster,
            DocId::Batch(BatchNumber(6)),
            DocId::Decisions(shanghai.clone()),
            DocId::Published(BatchNumber(6)),
            DocId::Review(BatchNumber(6)),
        ];
        for doc in docs {
            assert_eq!(doc.to_string().parse::<DocId>().unwrap(), doc);
            assert_eq!(
                doc.topic().to_string().parse::<Topic>().unwrap(),
                doc.topic()
            );
        }
        assert_eq!(DocId::Decisions(shanghai).topic(), topic);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "record/6/shanghai",
            "record/0/shanghai/0011223344556677",
            "batch/x",
            "roster/1",
            "record/6/Shanghai/0011223344556677",
            "record/6/shanghai/00112233445566GG",
            // Second spellings of valid ids: a leading zero, a sign, an upper-case hex digit.
            "record/06/shanghai/0011223344556677",
            "record/+6/shanghai/0011223344556677",
            "record/6/shanghai/00112233445566AA",
            "batch/06",
            "published/006",
            "review/00",
        ] {
            assert!(bad.parse::<DocId>().is_err(), "{bad}");
        }
        for bad in ["", "9lives", "a b", &"a".repeat(33)] {
            assert!(bad.parse::<RecommenderId>().is_err(), "{bad}");
        }
        assert!("recommender:".parse::<Topic>().is_err());
        for bad in ["Public", "recommender:Shanghai", " public"] {
            assert!(bad.parse::<Topic>().is_err(), "{bad}");
        }
        assert!(
            "record/6/shanghai/0011223344556677"
                .parse::<DocId>()
                .is_ok()
        );
    }
}
