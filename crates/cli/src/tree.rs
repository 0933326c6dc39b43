//! The Memory tree as text, for `moonkeep inspect`.

use moonkeep_engine::{Node, Shown};

pub fn render(root: &Node) -> String {
    let mut out = String::new();
    line(&mut out, root, "", "");
    out
}

fn line(out: &mut String, node: &Node, lead: &str, child_lead: &str) {
    out.push_str(lead);
    out.push_str(&node.key);
    out.push_str(&describe(&node.value));
    out.push('\n');
    let count = node.children.len();
    for (i, child) in node.children.iter().enumerate() {
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
        Shown::Scalar { type_name, text } => format!(" = {text} ({type_name})"),
        Shown::Table { entries, has_metatable } => {
            let mt = if *has_metatable { ", with metatable" } else { "" };
            format!(" (table, {entries} {}{mt})", if *entries == 1 { "entry" } else { "entries" })
        }
        Shown::Function { params, vararg, defined, upvalues } => {
            let mut params = params.clone();
            if *vararg {
                params.push("...".into());
            }
            let ups = if upvalues.is_empty() { String::new() } else { format!(", upvalues: {}", upvalues.join(", ")) };
            format!(" = function({}) [{defined}{ups}]", params.join(", "))
        }
        Shown::Link { to } => format!(" -> {to} (same object)"),
        Shown::Other { type_name, text } => format!(" = {text} ({type_name})"),
    }
}
