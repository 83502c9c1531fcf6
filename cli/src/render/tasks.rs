//! The first phase of a render as tasks on every core: each stem's Strip over each chunk, the
//! sum of each chunk, and the learn pass over each chunk of the sum, each started as soon as
//! what it needs is done.
//!
//! NOTE: not in steps (all Strips over chunk k beside the learn pass over chunk k - 1, then
//! the next step): eight Strips and the learn pass are tasks of unequal length, and waiting
//! for each step's slowest left a core idle for a tenth of the phase. A dedicated learn
//! thread beside the rayon pool was slower still (three busy threads on two cores).
//!
//! The learn pass is one chain through the chunks in order, and everything else is done
//! before its last chunk can run: so it goes first whenever its next chunk is summed, then a
//! sum, then the Strip furthest behind. Every task's data sits behind its own lock: the
//! order below means no lock is ever waited for, and the locks make the sharing safe.

use std::sync::{Condvar, Mutex, MutexGuard};

use shared_dsp::master::MasterChain;
use shared_dsp::strip::Strip;

/// One piece of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Task {
    /// Stem `.0`'s Strip over chunk `.1`.
    Strip(usize, usize),
    /// The stems' chunk `.0` added into the sum.
    Sum(usize),
    /// The learn pass over chunk `.0` of the sum.
    Learn(usize),
}

/// What a worker does next.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Run(Task),
    /// Nothing is ready, but something will be when a running task ends.
    Wait,
    Done,
}

/// Which tasks have run, run now, or can run.
#[derive(Debug)]
struct Board {
    chunks: usize,
    learning: bool,
    /// Per stem: the next chunk its Strip runs over.
    next_strip: Vec<usize>,
    /// Per stem: whether its Strip runs now.
    strip_running: Vec<bool>,
    /// Per chunk: the Strips done with it.
    strips_done: Vec<usize>,
    /// Per chunk: whether its sum is taken (running or done), and done.
    sum_taken: Vec<bool>,
    sum_done: Vec<bool>,
    /// The next chunk the learn pass runs over, and whether it runs now.
    next_learn: usize,
    learn_running: bool,
    /// A task panicked: nothing more is handed out, so the other workers end and the panic
    /// reaches the caller instead of leaving them waiting for that task forever.
    abandoned: bool,
}

impl Board {
    fn new(stems: usize, chunks: usize, learning: bool) -> Self {
        Self {
            chunks,
            learning,
            next_strip: vec![0; stems],
            strip_running: vec![false; stems],
            strips_done: vec![0; chunks],
            sum_taken: vec![false; chunks],
            sum_done: vec![false; chunks],
            next_learn: 0,
            learn_running: false,
            abandoned: false,
        }
    }

    fn take(&mut self) -> Next {
        if self.abandoned {
            return Next::Done;
        }
        let k = self.next_learn;
        if self.learning && !self.learn_running && k < self.chunks && self.sum_done[k] {
            self.learn_running = true;
            return Next::Run(Task::Learn(k));
        }
        let stems = self.next_strip.len();
        if let Some(k) =
            (0..self.chunks).find(|&k| !self.sum_taken[k] && self.strips_done[k] == stems)
        {
            self.sum_taken[k] = true;
            return Next::Run(Task::Sum(k));
        }
        let behind = (0..stems)
            .filter(|&s| !self.strip_running[s] && self.next_strip[s] < self.chunks)
            .min_by_key(|&s| self.next_strip[s]);
        if let Some(s) = behind {
            self.strip_running[s] = true;
            self.next_strip[s] += 1;
            return Next::Run(Task::Strip(s, self.next_strip[s] - 1));
        }
        let summed = self.sum_done.iter().all(|&d| d);
        let learnt = !self.learning || self.next_learn == self.chunks;
        if summed && learnt {
            Next::Done
        } else {
            Next::Wait
        }
    }

