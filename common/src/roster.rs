//! The roster: the ministry-signed list of recommenders and the node keys that act for them, with
//! revocations. It answers the two questions every node asks of every entry and every peer:
//! "may key K write document D at feed position N?" ([`Roster::may_write`]) and "may key K read
//! topic T?" ([`Roster::may_read`]).
//!
//! A key is revoked *after a feed position*: what it signed up to that position stays valid, so
//! every replica decides the same way whatever the order in which it learns of the revocation.
//! The signed form keeps the exact bytes the ministry signed, so verification never depends on
//! re-serialising.

use std::collections::BTreeSet;

use curve25519_dalek::edwards::CompressedEdwardsY;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::identity::{NodeId, NodeKey};
use crate::ids::{DocId, RecommenderId, Topic};
use crate::signed::SignedText;
use crate::timestamp::Timestamp;

/// Domain separation for roster signatures.
pub(crate) const ROSTER_TAG: &[u8] = b"fedrec/roster/1\0";

/// Largest signed roster accepted: a few hundred recommenders with a few keys each fit in a
/// fraction of this.
pub const MAX_ROSTER_BYTES: usize = 4 * 1024 * 1024;

/// What kind of body a recommender is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommenderKind {
    /// 省、自治区、直辖市人社厅(局)
    Province,
    /// 国务院有关部委、直属机构人事部门
    Department,
    /// 中央企业
    CentralEnterprise,
    /// 行业协会
    Association,
    /// 科研院所
    Institute,
}

impl RecommenderKind {
    pub fn parse(key: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(key.to_string())).ok()
    }
}

/// The role of a key within its recommender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    Hq,
    FieldOffice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommender {
    pub id: RecommenderId,
    /// The recommender's Chinese name, such as 上海市人力资源和社会保障局.
    pub name: String,
    pub kind: RecommenderKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyGrant {
    pub key: NodeId,
    pub recommender: RecommenderId,
    pub role: KeyRole,
    /// Entries this key signed after this position of its feed are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_after: Option<u64>,
    /// Whether a field office's key may submit and withdraw (an HQ key always may). Granted by
    /// the ministry, signed with the rest of the roster.
    #[serde(default, skip_serializing_if = "is_false")]
    pub may_submit: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The roster's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Increases with every change; a node keeps the highest version it has verified.
    pub version: u64,
    /// The ministry's key: the trust root, which signs the roster itself.
    pub ministry: NodeId,
    pub recommenders: Vec<Recommender>,
    pub keys: Vec<KeyGrant>,
    /// When the ministry signed this version, so that a node can show how old its roster is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<Timestamp>,
}

/// A roster with the ministry's signature over its exact bytes (canonical JSON).
pub type SignedRoster = SignedText;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RosterError {
    #[error("roster is {0} bytes; the limit is {MAX_ROSTER_BYTES}")]
    TooLarge(usize),
    #[error("roster signature is not the ministry's")]
    BadSignature,
    #[error("roster is signed for ministry key {found}, but this node trusts {expected}")]
    WrongMinistry { expected: String, found: String },
    #[error("roster does not parse: {0}")]
    Syntax(String),
    #[error("recommender {0} is listed twice")]
    DuplicateRecommender(String),
    #[error("key {0} is granted twice")]
    DuplicateKey(String),
    #[error("key {key} is granted to unknown recommender {recommender}")]
    UnknownRecommender { key: String, recommender: String },
    #[error("recommender {0} has an empty name")]
    EmptyName(String),
    #[error("key {0} has a small-order component: it cannot be trusted to sign")]
    UnsafeKey(String),
    #[error("the ministry key cannot also act for a recommender")]
    MinistryAsRecommender,
    #[error("roster version {found} is not newer than the held version {held}")]
    Stale { held: u64, found: u64 },
    #[error("unknown key {0}")]
    UnknownKey(String),
}

/// Why a key may not write an entry.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("key {0} is not in the roster")]
    UnknownKey(String),
    #[error("only the ministry writes {0}")]
    MinistryOnly(String),
    #[error("key {key} acts for {granted}, not for {doc}")]
    OtherRecommender {
        key: String,
        granted: String,
        doc: String,
    },
    #[error("key {key} was revoked after position {revoked_after}; this entry is at {seq}")]
    Revoked {
        key: String,
        revoked_after: u64,
        seq: u64,
    },
    #[error("the ministry does not write recommenders' records ({0})")]
    MinistryWritesRecord(String),
    #[error(
        "key {0} belongs to a field office, which may draft and edit but not submit or withdraw unless the ministry grants it that right"
    )]
    NotSubmitter(String),
}

/// Who is allowed to write an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    Ministry,
    Recommender { id: RecommenderId, role: KeyRole },
}

