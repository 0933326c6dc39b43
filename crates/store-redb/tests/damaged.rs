//! A damaged database file loses only what is damaged: the rest is read back, the file
//! is kept aside untouched, and the open says what happened.
//!
//! `MOONKEEP_FLIPS=1000 cargo test --release -p moonkeep-store-redb --test damaged --
//! --nocapture` measures the recovery rate over more single bit flips than the suite's 100.

use std::collections::BTreeMap;
use std::path::Path;

use moonkeep_engine::{Change, Store, Vm};
use moonkeep_store_redb::RedbStore;

/// Opening a damaged file starts copies of this program to read it (salvage.rs): it
/// has its own main, which serves those reads.
fn main() {
    moonkeep_store_redb::serve_salvage_read();
    let tests: [(&str, fn()); 4] = [
        ("a_damaged_commit_slot_never_passes_for_the_last_save", a_damaged_commit_slot_never_passes_for_the_last_save),
        ("a_damaged_page_costs_only_the_damaged_record", a_damaged_page_costs_only_the_damaged_record),
        (
            "a_scribbled_file_gives_an_error_or_its_records_never_a_panic",
            a_scribbled_file_gives_an_error_or_its_records_never_a_panic,
        ),
        ("single_bit_flips_lose_at_most_the_damaged_record", single_bit_flips_lose_at_most_the_damaged_record),
    ];
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut passed = 0;
    for (name, test) in tests {
        if filter.as_deref().is_none_or(|f| name.contains(f)) {
            test();
            println!("test {name} ... ok");
            passed += 1;
        }
    }
    // The line scripts/test.sh counts (a failing test panics before it).
    println!("test result: ok. {passed} passed; 0 failed");
}

type Records = BTreeMap<Vec<u8>, Vec<u8>>;

/// A realistic Memory (tables, strings, closures sharing upvalues), saved over several
/// save points so the file also holds free pages of earlier commits.
fn realistic_database(path: &Path) -> Records {
    let mut store = RedbStore::open(path).unwrap();
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), [7; 32]).unwrap();
    let steps = [
        "Memory.users = {} for i = 1, 300 do Memory.users[i] = { name = 'user' .. i, score = i * 3.5, tags = { 'a', 'b' } } end",
        "local n = 0 Memory.count = function() n = n + 1 return n end Memory.peek = function() return n end",
        "Memory.log = {} for i = 1, 200 do Memory.log[i] = string.rep(string.char(65 + i % 26), 40 + i) end",
        "for i = 1, 300, 7 do Memory.users[i].score = -i end Memory.count()",
        "Memory.cfg = { theme = 'dark', sizes = { 1, 2, 3 } } Memory.log[5] = nil",
    ];
    for step in steps {
        vm.eval(step, "setup").result.unwrap();
        let point = vm.save_point();
        store.commit(&point.changes).unwrap();
        vm.committed(&point);
    }
    store.load().unwrap().into_iter().collect()
}

fn load(store: &RedbStore) -> Records {
    store.load().unwrap().into_iter().collect()
}

/// Offset of a byte inside the stored value of `key`, found by its bytes in the file.
fn offset_in_value(file: &[u8], records: &Records, key: &[u8]) -> usize {
    let value = &records[key];
    let probe = &value[value.len() / 2..value.len() / 2 + 16];
    file.windows(probe.len()).position(|w| w == probe).expect("the value is in the file") + 4
}

fn a_damaged_page_costs_only_the_damaged_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.redb");
    let original = realistic_database(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    // An object record (a table of the setup), not a version entry or history record.
    let victim =
        original.iter().filter(|(k, v)| k[0] == b'o' && v.len() >= 32).map(|(k, _)| k).nth_back(3).unwrap().clone();
    let at = offset_in_value(&bytes, &original, &victim);
    bytes[at] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();

    // A reader reads what it can and leaves the file as it is.
    let reader = RedbStore::open_read_only(&path).unwrap();
    assert_eq!(load(&reader).len(), original.len());
    drop(reader);
    assert!(std::fs::read(&path).unwrap() == bytes, "a reader changed the damaged file");

    let store = RedbStore::open(&path).unwrap();
    let recovery = store.recovery().expect("the open says the file was damaged").clone();
    let text = recovery.to_string();
    assert!(text.contains(&path.display().to_string()) && text.contains("was damaged"), "{text}");
    let kept = recovery.kept_as.clone().expect("the damaged file is kept");
    assert!(kept.file_name().unwrap().to_string_lossy().starts_with("memory.redb.damaged-"), "{kept:?}");
    assert!(text.contains(&kept.display().to_string()), "{text}");
    assert!(std::fs::read(&kept).unwrap() == bytes, "the kept file is not the damaged file as it was");

    let now = load(&store);
    assert_eq!(now.len(), original.len(), "{text}");
    for (key, value) in &original {
        if *key != victim {
            assert!(now[key] == *value, "record {key:?} changed");
        }
    }
    assert!(now[&victim] != original[&victim], "the damaged record is kept as it was read");
    drop(store);
    // The rebuilt file opens cleanly from then on.
    let again = RedbStore::open(&path).unwrap();
    assert!(again.recovery().is_none());
    assert!(load(&again) == now);
}

