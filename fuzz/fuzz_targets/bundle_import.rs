//! Fuzz target: `fedrec_common::fuzzing::bundle_import` (see that function for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fedrec_common::fuzzing::bundle_import(data));
