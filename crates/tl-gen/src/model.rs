//! What the generator needs to know about a schema beyond its syntax: which
//! constructors make up each boxed type, what every TL type is in Rust,
//! which types are recursive (so they must be boxed or depth-limited), and
//! how wide each generated value is in memory (so wide variants are boxed
//! and enums stay narrow).

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
    /// `(type, constructor id)` pairs whose variant holds a `Box`: to give
    /// the enum a finite size, or because the constructor is wider than the
    /// inline limit.
    boxed_variants: HashSet<(String, u32)>,
    /// Boxed types that can contain themselves, however indirectly: decoding
    /// them counts nesting depth.
    recursive: HashSet<String>,
    /// Estimated layout of each enum, in the order of `enums`.
    enum_layouts: Vec<Layout>,
}

/// A boxed type referenced by a field, and whether it sits inline (so it
/// counts towards the containing type's size) or behind a `Vec`.
struct Reference {
    ty: String,
    inline: bool,
}

impl<'a> Model<'a> {
    /// Analyses `definitions`; variants whose constructor is estimated wider
    /// than `inline_limit` bytes in memory will be boxed.
    pub fn new(definitions: &'a [Definition], inline_limit: usize) -> Result<Self, GenError> {
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
            enum_layouts: Vec::new(),
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
        model.box_wide_variants(inline_limit);
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

    /// Boxes every variant whose constructor is estimated wider than
    /// `limit` bytes, so no enum is much wider than `limit`.
    ///
    /// Widths depend on each other (a struct holds enums inline, an enum is
    /// as wide as its widest inline variant), so they are computed to a
    /// fixpoint: the variants boxed for recursion break every cycle of
    /// inline references, so the references left form a DAG and each pass
    /// settles at least one more level of it.
    fn box_wide_variants(&mut self, limit: usize) {
        let mut widths = vec![Layout::EMPTY; self.enums.len()];
        // A DAG of n nodes settles in at most n + 1 passes.
        for _ in 0..=self.enums.len() {
            let next = self.enum_layouts(&widths, limit);
            if next == widths {
                break;
            }
            widths = next;
        }
        let mut wide = Vec::new();
        for (ty, ctors) in &self.enums {
            for c in ctors {
                if !c.params().is_empty() && self.struct_layout(c, &widths, 0).size > limit {
                    wide.push((ty.clone(), c.id));
                }
            }
        }
        self.boxed_variants.extend(wide);
        self.enum_layouts = widths;
    }

    /// Every enum's layout, given the layouts `widths` of the enums its
    /// variants hold.
    fn enum_layouts(&self, widths: &[Layout], limit: usize) -> Vec<Layout> {
        self.enums
            .iter()
            .map(|(ty, ctors)| {
                let variants: Vec<Layout> = ctors
                    .iter()
                    .map(|c| self.variant_layout(ty, c, widths, limit))
                    .collect();
                Layout::of_enum(&variants)
            })
            .collect()
    }

    /// The payload of constructor `c`'s variant in enum `ty`: nothing for a
    /// constructor without fields, a pointer when boxed, else the struct.
    fn variant_layout(&self, ty: &str, c: &Definition, widths: &[Layout], limit: usize) -> Layout {
        if c.params().is_empty() {
            return Layout::EMPTY;
        }
        if self.boxed_variants.contains(&(ty.to_owned(), c.id)) {
            return Layout::POINTER;
        }
        let layout = self.struct_layout(c, widths, 0);
        if layout.size > limit {
            Layout::POINTER
        } else {
            layout
        }
    }

    /// The estimated layout of the struct generated for `def`.
    fn struct_layout(&self, def: &Definition, widths: &[Layout], depth: u32) -> Layout {
        let mut fields = Vec::new();
        for p in def.params() {
            if let ParameterKind::Field { ty, flag } = &p.kind {
                let is_true = ty.name == "true" && ty.namespace.is_empty();
                let layout = self.type_layout(ty, widths, depth);
                fields.push(if flag.is_some() && !is_true {
                    layout.optional()
                } else {
                    layout
                });
            }
        }
        Layout::of_struct(&fields)
    }

    /// The estimated layout of the Rust type of a TL field type.
    fn type_layout(&self, ty: &Type, widths: &[Layout], depth: u32) -> Layout {
        const VEC: Layout = Layout {
            size: 24,
            align: 8,
            niche: true,
        };
        let scalar = |size: usize, align: usize| Layout {
            size,
            align,
            niche: false,
        };
        if ty.generic_ref {
            // Only functions are generic (`invokeWithLayer`); never in an enum.
            return Layout::POINTER;
        }
        if ty.namespace.is_empty() {
            match ty.name.as_str() {
                "#" | "int" => return scalar(4, 4),
                "long" | "double" => return scalar(8, 8),
                "int128" => return scalar(16, 1),
                "int256" => return scalar(32, 1),
                "Bool" | "true" => {
                    return Layout {
                        size: 1,
                        align: 1,
                        niche: true,
                    };
                }
                "string" | "bytes" | "Vector" | "vector" => return VEC,
                _ => {}
            }
        }
        let full = ty.full_name();
        if ty.bare {
            return match self.constructor_by_name.get(&full) {
                // Bare constructors cannot nest inline without end (rustc
                // would refuse the struct); the depth only guards the estimate.
                Some(c) if depth < 32 => self.struct_layout(c, widths, depth + 1),
                _ => Layout::POINTER,
            };
        }
        match self.enum_index.get(&full) {
            Some(&i) => widths[i],
            None => Layout::POINTER,
        }
    }

    /// The constructor (or, with `functions`, method) whose smallest
    /// encoding makes decoding charge the most heap per input byte: its
    /// enum's width (as a vector element, or the box `deserialize_any`
    /// returns) and its own box, plus the boxes of the smallest values of
    /// its required fields, against the bytes of all of them.
    ///
    /// Other vector elements are far lighter: strings and byte strings are
    /// 24 bytes for at least 4 on the wire, nested vectors 24 for 8.
    pub fn densest(&self, functions: bool) -> Density {
        // Each enum's smallest encoding: (bytes, heap charged besides the
        // enum's own width). Shortest paths: they settle within n passes.
        let mut smallest = vec![(usize::MAX, 0); self.enums.len()];
        for _ in 0..=self.enums.len() {
            let next: Vec<(usize, usize)> = self
                .enums
                .iter()
                .map(|(ty, ctors)| {
                    ctors
                        .iter()
                        .map(|c| self.smallest_encoding(ty, c, &smallest, 0))
                        .min_by_key(|&(wire, _)| wire)
                        .unwrap_or((usize::MAX, 0))
                })
                .collect();
            if next == smallest {
                break;
            }
            smallest = next;
        }
        let mut densest = Density {
            name: String::new(),
            heap: 0,
            wire: 1,
        };
        let mut consider = |name: String, heap: usize, wire: usize| {
            if wire > 0 && heap.saturating_mul(densest.wire) > densest.heap.saturating_mul(wire) {
                densest = Density { name, heap, wire };
            }
        };
        for (i, (ty, ctors)) in self.enums.iter().enumerate() {
            for c in ctors {
                let (wire, heap) = self.smallest_encoding(ty, c, &smallest, 0);
                consider(c.full_name(), self.enum_layouts[i].size + heap, wire);
            }
        }
        if functions {
            for f in self.functions.iter().filter(|f| f.generics.is_empty()) {
                let (wire, heap) = self.smallest_encoding("", f, &smallest, 0);
                let boxed = self.struct_layout(f, &self.enum_layouts, 0).size;
                consider(f.full_name(), boxed + heap, wire);
            }
        }
        densest
    }

    /// Bytes and heap charged (besides the enum's width) of the smallest
    /// encoding of constructor `c` of enum `ty`, its id included.
    fn smallest_encoding(
        &self,
        ty: &str,
        c: &Definition,
        smallest: &[(usize, usize)],
        depth: u32,
    ) -> (usize, usize) {
        let mut wire = 4usize;
        let mut heap = if self.boxed_variants.contains(&(ty.to_owned(), c.id)) {
            self.struct_layout(c, &self.enum_layouts, 0).size
        } else {
            0
        };
        for p in c.params() {
            let (w, h) = match &p.kind {
                ParameterKind::Flags => (4, 0),
                ParameterKind::Field { ty, flag: None } => self.smallest_value(ty, smallest, depth),
                _ => (0, 0),
            };
            wire = wire.saturating_add(w);
            heap += h;
        }
        (wire, heap)
    }

    /// Bytes and heap charged of the smallest value of a field type.
    fn smallest_value(&self, ty: &Type, smallest: &[(usize, usize)], depth: u32) -> (usize, usize) {
        if ty.namespace.is_empty() && !ty.generic_ref {
            match ty.name.as_str() {
                "long" | "double" => return (8, 0),
                "int128" => return (16, 0),
                "int256" => return (32, 0),
                // Id and count.
                "Vector" => return (8, 0),
                "true" => return (0, 0),
                "#" | "int" | "string" | "bytes" | "Bool" | "vector" => return (4, 0),
                _ => {}
            }
        }
        let full = ty.full_name();
        if ty.bare {
            if let Some(c) = self.constructor_by_name.get(&full).filter(|_| depth < 32) {
                let (wire, heap) = self.smallest_encoding("", c, smallest, depth + 1);
                return (wire.saturating_sub(4), heap);
            }
        } else if let Some(&i) = self.enum_index.get(&full) {
            return smallest[i];
        }
        // A generic value (`!X`): at least a constructor id.
        (4, 0)
    }

    /// The estimated width in bytes of the enum for boxed type `ty`.
    #[cfg(test)]
    pub fn enum_width(&self, ty: &str) -> Option<usize> {
        self.enum_index.get(ty).map(|&i| self.enum_layouts[i].size)
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

/// A constructor's heap charged per byte on the wire (see
/// [`Model::densest`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Density {
    /// Its TL name.
    pub name: String,
    /// Heap bytes charged.
    pub heap: usize,
    /// Bytes on the wire.
    pub wire: usize,
}

/// An estimate of a generated type's size, alignment and whether it has a
/// niche (invalid bit patterns, which let `Option` of it take no more room).
///
/// It follows rustc's layout closely enough to choose what to box: fields
/// are reordered by alignment (so a struct is its fields' sum rounded up to
/// its alignment) and an enum is its widest variant plus a tag, unless it has
/// a single variant with data and that variant has a niche to hold the tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    size: usize,
    align: usize,
    niche: bool,
}

impl Layout {
    const EMPTY: Layout = Layout {
        size: 0,
        align: 1,
        niche: false,
    };
    const POINTER: Layout = Layout {
        size: 8,
        align: 8,
        niche: true,
    };

