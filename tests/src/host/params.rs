//! A [`Plugin`]'s parameters through the params extension: the list it reports, each
//! parameter's CLAP value, the plugin's text for a value and its parse of a text, and
//! changes queued for the next block or sent at once with the extension's flush. Values are
//! CLAP values (the `host` module's docs say what nice-plug makes of them).

use super::{param_hash, ParamDesc, Plugin};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use clack_host::utils::ClapId;
use std::ffi::CString;

impl Plugin {
    /// Every parameter the params extension lists.
    pub fn param_infos(&self) -> &[ParamDesc] {
        &self.infos
    }

    /// The parameter with string id `id` (nice-plug's id, e.g. `"b2_f"`). Panics, listing
    /// what the plugin has, when it does not exist.
    pub fn info(&self, id: &str) -> &ParamDesc {
        let hash = param_hash(id);
        match self.by_id.get(&hash) {
            Some(&i) => &self.infos[i],
            None => panic!(
                "parameter {id:?} (CLAP id {hash}) is not exposed; the plugin has: {:?}",
                self.infos
                    .iter()
                    .map(|p| (&p.module, &p.name))
                    .collect::<Vec<_>>()
            ),
        }
    }

    /// The CLAP value of parameter `id` now (through the params extension).
    pub fn value(&mut self, id: &str) -> f64 {
        let hash = self.info(id).id;
        self.value_by_hash(hash)
    }

    /// The CLAP value of the parameter with CLAP id `hash`.
    pub fn value_by_hash(&mut self, hash: u32) -> f64 {
        let handle = self.instance.plugin_handle();
        self.params
            .get_value(&handle, ClapId::new(hash))
            .unwrap_or_else(|| panic!("params.get_value({hash}) failed"))
    }

    /// The plugin's text for CLAP value `value` of parameter `id`.
    pub fn text_of(&mut self, id: &str, value: f64) -> String {
        let hash = self.info(id).id;
        self.text_by_hash(hash, value)
    }

    /// The plugin's text for CLAP value `value` of the parameter with CLAP id `hash`.
    pub fn text_by_hash(&mut self, hash: u32, value: f64) -> String {
        let handle = self.instance.plugin_handle();
        let mut buffer = [0u8; 256];
        let text = self
            .params
            .value_to_text(&handle, ClapId::new(hash), value, &mut buffer)
            .unwrap_or_else(|_| panic!("params.value_to_text({hash}, {value}) failed"));
        String::from_utf8_lossy(text).into_owned()
    }

    /// The plugin's text for the current value of parameter `id`.
    pub fn text(&mut self, id: &str) -> String {
        let value = self.value(id);
        self.text_of(id, value)
    }

    /// The CLAP value the plugin parses from `text` for parameter `id` (its text-to-value).
    pub fn parse(&mut self, id: &str, text: &str) -> f64 {
        let hash = self.info(id).id;
        self.parse_by_hash(hash, text)
            .unwrap_or_else(|| panic!("the plugin cannot parse {text:?} for {id:?}"))
    }

    /// The CLAP value the plugin parses from `text` for the parameter with CLAP id `hash`,
    /// `None` when it refuses the text.
    pub fn parse_by_hash(&mut self, hash: u32, text: &str) -> Option<f64> {
        let handle = self.instance.plugin_handle();
        let c_text = CString::new(text).expect("text without NUL");
        self.params
            .text_to_value(&handle, ClapId::new(hash), &c_text)
    }

    /// Queues a change of parameter `id` to CLAP value `value`, sent with the next block.
    pub fn set(&mut self, id: &str, value: f64) {
        let hash = self.info(id).id;
        self.pending.push((0, hash, value));
    }

    /// Queues a change of the parameter with CLAP id `hash` to CLAP value `value`.
    pub fn set_by_hash(&mut self, hash: u32, value: f64) {
        self.pending.push((0, hash, value));
    }

    /// Queues a change of parameter `id` to the value the plugin parses from `text`.
    pub fn set_text(&mut self, id: &str, text: &str) {
        let value = self.parse(id, text);
        self.set(id, value);
    }

    /// Sends the queued parameter changes through the params extension's flush (outside
    /// `process()`, the way a host updates a stopped plugin).
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut input = EventBuffer::with_capacity(self.pending.len());
        for &(time, hash, value) in &self.pending {
            input.push(&ParamValueEvent::new(
                time,
                ClapId::new(hash),
                Pckn::match_all(),
                value,
            ));
        }
        let mut output = EventBuffer::new();
        let params = self.params;
        match self.processor.as_mut() {
            Some(processor) => params.flush_active(
                &mut processor.plugin_handle(),
                &input.as_input(),
                &mut output.as_output(),
            ),
            None => {
                let mut handle = self
                    .instance
                    .inactive_plugin_handle()
                    .expect("an inactive plugin has an inactive handle");
                params.flush(&mut handle, &input.as_input(), &mut output.as_output());
            }
        }
        self.pending.clear();
        self.maybe_service_main_thread();
    }
}
