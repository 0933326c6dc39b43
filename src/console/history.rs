//! The console prompt's history: what was run, oldest first, walked with Up and Down
//! like a shell's. Kept in localStorage (settings.rs) between visits.

/// Lines the history keeps.
const LINES: usize = 200;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    lines: Vec<String>,
    /// Where Up and Down are: None = the line being typed.
    cursor: Option<usize>,
}

impl History {
    pub fn new(mut lines: Vec<String>) -> History {
        let excess = lines.len().saturating_sub(LINES);
        lines.drain(..excess);
        History { lines, cursor: None }
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `line` was run: it becomes the newest (unless it repeats the newest), the oldest
    /// go beyond the limit, and walking starts again from the bottom.
    pub fn remember(&mut self, line: String) {
        if self.lines.last() != Some(&line) {
            self.lines.push(line);
        }
        let excess = self.lines.len().saturating_sub(LINES);
        self.lines.drain(..excess);
        self.cursor = None;
    }

    /// The line to show after Up: one older, stopping at the oldest. None when there
    /// is no history.
    pub fn up(&mut self) -> Option<&str> {
        let last = self.lines.len().checked_sub(1)?;
        let at = self.cursor.map_or(last, |i| i.saturating_sub(1));
        self.cursor = Some(at);
        Some(&self.lines[at])
    }

    /// The line to show after Down: one newer, then the empty line being typed. None
    /// when there is no history.
    pub fn down(&mut self) -> Option<&str> {
        if self.lines.is_empty() {
            return None;
        }
        self.cursor = self.cursor.filter(|i| i + 1 < self.lines.len()).map(|i| i + 1);
        Some(self.cursor.map_or("", |i| &self.lines[i]))
    }

    /// Back to the line being typed (it was run or abandoned).
    pub fn reset(&mut self) {
        self.cursor = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(lines: &[&str]) -> History {
        History::new(lines.iter().map(|l| l.to_string()).collect())
    }

    #[test]
    fn up_walks_back_to_the_oldest_and_stays_there() {
        let mut h = history(&["a", "b", "c"]);
        assert_eq!(h.up(), Some("c"));
        assert_eq!(h.up(), Some("b"));
        assert_eq!(h.up(), Some("a"));
        assert_eq!(h.up(), Some("a"));
    }

    #[test]
    fn down_walks_forward_then_back_to_an_empty_line() {
        let mut h = history(&["a", "b"]);
        h.up();
        h.up();
        assert_eq!(h.down(), Some("b"));
        assert_eq!(h.down(), Some(""));
        assert_eq!(h.down(), Some(""));
        assert_eq!(h.up(), Some("b"), "from the empty line Up starts at the newest again");
    }

    #[test]
    fn an_empty_history_leaves_the_keys_to_the_input() {
        let mut h = History::default();
        assert_eq!(h.up(), None);
        assert_eq!(h.down(), None);
    }

    #[test]
    fn remembering_skips_a_repeat_and_starts_again_from_the_bottom() {
        let mut h = history(&["a"]);
        h.up();
        h.remember("b".into());
        h.remember("b".into());
        assert_eq!(h.lines(), ["a", "b"]);
        assert_eq!(h.up(), Some("b"));
    }

    #[test]
    fn only_the_newest_lines_are_kept() {
        let mut h = History::new((0..LINES + 3).map(|i| i.to_string()).collect());
        assert_eq!(h.lines().len(), LINES);
        assert_eq!(h.lines()[0], "3");
        h.remember("new".into());
        assert_eq!(h.lines().len(), LINES);
        assert_eq!(h.lines()[0], "4");
    }
}