/// Whether a record's CRC (docs/FORMAT.md R5) no longer matches: the engine refuses it.
fn fails_its_crc(record: &[u8]) -> bool {
    record.len() < 4 || crc32fast::hash(&record[..record.len() - 4]).to_le_bytes() != record[record.len() - 4..]
}

/// Single bit flips of a realistic file: the open never panics, and gives either a clear
/// error or the records, of which every one that differs from the original is refused
/// by its CRC (so the engine names it), and every one lost is reported.
fn single_bit_flips_lose_at_most_the_damaged_record() {
    let flips: usize = std::env::var("MOONKEEP_FLIPS").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.redb");
    let original = realistic_database(&path);
    let bytes = std::fs::read(&path).unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let (mut harmless, mut whole, mut partial, mut previous, mut refused, mut lost_records) = (0, 0, 0, 0, 0, 0);
    for _ in 0..flips {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let bit = (seed % (bytes.len() as u64 * 8)) as usize;
        let case = dir.path().join(format!("flip-{bit}.redb"));
        let mut damaged = bytes.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(&case, &damaged).unwrap();
        match RedbStore::open(&case) {
            Err(err) => {
                assert!(err.0.contains(&case.display().to_string()), "bit {bit}: {err}");
                refused += 1;
                lost_records += original.len();
            }
            Ok(store) => {
                let now = load(&store);
                if store.recovery().is_some_and(|r| r.previous_commit) {
                    // The last commit's root is lost: the save before it, as reported.
                    previous += 1;
                    continue;
                }
                let altered: Vec<_> =
                    now.iter().filter(|(k, v)| original.get(*k).is_some_and(|o| o != *v)).map(|(k, _)| k).collect();
                for key in &altered {
                    assert!(fails_its_crc(&now[*key]), "bit {bit}: record {key:?} changed and passes its CRC");
                }
                let missing = original.keys().filter(|k| !now.contains_key(*k)).count();
                let lost = altered.len() + missing;
                match store.recovery() {
                    None => {
                        assert!(now == original, "bit {bit}: records changed and the open said nothing");
                        harmless += 1;
                    }
                    Some(_) if lost <= 1 => whole += 1,
                    Some(_) => partial += 1,
                }
                lost_records += lost;
            }
        }
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let p = entry.unwrap().path();
            if p != path {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
    println!(
        "{flips} single bit flips of a {} KB file of {} records: {harmless} harmless (the integrity check \
         passed), {whole} rebuilt with all records but the damaged one, {partial} rebuilt with more lost, \
         {previous} rebuilt from the save before the last, {refused} refused; {:.1}% of flips lose at most the damaged record; {:.2}% of records lost in all",
        bytes.len() / 1024,
        original.len(),
        100.0 * (harmless + whole) as f64 / flips as f64,
        100.0 * lost_records as f64 / (flips * original.len()) as f64
    );
    assert!(harmless + whole >= flips * 9 / 10, "at most the damaged record lost after too few flips");
}

fn a_scribbled_file_gives_an_error_or_its_records_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.redb");
    {
        let mut store = RedbStore::open(&path).unwrap();
        let changes: Vec<Change> =
            (0..50u32).map(|i| Change::Put { key: i.to_be_bytes().to_vec(), value: vec![i as u8; 3000] }).collect();
        store.commit(&changes).unwrap();
    }
    // Scribble over everything after the header.
    let mut bytes = std::fs::read(&path).unwrap();
    for (i, b) in bytes.iter_mut().enumerate().skip(4096) {
        *b = (i * 13 + 5) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    match RedbStore::open(&path) {
        Err(err) => assert!(err.0.contains(&path.display().to_string()), "{err}"),
        Ok(store) => {
            let _ = store.load();
        }
    }
}

/// redb keeps two commit slots in its header; damage to the current one must not make
/// the save before it pass, unannounced, for the last save.
fn a_damaged_commit_slot_never_passes_for_the_last_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slots.redb");
    let put = |v: &[u8]| Change::Put { key: b"k".to_vec(), value: v.to_vec() };
    {
        let mut store = RedbStore::open(&path).unwrap();
        store.commit(&[put(b"older")]).unwrap();
        store.commit(&[put(b"last")]).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    // The header byte after the 9-byte magic says which slot (at 64 or 192) is current.
    let slot = if bytes[9] & 1 == 0 { 64 } else { 192 };
    for at in slot..slot + 128 {
        for bit in [0, 3, 7] {
            let case = dir.path().join(format!("slot-{at}-{bit}.redb"));
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << bit;
            std::fs::write(&case, &damaged).unwrap();
            let Ok(store) = RedbStore::open(&case) else { continue };
            let value = store.load().unwrap().into_iter().find(|(k, _)| k == b"k").map(|(_, v)| v);
            let previous = store.recovery().is_some_and(|r| r.previous_commit);
            assert!(
                value.as_deref() == Some(b"last".as_slice()) || previous,
                "byte {at} bit {bit}: {:?} came back as the last save",
                value.map(|v| String::from_utf8_lossy(&v).into_owned())
            );
        }
    }
}
