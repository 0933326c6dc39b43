//! A light reading of the text before the cursor: Lua's tokens, whether the cursor
//! is in code at all (not in a comment or string), the locals in scope, and the path
//! written just before the cursor (`Memory.player.`, `("x"):`).
//!
//! It is not a parser: it needs only to be right on the code people are typing, and
//! never to panic on anything else.

use std::collections::BTreeSet;

use crate::render::KEYWORDS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Name,
    Keyword,
    String,
    Number,
    Symbol,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset of its first character.
    pub start: usize,
}

impl Token<'_> {
    fn is(&self, symbol: &str) -> bool {
        matches!(self.kind, Kind::Symbol | Kind::Keyword) && self.text == symbol
    }

    pub(super) fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// The tokens of `text`, and whether it ends inside a comment or an unclosed string
/// (where nothing is completed).
pub(super) fn tokens(text: &str) -> (Vec<Token<'_>>, bool) {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i += 2;
                match long_bracket(bytes, i) {
                    Some(level) => match close_long(bytes, i, level) {
                        Some(end) => i = end,
                        None => return (out, true),
                    },
                    None => match bytes[i..].iter().position(|&b| b == b'\n') {
                        Some(n) => i += n,
                        None => return (out, true),
                    },
                }
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => return (out, true),
                        Some(b'\\') => i += 2,
                        Some(&q) if q == c => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                Kind::String
            }
            b'[' if long_bracket(bytes, i).is_some() => {
                let level = long_bracket(bytes, i).unwrap_or(0);
                match close_long(bytes, i, level) {
                    Some(end) => i = end,
                    None => return (out, true),
                }
                Kind::String
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                Kind::Number
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if KEYWORDS.contains(&&text[start..i]) {
                    Kind::Keyword
                } else {
                    Kind::Name
                }
            }
            _ => {
                const LONG: [&str; 10] = ["...", "..", "==", "~=", "<=", ">=", "//", "::", "<<", ">>"];
                i += LONG.iter().find(|s| bytes[i..].starts_with(s.as_bytes())).map_or(1, |s| s.len());
                // Not inside a UTF-8 character: a stray non-ASCII byte is its own symbol.
                while !text.is_char_boundary(i) {
                    i += 1;
                }
                Kind::Symbol
            }
        };
        out.push(Token { kind, text: &text[start..i.min(bytes.len())], start });
    }
    (out, false)
}

/// The level of a long bracket opening at `i` (`[[` is 0, `[==[` is 2).
fn long_bracket(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    let level = bytes[i + 1..].iter().take_while(|&&b| b == b'=').count();
    (bytes.get(i + 1 + level) == Some(&b'[')).then_some(level)
}

/// Just past the long bracket of `level` that closes the one opening at `i`.
fn close_long(bytes: &[u8], i: usize, level: usize) -> Option<usize> {
    let close: Vec<u8> = [b"]".as_slice(), &vec![b'='; level], b"]"].concat();
    let body = i + level + 2;
    bytes.get(body..)?.windows(close.len()).position(|w| w == close).map(|n| body + n + close.len())
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        let b = bytes[i];
        let exponent = matches!(b, b'e' | b'E' | b'p' | b'P');
        if exponent && matches!(bytes.get(i + 1), Some(b'+' | b'-')) {
            i += 2;
        } else if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// One step of a path: `.name` or `["name"]`, or `[3]`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    Name(Vec<u8>),
    Integer(i64),
}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Base {
    /// A global variable (not shadowed by a local in the buffer).
    Global(String),
    /// A string literal in parentheses: `("x")`.
    String,
}

/// A path written in the code: a base and the steps after it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Path {
    pub base: Base,
    pub steps: Vec<Step>,
    /// As written in the code, for people: `Memory.player`.
    pub text: String,
}