    fn finish(&mut self, task: Task) {
        match task {
            Task::Strip(s, k) => {
                self.strip_running[s] = false;
                self.strips_done[k] += 1;
            }
            Task::Sum(k) => self.sum_done[k] = true,
            Task::Learn(_) => {
                self.learn_running = false;
                self.next_learn += 1;
            }
        }
    }
}

/// One stem's channels over one chunk: one or two slices.
type Piece<'a> = Vec<&'a mut [f32]>;

/// Runs the first phase over `stems` (each frames `..frames` of its channels, in place)
/// with `strips` (one a stem), `chunk` frames at a time: the sum of the processed stems into
/// `sum` (left, right), and with a `learner`, `learn` over each chunk of the sum, in order.
/// `strip` runs one Strip over one piece (one or two channels); `add` writes the sum of the
/// stems' pieces of a chunk (in the stems' order) into that chunk of `sum`; `learn` runs the
/// learn pass over a chunk of the sum, in place. Uses as many threads as rayon's pool.
#[allow(clippy::too_many_arguments)]
pub fn strips_sum_and_learn(
    stems: &mut [Vec<Vec<f32>>],
    strips: &mut [Strip],
    frames: usize,
    chunk: usize,
    sum: [&mut [f32]; 2],
    learner: Option<&mut MasterChain>,
    strip: impl Fn(&mut Strip, &mut Piece) + Sync,
    add: impl Fn(&[&Piece], &mut [f32], &mut [f32]) + Sync,
    learn: impl Fn(&mut MasterChain, &mut [f32], &mut [f32]) + Sync,
) {
    let chunks = frames.div_ceil(chunk);
    let pieces: Vec<Vec<Mutex<Piece>>> = stems
        .iter_mut()
        .map(|channels| {
            let mut per_chunk: Vec<Piece> = (0..chunks).map(|_| Vec::new()).collect();
            for c in channels.iter_mut() {
                for (k, part) in c[..frames].chunks_mut(chunk).enumerate() {
                    per_chunk[k].push(part);
                }
            }
            per_chunk.into_iter().map(Mutex::new).collect()
        })
        .collect();
    let strips: Vec<Mutex<&mut Strip>> = strips.iter_mut().map(Mutex::new).collect();
    let [sum_l, sum_r] = sum;
    let sums: Vec<Mutex<(&mut [f32], &mut [f32])>> = sum_l[..frames]
        .chunks_mut(chunk)
        .zip(sum_r[..frames].chunks_mut(chunk))
        .map(Mutex::new)
        .collect();
    let board = Mutex::new(Board::new(pieces.len(), chunks, learner.is_some()));
    let learner = learner.map(Mutex::new);
    let changed = Condvar::new();
    let run = |task: Task| match task {
        Task::Strip(s, k) => strip(&mut lock(&strips[s]), &mut lock(&pieces[s][k])),
        Task::Sum(k) => {
            let (l, r) = &mut *lock(&sums[k]);
            let guards: Vec<_> = pieces.iter().map(|stem| lock(&stem[k])).collect();
            let chunk: Vec<&Piece> = guards.iter().map(|g| &**g).collect();
            add(&chunk, l, r);
        }
        Task::Learn(k) => {
            let (l, r) = &mut *lock(&sums[k]);
            if let Some(chain) = &learner {
                learn(&mut lock(chain), l, r);
            }
        }
    };
    let worker = || loop {
        let mut b = lock(&board);
        let task = loop {
            match b.take() {
                Next::Run(task) => break task,
                Next::Wait => b = changed.wait(b).unwrap_or_else(|e| e.into_inner()),
                Next::Done => return,
            }
        };
        drop(b);
        let _finished = Finished {
            board: &board,
            changed: &changed,
            task,
        };
        run(task);
    };
    std::thread::scope(|scope| {
        for _ in 1..rayon::current_num_threads().max(1) {
            scope.spawn(worker);
        }
        worker();
    });
}

