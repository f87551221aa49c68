//! Every constructor and function of both schemas, encoded from the schema
//! itself (not from the generated code), decodes and re-encodes to the same
//! bytes, whose length `serialized_len` computes exactly; every strict prefix
//! of those bytes is rejected without a panic.

use std::collections::HashMap;

use paperplane_tl::{Cursor, Serializable, deserialize_any};
use paperplane_tl_parser::{Category, Definition, ParameterKind, Type};

/// How the flag bits of a generated value are chosen.
#[derive(Clone, Copy, Debug)]
enum Flags {
    AllSet,
    NoneSet,
    Random,
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Encodes schema values straight from the TL definitions.
struct Encoder<'a> {
    by_type: HashMap<String, Vec<&'a Definition>>,
    by_name: HashMap<String, &'a Definition>,
    rng: Rng,
    flags: Flags,
}

const MAX_DEPTH: usize = 3;

impl<'a> Encoder<'a> {
    fn new(defs: &'a [Definition], seed: u64, flags: Flags) -> Self {
        let mut by_type: HashMap<String, Vec<&Definition>> = HashMap::new();
        let mut by_name = HashMap::new();
        for d in defs
            .iter()
            .filter(|d| d.category == Category::Types && !d.is_core())
        {
            by_type.entry(d.ty.full_name()).or_default().push(d);
            by_name.insert(d.full_name(), d);
        }
        Self {
            by_type,
            by_name,
            rng: Rng(seed | 1),
            flags,
        }
    }

    fn string(&mut self, out: &mut Vec<u8>, data: &[u8]) {
        if data.len() < 254 {
            out.push(data.len() as u8);
        } else {
            out.push(254);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes()[..3]);
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }

    fn text(&mut self) -> Vec<u8> {
        let len = match self.rng.below(4) {
            0 => 0,
            1 => 254 + self.rng.below(300) as usize,
            _ => self.rng.below(40) as usize,
        };
        let alphabet = ["a", "Z", "7", " ", "é", "Ж", "ツ", "🦀"];
        let mut s = String::new();
        while s.len() < len {
            s.push_str(alphabet[self.rng.below(alphabet.len() as u64) as usize]);
        }
        s.into_bytes()
    }

    /// A constructor's fields (bare).
    fn fields(&mut self, def: &Definition, depth: usize, out: &mut Vec<u8>) {
        let flags = if depth > MAX_DEPTH {
            Flags::NoneSet
        } else {
            self.flags
        };
        let mut words: HashMap<&str, u32> = HashMap::new();
        for p in def.params() {
            match &p.kind {
                ParameterKind::Flags => {
                    let name = p.name.as_deref().unwrap();
                    let mut used = 0u32;
                    for q in def.params() {
                        if let ParameterKind::Field { flag: Some(f), .. } = &q.kind {
                            if f.name == name {
                                used |= 1 << f.index;
                            }
                        }
                    }
                    let value = match flags {
                        Flags::AllSet => used,
                        Flags::NoneSet => 0,
                        Flags::Random => used & self.rng.next() as u32,
                    };
                    words.insert(name, value);
                    out.extend_from_slice(&value.to_le_bytes());
                }
                ParameterKind::Field { ty, flag } => {
                    if let Some(f) = flag {
                        if words[f.name.as_str()] & (1 << f.index) == 0 || ty.name == "true" {
                            continue;
                        }
                    }
                    self.value(ty, depth, out);
                }
                other => panic!("{}: unexpected {other:?}", def.full_name()),
            }
        }
    }

