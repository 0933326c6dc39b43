//! The Memory tree as text, for `moonkeep inspect`.

use moonkeep_engine::{Node, Place, Shown, Size};

pub fn render(root: &Node) -> String {
    let mut out = String::new();
    line(&mut out, root, "", "");
    out
}

fn line(out: &mut String, node: &Node, lead: &str, child_lead: &str) {
    out.push_str(lead);
    if node.place == Place::Upvalue {
        out.push_str("upvalue ");
    }
    out.push_str(&node.key);
    out.push_str(&describe(&node.value));
    out.push('\n');
    // A function's line already lists its upvalues' values: only those holding
    // tables or functions get lines of their own.
    let children: Vec<&Node> = node
        .children
        .iter()
        .filter(|c| {
            c.place != Place::Upvalue
                || matches!(c.value, Shown::Table { .. } | Shown::Function { .. } | Shown::Link { .. })
        })
        .collect();
    let count = children.len();
    for (i, child) in children.into_iter().enumerate() {
        let last = i + 1 == count && node.hidden == 0;
        let (branch, next) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        line(out, child, &format!("{child_lead}{branch}"), &format!("{child_lead}{next}"));
    }
    if node.hidden > 0 {
        out.push_str(&format!("{child_lead}└─ ... {} more\n", node.hidden));
    }
}

fn describe(value: &Shown) -> String {
    match value {
        Shown::Scalar { type_name, text } | Shown::Other { type_name, text } => format!(" = {text} ({type_name})"),
        Shown::String { text, bytes } => format!(" = {text} (string, {})", Size::Bytes(*bytes)),
        Shown::Table { entries, has_metatable, .. } => {
            let mt = if *has_metatable { ", with metatable" } else { "" };
            format!(" (table, {}{mt})", Size::Entries(*entries))
        }
        Shown::Function { defined, upvalues, .. } => {
            let ups: Vec<String> = upvalues.iter().map(|u| format!("{} = {}", u.name, u.value)).collect();
            let ups = if ups.is_empty() { String::new() } else { format!(", upvalues: {}", ups.join(", ")) };
            format!(" = {} [{defined}{ups}]", value.preview())
        }
        Shown::Link { to, type_name } => format!(" -> {to} (same {type_name})"),
        Shown::Std { type_name, name } => format!(" = {name} (standard {type_name})"),
    }
}
