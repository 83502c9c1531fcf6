//! The loudness the Stem Strip publishes, against EBU Tech 3341 (v4, 2023) cases 9 to 13:
//! momentary and short-term loudness read from its snapshots (`Strip::take_snapshot`
//! whenever `Strip::snapshot_due`, as the plugin publishes them 40 times a second; the
//! momentary value is the largest of its 10 ms updates since the last snapshot, without
//! which case 13 fails by 0.004 LU: -23.104 LUFS), with the
//! audio fed in 10 ms host blocks, at 48 kHz and 44.1 kHz, default settings (every section
//! off). The signals are those of `tech3341`, the tolerance the document's ±0.1 LU. Cases 1
//! to 5 are the loudness meter's own tests (`shared_dsp::loudness`); case 14 is case 13 with
//! other levels and runs for the Master (`master_meters.rs`).

mod tech3341;

use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::strip::{Strip, SNAPSHOT_SECONDS};
use tech3341::*;

const RATES: [f32; 2] = [48_000.0, 44_100.0];

/// Runs `signal` on both channels through a fresh Strip in 10 ms blocks and returns what it
/// published.
fn published(rate: f32, signal: &[f32]) -> Vec<Reading<Windows>> {
    let mut strip = Strip::new(rate, 2).unwrap();
    let block = (rate / 100.0).round() as usize;
    let mut snapshot = StemSnapshot::default();
    let mut readings = Vec::new();
    let mut fed = 0;
    for chunk in signal.chunks(block) {
        let (mut l, mut r) = (chunk.to_vec(), chunk.to_vec());
        strip.process(&mut l, Some(&mut r));
        fed += chunk.len();
        if strip.snapshot_due() {
            strip.take_snapshot(
                StemRole::Other,
                StemName::new("Tone"),
                TransportPosition::default(),
                &mut snapshot,
            );
            readings.push(Reading {
                input_end: fed as isize,
                meters: Windows {
                    momentary_lufs: snapshot.momentary_lufs,
                    shortterm_lufs: snapshot.shortterm_lufs,
                },
            });
        }
    }
    readings
}

#[test]
fn tech_3341_cases_9_and_12_constant_windows() {
    for rate in RATES {
        let per_second = (1.0 / SNAPSHOT_SECONDS as f64).floor();
        cases_9_and_12(rate, per_second, |signal| published(rate, signal));
    }
}

#[test]
fn tech_3341_cases_10_and_11_max_shortterm() {
    for rate in RATES {
        cases_10_and_11(rate, |signal| published(rate, signal));
    }
}

#[test]
fn tech_3341_case_13_max_momentary() {
    for rate in RATES {
        cases_13_and_14(rate, &[13], |signal| published(rate, signal));
    }
}
