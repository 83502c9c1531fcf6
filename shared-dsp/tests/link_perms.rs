//! The segment file is created 0600 and refused, with a clear message, when it belongs to
//! another user, is writable by others, or is not a regular file.
//!
//! The other-owner check: as root (CI and dev machines here run as root) the test chowns the
//! file to `nobody` (uid 65534), which only root may do; as any other user it points the
//! reader at a root-owned file instead (the ownership check comes before anything else).

mod link_common;

use std::os::unix::fs::PermissionsExt;

use link_common::*;
use shared_dsp::link::{GroupId, LinkError, LinkReader, LinkWriter, MasterHandle};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn segment_is_created_0600_whatever_the_umask() {
    let dir = TempDir::new("mode");
    // SAFETY: umask only affects file creation modes; restored below.
    let old = unsafe { libc::umask(0) };
    let w = LinkWriter::open_at(&dir.segment(), None);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    drop(w.unwrap());
    assert_eq!(mode(&dir.segment()), 0o600);

    // A missing directory is created private.
    let nested = dir.0.join("sub").join("dir");
    drop(LinkWriter::open_at(&nested.join("seg"), None).unwrap());
    assert_eq!(mode(&nested) & 0o077, 0);
}

#[test]
fn writable_by_others_is_refused() {
    let dir = TempDir::new("ww");
    let path = dir.segment();
    drop(LinkWriter::open_at(&path, None).unwrap());
    for bad in [0o666, 0o602, 0o620] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bad)).unwrap();
        let errors = [
            LinkWriter::open_at(&path, None).err().unwrap(),
            LinkReader::open_at(&path).err().unwrap(),
            MasterHandle::open_at(&path, GroupId(1), "M").err().unwrap(),
        ];
        for e in errors {
            assert!(
                matches!(e, LinkError::WorldWritable { mode, .. } if mode == bad),
                "{e:?}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains("chmod 600") && msg.contains(&path.display().to_string()),
                "{msg}"
            );
        }
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(LinkReader::open_at(&path).is_ok());
}

#[test]
fn another_users_file_is_refused() {
    // SAFETY: geteuid cannot fail.
    let euid = unsafe { libc::geteuid() };
    let dir = TempDir::new("owner");
    let path = dir.segment();
    if euid == 0 {
        drop(LinkWriter::open_at(&path, None).unwrap());
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let errors = [
            LinkWriter::open_at(&path, None).err().unwrap(),
            LinkReader::open_at(&path).err().unwrap(),
        ];
        for e in errors {
            assert!(
                matches!(
                    e,
                    LinkError::WrongOwner {
                        uid: 65534,
                        expected_uid: 0,
                        ..
                    }
                ),
                "{e:?}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains("belongs to user 65534") && msg.contains("remove it"),
                "{msg}"
            );
        }
    } else {
        let e = LinkReader::open_at(std::path::Path::new("/etc/passwd"))
            .err()
            .unwrap();
        assert!(matches!(e, LinkError::WrongOwner { uid: 0, .. }), "{e:?}");
    }
}

#[test]
fn symlinks_and_directories_are_refused_and_readers_never_create() {
    let dir = TempDir::new("links");
    let path = dir.segment();
    let target = dir.0.join("elsewhere");
    drop(LinkWriter::open_at(&target, None).unwrap());
    std::os::unix::fs::symlink(&target, &path).unwrap();
    assert!(matches!(
        LinkWriter::open_at(&path, None),
        Err(LinkError::NotRegularFile { .. })
    ));
    assert!(matches!(
        LinkReader::open_at(&path),
        Err(LinkError::NotRegularFile { .. })
    ));
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    assert!(LinkWriter::open_at(&path, None).is_err());
    assert!(LinkReader::open_at(&path).is_err());
    std::fs::remove_dir(&path).unwrap();

    let e = LinkReader::open_at(&path).err().unwrap();
    assert!(matches!(e, LinkError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("no Stem Suite link segment"));
    assert!(!path.exists(), "a reader created the segment");
}
