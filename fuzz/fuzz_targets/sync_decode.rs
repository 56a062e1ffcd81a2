//! Fuzz target: `fedrec_common::fuzzing::sync_decode` (see that function for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fedrec_common::fuzzing::sync_decode(data));
