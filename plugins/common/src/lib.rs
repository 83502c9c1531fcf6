//! What the Stem Suite's two plugins, the Stem Strip and the Stem Master, share: parameter
//! helpers (ranges, formatters, the EQ and compressor parameter groups) and the editor's
//! look and widgets (theme, sliders, meters, the EQ curve and its frequency axis), so both plugins read and look
//! the same. DSP lives in `shared_dsp`, not here.

pub mod eq_view;
pub mod freq_axis;
pub mod link_thread;
pub mod meters;
pub mod params;
pub mod sections;
pub mod theme;
pub mod widgets;

/// The vendor name both plugins give hosts.
pub const VENDOR: &str = "Stem Suite";
/// The project's home page.
pub const URL: &str = "https://github.com/stem-suite/stem-suite";
/// Where users write to.
pub const EMAIL: &str = "developers@stem-suite.org";
/// The manual (the user's guide).
pub const MANUAL_URL: &str = "https://github.com/stem-suite/stem-suite/blob/main/docs/plugins.md";
/// Where users report problems.
pub const SUPPORT_URL: &str = "https://github.com/stem-suite/stem-suite/issues";

/// What [`plugin_params!`] expands to in the plugins' crates.
#[doc(hidden)]
pub mod __private {
    pub use atomic_float::AtomicF32;
    pub use shared_dsp::spec::{lens, Float, Group, Pick, Switch};
}
