//! Why attaching to the link failed.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error attaching to the link segment. Each message says what is wrong, with which
/// file, and what to do about it.
#[derive(Debug)]
#[non_exhaustive]
pub enum LinkError {
    /// No directory to put the segment in (`STEM_SUITE_LINK_DIR` unset, no `/dev/shm`,
    /// `$XDG_RUNTIME_DIR` or `$TMPDIR`, and no `/tmp`).
    NoDirectory,
    /// A system call on the segment file failed.
    Io {
        /// The segment file.
        path: PathBuf,
        /// What we were doing, e.g. "open", "map".
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
    /// There is no segment file (no Stem Suite plugin has run in this session yet). Only
    /// readers see this; writers create the file.
    NotFound {
        /// The segment file that does not exist.
        path: PathBuf,
    },
    /// The path is not a regular file (a directory, a symlink, a device...).
    NotRegularFile {
        /// The offending path.
        path: PathBuf,
    },
    /// The file belongs to another user.
    WrongOwner {
        /// The segment file.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// Our effective user id.
        expected_uid: u32,
    },
    /// The file is writable by the group or by other users.
    WorldWritable {
        /// The segment file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file does not start with the link's magic number.
    BadMagic {
        /// The segment file.
        path: PathBuf,
        /// The first eight bytes, as a little-endian number.
        found: u64,
    },
    /// The file was written by a build with another layout version.
    VersionMismatch {
        /// The segment file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build understands.
        expected: u32,
    },
    /// The header's sizes or counts differ from this build's.
    LayoutMismatch {
        /// The segment file.
        path: PathBuf,
        /// Which header field.
        field: &'static str,
        /// Value in the file.
        found: u64,
        /// Value this build expects.
        expected: u64,
    },
    /// The file is shorter than the layout needs.
    Truncated {
        /// The segment file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
        /// The length the layout needs.
        expected: u64,
    },
    /// The file's header was never completed (its creator died while writing it).
    NotInitialized {
        /// The segment file.
        path: PathBuf,
    },
    /// Every Strip slot is held by a live Strip.
    TableFull {
        /// The segment file.
        path: PathBuf,
        /// Number of slots in the table.
        slots: usize,
    },
    /// Every Master slot is held by a live Master.
    MasterTableFull {
        /// The segment file.
        path: PathBuf,
        /// Number of Master slots.
        slots: usize,
    },
}

const DELETE_HINT: &str = "close every Stem Suite plugin and delete the file \
     (it is recreated on the next start)";

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NoDirectory => write!(
                f,
                "no directory for the Stem Suite link: none of STEM_SUITE_LINK_DIR, /dev/shm, \
                 $XDG_RUNTIME_DIR, $TMPDIR or /tmp is usable; set STEM_SUITE_LINK_DIR to a \
                 private directory"
            ),
            LinkError::Io {
                path,
                action,
                source,
            } => write!(
                f,
                "cannot {action} the Stem Suite link segment {}: {source}; check that the \
                 directory exists and is writable by you",
                path.display()
            ),
            LinkError::NotFound { path } => write!(
                f,
                "no Stem Suite link segment at {}: no Stem Strip or Stem Master has run for this \
                 user yet (or STEM_SUITE_LINK_DIR points elsewhere)",
                path.display()
            ),
            LinkError::NotRegularFile { path } => write!(
                f,
                "the Stem Suite link segment {} is not a regular file; remove it",
                path.display()
            ),
            LinkError::WrongOwner {
                path,
                uid,
                expected_uid,
            } => write!(
                f,
                "refusing the Stem Suite link segment {}: it belongs to user {uid}, not to you \
                 (user {expected_uid}), so another user could feed it false data; remove it or \
                 set STEM_SUITE_LINK_DIR to a private directory",
                path.display()
            ),
            LinkError::WorldWritable { path, mode } => write!(
                f,
                "refusing the Stem Suite link segment {}: its mode {mode:04o} lets other users \
                 write it; run `chmod 600 {}` or delete it",
                path.display(),
                path.display()
            ),
            LinkError::BadMagic { path, found } => write!(
                f,
                "{} is not a Stem Suite link segment (magic {found:#018x}); {DELETE_HINT}",
                path.display()
            ),
            LinkError::VersionMismatch {
                path,
                found,
                expected,
            } => write!(
                f,
                "the Stem Suite link segment {} has layout version {found}, this build speaks \
                 version {expected}: update every Stem Suite plugin to the same release, or \
                 {DELETE_HINT}",
                path.display()
            ),
            LinkError::LayoutMismatch {
                path,
                field,
                found,
                expected,
            } => write!(
                f,
                "the Stem Suite link segment {} has {field} = {found}, this build expects \
                 {expected}: it was written by an incompatible build or is corrupt; {DELETE_HINT}",
                path.display()
            ),
            LinkError::Truncated {
                path,
                len,
                expected,
            } => write!(
                f,
                "the Stem Suite link segment {} is {len} bytes long, the layout needs {expected}; \
                 {DELETE_HINT}",
                path.display()
            ),
            LinkError::NotInitialized { path } => write!(
                f,
                "the Stem Suite link segment {} was never finished (its creator stopped while \
                 writing the header); {DELETE_HINT}",
                path.display()
            ),
            LinkError::TableFull { path, slots } => write!(
                f,
                "the Stem Suite link table {} is full: all {slots} Stem Strip slots are held by \
                 live Strips; remove a Stem Strip (this one works, but is not shown on the \
                 Stem Master)",
                path.display()
            ),
            LinkError::MasterTableFull { path, slots } => write!(
                f,
                "the Stem Suite link table {} is full: all {slots} Stem Master slots are held by \
                 live Masters; remove a Stem Master",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LinkError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
