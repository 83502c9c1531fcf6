//! WAV encoding: 24-bit integer or 32-bit float.

use super::*;

/// How [`write_wav_as`] stores samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavFormat {
    /// 24-bit integer: full scale is 2^23, so samples on the 24-bit grid (a dithered
    /// output) are stored exactly; beyond full scale they clip.
    Int24,
    /// 32-bit IEEE float, exactly as given.
    Float32,
}

/// Writes planar `f32` as a 24-bit WAV at `rate`, atomically.
pub fn write_wav(path: &Path, rate: u32, channels: &[&[f32]]) -> anyhow::Result<()> {
    write_wav_as(path, rate, channels, WavFormat::Int24).map(|_| ())
}

impl WavFormat {
    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            WavFormat::Int24 => 3,
            WavFormat::Float32 => 4,
        }
    }
}

/// Appends planar `channels` (equally long) to `out` as interleaved little-endian samples in
/// `format` (24-bit: full scale 2^23, rounded, clipped beyond it); returns how many samples
/// were clipped.
pub fn encode_wav_data(channels: &[&[f32]], format: WavFormat, out: &mut Vec<u8>) -> u64 {
    let frames = channels.first().map_or(0, |c| c.len());
    out.reserve(frames * channels.len() * format.bytes());
    let mut clipped = 0u64;
    for i in 0..frames {
        for c in channels {
            match format {
                WavFormat::Int24 => {
                    // Rounded to nearest (ties to even) without a libm call: adding and
                    // taking away 1.5 x 2^52 leaves no fraction bits.
                    const SHIFT: f64 = 6_755_399_441_055_744.0;
                    let x = (f64::from(c[i]) * 8_388_608.0 + SHIFT) - SHIFT;
                    let v = x.clamp(-8_388_608.0, 8_388_607.0);
                    clipped += u64::from(v != x);
                    out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                WavFormat::Float32 => out.extend_from_slice(&c[i].to_le_bytes()),
            }
        }
    }
    clipped
}

/// The header of a WAV file (WAVE_FORMAT_EXTENSIBLE, as for any format past 16 bits) of
/// `num_channels` at `rate` in `format` whose sample data is `data_len` bytes; fails, naming
/// `path`, past the format's 4 GB.
pub fn wav_header(
    path: &Path,
    rate: u32,
    num_channels: usize,
    format: WavFormat,
    data_len: usize,
) -> anyhow::Result<Vec<u8>> {
    let ch = num_channels as u16;
    let bits = 8 * format.bytes() as u16;
    let block_align = ch * format.bytes() as u16;
    // KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT.
    let subformat: u32 = match format {
        WavFormat::Int24 => 1,
        WavFormat::Float32 => 3,
    };
    let mask: u32 = if num_channels == 1 { 0x4 } else { 0x3 };
    let mut header = Vec::with_capacity(68);
    let riff_len = u32::try_from(4 + (8 + 40) + 8 + data_len)
        .map_err(|_| anyhow::anyhow!("{}: over 4 GB, too long for a WAV file", path.display()))?;
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&riff_len.to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&40u32.to_le_bytes());
    header.extend_from_slice(&0xFFFEu16.to_le_bytes());
    header.extend_from_slice(&ch.to_le_bytes());
    header.extend_from_slice(&rate.to_le_bytes());
    header.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    header.extend_from_slice(&block_align.to_le_bytes());
    header.extend_from_slice(&bits.to_le_bytes());
    header.extend_from_slice(&22u16.to_le_bytes());
    header.extend_from_slice(&bits.to_le_bytes());
    header.extend_from_slice(&mask.to_le_bytes());
    header.extend_from_slice(&subformat.to_le_bytes());
    header.extend_from_slice(&[
        0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]);
    header.extend_from_slice(b"data");
    header.extend_from_slice(&(data_len as u32).to_le_bytes());
    Ok(header)
}

/// Writes a WAV file of `num_channels` at `rate` whose interleaved samples `data` holds in
/// `format`, atomically.
pub fn write_wav_data(
    path: &Path,
    rate: u32,
    num_channels: usize,
    format: WavFormat,
    data: &[u8],
) -> anyhow::Result<()> {
    let header = wav_header(path, rate, num_channels, format, data.len())?;
    write_atomically(path, |f| {
        f.write_all(&header)?;
        f.write_all(data)?;
        Ok(())
    })
}

/// Writes planar `f32` (one or two channels) as a WAV at `rate` in `format`, atomically;
/// returns how many samples were clipped (beyond full scale in a 24-bit file).
pub fn write_wav_as(
    path: &Path,
    rate: u32,
    channels: &[&[f32]],
    format: WavFormat,
) -> anyhow::Result<u64> {
    let mut data = Vec::new();
    let clipped = encode_wav_data(channels, format, &mut data);
    write_wav_data(path, rate, channels.len(), format, &data)?;
    Ok(clipped)
}
