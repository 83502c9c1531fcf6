//! Level meters that `ebur128` does not provide: RMS and stereo correlation over the last
//! 400 ms (four 100 ms blocks, the same grid as momentary loudness).

/// Amplitude of the `freq_hz` component of `x`, by correlation with a sine and a cosine: the
/// measurement the tests read a filter's or a plugin's response with. Exact for a sine of a
/// whole number of periods in `x`; other whole-period tones in `x` do not leak into it.
pub fn sine_amplitude(x: &[f32], sample_rate_hz: f32, freq_hz: f32) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for (n, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * freq_hz as f64 * n as f64 / sample_rate_hz as f64;
        s += v as f64 * ph.sin();
        c += v as f64 * ph.cos();
    }
    2.0 * (s * s + c * c).sqrt() / x.len() as f64
}

/// Number of 100 ms blocks the meters average over.
const BLOCKS: usize = 4;

#[derive(Clone, Copy, Default)]
struct BlockSums {
    ll: f64,
    rr: f64,
    lr: f64,
    frames: usize,
}

/// RMS and correlation of a stereo (or mono) signal over the last 400 ms, updated each 100 ms.
#[derive(Clone)]
pub struct StereoMeter {
    samples_per_block: usize,
    current: BlockSums,
    done: [BlockSums; BLOCKS],
    next: usize,
    rms_db: f32,
    correlation: f32,
}

impl StereoMeter {
    /// A meter at `sample_rate_hz`.
    pub fn new(sample_rate_hz: f32) -> Self {
        let mut m = Self {
            samples_per_block: 1,
            current: BlockSums::default(),
            done: [BlockSums::default(); BLOCKS],
            next: 0,
            rms_db: f32::NEG_INFINITY,
            correlation: 1.0,
        };
        m.set_sample_rate(sample_rate_hz);
        m
    }

    /// Sets the sample rate and forgets the past.
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        self.samples_per_block = ((sample_rate_hz as usize + 5) / 10).max(1);
        self.reset();
    }

    /// Forgets the past.
    pub fn reset(&mut self) {
        self.current = BlockSums::default();
        self.done = [BlockSums::default(); BLOCKS];
        self.next = 0;
        self.rms_db = f32::NEG_INFINITY;
        self.correlation = 1.0;
    }

    /// Measures a block; `right = None` is mono (correlation 1). Samples must be finite.
    pub fn process(&mut self, left: &[f32], right: Option<&[f32]>) {
        let right = right.unwrap_or(left);
        for (&l, &r) in left.iter().zip(right) {
            let (l, r) = (l as f64, r as f64);
            self.current.ll += l * l;
            self.current.rr += r * r;
            self.current.lr += l * r;
            self.current.frames += 1;
            if self.current.frames == self.samples_per_block {
                self.finish_block();
            }
        }
    }

    fn finish_block(&mut self) {
        self.done[self.next] = self.current;
        self.next = (self.next + 1) % BLOCKS;
        self.current = BlockSums::default();
        let mut total = BlockSums::default();
        for b in &self.done {
            total.ll += b.ll;
            total.rr += b.rr;
            total.lr += b.lr;
            total.frames += b.frames;
        }
        let mean_square = (total.ll + total.rr) / (2 * total.frames.max(1)) as f64;
        self.rms_db = (10.0 * mean_square.log10()) as f32;
        let denom = (total.ll * total.rr).sqrt();
        // NOTE: near silence the correlation is meaningless; report 1 (as a mono signal would)
        // below -100 dBFS rather than amplifying noise into a random reading.
        self.correlation = if mean_square > 1e-10 && denom > 0.0 {
            (total.lr / denom).clamp(-1.0, 1.0) as f32
        } else {
            1.0
        };
    }

    /// RMS of both channels over the last 400 ms, dBFS (a full-scale sine reads -3.01).
    pub fn rms_db(&self) -> f32 {
        self.rms_db
    }

    /// Correlation of left and right over the last 400 ms: 1 identical, 0 unrelated,
    /// -1 opposite polarity.
    pub fn correlation(&self) -> f32 {
        self.correlation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn tone(n: usize, f: f32, phase: f32) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f32::consts::TAU * f * i as f32 / 48_000.0 + phase).sin())
            .collect()
    }

    #[test]
    fn rms_and_correlation_of_known_signals() {
        let l = tone(48_000, 1000.0, 0.0);
        let mut m = StereoMeter::new(48_000.0);
        m.process(&l, Some(&l));
        assert_abs_diff_eq!(m.rms_db(), -3.01, epsilon = 0.01);
        assert_abs_diff_eq!(m.correlation(), 1.0, epsilon = 1e-4);

        let inv: Vec<f32> = l.iter().map(|x| -x).collect();
        m.process(&l, Some(&inv));
        assert_abs_diff_eq!(m.correlation(), -1.0, epsilon = 1e-4);

        let quad = tone(48_000, 1000.0, std::f32::consts::FRAC_PI_2);
        m.process(&l, Some(&quad));
        assert_abs_diff_eq!(m.correlation(), 0.0, epsilon = 0.01);
    }

    #[test]
    fn silence_reads_minus_infinity_and_correlation_one() {
        let z = vec![0.0; 9600];
        let mut m = StereoMeter::new(48_000.0);
        m.process(&z, Some(&z));
        assert_eq!(m.rms_db(), f32::NEG_INFINITY);
        assert_eq!(m.correlation(), 1.0);
    }
}
