//! Texts the ministry signs: the roster and batch definitions. The signature covers a domain tag
//! and the exact text, which is kept verbatim, so verifying never depends on re-serialising.

use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};

use crate::identity::{NodeId, NodeKey};

/// A text and the hex ed25519 signature over `tag || text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedText {
    pub body: String,
    pub signature: String,
}

impl SignedText {
    pub fn sign(tag: &[u8], body: String, key: &NodeKey) -> Self {
        let signature = hex::encode(key.sign(&tagged(tag, &body)).to_bytes());
        Self { body, signature }
    }

    /// Whether `signer` signed this text under `tag`, with `verify_strict` semantics.
    pub fn is_signed_by(&self, tag: &[u8], signer: &NodeId) -> bool {
        let Some(bytes) = hex::decode(&self.signature)
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        else {
            return false;
        };
        signer.verify_strict(&tagged(tag, &self.body), &Signature::from_bytes(&bytes))
    }
}

fn tagged(tag: &[u8], body: &str) -> Vec<u8> {
    let mut bytes = tag.to_vec();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}
