//! The plain data of the test host: how a plugin is set up ([`Config`] with its [`Layout`]),
//! what the params extension says about a parameter ([`ParamDesc`]) and one block to
//! process ([`Block`]). They carry no CLAP handles, so tests build and compare them freely.

/// Main input/output channel count of the layout to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 1 in, 1 out.
    Mono,
    /// 2 in, 2 out.
    Stereo,
}

impl Layout {
    /// Channels per port.
    pub fn channels(self) -> usize {
        match self {
            Layout::Mono => 1,
            Layout::Stereo => 2,
        }
    }
}

/// How to set a plugin up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// The largest block the host will pass, in frames.
    pub max_block: u32,
    /// The audio layout to select before activation.
    pub layout: Layout,
    /// The track name the host reports through track-info (`None`: no name).
    pub track_name: Option<String>,
    /// The track colour the host reports through track-info, red, green, blue and alpha
    /// (`None`: no colour).
    pub track_color: Option<[u8; 4]>,
    /// Send a playing transport with every block, at this many seconds for the first
    /// processed frame and counting on with the frames (`None`: no transport, as some hosts
    /// do offline).
    pub transport_from_s: Option<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            max_block: 4096,
            layout: Layout::Stereo,
            track_name: None,
            track_color: None,
            transport_from_s: None,
        }
    }
}

impl Config {
    /// Stereo at `sample_rate` with blocks of at most `max_block`.
    pub fn stereo(sample_rate: f64, max_block: u32) -> Self {
        Self {
            sample_rate,
            max_block,
            ..Self::default()
        }
    }

    /// Mono at `sample_rate` with blocks of at most `max_block`.
    pub fn mono(sample_rate: f64, max_block: u32) -> Self {
        Self {
            sample_rate,
            max_block,
            layout: Layout::Mono,
            ..Self::default()
        }
    }
}

/// What the params extension says about one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDesc {
    /// CLAP id (nice-plug: hash of the string id).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Module path (nice-plug: the parameter group, e.g. "Bell 2").
    pub module: String,
    /// Lowest CLAP value.
    pub min: f64,
    /// Highest CLAP value (nice-plug: the step count, 1 for continuous parameters).
    pub max: f64,
    /// Default CLAP value.
    pub default: f64,
    /// Whether the parameter is stepped (bool, enum, int).
    pub stepped: bool,
    /// Whether it is the plugin's bypass (hosts wire it to their bypass button).
    pub bypass: bool,
}

/// One block to process: its length and the parameter events at its start.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Frames in this block (1 ..= max block).
    pub frames: usize,
    /// Parameter changes `(sample offset, CLAP id, CLAP value)`, sorted by offset.
    pub events: Vec<(u32, u32, f64)>,
}
