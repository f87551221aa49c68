//! Writes the Rust source for an analysed schema.

use std::collections::BTreeMap;
use std::fmt::Write;

use paperplane_tl_parser::{Category, Definition, ParameterKind, Type};

use crate::model::{Model, path};
use crate::names::{field_name, pascal_case, variant_name};
use crate::{Config, GenError};

/// Source text grouped by namespace (`""` for the module root).
type Namespaced = BTreeMap<String, String>;

pub(crate) fn emit(model: &Model<'_>, config: &Config) -> Result<String, GenError> {
    let mut out = String::with_capacity(16 << 20);
    let _ = writeln!(
        out,
        "/// The API layer of `schema/api.tl`, sent in `invokeWithLayer`.\n\
         pub const LAYER: i32 = {};\n",
        config.layer
    );
    let densest = model.densest(config.deserialize_any && config.deserializable_functions);
    let _ = writeln!(
        out,
        "/// The constructor whose smallest encoding asks decoding for the most\n\
         /// heap per input byte, with that heap and those bytes: the decoding\n\
         /// budget must cover it, or valid input would be refused.\n\
         #[cfg(test)]\n\
         pub(crate) const DENSEST: (&str, usize, usize) = ({:?}, {}, {});\n",
        densest.name, densest.heap, densest.wire
    );

    let mut types = Namespaced::new();
    for def in &model.constructors {
        let code = emit_struct(model, config, def)?;
        types
            .entry(def.namespace.join("::"))
            .or_default()
            .push_str(&code);
    }
    let mut functions = Namespaced::new();
    for def in &model.functions {
        let code = emit_struct(model, config, def)?;
        functions
            .entry(def.namespace.join("::"))
            .or_default()
            .push_str(&code);
    }
    let mut enums = Namespaced::new();
    for (ty, ctors) in &model.enums {
        let code = emit_enum(model, config, ty, ctors);
        enums
            .entry(ctors[0].ty.namespace.join("::"))
            .or_default()
            .push_str(&code);
    }

    write_module(
        &mut out,
        "types",
        "One struct per TL constructor, encoded bare.",
        &types,
    );
    write_module(&mut out, "enums", "One enum per TL boxed type.", &enums);
    write_module(
        &mut out,
        "functions",
        "One struct per TL method.",
        &functions,
    );
    if config.name_for_id {
        emit_name_for_id(&mut out, model);
    }
    if config.deserialize_any {
        emit_deserialize_any(&mut out, model, config);
    }
    Ok(out)
}

fn write_module(out: &mut String, name: &str, doc: &str, items: &Namespaced) {
    let _ = writeln!(out, "#[doc = \"{doc}\"]\npub mod {name} {{");
    out.push_str("use crate::Serializable as _;\nuse crate::Deserializable as _;\n");
    for (ns, code) in items {
        if ns.is_empty() {
            out.push_str(code);
        } else {
            let _ = writeln!(out, "/// The `{ns}` namespace.\npub mod {ns} {{");
            out.push_str("use crate::Serializable as _;\nuse crate::Deserializable as _;\n");
            out.push_str(code);
            out.push_str("}\n");
        }
    }
    out.push_str("}\n");
}

/// The definition as TL text, for doc comments.
fn tl_line(def: &Definition) -> String {
    let mut s = format!("{}#{:08x}", def.full_name(), def.id);
    for g in &def.generics {
        let _ = write!(s, " {{{}:{}}}", g.name, g.kind);
    }
    for p in def.params() {
        let name = p.name.as_deref().unwrap_or_default();
        match &p.kind {
            ParameterKind::Flags => {
                let _ = write!(s, " {name}:#");
            }
            ParameterKind::Field { ty, flag } => {
                let _ = write!(s, " {name}:");
                if let Some(f) = flag {
                    let _ = write!(s, "{}.{}?", f.name, f.index);
                }
                let _ = write!(s, "{ty}");
            }
            ParameterKind::Nat | ParameterKind::Repeat { .. } => {}
        }
    }
    let _ = write!(s, " = {}", def.ty.full_name());
    for a in &def.ty.args {
        let _ = write!(s, " {a}");
    }
    s
}

