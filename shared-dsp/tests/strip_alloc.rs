//! `Strip::process`, `take_snapshot`, `take_meters`, `set_target`, `set_bypass` and `reset`
//! never allocate.
//! A counting global allocator sees every allocation in this test binary.

use shared_dsp::eq::FilterSlope;
use shared_dsp::role::StemRole;
use shared_dsp::snapshot::{StemName, StemSnapshot, TransportPosition};
use shared_dsp::strip::{Strip, StripSettings};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

thread_local! {
    // Only the test's own thread is counted: libtest's other threads may allocate meanwhile.
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn strip_never_allocates_after_construction() {
    for channels in [1, 2] {
        let mut strip = Strip::new(48_000.0, channels).unwrap();
        let mut l: Vec<f32> = (0..4096).map(|i| ((i as f32) * 0.05).sin() * 0.5).collect();
        let mut r = l.clone();
        let mut settings = StripSettings::default();
        let mut snap = StemSnapshot::default();
        let name = StemName::new("Drums");

        // The counter works: an allocation while counting is seen.
        COUNTING.with(|c| c.set(true));
        let probe = std::hint::black_box(Box::new(1u64));
        COUNTING.with(|c| c.set(false));
        drop(probe);
        assert!(
            ALLOCATIONS.swap(0, Ordering::SeqCst) >= 1,
            "the counting allocator missed an allocation"
        );

        COUNTING.with(|c| c.set(true));
        for step in 0..400usize {
            // Move settings around: every section on and off, slopes, values.
            settings.trim_db = (step % 7) as f32 - 3.0;
            settings.eq.high_pass.enabled = step % 3 != 0;
            settings.eq.high_pass.slope =
                [FilterSlope::Db12, FilterSlope::Db24, FilterSlope::Db48][step % 3];
            settings.eq.bells[step % 3].enabled = step % 2 == 0;
            settings.eq.bells[step % 3].freq_hz = 200.0 + step as f32 * 10.0;
            settings.eq.bells[step % 3].gain_db = (step % 13) as f32 - 6.0;
            settings.compressor.enabled = step % 5 != 0;
            settings.compressor.threshold_db = -30.0 + (step % 20) as f32;
            settings.width = (step % 4) as f32 * 0.5;
            strip.set_target(&settings);
            // Bypass on for a while and off again (crossfades included).
            strip.set_bypass(step % 11 >= 6);
            let block = [1, 17, 64, 512, 4096][step % 5];
            if channels == 2 {
                strip.process(&mut l[..block], Some(&mut r[..block]));
            } else {
                strip.process(&mut l[..block], None);
            }
            if strip.snapshot_due() {
                strip.take_snapshot(
                    StemRole::Drums,
                    name,
                    TransportPosition::default(),
                    &mut snap,
                );
                let _ = strip.take_meters();
            }
            if step == 200 {
                strip.reset();
            }
        }
        COUNTING.with(|c| c.set(false));
        assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), 0, "{channels} channels");
    }
}
