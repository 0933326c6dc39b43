//! The proof panel: "Save & reload" fingerprints Memory, saves, reloads the page, and
//! after the restore fingerprints it again and shows both side by side, key by key,
//! with the save and restore times. Probe arguments are what every function in Memory
//! is called with on both sides (calls run once per side; what they change is kept).

use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::{KeyPrint, Vm};
use serde::{Deserialize, Serialize};

use crate::autosave::Autosave;
use crate::run::Runner;

/// The fingerprint taken before the reload, waiting for the page that comes back.
const PENDING_KEY: &str = "moonkeep.proof";
/// The probe arguments, a setting.
const PROBES_KEY: &str = "moonkeep.proof-probes";
const DEFAULT_PROBES: &str = "1, 2";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Print {
    key: String,
    type_name: String,
    digest: String,
    probe: Option<String>,
}

impl From<KeyPrint> for Print {
    fn from(p: KeyPrint) -> Print {
        Print { key: p.key, type_name: p.type_name, digest: p.digest, probe: p.probe }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Pending {
    probes: String,
    before: Vec<Print>,
    save_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct Proof {
    rows: Vec<Row>,
    save_ms: f64,
    restore_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    key: String,
    before: Option<Print>,
    after: Option<Print>,
}

impl Row {
    fn matches(&self) -> bool {
        self.before.is_some() && self.before == self.after
    }
}

fn compare(before: Vec<Print>, after: Vec<Print>) -> Vec<Row> {
    let mut rows: Vec<Row> =
        before.into_iter().map(|b| Row { key: b.key.clone(), before: Some(b), after: None }).collect();
    for a in after {
        match rows.iter_mut().find(|r| r.key == a.key) {
            Some(row) => row.after = Some(a),
            None => rows.push(Row { key: a.key.clone(), before: None, after: Some(a) }),
        }
    }
    rows
}

#[component]
pub fn ProofPanel(vm: StoredValue<Vm, LocalStorage>, autosave: Autosave, runner: Runner) -> impl IntoView {
    let probes = RwSignal::new(
        gloo_storage::LocalStorage::get::<String>(PROBES_KEY).unwrap_or_else(|_| DEFAULT_PROBES.to_owned()),
    );
    let proof = RwSignal::new(None::<Proof>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // The page that comes back: once Memory is restored, fingerprint it again.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !autosave.ready.get() {
            return done.unwrap_or(false);
        }
        if let Ok(pending) = SessionStorage::get::<Pending>(PENDING_KEY) {
            SessionStorage::delete(PENDING_KEY);
            match vm.with_value(|vm| vm.fingerprint(&pending.probes)) {
                Ok(after) => proof.set(Some(Proof {
                    rows: compare(pending.before, after.into_iter().map(Print::from).collect()),
                    save_ms: pending.save_ms,
                    restore_ms: autosave.restore_ms.get_untracked(),
                })),
                Err(e) => problem.set(Some(format!("after the reload: {}", e.message))),
            }
        }
        true
    });

    let save_and_reload = move |_| {
        if !runner.ready() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let probe_args = probes.get_untracked();
        let _ = gloo_storage::LocalStorage::set(PROBES_KEY, &probe_args);
        spawn_local(async move {
            // Save first: the store then holds Memory as it was before the probes ran.
            let outcome = match autosave.save_now(vm).await {
                Ok(save_ms) => vm
                    .with_value(|vm| vm.fingerprint(&probe_args))
                    .map_err(|e| format!("probe arguments: {}", e.message))
                    .map(|before| Pending {
                        probes: probe_args,
                        before: before.into_iter().map(Print::from).collect(),
                        save_ms,
                    }),
                Err(e) => Err(format!("could not save: {e}")),
            };
            match outcome.and_then(|p| SessionStorage::set(PENDING_KEY, p).map_err(|e| e.to_string())) {
                Ok(()) => {
                    autosave.hold();
                    let _ = web_sys::window().map(|w| w.location().reload());
                }
                Err(e) => {
                    problem.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <section class="proof-panel" data-testid="proof-panel" aria-label="Proof: Memory before and after a reload">
            <h2 class="pane-title">"Proof"</h2>
            <p class="hint">
                "Fingerprints Memory, saves, reloads the page and compares what comes back. "
                "Functions are called with the probe arguments on both sides."
            </p>
            <div class="proof-controls">
                <label>
                    "Probe arguments "
                    <input
                        type="text"
                        data-testid="probe-args"
                        spellcheck="false"
                        prop:value=move || probes.get()
                        on:input=move |ev| probes.set(event_target_value(&ev))
                    />
                </label>
                <button
                    type="button"
                    data-testid="save-and-reload"
                    on:click=save_and_reload
                    prop:disabled=move || !runner.ready() || busy.get()
                >
                    "Save & reload"
                </button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            {move || proof.get().map(|p| view! { <ProofResult proof=p /> })}
        </section>
    }
}

#[component]
fn ProofResult(proof: Proof) -> impl IntoView {
    let total = proof.rows.len();
    let differing = proof.rows.iter().filter(|r| !r.matches()).count();
    let summary = match (total, differing) {
        (0, _) => "Memory was empty before and after the reload".to_owned(),
        (n, 0) => format!("All {n} keys match after the reload"),
        (n, d) => format!("{d} of {n} keys differ after the reload"),
    };
    let times = format!(
        "saved in {:.1} ms · restored in {}",
        proof.save_ms,
        proof.restore_ms.map_or("?".to_owned(), |ms| format!("{ms:.1} ms"))
    );
    let rows = proof
        .rows
        .into_iter()
        .map(|row| {
            let ok = row.matches();
            view! {
                <tr class:mismatch=!ok data-key=row.key.clone()>
                    <th scope="row">{row.key.clone()}</th>
                    <td>{cell(&row.before)}</td>
                    <td>{cell(&row.after)}</td>
                    <td class="verdict">{if ok { "✓ match" } else { "✗ mismatch" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="proof-result" data-testid="proof-result" data-match=(differing == 0).to_string()>
            <p class="proof-summary" class:mismatch=differing != 0>{summary}</p>
            <p class="hint">{times}</p>
            <table>
                <thead>
                    <tr><th scope="col">"Key"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">""</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn cell(print: &Option<Print>) -> String {
    match print {
        None => "(missing)".to_owned(),
        Some(p) => match &p.probe {
            Some(probe) => format!("{} {} → {probe}", p.type_name, p.digest),
            None => format!("{} {}", p.type_name, p.digest),
        },
    }
}
