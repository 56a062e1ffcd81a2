//! The roster and batch definitions on a node: the ministry creates, changes and signs them;
//! every node imports them (from a file before any network exists, or from a peer) after
//! checking the ministry's signature against the key in its own configuration.

use fedrec_common::batch::Batch;
use fedrec_common::i18n::{self, s, tr};
use fedrec_common::identity::NodeId;
use fedrec_common::ids::RecommenderId;
use fedrec_common::roster::{KeyRole, Recommender, RecommenderKind, Roster, SignedRoster};
use fedrec_common::signed::SignedText;
use fedrec_config::Role;

use crate::node::{Node, NodeError, RosterAdd, RosterBundle};

impl Node {
    /// Refuses `action` (a catalogue key under `action-`) on a node that is not the ministry.
    pub(crate) fn ministry_only(&self, action: &str) -> Result<(), NodeError> {
        if self.role() == Role::Ministry {
            Ok(())
        } else {
            let action = tr(&format!("action-{action}"), &[]);
            Err(NodeError::Forbidden(tr(
                "error-ministry-only",
                &[("action", s(action))],
            )))
        }
    }

    /// Signs and stores a new roster (ministry), stamped with the time it is issued.
    fn store_roster(&self, roster: &Roster) -> Result<(), NodeError> {
        let mut roster = roster.clone();
        roster.issued_at = Some(self.now());
        let signed = roster
            .sign(self.key())
            .map_err(|e| NodeError::BadRequest(i18n::worded(&e)))?;
        let mut batch = self.store().batch();
        batch.meta(crate::store::ROSTER_META, &signed);
        batch.commit()?;
        self.publish_admitted();
        Ok(())
    }

    /// Creates the empty roster when the ministry is initialised.
    pub fn init_roster(&self) -> Result<(), NodeError> {
        self.ministry_only("create-roster")?;
        if self.roster()?.is_none() {
            self.store_roster(&Roster::new(self.id()))?;
        }
        Ok(())
    }

    /// Adds or renames a recommender and optionally grants it a key (ministry).
    pub fn roster_add(&self, request: RosterAdd) -> Result<Roster, NodeError> {
        self.ministry_only("change-roster")?;
        let mut roster = self.roster()?.unwrap_or_else(|| Roster::new(self.id()));
        let id: RecommenderId = request
            .recommender
            .parse()
            .map_err(|e: fedrec_common::ids::IdError| NodeError::BadRequest(i18n::worded(&e)))?;
        let kind = RecommenderKind::parse(&request.kind).ok_or_else(|| {
            NodeError::BadRequest(tr(
                "error-roster-kind",
                &[("kind", s(request.kind.as_str()))],
            ))
        })?;
        let bad = |e: fedrec_common::roster::RosterError| {
            NodeError::BadRequest(i18n::roster_error(i18n::reader(), &e))
        };
        roster
            .add_recommender(Recommender {
                id: id.clone(),
                name: request.name,
                kind,
            })
            .map_err(bad)?;
        if let Some(key) = request.key {
            let key: NodeId =
                key.parse()
                    .map_err(|e: fedrec_common::identity::IdentityError| {
                        NodeError::BadRequest(i18n::worded(&e))
                    })?;
            let role = match request.role.as_deref().unwrap_or("hq") {
                "hq" => KeyRole::Hq,
                "field_office" | "field-office" => KeyRole::FieldOffice,
                other => {
                    return Err(NodeError::BadRequest(tr(
                        "error-roster-role",
                        &[("role", s(other))],
                    )));
                }
            };
            roster.add_key(key, id, role).map_err(bad)?;
            if request.may_submit {
                roster.set_may_submit(&key, true).map_err(bad)?;
            }
        }
        self.store_roster(&roster)?;
        Ok(roster)
    }

    /// Grants a field office's key the right to submit and withdraw, or takes it back
    /// (ministry).
    pub fn roster_may_submit(&self, key: &str, may_submit: bool) -> Result<Roster, NodeError> {
        self.change_key_grant(key, |roster, key| roster.set_may_submit(key, may_submit))
    }

    /// Revokes a key after a position of its feed (ministry).
    pub fn roster_revoke(&self, key: &str, after: u64) -> Result<Roster, NodeError> {
        self.change_key_grant(key, |roster, key| roster.revoke(key, after))
    }

    /// Applies `change` to the grant of `key` (given as text) and signs the roster's new
    /// version (ministry).
    fn change_key_grant(
        &self,
        key: &str,
        change: impl FnOnce(&mut Roster, &NodeId) -> Result<(), fedrec_common::roster::RosterError>,
    ) -> Result<Roster, NodeError> {
        self.ministry_only("change-roster")?;
        let mut roster = self.roster()?.unwrap_or_else(|| Roster::new(self.id()));
        let key: NodeId = key
            .parse()
            .map_err(|e: fedrec_common::identity::IdentityError| {
                NodeError::BadRequest(i18n::worded(&e))
            })?;
        change(&mut roster, &key)
            .map_err(|e| NodeError::NotFound(i18n::roster_error(i18n::reader(), &e)))?;
        self.store_roster(&roster)?;
        Ok(roster)
    }

