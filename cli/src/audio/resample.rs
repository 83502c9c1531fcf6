//! Matching sample rates with `rubato`.

use super::*;

/// `audio` converted to `rate` Hz (band-limited sinc interpolation, `rubato`). Call it only
/// for another rate (it copies).
pub fn resample(audio: &Audio, rate: u32) -> anyhow::Result<Audio> {
    use rubato::{
        Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
    };
    if audio.sample_rate_hz == rate {
        return Ok(audio.clone());
    }
    let ratio = f64::from(rate) / f64::from(audio.sample_rate_hz);
    let params = SincInterpolationParameters {
        sinc_len: 256,
        f_cutoff: 0.95,
        interpolation: SincInterpolationType::Linear,
        oversampling_factor: 256,
        window: WindowFunction::BlackmanHarris2,
    };
    let chunk = 8192;
    let n = audio.channels.len();
    let mut r = SincFixedIn::<f32>::new(ratio, 1.0, params, chunk, n)?;
    // NOTE: rubato's sinc resamplers start their output on time: `output_delay()` (half the
    // sinc's length) is not to be cut off; cutting it put everything 139 frames early at
    // 44.1 to 48 kHz (`tests::resampling_keeps_the_timing`).
    let want = (audio.frames() as f64 * ratio).round() as usize;
    let mut out: Vec<Vec<f32>> = (0..n).map(|_| Vec::with_capacity(want + chunk)).collect();
    let mut pos = 0;
    let frames = audio.frames();
    while pos < frames {
        let end = (pos + chunk).min(frames);
        let block: Vec<&[f32]> = audio.channels.iter().map(|c| &c[pos..end]).collect();
        let produced = if end - pos == chunk {
            r.process(&block, None)?
        } else {
            r.process_partial(Some(&block), None)?
        };
        for (o, p) in out.iter_mut().zip(produced) {
            o.extend_from_slice(&p);
        }
        pos = end;
    }
    // Flush what the filter still holds.
    while out[0].len() < want {
        let produced = r.process_partial::<&[f32]>(None, None)?;
        if produced[0].is_empty() {
            break;
        }
        for (o, p) in out.iter_mut().zip(produced) {
            o.extend_from_slice(&p);
        }
    }
    for o in &mut out {
        o.resize(want, 0.0);
    }
    Ok(Audio {
        path: audio.path.clone(),
        sample_rate_hz: rate,
        channels: out,
        format: audio.format.clone(),
        non_finite_samples: audio.non_finite_samples,
    })
}
