//! Generates the Rust source of `paperplane-tl` from parsed TL definitions.
//!
//! It runs in `paperplane-tl`'s build script, so moving to a new layer is
//! replacing `schema/api.tl` and rebuilding. The output is one file with
//! three modules, `types` (a struct per constructor), `enums` (an enum per
//! boxed type) and `functions` (a struct per method), namespaced as in the
//! schema, plus `LAYER` and the optional `name_for_id` table.
//!
//! ```
//! let schema = paperplane_tl_parser::parse(
//!     "inputPeerEmpty#7f3b18ea = InputPeer;\n\
//!      inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer;",
//! ).unwrap();
//! let code = paperplane_tl_gen::generate(&schema.definitions, &Default::default()).unwrap();
//! assert!(code.contains("pub struct InputPeerUser"));
//! assert!(code.contains("pub enum InputPeer"));
//! ```

mod emit;
mod model;
mod names;

use std::fmt;

use paperplane_tl_parser::Definition;

pub use names::{field_name, pascal_case, variant_name};

/// What to generate besides the types themselves.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The value of the generated `LAYER` constant.
    pub layer: i32,
    /// `#[derive(Debug)]` on everything.
    pub impl_debug: bool,
    /// `deserialize_any`, decoding any boxed type by its constructor id
    /// (requires `impl_debug`).
    pub deserialize_any: bool,
    /// `From<types::T> for enums::E`.
    pub impl_from_type: bool,
    /// `TryFrom<enums::E> for types::T`.
    pub impl_from_enum: bool,
    /// serde derives.
    pub impl_serde: bool,
    /// `name_for_id(u32) -> Option<&'static str>`.
    pub name_for_id: bool,
    /// `Deserializable` for functions.
    pub deserializable_functions: bool,
}

/// A definition the generator cannot express in Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenError {
    /// The definition's TL name.
    pub definition: String,
    /// Where it is in the schema (line).
    pub line: u32,
    /// What is wrong with it.
    pub message: String,
}

impl GenError {
    fn new(def: &Definition, message: String) -> Self {
        Self {
            definition: def.full_name(),
            line: def.position.line,
            message,
        }
    }
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}: {}",
            self.line, self.definition, self.message
        )
    }
}

impl std::error::Error for GenError {}

/// Generates the Rust source for `definitions`.
pub fn generate(definitions: &[Definition], config: &Config) -> Result<String, GenError> {
    let model = model::Model::new(definitions)?;
    emit::emit(&model, config)
}
