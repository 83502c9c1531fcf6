//! Cross-stem masking: which stem hides which, in which bands, on which ear, for how long,
//! and what to do about it.
//!
//! # Model
//!
//! Inputs per stem and update, for **one moment** of the song (the Strips' snapshots lined
//! up by the host transport, [`crate::crossstem::align`]): band powers `E_i,c(b)` in dBFS
//! on the suite's 48 ERB-rate bands ([`crate::bands`]) for each channel `c` (left, right),
//! the mean over the snapshot's 25 ms of short analysis frames (21 ms at 48 kHz; 170 ms
//! frames under about 900 Hz, [`crate::spectrum`]); masking levels `M_i,c(b)` on the same
//! bands; the stem's short-term loudness, its role and an optional priority.
//!
//! 0. **Simultaneity: a stem masks what sounds with it.** A stem is *masked* at its band
//!    powers of the moment and *masks* others at its masking levels: the same frames
//!    through a forward-masking envelope that follows a rise at once and falls by 500 dB/s
//!    when the sound stops (20 dB down 40 ms later, 50 dB after 100 ms: forward masking is
//!    gone within 100 to 200 ms, Zwicker and Fastl, *Psychoacoustics*, 4.4; Jesteadt, Bacon
//!    and Lehman 1982, JASA 71); backward masking (about 20 ms) lies within the frame's own
//!    window. Every moment is judged on what sounds at that moment, and time enters through
//!    the shares of step 9: a guitar fill that answers a voice never sounds with it and
//!    masks nothing; a kick twice a second masks during its hits and tails and leaves the
//!    gaps unmasked; a steady pad masks all the time. In the low end the moments are as
//!    long as the 170 ms frames.
//! 1. **Spreading** (after Schroeder, Atal and Hall 1979, "Optimizing digital speech coders by
//!    exploiting masking properties of the human ear", JASA 66). Each masker band `b` spreads
//!    its masking level `M_j,c(b)` (step 0) to every band `k` by
//!    `SF(dz) = 15.81 + 7.5(dz + 0.474) - 17.5 sqrt(1 + (dz + 0.474)^2)` dB, with `dz = z(k) - z(b)` in Bark (Traunmüller 1990) between band centres. SF is 0 dB
//!    at `dz = 0` and tends to -25 dB/Bark below the masker and -10 dB/Bark above it: masking
//!    reaches upward. These are the slopes of the MPEG psychoacoustic models, taken from the published
//!    function rather than a hand-made two-slope line, because its rounded top models the
//!    auditory filter's tip. The level dependence of the upper slope (Terhardt 1979) is not
//!    modelled: at mix levels it would flatten the upper slope by a few dB/Bark only, and
//!    band powers carry no absolute SPL without a calibration.
//! 2. **Masking offset** (Johnston 1988, "Transform coding of audio signals using perceptual
//!    noise criteria", IEEE JSAC 6): the threshold lies [`MaskingConfig::masking_offset_db`]
//!    = 6 dB below the spread energy. Johnston gives 5.5 dB for a noise-like masker and
//!    14.5 + z dB for a tonal one; the band powers of a stem cannot tell the two
//!    apart, and stems that mask (pads, guitars, drums, reverbs) are dense, so the noise
//!    value is used, rounded to 6 dB.
//! 3. **Adding maskers**: thresholds add as powers, on top of the threshold in quiet
//!    (Terhardt 1979, `ATH(f) = 3.64 (f/kHz)^-0.8 - 6.5 exp(-0.6 (f/kHz - 3.3)^2) +
//!    0.001 (f/kHz)^4` dB SPL) evaluated at the band centre, with the playback calibration
//!    [`MaskingConfig::full_scale_db_spl`] = 96 dB SPL for a 0 dBFS sine (the MPEG-1
//!    psychoacoustic models' convention; mastering rooms play louder, which only lowers the
//!    floor). `T_-i,c(k) = ATH(k) + sum over j != i of spread_j,c(k)`, summed in ascending-id
//!    order as prefix and suffix sums: no subtraction, so no cancellation, and bit-identical
//!    for any input order.
//! 4. **Target-to-mask ratio**: the maskee's energy is integrated over its critical band (all
//!    bands whose centre lies within half a Bark of band `k`'s; our bands are narrower than a
//!    Bark everywhere), so that a masker's spread threshold (which integrates the masker over
//!    the auditory filter) is compared with like: `TMR_i,c(k) = 10 log10(Ecb_i,c(k) /
//!    T_-i,c(k))`. Two equal noises in the same range give `TMR` of about the offset, 6 dB,
//!    less the skirts.
//! 5. **Better ear**: `TMR_i(k) = max over c of TMR_i,c(k)`. Panning apart releases masking;
//!    binaural unmasking (a few dB more at low frequencies) is not added, so the model errs
//!    on the side of warning.
//! 6. **Band matters** when the stem is valid, above the silence gate (short-term loudness
//!    at least -70 LUFS, the BS.1770 absolute gate) and, in that band (the louder channel),
//!    within [`MaskingConfig::matters_range_db`] = 24 dB of its strongest band (the middle of
//!    the 20 to 30 dB the multitrack masking studies use), above [`MaskingConfig::matters_floor_db`] = -90 dBFS and above the
//!    threshold in quiet.
//! 7. **Deficit**: each role needs a clarity margin, `required_tmr_db` (role rules, below);
//!    `short_i(k) = max(0, required - TMR_i(k))` where the band matters, else 0. Each band
//!    has an importance `w_i(k)` in 0..1 for the stem's role ([`importance`]: the Speech
//!    Intelligibility Index band importance of ANSI S3.5-1997 for lead and backing vocals,
//!    1 everywhere for other roles). A band is *masked* when its importance-weighted
//!    deficit reaches the threshold, `w_i(k) short_i(k) >= 1 dB`
//!    ([`MaskingConfig::masked_when_short_db`]): a vocal's 200 Hz band (importance 0.2) must
//!    be 5 dB short to count, its 2 kHz band 1 dB.
//! 8. **Attribution**: masker `j`'s share of the threshold is taken on each ear,
//!    `spread_j,c(k) / T_-i,c(k)`, and the smaller of the two is kept (a masker only takes
//!    the blame it has on both ears, so a masker panned away from the better ear gets
//!    none); shares are normalised over maskers and scaled by the part of the threshold not
//!    due to the threshold in quiet. `severity_ij = sum over k of w_i(k) short_i(k) att_j(k)
//!    / (number of bands that matter to i)`, the maskee-by-masker matrix, in dB. Raising a
//!    band's importance never lowers a severity (tested with proptest). It never falls
//!    when a masker gets louder: the deficit grows, the masker's shares grow on both ears
//!    and every other masker's shrink (tested with proptest).
//! 9. **Time**: a sliding window ([`MaskingConfig::window_s`] = 10 s, kept as 10 segments)
//!    holds, per stem and band, the time the band sounded, the masked time and the integral
//!    of the deficit. **A stem is judged only while it sounds**: a band sounds while its
//!    power (the louder channel) is within 10 dB of its own recent peak, a peak that falls
//!    by 3 dB/s (`ACTIVE_RANGE_DB`, `PEAK_RELEASE_DB_PER_S` in `engine.rs`), so a pause
//!    between phrases or the decay of a note is neither masked time nor clear time; a band
//!    counts as masked only while it sounds. The share masked is masked time over
//!    `max(sounding time, 2 s)`, per band, so a new stem needs about a second of evidence
//!    and silence added between a stem's phrases never raises its share (tested,
//!    `tests/masking_activity.rs`). A histogram of the deficits of the sounding moments (2 dB
//!    steps) is kept per band over the same window, for the fix (step 11). Hysteresis: a band is flagged when the share reaches 50 % and
//!    unflagged when it drops below 30 %. Per band the dominant masker is the one with the
//!    largest exponentially smoothed attribution (time constant a quarter of the window),
//!    and it changes only when another leads by 25 %. The history (how often each band was
//!    masked since the stem appeared) is kept as masked seconds per band.
//! 10. **Warnings**: adjacent flagged bands with the same dominant masker merge into one
//!     range, also across a gap of one band where no warning is due (two ranges one band
//!     apart are one finding to a user); the range's deficit and share are averaged over
//!     its flagged bands only, not the gap. **A warning means a listener would notice**: a
//!     range is warned about only when it takes at least 2 % of the stem's
//!     importance-weighted audibility away, in the manner of the Speech Intelligibility
//!     Index (ANSI S3.5-1997): each band's audibility falls by its mean deficit over the
//!     SII's 30 dB range (at most all of it), weighted by the band's importance to the role
//!     and divided by the importance of every band that matters to the stem; a warning
//!     already up stays until its range takes less than 1.6 %, so it does not blink. One
//!     low-importance band far short (a voice's lowest band under a ringing kick) or one
//!     important band a few dB short (a quiet accompaniment's harmonic) raises nothing;
//!     for roles without an importance table every band counts alike. A stem is not
//!     warned about masking by a stem of higher priority in that band (by design the pad
//!     sits under the vocal). **One warning per pair and direction**: the ranges of one
//!     maskee named for one masker are one [`MaskingWarning`] listing them ([`Ranges`],
//!     at most [`MAX_RANGES`] = 3, the ones taking most audibility away), each with its
//!     own fix. When both stems own a band of it (role rules), the warning is a collision
//!     and is reported once per pair, in the direction that takes more audibility away.
//! 11. **Fix: the smallest move that clears the warning** (`engine/fix.rs`). A move
//!     is checked by re-running the model on it, moment by moment: on the stems' smoothed
//!     masking powers, thresholds and energies (time constant a quarter of the window) the
//!     move changes each band's better-ear target-to-mask ratio by some dB; every sounding
//!     moment of the window (the deficit histogram) is then that much less short; a band
//!     stays masked while the moments still short enough to count fill 30 % of its sounding
//!     time (the hysteresis' lower share), and the range's loss of audibility (step 10) is
//!     taken on what they keep. A move *clears* a range when the loss falls under half of
//!     the 2 % a warning needs (a margin for what the model cannot know: the corpus applies
//!     every fix to the stems' audio and runs the engine again). In order of preference:
//!     (1) a **cut on the masker** as a bell (the Strip's RBJ cookbook peaking filter, its
//!     response evaluated at every band centre, its half-gain points the range's edges) on
//!     the narrowest run of the masker's own bands that clears it, grown from the band that
//!     adds most to the threshold in the range (weighted by the deficit there) towards the
//!     larger neighbour; the smallest depth in 0.5 dB steps, at most
//!     [`MaskingConfig::max_cut_db`] = 12 dB for a bell of an octave or less and
//!     [`MAX_WIDE_CUT_DB`] = 6 dB for a wider one (a 12 dB cut over two octaves is not a
//!     move anyone makes), never wider than [`MAX_BELL_OCTAVES`]; the range is in the
//!     masker's bands ([`SuggestedFix`]): a pad whose energy lies above 6 kHz and masks a
//!     vocal at 5 kHz from above is cut above 6 kHz; (2) a **boost of the maskee**, at most
//!     [`MaskingConfig::max_boost_db`] = 6 dB, over the part of the range where its role
//!     gives the bands an importance of at least [`importance::LOW_IMPORTANCE`] = 0.5 (a
//!     6 dB boost of a vocal's low mids adds mud, not clarity); (3) a **lower level** for
//!     the whole masker, at most [`MAX_LOWER_DB`] = 20 dB, said as "lower the pad by about
//!     N dB, or move one of the parts"; (4) else "**move one of the parts**": no EQ move or
//!     level change within reach clears it (other stems hold the threshold too, or the
//!     deficit is too deep).
//!
//! Role rules and band importance are data ([`RoleRules`], [`RoleImportance`]); the defaults
//! protect the lead vocal's presence range
//! (1 to 5 kHz, 8 dB margin, priority +20) and give the low end (below 120 Hz) to drums and
//! bass (both own it, 8 dB margin); elsewhere every role needs 3 dB.
//!
//! Related multitrack work: Vega and Janer, "Quantifying masking in multi-track recordings"
//! (cross-adaptive signal-to-masker ratio); Aichinger et al. 2011 (masked-to-unmasked
//! ratio); Hafezi and Reiss 2015, "Autonomous multitrack equalization based on masking
//! reduction" (JAES 63); Ronan, Ma et al. 2018, "Automatic minimisation of masking in
//! multitrack audio using subgroups"; Wakefield and Dewey (AES 138) on panning against EQ.
//!
//! # Real time
//!
//! [`MaskingEngine::new`] allocates everything; [`MaskingEngine::update`] does not
//! allocate (tested with a counting allocator). [`MaskingEngine::report`] and
//! [`MaskingEngine::describe`] allocate and belong off the real-time path.

