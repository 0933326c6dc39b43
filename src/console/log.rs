//! What the console lists: the run under way or the last one, and the runs before it,
//! bounded so the page stays light.

use moonkeep_engine::Evaluation;

/// Finished runs the console keeps above the latest one.
const EARLIER_RUNS: usize = 200;
/// Output an earlier run keeps: the latest run's is whole (up to the engine's 1 MiB
/// cap), earlier ones are cut.
const EARLIER_OUTPUT: usize = 64 * 1024;

/// One run as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// What ran: "main.lua" for the editor, "> input" for the console prompt.
    pub label: String,
    /// None while the run is under way.
    pub evaluation: Option<Evaluation>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Log {
    earlier: Vec<Entry>,
    latest: Option<Entry>,
}

impl Log {
    /// Earlier runs, oldest first (each with its evaluation).
    pub fn earlier(&self) -> &[Entry] {
        &self.earlier
    }

    /// The run under way, or the last one.
    pub fn latest(&self) -> Option<&Entry> {
        self.latest.as_ref()
    }

    /// A run labelled `label` starts: the latest finished run moves up.
    pub fn begin(&mut self, label: String) {
        if let Some(Entry { label, evaluation: Some(evaluation) }) = self.latest.take() {
            self.earlier.push(Entry { label, evaluation: Some(shortened(evaluation)) });
            let excess = self.earlier.len().saturating_sub(EARLIER_RUNS);
            self.earlier.drain(..excess);
        }
        self.latest = Some(Entry { label, evaluation: None });
    }

    /// The run under way ended with `evaluation`.
    pub fn finish(&mut self, evaluation: Evaluation) {
        if let Some(latest) = &mut self.latest {
            latest.evaluation = Some(evaluation);
        }
    }

    /// Empties the console; a run under way stays, to show its result when it ends.
    pub fn clear(&mut self) {
        self.earlier.clear();
        if self.latest.as_ref().is_some_and(|e| e.evaluation.is_some()) {
            self.latest = None;
        }
    }
}

fn shortened(mut evaluation: Evaluation) -> Evaluation {
    if evaluation.output.len() > EARLIER_OUTPUT {
        let mut end = EARLIER_OUTPUT;
        while !evaluation.output.is_char_boundary(end) {
            end -= 1;
        }
        let cut = evaluation.output.len() - end;
        evaluation.output.truncate(end);
        evaluation.output.push_str(&format!("\n[{cut} more bytes not kept in the console history]\n"));
    }
    evaluation
}

#[cfg(test)]
mod tests {
    use moonkeep_engine::Vm;

    use super::*;

    fn evaluation(source: &str) -> Evaluation {
        Vm::new().unwrap().eval(source, "main.lua")
    }

    fn labels(log: &Log) -> Vec<&str> {
        log.earlier().iter().map(|e| e.label.as_str()).collect()
    }

    #[test]
    fn a_finished_run_moves_up_when_the_next_begins() {
        let mut log = Log::default();
        log.begin("main.lua".into());
        assert_eq!(log.latest(), Some(&Entry { label: "main.lua".into(), evaluation: None }));
        log.finish(evaluation("return 1"));
        log.begin("> 2".into());
        assert_eq!(labels(&log), ["main.lua"]);
        assert_eq!(log.earlier()[0].evaluation.as_ref().unwrap().transcript(), "=> 1\n");
        assert_eq!(log.latest().unwrap().label, "> 2");
    }

    #[test]
    fn earlier_runs_are_bounded_in_number_and_output() {
        let mut log = Log::default();
        let big = evaluation("io.write(string.rep('é', 40000))");
        for i in 0..EARLIER_RUNS + 5 {
            log.begin(format!("run {i}"));
            log.finish(big.clone());
        }
        log.begin("last".into());
        assert_eq!(log.earlier().len(), EARLIER_RUNS);
        assert_eq!(log.earlier()[0].label, "run 5", "the oldest go first");
        let kept = &log.earlier()[0].evaluation.as_ref().unwrap().output;
        assert!(kept.len() < EARLIER_OUTPUT + 100, "{}", kept.len());
        assert!(kept.ends_with(&format!("[{} more bytes not kept in the console history]\n", 80000 - EARLIER_OUTPUT)));
    }

    #[test]
    fn clearing_keeps_a_run_under_way() {
        let mut log = Log::default();
        log.begin("a".into());
        log.finish(evaluation("return 1"));
        log.begin("b".into());
        log.clear();
        assert_eq!(labels(&log), Vec::<&str>::new());
        assert_eq!(log.latest().map(|e| e.label.as_str()), Some("b"));
        log.finish(evaluation("return 2"));
        log.clear();
        assert_eq!(log.latest(), None);
    }
}
