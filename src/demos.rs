//! The examples in demo/, embedded at build time (build.rs). A demo's first line names
//! it: `-- Title: A counter that survives reloads`.

include!(concat!(env!("OUT_DIR"), "/demos.rs"));

/// One example script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    /// The file name in demo/.
    pub file: &'static str,
    pub title: &'static str,
    pub source: &'static str,
}

/// Every demo, in file-name order.
pub fn all() -> Vec<Demo> {
    DEMO_FILES.iter().map(|&(file, source)| Demo { file, title: title(file, source), source }).collect()
}

/// The demo a first visit opens.
pub fn welcome() -> Demo {
    all().into_iter().find(|d| d.file == "welcome.lua").expect("demo/welcome.lua is embedded")
}

/// The `-- Title:` header, or the file name without `.lua` when there is none.
fn title(file: &'static str, source: &'static str) -> &'static str {
    source
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("--"))
        .map(str::trim_start)
        .and_then(|line| line.strip_prefix("Title:"))
        .map(str::trim)
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| file.strip_suffix(".lua").unwrap_or(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_comes_from_the_first_line() {
        assert_eq!(title("a.lua", "-- Title: A counter\nprint(1)"), "A counter");
        assert_eq!(title("a.lua", "--Title:   Spaced  \n"), "Spaced");
    }

    #[test]
    fn without_a_title_the_file_name_stands_in() {
        assert_eq!(title("loops.lua", "print(1)\n-- Title: too late"), "loops");
        assert_eq!(title("empty.lua", ""), "empty");
        assert_eq!(title("blank.lua", "-- Title:   \n"), "blank");
    }

    #[test]
    fn every_demo_file_is_embedded_with_a_title() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/demo"))
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().into_string().ok())
            .filter(|name| name.ends_with(".lua"))
            .count();
        let demos = all();
        assert_eq!(demos.len(), on_disk);
        for demo in &demos {
            assert!(demo.source.starts_with("-- Title: "), "{} has no `-- Title:` header", demo.file);
        }
        for file in ["welcome.lua", "counter.lua", "greet.lua"] {
            assert!(demos.iter().any(|d| d.file == file), "{file} is embedded");
        }
        assert_eq!(welcome().file, "welcome.lua");
    }

    use moonkeep_engine::{MemoryStore, Store, Vm};

    fn restored(store: &MemoryStore) -> Vm {
        let vm = Vm::new().unwrap();
        vm.restore(store.load().unwrap(), [1; 32]).unwrap();
        vm
    }

    /// Runs `source` as the editor does and returns what it printed; fails on an error.
    fn run(vm: &Vm, source: &str) -> String {
        let run = vm.eval(source, "main.lua");
        if let Err(e) = &run.result {
            panic!("{}\n{}", e.message, run.output);
        }
        run.output
    }

    fn save(vm: &Vm, store: &mut MemoryStore) {
        let point = vm.save_point();
        assert!(point.problems.is_empty(), "{:?}", point.problems);
        store.commit(&point.changes).unwrap();
        vm.committed(&point);
    }

    fn demo(file: &str) -> &'static str {
        all().into_iter().find(|d| d.file == file).unwrap().source
    }

    #[test]
    fn every_demo_runs_without_error() {
        for demo in all() {
            let vm = restored(&MemoryStore::new());
            run(&vm, demo.source);
        }
    }

    #[test]
    fn the_counter_keeps_counting_after_a_reload() {
        let mut store = MemoryStore::new();
        let vm = restored(&store);
        assert_eq!(run(&vm, demo("counter.lua")), "This counter has been run 1 time(s).\n");
        assert_eq!(run(&vm, demo("counter.lua")), "This counter has been run 2 time(s).\n");
        save(&vm, &mut store);
        drop(vm);
        let vm = restored(&store);
        assert_eq!(run(&vm, demo("counter.lua")), "This counter has been run 3 time(s).\n");
    }

    #[test]
    fn the_greeting_is_the_same_after_a_reload() {
        let mut store = MemoryStore::new();
        let vm = restored(&store);
        let first = run(&vm, demo("greet.lua"));
        assert!(first.starts_with("Hello, world! I am greeter "), "{first}");
        save(&vm, &mut store);
        drop(vm);
        let vm = restored(&store);
        assert_eq!(run(&vm, demo("greet.lua")), first);
        // Fresh Memories make other greeters (other ids): the test above does not pass
        // by accident. The VMs stay alive so that their random seeds differ.
        let others: Vec<Vm> = (0..3).map(|_| restored(&MemoryStore::new())).collect();
        assert!(others.iter().any(|vm| run(vm, demo("greet.lua")) != first), "ids differ between Memories");
    }
}