pub(crate) mod engine;
pub mod importance;
pub mod model;
mod report;
mod rules;

use serde::{Deserialize, Serialize};

use crate::bands::NUM_BANDS;
use crate::role::StemRole;
use crate::snapshot::StemSnapshot;

pub use engine::{
    bell_power_gain, bell_q, MaskingEngine, StemView, MAX_BELL_OCTAVES, MAX_LOWER_DB,
    MAX_WIDE_CUT_DB, WIDE_OCTAVES,
};
pub use importance::{ImportancePoint, RoleImportance};
pub use report::{
    BandReport, FixAction, MaskedRange, MaskingReport, MaskingWarning, Ranges, SeverityEntry,
    StemReport, SuggestedFix, WarningKind, WarningReport, MAX_RANGES,
};
pub use rules::{BandRule, RoleDefaults, RoleRules};

/// One stem's analysis as the engines take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StemInput<'a> {
    /// Stable id of the stem (the Strip's instance id, or a file index). Results are
    /// keyed by it; the order of stems in an update does not matter.
    pub id: u64,
    /// What the stem is.
    pub role: StemRole,
    /// User priority; `None` takes the role's default from the rules.
    pub priority: Option<f32>,
    /// Display name.
    pub name: &'a str,
    /// Band powers at this moment in dBFS for left (`[0]`) and right (`[1]`), standard band
    /// layout ([`StemSnapshot::frame_db`]): what the stem is masked at. A NaN or `+inf`
    /// anywhere makes the stem invalid for this update (treated as silent); `-inf` is
    /// silence.
    pub band_db: [[f32; NUM_BANDS]; 2],
    /// Masking levels at this moment in dBFS, as `band_db`: the band powers through a
    /// forward-masking envelope ([`StemSnapshot::masking_db`]). The stem masks others at
    /// these levels. For a steady stem, pass `band_db` again.
    pub masking_db: [[f32; NUM_BANDS]; 2],
    /// Short-term loudness, LUFS. Non-finite is "unknown" except `-inf` (silence).
    pub shortterm_lufs: f32,
}