/// One field of a generated struct.
struct Field<'d> {
    /// Rust field name (`r#type`).
    name: String,
    /// Local variable used while decoding (`v_type`).
    local: String,
    /// Rust type (`Option<crate::enums::Peer>`).
    ty: String,
    /// The flag bit that makes it present: word name and bit index.
    flag: Option<(&'d str, u32)>,
    /// A `flags.N?true` field: a `bool` with no bytes of its own.
    is_true: bool,
    /// Encoded as a bare `vector<T>` (no `vector` id).
    bare_vec: bool,
    /// The encoding of an empty/zero value of the field's type, for types
    /// that have one (`int`, `string`, `Vector<T>`, …).
    zero: Option<Vec<u8>>,
    /// For an unconditional field of fixed width (`int`, `long`, `double`,
    /// `int128`, `int256`): the width and an expression for its bytes.
    fixed: Option<(usize, String)>,
}

impl Field<'_> {
    /// The expression that says whether this field asks for its flag bit.
    fn present(&self) -> String {
        if self.is_true {
            format!("self.{}", self.name)
        } else {
            format!("self.{}.is_some()", self.name)
        }
    }
}

/// Either a flag word or a field, in schema order.
enum Param<'d> {
    Flags(&'d str),
    Field(Field<'d>),
}

fn params<'d>(model: &Model<'_>, def: &'d Definition) -> Result<Vec<Param<'d>>, GenError> {
    let mut out = Vec::new();
    for p in def.params() {
        let name = p.name.as_deref().unwrap_or_default();
        match &p.kind {
            ParameterKind::Flags => out.push(Param::Flags(name)),
            ParameterKind::Field { ty, flag } => {
                let rust_name = field_name(name);
                let is_true = ty.name == "true" && ty.namespace.is_empty();
                if is_true && flag.is_none() {
                    return Err(GenError::new(def, format!("`{name}:true` without a flag")));
                }
                let inner = model.rust_type(ty, def)?;
                let ty_code = if flag.is_some() && !is_true {
                    format!("Option<{inner}>")
                } else {
                    inner
                };
                let fixed = match flag {
                    Some(_) => None,
                    None => fixed_bytes(ty, &rust_name),
                };
                out.push(Param::Field(Field {
                    local: format!("v_{}", rust_name.trim_start_matches("r#")),
                    name: rust_name,
                    ty: ty_code,
                    flag: flag.as_ref().map(|f| (f.name.as_str(), f.index)),
                    is_true,
                    bare_vec: ty.name == "vector" && ty.namespace.is_empty(),
                    zero: zero_encoding(ty),
                    fixed,
                }));
            }
            ParameterKind::Nat | ParameterKind::Repeat { .. } => {
                return Err(GenError::new(
                    def,
                    "anonymous parameter outside a built-in".into(),
                ));
            }
        }
    }
    Ok(out)
}

/// Width and bytes expression of an unconditional fixed-width field.
fn fixed_bytes(ty: &Type, field: &str) -> Option<(usize, String)> {
    if !ty.namespace.is_empty() || ty.generic_ref {
        return None;
    }
    Some(match ty.name.as_str() {
        "int" => (4, format!("self.{field}.to_le_bytes()")),
        "long" | "double" => (8, format!("self.{field}.to_le_bytes()")),
        "int128" => (16, format!("self.{field}")),
        "int256" => (32, format!("self.{field}")),
        _ => return None,
    })
}

/// Consecutive fixed-width pieces of an encoding, written with one
/// `extend_from_slice` instead of one per field (each of which reloads and
/// checks the buffer's length and capacity).
#[derive(Default)]
struct Run {
    /// `(offset, width, bytes expression or None for zeros, patched word)`.
    items: Vec<(usize, usize, Option<String>, Option<String>)>,
    len: usize,
}

impl Run {
    fn push(&mut self, width: usize, bytes: Option<String>, patched: Option<String>) {
        self.items.push((self.len, width, bytes, patched));
        self.len += width;
    }

    /// Writes the run's code to `s` and empties it.
    fn flush(&mut self, s: &mut String) {
        let items = std::mem::take(&mut self.items);
        let len = std::mem::take(&mut self.len);
        if let [(_, width, bytes, patched)] = items.as_slice() {
            if let Some(word) = patched {
                let _ = writeln!(s, "        let f_{word}_at = buf.len();");
            }
            match bytes {
                Some(b) => {
                    let _ = writeln!(s, "        buf.extend_from_slice(&{b});");
                }
                None => {
                    let _ = writeln!(s, "        buf.extend_from_slice(&[0; {width}]);");
                }
            }
            return;
        }
        if items.is_empty() {
            return;
        }
        if items.iter().any(|i| i.3.is_some()) {
            let _ = writeln!(s, "        let run_at = buf.len();");
        }
        let _ = writeln!(s, "        let mut run = [0u8; {len}];");
        for (offset, width, bytes, patched) in &items {
            if let Some(word) = patched {
                let _ = writeln!(s, "        let f_{word}_at = run_at + {offset};");
            }
            if let Some(b) = bytes {
                let _ = writeln!(
                    s,
                    "        run[{offset}..{}].copy_from_slice(&{b});",
                    offset + width
                );
            }
        }
        let _ = writeln!(s, "        buf.extend_from_slice(&run);");
    }
}

/// The bytes of a zero or empty value of `ty`, if the type has one.
fn zero_encoding(ty: &Type) -> Option<Vec<u8>> {
    if !ty.namespace.is_empty() || ty.generic_ref {
        return None;
    }
    Some(match ty.name.as_str() {
        "int" | "string" | "bytes" | "vector" => vec![0; 4],
        "long" | "double" => vec![0; 8],
        "int128" => vec![0; 16],
        "int256" => vec![0; 32],
        "Bool" => 0xbc799737_u32.to_le_bytes().to_vec(),
        "Vector" => [0x1cb5c415_u32.to_le_bytes(), [0; 4]].concat(),
        _ => return None,
    })
}

fn derives(out: &mut String, config: &Config) {
    out.push_str("#[derive(Clone, PartialEq");
    if config.impl_debug {
        out.push_str(", Debug");
    }
    out.push_str(")]\n");
    if config.impl_serde {
        out.push_str("#[derive(serde::Serialize, serde::Deserialize)]\n");
    }
}

/// Whether a generated field type has a `Default` (an empty or zero value).
fn has_default(ty: &str) -> bool {
    matches!(
        ty,
        "bool" | "i32" | "i64" | "f64" | "String" | "[u8; 16]" | "[u8; 32]"
    ) || ty.starts_with("Option<")
        || ty.starts_with("Vec<")
}

fn emit_struct(model: &Model<'_>, config: &Config, def: &Definition) -> Result<String, GenError> {
    let is_fn = def.category == Category::Functions;
    let name = pascal_case(&def.name);
    let params = params(model, def)?;
    let fields: Vec<&Field<'_>> = params
        .iter()
        .filter_map(|p| match p {
            Param::Field(f) => Some(f),
            Param::Flags(_) => None,
        })
        .collect();
    let generics: Vec<&str> = def
        .generics
        .iter()
        .filter(|g| g.kind == "Type")
        .map(|g| g.name.as_str())
        .collect();
    let ty_args = if generics.is_empty() {
        String::new()
    } else {
        format!("<{}>", generics.join(", "))
    };
    let bounded = |bound: &str| {
        if generics.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = generics.iter().map(|g| format!("{g}: {bound}")).collect();
            format!("<{}>", list.join(", "))
        }
    };

    let mut s = String::new();
    let _ = writeln!(s, "/// `{}`", tl_line(def));
    derives(&mut s, config);
    // Structs whose fields all have an obvious empty value get `Default`, so
    // callers can write `Foo { bar, ..Default::default() }`.
    if generics.is_empty() && fields.iter().all(|f| has_default(&f.ty)) {
        s.push_str("#[derive(Default)]\n");
    }
    let _ = writeln!(s, "pub struct {name}{ty_args} {{");
    for f in &fields {
        let _ = writeln!(s, "    pub {}: {},", f.name, f.ty);
    }
    s.push_str("}\n");
    let _ = writeln!(
        s,
        "impl{} crate::Identifiable for {name}{ty_args} {{ const CONSTRUCTOR_ID: u32 = {:#010x}; }}",
        bounded("").replace(": ", ""),
        def.id
    );

    // Encoding.
    let _ = writeln!(
        s,
        "impl{} crate::Serializable for {name}{ty_args} {{\n    #[inline]\n    fn serialize(&self, buf: &mut Vec<u8>) {{",
        bounded("crate::Serializable")
    );
    if is_fn {
        let _ = writeln!(
            s,
            "        buf.extend_from_slice(&{:#010x}u32.to_le_bytes());",
            def.id
        );
    }
    // A bit shared by several fields is set when any of them asks for it and
    // every member without a zero value is present; absent members that have
    // one are then written as zero, so the encoding is always readable.
    let mut groups: BTreeMap<(&str, u32), Vec<&Field<'_>>> = BTreeMap::new();
    for f in &fields {
        if let Some(flag) = f.flag {
            groups.entry(flag).or_default().push(f);
        }
    }
    // A bit owned by a single optional field is set while that field is
    // written (one presence check instead of two); the word is then patched
    // in place. Bits of `true` fields and shared bits are known up front.
    let lazy = |word: &str, bit: u32| -> bool {
        groups
            .get(&(word, bit))
            .is_some_and(|g| g.len() == 1 && !g[0].is_true)
    };
    // The bits of a flag word known before any field is written: those of
    // `true` fields and shared bits.
    let known_bits = |word: &str| -> String {
        let terms: Vec<String> = groups
            .iter()
            .filter(|((w, bit), _)| *w == word && !lazy(w, *bit))
            .map(|((_, bit), members)| {
                let any: Vec<String> = members.iter().map(|f| f.present()).collect();
                let required: Vec<String> = members
                    .iter()
                    .filter(|f| !f.is_true && f.zero.is_none() && members.len() > 1)
                    .map(|f| f.present())
                    .collect();
                let mut cond = format!("({})", any.join(" | "));
                for r in required {
                    cond = format!("{cond} & {r}");
                }
                format!("(({cond}) as u32) << {bit}")
            })
            .collect();
        if terms.is_empty() {
            "0".to_owned()
        } else {
            terms.join(" | ")
        }
    };
    let mut patched = Vec::new();
    let mut run = Run::default();
    for p in &params {
        if let Param::Field(f) = p {
            if let Some((width, bytes)) = &f.fixed {
                run.push(*width, Some(bytes.clone()), None);
                continue;
            }
            if !f.is_true {
                run.flush(&mut s);
            }
        }
        match p {
            Param::Flags(word) => {
                let value = known_bits(word);
                if groups.keys().any(|(w, bit)| w == word && lazy(w, *bit)) {
                    patched.push(*word);
                    let _ = writeln!(s, "        let mut f_{word}: u32 = {value};");
                    run.push(4, None, Some((*word).to_owned()));
                } else {
                    let _ = writeln!(s, "        let f_{word}: u32 = {value};");
                    run.push(4, Some(format!("f_{word}.to_le_bytes()")), None);
                }
            }
            Param::Field(f) if f.is_true => {}
            Param::Field(f) => {
                let write = |value: &str| {
                    if f.bare_vec {
                        format!("crate::serialize::write_bare_vec({value}, buf);")
                    } else {
                        format!("{value}.serialize(buf);")
                    }
                };
                match f.flag {
                    None if f.bare_vec => {
                        let _ = writeln!(s, "        {}", write(&format!("&self.{}", f.name)));
                    }
                    None => {
                        let _ = writeln!(s, "        {}", write(&format!("self.{}", f.name)));
                    }
                    Some((word, bit)) if lazy(word, bit) => {
                        let _ = writeln!(
                            s,
                            "        if let Some(v) = &self.{} {{ f_{word} |= {:#x}; {} }}",
                            f.name,
                            1u32 << bit,
                            write("v")
                        );
                    }
                    Some((word, bit)) => {
                        let zero = match &f.zero {
                            Some(bytes) => format!("buf.extend_from_slice(&{bytes:?})"),
                            None => "{}".to_owned(),
                        };
                        let _ = writeln!(
                            s,
                            "        if f_{word} & {:#x} != 0 {{ match &self.{} {{ Some(v) => {{ {} }} None => {zero} }} }}",
                            1u32 << bit,
                            f.name,
                            write("v")
                        );
                    }
                }
            }
        }
    }
    run.flush(&mut s);
    for word in patched {
        let _ = writeln!(
            s,
            "        buf[f_{word}_at..f_{word}_at + 4].copy_from_slice(&f_{word}.to_le_bytes());"
        );
    }
    s.push_str("    }\n");
    emit_encoded_len(&mut s, is_fn, &params, &lazy, &known_bits);
    s.push_str("}\n");

    // Decoding.
    if !is_fn || config.deserializable_functions {
        let _ = writeln!(
            s,
            "impl{} crate::Deserializable for {name}{ty_args} {{\n    fn deserialize(cur: &mut crate::Cursor<'_>) -> crate::deserialize::Result<Self> {{",
            bounded("crate::Deserializable")
        );
        if is_fn {
            let tl = def.full_name();
            let _ = writeln!(
                s,
                "        let id = cur.read_id(\"{tl}\")?;\n        if id != {:#010x} {{ return Err(cur.unexpected(id, \"{tl}\")); }}",
                def.id
            );
        }
        for p in &params {
            match p {
                Param::Flags(word) => {
                    let _ = writeln!(s, "        let f_{word} = cur.read_u32()?;");
                }
                Param::Field(f) => {
                    let read = if f.bare_vec {
                        "crate::deserialize::read_bare_vec(cur)?"
                    } else {
                        "crate::Deserializable::deserialize(cur)?"
                    };
                    let value = match f.flag {
                        None => read.to_owned(),
                        Some((word, bit)) if f.is_true => {
                            format!("f_{word} & {:#x} != 0", 1u32 << bit)
                        }
                        Some((word, bit)) => {
                            format!(
                                "if f_{word} & {:#x} != 0 {{ Some({read}) }} else {{ None }}",
                                1u32 << bit
                            )
                        }
                    };
                    let _ = writeln!(s, "        let {} = {value};", f.local);
                }
            }
        }
        let inits: Vec<String> = fields
            .iter()
            .map(|f| format!("{}: {}", f.name, f.local))
            .collect();
        let _ = writeln!(s, "        Ok(Self {{ {} }})\n    }}\n}}", inits.join(", "));
    }

    if is_fn {
        let ret = return_type(model, def)?;
        let _ = writeln!(
            s,
            "impl{} crate::RemoteCall for {name}{ty_args} {{ type Return = {ret}; }}",
            bounded("crate::RemoteCall")
        );
    }
    Ok(s)
}

