//! What the generator needs to know about a schema beyond its syntax: which
//! constructors make up each boxed type, what every TL type is in Rust, and
//! which types are recursive (so they must be boxed or depth-limited).

use std::collections::{HashMap, HashSet};

use paperplane_tl_parser::{Category, Definition, ParameterKind, Type};

use crate::GenError;
use crate::names::pascal_case;

/// Boxed types the generator maps to Rust primitives instead of enums.
const NATIVE_BOXED: &[&str] = &["Bool"];

/// The analysed schema.
pub(crate) struct Model<'a> {
    /// Constructors to generate, in schema order.
    pub constructors: Vec<&'a Definition>,
    /// Functions to generate, in schema order.
    pub functions: Vec<&'a Definition>,
    /// Constructors of types mapped to Rust primitives (`boolTrue`).
    pub natives: Vec<&'a Definition>,
    /// Boxed types with their constructors, in order of first appearance.
    pub enums: Vec<(String, Vec<&'a Definition>)>,
    /// Constructor full name → definition, for bare references (`future_salt`).
    constructor_by_name: HashMap<String, &'a Definition>,
    /// Boxed type full name → position in `enums`.
    enum_index: HashMap<String, usize>,
    /// `(type, constructor id)` pairs whose variant must be boxed to give the
    /// enum a finite size.
    boxed_variants: HashSet<(String, u32)>,
    /// Boxed types that can contain themselves, however indirectly: decoding
    /// them counts nesting depth.
    recursive: HashSet<String>,
}

/// A boxed type referenced by a field, and whether it sits inline (so it
/// counts towards the containing type's size) or behind a `Vec`.
struct Reference {
    ty: String,
    inline: bool,
}

impl<'a> Model<'a> {
    pub fn new(definitions: &'a [Definition]) -> Result<Self, GenError> {
        let mut seen = HashSet::new();
        let mut model = Model {
            constructors: Vec::new(),
            functions: Vec::new(),
            natives: Vec::new(),
            enums: Vec::new(),
            constructor_by_name: HashMap::new(),
            enum_index: HashMap::new(),
            boxed_variants: HashSet::new(),
            recursive: HashSet::new(),
        };
        for def in definitions {
            if def.is_core() {
                continue;
            }
            if def.category == Category::Types
                && NATIVE_BOXED.contains(&def.ty.full_name().as_str())
            {
                model.natives.push(def);
                continue;
            }
            // The same definition in two files (api.tl and mtproto.tl) is generated once.
            if !seen.insert((def.category, def.full_name())) {
                continue;
            }
            match def.category {
                Category::Functions => model.functions.push(def),
                Category::Types => {
                    model.constructors.push(def);
                    model.constructor_by_name.insert(def.full_name(), def);
                    let ty = def.ty.full_name();
                    let next = model.enums.len();
                    let index = *model.enum_index.entry(ty.clone()).or_insert(next);
                    if index == next {
                        model.enums.push((ty, Vec::new()));
                    }
                    model.enums[index].1.push(def);
                }
            }
        }
        model.find_recursion();
        Ok(model)
    }

    /// The Rust type of a TL field type, with paths from the crate root.
    pub fn rust_type(&self, ty: &Type, def: &Definition) -> Result<String, GenError> {
        if ty.generic_ref || def.generics.iter().any(|g| g.name == ty.name) {
            return Ok(ty.name.clone());
        }
        let unknown = || GenError::new(def, format!("unknown type `{ty}`"));
        if ty.namespace.is_empty() {
            let native = match ty.name.as_str() {
                "#" => Some("u32"),
                "int" => Some("i32"),
                "long" => Some("i64"),
                "double" => Some("f64"),
                "string" => Some("String"),
                "bytes" => Some("Vec<u8>"),
                "int128" => Some("[u8; 16]"),
                "int256" => Some("[u8; 32]"),
                "Bool" | "true" => Some("bool"),
                _ => None,
            };
            if let Some(native) = native {
                return Ok(native.to_owned());
            }
            if ty.name == "Vector" || ty.name == "vector" {
                let arg = ty.generic_arg.as_deref().ok_or_else(unknown)?;
                if arg.name == "vector" {
                    return Err(GenError::new(def, "a bare vector inside a vector".into()));
                }
                return Ok(format!("Vec<{}>", self.rust_type(arg, def)?));
            }
        }
        let full = ty.full_name();
        if ty.bare {
            let ctor = self.constructor_by_name.get(&full).ok_or_else(unknown)?;
            Ok(path("types", &ctor.namespace, &ctor.name))
        } else if self.enum_index.contains_key(&full) {
            Ok(path("enums", &ty.namespace, &ty.name))
        } else {
            Err(unknown())
        }
    }