impl<'a> StemInput<'a> {
    /// The input for a Strip's snapshot, with the id of its slot.
    pub fn from_snapshot(id: u64, snapshot: &'a StemSnapshot) -> Self {
        Self {
            id,
            role: snapshot.role,
            priority: None,
            name: snapshot.name.as_str(),
            band_db: snapshot.frame_db,
            masking_db: snapshot.masking_db,
            shortterm_lufs: snapshot.shortterm_lufs,
        }
    }
}

/// Tunable constants of the model; the defaults are the ones the module docs justify.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaskingConfig {
    /// Threshold below the spread masker energy, dB (Johnston's noise-masker value).
    pub masking_offset_db: f32,
    /// SPL of a 0 dBFS sine, for the threshold in quiet, dB SPL.
    pub full_scale_db_spl: f32,
    /// A band matters when within this many dB of the stem's strongest band.
    pub matters_range_db: f32,
    /// A band matters only above this band power, dBFS.
    pub matters_floor_db: f32,
    /// A band is masked when its deficit reaches this, dB.
    pub masked_when_short_db: f32,
    /// Length of the sliding window for shares and warnings, seconds.
    pub window_s: f32,
    /// Share of the window at which a band is flagged (0..1).
    pub on_share: f32,
    /// Share below which a flagged band is cleared (0..1, below `on_share`).
    pub off_share: f32,
    /// Shares are taken over at least this many seconds, so a new stem needs evidence.
    pub min_evidence_s: f32,
    /// Stems quieter than this short-term loudness are silent (never masked), LUFS.
    pub silence_lufs: f32,
    /// A stem missing from updates for longer than this is forgotten, seconds.
    pub forget_after_s: f32,
    /// A band's named masker changes only when another's smoothed share is this many times
    /// larger.
    pub dominant_switch_ratio: f32,
    /// Largest cut a fix suggests, dB.
    pub max_cut_db: f32,
    /// Largest boost a fix suggests, dB.
    pub max_boost_db: f32,
}

