//! Tabs that follow each other. The tab that owns the store (tab_lock.rs) announces
//! every commit on a BroadcastChannel; every other tab follows: it catches up with the
//! store when told of a newer version (after the run under way, never in the middle),
//! and when it becomes visible again, in case it missed a message. A Run in a follower
//! takes the store over first: it steals the lock, waits until the old owner's save in
//! flight has landed (the old owner says so), catches up, and only then runs.

use js_sys::{Function, Promise};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

use moonkeep_engine::Cause;

use super::{tab_lock, Persistence, SaveState};

/// Named after the store (IndexedDB database `moonkeep`) and its lock.
const CHANNEL: &str = "moonkeep-memory";

/// How long a new owner waits at most for the old one to say it stopped saving (a
/// frozen or dying tab may never answer). A live tab answers as soon as its save in
/// flight landed, which can take a while for a large Memory.
const RELEASE_WAIT_MS: i32 = 3000;

/// What one tab tells the others about the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The owner committed this version: it is the store's current one.
    Committed(u64),
    /// The tab that owned the store stopped saving (its lock was taken) and every save
    /// it had started has landed; the store stands at this version.
    Released(u64),
}

impl Notice {
    /// The message posted: a number (cheaper for the page than text), the version for
    /// `Committed`, -1 - the version for `Released`.
    fn value(self) -> f64 {
        match self {
            Notice::Committed(v) => v as f64,
            Notice::Released(v) => -1.0 - v as f64,
        }
    }

    /// A notice from its message; None for anything else (another page's message).
    fn of(value: f64) -> Option<Notice> {
        if value.fract() != 0.0 || !value.is_finite() {
            return None;
        }
        Some(if value >= 0.0 { Notice::Committed(value as u64) } else { Notice::Released((-1.0 - value) as u64) })
    }

    /// The newest version heard of, once this notice is heard: stale and repeated
    /// notices change nothing.
    fn heard(self, newest: u64) -> u64 {
        match self {
            Notice::Committed(v) | Notice::Released(v) => newest.max(v),
        }
    }
}

/// Where a tab stands among the others.
#[derive(Default)]
pub(super) struct Tabs {
    /// This tab holds the store's lock (or the browser has no locks): it saves, and
    /// the other tabs follow it.
    pub(super) owns: bool,
    /// Commits started and not yet landed (a tab that loses the lock waits for them).
    pub(super) in_flight: u32,
    /// A save asked for while a commit was in flight, made once the last one lands: a
    /// save point taken before would stand on a version not yet committed, and the
    /// store would refuse it as another tab's.
    pub(super) owed: Option<Cause>,
    /// The newest version other tabs announced.
    heard: u64,
    /// Resolves the wait of a tab taking the store over once the old owner released it.
    released: Option<Function>,
    /// Whether a run is under way (set by `follow`).
    running: Option<Signal<bool>>,
}

thread_local! {
    static CHANNEL_PORT: Option<BroadcastChannel> = BroadcastChannel::new(CHANNEL).ok();
}

/// Tells the other tabs.
pub(super) fn announce(notice: Notice) {
    CHANNEL_PORT.with(|c| c.as_ref().map(|c| c.post_message(&JsValue::from_f64(notice.value()))));
    crate::mark("moonkeep:announced");
}