    /// `Option<Self>`.
    fn optional(self) -> Layout {
        if self.niche {
            self
        } else {
            Layout {
                size: (self.size + self.align).next_multiple_of(self.align),
                align: self.align,
                niche: true,
            }
        }
    }

    fn of_struct(fields: &[Layout]) -> Layout {
        let align = fields.iter().map(|f| f.align).max().unwrap_or(1);
        Layout {
            size: fields
                .iter()
                .map(|f| f.size)
                .sum::<usize>()
                .next_multiple_of(align),
            align,
            niche: fields.iter().any(|f| f.niche),
        }
    }

    fn of_enum(variants: &[Layout]) -> Layout {
        let align = variants.iter().map(|v| v.align).max().unwrap_or(1);
        let with_data: Vec<&Layout> = variants.iter().filter(|v| v.size > 0).collect();
        match with_data.as_slice() {
            [] if variants.len() <= 1 => Layout::EMPTY,
            // A struct of a single variant: no tag.
            [only] if variants.len() == 1 => **only,
            // The tags of the variants without data fit in the niche.
            [only] if only.niche => **only,
            _ => {
                // A one-byte tag, then the variant at its own alignment.
                let tagged = variants
                    .iter()
                    .map(|v| 1usize.next_multiple_of(v.align) + v.size)
                    .max()
                    .unwrap_or(1)
                    .next_multiple_of(align);
                // Or the tag in the widest variant's niche, when the others
                // fit beside the field that holds it (taken as one
                // alignment unit wide).
                let widest = with_data.iter().max_by_key(|v| v.size).copied();
                let niched = widest.filter(|w| {
                    w.niche
                        && with_data
                            .iter()
                            .filter(|v| !std::ptr::eq(**v, *w))
                            .all(|v| v.size + w.align <= w.size)
                });
                Layout {
                    size: niched.map_or(tagged, |w| w.size.next_multiple_of(align).min(tagged)),
                    align,
                    niche: true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(schema: &str) -> Vec<Definition> {
        paperplane_tl_parser::parse(schema).unwrap().definitions
    }

    const PEERS: &str = "peerUser#59511722 user_id:long = Peer;\n\
        peerChat#36c6019a chat_id:long = Peer;\n\
        inputPeerEmpty#7f3b18ea = InputPeer;\n\
        inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer;\n";

    #[test]
    fn widths_follow_rustc_for_small_enums() {
        let defs = parse(PEERS);
        let model = Model::new(&defs, 128).unwrap();
        // What rustc makes of them (checked in paperplane-tl's tests).
        assert_eq!(model.enum_width("Peer"), Some(16));
        assert_eq!(model.enum_width("InputPeer"), Some(24));
        assert!(model.boxed_variants.is_empty());
    }

    #[test]
    fn constructors_wider_than_the_limit_are_boxed() {
        // `big` holds six longs (48 bytes) and an optional int256 (33).
        let schema = format!(
            "{PEERS}small a:int = Thing;\n\
             big flags:# a:long b:long c:long d:long e:long f:long g:flags.0?int256 = Thing;\n\
             none = Thing;\n"
        );
        let defs = parse(&schema);
        let model = Model::new(&defs, 64).unwrap();
        let boxed = |name: &str| {
            let def = defs.iter().find(|d| d.name == name).unwrap();
            model.is_boxed(def)
        };
        assert!(boxed("big"));
        assert!(!boxed("small"));
        assert!(!boxed("none"));
        // A pointer and a tag.
        assert_eq!(model.enum_width("Thing"), Some(16));

        let model = Model::new(&defs, 128).unwrap();
        assert!(!model.is_boxed(defs.iter().find(|d| d.name == "big").unwrap()));
    }

    #[test]
    fn boxing_an_inner_enum_can_keep_the_outer_one_inline() {
        // `holder` is narrow only once `Wide`'s variant is boxed.
        let schema = "wide a:int256 b:int256 c:int256 = Wide;\n\
             holder w:Wide n:int = Holder;\n\
             holderEmpty = Holder;\n";
        let defs = parse(schema);
        let model = Model::new(&defs, 64).unwrap();
        let def = |name: &str| defs.iter().find(|d| d.name == name).unwrap();
        assert!(model.is_boxed(def("wide")));
        assert!(!model.is_boxed(def("holder")));
        // Box (8) and int (4), rounded to 16; the box's niche (null) holds
        // the tag of `holderEmpty`.
        assert_eq!(model.enum_width("Holder"), Some(16));
        // Without a limit nothing is boxed and `Holder` holds 96 + 4 bytes.
        let model = Model::new(&defs, usize::MAX).unwrap();
        assert!(!model.is_boxed(def("wide")));
        assert_eq!(model.enum_width("Holder"), Some(104));
    }

    #[test]
    fn the_densest_constructor_is_the_most_heap_per_byte() {
        let defs = parse(PEERS);
        let model = Model::new(&defs, 128).unwrap();
        // A 24-byte `InputPeer` for its four-byte id.
        let expected = Density {
            name: "inputPeerEmpty".into(),
            heap: 24,
            wire: 4,
        };
        assert_eq!(model.densest(false), expected);

        // A boxed constructor with only a flag word on the wire: its enum (a
        // pointer and a tag, 16 bytes) and its 48-byte box, for 8 bytes.
        let schema = format!(
            "{PEERS}sparse flags:# a:flags.0?long b:flags.1?long c:flags.2?long = Sparse;\n\
             other x:int = Sparse;\n\
             holder p:InputPeer s:Sparse = Holder;\n"
        );
        let defs = parse(&schema);
        let model = Model::new(&defs, 24).unwrap();
        let density = model.densest(false);
        assert_eq!((density.heap, density.wire), (16 + 48, 8), "{density:?}");
        assert_eq!(density.name, "sparse");
    }

    #[test]
    fn optional_fields_take_room_for_their_tag_unless_they_have_a_niche() {
        let schema = "a flags:# x:flags.0?int y:flags.1?long s:flags.2?string = A;\n";
        let defs = parse(schema);
        let model = Model::new(&defs, 128).unwrap();
        // The flag word is not stored; Option<i32> 8 + Option<i64> 16 +
        // Option<String> 24 (the null pointer is `None`).
        assert_eq!(model.enum_width("A"), Some(48));
    }
}
