//! Reading stem files: WAV (16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE),
//! FLAC and AIFF through `symphonia`, mono or stereo, into planar `f32`; matching sample
//! rates with `rubato`; writing WAV (24-bit or float) through a temporary file and a rename, so no
//! half-written file is ever left behind.
//!
//! Bad input is refused with an [`InputError`] that names the file, says what is wrong and
//! what to do. A file is read whole: a data chunk shorter than its header says (a truncated
//! file, or a header that lies about its length) is refused rather than analysed in part.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Extensions `stems analyze` picks up in a folder.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "flac", "aif", "aiff", "aifc"];

/// Why a stem file cannot be used.
#[derive(Debug)]
pub enum InputError {
    /// The path does not exist.
    Missing(PathBuf),
    /// It exists but cannot be opened or read.
    Unreadable(PathBuf, std::io::Error),
    /// It is empty.
    Empty(PathBuf),
    /// It is not audio symphonia can read (or not the format its name says).
    NotAudio(PathBuf, String),
    /// It has fewer frames than its header declares.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Frames the header declares.
        declared: u64,
        /// Frames actually present.
        found: u64,
    },
    /// More than two channels.
    TooManyChannels(PathBuf, usize),
    /// Decoding failed part-way.
    Corrupt(PathBuf, String),
    /// A folder without any audio file.
    NoAudioInFolder(PathBuf),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Missing(p) => write!(f, "{}: no such file or folder", p.display()),
            InputError::Unreadable(p, e) => write!(f, "{}: cannot read it ({e})", p.display()),
            InputError::Empty(p) => write!(f, "{}: the file is empty (0 bytes); export it again", p.display()),
            InputError::NotAudio(p, why) => write!(
                f,
                "{}: not a readable WAV, FLAC or AIFF file ({why}); check that it is audio and export it again",
                p.display()
            ),
            InputError::Truncated { path, declared, found } => write!(
                f,
                "{}: truncated: the header declares {declared} frames but only {found} are there; \
                 the file was cut short (an interrupted copy or export): export it again",
                path.display()
            ),
            InputError::TooManyChannels(p, n) => write!(
                f,
                "{}: {n} channels; stems must be mono or stereo: export a stereo stem (or fold it down) and try again",
                p.display()
            ),
            InputError::Corrupt(p, why) => write!(f, "{}: the audio data is damaged ({why}); export it again", p.display()),
            InputError::NoAudioInFolder(p) => write!(
                f,
                "{}: no audio files in this folder (looked for .wav, .flac, .aif, .aiff)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// A decoded stem: planar channels (one or two) at `sample_rate_hz`.
#[derive(Debug, Clone)]
pub struct Audio {
    /// The file it came from.
    pub path: PathBuf,
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// One or two channels of equal length.
    pub channels: Vec<Vec<f32>>,
    /// How the file stores its samples, e.g. "24-bit PCM" (for the report).
    pub format: String,
    /// Samples that were NaN or infinite and were replaced by silence.
    pub non_finite_samples: u64,
}

impl Audio {
    /// Frames per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Length, seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate_hz.max(1))
    }
}

