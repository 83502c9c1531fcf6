//! Seqlock reads and writes over runs of 32-bit words of the segment.
//!
//! Writer: make the sequence odd, `fence(Release)`, store the words, store the next even
//! sequence with `Release`. Reader: load the sequence with `Acquire` (retry while odd), load
//! the words, `fence(Acquire)`, load the sequence again: the copy is consistent when both
//! loads agree. All word accesses are `Relaxed` atomics, so nothing races on plain memory.

use std::hint::spin_loop;
use std::sync::atomic::{fence, Ordering};

use super::segment::Mem;

/// How often a reader retries a torn read before skipping the record for this round.
pub(crate) const READ_RETRIES: usize = 8;

/// Copies `out.len()` words starting at byte `first`, protected by the sequence at byte
/// `seq`. `false` when every try was torn (a writer was busy): skip the record this round.
pub(crate) fn read(mem: &Mem, seq: usize, first: usize, out: &mut [u32]) -> bool {
    let seq = mem.u32(seq);
    for _ in 0..READ_RETRIES {
        let s1 = seq.load(Ordering::Acquire);
        if s1 & 1 == 1 {
            spin_loop();
            continue;
        }
        for (i, w) in out.iter_mut().enumerate() {
            *w = mem.u32(first + 4 * i).load(Ordering::Relaxed);
        }
        fence(Ordering::Acquire);
        if seq.load(Ordering::Relaxed) == s1 {
            return true;
        }
        spin_loop();
    }
    false
}

/// Writes `words` at byte `first` as the single writer of the sequence at byte `seq`. Enters
/// only from an even sequence, by compare-and-swap, so a second writer (a misused handle, or
/// a process that took the slot over) makes this call skip instead of interleaving: returns
/// `false` then. Wait-free.
pub(crate) fn write_exclusive(mem: &Mem, seq: usize, first: usize, words: &[u32]) -> bool {
    let seq = mem.u32(seq);
    let s = seq.load(Ordering::Relaxed);
    if s & 1 == 1
        || seq
            .compare_exchange(s, s.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
            .is_err()
    {
        return false;
    }
    store_words(mem, first, words);
    seq.store(s.wrapping_add(2), Ordering::Release);
    true
}

/// Writes `words` where several processes may write (verdicts, a Master's record). Waits a
/// bounded number of spins for an odd sequence to turn even; if it stays odd its writer is
/// presumed dead and the write takes over by moving the sequence to the next odd value.
/// Off the audio thread only. `false` if another writer kept winning.
pub(crate) fn write_shared(mem: &Mem, seq: usize, first: usize, words: &[u32]) -> bool {
    let seq_word = mem.u32(seq);
    for _ in 0..10_000 {
        let s = seq_word.load(Ordering::Relaxed);
        if s & 1 == 0
            && seq_word
                .compare_exchange(s, s.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            store_words(mem, first, words);
            seq_word.store(s.wrapping_add(2), Ordering::Release);
            return true;
        }
        spin_loop();
    }
    let s = seq_word.load(Ordering::Relaxed);
    let entered = if s & 1 == 1 {
        s.wrapping_add(2)
    } else {
        s.wrapping_add(1)
    };
    if seq_word
        .compare_exchange(s, entered, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return false;
    }
    store_words(mem, first, words);
    seq_word.store(entered.wrapping_add(1), Ordering::Release);
    true
}

/// Makes the sequence at byte `seq` even again (a new owner taking over a slot whose previous
/// writer died in the middle of a write).
pub(crate) fn reset(mem: &Mem, seq: usize) {
    let seq = mem.u32(seq);
    let s = seq.load(Ordering::Relaxed);
    if s & 1 == 1 {
        let _ = seq.compare_exchange(s, s.wrapping_add(1), Ordering::Relaxed, Ordering::Relaxed);
    }
}

fn store_words(mem: &Mem, first: usize, words: &[u32]) {
    fence(Ordering::Release);
    for (i, w) in words.iter().enumerate() {
        mem.u32(first + 4 * i).store(*w, Ordering::Relaxed);
    }
}
