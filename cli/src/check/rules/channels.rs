//! The channel checks of `stems check`, within each stem: no DC offset, no stereo file
//! holding a mono stem, no silent channel and no channel polarity-inverted against the
//! other.

use super::{db, each, Check, Outcomes, Report};
use crate::check::measure::db_to_linear;

/// The name of channel `k` of a stem with `of` channels.
fn channel_name(k: usize, of: usize) -> &'static str {
    match (k, of) {
        (_, 1) => "channel",
        (0, _) => "left",
        _ => "right",
    }
}

/// Adds the channel checks' outcomes to `out`.
pub(super) fn evaluate(r: &Report, out: &mut Outcomes) {
    let l = &r.limits;
    let stems = &r.stems;
    out.push(
        Check::DcOffset,
        format!("under {} dBFS", l.dc_max),
        each(stems, &|s| {
            let (k, dc) = s
                .figures
                .channels
                .iter()
                .enumerate()
                .map(|(k, c)| (k, db(c.mean)))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            (dc > l.dc_max).then(|| {
                format!(
                    "{dc:.1} dBFS on the {}",
                    channel_name(k, s.figures.channels.len())
                )
            })
        }),
    );
    out.push(
        Check::FakeStereo,
        "no stereo stem with identical channels".to_owned(),
        each(stems, &|s| {
            let side = s.figures.side_to_mid_db?;
            (side <= l.fake_stereo).then(|| {
                if side <= -300.0 {
                    "left and right identical: a mono stem in a stereo file".to_owned()
                } else {
                    format!(
                        "left and right the same to {:.0} dB: a mono stem in a stereo file",
                        -side
                    )
                }
            })
        }),
    );
    let floor_lin = db_to_linear(l.floor) as f32;
    out.push(
        Check::OneChannelSilent,
        "both channels of every stereo stem audible".to_owned(),
        each(stems, &|s| {
            let f = &s.figures;
            let [a, b] = f.channels.as_slice() else {
                return None;
            };
            (!f.is_silent() && (a.peak < floor_lin || b.peak < floor_lin)).then(|| {
                let k = usize::from(b.peak < floor_lin);
                format!("the {} channel is silent", channel_name(k, 2))
            })
        }),
    );
    out.push(
        Check::InvertedChannel,
        "no channel polarity-inverted against the other".to_owned(),
        each(stems, &|s| {
            let c = s.figures.correlation?;
            (c <= l.inverted_corr).then(|| {
                format!("left and right correlate at {c:.2}: one of them is polarity-inverted")
            })
        }),
    );
}
