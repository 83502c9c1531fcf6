//! Stem Suite DSP: everything both plugins, the command-line tool, the tests and the
//! benchmarks share. No plugin framework in here.
//!
//! Conventions: `new()` allocates, `set_sample_rate()`/`resize()` are called from a plugin's
//! `initialize()`, and `reset()`/`process()` never allocate. Gains are linear inside (`_gain`),
//! dB on screen (`_db`).

pub mod balance;
pub mod bands;
pub mod crossstem;
pub mod db;
pub mod demo;
pub mod dynamics;
pub mod eq;
pub mod filter;
pub mod format;
pub mod frames;
pub mod limiter;
pub mod link;
pub mod loudness;
pub mod masking;
pub mod master;
pub mod meters;
pub mod ramp;
pub mod role;
pub mod snapshot;
pub mod spec;
pub mod spectrum;
pub mod strip;
pub mod truepeak;
pub mod width;
