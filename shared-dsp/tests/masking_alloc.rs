//! `MaskingEngine::update` and `BalanceEngine::update` do not allocate after set-up, checked
//! with a counting global allocator (this test binary only).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use shared_dsp::balance::BalanceEngine;
use shared_dsp::bands::NUM_BANDS;
use shared_dsp::masking::{MaskingEngine, StemInput};
use shared_dsp::role::StemRole;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    // Only the test's own thread is counted: libtest's other threads may allocate meanwhile.
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

// SAFETY: forwards every call unchanged to the system allocator; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
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
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn spectrum(k: usize, t: usize) -> [f32; NUM_BANDS] {
    let mut out = [0.0; NUM_BANDS];
    for (b, v) in out.iter_mut().enumerate() {
        let x = ((b * 7 + k * 13 + t * 3) % 23) as f32;
        *v = -70.0 + x * 2.0 - (b as f32 - (k % NUM_BANDS) as f32).abs() * 0.5;
    }
    out
}

#[test]
fn updates_do_not_allocate() {
    let names: Vec<String> = (0..40)
        .map(|k| format!("Stem number {k} with a long name"))
        .collect();
    let mut masking = MaskingEngine::new(32);
    let mut balance = BalanceEngine::new(32, 600);
    let mut stems: Vec<StemInput> = Vec::with_capacity(40);
    let mut warnings_seen = 0;
    // The counter works.
    COUNTING.with(|c| c.set(true));
    let probe = std::hint::black_box(Box::new(1u64));
    COUNTING.with(|c| c.set(false));
    drop(probe);
    assert!(ALLOCS.load(Ordering::Relaxed) >= 1);
    ALLOCS.store(0, Ordering::Relaxed);
    for t in 0..400 {
        stems.clear();
        // Stems come and go (ids 0..40, more than the engine holds at times), some carry
        // NaN, and order changes every update.
        for (k, name) in names.iter().enumerate().take(40) {
            if (k + t / 50) % 5 == 0 {
                continue;
            }
            let mut l = spectrum(k, t);
            let r = spectrum(k + 1, t);
            if k == 3 && t % 7 == 0 {
                l[5] = f32::NAN;
            }
            stems.push(StemInput {
                id: (k as u64 * 7919) % 1009,
                role: StemRole::ALL[k % 7],
                priority: if k == 4 { Some(150.0) } else { None },
                name,
                band_db: [l, r],
                masking_db: [r, l],
                shortterm_lufs: -20.0 - (k % 9) as f32,
            });
        }
        stems.rotate_left(t % 11);
        COUNTING.with(|c| c.set(true));
        masking.update(&stems, 0.05);
        balance.update(&stems, if t % 2 == 0 { Some(-12.0) } else { None }, 0.05);
        warnings_seen += masking.warnings().len();
        COUNTING.with(|c| c.set(false));
    }
    assert!(warnings_seen > 0, "the scenario should produce warnings");
    assert_eq!(ALLOCS.load(Ordering::Relaxed), 0);
}
