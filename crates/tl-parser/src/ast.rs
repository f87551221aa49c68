//! The syntax tree of a TL schema.

use std::fmt;

/// Where something sits in the schema text, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column (in characters), starting at 1.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Which section of the schema a definition was declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Under `---types---` (the default): a constructor of a type.
    Types,
    /// Under `---functions---`: a remote procedure.
    Functions,
}

/// A whole schema file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Every combinator, in declaration order.
    pub definitions: Vec<Definition>,
    /// The layer named by a `// LAYER N` comment, if the file has one.
    pub layer: Option<i32>,
}

/// One combinator: a constructor (types section) or a function.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// Namespace parts before the name (`messages` in `messages.sendMessage`).
    pub namespace: Vec<String>,
    /// The name without namespace (`sendMessage`).
    pub name: String,
    /// The constructor id: the written `#id` or, if absent, the computed one.
    pub id: u32,
    /// The `#id` as written, if it was.
    pub explicit_id: Option<u32>,
    /// Type parameters, `{X:Type}`.
    pub generics: Vec<GenericParam>,
    /// What follows the name: parameters, or `?` for a built-in type.
    pub body: Body,
    /// The type this combinator constructs or returns.
    pub ty: ResultType,
    /// Types or functions section.
    pub category: Category,
    /// Where the definition starts.
    pub position: Position,
}

impl Definition {
    /// `namespace.name`, as written in the schema.
    pub fn full_name(&self) -> String {
        join_name(&self.namespace, &self.name)
    }

    /// The fields, or an empty slice for a built-in.
    pub fn params(&self) -> &[Parameter] {
        match &self.body {
            Body::Params(p) => p,
            Body::Builtin => &[],
        }
    }

    /// Whether this is a language primitive (`int ? = Int`, `vector`, `int128`)
    /// rather than an ordinary constructor or function.
    pub fn is_core(&self) -> bool {
        matches!(self.body, Body::Builtin)
            || self
                .params()
                .iter()
                .any(|p| matches!(p.kind, ParameterKind::Nat | ParameterKind::Repeat { .. }))
    }
}

/// A `{X:Type}` type parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericParam {
    /// The parameter's name (`X`).
    pub name: String,
    /// Its kind (`Type`, or `#` for a natural number).
    pub kind: String,
}

/// The part of a definition between its name and `=`.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// `?`: a type the language provides (`int ? = Int`).
    Builtin,
    /// Ordinary parameters.
    Params(Vec<Parameter>),
}

/// One parameter of a combinator.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The parameter name; anonymous parameters (`#`, `[ t ]`) have none.
    pub name: Option<String>,
    /// What kind of parameter it is.
    pub kind: ParameterKind,
}

/// The kinds of parameter TL allows.
#[derive(Clone, Debug, PartialEq)]
pub enum ParameterKind {
    /// `flags:#`: a 32-bit word whose bits say which conditional fields follow.
    Flags,
    /// `name:Type` or `name:flags.N?Type`.
    Field {
        /// The field's type.
        ty: Type,
        /// The flag bit that makes the field present, if conditional.
        flag: Option<Flag>,
    },
    /// An anonymous `#` (a natural number, as in `vector`).
    Nat,
    /// `[ t ]` or `4*[ int ]`: a repetition, used only by built-ins.
    Repeat {
        /// The written multiplicity (`4` in `4*[ int ]`), if any.
        multiplicity: Option<String>,
        /// The repeated arguments.
        items: Vec<Type>,
    },
}

/// A reference to a flag bit: `flags.3` or `flags2.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The name of the `#` parameter holding the bit.
    pub name: String,
    /// The bit index, 0..=31.
    pub index: u32,
}

/// A type as used by a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Type {
    /// Namespace parts (`storage` in `storage.FileType`).
    pub namespace: Vec<String>,
    /// The name (`Vector`, `int`, `InputPeer`, `X`, `#`).
    pub name: String,
    /// Bare (serialized without a constructor id): a lowercase name or `%T`.
    pub bare: bool,
    /// `!X`: the parameter is a value of the generic type `X`.
    pub generic_ref: bool,
    /// `Vector<T>`'s `T`.
    pub generic_arg: Option<Box<Type>>,
}

impl Type {
    /// `namespace.name` without generic arguments.
    pub fn full_name(&self) -> String {
        join_name(&self.namespace, &self.name)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.generic_ref {
            f.write_str("!")?;
        }
        f.write_str(&self.full_name())?;
        if let Some(arg) = &self.generic_arg {
            write!(f, "<{arg}>")?;
        }
        Ok(())
    }
}

/// The result of a combinator: `= InputPeer`, `= Vector t`, `= X`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultType {
    /// Namespace parts.
    pub namespace: Vec<String>,
    /// The type's name.
    pub name: String,
    /// Arguments after the name (`t` in `Vector t`); functions may also
    /// write `Vector<User>`, which lands here as one argument.
    pub args: Vec<Type>,
}

impl ResultType {
    /// `namespace.name` without arguments.
    pub fn full_name(&self) -> String {
        join_name(&self.namespace, &self.name)
    }
}

fn join_name(namespace: &[String], name: &str) -> String {
    let mut s = String::new();
    for ns in namespace {
        s.push_str(ns);
        s.push('.');
    }
    s.push_str(name);
    s
}
