//! The output of one run, captured from `print` and `io.write`.

/// Output kept per run. A print flood past this is cut, with a note, so that neither
/// memory nor the page showing it is overwhelmed.
pub const OUTPUT_LIMIT: usize = 1 << 20;

#[derive(Default)]
pub(crate) struct Console {
    /// Bytes not yet taken.
    bytes: Vec<u8>,
    /// Bytes kept this run, taken or not: the limit is per run, not per slice.
    kept: usize,
    dropped: usize,
}

impl Console {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        let room = OUTPUT_LIMIT.saturating_sub(self.kept);
        let kept = bytes.len().min(room);
        self.bytes.extend_from_slice(&bytes[..kept]);
        self.kept += kept;
        self.dropped += bytes.len() - kept;
    }

    pub(crate) fn clear(&mut self) {
        *self = Console::default();
    }

    /// What was written since the last call, as text, while the run goes on. A UTF-8
    /// sequence cut by the pause stays behind for the next call.
    pub(crate) fn take_new(&mut self) -> String {
        let complete = match std::str::from_utf8(&self.bytes) {
            Ok(_) => self.bytes.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.bytes.len(),
        };
        let rest = self.bytes.split_off(complete);
        let text = String::from_utf8_lossy(&self.bytes).into_owned();
        self.bytes = rest;
        text
    }

    /// The rest of the run's output (bytes that are not UTF-8 shown as U+FFFD), with a
    /// note of what was cut; starts a new run.
    pub(crate) fn finish(&mut self, before: &str) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.dropped > 0 {
            if !text.ends_with('\n') && !(text.is_empty() && before.ends_with('\n')) {
                text.push('\n');
            }
            text.push_str(&format!("[output cut: {} more bytes not shown]\n", self.dropped));
        }
        self.clear();
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_limit_is_counted_not_kept() {
        let mut c = Console::default();
        c.write(&vec![b'x'; OUTPUT_LIMIT - 1]);
        c.write(b"abc");
        let text = c.finish("");
        assert!(text.starts_with(&"x".repeat(OUTPUT_LIMIT - 1)));
        assert!(text.ends_with("a\n[output cut: 2 more bytes not shown]\n"), "{}", &text[text.len() - 60..]);
        assert_eq!(c.finish(""), "");
    }

    #[test]
    fn the_limit_counts_output_already_taken() {
        let mut c = Console::default();
        c.write(&vec![b'x'; OUTPUT_LIMIT]);
        assert_eq!(c.take_new().len(), OUTPUT_LIMIT);
        c.write(b"more");
        assert_eq!(c.take_new(), "");
        assert_eq!(c.finish("x\n"), "[output cut: 4 more bytes not shown]\n");
    }

    #[test]
    fn a_character_cut_by_a_pause_is_kept_whole() {
        let mut c = Console::default();
        let moon = "🌙".as_bytes();
        c.write(b"a");
        c.write(&moon[..2]);
        assert_eq!(c.take_new(), "a");
        c.write(&moon[2..]);
        assert_eq!(c.take_new(), "🌙");
        c.write(b"\xff!");
        assert_eq!(c.take_new(), "\u{fffd}!");
    }
}
