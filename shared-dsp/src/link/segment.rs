//! The segment file: where it lives, creating and checking it, mapping it, and word access.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use memmap2::{MmapMut, MmapOptions};

use super::error::LinkError;
use super::layout::*;

/// Environment variable that overrides the segment's directory (tests, sandboxes).
pub const LINK_DIR_ENV: &str = "STEM_SUITE_LINK_DIR";

/// How long an attach waits for another process to finish creating the segment.
const INIT_WAIT: Duration = Duration::from_millis(1000);

/// The directory of the segment: `$STEM_SUITE_LINK_DIR`, else `/dev/shm`, `$XDG_RUNTIME_DIR`,
/// `$TMPDIR`, `/tmp`, the first that is a directory.
pub fn link_dir() -> Result<PathBuf, LinkError> {
    if let Some(dir) = std::env::var_os(LINK_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let candidates = [
        Some(PathBuf::from("/dev/shm")),
        std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        std::env::var_os("TMPDIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        Some(PathBuf::from("/tmp")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.is_dir())
        .ok_or(LinkError::NoDirectory)
}

/// File name of the segment: `stem-suite-v<layout version>-<uid>`.
pub fn segment_file_name() -> String {
    format!("stem-suite-v{LAYOUT_VERSION}-{}", euid())
}

/// Full path of this user's segment (see [`link_dir`]).
pub fn segment_path() -> Result<PathBuf, LinkError> {
    Ok(link_dir()?.join(segment_file_name()))
}

pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Milliseconds of `CLOCK_MONOTONIC` (shared by every process of the machine). On Linux the
/// C library reads it through the vDSO, without a system call, so this is fine on the audio
/// thread.
pub(crate) fn now_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1000)
        .wrapping_add(ts.tv_nsec as u64 / 1_000_000)
        & HB_MASK
}

/// Our pid namespace's inode number (0 when unknown): pids are only comparable, and the
/// dead-pid shortcut only used, between processes of the same namespace.
pub(crate) fn pid_ns() -> u64 {
    static NS: OnceLock<u64> = OnceLock::new();
    *NS.get_or_init(|| {
        std::fs::read_link("/proc/self/ns/pid")
            .ok()
            .and_then(|p| {
                let s = p.to_string_lossy().into_owned();
                let digits = s.strip_prefix("pid:[")?.strip_suffix(']')?.to_owned();
                digits.parse().ok()
            })
            .unwrap_or(0)
    })
}

/// Whether process `pid` of our namespace certainly no longer exists (`kill(pid, 0)` fails
/// with `ESRCH`). A system call: never on the audio thread.
pub(crate) fn pid_is_dead(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence; pid is positive so it names one process.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// This process's short name (`/proc/self/comm`), for the Master picker.
pub(crate) fn process_name() -> String {
    std::fs::read_to_string("/proc/self/comm")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Word access to mapped (or copied) segment memory of at least `SEGMENT_SIZE` bytes.
pub(crate) struct Mem {
    base: NonNull<u8>,
    len: usize,
}

static SPARE32: AtomicU32 = AtomicU32::new(0);
static SPARE64: AtomicU64 = AtomicU64::new(0);

impl Mem {
    /// The 32-bit word at byte `off`.
    #[inline]
    pub fn u32(&self, off: usize) -> &AtomicU32 {
        if !off.is_multiple_of(4) || off + 4 > self.len {
            // NOTE: unreachable with the layout's constant offsets; a harmless spare word
            // instead of a panic or an out-of-bounds access if a bug ever got here.
            debug_assert!(false, "link offset {off} out of bounds");
            return &SPARE32;
        }
        // SAFETY: in bounds and 4-aligned (the base is page or 8-aligned); the memory lives as
        // long as `self` and is only ever accessed through atomics.
        unsafe { &*(self.base.as_ptr().add(off) as *const AtomicU32) }
    }

    /// The 64-bit word at byte `off`.
    #[inline]
    pub fn u64(&self, off: usize) -> &AtomicU64 {
        if !off.is_multiple_of(8) || off + 8 > self.len {
            debug_assert!(false, "link offset {off} out of bounds");
            return &SPARE64;
        }
        // SAFETY: as in `u32`, with 8-byte alignment.
        unsafe { &*(self.base.as_ptr().add(off) as *const AtomicU64) }
    }
}

/// An attached segment: the mapping (or copy) and its path.
pub(crate) struct Segment {
    mem: Mem,
    path: PathBuf,
    /// What keeps `mem` alive: the mapping or the boxed copy (moving it never moves the
    /// memory).
    _backing: Box<dyn std::any::Any + Send + Sync>,
}

// SAFETY: the mapping is only accessed through atomics, so sharing it between threads is as
// safe as sharing `&[AtomicU32]`; the backing keeps it alive and is never mutated.
unsafe impl Send for Segment {}
// SAFETY: see `Send`.
unsafe impl Sync for Segment {}

impl Segment {
    pub fn mem(&self) -> &Mem {
        &self.mem
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens or creates the segment for writing (Strips and Masters).
    pub fn open_rw(path: &Path) -> Result<Segment, LinkError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| io_err(path, "create the directory of", e))?;
            }
        }
        let (file, created) = open_or_create(path)?;
        check_file(&file, path)?;
        if created {
            return create(file, path);
        }
        wait_and_validate(&file, path)?;
        // SAFETY: a shared mapping of a file we own; we only touch it through atomics. Its
        // length was checked; another process truncating the file later is outside what a
        // mapping can guard against (documented in the module docs).
        let map = unsafe { MmapOptions::new().len(SEGMENT_SIZE).map_mut(&file) }
            .map_err(|e| io_err(path, "map", e))?;
        Ok(Segment::from_mmap_mut(map, path))
    }

    /// Opens an existing segment read-only (never creates it).
    pub fn open_ro(path: &Path) -> Result<Segment, LinkError> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => LinkError::NotFound {
                    path: path.to_owned(),
                },
                _ if e.raw_os_error() == Some(libc::ELOOP) => LinkError::NotRegularFile {
                    path: path.to_owned(),
                },
                _ => io_err(path, "open", e),
            })?;
        check_file(&file, path)?;
        wait_and_validate(&file, path)?;
        // SAFETY: read-only shared mapping; only atomic loads are made through it.
        let map = unsafe { MmapOptions::new().len(SEGMENT_SIZE).map(&file) }
            .map_err(|e| io_err(path, "map", e))?;
        let base = NonNull::new(map.as_ptr() as *mut u8).expect("mmap never returns null");
        Ok(Segment {
            mem: Mem {
                base,
                len: SEGMENT_SIZE,
            },
            path: path.to_owned(),
            _backing: Box::new(map),
        })
    }

    /// A private copy of segment bytes (for dumps, tests and fuzzing).
    pub fn from_bytes(bytes: &[u8]) -> Result<Segment, LinkError> {
        let path = PathBuf::from("<memory>");
        if bytes.len() < HEADER_SIZE {
            return Err(LinkError::Truncated {
                path,
                len: bytes.len() as u64,
                expected: SEGMENT_SIZE as u64,
            });
        }
        let words: Box<[AtomicU64]> = (0..SEGMENT_SIZE / 8)
            .map(|i| {
                let mut w = [0u8; 8];
                if let Some(src) = bytes.get(i * 8..i * 8 + 8) {
                    w.copy_from_slice(src);
                }
                AtomicU64::new(u64::from_le_bytes(w))
            })
            .collect();
        let base = NonNull::new(words.as_ptr() as *mut u8).expect("box is never null");
        let seg = Segment {
            mem: Mem {
                base,
                len: SEGMENT_SIZE,
            },
            path,
            _backing: Box::new(words),
        };
        if seg.mem.u32(H_INIT).load(Ordering::Acquire) != INIT_READY {
            validate_header(&seg.mem, &seg.path)?;
            return Err(LinkError::NotInitialized { path: seg.path });
        }
        validate_header(&seg.mem, &seg.path)?;
        if bytes.len() < SEGMENT_SIZE {
            return Err(LinkError::Truncated {
                path: seg.path,
                len: bytes.len() as u64,
                expected: SEGMENT_SIZE as u64,
            });
        }
        Ok(seg)
    }

    fn from_mmap_mut(mut map: MmapMut, path: &Path) -> Segment {
        let base = NonNull::new(map.as_mut_ptr()).expect("mmap never returns null");
        Segment {
            mem: Mem {
                base,
                len: SEGMENT_SIZE,
            },
            path: path.to_owned(),
            _backing: Box::new(map),
        }
    }
}

