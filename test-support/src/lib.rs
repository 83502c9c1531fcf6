//! What the test crates (`stems`'s tests in `cli/tests/`, `stem-tests`) share: WAV files
//! written and read with `hound`, independently of the command-line tool's own reader and
//! writer, so that a test does not check the tool's audio I/O against itself.

use std::path::Path;

/// The sample format of a WAV file a test writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavFormat {
    /// 32-bit float, samples as they are.
    Float32,
    /// 24-bit integer: samples clamped to -1..1 and rounded to the nearest step of 1/8388607.
    Int24,
}

/// Writes planar `channels` (all the same length) at `rate` Hz as a WAV file.
pub fn write_wav(path: &Path, rate: u32, channels: &[impl AsRef<[f32]>], format: WavFormat) {
    let (bits_per_sample, sample_format) = match format {
        WavFormat::Float32 => (32, hound::SampleFormat::Float),
        WavFormat::Int24 => (24, hound::SampleFormat::Int),
    };
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample,
        sample_format,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let len = channels.first().map_or(0, |c| c.as_ref().len());
    for i in 0..len {
        for c in channels {
            let x = c.as_ref()[i];
            match format {
                WavFormat::Float32 => w.write_sample(x).unwrap(),
                WavFormat::Int24 => w
                    .write_sample((x.clamp(-1.0, 1.0) * 8_388_607.0).round() as i32)
                    .unwrap(),
            }
        }
    }
    w.finalize().unwrap();
}

/// Reads a WAV file (integer or float samples) as planar `f32`, integers scaled so that
/// full scale is 1 (divided by 2^(bits - 1)).
pub fn read_wav(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let n = spec.channels as usize;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Float samples come back exactly; 24-bit ones clamped to full scale and to within a
    /// step (written in steps of 1/8388607, read in steps of 1/8388608).
    #[test]
    fn wavs_read_back_what_was_written() {
        let dir = std::env::temp_dir().join(format!("test-support-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let left = [0.0f32, 0.5, -0.25, 1.0, -1.0, 1e-3];
        let right = [0.1f32, -0.1, 2.0, -2.0, 0.75, 0.0];
        let path = dir.join("float.wav");
        write_wav(&path, 48_000, &[&left[..], &right[..]], WavFormat::Float32);
        assert_eq!(read_wav(&path), vec![left.to_vec(), right.to_vec()]);
        let path = dir.join("int.wav");
        write_wav(&path, 44_100, &[left.to_vec()], WavFormat::Int24);
        let back = read_wav(&path);
        assert_eq!(back.len(), 1);
        for (a, b) in left.iter().zip(&back[0]) {
            assert!(
                (a.clamp(-1.0, 1.0) - b).abs() <= 1.0 / 8_388_607.0,
                "{a} {b}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
