//! A batch of recognition (批): its number, title, deadline, key areas, quota per recommender and
//! subsidy cap. These change from batch to batch, so they come from a batch file
//! (`config/examples/batch-6.toml` describes the sixth batch as the notice does) rather than code.
//!
//! The TOML text is parsed and checked here; reading the file is the shell's job.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::identity::{NodeId, NodeKey};
use crate::signed::SignedText;
use crate::timestamp::{Timestamp, TimestampError};

/// Domain separation for batch-definition signatures.
pub(crate) const BATCH_TAG: &[u8] = b"fedrec/batch/1\0";

/// Largest batch file accepted.
pub const MAX_BATCH_BYTES: usize = 64 * 1024;

/// The batch number, as in 第六批 = 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchNumber(pub u32);

impl std::fmt::Display for BatchNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A checked batch definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub number: BatchNumber,
    /// Increases with every change the ministry makes to this batch's definition; a node
    /// refuses a definition that is not newer than the one it holds, so an old signed text
    /// replayed by a peer can never roll back a deadline or a quota.
    pub version: u32,
    pub title: String,
    /// Submissions the ministry receives after this instant are late.
    pub deadline: Timestamp,
    /// Names of the key areas (重点领域) an application may name as its training areas.
    pub key_areas: Vec<String>,
    /// Recommendations each recommender may have accepted in this batch (1 in the notice).
    pub quota_per_recommender: u32,
    /// The most central subsidy one base can receive, in yuan (5,000,000 in the notice).
    pub subsidy_cap_yuan: u64,
}

/// The batch file as written by people: the deadline is an RFC 3339 string with its offset.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BatchFile {
    number: u32,
    /// Optional in a file people write (1 when absent); the ministry sets it when it signs.
    #[serde(default = "first_version")]
    version: u32,
    title: String,
    deadline: String,
    key_areas: Vec<String>,
    quota_per_recommender: u32,
    subsidy_cap_yuan: u64,
}

fn first_version() -> u32 {
    1
}

/// What is wrong with one key of a batch file. Its `Display` is the English text; the
/// catalogue words it in the reader's language (`i18n::Worded`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchProblem {
    #[error("batch numbers start at 1")]
    NumberZero,
    #[error("versions start at 1")]
    VersionZero,
    #[error("must not be empty")]
    Empty,
    #[error("{0}")]
    Deadline(TimestampError),
    #[error("list at least one key area")]
    NoKeyAreas,
    #[error("'{0}' is blank or padded with spaces")]
    AreaPadded(String),
    #[error("'{0}' is listed twice")]
    AreaTwice(String),
    #[error("must be at least 1")]
    AtLeastOne,
    #[error("must be more than 0")]
    MoreThanZero,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchError {
    #[error("not a valid batch file: {0}")]
    Syntax(String),
    #[error("key `{key}`: {problem}")]
    Invalid {
        key: &'static str,
        problem: BatchProblem,
    },
    #[error("batch definition is not signed by the ministry")]
    BadSignature,
    #[error("batch file is {0} bytes; the limit is {MAX_BATCH_BYTES}")]
    TooLarge(usize),
}

impl Batch {
    /// Parses and checks a batch file's text.
    pub fn from_toml_str(text: &str) -> Result<Self, BatchError> {
        let file: BatchFile =
            toml::from_str(text).map_err(|e| BatchError::Syntax(e.to_string()))?;
        let invalid = |key, problem: BatchProblem| BatchError::Invalid { key, problem };
        if file.number == 0 {
            return Err(invalid("number", BatchProblem::NumberZero));
        }
        if file.version == 0 {
            return Err(invalid("version", BatchProblem::VersionZero));
        }
        if file.title.trim().is_empty() {
            return Err(invalid("title", BatchProblem::Empty));
        }
        let deadline = Timestamp::parse_rfc3339(&file.deadline)
            .map_err(|e: TimestampError| invalid("deadline", BatchProblem::Deadline(e)))?;
        if file.key_areas.is_empty() {
            return Err(invalid("key_areas", BatchProblem::NoKeyAreas));
        }
        let mut seen = BTreeSet::new();
        for area in &file.key_areas {
            if area.trim().is_empty() || area.trim() != area {
                return Err(invalid("key_areas", BatchProblem::AreaPadded(area.clone())));
            }
            if !seen.insert(area.as_str()) {
                return Err(invalid("key_areas", BatchProblem::AreaTwice(area.clone())));
            }
        }
        if file.quota_per_recommender == 0 {
            return Err(invalid("quota_per_recommender", BatchProblem::AtLeastOne));
        }
        if file.subsidy_cap_yuan == 0 {
            return Err(invalid("subsidy_cap_yuan", BatchProblem::MoreThanZero));
        }
        Ok(Self {
            number: BatchNumber(file.number),
            version: file.version,
            title: file.title,
            deadline,
            key_areas: file.key_areas,
            quota_per_recommender: file.quota_per_recommender,
            subsidy_cap_yuan: file.subsidy_cap_yuan,
        })
    }

