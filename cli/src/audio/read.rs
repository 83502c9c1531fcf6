//! Reading a stem file whole into planar `f32`: symphonia's decoder, or plain PCM WAV
//! converted straight from the file's bytes.

use super::*;

/// Reads a whole stem file.
pub fn read(path: &Path) -> Result<Audio, InputError> {
    read_as(path, true)
}

/// [`read`]; with `plain` false, plain PCM goes through symphonia's decoder too (to test
/// [`PlainPcm`] against it).
pub(super) fn read_as(path: &Path, plain: bool) -> Result<Audio, InputError> {
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