    /// Whether the variant for constructor `def` must hold a `Box`.
    pub fn is_boxed(&self, def: &Definition) -> bool {
        self.boxed_variants.contains(&(def.ty.full_name(), def.id))
    }

    /// Whether decoding the boxed type `ty` must count nesting depth.
    pub fn is_recursive(&self, ty: &str) -> bool {
        self.recursive.contains(ty)
    }

    /// The boxed types a constructor's fields refer to.
    fn references(&self, def: &Definition) -> Vec<Reference> {
        let mut out = Vec::new();
        for p in def.params() {
            if let ParameterKind::Field { ty, .. } = &p.kind {
                self.collect(ty, true, &mut out);
            }
        }
        out
    }

    fn collect(&self, ty: &Type, inline: bool, out: &mut Vec<Reference>) {
        if let Some(arg) = &ty.generic_arg {
            self.collect(arg, false, out);
            return;
        }
        let full = ty.full_name();
        let target = if ty.bare {
            self.constructor_by_name
                .get(&full)
                .map(|c| c.ty.full_name())
        } else {
            self.enum_index.contains_key(&full).then_some(full)
        };
        if let Some(ty) = target {
            out.push(Reference { ty, inline });
        }
    }

    /// Marks recursive types, and the variants that must be boxed: those whose
    /// constructor holds, inline, something that holds their own type inline.
    fn find_recursion(&mut self) {
        let n = self.enums.len();
        let mut inline_edges = vec![Vec::new(); n];
        let mut all_edges = vec![Vec::new(); n];
        let mut variant_edges = Vec::new();
        for (i, (_, ctors)) in self.enums.iter().enumerate() {
            for ctor in ctors {
                let refs = self.references(ctor);
                let inline: Vec<usize> = refs
                    .iter()
                    .filter(|r| r.inline)
                    .map(|r| self.enum_index[&r.ty])
                    .collect();
                all_edges[i].extend(refs.iter().map(|r| self.enum_index[&r.ty]));
                inline_edges[i].extend(inline.iter().copied());
                variant_edges.push((i, ctor.id, inline));
            }
        }
        for (i, (ty, _)) in self.enums.iter().enumerate() {
            if reaches(&all_edges, &all_edges[i], i) {
                self.recursive.insert(ty.clone());
            }
        }
        for (i, id, starts) in variant_edges {
            if reaches(&inline_edges, &starts, i) {
                self.boxed_variants.insert((self.enums[i].0.clone(), id));
            }
        }
    }
}

/// Whether `target` is reachable from any of `starts` along `edges`.
fn reaches(edges: &[Vec<usize>], starts: &[usize], target: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack: Vec<usize> = starts.to_vec();
    while let Some(node) = stack.pop() {
        if node == target {
            return true;
        }
        if !std::mem::replace(&mut seen[node], true) {
            stack.extend(&edges[node]);
        }
    }
    false
}

/// `crate::{module}::{ns::}Name`.
pub(crate) fn path(module: &str, namespace: &[String], name: &str) -> String {
    let mut s = format!("crate::{module}::");
    for ns in namespace {
        s.push_str(ns);
        s.push_str("::");
    }
    s.push_str(&pascal_case(name));
    s
}
