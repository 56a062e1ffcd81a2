//! Node identities: one ed25519 key pair per node. The public key is the [`NodeId`]; it is also
//! the node's Automerge actor id, so a change names its signer, and (in the daemon) the seed of
//! its libp2p peer id, so the peer on a connection is the signer of its entries.
//!
//! Secret keys never appear in `Debug` output or logs.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A 32-byte BLAKE3 digest, shown in lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 8 bytes in hex: enough for a person to tell entries apart on screen.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..8])
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.short())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl From<Hash32> for String {
    fn from(hash: Hash32) -> Self {
        hash.to_hex()
    }
}

impl TryFrom<String> for Hash32 {
    type Error = IdentityError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Ok(Self(decode_32(&text, "hash")?))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    #[error("a {what} is 64 hex digits; '{text}' is not")]
    Hex { what: &'static str, text: String },
    #[error("{0} is not a usable ed25519 public key")]
    BadKey(String),
    #[error("a secret key file holds 64 hex digits; this one does not")]
    BadSecret,
}

fn decode_32(text: &str, what: &'static str) -> Result<[u8; 32], IdentityError> {
    let bad = || IdentityError::Hex {
        what,
        text: text.chars().take(80).collect(),
    };
    let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

/// A node's public key: who signed an entry, who may write a document.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct NodeId([u8; 32]);

impl NodeId {
    /// Accepts 32 bytes only if they are a valid, non-weak ed25519 public key, so that every
    /// `NodeId` in the system can verify signatures.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, IdentityError> {
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| IdentityError::BadKey(hex::encode(bytes)))?;
        if key.is_weak() {
            return Err(IdentityError::BadKey(hex::encode(bytes)));
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 8 bytes in hex, for logs and tables.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..8])
    }

    /// The ed25519 public key. `from_bytes` admitted only bytes that decode, so this is `Some`
    /// for every `NodeId`; callers treat `None` as a failed verification, never a panic.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_bytes(&self.0).ok()
    }

    /// The Automerge actor id of this node's changes: the public key's bytes.
    pub fn actor_id(&self) -> automerge::ActorId {
        automerge::ActorId::from(&self.0[..])
    }

    /// Checks `signature` over `message` with `verify_strict` semantics: the signature equation
    /// without the cofactor, and no small-order public key or commitment.
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> bool {
        self.verifying_key()
            .is_some_and(|key| key.verify_strict(message, signature).is_ok())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.short())
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for NodeId {
    type Err = IdentityError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(decode_32(text, "node id")?)
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> Self {
        id.to_hex()
    }
}

impl TryFrom<String> for NodeId {
    type Error = IdentityError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A node's secret signing key.
pub struct NodeKey(SigningKey);

impl NodeKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        Self(SigningKey::generate(&mut rand::rng()))
    }

    /// A key derived from a 32-byte seed: for tests and simulations, which must replay.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// A key derived from a name (its BLAKE3 hash is the seed), so each test owns its keys.
    pub fn for_test(name: &str) -> Self {
        Self::from_seed(*blake3::hash(name.as_bytes()).as_bytes())
    }

    pub fn id(&self) -> NodeId {
        NodeId(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }

    /// The secret seed in hex, for the key file (mode 0600) and nothing else.
    pub fn to_secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn from_secret_hex(text: &str) -> Result<Self, IdentityError> {
        let bytes = hex::decode(text.trim()).map_err(|_| IdentityError::BadSecret)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| IdentityError::BadSecret)?;
        Ok(Self::from_seed(seed))
    }

    /// The 32-byte seed, for deriving the libp2p identity from the same key.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeKey({}, secret redacted)", self.id().short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_hex() {
        let key = NodeKey::for_test("ids_round_trip_as_hex");
        let id = key.id();
        assert_eq!(id.to_hex().parse::<NodeId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<NodeId>(&json).unwrap(), id);
        assert!(id.verify_strict(b"hello", &key.sign(b"hello")));
        assert!(!id.verify_strict(b"hellO", &key.sign(b"hello")));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let key = NodeKey::for_test("secrets_stay_out_of_debug_output");
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.to_secret_hex()));
        assert!(shown.contains("redacted"));
        let again = NodeKey::from_secret_hex(&key.to_secret_hex()).unwrap();
        assert_eq!(again.id(), key.id());
    }

    #[test]
    fn weak_and_malformed_keys_are_refused() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(
            NodeId::from_bytes(identity).is_err(),
            "small-order key accepted"
        );
        assert!("zz".parse::<NodeId>().is_err());
        assert!("00".repeat(31).parse::<NodeId>().is_err());
    }
}