fn io_err(path: &Path, action: &'static str, source: io::Error) -> LinkError {
    LinkError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// Opens the file, creating it (exclusively, mode 0600) when it does not exist.
fn open_or_create(path: &Path) -> Result<(File, bool), LinkError> {
    let flags = libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let mut last = None;
    for _ in 0..4 {
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(flags)
            .open(path)
        {
            Ok(file) => return Ok((file, true)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(path, "create", e)),
        }
        match OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(flags)
            .open(path)
        {
            Ok(file) => return Ok((file, false)),
            // Deleted between the two opens: try creating again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => last = Some(e),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(LinkError::NotRegularFile {
                    path: path.to_owned(),
                })
            }
            Err(e) => return Err(io_err(path, "open", e)),
        }
    }
    Err(io_err(
        path,
        "open",
        last.unwrap_or_else(|| io::Error::other("file keeps vanishing")),
    ))
}

/// Refuses anything but a regular file of ours that nobody else may write.
fn check_file(file: &File, path: &Path) -> Result<(), LinkError> {
    let meta = file.metadata().map_err(|e| io_err(path, "inspect", e))?;
    if !meta.file_type().is_file() {
        return Err(LinkError::NotRegularFile {
            path: path.to_owned(),
        });
    }
    if meta.uid() != euid() {
        return Err(LinkError::WrongOwner {
            path: path.to_owned(),
            uid: meta.uid(),
            expected_uid: euid(),
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(LinkError::WorldWritable {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Sizes the new file, writes the header and publishes it by setting `init` to ready.
fn create(file: File, path: &Path) -> Result<Segment, LinkError> {
    // The umask may have narrowed the mode; make it exactly 0600.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| io_err(path, "set the mode of", e))?;
    file.set_len(SEGMENT_SIZE as u64)
        .map_err(|e| io_err(path, "size", e))?;
    // SAFETY: see `open_rw`.
    let map = unsafe { MmapOptions::new().len(SEGMENT_SIZE).map_mut(&file) }
        .map_err(|e| io_err(path, "map", e))?;
    let seg = Segment::from_mmap_mut(map, path);
    let m = seg.mem();
    // The file is new and ours (O_EXCL), so this CAS cannot fail unless someone else writes
    // into it behind our back; then fall back to validating what they wrote.
    if m.u32(H_INIT)
        .compare_exchange(INIT_NONE, INIT_BUSY, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        m.u64(H_MAGIC).store(MAGIC, Ordering::Relaxed);
        m.u32(H_VERSION).store(LAYOUT_VERSION, Ordering::Relaxed);
        m.u32(H_HEADER_SIZE)
            .store(HEADER_SIZE as u32, Ordering::Relaxed);
        m.u32(H_SLOT_SIZE)
            .store(SLOT_SIZE as u32, Ordering::Relaxed);
        m.u32(H_SLOT_COUNT)
            .store(SLOT_COUNT as u32, Ordering::Relaxed);
        m.u32(H_MASTER_SLOT_SIZE)
            .store(MASTER_SLOT_SIZE as u32, Ordering::Relaxed);
        m.u32(H_MASTER_COUNT)
            .store(MASTER_SLOT_COUNT as u32, Ordering::Relaxed);
        m.u32(H_SLOTS_OFFSET)
            .store(SLOTS_OFFSET as u32, Ordering::Relaxed);
        m.u32(H_MASTERS_OFFSET)
            .store(MASTERS_OFFSET as u32, Ordering::Relaxed);
        m.u64(H_TOTAL_SIZE)
            .store(SEGMENT_SIZE as u64, Ordering::Relaxed);
        m.u32(H_CREATOR_PID)
            .store(std::process::id(), Ordering::Relaxed);
        m.u32(H_INIT).store(INIT_READY, Ordering::Release);
    } else {
        wait_and_validate(&file, path)?;
    }
    Ok(seg)
}

/// Waits (bounded) until the header is ready, then checks every header field and the length.
fn wait_and_validate(file: &File, path: &Path) -> Result<(), LinkError> {
    let start = Instant::now();
    loop {
        let len = file
            .metadata()
            .map_err(|e| io_err(path, "inspect", e))?
            .len();
        if len >= HEADER_SIZE as u64 {
            // SAFETY: read-only mapping of the header only (the file is at least that long);
            // accessed through atomic loads.
            let map = unsafe { MmapOptions::new().len(HEADER_SIZE).map(file) }
                .map_err(|e| io_err(path, "map", e))?;
            let base = NonNull::new(map.as_ptr() as *mut u8).expect("mmap never returns null");
            let header = Mem {
                base,
                len: HEADER_SIZE,
            };
            let init = header.u32(H_INIT).load(Ordering::Acquire);
            let busy = init == INIT_NONE || init == INIT_BUSY;
            if !busy || start.elapsed() >= INIT_WAIT {
                validate_header(&header, path)?;
                if init != INIT_READY {
                    return Err(LinkError::NotInitialized {
                        path: path.to_owned(),
                    });
                }
                if len < SEGMENT_SIZE as u64 {
                    return Err(LinkError::Truncated {
                        path: path.to_owned(),
                        len,
                        expected: SEGMENT_SIZE as u64,
                    });
                }
                return Ok(());
            }
        } else if start.elapsed() >= INIT_WAIT {
            return Err(LinkError::Truncated {
                path: path.to_owned(),
                len,
                expected: SEGMENT_SIZE as u64,
            });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Checks magic, version and every size, count and offset of the header.
fn validate_header(m: &Mem, path: &Path) -> Result<(), LinkError> {
    let path = || path.to_owned();
    let magic = m.u64(H_MAGIC).load(Ordering::Relaxed);
    if magic != MAGIC {
        // An all-zero header is a creation that never got going.
        if magic == 0 && m.u32(H_INIT).load(Ordering::Relaxed) != INIT_READY {
            return Err(LinkError::NotInitialized { path: path() });
        }
        return Err(LinkError::BadMagic {
            path: path(),
            found: magic,
        });
    }
    let version = m.u32(H_VERSION).load(Ordering::Relaxed);
    if version != LAYOUT_VERSION {
        return Err(LinkError::VersionMismatch {
            path: path(),
            found: version,
            expected: LAYOUT_VERSION,
        });
    }
    let fields: [(&'static str, u64, usize); 8] = [
        (
            "header size",
            m.u32(H_HEADER_SIZE).load(Ordering::Relaxed) as u64,
            HEADER_SIZE,
        ),
        (
            "slot size",
            m.u32(H_SLOT_SIZE).load(Ordering::Relaxed) as u64,
            SLOT_SIZE,
        ),
        (
            "slot count",
            m.u32(H_SLOT_COUNT).load(Ordering::Relaxed) as u64,
            SLOT_COUNT,
        ),
        (
            "master slot size",
            m.u32(H_MASTER_SLOT_SIZE).load(Ordering::Relaxed) as u64,
            MASTER_SLOT_SIZE,
        ),
        (
            "master count",
            m.u32(H_MASTER_COUNT).load(Ordering::Relaxed) as u64,
            MASTER_SLOT_COUNT,
        ),
        (
            "slots offset",
            m.u32(H_SLOTS_OFFSET).load(Ordering::Relaxed) as u64,
            SLOTS_OFFSET,
        ),
        (
            "masters offset",
            m.u32(H_MASTERS_OFFSET).load(Ordering::Relaxed) as u64,
            MASTERS_OFFSET,
        ),
        (
            "total size",
            m.u64(H_TOTAL_SIZE).load(Ordering::Relaxed),
            SEGMENT_SIZE,
        ),
    ];
    for (field, found, expected) in fields {
        if found != expected as u64 {
            return Err(LinkError::LayoutMismatch {
                path: path(),
                field,
                found,
                expected: expected as u64,
            });
        }
    }
    Ok(())
}
