//! Constructor ids: the CRC32 of a definition's normalised text.
//!
//! TL defines a combinator's id as the CRC32 (IEEE) of its declaration
//! written on one line with single spaces, without the `#id`, with braces
//! around type parameters dropped, `Vector<T>` written `Vector T`, a field
//! of type `bytes` written `string` (they share a wire format; `Vector<bytes>`
//! is left alone), and conditional `true` fields left out (they occupy no
//! bytes). A few older MTProto definitions were hashed with `bytes` as
//! written; [`id_matches`] accepts both spellings.

use std::fmt::Write;

use crate::ast::{Body, Definition, ParameterKind, Type};

/// Definitions whose published id is not the CRC32 of their published text
/// under any normalisation: the "simple config" that Telegram hands out of
/// band (DNS / HTTPS), not over MTProto. The written id is what the wire
/// uses, so it is taken as is.
const PUBLISHED_EXCEPTIONS: &[(&str, u32)] = &[
    ("accessPointRule", 0x4679b65f),
    ("help.configSimple", 0x5a592a6c),
];

/// The id computed from `def`'s text, whatever `#id` it was written with.
pub fn compute_id(def: &Definition) -> u32 {
    crc32fast::hash(canonical_form(def).as_bytes())
}

/// Whether `written` is a valid id for `def`: the CRC32 of its canonical
/// form, of the form with `bytes` left as written, or a published exception.
pub fn id_matches(def: &Definition, written: u32) -> bool {
    written == compute_id(def)
        || written == crc32fast::hash(render(def, false).as_bytes())
        || PUBLISHED_EXCEPTIONS.contains(&(def.full_name().as_str(), written))
}

/// The normalised one-line text whose CRC32 is the id.
pub fn canonical_form(def: &Definition) -> String {
    render(def, true)
}

fn render(def: &Definition, bytes_as_string: bool) -> String {
    let mut s = def.full_name();
    for g in &def.generics {
        let _ = write!(s, " {}:{}", g.name, g.kind);
    }
    if let Body::Params(params) = &def.body {
        for p in params {
            let name = p.name.as_deref().unwrap_or_default();
            match &p.kind {
                ParameterKind::Flags => {
                    let _ = write!(s, " {name}:#");
                }
                ParameterKind::Field { ty, flag } => {
                    if flag.is_some() && ty.name == "true" && ty.namespace.is_empty() {
                        continue;
                    }
                    let _ = write!(s, " {name}:");
                    if let Some(f) = flag {
                        let _ = write!(s, "{}.{}?", f.name, f.index);
                    }
                    if bytes_as_string && is_bytes(ty) {
                        s.push_str("string");
                    } else {
                        render_type(&mut s, ty);
                    }
                }
                ParameterKind::Nat => s.push_str(" #"),
                ParameterKind::Repeat {
                    multiplicity,
                    items,
                } => {
                    s.push(' ');
                    if let Some(m) = multiplicity {
                        let _ = write!(s, "{m}*");
                    }
                    s.push_str("[ ");
                    for item in items {
                        render_type(&mut s, item);
                        s.push(' ');
                    }
                    s.push(']');
                }
            }
        }
    } else {
        s.push_str(" ?");
    }
    s.push_str(" = ");
    s.push_str(&def.ty.full_name());
    for arg in &def.ty.args {
        s.push(' ');
        render_type(&mut s, arg);
    }
    s
}

fn render_type(s: &mut String, ty: &Type) {
    if ty.generic_ref {
        s.push('!');
    }
    s.push_str(&ty.full_name());
    if let Some(arg) = &ty.generic_arg {
        s.push(' ');
        render_type(s, arg);
    }
}

fn is_bytes(ty: &Type) -> bool {
    ty.namespace.is_empty() && ty.name == "bytes" && !ty.generic_ref
}
