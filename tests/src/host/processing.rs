//! Running audio through a [`Plugin`]: whole signals in fixed or given block sizes, or
//! blocks with parameter events, processed on a separate audio thread ([`process_blocks`])
//! with an optional playing transport, and the plugin's main-thread callback requests
//! answered afterwards (or when the test chooses).

use super::handlers::TestHost;
use super::{Block, Plugin};
use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::process::StartedPluginAudioProcessor;
use clack_host::utils::ClapId;
use clack_host::utils::{BeatTime, SecondsTime};
use std::sync::atomic::Ordering;

impl Plugin {
    /// Processes `input` (one `Vec` per channel, all equally long) in blocks of `block`
    /// frames (the last one shorter) and returns the output, one `Vec` per channel.
    /// Queued parameter changes go with the first block.
    pub fn process(&mut self, input: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
        let frames = input.first().map_or(0, Vec::len);
        let sizes = crate::signal::blocks_cycling(frames, &[block]);
        self.process_sizes(input, &sizes)
    }

    /// Processes `input` in blocks of the given sizes (which must add up to its length).
    pub fn process_sizes(&mut self, input: &[Vec<f32>], sizes: &[usize]) -> Vec<Vec<f32>> {
        let blocks: Vec<Block> = sizes
            .iter()
            .map(|&frames| Block {
                frames,
                events: Vec::new(),
            })
            .collect();
        self.run(input, blocks)
    }

    /// Processes `input` block by block as `blocks` describes, with their parameter events
    /// (queued changes are added to the first block). Runs on a separate audio thread and
    /// answers the plugin's main-thread requests afterwards.
    pub fn run(&mut self, input: &[Vec<f32>], mut blocks: Vec<Block>) -> Vec<Vec<f32>> {
        let channels = self.config.layout.channels();
        assert_eq!(
            input.len(),
            channels,
            "input has {} channels, the layout {channels}",
            input.len()
        );
        let frames = input[0].len();
        assert!(
            input.iter().all(|c| c.len() == frames),
            "channels of different length"
        );
        let total: usize = blocks.iter().map(|b| b.frames).sum();
        assert_eq!(
            total, frames,
            "blocks cover {total} frames, the input has {frames}"
        );
        let max = self.config.max_block as usize;
        assert!(
            blocks.iter().all(|b| b.frames >= 1 && b.frames <= max),
            "every block must hold 1..={max} frames"
        );
        if !self.pending.is_empty() {
            if blocks.is_empty() {
                blocks.push(Block::default());
            }
            let mut events = std::mem::take(&mut self.pending);
            events.append(&mut blocks[0].events);
            events.sort_by_key(|e| e.0);
            blocks[0].events = events;
        }
        let mut processor = self.processor.take().expect("activate() before processing");
        let steady = self.steady_time;
        let rate = self.config.sample_rate;
        let transport = self.config.transport_from_s.map(|t0| (t0, rate));
        let (processor, output) = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    let output =
                        process_blocks(&mut processor, input, &blocks, max, steady, transport);
                    (processor, output)
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        self.processor = Some(processor);
        self.steady_time += frames as u64;
        self.maybe_service_main_thread();
        output
    }

    /// Sends a playing transport from `from_s` seconds on with the next blocks, or (`None`)
    /// none, as a host does when its transport stops.
    pub fn set_transport(&mut self, from_s: Option<f64>) {
        self.config.transport_from_s = from_s;
    }

    /// Whether main-thread callbacks the plugin requested are answered right after each call
    /// into it (the default), or only when the test calls [`Plugin::service_main_thread`]:
    /// a real host's event loop may run them later, after it deactivated the plugin.
    pub fn defer_main_thread(&mut self, defer: bool) {
        self.deferred = defer;
    }

    pub(super) fn maybe_service_main_thread(&mut self) {
        if !self.deferred {
            self.service_main_thread();
        }
    }

    /// Answers what the plugin asked the host for from other threads: runs its
    /// `on_main_thread` when it requested a callback.
    pub fn service_main_thread(&mut self) {
        let callback = self
            .instance
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst));
        if callback {
            self.instance.call_on_main_thread_callback();
        }
    }
}

/// The audio thread's part of [`Plugin::run`]: copies each block into the host's buffers,
/// calls `process()`, copies the output out. Output buffers are filled with NaN before each
/// call so output the plugin did not write shows up as non-finite.
fn process_blocks(
    processor: &mut StartedPluginAudioProcessor<TestHost>,
    input: &[Vec<f32>],
    blocks: &[Block],
    max: usize,
    mut steady: u64,
    transport: Option<(f64, f64)>,
) -> Vec<Vec<f32>> {
    let channels = input.len();
    let frames = input.first().map_or(0, Vec::len);
    let mut in_bufs = vec![vec![0.0f32; max]; channels];
    let mut out_bufs = vec![vec![0.0f32; max]; channels];
    // Exactly the channels and ports passed below: when clack-host 0.2's list has to grow,
    // it rebuilds the channel pointers of the second and later ports from the wrong range.
    let mut in_ports = AudioPorts::with_capacity(channels, 1);
    let mut out_ports = AudioPorts::with_capacity(channels, 1);
    let mut events_in = EventBuffer::with_capacity(64);
    let mut events_out = EventBuffer::with_capacity(64);
    let mut output: Vec<Vec<f32>> = (0..channels).map(|_| Vec::with_capacity(frames)).collect();

    let mut pos = 0;
    for block in blocks {
        let n = block.frames;
        for (buf, src) in in_bufs.iter_mut().zip(input) {
            buf[..n].copy_from_slice(&src[pos..pos + n]);
        }
        for buf in out_bufs.iter_mut() {
            buf[..n].fill(f32::NAN);
        }
        events_in.clear();
        events_out.clear();
        for &(time, hash, value) in &block.events {
            events_in.push(&ParamValueEvent::new(
                time.min(n as u32 - 1),
                ClapId::new(hash),
                Pckn::match_all(),
                value,
            ));
        }
        let audio_in = in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                in_bufs
                    .iter_mut()
                    .map(|b| InputChannel::variable(&mut b[..n])),
            ),
        }]);
        let mut audio_out = out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                out_bufs.iter_mut().map(|b| &mut b[..n]),
            ),
        }]);
        processor
            .process(
                &audio_in,
                &mut audio_out,
                &events_in.as_input(),
                &mut events_out.as_output(),
                Some(steady),
                transport
                    .map(|(t0, rate)| playing_at(t0 + steady as f64 / rate))
                    .as_ref(),
            )
            .unwrap_or_else(|e| panic!("process() failed at frame {pos} (block of {n}): {e}"));
        for (dst, buf) in output.iter_mut().zip(&out_bufs) {
            dst.extend_from_slice(&buf[..n]);
        }
        pos += n;
        steady += n as u64;
    }
    output
}

/// A playing transport at `seconds` (seconds timeline only).
fn playing_at(seconds: f64) -> TransportEvent {
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags: TransportFlags::IS_PLAYING | TransportFlags::HAS_SECONDS_TIMELINE,
        song_pos_beats: BeatTime::from_int(0),
        song_pos_seconds: SecondsTime::from_float(seconds),
        tempo: 120.0,
        tempo_inc: 0.0,
        loop_start_beats: BeatTime::from_int(0),
        loop_end_beats: BeatTime::from_int(0),
        loop_start_seconds: SecondsTime::from_int(0),
        loop_end_seconds: SecondsTime::from_int(0),
        bar_start: BeatTime::from_int(0),
        bar_number: 0,
        time_signature_numerator: 4,
        time_signature_denominator: 4,
    }
}
