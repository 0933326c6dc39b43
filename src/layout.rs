//! Pane sizes, in percent of the area a splitter divides, kept in localStorage.

use serde::{Deserialize, Serialize};

/// The sizes of the panes a splitter controls: each the pane after its splitter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The Memory inspector's width, in percent of the workspace.
    pub inspector: f64,
    /// The console's height, in percent of the editor column.
    pub console: f64,
}

impl Default for Layout {
    fn default() -> Layout {
        // At 1280 px the inspector's rows show a function's value and where it was defined.
        Layout { inspector: 33.0, console: 32.0 }
    }
}

/// The smallest and largest size a pane may take, in percent: neither pane of a
/// split ever disappears.
pub const MIN: f64 = 10.0;
pub const MAX: f64 = 80.0;

/// How far one arrow key moves a splitter, and with Shift or Page Up/Down.
pub const STEP: f64 = 2.0;
pub const BIG_STEP: f64 = 10.0;

pub fn clamp(size: f64) -> f64 {
    if size.is_finite() {
        size.clamp(MIN, MAX)
    } else {
        MIN
    }
}

/// A pane a splitter resizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// Right of the editor column: its splitter's bar runs vertically.
    Inspector,
    /// Below the editor: its splitter's bar runs horizontally.
    Console,
}

impl Layout {
    /// A stored layout with every size back in range.
    pub fn checked(self) -> Layout {
        Layout { inspector: clamp(self.inspector), console: clamp(self.console) }
    }

    pub fn size(self, pane: Pane) -> f64 {
        match pane {
            Pane::Inspector => self.inspector,
            Pane::Console => self.console,
        }
    }

    /// The layout with `pane` at `size` (brought in range).
    pub fn resized(self, pane: Pane, size: f64) -> Layout {
        let size = clamp(size);
        match pane {
            Pane::Inspector => Layout { inspector: size, ..self },
            Pane::Console => Layout { console: size, ..self },
        }
    }
}

/// The size of the pane after a splitter when the pointer is at `pointer` along an
/// area that spans `start..start + length` (pixels).
pub fn size_at(pointer: f64, start: f64, length: f64) -> f64 {
    if length <= 0.0 {
        return MIN;
    }
    clamp((start + length - pointer) / length * 100.0)
}

/// The new size after a key press on a splitter, if the key resizes. The arrow keys
/// move the splitter the way they point: left and up grow the pane after it.
pub fn size_after_key(size: f64, key: &str, shift: bool) -> Option<f64> {
    let step = if shift { BIG_STEP } else { STEP };
    let next = match key {
        "ArrowLeft" | "ArrowUp" => size + step,
        "ArrowRight" | "ArrowDown" => size - step,
        "PageUp" => size + BIG_STEP,
        "PageDown" => size - BIG_STEP,
        "Home" => MAX,
        "End" => MIN,
        _ => return None,
    };
    Some(clamp(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dragging_sizes_the_pane_after_the_splitter() {
        assert_eq!(size_at(700.0, 100.0, 1000.0), 40.0);
        assert_eq!(size_at(1100.0, 100.0, 1000.0), MIN, "never smaller than MIN");
        assert_eq!(size_at(0.0, 100.0, 1000.0), MAX, "never larger than MAX");
        assert_eq!(size_at(10.0, 0.0, 0.0), MIN, "an area without size");
    }

    #[test]
    fn keys_move_the_splitter_the_way_they_point() {
        assert_eq!(size_after_key(30.0, "ArrowLeft", false), Some(32.0));
        assert_eq!(size_after_key(30.0, "ArrowUp", true), Some(40.0));
        assert_eq!(size_after_key(30.0, "ArrowDown", false), Some(28.0));
        assert_eq!(size_after_key(30.0, "PageDown", false), Some(20.0));
        assert_eq!(size_after_key(30.0, "Home", false), Some(MAX));
        assert_eq!(size_after_key(30.0, "End", false), Some(MIN));
        assert_eq!(size_after_key(MIN, "ArrowRight", true), Some(MIN));
        assert_eq!(size_after_key(30.0, "a", false), None);
    }

    #[test]
    fn resizing_one_pane_leaves_the_other() {
        let layout = Layout::default().resized(Pane::Console, 50.0);
        assert_eq!((layout.size(Pane::Console), layout.size(Pane::Inspector)), (50.0, 33.0));
        assert_eq!(layout.resized(Pane::Inspector, 95.0).size(Pane::Inspector), MAX);
    }

    #[test]
    fn stored_sizes_are_brought_back_in_range() {
        let odd = Layout { inspector: f64::NAN, console: 500.0 }.checked();
        assert_eq!(odd, Layout { inspector: MIN, console: MAX });
        assert_eq!(Layout::default().checked(), Layout::default());
    }
}
