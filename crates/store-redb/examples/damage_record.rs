//! Damages one record of a Moonkeep database on purpose, for test fixtures:
//! `cargo run -p moonkeep-store-redb --example damage_record -- DB MARKER` flips a bit
//! in the one record whose bytes contain MARKER (its CRC then no longer matches).

use moonkeep_engine::{Change, Store};
use moonkeep_store_redb::RedbStore;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, marker] = args.as_slice() else {
        return Err("usage: damage_record DB MARKER".into());
    };
    let mut store = RedbStore::open(db.as_ref()).map_err(|e| e.0)?;
    let found: Vec<_> = store
        .load()
        .map_err(|e| e.0)?
        .into_iter()
        .filter(|(_, v)| v.windows(marker.len()).any(|w| w == marker.as_bytes()))
        .collect();
    let [(key, value)] = found.as_slice() else {
        return Err(format!("{} records hold {marker:?}; name one", found.len()));
    };
    let mut damaged = value.clone();
    damaged[5] ^= 0x20;
    store.commit(&[Change::Put { key: key.clone(), value: damaged }]).map_err(|e| e.0)?;
    println!("damaged record {}", String::from_utf8_lossy(key));
    Ok(())
}
