//! A writer process killed (SIGKILL) mid-commit leaves one whole batch, never a mix.
//!
//! The test binary plays both parts: run normally it is the parent; re-run by the parent
//! with `WRITER_ENV` set, the same test becomes the writer child.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use moonkeep_engine::{Change, Store};
use moonkeep_store_redb::RedbStore;

const WRITER_ENV: &str = "MOONKEEP_CRASH_WRITER_DB";
const KEYS: usize = 200;
const FILLER: usize = 4096;

/// The value of key `k{i}` in batch `generation`: the generation, then filler that
/// depends on both, so a torn or stale value shows.
fn value(generation: u64, i: usize) -> Vec<u8> {
    let mut value = generation.to_le_bytes().to_vec();
    value.extend((0..FILLER).map(|j| (generation as usize * 31 + i * 7 + j) as u8));
    value
}

/// Commits batch after batch forever, reporting each on stdout once it is durable.
fn run_writer(path: &Path) -> ! {
    let mut store = RedbStore::open(path).unwrap();
    let mut generation = generation_of(&store.load().unwrap());
    let mut stdout = std::io::stdout();
    loop {
        generation += 1;
        let mut changes: Vec<Change> =
            (0..KEYS).map(|i| Change::Put { key: format!("k{i}").into_bytes(), value: value(generation, i) }).collect();
        changes.push(Change::Put { key: b"generation".to_vec(), value: generation.to_le_bytes().to_vec() });
        store.commit(&changes).unwrap();
        writeln!(stdout, "committed {generation}").unwrap();
        stdout.flush().unwrap();
    }
}

fn generation_of(records: &[(Vec<u8>, Vec<u8>)]) -> u64 {
    records
        .iter()
        .find(|(k, _)| k == b"generation")
        .map_or(0, |(_, v)| u64::from_le_bytes(v.as_slice().try_into().unwrap()))
}

#[test]
fn a_killed_writer_leaves_one_whole_batch() {
    if let Some(path) = std::env::var_os(WRITER_ENV) {
        run_writer(Path::new(&path));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.redb");
    let mut reported = 0;

    for round in 0..5 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["a_killed_writer_leaves_one_whole_batch", "--exact"])
            .args(["--nocapture", "--test-threads=1", "--quiet"])
            .env(WRITER_ENV, &path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut committed_now = |line: std::io::Result<String>| {
            let line = line.unwrap();
            if let Some(g) = line.strip_prefix("committed ") {
                reported = reported.max(g.parse::<u64>().unwrap());
                return true;
            }
            false
        };
        // Wait for a few batches, timing them, then kill at a different point of the
        // next batch each round (from early to late in it).
        let mut batches = 0;
        let mut first = None;
        while batches < 4 {
            let line = lines.next().expect("the writer stopped before committing");
            if committed_now(line) {
                batches += 1;
                first.get_or_insert_with(Instant::now);
            }
        }
        let batch_time = first.unwrap().elapsed() / 3;
        std::thread::sleep(batch_time.mul_f64((round as f64 + 0.5) / 5.0));
        child.kill().unwrap();
        child.wait().unwrap();
        // Batches reported between the last line read and the kill count too.
        lines.for_each(|line| {
            committed_now(line);
        });

        let records = RedbStore::open(&path).unwrap().load().unwrap();
        let generation = generation_of(&records);
        assert!(
            generation >= reported,
            "round {round}: generation {generation} is older than {reported}, reported durable"
        );
        assert_eq!(records.len(), KEYS + 1, "round {round}");
        for (key, stored) in &records {
            let Some(i) = key.strip_prefix(b"k") else {
                continue;
            };
            let i: usize = std::str::from_utf8(i).unwrap().parse().unwrap();
            let g = u64::from_le_bytes(stored[..8].try_into().unwrap());
            assert_eq!(g, generation, "round {round}: k{i} is from another batch");
            assert!(*stored == value(generation, i), "round {round}: k{i} is torn");
        }
    }
}