    /// Writes the batch back in the file format, deadline in China Standard Time.
    pub fn to_toml_string(&self) -> String {
        let file = BatchFile {
            number: self.number.0,
            version: self.version,
            title: self.title.clone(),
            deadline: self.deadline.to_rfc3339_cst(),
            key_areas: self.key_areas.clone(),
            quota_per_recommender: self.quota_per_recommender,
            subsidy_cap_yuan: self.subsidy_cap_yuan,
        };
        // A struct of strings, numbers and a string list always serialises.
        toml::to_string(&file).unwrap_or_default()
    }

    /// Signs the batch's file text with the ministry's key, as `fedrec batch publish` does.
    pub fn sign(&self, ministry: &NodeKey) -> SignedText {
        SignedText::sign(BATCH_TAG, self.to_toml_string(), ministry)
    }

    /// Verifies a signed batch definition and parses it.
    pub fn verify_signed(signed: &SignedText, ministry: &NodeId) -> Result<Self, BatchError> {
        if signed.body.len() > MAX_BATCH_BYTES {
            return Err(BatchError::TooLarge(signed.body.len()));
        }
        if !signed.is_signed_by(BATCH_TAG, ministry) {
            return Err(BatchError::BadSignature);
        }
        Self::from_toml_str(&signed.body)
    }

    pub fn is_key_area(&self, area: &str) -> bool {
        self.key_areas.iter().any(|known| known == area)
    }

    /// Whether a submission the ministry received at `received_at` is on time.
    pub fn is_on_time(&self, received_at: Timestamp) -> bool {
        received_at <= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIXTH: &str = r#"
number = 6
title = "第六批国家级专业技术人员继续教育基地"
deadline = "2016-03-15T23:59:59+08:00"
key_areas = ["集成电路", "软件"]
quota_per_recommender = 1
subsidy_cap_yuan = 5000000
"#;

    #[test]
    fn parses_and_round_trips() {
        let batch = Batch::from_toml_str(SIXTH).unwrap();
        assert_eq!(batch.number, BatchNumber(6));
        assert!(batch.is_key_area("软件"));
        assert!(!batch.is_key_area("烹饪"));
        assert_eq!(
            Batch::from_toml_str(&batch.to_toml_string()).unwrap(),
            batch
        );
        assert!(batch.is_on_time(batch.deadline));
        assert!(!batch.is_on_time(Timestamp(batch.deadline.0 + 1)));
    }

    #[test]
    fn names_the_bad_key() {
        let cases = [
            ("number = 6", "number = 0", "number"),
            (
                "\"2016-03-15T23:59:59+08:00\"",
                "\"2016-03-15\"",
                "deadline",
            ),
            (
                "[\"集成电路\", \"软件\"]",
                "[\"软件\", \"软件\"]",
                "key_areas",
            ),
            ("[\"集成电路\", \"软件\"]", "[]", "key_areas"),
            (
                "quota_per_recommender = 1",
                "quota_per_recommender = 0",
                "quota_per_recommender",
            ),
            (
                "subsidy_cap_yuan = 5000000",
                "subsidy_cap_yuan = 0",
                "subsidy_cap_yuan",
            ),
        ];
        for (from, to, key) in cases {
            let text = SIXTH.replace(from, to);
            match Batch::from_toml_str(&text) {
                Err(BatchError::Invalid { key: found, .. }) => assert_eq!(found, key),
                other => panic!("{to}: expected an error naming {key}, got {other:?}"),
            }
        }
    }

    #[test]
    fn signed_batches_verify_only_for_the_ministry() {
        let ministry = NodeKey::for_test("signed batches: ministry");
        let batch = Batch::from_toml_str(SIXTH).unwrap();
        let signed = batch.sign(&ministry);
        assert_eq!(
            Batch::verify_signed(&signed, &ministry.id()).unwrap(),
            batch
        );
        let other = NodeKey::for_test("signed batches: other").id();
        assert_eq!(
            Batch::verify_signed(&signed, &other),
            Err(BatchError::BadSignature)
        );
        let mut tampered = signed.clone();
        tampered.body = tampered.body.replace("5000000", "9000000");
        assert_eq!(
            Batch::verify_signed(&tampered, &ministry.id()),
            Err(BatchError::BadSignature)
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = format!("{SIXTH}\nquota = 2\n");
        let error = Batch::from_toml_str(&text).unwrap_err().to_string();
        assert!(error.contains("unknown field `quota`"), "{error}");
    }
}
