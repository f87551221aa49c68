//! Parse errors, each with the line and column it was found at.

use std::fmt;

use crate::ast::Position;

/// One problem found in a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where the problem is.
    pub position: Position,
    /// What the problem is.
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Something else was required here.
    Expected(String),
    /// A character TL does not use.
    UnexpectedChar(char),
    /// The file ends in the middle of a declaration.
    MissingSemicolon,
    /// A section marker other than `---types---` / `---functions---`.
    UnknownSection(String),
    /// A name that is not a valid identifier.
    BadName(String),
    /// A `#id` that is not 1 to 8 hexadecimal digits.
    BadId(String),
    /// A flag reference that is not `name.N` with N in 0..=31.
    BadFlag(String),
    /// A flag reference to a name that is no earlier `name:#` parameter.
    UnknownFlags(String),
    /// The written `#id` differs from the CRC32 of the definition's text.
    IdMismatch {
        /// The id written after `#`.
        written: u32,
        /// The id computed from the normalised definition.
        computed: u32,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.position)?;
        match &self.kind {
            ErrorKind::Expected(what) => write!(f, "expected {what}"),
            ErrorKind::UnexpectedChar(c) => write!(f, "unexpected character {c:?}"),
            ErrorKind::MissingSemicolon => f.write_str("declaration is missing its `;`"),
            ErrorKind::UnknownSection(s) => write!(f, "unknown section `---{s}---`"),
            ErrorKind::BadName(n) => write!(f, "invalid name `{n}`"),
            ErrorKind::BadId(id) => write!(f, "invalid constructor id `#{id}`"),
            ErrorKind::BadFlag(r) => write!(f, "invalid flag reference `{r}`"),
            ErrorKind::UnknownFlags(n) => write!(f, "flag field `{n}` is not declared before use"),
            ErrorKind::IdMismatch { written, computed } => write!(
                f,
                "constructor id #{written:08x} does not match the computed #{computed:08x}"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Every problem found in a schema (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrors(pub Vec<ParseError>);

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}
