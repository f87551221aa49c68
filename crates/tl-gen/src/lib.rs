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
#[derive(Clone, Debug)]
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
    /// Enum variants whose struct is estimated wider than this many bytes
    /// hold a `Box` of it, so an enum is at most about this wide plus its
    /// tag ([`DEFAULT_INLINE_LIMIT`] by default; `usize::MAX` boxes only
    /// what recursion requires). Narrow enums keep vectors of them small
    /// and cheap to walk; every box is one more allocation when decoding.
    pub box_variants_over: usize,
}

/// The default [`Config::box_variants_over`], in bytes.
///
/// At 96, no enum of the API schema is wider than 104 bytes (`Update` was
/// 5,240 inline, `Message` 2,584) and 272 variants are boxed, while the
/// small constructors decoded by the thousand (`peerUser`, `inputPeerUser`,
/// `messageEntityBold`, `photoSize`, all but 16 of the `update*`
/// notifications) stay inline and cost no allocation. Decoding `benches`'
/// history page and updates container took 7% and 26% fewer instructions
/// than with every variant inline; 64 (more boxes) and 128 or more (wider
/// values moved around) took more than 96.
pub const DEFAULT_INLINE_LIMIT: usize = 96;

impl Default for Config {
    fn default() -> Self {
        Self {
            layer: 0,
            impl_debug: false,
            deserialize_any: false,
            impl_from_type: false,
            impl_from_enum: false,
            impl_serde: false,
            name_for_id: false,
            deserializable_functions: false,
            box_variants_over: DEFAULT_INLINE_LIMIT,
        }
    }
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
    let model = model::Model::new(definitions, config.box_variants_over)?;
    emit::emit(&model, config)
}
