//! Bundle files: signed entries carried on a file for a node with no network (`fedrec bundle`).
//! The format is a header line, then each entry's encoding behind a 4-byte big-endian length.
//! Parsing only splits the file; every entry then goes through the same ingest checks as
//! entries from the network.

use crate::ingest::MAX_ENTRY_BYTES;

/// The first bytes of a bundle file.
pub const BUNDLE_MAGIC: &[u8] = b"fedrec-bundle/1\n";

/// Splits a bundle file into entries, refusing a file that lies about its lengths.
pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut rest = bytes
        .strip_prefix(BUNDLE_MAGIC)
        .ok_or("not a fedrec bundle (wrong header)")?;
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let Some((length, tail)) = rest.split_first_chunk::<4>() else {
            return Err(format!("bundle truncated after {} entries", entries.len()));
        };
        let length = u32::from_be_bytes(*length) as usize;
        if length > MAX_ENTRY_BYTES {
            return Err(format!(
                "entry {} claims {length} bytes, above the {MAX_ENTRY_BYTES}-byte cap",
                entries.len() + 1
            ));
        }
        if tail.len() < length {
            return Err(format!(
                "entry {} is truncated: {length} bytes announced, {} present",
                entries.len() + 1,
                tail.len()
            ));
        }
        entries.push(tail[..length].to_vec());
        rest = &tail[length..];
    }
    Ok(entries)
}

/// A bundle file of `entries` (each an entry's encoding).
pub fn write_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = BUNDLE_MAGIC.to_vec();
    for entry in entries {
        out.extend_from_slice(&(entry.len() as u32).to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_round_trips_and_lies_are_refused() {
        let entries: [&[u8]; 3] = [b"one", b"", b"three"];
        let file = write_bundle(entries);
        assert_eq!(
            parse_bundle(&file).unwrap(),
            vec![b"one".to_vec(), vec![], b"three".to_vec()]
        );
        assert!(
            parse_bundle(b"not a bundle")
                .unwrap_err()
                .contains("header")
        );
        assert!(
            parse_bundle(&file[..file.len() - 2])
                .unwrap_err()
                .contains("truncated")
        );
        let mut lying = BUNDLE_MAGIC.to_vec();
        lying.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_bundle(&lying).unwrap_err().contains("cap"));
        let mut short = BUNDLE_MAGIC.to_vec();
        short.extend_from_slice(&[0, 0]);
        assert!(
            parse_bundle(&short)
                .unwrap_err()
                .contains("truncated after 0")
        );
    }
}