/// The audio files named by `inputs`: files as given, folders searched (not recursively)
/// for [`AUDIO_EXTENSIONS`], sorted by name.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => InputError::Missing(input.clone()),
            _ => InputError::Unreadable(input.clone(), e),
        })?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| InputError::Unreadable(input.clone(), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_audio_name(p))
                .collect();
            if found.is_empty() {
                return Err(InputError::NoAudioInFolder(input.clone()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn is_audio_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads a whole stem file.
pub fn read(path: &Path) -> Result<Audio, InputError> {
    read_as(path, true)
}

/// [`read`]; with `plain` false, plain PCM goes through symphonia's decoder too (to test
/// [`PlainPcm`] against it).
fn read_as(path: &Path, plain: bool) -> Result<Audio, InputError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => InputError::Missing(path.to_owned()),
        _ => InputError::Unreadable(path.to_owned(), e),
    })?;
    let len = file
        .metadata()
        .map_err(|e| InputError::Unreadable(path.to_owned(), e))?
        .len();
    if len == 0 {
        return Err(InputError::Empty(path.to_owned()));
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let not_audio = |e: SymphoniaError| {
        let text = e.to_string();
        if text.contains("exceeds") {
            // symphonia's RIFF reader: a chunk claims more bytes than its container holds.
            InputError::Corrupt(
                path.to_owned(),
                "its header declares more data than the file holds: a damaged header or a                  truncated file"
                    .to_owned(),
            )
        } else {
            InputError::NotAudio(path.to_owned(), text)
        }
    };
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(not_audio)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| InputError::NotAudio(path.to_owned(), "no audio track".into()))?;
    let track_id = track.id;
    let declared = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| InputError::NotAudio(path.to_owned(), "no audio parameters".into()))?
        .clone();
    let channel_count = params.channels.as_ref().map_or(0, |c| c.count());
    if channel_count > 2 {
        return Err(InputError::TooManyChannels(path.to_owned(), channel_count));
    }
    let sample_rate_hz = params
        .sample_rate
        .ok_or_else(|| InputError::NotAudio(path.to_owned(), "no sample rate".into()))?;
    let format_text = match (params.bits_per_sample, params.sample_format) {
        (Some(bits), Some(f)) => format!("{bits}-bit {f:?}"),
        (Some(bits), None) => format!("{bits}-bit"),
        (None, Some(f)) => format!("{f:?}"),
        (None, None) => "?".to_owned(),
    };
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(not_audio)?;
    let plain_pcm = PlainPcm::of(&params).filter(|_| plain);

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut planes: Vec<Vec<f32>> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // The data ends before the header says: caught by the frame count below.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(e) => return Err(InputError::Corrupt(path.to_owned(), e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        if let Some(pcm) = plain_pcm {
            if channels.is_empty() {
                channels = (0..channel_count)
                    .map(|_| prefaulted(declared.unwrap_or(0) as usize))
                    .collect();
            }
            pcm.append(&packet.data, &mut channels);
            continue;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| InputError::Corrupt(path.to_owned(), e.to_string()))?;
        buf.copy_to_vecs_planar(&mut planes);
        if planes.len() > 2 {
            return Err(InputError::TooManyChannels(path.to_owned(), planes.len()));
        }
        if channels.is_empty() {
            // NOTE: not `vec![Vec::with_capacity(n); k]`: its clones have no capacity, so all
            // but one channel grew by doubling (copies and page faults of twice the memory).
            let frames = declared.unwrap_or(0) as usize;
            channels = (0..planes.len())
                .map(|_| Vec::with_capacity(frames))
                .collect();
        }
        for (dst, src) in channels.iter_mut().zip(&planes) {
            dst.extend_from_slice(&src[..buf.frames()]);
        }
    }
    let found = channels.first().map_or(0, Vec::len) as u64;
    if let Some(declared) = declared {
        if found < declared {
            return Err(InputError::Truncated {
                path: path.to_owned(),
                declared,
                found,
            });
        }
    }
    if found == 0 {
        return Err(InputError::NotAudio(
            path.to_owned(),
            "no audio frames".into(),
        ));
    }
    let mut non_finite = 0u64;
    for c in &mut channels {
        // NOTE: counted first (a scan that vectorises), repaired only when needed: a loop
        // over `channels.iter_mut().flatten()` cost a tenth of `stems check`'s time.
        let bad = c.iter().filter(|x| !x.is_finite()).count();
        if bad > 0 {
            c.iter_mut()
                .filter(|x| !x.is_finite())
                .for_each(|x| *x = 0.0);
            non_finite += bad as u64;
        }
    }
    Ok(Audio {
        path: path.to_owned(),
        sample_rate_hz,
        channels,
        format: format_text,
        non_finite_samples: non_finite,
    })
}

/// An empty `Vec` with room for `len` samples whose memory the kernel has already given: one
/// call instead of a page fault every 4 KB as the samples are written (Linux; elsewhere a
/// plain `Vec::with_capacity`).
fn prefaulted(len: usize) -> Vec<f32> {
    let mut v = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let spare = v.spare_capacity_mut();
        let (start, bytes) = (spare.as_mut_ptr() as usize, std::mem::size_of_val(spare));
        let (first, end) = (start.next_multiple_of(PAGE), (start + bytes) / PAGE * PAGE);
        if end > first {
            // SAFETY: the whole pages inside the Vec's own unused capacity, which nothing
            // reads or refers to yet; populating them changes no content (fresh anonymous
            // memory reads as zeros either way). Failure (an old kernel) only loses the gain.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    end - first,
                    libc::MADV_POPULATE_WRITE,
                );
            }
        }
    }
    v
}