    /// Signs and stores a batch definition from its file text (ministry). Each publication of
    /// a batch is a new version: the next after the one held, or the file's if that is higher.
    pub fn publish_batch(&self, text: &str) -> Result<Batch, NodeError> {
        self.ministry_only("publish-batch")?;
        let mut batch =
            Batch::from_toml_str(text).map_err(|e| NodeError::BadRequest(i18n::worded(&e)))?;
        if let Some(held) = self.held_batch(batch.number.0)? {
            batch.version = batch.version.max(held.version.saturating_add(1));
        }
        // The roster's version moves with every publication, so that peers, which fetch trust
        // data when they see a newer roster version, fetch the new definition too.
        let mut roster = self.roster()?.unwrap_or_else(|| Roster::new(self.id()));
        roster.version += 1;
        roster.issued_at = Some(self.now());
        let signed_roster = roster
            .sign(self.key())
            .map_err(|e| NodeError::BadRequest(i18n::worded(&e)))?;
        let mut write = self.store().batch();
        write.meta(
            &format!("batch/{:06}", batch.number.0),
            &batch.sign(self.key()),
        );
        write.meta(crate::store::ROSTER_META, &signed_roster);
        write.commit()?;
        Ok(batch)
    }

    pub fn roster_bundle(&self) -> Result<RosterBundle, NodeError> {
        let roster: SignedRoster = self
            .store()
            .meta(crate::store::ROSTER_META)?
            .ok_or_else(|| NodeError::NotFound(tr("error-no-roster", &[])))?;
        let mut batches = Vec::new();
        for name in self.store().meta_keys("batch/")? {
            if let Some(signed) = self.store().meta::<SignedText>(&name)? {
                batches.push(signed);
            }
        }
        Ok(RosterBundle { roster, batches })
    }

    /// The signed definition of batch `number` this node holds, verified.
    fn held_batch(&self, number: u32) -> Result<Option<Batch>, NodeError> {
        let Some(signed) = self
            .store()
            .meta::<SignedText>(&format!("batch/{number:06}"))?
        else {
            return Ok(None);
        };
        Ok(Batch::verify_signed(&signed, &self.ministry_key()).ok())
    }

    /// Verifies a bundle against the configured ministry key and stores what is newer than what
    /// this node holds; returns the roster. Trust data only moves forward: a roster is taken
    /// only if newer (the same version only if it is the same text), and each batch
    /// definition only if its version is newer than the one held. The ministry, the trust
    /// root, never takes trust data from anyone.
    pub fn import_bundle(&self, bundle: RosterBundle) -> Result<Roster, NodeError> {
        if self.role() == Role::Ministry {
            return Err(NodeError::Forbidden(tr(
                "error-ministry-imports-nothing",
                &[],
            )));
        }
        let ministry = self.ministry_key();
        let roster = bundle.roster.verify(&ministry).map_err(|e| {
            let detail = i18n::roster_error(i18n::reader(), &e);
            NodeError::Forbidden(tr("error-roster-refused", &[("detail", s(detail))]))
        })?;
        let held: Option<SignedRoster> = self.store().meta(crate::store::ROSTER_META)?;
        let take_roster = match (&held, self.roster()?) {
            (Some(held_signed), Some(held)) => {
                if held.version > roster.version
                    || (held.version == roster.version && held_signed.body != bundle.roster.body)
                {
                    return Err(NodeError::Conflict(tr(
                        "error-roster-not-newer",
                        &[
                            ("held", s(held.version.to_string())),
                            ("given", s(roster.version.to_string())),
                        ],
                    )));
                }
                held.version < roster.version
            }
            _ => true,
        };
        let mut write = self.store().batch();
        let mut taken = 0;
        for signed in &bundle.batches {
            let batch = Batch::verify_signed(signed, &ministry).map_err(|e| {
                NodeError::Forbidden(tr(
                    "error-batch-refused",
                    &[("detail", s(i18n::worded(&e)))],
                ))
            })?;
            match self.held_batch(batch.number.0)? {
                Some(held) if held.version >= batch.version => {
                    if held.version == batch.version && held != batch {
                        tracing::warn!(
                            batch = batch.number.0,
                            version = batch.version,
                            "a different definition with the held version refused"
                        );
                    }
                    continue;
                }
                _ => {}
            }
            write.meta(&format!("batch/{:06}", batch.number.0), signed);
            taken += 1;
        }
        if take_roster {
            write.meta(crate::store::ROSTER_META, &bundle.roster);
        }
        if take_roster || taken > 0 {
            write.commit()?;
        }
        if take_roster {
            self.publish_admitted();
        }
        Ok(roster)
    }
}