/// `encoded_len` of a constructor or function: the same walk as
/// `serialize`, adding lengths instead of writing bytes.
fn emit_encoded_len(
    s: &mut String,
    is_fn: bool,
    params: &[Param<'_>],
    lazy: &dyn Fn(&str, u32) -> bool,
    known_bits: &dyn Fn(&str) -> String,
) {
    let len_of = |f: &Field<'_>, value: &str| {
        if f.bare_vec {
            format!("crate::serialize::bare_vec_len({value}, exact)")
        } else {
            format!("{value}.encoded_len(exact)")
        }
    };
    let mut fixed = if is_fn { 4 } else { 0 };
    let mut body = String::new();
    let mut words_needed = Vec::new();
    for p in params {
        match p {
            Param::Flags(_) => fixed += 4,
            Param::Field(f) if f.is_true => {}
            Param::Field(f) => match (f.flag, &f.fixed) {
                (None, Some((width, _))) => fixed += width,
                (None, None) => {
                    let value = if f.bare_vec {
                        format!("&self.{}", f.name)
                    } else {
                        format!("self.{}", f.name)
                    };
                    let _ = writeln!(body, "        n += {};", len_of(f, &value));
                }
                (Some((word, bit)), _) if lazy(word, bit) => {
                    let _ = writeln!(
                        body,
                        "        if let Some(v) = &self.{} {{ n += {}; }}",
                        f.name,
                        len_of(f, "v")
                    );
                }
                (Some((word, bit)), _) => {
                    if !words_needed.contains(&word) {
                        words_needed.push(word);
                    }
                    let zero = f.zero.as_ref().map_or(0, Vec::len);
                    let _ = writeln!(
                        body,
                        "        if f_{word} & {:#x} != 0 {{ n += match &self.{} {{ Some(v) => {}, None => {zero} }}; }}",
                        1u32 << bit,
                        f.name,
                        len_of(f, "v")
                    );
                }
            },
        }
    }
    s.push_str("    #[inline]\n    fn encoded_len(&self, exact: bool) -> usize {\n");
    for word in words_needed {
        let _ = writeln!(s, "        let f_{word}: u32 = {};", known_bits(word));
    }
    if body.is_empty() {
        let _ = writeln!(s, "        {fixed}\n    }}");
    } else {
        let _ = writeln!(
            s,
            "        let mut n: usize = {fixed};\n{body}        n\n    }}"
        );
    }
}