impl Roster {
    /// An empty roster, as the ministry's `init` creates it.
    pub fn new(ministry: NodeId) -> Self {
        Self {
            version: 1,
            ministry,
            recommenders: Vec::new(),
            keys: Vec::new(),
            issued_at: None,
        }
    }

    pub fn recommender(&self, id: &RecommenderId) -> Option<&Recommender> {
        self.recommenders.iter().find(|r| &r.id == id)
    }

    pub fn grant(&self, key: &NodeId) -> Option<&KeyGrant> {
        self.keys.iter().find(|grant| &grant.key == key)
    }

    /// May `key` write `doc` at position `seq` of its feed?
    pub fn may_write(&self, key: &NodeId, doc: &DocId, seq: u64) -> Result<Authority, AuthError> {
        if key == &self.ministry {
            if doc.is_ministry_document() {
                return Ok(Authority::Ministry);
            }
            return Err(AuthError::MinistryWritesRecord(doc.to_string()));
        }
        let grant = self
            .grant(key)
            .ok_or_else(|| AuthError::UnknownKey(key.short()))?;
        let DocId::Record { recommender, .. } = doc else {
            return Err(AuthError::MinistryOnly(doc.to_string()));
        };
        if recommender != &grant.recommender {
            return Err(AuthError::OtherRecommender {
                key: key.short(),
                granted: grant.recommender.to_string(),
                doc: doc.to_string(),
            });
        }
        if let Some(revoked_after) = grant.revoked_after
            && seq > revoked_after
        {
            return Err(AuthError::Revoked {
                key: key.short(),
                revoked_after,
                seq,
            });
        }
        Ok(Authority::Recommender {
            id: grant.recommender.clone(),
            role: grant.role,
        })
    }

    /// May `key` submit or withdraw `doc` at position `seq` of its feed? HQ keys may; a field
    /// office's key only when the roster grants it.
    pub fn may_act(&self, key: &NodeId, doc: &DocId, seq: u64) -> Result<(), AuthError> {
        match self.may_write(key, doc, seq)? {
            Authority::Recommender {
                role: KeyRole::FieldOffice,
                ..
            } if !self.grant(key).is_some_and(|grant| grant.may_submit) => {
                Err(AuthError::NotSubmitter(key.short()))
            }
            _ => Ok(()),
        }
    }

    /// Grants or takes back a field office's right to submit and withdraw, as a new version.
    pub fn set_may_submit(&mut self, key: &NodeId, may_submit: bool) -> Result<(), RosterError> {
        let grant = self
            .keys
            .iter_mut()
            .find(|grant| &grant.key == key)
            .ok_or_else(|| RosterError::UnknownKey(key.short()))?;
        grant.may_submit = may_submit;
        self.version += 1;
        Ok(())
    }

    /// May `key` hold a feed on `topic` at all? The ministry writes every topic; a recommender's
    /// key writes its own recommender's topic only, revoked or not (what it signed before its
    /// revocation stays valid and travels). A peer's claim of any other feed is invented: a
    /// node neither fetches it nor keeps it.
    pub fn may_write_topic(&self, key: &NodeId, topic: &Topic) -> bool {
        if key == &self.ministry {
            return true;
        }
        match (self.grant(key), topic) {
            (Some(grant), Topic::Recommender(id)) => &grant.recommender == id,
            _ => false,
        }
    }

    /// May `key` read the entries of `topic`? Public entries go to every key the roster knows;
    /// a recommender's entries to its own unrevoked keys and the ministry; ministry entries to
    /// the ministry alone.
    pub fn may_read(&self, key: &NodeId, topic: &Topic) -> bool {
        if key == &self.ministry {
            return true;
        }
        let Some(grant) = self.grant(key) else {
            return false;
        };
        match topic {
            Topic::Public => true,
            Topic::Ministry => false,
            Topic::Recommender(id) => &grant.recommender == id && grant.revoked_after.is_none(),
        }
    }

    /// Adds a recommender (or renames it, keeping its id), as a new version.
    pub fn add_recommender(&mut self, recommender: Recommender) -> Result<(), RosterError> {
        if recommender.name.trim().is_empty() {
            return Err(RosterError::EmptyName(recommender.id.to_string()));
        }
        match self
            .recommenders
            .iter_mut()
            .find(|r| r.id == recommender.id)
        {
            Some(existing) => *existing = recommender,
            None => self.recommenders.push(recommender),
        }
        self.version += 1;
        Ok(())
    }

