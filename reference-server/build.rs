//! Builds the dashboard (`frontend/`, Vite) into `frontend/dist` so that a plain
//! `cargo run -p reference-server` serves it. Skipped when `SKIP_FRONTEND_BUILD` is set.
//!
//! A packaged crate (`cargo install reference-server`) has no `frontend/` beside it: it
//! carries the dashboard already built, in `dashboard/`, which
//! `scripts/package-dashboard.sh` copies from `frontend/dist` before `cargo package` or
//! `cargo publish` (generated then, never committed). This script tells `frontend.rs`
//! which folder to embed with the `dashboard_in_crate` cfg, and refuses to build a
//! packaged crate that lacks it: such a package was made by mistake, and would serve
//! no dashboard.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SKIP_FRONTEND_BUILD");
    println!("cargo::rustc-check-cfg=cfg(dashboard_in_crate)");
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let frontend = crate_dir.join("../frontend");
    if !frontend.join("package.json").exists() {
        let packaged = crate_dir.join("dashboard");
        println!("cargo:rerun-if-changed={}", packaged.display());
        if !packaged.join("index.html").exists() {
            panic!(
                "this copy of reference-server was packaged without its dashboard \
                 (dashboard/index.html is missing): its packager must run \
                 scripts/package-dashboard.sh before cargo package; or build from a \
                 checkout of the repository"
            );
        }
        println!("cargo:rustc-cfg=dashboard_in_crate");
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
