//! Readers see the last committed state while a writer holds the file, and never
//! change the file they read.

use std::time::{Duration, Instant};

use moonkeep_engine::{Change, Store};
use moonkeep_store_redb::RedbStore;

/// Readers start copies of this program to read (salvage.rs): it has its own main,
/// which serves those reads.
fn main() {
    moonkeep_store_redb::serve_salvage_read();
    let tests: [(&str, fn()); 3] = [
        ("a_reader_opens_beside_a_writer_and_sees_its_commits", a_reader_opens_beside_a_writer_and_sees_its_commits),
        ("a_reader_does_not_create_or_change_the_file", a_reader_does_not_create_or_change_the_file),
        ("a_reader_after_a_writer_died_reads_its_last_commit", a_reader_after_a_writer_died_reads_its_last_commit),
    ];
    for (name, test) in tests {
        test();
        println!("test {name} ... ok");
    }
    // The line scripts/test.sh counts (a failing test panics before it).
    println!("test result: ok. {} passed; 0 failed", tests.len());
}

fn put(key: &[u8], value: &[u8]) -> Change {
    Change::Put { key: key.to_vec(), value: value.to_vec() }
}

fn a_reader_opens_beside_a_writer_and_sees_its_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.redb");
    let mut writer = RedbStore::open(&path).unwrap();
    writer.commit(&[put(b"a", b"1")]).unwrap();

    let start = Instant::now();
    let reader = RedbStore::open_read_only(&path).unwrap();
    assert!(start.elapsed() < Duration::from_secs(1), "the reader waited {:?}", start.elapsed());
    assert_eq!(reader.load().unwrap(), vec![(b"a".to_vec(), b"1".to_vec())]);

    writer.commit(&[put(b"a", b"2")]).unwrap();
    let later = RedbStore::open_read_only(&path).unwrap();
    assert_eq!(later.load().unwrap(), vec![(b"a".to_vec(), b"2".to_vec())]);
    // A second writer is still refused: one process writes at a time.
    let err = RedbStore::open_with_wait(&path, Duration::from_millis(100)).err().expect("two writers");
    assert!(err.0.contains("another Moonkeep process"), "{err}");
}

fn a_reader_does_not_create_or_change_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.redb");
    assert_eq!(RedbStore::open_read_only(&missing).unwrap().load().unwrap(), vec![]);
    assert!(!missing.exists(), "a reader created the file");

    let path = dir.path().join("kept.redb");
    RedbStore::open(&path).unwrap().commit(&[put(b"k", b"v")]).unwrap();
    let before = (std::fs::read(&path).unwrap(), std::fs::metadata(&path).unwrap().modified().unwrap());
    std::thread::sleep(Duration::from_millis(20));
    let mut reader = RedbStore::open_read_only(&path).unwrap();
    assert_eq!(reader.load().unwrap().len(), 1);
    let refused = reader.commit(&[put(b"k", b"w")]).expect_err("a reader must not write");
    assert!(refused.0.contains("read-only"), "{refused}");
    drop(reader);
    let after = (std::fs::read(&path).unwrap(), std::fs::metadata(&path).unwrap().modified().unwrap());
    assert!(before == after, "reading changed the file's bytes or mtime");
}

/// A writer that died leaves the file unclean: a reader reads a repaired copy, and the
/// file stays as it was.
fn a_reader_after_a_writer_died_reads_its_last_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unclean.redb");
    let mut writer = RedbStore::open(&path).unwrap();
    writer.commit(&[put(b"a", b"1")]).unwrap();
    // Leaked: never closed, as by a process that died.
    std::mem::forget(writer);
    let before = std::fs::read(&path).unwrap();
    let reader = RedbStore::open_read_only(&path).unwrap();
    assert_eq!(reader.load().unwrap(), vec![(b"a".to_vec(), b"1".to_vec())]);
    assert!(std::fs::read(&path).unwrap() == before, "the reader changed the file");
}