impl Default for MaskingConfig {
    fn default() -> Self {
        Self {
            masking_offset_db: 6.0,
            full_scale_db_spl: 96.0,
            matters_range_db: 24.0,
            matters_floor_db: -90.0,
            masked_when_short_db: 1.0,
            window_s: 10.0,
            on_share: 0.5,
            off_share: 0.3,
            min_evidence_s: 2.0,
            silence_lufs: -70.0,
            forget_after_s: 3.0,
            dominant_switch_ratio: 1.25,
            max_cut_db: 12.0,
            max_boost_db: 6.0,
        }
    }
}

impl MaskingConfig {
    /// The configuration with every non-finite or out-of-range value replaced by a sane one.
    pub fn sanitized(self) -> Self {
        let d = Self::default();
        let pick = |x: f32, lo: f32, hi: f32, default: f32| {
            if x.is_finite() {
                x.clamp(lo, hi)
            } else {
                default
            }
        };
        let on_share = pick(self.on_share, 0.01, 1.0, d.on_share);
        Self {
            masking_offset_db: pick(self.masking_offset_db, -20.0, 40.0, d.masking_offset_db),
            full_scale_db_spl: pick(self.full_scale_db_spl, 40.0, 140.0, d.full_scale_db_spl),
            matters_range_db: pick(self.matters_range_db, 0.0, 150.0, d.matters_range_db),
            matters_floor_db: pick(self.matters_floor_db, -150.0, 0.0, d.matters_floor_db),
            masked_when_short_db: pick(
                self.masked_when_short_db,
                0.01,
                60.0,
                d.masked_when_short_db,
            ),
            window_s: pick(self.window_s, 0.1, 600.0, d.window_s),
            on_share,
            off_share: pick(self.off_share, 0.0, on_share, d.off_share.min(on_share)),
            min_evidence_s: pick(self.min_evidence_s, 0.0, 600.0, d.min_evidence_s),
            silence_lufs: pick(self.silence_lufs, -150.0, 0.0, d.silence_lufs),
            forget_after_s: pick(self.forget_after_s, 0.0, 3600.0, d.forget_after_s),
            dominant_switch_ratio: pick(
                self.dominant_switch_ratio,
                1.0,
                100.0,
                d.dominant_switch_ratio,
            ),
            max_cut_db: pick(self.max_cut_db, 0.5, 60.0, d.max_cut_db),
            max_boost_db: pick(self.max_boost_db, 0.5, 60.0, d.max_boost_db),
        }
    }

    /// Time constant of the smoothed attributions, seconds (a quarter of the window).
    pub(crate) fn smoothing_s(&self) -> f32 {
        self.window_s / 4.0
    }
}