    /// Grants `key` to a recommender, as a new version.
    pub fn add_key(
        &mut self,
        key: NodeId,
        recommender: RecommenderId,
        role: KeyRole,
    ) -> Result<(), RosterError> {
        if key == self.ministry {
            return Err(RosterError::MinistryAsRecommender);
        }
        if self.grant(&key).is_some() {
            return Err(RosterError::DuplicateKey(key.short()));
        }
        if self.recommender(&recommender).is_none() {
            return Err(RosterError::UnknownRecommender {
                key: key.short(),
                recommender: recommender.to_string(),
            });
        }
        if !is_torsion_free(&key) {
            return Err(RosterError::UnsafeKey(key.short()));
        }
        self.keys.push(KeyGrant {
            key,
            recommender,
            role,
            revoked_after: None,
            may_submit: false,
        });
        self.version += 1;
        Ok(())
    }

    /// Revokes `key` for every entry after position `after` of its feed, as a new version.
    pub fn revoke(&mut self, key: &NodeId, after: u64) -> Result<(), RosterError> {
        let grant = self
            .keys
            .iter_mut()
            .find(|grant| &grant.key == key)
            .ok_or_else(|| RosterError::UnknownKey(key.short()))?;
        // A second revocation can only move the point earlier: what was refused stays refused.
        grant.revoked_after = Some(grant.revoked_after.map_or(after, |held| held.min(after)));
        self.version += 1;
        Ok(())
    }

    /// Checks the roster's own consistency.
    pub fn check(&self) -> Result<(), RosterError> {
        let mut ids = BTreeSet::new();
        for recommender in &self.recommenders {
            if !ids.insert(&recommender.id) {
                return Err(RosterError::DuplicateRecommender(
                    recommender.id.to_string(),
                ));
            }
            if recommender.name.trim().is_empty() {
                return Err(RosterError::EmptyName(recommender.id.to_string()));
            }
        }
        let mut keys = BTreeSet::new();
        for grant in &self.keys {
            if !keys.insert(grant.key) {
                return Err(RosterError::DuplicateKey(grant.key.short()));
            }
            if grant.key == self.ministry {
                return Err(RosterError::MinistryAsRecommender);
            }
            if !ids.contains(&grant.recommender) {
                return Err(RosterError::UnknownRecommender {
                    key: grant.key.short(),
                    recommender: grant.recommender.to_string(),
                });
            }
            if !is_torsion_free(&grant.key) {
                return Err(RosterError::UnsafeKey(grant.key.short()));
            }
        }
        Ok(())
    }

    /// Signs the roster with the ministry's key.
    pub fn sign(&self, ministry: &NodeKey) -> Result<SignedRoster, RosterError> {
        if ministry.id() != self.ministry {
            return Err(RosterError::WrongMinistry {
                expected: self.ministry.short(),
                found: ministry.id().short(),
            });
        }
        self.check()?;
        let body = serde_json::to_string(self).map_err(|e| RosterError::Syntax(e.to_string()))?;
        Ok(SignedText::sign(ROSTER_TAG, body, ministry))
    }
}

/// Whether a public key lies in the prime-order subgroup. Cofactored batch verification agrees
/// with `verify_strict` only for such keys, so the roster admits no others. Costs one scalar
/// multiplication per key, once, when the roster is checked.
fn is_torsion_free(key: &NodeId) -> bool {
    CompressedEdwardsY(*key.as_bytes())
        .decompress()
        .is_some_and(|point| point.is_torsion_free())
}

impl SignedText {
    /// Verifies the ministry's signature on a roster and the roster's consistency, and returns
    /// the roster.
    pub fn verify(&self, ministry: &NodeId) -> Result<Roster, RosterError> {
        if self.body.len() > MAX_ROSTER_BYTES {
            return Err(RosterError::TooLarge(self.body.len()));
        }
        if !self.is_signed_by(ROSTER_TAG, ministry) {
            return Err(RosterError::BadSignature);
        }
        let roster: Roster =
            serde_json::from_str(&self.body).map_err(|e| RosterError::Syntax(e.to_string()))?;
        if &roster.ministry != ministry {
            return Err(RosterError::WrongMinistry {
                expected: ministry.short(),
                found: roster.ministry.short(),
            });
        }
        roster.check()?;
        Ok(roster)
    }

    /// Verifies a roster update against the roster a node holds: it must be newer.
    pub fn verify_update(&self, held: &Roster) -> Result<Roster, RosterError> {
        let roster = self.verify(&held.ministry)?;
        if roster.version <= held.version {
            return Err(RosterError::Stale {
                held: held.version,
                found: roster.version,
            });
        }
        Ok(roster)
    }

    /// Parses a signed roster from untrusted JSON bytes, with a size cap.
    pub fn roster_from_json(bytes: &[u8]) -> Result<Self, RosterError> {
        if bytes.len() > MAX_ROSTER_BYTES + 1024 {
            return Err(RosterError::TooLarge(bytes.len()));
        }
        serde_json::from_slice(bytes).map_err(|e| RosterError::Syntax(e.to_string()))
    }
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