/// The path that ends with token `last` (inclusive), read backwards: `Memory`,
/// `Memory.player["a b"]`, `("x")`. `None` when the expression is anything else (a
/// call's result, a local's value, arithmetic).
pub(super) fn path_ending_at(tokens: &[Token], source: &str, last: usize, locals: &BTreeSet<String>) -> Option<Path> {
    let mut steps = Vec::new();
    let mut j = last as isize;
    let end = tokens[last].end();
    loop {
        let t = tokens.get(usize::try_from(j).ok()?)?;
        match t.kind {
            Kind::Name => {
                let before = usize::try_from(j - 1).ok().and_then(|k| tokens.get(k));
                if before.is_some_and(|b| b.is(".")) {
                    steps.push(Step::Name(t.text.as_bytes().to_vec()));
                    j -= 2;
                    continue;
                }
                if before.is_some_and(|b| b.is(":")) || locals.contains(t.text) {
                    return None;
                }
                steps.reverse();
                let text = source[t.start..end].to_owned();
                return Some(Path { base: Base::Global(t.text.to_owned()), steps, text });
            }
            Kind::Symbol if t.text == "]" => {
                let key = tokens.get(usize::try_from(j - 1).ok()?)?;
                let open = tokens.get(usize::try_from(j - 2).ok()?)?;
                if !open.is("[") {
                    return None;
                }
                steps.push(match key.kind {
                    Kind::String => Step::Name(unquote(key.text)?),
                    Kind::Number => Step::Integer(key.text.parse().ok()?),
                    _ => return None,
                });
                j -= 3;
            }
            Kind::Symbol if t.text == ")" && steps.is_empty() => {
                let literal = tokens.get(usize::try_from(j - 1).ok()?)?;
                let open = tokens.get(usize::try_from(j - 2).ok()?)?;
                let before = usize::try_from(j - 3).ok().and_then(|k| tokens.get(k));
                // `f("x")` is a call, `("x")` a string.
                let call =
                    before.is_some_and(|b| matches!(b.kind, Kind::Name | Kind::String) || b.is(")") || b.is("]"));
                if literal.kind != Kind::String || !open.is("(") || call {
                    return None;
                }
                return Some(Path { base: Base::String, steps, text: source[open.start..end].to_owned() });
            }
            _ => return None,
        }
    }
}

/// The bytes of a short string literal, its common escapes undone; `None` for a long
/// string or an escape this reading does not know.
fn unquote(literal: &str) -> Option<Vec<u8>> {
    let inner = literal.get(1..literal.len().checked_sub(1)?)?;
    if !(literal.starts_with('"') || literal.starts_with('\'')) {
        return None;
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next()? {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            q @ (b'\\' | b'"' | b'\'') => q,
            _ => return None,
        });
    }
    Some(out)
}

/// The local names in scope after `tokens`: `local` declarations, function parameters
/// (and `self` in a method), loop variables, dropped when their block ends.
pub(super) fn locals_in_scope(tokens: &[Token]) -> BTreeSet<String> {
    // (name, block depth it belongs to)
    let mut locals: Vec<(&str, usize)> = Vec::new();
    let mut depth = 0usize;
    // `while`/`for` open their block; the `do` of their header must not open another.
    let mut headers = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        match (t.kind, t.text) {
            (Kind::Keyword, "local") => {
                if tokens.get(i + 1).is_some_and(|n| n.is("function")) {
                    if let Some(name) = tokens.get(i + 2).filter(|n| n.kind == Kind::Name) {
                        locals.push((name.text, depth));
                    }
                    i += 1;
                    continue;
                }
                let (names, next) = name_list(tokens, i + 1);
                // Declared names come into scope after the declaration's expressions;
                // close enough here.
                locals.extend(names.into_iter().map(|n| (n, depth)));
                i = next;
                continue;
            }
            (Kind::Keyword, "function") => {
                depth += 1;
                let mut k = i + 1;
                let mut method = false;
                while let Some(n) = tokens.get(k).filter(|n| n.kind == Kind::Name || n.is(".") || n.is(":")) {
                    method |= n.is(":");
                    k += 1;
                }
                if method {
                    locals.push(("self", depth));
                }
                if tokens.get(k).is_some_and(|n| n.is("(")) {
                    let (names, next) = name_list(tokens, k + 1);
                    locals.extend(names.into_iter().map(|n| (n, depth)));
                    i = next;
                    continue;
                }
            }
            (Kind::Keyword, "for") => {
                depth += 1;
                headers += 1;
                let (names, next) = name_list(tokens, i + 1);
                locals.extend(names.into_iter().map(|n| (n, depth)));
                i = next;
                continue;
            }
            (Kind::Keyword, "while") => {
                depth += 1;
                headers += 1;
            }
            (Kind::Keyword, "do") if headers > 0 => headers -= 1,
            (Kind::Keyword, "do" | "if" | "repeat") => depth += 1,
            (Kind::Keyword, "end" | "until") => {
                depth = depth.saturating_sub(1);
                locals.retain(|&(_, d)| d <= depth);
            }
            _ => {}
        }
        i += 1;
    }
    locals.into_iter().map(|(n, _)| n.to_owned()).collect()
}