/// Marks its task finished when dropped, also while a panic unwinds (then abandoning the
/// rest), and wakes the waiting workers.
struct Finished<'a> {
    board: &'a Mutex<Board>,
    changed: &'a Condvar,
    task: Task,
}

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        let mut b = lock(self.board);
        b.abandoned |= std::thread::panicking();
        b.finish(self.task);
        drop(b);
        self.changed.notify_all();
    }
}

/// The lock's data; a panic elsewhere has already failed the render, so a poisoned lock is
/// taken as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every task runs once, a Strip's chunks in order, a sum after its chunk's Strips, the
    /// learn pass in order after each sum; one worker never waits.
    #[test]
    fn tasks_run_once_each_in_an_order_their_inputs_allow() {
        let (stems, chunks) = (3, 4);
        let mut board = Board::new(stems, chunks, true);
        let mut order = Vec::new();
        loop {
            match board.take() {
                Next::Run(t) => {
                    order.push(t);
                    board.finish(t);
                }
                Next::Wait => panic!("one worker waited: {order:?}"),
                Next::Done => break,
            }
        }
        assert_eq!(order.len(), stems * chunks + 2 * chunks, "{order:?}");
        let at = |t: Task| order.iter().position(|&o| o == t).expect("ran");
        for k in 0..chunks {
            for s in 0..stems {
                assert!(at(Task::Strip(s, k)) < at(Task::Sum(k)));
                if k > 0 {
                    assert!(at(Task::Strip(s, k - 1)) < at(Task::Strip(s, k)));
                }
            }
            assert!(at(Task::Sum(k)) < at(Task::Learn(k)));
            if k > 0 {
                assert!(at(Task::Learn(k - 1)) < at(Task::Learn(k)));
            }
        }
        // The learn pass goes as soon as a chunk is summed, ahead of later Strips.
        assert!(at(Task::Learn(0)) < at(Task::Strip(0, 1)), "{order:?}");
    }

    /// A task that panics ends the phase with its panic, on any number of threads, instead of
    /// leaving the other workers waiting for it.
    #[test]
    fn a_panicking_task_ends_the_phase_with_its_panic() {
        let frames = 4 * 64;
        let mut stems = vec![vec![vec![0.1f32; frames]; 2]; 3];
        let mut strips: Vec<Strip> = (0..3).map(|_| Strip::new(48_000.0, 2).unwrap()).collect();
        let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
        let mut chain = MasterChain::new(48_000.0, 2);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            strips_sum_and_learn(
                &mut stems,
                &mut strips,
                frames,
                64,
                [&mut l, &mut r],
                Some(&mut chain),
                |_, _| {
                    if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 5 {
                        panic!("a Strip failed");
                    }
                },
                |_, _, _| {},
                |_, _, _| {},
            )
        }));
        assert!(outcome.is_err(), "the panic reaches the caller");
        assert!(
            calls.load(std::sync::atomic::Ordering::SeqCst) < 12,
            "nothing more ran"
        );
    }

    /// Two workers: while one runs a stem's Strip, the other is not given that stem's next
    /// chunk, nor a sum whose Strips are not all done.
    #[test]
    fn a_running_strip_holds_back_its_own_next_chunk_and_its_sum() {
        let mut board = Board::new(1, 2, false);
        assert_eq!(board.take(), Next::Run(Task::Strip(0, 0)));
        assert_eq!(board.take(), Next::Wait);
        board.finish(Task::Strip(0, 0));
        assert_eq!(board.take(), Next::Run(Task::Sum(0)));
        assert_eq!(board.take(), Next::Run(Task::Strip(0, 1)));
        assert_eq!(board.take(), Next::Wait);
        board.finish(Task::Sum(0));
        board.finish(Task::Strip(0, 1));
        assert_eq!(board.take(), Next::Run(Task::Sum(1)));
        assert_eq!(board.take(), Next::Wait);
        board.finish(Task::Sum(1));
        assert_eq!(board.take(), Next::Done);
    }
}
