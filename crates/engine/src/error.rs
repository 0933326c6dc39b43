//! Lua errors as values a person can read: the message, where it happened (chunk and
//! line) and the traceback, taken apart from mlua's error types.

use std::fmt;

/// A failed compilation or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaError {
    pub kind: ErrorKind,
    /// The message as Lua reports it, location prefix included ("main.lua:3: boom").
    pub message: String,
    /// Where the error was raised, when the message names it.
    pub location: Option<Location>,
    /// Lua's stack traceback, without the "stack traceback:" header.
    pub traceback: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The source does not compile. `incomplete` means more input could complete it
    /// (an unclosed `function`, string or bracket), which a REPL uses to ask for more.
    Syntax { incomplete: bool },
    /// `error()`, a failed operation, a stack overflow.
    Runtime,
    /// The VM ran out of memory.
    Memory,
    /// Stopped from outside: its time budget ran out, or it was interrupted (Stop,
    /// Ctrl+C). The message says which and, with the location, where it was.
    Stopped,
    /// A failure of the host rather than of the script.
    Host,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub chunk: String,
    pub line: u32,
}

const TRACEBACK_HEADER: &str = "\nstack traceback:\n";

impl LuaError {
    pub(crate) fn host(message: impl Into<String>) -> LuaError {
        LuaError { kind: ErrorKind::Host, message: message.into(), location: None, traceback: None }
    }

    pub(crate) fn runtime(message: impl Into<String>) -> LuaError {
        LuaError { kind: ErrorKind::Runtime, message: message.into(), location: None, traceback: None }
    }

    pub(crate) fn from_mlua(error: &mlua::Error) -> LuaError {
        match error {
            mlua::Error::SyntaxError { message, incomplete_input } => {
                LuaError::new(ErrorKind::Syntax { incomplete: *incomplete_input }, message, None)
            }
            mlua::Error::RuntimeError(text) => {
                let (message, traceback) = split_traceback(text);
                LuaError::new(ErrorKind::Runtime, message, traceback)
            }
            mlua::Error::MemoryError(message) => LuaError::new(ErrorKind::Memory, message, None),
            mlua::Error::CallbackError { traceback, cause } => {
                let mut inner = LuaError::from_mlua(cause);
                if inner.traceback.is_none() {
                    inner.traceback = traceback.split_once("stack traceback:\n").map(|(_, rest)| tidy_traceback(rest));
                }
                inner
            }
            mlua::Error::WithContext { cause, .. } => LuaError::from_mlua(cause),
            other => LuaError::host(other.to_string()),
        }
    }

    fn new(kind: ErrorKind, message: &str, traceback: Option<&str>) -> LuaError {
        LuaError {
            kind,
            message: message.to_owned(),
            location: parse_location(message),
            traceback: traceback.map(tidy_traceback).filter(|t| !t.is_empty()),
        }
    }
}

impl fmt::Display for LuaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LuaError {}

/// Splits "message\nstack traceback:\n...". A run's error carries the traceback its
/// message handler took where it was raised (as under `lua`), and after it mlua adds the
/// traceback of the thread once it died, which shows only the run's entry: that last
/// one is dropped when there are two.
fn split_traceback(text: &str) -> (&str, Option<&str>) {
    let Some((rest, last)) = text.rsplit_once(TRACEBACK_HEADER) else { return (text, None) };
    match rest.rsplit_once(TRACEBACK_HEADER) {
        Some((message, traceback)) => (message, Some(traceback)),
        None => (rest, Some(last)),
    }
}

/// Reads "chunk:line:" at the start of a message. The chunk must look like a chunk
/// name (no spaces, or Lua's `[string "..."]`), so that a message that merely contains
/// "10:30:" is not mistaken for a location.
fn parse_location(message: &str) -> Option<Location> {
    let first_line = message.lines().next()?;
    let chunk_end =
        if first_line.starts_with("[string \"") { first_line.find("\"]:")? + 2 } else { first_line.find(':')? };
    let chunk = &first_line[..chunk_end];
    if chunk.is_empty() || (!chunk.starts_with("[string") && chunk.contains(char::is_whitespace)) {
        return None;
    }
    let rest = &first_line[chunk_end + 1..];
    let digits = rest.find(':').map(|end| &rest[..end])?;
    let line = digits.parse().ok()?;
    Some(Location { chunk: chunk.to_owned(), line })
}

/// Drops the frames at the top that only show the host (a message handler, "\[C\]: in
/// ?"). The one at the bottom stays: a run's chunk is called from C, as under the
/// stand-alone `lua`, whose tracebacks end in the same line.
fn tidy_traceback(traceback: &str) -> String {
    let lines: Vec<&str> = traceback.lines().collect();
    let start = lines.iter().take_while(|line| line.trim() == "[C]: in ?").count();
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_from_the_message() {
        let at = |m: &str| parse_location(m).map(|l| (l.chunk, l.line));
        assert_eq!(at("main.lua:3: boom"), Some(("main.lua".into(), 3)));
        assert_eq!(at("[string \"x = 1\"]:12: oops"), Some(("[string \"x = 1\"]".into(), 12)));
        assert_eq!(at("meeting at 10:30: late"), None);
        assert_eq!(at("boom"), None);
        assert_eq!(at("main.lua:x: boom"), None);
    }

    #[test]
    fn the_handler_traceback_is_kept_and_the_dead_threads_dropped() {
        let run =
            "main.lua:1: x\nstack traceback:\n\tmain.lua:1: in main chunk\n\t[C]: in ?\nstack traceback:\n\t[C]: in ?";
        assert_eq!(split_traceback(run), ("main.lua:1: x", Some("\tmain.lua:1: in main chunk\n\t[C]: in ?")));
        assert_eq!(split_traceback("x\nstack traceback:\n\tf"), ("x", Some("\tf")));
        assert_eq!(split_traceback("x"), ("x", None));
    }

    #[test]
    fn a_message_handler_frame_is_dropped_from_tracebacks() {
        let t = tidy_traceback("\t[C]: in ?\n\t[C]: in function 'error'\n\tmain.lua:1: in main chunk\n\t[C]: in ?");
        assert_eq!(t, "\t[C]: in function 'error'\n\tmain.lua:1: in main chunk\n\t[C]: in ?");
    }
}
