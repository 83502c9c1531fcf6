//! A [`Plugin`]'s state through the state extension: saving and loading the raw bytes, the
//! same as JSON (nice-plug's framing in one place), and whether the plugin marked its state
//! dirty.

use super::Plugin;

impl Plugin {
    /// Saves the plugin's state.
    pub fn save_state(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let handle = self.instance.plugin_handle();
        self.state
            .save(&handle, &mut bytes)
            .unwrap_or_else(|e| panic!("state save failed: {e}"));
        bytes
    }

    /// The saved state as JSON (nice-plug's CLAP state is a little-endian u64 length, then
    /// the JSON).
    pub fn state_json(&mut self) -> serde_json::Value {
        let state = self.save_state();
        let json = state.get(8..).expect("a length, then JSON");
        serde_json::from_slice(json).expect("nice-plug's state is JSON")
    }

    /// Loads a state given as JSON (framed as [`state_json`](Self::state_json) reads it).
    pub fn load_state_json(&mut self, state: &serde_json::Value) {
        let json = serde_json::to_vec(state).expect("JSON");
        let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(&json);
        self.load_state(&bytes);
    }

    /// Loads a state saved by [`save_state`](Self::save_state).
    pub fn load_state(&mut self, bytes: &[u8]) {
        let handle = self.instance.plugin_handle();
        let mut reader = bytes;
        self.state
            .load(&handle, &mut reader)
            .unwrap_or_else(|e| panic!("state load failed: {e}"));
        self.maybe_service_main_thread();
    }

    /// Whether the plugin marked its state dirty since the last call.
    pub fn take_state_dirty(&mut self) -> bool {
        self.instance
            .access_handler(|h| h.state_dirty.replace(false))
    }
}
