//! The Memory list's virtual window: which rows to draw for a scroll position, and
//! where to scroll so that a row is in view. Every row is [`ROW_HEIGHT`] tall.

use std::ops::Range;

/// Every row is this tall (px, as in style/main.css).
pub const ROW_HEIGHT: f64 = 24.0;
/// Rows drawn above and below those in view, so that fast scrolling shows no gap.
const OVERSCAN: usize = 8;

/// The rows to draw when the list is scrolled to `scroll_top` and `height` px of it
/// are in view, of `count` rows in all.
pub fn rows_to_draw(scroll_top: f64, height: f64, count: usize) -> Range<usize> {
    let first = ((scroll_top / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
    let last = (((scroll_top + height) / ROW_HEIGHT).ceil() as usize + OVERSCAN).min(count);
    first..last.max(first)
}

/// The scroll position that shows row `index` with the least movement, if it is not
/// in view already.
pub fn scroll_to_show(index: usize, scroll_top: f64, height: f64) -> Option<f64> {
    let (top, bottom) = (index as f64 * ROW_HEIGHT, (index + 1) as f64 * ROW_HEIGHT);
    if top < scroll_top {
        Some(top)
    } else if bottom > scroll_top + height {
        Some((bottom - height).ceil())
    } else {
        None
    }
}

/// Where row `index` sits in the list (its `top`, px).
pub fn top_of(index: usize) -> f64 {
    index as f64 * ROW_HEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_in_view_and_a_few_around_them_are_drawn() {
        assert_eq!(rows_to_draw(0.0, 240.0, 100_000), 0..18);
        assert_eq!(rows_to_draw(2400.0, 240.0, 100_000), 92..118);
        assert_eq!(rows_to_draw(2412.0, 240.0, 100_000), 92..119, "a row half in view is drawn");
    }

    #[test]
    fn the_window_never_passes_the_last_row() {
        assert_eq!(rows_to_draw(0.0, 240.0, 5), 0..5);
        assert_eq!(rows_to_draw(0.0, 240.0, 0), 0..0);
        assert_eq!(rows_to_draw(24_000.0, 240.0, 10), 992..992, "scrolled past a list that shrank");
    }

    #[test]
    fn scrolling_to_a_row_moves_the_least_that_shows_it() {
        assert_eq!(scroll_to_show(5, 0.0, 240.0), None, "already in view");
        assert_eq!(scroll_to_show(3, 240.0, 240.0), Some(72.0), "above: its top at the top");
        assert_eq!(scroll_to_show(20, 0.0, 240.0), Some(264.0), "below: its bottom at the bottom");
        assert_eq!(scroll_to_show(10, 0.0, 250.0), Some(14.0), "rounded up to whole pixels");
    }
}