    fn value(&mut self, ty: &Type, depth: usize, out: &mut Vec<u8>) {
        match ty.name.as_str() {
            "int" => out.extend_from_slice(&(self.rng.next() as u32).to_le_bytes()),
            "long" | "double" => out.extend_from_slice(&self.rng.next().to_le_bytes()),
            "int128" => out.extend(self.rng.bytes(16)),
            "int256" => out.extend(self.rng.bytes(32)),
            "string" => {
                let t = self.text();
                self.string(out, &t)
            }
            "bytes" => {
                let n = if self.rng.below(3) == 0 {
                    300
                } else {
                    self.rng.below(20) as usize
                };
                let b = self.rng.bytes(n);
                self.string(out, &b)
            }
            "Bool" => {
                let id: u32 = if self.rng.below(2) == 0 {
                    0x997275b5
                } else {
                    0xbc799737
                };
                out.extend_from_slice(&id.to_le_bytes());
            }
            "Vector" | "vector" => {
                if ty.name == "Vector" {
                    out.extend_from_slice(&0x1cb5c415u32.to_le_bytes());
                }
                let n = if depth > MAX_DEPTH {
                    0
                } else {
                    self.rng.below(3) as u32
                };
                out.extend_from_slice(&n.to_le_bytes());
                for _ in 0..n {
                    self.value(ty.generic_arg.as_deref().unwrap(), depth + 1, out);
                }
            }
            _ if ty.bare => {
                let def = self.by_name[&ty.full_name()];
                self.fields(def, depth + 1, out);
            }
            _ => {
                let ctors = &self.by_type[&ty.full_name()];
                let def = if depth > MAX_DEPTH {
                    // Prefer the constructor with the fewest required boxed
                    // fields, so recursive types come to an end.
                    *ctors.iter().min_by_key(|d| required_boxed(d)).unwrap()
                } else {
                    ctors[self.rng.below(ctors.len() as u64) as usize]
                };
                assert!(depth < 40, "runaway recursion in {}", ty.full_name());
                out.extend_from_slice(&def.id.to_le_bytes());
                self.fields(def, depth + 1, out);
            }
        }
    }
}

fn required_boxed(def: &Definition) -> usize {
    def.params()
        .iter()
        .filter(|p| {
            matches!(&p.kind, ParameterKind::Field { ty, flag: None }
                if ty.name.starts_with(|c: char| c.is_ascii_uppercase()) && ty.name != "Vector" && ty.name != "Bool")
        })
        .count()
}

fn load() -> Vec<Definition> {
    let mut defs = Vec::new();
    for file in ["api.tl", "mtproto.tl"] {
        let path = format!("{}/../../schema/{file}", manifest_dir());
        let text = std::fs::read_to_string(path).unwrap();
        defs.extend(paperplane_tl_parser::parse(&text).unwrap().definitions);
    }
    defs
}

fn check(def: &Definition, bytes: &[u8], what: &str) {
    let mut cur = Cursor::new(bytes);
    let value = deserialize_any(&mut cur)
        .unwrap_or_else(|e| panic!("{} ({what}): {e}\n{bytes:02x?}", def.full_name()));
    assert_eq!(
        cur.position(),
        bytes.len(),
        "{} ({what}) left bytes unread",
        def.full_name()
    );
    assert_eq!(
        value.to_bytes(),
        bytes,
        "{} ({what}) re-encoded differently",
        def.full_name()
    );
    assert_eq!(
        value.serialized_len(),
        bytes.len(),
        "{} ({what}): serialized_len is not the encoding's length",
        def.full_name()
    );
    // Vectors here hold at most two elements: the estimate is exact too.
    assert_eq!(
        value.encoded_len(false),
        bytes.len(),
        "{} ({what}): the estimate of a value with short vectors is not exact",
        def.full_name()
    );
    for cut in [0, 1, 4, bytes.len() / 2, bytes.len() - 1] {
        if cut < bytes.len() {
            let mut cur = Cursor::new(&bytes[..cut]);
            assert!(
                deserialize_any(&mut cur).is_err(),
                "{} ({what}): a {cut}-byte prefix decoded",
                def.full_name()
            );
        }
    }
}

#[test]
fn every_definition_round_trips() {
    let defs = load();
    let mut seen = std::collections::HashSet::new();
    let mut checked = 0;
    let mut enc = Encoder::new(&defs, 1, Flags::AllSet);
    for def in &defs {
        let skip = def.is_core()
            || def.ty.name == "Bool"
            || !def.generics.is_empty()
            || !seen.insert((def.category, def.full_name()));
        if skip {
            continue;
        }
        for (seed, flags) in [
            (1, Flags::AllSet),
            (2, Flags::NoneSet),
            (3, Flags::Random),
            (4, Flags::Random),
            (5, Flags::AllSet),
        ] {
            let seed = seed * 0x9e37_79b9 + u64::from(def.id);
            enc.rng = Rng(seed | 1);
            enc.flags = flags;
            let mut bytes = def.id.to_le_bytes().to_vec();
            enc.fields(def, 0, &mut bytes);
            check(def, &bytes, &format!("{flags:?}, seed {seed}"));
            checked += 1;
        }
    }
    assert!(checked > 10_000, "only {checked} values checked");
}

/// This checkout's crate directory, read when the test runs: a test binary
/// reused from another checkout of the same sources (a shared target
/// directory) must still read this checkout's schema.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
