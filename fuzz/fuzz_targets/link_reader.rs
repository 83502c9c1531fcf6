//! Fuzzes the link reader over arbitrary segment bytes (input format: see
//! `shared_dsp::link::fuzzing`). Run for a bounded time:
//! `cargo +nightly fuzz run link_reader fuzz/corpus/link_reader -- -max_total_time=60`.
//! The same corpus is replayed on stable by `cargo test -p shared-dsp --test link_fuzz_replay`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared_dsp::link::fuzzing::run_reader(data);
});
