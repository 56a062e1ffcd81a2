//! Fuzz target: `fedrec_common::fuzzing::entry_decode_verify` (see that function for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fedrec_common::fuzzing::entry_decode_verify(data));
