//! Files that cannot be used give a clear error naming the file, never a hang or a panic.

use std::time::Duration;

use moonkeep_store_redb::RedbStore;

#[test]
fn a_file_already_open_is_reported_as_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("held.redb");
    let holder = RedbStore::open(&path).unwrap();

    let err = RedbStore::open_with_wait(&path, Duration::from_millis(200))
        .err()
        .expect("a second open of a held file must fail");
    assert!(err.0.contains(&path.display().to_string()), "{err}");
    assert!(err.0.to_lowercase().contains("another moonkeep process"), "{err}");

    // The refusal was about the lock alone: once released, the file opens.
    drop(holder);
    RedbStore::open_with_wait(&path, Duration::from_millis(200)).unwrap();
}

#[test]
fn a_file_of_garbage_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.redb");
    let garbage: Vec<u8> = (0..1000u32).map(|i| (i * 31 + 7) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();

    let err = RedbStore::open(&path).err().expect("garbage must not open");
    assert!(err.0.contains(&path.display().to_string()), "{err}");
    assert!(err.0.contains("is not a Moonkeep database"), "{err}");
    // The file is left as it was, for the person to inspect.
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_folder_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = RedbStore::open(dir.path()).err().expect("a folder must not open");
    assert!(err.0.contains(&dir.path().display().to_string()), "{err}");
}

#[test]
fn an_empty_file_is_an_error_not_a_fresh_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.redb");
    std::fs::write(&path, b"").unwrap();
    for err in [RedbStore::open(&path).err(), RedbStore::open_read_only(&path).err()] {
        let err = err.expect("an empty file must not open");
        assert!(err.0.contains(&path.display().to_string()) && err.0.contains("empty"), "{err}");
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "the empty file was written to");
}