/// `a, b <const>, c`: the names and the index after the list.
fn name_list<'a>(tokens: &[Token<'a>], mut i: usize) -> (Vec<&'a str>, usize) {
    let mut names = Vec::new();
    while let Some(name) = tokens.get(i).filter(|t| t.kind == Kind::Name) {
        names.push(name.text);
        i += 1;
        // An attribute: `<const>`, `<close>`.
        if tokens.get(i).is_some_and(|t| t.is("<")) && tokens.get(i + 2).is_some_and(|t| t.is(">")) {
            i += 3;
        }
        if !tokens.get(i).is_some_and(|t| t.is(",")) {
            break;
        }
        i += 1;
    }
    (names, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text).0.into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn tokens_skip_comments_and_keep_strings() {
        assert_eq!(
            kinds("local x = 'a\\'b' -- note\n--[==[ long\n]==] x.y[[s]]"),
            vec![
                (Kind::Keyword, "local"),
                (Kind::Name, "x"),
                (Kind::Symbol, "="),
                (Kind::String, "'a\\'b'"),
                (Kind::Name, "x"),
                (Kind::Symbol, "."),
                (Kind::Name, "y"),
                (Kind::String, "[[s]]"),
            ]
        );
        assert_eq!(
            kinds("a..b 1.5e+3 3."),
            vec![
                (Kind::Name, "a"),
                (Kind::Symbol, ".."),
                (Kind::Name, "b"),
                (Kind::Number, "1.5e+3"),
                (Kind::Number, "3."),
            ]
        );
    }

    #[test]
    fn an_open_comment_or_string_is_no_place_to_complete() {
        for text in ["x = 'abc", "-- Memory.", "--[[ Memory.", "x = [[ Memory.", "x = \"a\\\" Memory."] {
            assert!(tokens(text).1, "{text}");
        }
        assert!(!tokens("x = 'abc' Memory.").1);
    }

    #[test]
    fn locals_follow_blocks() {
        let text = "local a, b <const> = 1, 2\n\
                    function M.f:g(x, y) local z; for i, v in pairs(t) do local w end end\n\
                    local function h(p) while true do local q";
        let (tokens, _) = tokens(text);
        let names: Vec<String> = locals_in_scope(&tokens).into_iter().collect();
        assert_eq!(names, ["a", "b", "h", "p", "q"]);
    }

    #[test]
    fn paths_read_backwards() {
        let locals = BTreeSet::from(["p".to_owned()]);
        let path = |text: &str| {
            let (tokens, _) = tokens(text);
            path_ending_at(&tokens, text, tokens.len() - 1, &locals)
        };
        let p = path("x = Memory.jobs[3]['a b'].name").unwrap();
        assert_eq!(p.base, Base::Global("Memory".into()));
        assert_eq!(
            p.steps,
            [Step::Name(b"jobs".to_vec()), Step::Integer(3), Step::Name(b"a b".to_vec()), Step::Name(b"name".to_vec())]
        );
        assert_eq!(p.text, "Memory.jobs[3]['a b'].name");
        assert_eq!(path("y = ('x')").unwrap().base, Base::String);
        assert_eq!(path("f('x')"), None, "a call's result is not known");
        assert_eq!(path("p.hp"), None, "a local's value is not known");
        assert_eq!(path("f().x"), None);
        assert_eq!(path("a:b"), None);
    }
}
