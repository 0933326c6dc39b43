//! A copy of every record, kept in step with the store's own commits, so that the
//! history's views read IndexedDB once per session instead of once per version.
//! Another tab's commit names another version in the meta record: the copy is then
//! read again (`IdbStore::records`). Another tab's thinning of the history names no new
//! version: until the next one, a following tab's copy still holds what it deleted,
//! which changes no version that is kept.

use std::rc::Rc;

use moonkeep_engine::{Change, Records};

/// Each change moves the records after it: a commit that could move more than this
/// many (a large import or restore, or any commit to a store of a million records)
/// drops the copy instead, so that no save pays more than a few ms for it; the next
/// view reads everything again.
const MOVES_KEPT: usize = 1 << 20;

/// Every record in key order as of the last commit, once read.
#[derive(Default)]
pub(crate) struct Copy {
    records: Option<Rc<Records>>,
    /// Commits made: a read that began before a commit ended is not kept.
    commits: u64,
}

impl Copy {
    pub(crate) fn get(&self) -> Option<Rc<Records>> {
        self.records.clone()
    }

    pub(crate) fn commits(&self) -> u64 {
        self.commits
    }

    /// Keeps `records`, read since `commits` commits were made, unless one was made since.
    pub(crate) fn keep(&mut self, records: Rc<Records>, commits: u64) {
        if commits == self.commits {
            self.records = Some(records);
        }
    }

    /// Makes a committed batch's changes to the copy, as the store made them.
    pub(crate) fn committed(&mut self, changes: &[Change]) {
        self.commits += 1;
        if self.records.as_ref().is_some_and(|r| r.len().saturating_mul(changes.len()) > MOVES_KEPT) {
            self.records = None;
        }
        if let Some(records) = self.records.as_mut() {
            apply(Rc::make_mut(records), changes);
        }
    }
}

/// `changes` made to `records` (in key order, as IndexedDB orders binary keys).
fn apply(records: &mut Records, changes: &[Change]) {
    let at = |records: &Records, key: &[u8]| records.binary_search_by(|(k, _)| k.as_slice().cmp(key));
    let put = |records: &mut Records, key: &[u8], value: Vec<u8>| match at(records, key) {
        Ok(i) => records[i].1 = value,
        Err(i) => records.insert(i, (key.to_vec(), value)),
    };
    for change in changes {
        match change {
            Change::Put { key, value } => put(records, key, value.clone()),
            Change::Delete { key } => {
                if let Ok(i) = at(records, key) {
                    records.remove(i);
                }
            }
            Change::Archive { key, to } => {
                if let Ok(i) = at(records, key) {
                    let (_, value) = records.remove(i);
                    put(records, to, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use moonkeep_engine::{MemoryStore, Store};

    use super::*;

    fn put(key: &[u8], value: &[u8]) -> Change {
        Change::Put { key: key.to_vec(), value: value.to_vec() }
    }

    /// Commits `batches` to a MemoryStore and to a copy of its first state.
    fn both(first: &[Change], batches: &[Vec<Change>]) -> (Records, Option<Rc<Records>>) {
        let mut store = MemoryStore::new();
        store.commit(first).unwrap();
        let mut copy = Copy::default();
        copy.keep(Rc::new(store.load().unwrap()), 0);
        for batch in batches {
            store.commit(batch).unwrap();
            copy.committed(batch);
        }
        (store.load().unwrap(), copy.get())
    }

    #[test]
    fn the_copy_changes_as_the_store_does_puts_deletes_and_archives() {
        let first = [put(b"meta", b"1"), put(b"o1", b"a"), put(b"o3", b"c"), put(b"v1", b"x")];
        let batches = vec![
            // A version: o1 replaced (its old record archived), o2 new, o3 dropped.
            vec![
                Change::Archive { key: b"o1".to_vec(), to: b"ho12".to_vec() },
                put(b"o1", b"a2"),
                put(b"o2", b"b"),
                Change::Archive { key: b"o3".to_vec(), to: b"ho32".to_vec() },
                put(b"meta", b"2"),
                put(b"v2", b"y"),
            ],
            // Retention: a version entry and a history record deleted, one absent key.
            vec![
                Change::Delete { key: b"v1".to_vec() },
                Change::Delete { key: b"ho32".to_vec() },
                Change::Delete { key: b"zz".to_vec() },
            ],
            // An archive of a key that is not there does nothing.
            vec![Change::Archive { key: b"o9".to_vec(), to: b"ho93".to_vec() }],
        ];
        let (store, copy) = both(&first, &batches);
        assert_eq!(copy.as_deref(), Some(&store));
        assert!(store.iter().any(|(k, v)| k == b"ho12" && v == b"a"), "{store:?}");
    }

    #[test]
    fn a_commit_that_would_move_many_records_drops_the_copy_and_a_read_older_than_a_commit_is_not_kept() {
        let records: Vec<Change> = (0..MOVES_KEPT / 64 + 1).map(|i| put(&i.to_be_bytes(), b"x")).collect();
        let (_, copy) = both(&records, &[vec![put(b"o", b"y")]]);
        assert!(copy.is_some(), "a small commit keeps it");
        let many: Vec<Change> = (0..64u8).map(|i| put(&[b'o', i], b"x")).collect();
        let (_, copy) = both(&records, &[many]);
        assert_eq!(copy, None);

        let mut copy = Copy::default();
        let commits = copy.commits();
        copy.committed(&[put(b"o1", b"a")]);
        copy.keep(Rc::new(vec![(b"meta".to_vec(), b"1".to_vec())]), commits);
        assert_eq!(copy.get(), None, "read before the commit ended");
        copy.keep(Rc::new(vec![(b"o1".to_vec(), b"a".to_vec())]), copy.commits());
        assert!(copy.get().is_some());
    }
}