/// Interleaved little-endian PCM that [`read`] converts itself, without symphonia's
/// decoder: a third of the time of reading a 24-bit WAV went into the decoder's sample by
/// sample reads and its copies between buffers. The values are those the decoder gives.
#[derive(Clone, Copy)]
enum PlainPcm {
    S16,
    S24,
    S32,
    F32,
}

impl PlainPcm {
    /// The plain PCM `params` describe (one or two channels, every bit of each sample
    /// coded), or `None` for anything the decoder must handle.
    fn of(params: &symphonia::core::codecs::audio::AudioCodecParameters) -> Option<Self> {
        use symphonia::core::codecs::audio::well_known::{
            CODEC_ID_PCM_F32LE, CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S24LE, CODEC_ID_PCM_S32LE,
        };
        let (pcm, width) = match params.codec {
            CODEC_ID_PCM_S16LE => (PlainPcm::S16, 16),
            CODEC_ID_PCM_S24LE => (PlainPcm::S24, 24),
            CODEC_ID_PCM_S32LE => (PlainPcm::S32, 32),
            CODEC_ID_PCM_F32LE => (PlainPcm::F32, 32),
            _ => return None,
        };
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        let full_width = |bits: Option<u32>| bits.is_none_or(|b| b == width);
        ((1..=2).contains(&channels)
            && full_width(params.bits_per_sample)
            && full_width(params.bits_per_coded_sample))
        .then_some(pcm)
    }

