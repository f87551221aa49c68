//! Generates the Rust definitions from `schema/*.tl`.
//!
//! Moving to a new layer is dropping a newer `api.tl` into `schema/` and
//! rebuilding: nothing here names a layer or a definition.

use std::path::{Path, PathBuf};
use std::{env, fs};

use paperplane_tl_gen::{Config, generate};

fn main() {
    // Read at run time: a build script binary reused from another checkout
    // of the same sources must still read this checkout's schema.
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let schema_dir = Path::new(&manifest_dir).join("../../schema");
    let feature = |name: &str| env::var_os(format!("CARGO_FEATURE_{name}")).is_some();

    let mut files = Vec::new();
    if feature("TL_API") {
        files.push(schema_dir.join("api.tl"));
    }
    if feature("TL_MTPROTO") {
        files.push(schema_dir.join("mtproto.tl"));
    }

    let mut definitions = Vec::new();
    let mut layer = None;
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let schema = paperplane_tl_parser::parse(&text)
            .unwrap_or_else(|e| panic!("{}:\n{e}", file.display()));
        layer = layer.or(schema.layer);
        definitions.extend(schema.definitions);
    }
    // The layer comes from api.tl; without it (mtproto only) there is none.
    let config = Config {
        layer: layer.unwrap_or(0),
        impl_debug: feature("IMPL_DEBUG"),
        deserialize_any: feature("DESERIALIZE_ANY"),
        impl_from_type: feature("IMPL_FROM_TYPE"),
        impl_from_enum: feature("IMPL_FROM_ENUM"),
        impl_serde: feature("IMPL_SERDE"),
        name_for_id: feature("NAME_FOR_ID"),
        deserializable_functions: feature("DESERIALIZABLE_FUNCTIONS"),
        ..Config::default()
    };
    let code = generate(&definitions, &config).unwrap_or_else(|e| panic!("{e}"));

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("generated.rs"), code).expect("cannot write generated code");
}
