//! Records survive closing and reopening the file, byte for byte and in key order.

use std::collections::BTreeMap;

use moonkeep_engine::{Change, Store};
use moonkeep_store_redb::RedbStore;

fn put(key: &[u8], value: &[u8]) -> Change {
    Change::Put { key: key.to_vec(), value: value.to_vec() }
}

fn delete(key: &[u8]) -> Change {
    Change::Delete { key: key.to_vec() }
}

#[test]
fn records_survive_reopen_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    // Folders that do not exist yet are created.
    let path = dir.path().join("nested/deeper/moonkeep.redb");
    let big: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i * 7 + i / 251) as u8).collect();
    let binary_key = vec![0u8, 255, 0, 10, 13];

    let mut expected = BTreeMap::new();
    {
        let mut store = RedbStore::open(&path).unwrap();
        assert_eq!(store.path(), path);
        assert_eq!(store.load().unwrap(), vec![]);

        let first = vec![
            put(b"zebra", b"1"),
            put(b"apple", b"2"),
            put(&binary_key, &[0, 1, 2, 255]),
            put(b"empty", b""),
            put(b"", b"the empty key"),
            put(b"doomed", b"soon gone"),
            put(b"big", &big),
            put(b"apple", b"overwritten in the same commit"),
        ];
        store.commit(&first).unwrap();
        store
            .commit(&[
                delete(b"doomed"),
                delete(b"never existed"),
                put(b"zebra", b"overwritten by a later commit"),
                put(b"mango", &[0xff; 3]),
            ])
            .unwrap();
        let before_empty = store.load().unwrap();
        store.commit(&[]).unwrap();
        assert_eq!(store.load().unwrap(), before_empty);

        for (k, v) in [
            (b"zebra".to_vec(), b"overwritten by a later commit".to_vec()),
            (b"apple".to_vec(), b"overwritten in the same commit".to_vec()),
            (binary_key.clone(), vec![0, 1, 2, 255]),
            (b"empty".to_vec(), vec![]),
            (vec![], b"the empty key".to_vec()),
            (b"big".to_vec(), big.clone()),
            (b"mango".to_vec(), vec![0xff; 3]),
        ] {
            expected.insert(k, v);
        }
    }

    let store = RedbStore::open(&path).unwrap();
    let loaded = store.load().unwrap();
    let keys: Vec<&[u8]> = loaded.iter().map(|(k, _)| k.as_slice()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "keys come back in byte order");
    assert_eq!(keys[0], b"", "the empty key sorts first");
    let loaded: BTreeMap<_, _> = loaded.into_iter().collect();
    assert_eq!(loaded.len(), expected.len());
    assert!(loaded == expected, "reloaded records differ from the committed ones");
}