impl Persistence {
    /// Starts following the other tabs: `running` says when a run is under way (a
    /// follower catches up only between runs: the save at a run's end calls
    /// `follow_up`).
    pub fn follow(self, running: Signal<bool>) {
        self.tabs.update_value(|t| t.running = Some(running));
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(notice) = event.data().as_f64().and_then(Notice::of) else { return };
            self.tabs.update_value(|t| t.heard = notice.heard(t.heard));
            if let Notice::Released(_) = notice {
                if let Some(resolve) = self.tabs.try_update_value(|t| t.released.take()).flatten() {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            }
            spawn_local(self.follow_up(false));
        });
        CHANNEL_PORT.with(|c| c.as_ref().map(|c| c.set_onmessage(Some(on_message.as_ref().unchecked_ref()))));
        on_message.forget(); // listens as long as the page lives
    }

    /// The page is shown again: a follower may have missed a message meanwhile.
    pub fn shown(self) {
        if !self.owns() {
            spawn_local(self.follow_up(true));
        }
    }

    /// Catches up while this tab follows, is behind what it heard of (or, if
    /// `ask_store`, of the store's current version), and no run or restore is under way.
    pub(super) async fn follow_up(self, ask_store: bool) {
        if ask_store {
            let Some(current) = self.stored_version().await else { return };
            self.tabs.update_value(|t| t.heard = t.heard.max(current));
        }
        loop {
            let version = self.version.get_untracked();
            let behind =
                self.tabs.with_value(|t| !t.owns && t.heard > version && !t.running.is_some_and(|r| r.get_untracked()));
            if !behind || !self.restored_now() {
                return;
            }
            // A store that does not move on (unreadable, damaged) is not read again and again.
            if self.catch_up().await.is_err() || self.version.get_untracked() == version {
                return;
            }
        }
    }

    /// Makes this tab the store's owner, if it follows another: takes the lock, waits
    /// until the old owner's saves have landed and catches up with them. A run calls
    /// this before it starts, so that no run works on a stale Memory.
    pub async fn own(self) {
        if self.owns() || !self.restored_now() || self.store.with_value(Option::is_none) {
            return;
        }
        let held = match tab_lock::acquire(false).await {
            tab_lock::Ownership::Owner(held) => held, // the old owner is gone
            _ => {
                let released = Promise::new(&mut |resolve, _| self.tabs.update_value(|t| t.released = Some(resolve)));
                let tab_lock::Ownership::Owner(held) = tab_lock::acquire(true).await else { return };
                let _ = JsFuture::from(Promise::race(&js_sys::Array::of2(&released, &timer(RELEASE_WAIT_MS)))).await;
                self.tabs.update_value(|t| t.released = None);
                held
            }
        };
        self.tabs.update_value(|t| t.owns = true);
        tab_lock::on_taken_over(held, self);
        let current = self.stored_version().await;
        if current == Some(self.version.get_untracked()) {
            self.state.set(SaveState::Saved {
                detail: format!("this tab saves Memory now, at version {}", current.unwrap_or(0)),
            });
        } else if let Err(reason) = self.catch_up().await {
            // Saving a Memory that is not the store's would overwrite the other tab's work.
            self.tabs.update_value(|t| t.owns = false);
            self.state.set(SaveState::NoStorage {
                reason: format!("Memory could not be brought up to date from the store ({reason}); reload this tab"),
            });
        }
    }

    /// Another tab took the store: this tab follows from now on and, once its saves in
    /// flight have landed, tells the new owner.
    pub(super) fn lost(self) {
        self.tabs.update_value(|t| t.owns = false);
        if self.restored_now() {
            self.state.set(SaveState::Following { version: self.version.get_untracked() });
        }
        if self.tabs.with_value(|t| t.in_flight) == 0 {
            announce(Notice::Released(self.version.get_untracked()));
        }
    }

    /// A commit this tab started has landed (or failed): if it was the last one and
    /// the store was taken meanwhile, the new owner may go on. (No timer waits for it:
    /// a hidden tab's timers are slowed down to a second.)
    pub(super) fn landed(self) {
        self.tabs.update_value(|t| t.in_flight -= 1);
        if self.tabs.with_value(|t| t.in_flight == 0 && !t.owns) {
            announce(Notice::Released(self.version.get_untracked()));
        }
    }

    /// Whether this tab owns the store (see [`Tabs`]).
    pub(super) fn owns(self) -> bool {
        self.tabs.with_value(|t| t.owns)
    }

    /// The version the store stands at (its meta record), or None if it cannot be read.
    pub(super) async fn stored_version(self) -> Option<u64> {
        self.store.get_value()?.version().await.ok()
    }
}

/// A promise that resolves after `ms` milliseconds.
pub(super) fn timer(ms: i32) -> Promise {
    Promise::new(&mut |resolve: Function, _| {
        let _ = web_sys::window().map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_as_written_and_nothing_else_is_one() {
        for notice in [Notice::Committed(7), Notice::Committed(0), Notice::Released(0), Notice::Released(1 << 52)] {
            assert_eq!(Notice::of(notice.value()), Some(notice));
        }
        for other in [0.5, -1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(Notice::of(other), None, "{other:?}");
        }
    }

    #[test]
    fn stale_and_repeated_notices_change_nothing() {
        let newest = Notice::Committed(5).heard(0);
        assert_eq!(newest, 5);
        assert_eq!(Notice::Committed(5).heard(newest), 5);
        assert_eq!(Notice::Committed(3).heard(newest), 5);
        assert_eq!(Notice::Released(4).heard(newest), 5);
        assert_eq!(Notice::Released(6).heard(newest), 6);
    }
}
