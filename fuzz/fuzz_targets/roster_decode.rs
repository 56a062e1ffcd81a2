//! Fuzz target: `fedrec_common::fuzzing::roster_decode` (see that function for what it covers).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: fedrec_common::fuzzing::let_caught_panics_be_caught(),
    |data: &[u8]| fedrec_common::fuzzing::roster_decode(data)
);