    /// Appends the whole frames of `bytes` to `channels` (one `Vec` a channel).
    fn append(self, bytes: &[u8], channels: &mut [Vec<f32>]) {
        match self {
            PlainPcm::S16 => append_frames(bytes, channels, |b: [u8; 2]| {
                f32::from(i16::from_le_bytes(b)) / 32_768.0
            }),
            PlainPcm::S24 => append_frames(bytes, channels, |b: [u8; 3]| {
                // The top byte's sign, extended by the arithmetic shift.
                (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0
            }),
            PlainPcm::S32 => append_frames(bytes, channels, |b: [u8; 4]| {
                (f64::from(i32::from_le_bytes(b)) / 2_147_483_648.0) as f32
            }),
            PlainPcm::F32 => append_frames(bytes, channels, f32::from_le_bytes),
        }
    }
}

/// Appends the whole frames of interleaved `bytes` (samples of `W` bytes) to `channels`
/// (one or two), each sample through `sample`: one pass, in frames.
#[inline(always)]
fn append_frames<const W: usize>(
    bytes: &[u8],
    channels: &mut [Vec<f32>],
    sample: impl Fn([u8; W]) -> f32,
) {
    let at = |f: &[u8], c: usize| sample(f[c * W..(c + 1) * W].try_into().expect("W bytes"));
    match channels {
        [mono] => mono.extend(bytes.chunks_exact(W).map(|f| at(f, 0))),
        [left, right] => {
            let frames = bytes.chunks_exact(2 * W);
            let start = left.len();
            left.resize(start + frames.len(), 0.0);
            right.resize(start + frames.len(), 0.0);
            let outs = left[start..].iter_mut().zip(&mut right[start..]);
            for ((l, r), f) in outs.zip(frames) {
                *l = at(f, 0);
                *r = at(f, 1);
            }
        }
        _ => unreachable!("plain PCM is mono or stereo"),
    }
}

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

/// Temporary files [`write_atomically`] is writing now: what an interrupt removes.
static WRITING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn writing() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// On Ctrl-C (SIGINT, or the console's break on Windows), removes the temporary file being
/// written, if any, says so and exits with code 130: an interrupted run leaves no file
/// behind, whole or partial. Call once, at the start of a command that writes.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        for tmp in writing().drain(..) {
            let _ = std::fs::remove_file(tmp);
        }
        eprintln!("interrupted: no output written");
        std::process::exit(130);
    });
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// failure (or Ctrl-C, see [`clean_up_on_interrupt`]) leaves no partial file, and an
/// existing file untouched.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    writing().push(tmp.clone());
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot write here ({e}); choose a writable folder",
                path.display()
            )
        })?;
        write(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
            .map_err(|e| anyhow::anyhow!("{}: cannot write it ({e})", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    writing().retain(|p| *p != tmp);
    result
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A band-limited pulse (a 1 kHz tone under a Gaussian envelope) centred at `at_s`.
    fn pulse(rate: u32, seconds: f64, at_s: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate) - at_s;
                ((-t * t / (2.0 * 0.002f64.powi(2))).exp()
                    * (std::f64::consts::TAU * 1000.0 * t).cos()) as f32
            })
            .collect()
    }

    fn peak_at(x: &[f32]) -> usize {
        (0..x.len())
            .max_by(|&a, &b| x[a].abs().total_cmp(&x[b].abs()))
            .unwrap()
    }

    /// Plain PCM read without symphonia's decoder gives its values bit for bit: 16, 24 and
    /// 32-bit integer and 32-bit float, mono and stereo, full scale both ways included.
    #[test]
    fn plain_pcm_reads_as_the_decoder_does() {
        let dir = tempfile::tempdir().unwrap();
        let n = 3000;
        // Every byte pattern the sign extension and scaling could get wrong: full scale both
        // ways, one step from zero both ways, and a sweep across the range.
        let value = |i: usize, ch: usize| -> f64 {
            match i {
                0 => -1.0,
                1 => 1.0,
                2 => 0.0,
                _ => ((i * 7919 + ch * 104_729) % 2001) as f64 / 1000.0 - 1.0,
            }
        };
        for channels in [1u16, 2] {
            for (bits, float) in [(16u16, false), (24, false), (32, false), (32, true)] {
                let path = dir.path().join(format!("{bits}{float}{channels}.wav"));
                let spec = hound::WavSpec {
                    channels,
                    sample_rate: 48_000,
                    bits_per_sample: bits,
                    sample_format: if float {
                        hound::SampleFormat::Float
                    } else {
                        hound::SampleFormat::Int
                    },
                };
                let mut w = hound::WavWriter::create(&path, spec).unwrap();
                let full = (1i64 << (bits - 1)) as f64;
                for i in 0..n {
                    for ch in 0..channels as usize {
                        let v = value(i, ch);
                        if float {
                            w.write_sample(v as f32).unwrap();
                        } else {
                            let steps = match i {
                                3 => 1.0,
                                4 => -1.0,
                                _ => (v * full).clamp(-full, full - 1.0),
                            };
                            w.write_sample(steps as i32).unwrap();
                        }
                    }
                }
                w.finalize().unwrap();
                let plain = read_as(&path, true).unwrap();
                let decoded = read_as(&path, false).unwrap();
                assert_eq!(plain.channels.len(), channels as usize);
                assert_eq!(plain.channels[0].len(), n, "{path:?}");
                assert_eq!(plain.channels, decoded.channels, "{path:?}");
                assert_eq!(plain.channels[0][0], -1.0, "{path:?}");
            }
        }
    }

    /// Resampling keeps the timing: a pulse at 0.5 s lands at 0.5 s, to the frame, either way.
    #[test]
    fn resampling_keeps_the_timing() {
        for (from, to) in [(44_100, 48_000), (48_000, 44_100), (48_000, 96_000)] {
            let a = Audio {
                path: PathBuf::from("pulse.wav"),
                sample_rate_hz: from,
                channels: vec![pulse(from, 1.0, 0.5)],
                format: String::new(),
                non_finite_samples: 0,
            };
            let r = resample(&a, to).unwrap();
            let expected = peak_at(&pulse(to, 1.0, 0.5));
            assert_eq!(r.frames(), to as usize);
            assert!(
                (peak_at(&r.channels[0]) as i64 - expected as i64).abs() <= 1,
                "{from} -> {to}: peak at {}, expected {expected}",
                peak_at(&r.channels[0])
            );
        }
    }
}
