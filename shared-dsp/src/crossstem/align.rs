//! Lining the Strips' snapshots up by the host transport.
//!
//! Each Strip publishes 20 to 50 snapshots a second, each stamped with the project time of
//! the block it was taken in; the Master samples the link about 20 times a second. Strips in
//! separate processes run their blocks at different moments, so the latest snapshots of two
//! Strips may describe audio up to a block or two apart, and a Strip whose host stalls, or
//! whose track is stopped, describes another moment altogether. The aligner keeps the last
//! [`RING`] distinct snapshots of every playing Strip and, on each tick:
//!
//! 1. estimates where each playing Strip is now (`position + snapshot age`) and takes the
//!    median as the common position;
//! 2. drops Strips further than [`LAG_LIMIT_S`] from it (lagging, ahead, or on another
//!    position) and Strips that are stopped while others play;
//! 3. picks, for every remaining Strip, the snapshot nearest to the earliest latest position
//!    among them (the newest moment every Strip has reached), and drops a Strip with none
//!    within [`PICK_TOLERANCE_S`].
//!
//! When a Strip reports no transport position (a host that does not share it), alignment is
//! not possible: every Strip's latest snapshot is used, and the view says so. When every
//! Strip is stopped, the engines hold (stopped time is not evidence of masking).

use std::collections::VecDeque;

use crate::link::InstanceInfo;
use crate::snapshot::StemSnapshot;

/// Distinct snapshots kept per Strip (1.6 s at 20 a second, 0.64 s at 50).
pub const RING: usize = 32;
/// A playing Strip further than this from the common position is out of step, seconds.
pub const LAG_LIMIT_S: f64 = 0.35;
/// The snapshot picked for a Strip must lie this close to the common moment, seconds.
pub const PICK_TOLERANCE_S: f64 = 0.12;
/// A snapshot older than this comes from a Strip that stopped processing, ms.
pub const STALE_SNAPSHOT_MS: u64 = 750;

/// How the last tick's snapshots were lined up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Alignment {
    /// No Strip with a current snapshot.
    Waiting,
    /// Lined up by the host transport.
    Aligned {
        /// Strips compared.
        stems: usize,
        /// Largest distance of a picked snapshot from the common moment, ms.
        spread_ms: f32,
    },
    /// Every Strip's transport is stopped: the engines hold their state.
    Holding,
    /// Some Strips report no transport position; latest snapshots are compared as they are.
    NotPossible {
        /// Strips without a transport position.
        without_position: usize,
    },
}

impl std::fmt::Display for Alignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Alignment::Waiting => write!(f, "waiting for the Strips' analysis"),
            Alignment::Aligned { stems, spread_ms } => write!(
                f,
                "{stems} stems lined up by the host transport (within {spread_ms:.0} ms)"
            ),
            Alignment::Holding => write!(f, "transport stopped: holding the analysis"),
            Alignment::NotPossible { without_position } => write!(
                f,
                "not aligned: {without_position} Strip{} report no transport position, so the \
                 latest analysis of each is compared",
                if *without_position == 1 { "" } else { "s" }
            ),
        }
    }
}

/// Why a Strip took no part in the last tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Excluded {
    /// No snapshot yet, or its latest is older than [`STALE_SNAPSHOT_MS`].
    NoSignal,
    /// Its transport is stopped while other Strips play.
    Stopped,
    /// It is this far from the other Strips' position, seconds (negative: behind).
    OutOfStep(f32),
}

/// A Strip's chosen snapshot for one tick, or why there is none.
// NOTE: the snapshot is kept inline: picks live in a vector reused every tick, where boxing
// would allocate per Strip and tick.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// Compared this tick.
    Use(StemSnapshot),
    /// Left out this tick.
    Skip(Excluded),
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    /// Distinct snapshots with their transport positions, oldest first.
    ring: VecDeque<StemSnapshot>,
}

/// The aligner's state: a ring of snapshots per Strip.
#[derive(Debug, Clone, Default)]
pub struct Aligner {
    tracks: Vec<Track>,
    estimates: Vec<f64>,
}

