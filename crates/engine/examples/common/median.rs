//! Timing shared by the benchmark examples (each includes this file as a module).

use std::time::Instant;

/// Median milliseconds of `reps` calls of `f`, and what the last call returned.
pub fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.expect("reps >= 1"))
}
