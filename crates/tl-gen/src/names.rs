//! How TL names become Rust names.
//!
//! The rules match `grammers-tl-types`, so paths are the same in both
//! crates: `resPQ` → `ResPq`, `p_q_inner_data` → `PQInnerData`,
//! `messages.sendMessage` → `messages::SendMessage`.

/// PascalCase for a TL identifier: the first letter and each letter after
/// `_` upper-cased, `_` dropped, and an upper-case letter that follows
/// another upper-case letter lowered (`resPQ` → `ResPq`, `JSONValue` →
/// `Jsonvalue`).
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper_next = true;
    let mut prev_upper = false;
    for c in name.chars() {
        if c == '_' {
            upper_next = true;
            continue;
        }
        if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
            prev_upper = true;
        } else if c.is_ascii_uppercase() {
            out.push(if prev_upper {
                c.to_ascii_lowercase()
            } else {
                c
            });
            prev_upper = true;
        } else {
            out.push(c);
            prev_upper = false;
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// A struct field name: lower case, `self` → `is_self`, other keywords raw
/// (`r#type`).
pub fn field_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "self" => "is_self".to_owned(),
        "crate" | "super" => format!("{lower}_"),
        kw if KEYWORDS.contains(&kw) => format!("r#{kw}"),
        _ => lower,
    }
}

/// An enum variant: the constructor's Rust name without the type's name in
/// front when it starts with it (`botCommandScopeDefault` in
/// `BotCommandScope` → `Default`), the full name otherwise, or when nothing
/// usable would be left (`botCommand` in `BotCommand`, `inputPeerSelf` in
/// `InputPeer`).
pub fn variant_name(type_name: &str, constructor_name: &str) -> String {
    match constructor_name.strip_prefix(type_name) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) && rest != "Self" => {
            rest.to_owned()
        }
        _ => constructor_name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_matches_grammers() {
        for (tl, rust) in [
            ("resPQ", "ResPq"),
            ("p_q_inner_data", "PQInnerData"),
            ("server_DH_params_ok", "ServerDhParamsOk"),
            ("inputPeerUser", "InputPeerUser"),
            ("JSONValue", "Jsonvalue"),
            ("sendMessage", "SendMessage"),
            ("ipPort", "IpPort"),
        ] {
            assert_eq!(pascal_case(tl), rust);
        }
    }

    #[test]
    fn variants() {
        assert_eq!(
            variant_name("BotCommandScope", "BotCommandScopeDefault"),
            "Default"
        );
        assert_eq!(variant_name("BotCommand", "BotCommand"), "BotCommand");
        assert_eq!(variant_name("InputPeer", "InputPeerSelf"), "InputPeerSelf");
        assert_eq!(
            variant_name("SendMessageAction", "SendMessageTypingAction"),
            "SendMessageTypingAction"
        );
        assert_eq!(
            variant_name("MessagesFilter", "InputMessagesFilterPhotos"),
            "InputMessagesFilterPhotos"
        );
        // A longer word that merely shares letters is not a prefix match.
        assert_eq!(variant_name("Update", "Updates"), "Updates");
    }

    #[test]
    fn fields() {
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "is_self");
        assert_eq!(field_name("srp_B"), "srp_b");
        assert_eq!(field_name("M1"), "m1");
    }
}