impl Aligner {
    /// Lines up `instances` (a group's live Strips) and fills `picks` (one per instance, in
    /// order). Returns how the tick was lined up.
    pub fn tick(&mut self, instances: &[InstanceInfo], picks: &mut Vec<Pick>) -> Alignment {
        picks.clear();
        self.tracks
            .retain(|t| instances.iter().any(|i| i.instance_id == t.id));
        // Current snapshots; record the playing ones.
        let mut current = 0usize;
        let mut without_position = 0usize;
        let mut playing = 0usize;
        for info in instances {
            let fresh = match (&info.snapshot, info.snapshot_age_ms) {
                (Some(s), Some(age)) if age <= STALE_SNAPSHOT_MS => Some(*s),
                _ => None,
            };
            let Some(snap) = fresh else {
                picks.push(Pick::Skip(Excluded::NoSignal));
                continue;
            };
            current += 1;
            let t = snap.transport;
            if !t.known {
                without_position += 1;
            } else if t.playing {
                playing += 1;
                self.record(info.instance_id, snap);
            }
            picks.push(Pick::Use(snap));
        }
        if current == 0 {
            return Alignment::Waiting;
        }
        if without_position > 0 {
            return Alignment::NotPossible { without_position };
        }
        if playing == 0 {
            for p in picks.iter_mut() {
                if matches!(p, Pick::Use(_)) {
                    *p = Pick::Skip(Excluded::Stopped);
                }
            }
            return Alignment::Holding;
        }
        self.line_up(instances, picks)
    }

    fn record(&mut self, id: u64, snap: StemSnapshot) {
        let k = match self.tracks.iter().position(|t| t.id == id) {
            Some(k) => k,
            None => {
                self.tracks.push(Track {
                    id,
                    ring: VecDeque::with_capacity(RING),
                });
                self.tracks.len() - 1
            }
        };
        let ring = &mut self.tracks[k].ring;
        let pos = snap.transport.position_seconds;
        match ring.back() {
            // The same snapshot read again (the Strip has not published since).
            Some(last) if last.transport.position_seconds == pos => return,
            // The transport jumped back (loop, relocation): older entries describe another
            // pass over the song.
            Some(last) if pos < last.transport.position_seconds => ring.clear(),
            _ => {}
        }
        if ring.len() == RING {
            ring.pop_front();
        }
        ring.push_back(snap);
    }

    fn ring(&self, id: u64) -> Option<&VecDeque<StemSnapshot>> {
        self.tracks.iter().find(|t| t.id == id).map(|t| &t.ring)
    }

    fn line_up(&mut self, instances: &[InstanceInfo], picks: &mut [Pick]) -> Alignment {
        // Where each playing Strip is now.
        self.estimates.clear();
        for (info, pick) in instances.iter().zip(picks.iter()) {
            if let Pick::Use(s) = pick {
                if s.transport.playing {
                    self.estimates.push(estimate(info, s));
                }
            }
        }
        self.estimates.sort_by(f64::total_cmp);
        let common = self.estimates[self.estimates.len() / 2];
        // Out of step or stopped; then the newest moment every remaining Strip has reached.
        let mut moment = f64::INFINITY;
        for (info, pick) in instances.iter().zip(picks.iter_mut()) {
            let Pick::Use(s) = *pick else { continue };
            if !s.transport.playing {
                *pick = Pick::Skip(Excluded::Stopped);
                continue;
            }
            let off = estimate(info, &s) - common;
            if off.abs() > LAG_LIMIT_S {
                *pick = Pick::Skip(Excluded::OutOfStep(off as f32));
                continue;
            }
            moment = moment.min(s.transport.position_seconds);
        }
        let mut stems = 0usize;
        let mut spread = 0.0f64;
        for (info, pick) in instances.iter().zip(picks.iter_mut()) {
            let Pick::Use(_) = *pick else { continue };
            let nearest = self.ring(info.instance_id).and_then(|ring| {
                ring.iter().min_by(|a, b| {
                    let da = (a.transport.position_seconds - moment).abs();
                    let db = (b.transport.position_seconds - moment).abs();
                    da.total_cmp(&db)
                })
            });
            match nearest {
                Some(s) if (s.transport.position_seconds - moment).abs() <= PICK_TOLERANCE_S => {
                    spread = spread.max((s.transport.position_seconds - moment).abs());
                    stems += 1;
                    *pick = Pick::Use(*s);
                }
                Some(s) => {
                    *pick = Pick::Skip(Excluded::OutOfStep(
                        (s.transport.position_seconds - moment) as f32,
                    ))
                }
                None => *pick = Pick::Skip(Excluded::NoSignal),
            }
        }
        Alignment::Aligned {
            stems,
            spread_ms: (spread * 1000.0) as f32,
        }
    }
}

/// Where a playing Strip's transport is now: its snapshot's position plus the snapshot's age.
fn estimate(info: &InstanceInfo, s: &StemSnapshot) -> f64 {
    s.transport.position_seconds + info.snapshot_age_ms.unwrap_or(0) as f64 / 1000.0
}
