//! The integration-test harness of the Stem Suite: builds the real plugin bundles, loads them
//! in a small CLAP host made with `clack-host`, and provides test signals and measurements.
//! The tests themselves are in `tests/` (one binary per concern).

pub mod bundle;
pub mod host;
pub mod link;
pub mod signal;

pub use bundle::{
    master_bundle, master_bundle_is_alloc_checked, require_alloc_checked_master,
    require_alloc_checked_strip, stems_binary, strip_bundle, strip_bundle_is_alloc_checked,
};
pub use host::{Block, Config, Layout, ParamDesc, Plugin};

/// Stem Strip's CLAP id.
pub const STRIP_ID: &str = "org.stem-suite.stem-strip";

/// A Stem Strip from the bundle under test, activated with `config`.
pub fn strip(config: Config) -> Plugin {
    Plugin::new(strip_bundle(), STRIP_ID, config)
}

/// A Stem Strip from the bundle under test, instantiated but not yet activated.
pub fn strip_inactive(config: Config) -> Plugin {
    Plugin::instantiate(strip_bundle(), STRIP_ID, config)
}

/// Stem Master's CLAP id.
pub const MASTER_ID: &str = "org.stem-suite.stem-master";

/// A Stem Master from the bundle under test, activated with `config`.
pub fn master(config: Config) -> Plugin {
    Plugin::new(master_bundle(), MASTER_ID, config)
}

/// A Stem Master from the bundle under test, instantiated but not yet activated.
pub fn master_inactive(config: Config) -> Plugin {
    Plugin::instantiate(master_bundle(), MASTER_ID, config)
}
