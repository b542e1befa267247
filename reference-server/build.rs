//! Builds the dashboard (`frontend/`, Vite) into `frontend/dist` so that a plain
//! `cargo run -p reference-server` serves it. Skipped when `SKIP_FRONTEND_BUILD` is set,
//! or when there is no `frontend/` beside the crate (a published crate).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SKIP_FRONTEND_BUILD");
    let frontend = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend");
    if !frontend.join("package.json").exists() {
        return;
    }
    for input in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", frontend.join(input).display());
    }
    if std::env::var_os("SKIP_FRONTEND_BUILD").is_some() {
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        println!("cargo:warning=npm not found: the dashboard is not built (install Node.js 20+ and rebuild)");
        return;
    }
    if !frontend.join("node_modules").exists() {
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&frontend),
            "npm ci",
        );
    }
    run(
        Command::new(npm)
            .args(["run", "build"])
            .current_dir(&frontend),
        "npm run build",
    );
}

fn run(command: &mut Command, what: &str) {
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("{what} failed in frontend/ ({status})"),
        Err(error) => panic!("{what} could not start: {error}"),
    }
}
