//! The proof panel: "Save & reload" fingerprints Memory, saves, reloads the page, and
//! after the restore fingerprints it again and shows both side by side, key by key,
//! with the save and restore times (the comparison is src/proof.rs). Probe arguments
//! are what every function in Memory is called with on both sides (calls run once per
//! side; what they change is kept).

use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::Vm;

use crate::app::{services, Services};
use crate::persistence::Persistence;
use crate::proof::{cell, Pending, Print, Proof};
use crate::settings::{self, Browser, KeyValues};

#[component]
pub fn ProofPanel() -> impl IntoView {
    let Services { vm, persistence, runner, preferences, .. } = services();
    let proof = RwSignal::new(None::<Proof>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // The page that comes back: once Memory is restored, fingerprint it again.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !persistence.restored() {
            return done.unwrap_or(false);
        }
        match after_reload(vm, persistence) {
            Some(Ok(p)) => proof.set(Some(p)),
            Some(Err(e)) => problem.set(Some(e)),
            None => {}
        }
        true
    });

    let save_and_reload = move |_| {
        if !runner.ready() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let probes = preferences.probes();
        spawn_local(async move {
            match before_reload(vm, persistence, probes).await {
                Ok(()) => {
                    persistence.hold();
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
                        prop:value=move || preferences.probes()
                        on:input=move |ev| preferences.set_probes(event_target_value(&ev))
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

/// Saves, fingerprints Memory with `probes` and parks the fingerprint for the page
/// that comes back. Saving comes first: the store then holds Memory as it was before
/// the probes ran.
async fn before_reload(
    vm: StoredValue<Vm, LocalStorage>,
    persistence: Persistence,
    probes: String,
) -> Result<(), String> {
    let save_ms = persistence.save_now().await.map_err(|e| format!("could not save: {e}"))?;
    let before = vm.with_value(|vm| vm.fingerprint(&probes)).map_err(|e| format!("probe arguments: {}", e.message))?;
    let pending = Pending { probes, before: before.into_iter().map(Print::from).collect(), save_ms };
    settings::write(&Browser::session(), settings::PROOF_PENDING, &pending)
}

/// After the proof's reload (a fingerprint is parked): the restored Memory against it.
fn after_reload(vm: StoredValue<Vm, LocalStorage>, persistence: Persistence) -> Option<Result<Proof, String>> {
    let session = Browser::session();
    let pending = settings::read::<Pending>(&session, settings::PROOF_PENDING)?;
    session.remove(settings::PROOF_PENDING);
    let after = vm.with_value(|vm| vm.fingerprint(&pending.probes));
    Some(match after {
        Ok(after) => Ok(Proof::new(pending, after.into_iter().map(Print::from).collect(), persistence.restore_ms())),
        Err(e) => Err(format!("after the reload: {}", e.message)),
    })
}

#[component]
fn ProofResult(proof: Proof) -> impl IntoView {
    let all_match = proof.all_match();
    let (summary, times) = (proof.summary(), proof.times());
    let rows = proof
        .rows
        .into_iter()
        .map(|row| {
            let ok = row.matches();
            let digest = |p: &Option<Print>| p.as_ref().map(|p| p.digest.clone());
            view! {
                <tr class:mismatch=!ok data-key=row.key.clone()>
                    <th scope="row" title=row.key.clone()>{row.key.clone()}</th>
                    <td title=digest(&row.before)>{cell(&row.before)}</td>
                    <td title=digest(&row.after)>{cell(&row.after)}</td>
                    <td class="verdict">{if ok { "✓ match" } else { "✗ mismatch" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="proof-result" data-testid="proof-result" data-match=all_match.to_string()>
            <p class="proof-summary" class:mismatch=!all_match>{summary}</p>
            <p class="hint">{times}</p>
            <div class="proof-table">
                <table>
                    <thead>
                        <tr><th scope="col">"Key"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">""</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}