/// The Rust type a function returns.
fn return_type(model: &Model<'_>, def: &Definition) -> Result<String, GenError> {
    let r = &def.ty;
    if r.namespace.is_empty() && def.generics.iter().any(|g| g.name == r.name) {
        return Ok(format!("{}::Return", r.name));
    }
    let ty = Type {
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        bare: false,
        generic_ref: false,
        generic_arg: r.args.first().cloned().map(Box::new),
    };
    model.rust_type(&ty, def)
}

fn emit_enum(model: &Model<'_>, config: &Config, ty: &str, ctors: &[&Definition]) -> String {
    let ns = &ctors[0].ty.namespace;
    let name = pascal_case(&ctors[0].ty.name);
    let recursive = model.is_recursive(ty);
    struct Variant {
        name: String,
        ctor_path: String,
        id: u32,
        unit: bool,
        boxed: bool,
    }
    let variants: Vec<Variant> = ctors
        .iter()
        .map(|c| Variant {
            name: variant_name(&name, &pascal_case(&c.name)),
            ctor_path: path("types", &c.namespace, &c.name),
            id: c.id,
            unit: c.params().is_empty(),
            boxed: model.is_boxed(c),
        })
        .collect();
    let _ = ns;

    let mut s = String::new();
    let _ = writeln!(s, "/// The boxed type `{ty}`.");
    derives(&mut s, config);
    let _ = writeln!(s, "pub enum {name} {{");
    for (v, c) in variants.iter().zip(ctors) {
        let _ = writeln!(s, "    /// `{}`", tl_line(c));
        if v.unit {
            let _ = writeln!(s, "    {},", v.name);
        } else if v.boxed {
            let _ = writeln!(s, "    {}(Box<{}>),", v.name, v.ctor_path);
        } else {
            let _ = writeln!(s, "    {}({}),", v.name, v.ctor_path);
        }
    }
    s.push_str("}\n");

    let _ = writeln!(
        s,
        "impl crate::Serializable for {name} {{\n    #[inline]\n    fn serialize(&self, buf: &mut Vec<u8>) {{\n        match self {{"
    );
    for v in &variants {
        let id = format!("buf.extend_from_slice(&{:#010x}u32.to_le_bytes())", v.id);
        if v.unit {
            let _ = writeln!(s, "            Self::{} => {id},", v.name);
        } else {
            let _ = writeln!(
                s,
                "            Self::{}(x) => {{ {id}; x.serialize(buf) }}",
                v.name
            );
        }
    }
    s.push_str("        }\n    }\n    #[inline]\n    fn encoded_len(&self, exact: bool) -> usize {\n        match self {\n");
    for v in &variants {
        if v.unit {
            let _ = writeln!(s, "            Self::{} => 4,", v.name);
        } else {
            let _ = writeln!(
                s,
                "            Self::{}(x) => 4 + x.encoded_len(exact),",
                v.name
            );
        }
    }
    s.push_str("        }\n    }\n}\n");

    let _ = writeln!(
        s,
        "impl crate::Deserializable for {name} {{\n    fn deserialize(cur: &mut crate::Cursor<'_>) -> crate::deserialize::Result<Self> {{"
    );
    if recursive {
        s.push_str("        cur.enter()?;\n");
    }
    let _ = writeln!(
        s,
        "        let id = cur.read_id(\"{ty}\")?;\n        let r = match id {{"
    );
    for v in &variants {
        let body = if v.unit {
            format!("Ok(Self::{})", v.name)
        } else if v.boxed {
            // Through `Box<T>`'s impl, which charges the box to the budget.
            format!(
                "<Box<{}>>::deserialize(cur).map(Self::{})",
                v.ctor_path, v.name
            )
        } else {
            format!("{}::deserialize(cur).map(Self::{})", v.ctor_path, v.name)
        };
        let _ = writeln!(s, "            {:#010x} => {body},", v.id);
    }
    let _ = writeln!(
        s,
        "            _ => Err(cur.unexpected(id, \"{ty}\")),\n        }};"
    );
    if recursive {
        s.push_str("        cur.leave();\n");
    }
    let _ = writeln!(s, "        r.map_err(|e| e.within(\"{ty}\"))\n    }}\n}}");

    for v in &variants {
        let p = &v.ctor_path;
        if config.impl_from_type {
            let body = if v.unit {
                format!("fn from(_: {p}) -> Self {{ Self::{} }}", v.name)
            } else if v.boxed {
                format!(
                    "fn from(x: {p}) -> Self {{ Self::{}(Box::new(x)) }}",
                    v.name
                )
            } else {
                format!("fn from(x: {p}) -> Self {{ Self::{}(x) }}", v.name)
            };
            let _ = writeln!(s, "impl From<{p}> for {name} {{ {body} }}");
        }
        if config.impl_from_enum {
            let arm = if v.unit {
                format!("{name}::{} => Ok({p} {{}})", v.name)
            } else if v.boxed {
                format!("{name}::{}(x) => Ok(*x)", v.name)
            } else {
                format!("{name}::{}(x) => Ok(x)", v.name)
            };
            let _ = writeln!(
                s,
                "impl TryFrom<{name}> for {p} {{ type Error = {name}; fn try_from(v: {name}) -> Result<Self, {name}> {{ match v {{ {arm}, v => Err(v) }} }} }}"
            );
        }
    }
    s
}

