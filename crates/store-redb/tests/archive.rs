//! `Change::Archive` moves a record to another key within the commit, survives a
//! reopen, and does nothing for a key that holds no record.

use moonkeep_engine::{Change, Store};
use moonkeep_store_redb::RedbStore;

#[test]
fn an_archive_moves_the_record_and_ignores_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.redb");
    {
        let mut store = RedbStore::open(&path).unwrap();
        store.commit(&[Change::Put { key: b"o1".to_vec(), value: b"old".to_vec() }]).unwrap();
        store
            .commit(&[
                Change::Archive { key: b"o1".to_vec(), to: b"h-o1-2".to_vec() },
                Change::Put { key: b"o1".to_vec(), value: b"new".to_vec() },
                Change::Archive { key: b"o9".to_vec(), to: b"h-o9-2".to_vec() },
            ])
            .unwrap();
    }
    let store = RedbStore::open(&path).unwrap();
    let records = store.load().unwrap();
    assert_eq!(records, vec![(b"h-o1-2".to_vec(), b"old".to_vec()), (b"o1".to_vec(), b"new".to_vec())]);
}
