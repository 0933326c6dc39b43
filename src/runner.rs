//! Runs Lua without freezing the page. A run computes in slices of [`SLICE`]; between
//! slices the browser gets its event loop back (drawing, input, a Stop click), the
//! output so far is shown, and `Memory` is saved at least once a second.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use gloo_storage::Storage;
use leptos::prelude::*;
use moonkeep_engine::{Evaluation, Step, Vm};
use wasm_bindgen::prelude::*;

use crate::autosave::Autosave;

/// Computing time per slice: short enough that a click is answered within a tenth of
/// a second, long enough that pauses cost little.
const SLICE: Duration = Duration::from_millis(40);

/// A run saves `Memory` at least this often.
const SAVE_EVERY: f64 = 1000.0;

/// Budget for one run unless the user chose another.
pub const DEFAULT_BUDGET_SECONDS: u32 = 30;

/// Where the chosen budget is kept between visits.
const BUDGET_KEY: &str = "moonkeep.time-budget";

/// The session's run state, shared by the toolbar, the editor and the console.
#[derive(Clone, Copy)]
pub struct Runner {
    /// A run is under way.
    pub running: RwSignal<bool>,
    /// Output of the run under way, up to its last pause.
    pub live_output: RwSignal<String>,
    /// The last finished run, and how many have finished.
    pub last: RwSignal<Option<Evaluation>>,
    pub runs: RwSignal<u64>,
    /// Seconds a run may compute before it is stopped; 0 = no limit.
    pub budget_seconds: RwSignal<u32>,
    stop: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    vm: StoredValue<Vm, LocalStorage>,
    autosave: Autosave,
}

impl Runner {
    pub fn new(vm: StoredValue<Vm, LocalStorage>, autosave: Autosave) -> Runner {
        let budget = gloo_storage::LocalStorage::get::<u32>(BUDGET_KEY).unwrap_or(DEFAULT_BUDGET_SECONDS);
        let runner = Runner {
            running: RwSignal::new(false),
            live_output: RwSignal::new(String::new()),
            last: RwSignal::new(None),
            runs: RwSignal::new(0),
            budget_seconds: RwSignal::new(budget),
            stop: StoredValue::new_local(Rc::new(Cell::new(false))),
            vm,
            autosave,
        };
        Effect::new(move |_| {
            let seconds = runner.budget_seconds.get();
            let _ = gloo_storage::LocalStorage::set(BUDGET_KEY, seconds);
            vm.with_value(|vm| vm.set_time_budget((seconds > 0).then(|| Duration::from_secs(seconds.into()))));
        });
        runner
    }

    /// Whether Run may be pressed: Memory restored and no run under way.
    pub fn can_run(self) -> bool {
        self.autosave.ready.get() && !self.running.get()
    }

    /// Runs `source` as chunk `chunk` (errors say "chunk:line:"), in the background.
    pub fn run(self, source: String, chunk: &'static str) {
        if !self.autosave.ready.get_untracked() || self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        self.live_output.set(String::new());
        self.stop.with_value(|s| s.set(false));
        leptos::task::spawn_local(async move {
            let evaluation = self.drive(&source, chunk).await;
            crate::mark("moonkeep:run-finished");
            self.live_output.set(String::new());
            self.last.set(Some(evaluation));
            self.runs.update(|n| *n += 1);
            self.running.set(false);
            self.autosave.save(self.vm);
        });
    }

    /// Asks the run under way to stop; it ends with an "interrupted" error at the line
    /// it reached, keeping what it did to globals and `Memory` until then.
    pub fn stop(self) {
        if self.running.get_untracked() {
            self.stop.with_value(|s| s.set(true));
        }
    }

    async fn drive(self, source: &str, chunk: &str) -> Evaluation {
        let mut run = self.vm.with_value(|vm| vm.start(source, chunk));
        let mut last_save = now();
        loop {
            let stop = self.stop.with_value(|s| s.get());
            let step = self.vm.with_value(|vm| {
                if stop {
                    vm.interrupt_flag().store(true, Ordering::Relaxed);
                }
                vm.resume(&mut run, Some(SLICE))
            });
            match step {
                Step::Finished(evaluation) => return evaluation,
                Step::Paused => {
                    self.live_output.set(run.output().to_owned());
                    if now() - last_save >= SAVE_EVERY {
                        self.autosave.save(self.vm);
                        last_save = now();
                    }
                    next_task().await;
                }
            }
        }
    }
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Resolves in a new task of the event loop, after input and drawing had their turn.
/// A message to a MessageChannel port is a task without setTimeout's 4 ms clamp.
async fn next_task() {
    thread_local! {
        static CHANNEL: web_sys::MessageChannel = web_sys::MessageChannel::new().expect("MessageChannel");
    }
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let on_message = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        CHANNEL.with(|channel| {
            channel.port1().set_onmessage(Some(on_message.unchecked_ref()));
            let _ = channel.port2().post_message(&JsValue::UNDEFINED);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
