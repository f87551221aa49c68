//! Parser for TL, the schema language of Telegram's MTProto API.
//!
//! It reads the whole language used by Telegram's published `api.tl` and
//! `mtproto.tl`: comments, `---types---` / `---functions---` sections,
//! explicit `#id`s (checked against the CRC32 of the normalised
//! definition), namespaces, `flags:#` words with `flags.N?Type` fields,
//! bare and boxed types, `Vector<T>`, `{X:Type}` generics with `!X`, the
//! built-in declarations (`int ? = Int;`, `vector {t:Type} # [ t ] = Vector t;`)
//! and the `// LAYER N` marker.
//!
//! ```
//! let schema = paperplane_tl_parser::parse(
//!     "// LAYER 1\ninputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer;",
//! ).unwrap();
//! assert_eq!(schema.layer, Some(1));
//! let def = &schema.definitions[0];
//! assert_eq!(def.name, "inputPeerUser");
//! assert_eq!(def.id, 0xdde8a54c);
//! ```

pub mod ast;
mod error;
mod id;
mod lexer;
mod parser;

pub use ast::{
    Body, Category, Definition, Flag, GenericParam, Parameter, ParameterKind, Position, ResultType,
    Schema, Type,
};
pub use error::{ErrorKind, ParseError, ParseErrors};
pub use id::{canonical_form, compute_id, id_matches};

use lexer::Item;

/// Parses a schema, reporting every error found (with line and column),
/// including `#id`s that do not match the definition's text.
///
/// Definitions written without an `#id` get the computed one.
pub fn parse(text: &str) -> Result<Schema, ParseErrors> {
    let mut schema = Schema::default();
    let mut errors = Vec::new();
    let mut category = Category::Types;

    for item in lexer::items(text) {
        match item {
            Item::Layer(layer) => schema.layer = Some(layer),
            Item::Section(name, position) => match name {
                "types" => category = Category::Types,
                "functions" => category = Category::Functions,
                other => errors.push(ParseError {
                    position,
                    kind: ErrorKind::UnknownSection(other.to_owned()),
                }),
            },
            Item::Unexpected(c, position) => errors.push(ParseError {
                position,
                kind: ErrorKind::UnexpectedChar(c),
            }),
            Item::Unterminated(position) => errors.push(ParseError {
                position,
                kind: ErrorKind::MissingSemicolon,
            }),
            Item::Statement(tokens, semicolon) => {
                if tokens.is_empty() {
                    continue;
                }
                match parser::definition(&tokens, category, semicolon) {
                    Ok(mut def) => {
                        let computed = compute_id(&def);
                        match def.explicit_id {
                            Some(written) if !def.is_core() && !id_matches(&def, written) => {
                                errors.push(ParseError {
                                    position: def.position,
                                    kind: ErrorKind::IdMismatch { written, computed },
                                });
                            }
                            Some(_) => {}
                            None => def.id = computed,
                        }
                        schema.definitions.push(def);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(schema)
    } else {
        Err(ParseErrors(errors))
    }
}
