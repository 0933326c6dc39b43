//! The output of one run, captured from `print` and `io.write`.

/// Output kept per run. A print flood past this is cut, with a note, so that neither
/// memory nor the page showing it is overwhelmed.
pub const OUTPUT_LIMIT: usize = 1 << 20;

#[derive(Default)]
pub(crate) struct Console {
    bytes: Vec<u8>,
    dropped: usize,
}

impl Console {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        let room = OUTPUT_LIMIT.saturating_sub(self.bytes.len());
        let kept = bytes.len().min(room);
        self.bytes.extend_from_slice(&bytes[..kept]);
        self.dropped += bytes.len() - kept;
    }

    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.dropped = 0;
    }

    /// The run's output as text (bytes that are not UTF-8 shown as U+FFFD); empties it.
    pub(crate) fn take(&mut self) -> String {
        let mut text = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.dropped > 0 {
            if !text.ends_with('\n') {
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
        let text = c.take();
        assert!(text.starts_with(&"x".repeat(OUTPUT_LIMIT - 1)));
        assert!(text.ends_with("a\n[output cut: 2 more bytes not shown]\n"), "{}", &text[text.len() - 60..]);
        assert_eq!(c.take(), "");
    }
}
