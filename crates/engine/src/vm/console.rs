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

    /// What was written since the last call, while the run goes on. A UTF-8 sequence
    /// cut by the pause stays behind for the next call, so that each part shows alone.
    pub(crate) fn take_new(&mut self) -> Vec<u8> {
        let complete = match std::str::from_utf8(&self.bytes) {
            Ok(_) => self.bytes.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.bytes.len(),
        };
        let rest = self.bytes.split_off(complete);
        std::mem::replace(&mut self.bytes, rest)
    }

    /// The rest of the run's output, with a note of what was cut; starts a new run.
    /// `before` is what was taken earlier in the run.
    pub(crate) fn finish(&mut self, before: &[u8]) -> Vec<u8> {
        let mut bytes = std::mem::take(&mut self.bytes);
        if self.dropped > 0 {
            let on_a_new_line = bytes.ends_with(b"\n") || (bytes.is_empty() && before.ends_with(b"\n"));
            if !on_a_new_line {
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(format!("[output cut: {} more bytes not shown]\n", self.dropped).as_bytes());
        }
        self.clear();
        bytes
    }
}

/// Output as text to show: Lua strings are bytes, and those that are not UTF-8 show as
/// `\xFF` rather than vanishing into U+FFFD.
pub(crate) fn display(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for b in chunk.invalid() {
            text.push_str(&format!("\\x{b:02X}"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_limit_is_counted_not_kept() {
        let mut c = Console::default();
        c.write(&vec![b'x'; OUTPUT_LIMIT - 1]);
        c.write(b"abc");
        let text = display(&c.finish(b""));
        assert!(text.starts_with(&"x".repeat(OUTPUT_LIMIT - 1)));
        assert!(text.ends_with("a\n[output cut: 2 more bytes not shown]\n"), "{}", &text[text.len() - 60..]);
        assert_eq!(c.finish(b""), b"");
    }

    #[test]
    fn the_limit_counts_output_already_taken() {
        let mut c = Console::default();
        c.write(&vec![b'x'; OUTPUT_LIMIT]);
        assert_eq!(c.take_new().len(), OUTPUT_LIMIT);
        c.write(b"more");
        assert_eq!(c.take_new(), b"");
        assert_eq!(c.finish(b"x\n"), b"[output cut: 4 more bytes not shown]\n");
    }

    #[test]
    fn a_character_cut_by_a_pause_is_kept_whole() {
        let mut c = Console::default();
        let moon = "🌙".as_bytes();
        c.write(b"a");
        c.write(&moon[..2]);
        assert_eq!(c.take_new(), b"a");
        c.write(&moon[2..]);
        assert_eq!(c.take_new(), moon);
        c.write(b"\xff!");
        assert_eq!(c.take_new(), b"\xff!");
    }

    #[test]
    fn bytes_that_are_not_utf8_show_as_escapes() {
        assert_eq!(display(b"caf\xc3\xa9 \xff\xfe!"), "café \\xFF\\xFE!");
        assert_eq!(display("🌙".as_bytes()), "🌙");
    }
}