fn emit_name_for_id(out: &mut String, model: &Model<'_>) {
    out.push_str(
        "/// The TL name of a constructor or function id (`\"inputPeerUser\"`).\n\
         pub fn name_for_id(id: u32) -> Option<&'static str> {\n    Some(match id {\n",
    );
    for def in model
        .constructors
        .iter()
        .chain(&model.functions)
        .chain(&model.natives)
    {
        let _ = writeln!(out, "        {:#010x} => \"{}\",", def.id, def.full_name());
    }
    out.push_str("        _ => return None,\n    })\n}\n");
}

fn emit_deserialize_any(out: &mut String, model: &Model<'_>, config: &Config) {
    out.push_str(
        "pub(crate) fn deserialize_any(cur: &mut crate::Cursor<'_>) -> crate::deserialize::Result<Box<dyn crate::Object>> {\n    \
         use crate::Deserializable as _;\n    \
         let id = cur.clone().read_u32()?;\n    \
         Ok(match id {\n",
    );
    if !model.natives.is_empty() {
        out.push_str("        crate::serialize::BOOL_TRUE | crate::serialize::BOOL_FALSE => <Box<bool>>::deserialize(cur)?,\n");
    }
    // Through `Box<T>`'s impl, which charges the box to the budget.
    for (_, ctors) in &model.enums {
        let ids: Vec<String> = ctors.iter().map(|c| format!("{:#010x}", c.id)).collect();
        let ty = &ctors[0].ty;
        let _ = writeln!(
            out,
            "        {} => <Box<{}>>::deserialize(cur)?,",
            ids.join(" | "),
            path("enums", &ty.namespace, &ty.name)
        );
    }
    if config.deserializable_functions {
        for def in model.functions.iter().filter(|d| d.generics.is_empty()) {
            let _ = writeln!(
                out,
                "        {:#010x} => <Box<{}>>::deserialize(cur)?,",
                def.id,
                path("functions", &def.namespace, &def.name)
            );
        }
    }
    out.push_str(
        "        _ => {\n            cur.read_u32()?;\n            return Err(cur.unexpected(id, \"Object\"));\n        }\n    })\n}\n",
    );
}
