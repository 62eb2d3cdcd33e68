//! Embeds every `migrations/NNNN_name.sql` file, so adding a migration needs no code change.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../migrations");
    let dir = dir.canonicalize().expect("migrations/ folder next to the workspace root");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut files: Vec<(u32, String, PathBuf)> = fs::read_dir(&dir)
        .expect("read migrations/")
        .map(|entry| entry.expect("read migrations/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let version = name
                .split_once('_')
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or_else(|| panic!("migration {name} must be named NNNN_description.sql"));
            println!("cargo:rerun-if-changed={}", path.display());
            (version, name, path)
        })
        .collect();
    files.sort();
    for (expected, (version, name, _)) in (1..).zip(&files) {
        assert_eq!(*version, expected, "migration {name}: versions must run 1, 2, 3, ... without gaps");
    }

    let mut code = String::from("/// Every migration, in order.\npub const MIGRATIONS: &[Migration] = &[\n");
    for (version, name, path) in &files {
        writeln!(
            code,
            "    Migration {{ version: {version}, name: {name:?}, sql: include_str!({:?}) }},",
            path.display()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("migrations.rs");
    fs::write(out, code).expect("write generated migrations.rs");
}
