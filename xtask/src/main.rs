//! `cargo xtask`: the project's build runner.
//!
//! Why not cargo-leptos: on this toolchain (rustc 1.95) the current release
//! does not build, and the version that does costs ~11 minutes of CI to
//! compile and still shells out to a `wasm-bindgen` binary of the exact
//! version. This runner links `wasm-bindgen-cli-support` at the version pinned
//! in the workspace, so the bundle always matches the `wasm-bindgen` crate in
//! `Cargo.lock`, and the whole pipeline is four visible steps:
//!
//! 1. `cargo build -p frontend --target wasm32-unknown-unknown`
//!    (profile `wasm-release` for `--release`; linked with `--emit-relocs`,
//!    `.cargo/config.toml`);
//! 2. wasm-split (`wasm_split_cli_support`, what `cargo leptos --split`
//!    runs): the code behind `#[lazy]`/`#[lazy_route]` goes into
//!    `pkg/split_*.wasm` chunks with their loader
//!    `pkg/__wasm_split.______________________.js` and
//!    `pkg/__wasm_split_manifest.json`; then wasm-bindgen (`--target web`,
//!    keeping the linker's exports the chunks import) on the main module into
//!    `target/site/pkg/paseo-web.{js,wasm}`;
//! 3. for `--release`, `wasm-opt -Oz` (main module and chunks) from the pinned npm `binaryen`
//!    (Debian's binaryen silently breaks hydration), then `esbuild --minify` on the
//!    JavaScript glue;
//! 4. `style/main.css` then the other `style/*.css` into `pkg/paseo-web.css` and `public/*` to the site
//!    root, then `cargo build -p server` (the bundle name reaches Leptos at
//!    compile time through `.cargo/config.toml`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// `XTASK_WASM_NAMES=1` keeps function names in a release bundle, for
/// `twiggy top`: the figures then say which code the bytes are, at the cost of
/// a bigger file (never for shipping).
fn keep_names() -> bool {
    std::env::var_os("XTASK_WASM_NAMES").is_some_and(|v| v == "1")
}

/// The bundle name; must equal `LEPTOS_OUTPUT_NAME` in `.cargo/config.toml`.
const OUTPUT_NAME: &str = "paseo-web";

const USAGE: &str = "\
cargo xtask — build runner for paseo-web

USAGE:
    cargo xtask build [--release]        build the wasm bundle, the CSS, the server, the daemon
                                         and the offline test agent
    cargo xtask bundle [--release]       build only the wasm bundle and the CSS
    cargo xtask serve [--release] [-- ARGS]
                                         build, then run paseo-web with ARGS
    cargo xtask size                     print the size of the built bundle (raw and gzip):
                                         the initial load of / and each lazy chunk

The site (pkg/ with js, wasm and css) goes to target/site; paseo-web serves it
from there (--site-root to change).";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (ours, passthrough) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (&args[..], &[][..]),
    };
    let release = ours.iter().any(|a| a == "--release");
    let root = workspace_root()?;
    match ours.first().map(String::as_str) {
        Some("build") => {
            bundle(&root, release)?;
            build_server(&root, release)
        }
        Some("bundle") => bundle(&root, release),
        Some("serve") => {
            bundle(&root, release)?;
            build_server(&root, release)?;
            serve(&root, release, passthrough)
        }
        Some("size") => size(&root),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask must live one level below the workspace root")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn step(name: &str) -> Instant {
    eprintln!("xtask: {name}…");
    Instant::now()
}

fn done(name: &str, started: Instant) {
    eprintln!(
        "xtask: {name} done in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Steps 1–4 except the server build.
fn bundle(root: &Path, release: bool) -> Result<()> {
    let target = target_dir(root);
    let site = target.join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;

    let t = step("compiling the frontend to wasm");
    let profile = if release { "wasm-release" } else { "dev" };
    run(cargo().current_dir(root).args([
        "build",
        "--package",
        "frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]))?;
    done("wasm compile", t);

    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target
        .join("wasm32-unknown-unknown")
        .join(profile_dir)
        .join("frontend.wasm");

    // Chunks of an earlier build must not linger (their names and number
    // follow the split points).
    for entry in std::fs::read_dir(&pkg)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".wasm")
            || name.starts_with("__wasm_split")
            || name.ends_with(".gz")
            || name.ends_with(".br")
        {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let t = step("splitting the lazy-loaded chunks out (wasm-split)");
    let split_main = wasm.with_file_name("frontend_split.wasm");
    let chunks = split(&wasm, &split_main, &pkg)?;
    done("wasm-split", t);

    let t = step("running wasm-bindgen");
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&split_main)
        .web(true)
        .context("wasm-bindgen --target web")?
        .out_name(OUTPUT_NAME)
        // The chunks import the main module's functions by their linker
        // names: keep them exported and unmangled (as cargo-leptos does).
        .keep_lld_exports(true)
        .demangle(false)
        .debug(!release)
        .keep_debug(!release || keep_names());
    bindgen
        .generate(&pkg)
        .with_context(|| format!("wasm-bindgen on {}", split_main.display()))?;
    let bindgen_wasm = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let final_wasm = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    std::fs::rename(&bindgen_wasm, &final_wasm).context("renaming the wasm bundle")?;
    done("wasm-bindgen", t);

    if release {
        let t = step("optimising with wasm-opt -Oz");
        let wasm_opt = wasm_opt(root)?;
        for file in std::iter::once(&final_wasm).chain(&chunks) {
            run(Command::new(&wasm_opt)
                .arg("-Oz")
                .args(keep_names().then_some("-g"))
                .args([
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "--enable-mutable-globals",
                ])
                .arg(file)
                .arg("-o")
                .arg(file))?;
        }
        done("wasm-opt", t);

        // The JavaScript glue is part of the first load too: minified, it
        // is ~30% smaller gzipped (exports keep their names).
        let t = step("minifying the JavaScript glue (esbuild)");
        let esbuild = node_tool(root, "esbuild")?;
        for name in [format!("{OUTPUT_NAME}.js"), SPLIT_JS.to_owned()] {
            let file = pkg.join(name);
            if file.exists() {
                run(Command::new(&esbuild)
                    .arg(&file)
                    .args([
                        "--minify",
                        "--format=esm",
                        "--log-level=warning",
                        "--allow-overwrite",
                    ])
                    .arg(format!("--outfile={}", file.display())))?;
            }
        }
        done("esbuild", t);
    }

    write_css(root, &pkg.join(format!("{OUTPUT_NAME}.css")))?;
    if release {
        let t = step("precompressing the bundle (.gz by zopfli, .br by brotli)");
        precompress(&pkg)?;
        done("precompression", t);
    }
    let public = root.join("public");
    if public.is_dir() {
        for entry in std::fs::read_dir(&public)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::copy(entry.path(), site.join(entry.file_name()))?;
            }
        }
    }
    eprintln!("xtask: site ready in {}", site.display());
    Ok(())
}

/// One stylesheet: `style/main.css`, then every other `style/*.css` in
/// name order (one file per feature, so features do not edit one file).
fn write_css(root: &Path, out: &Path) -> Result<()> {
    let style = root.join("style");
    let mut others: Vec<PathBuf> = std::fs::read_dir(&style)
        .context("reading style/")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "css") && !p.ends_with("main.css"))
        .collect();
    others.sort();
    let mut css =
        std::fs::read_to_string(style.join("main.css")).context("reading style/main.css")?;
    for path in others {
        css.push('\n');
        css.push_str(
            &std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?,
        );
    }
    std::fs::write(out, css).context("writing the stylesheet")
}

/// What cargo-leptos does for `--split` (its `wasm_split_tools`): the
/// functions behind `#[lazy]`/`#[lazy_route]` and what only they reach go
/// into `pkg/<split>.wasm` chunks, loaded by `pkg/{SPLIT_JS}` (which the
/// wasm imports, so wasm-bindgen's `paseo-web.js` imports it in turn) and
/// listed in `pkg/__wasm_split_manifest.json` (the server reads it to
/// preload the chunks a server-rendered page needs). The main module goes
/// to `split_main` for wasm-bindgen. Needs the wasm linked with
/// `--emit-relocs` (`.cargo/config.toml`). Returns the chunks' paths.
fn split(wasm: &Path, split_main: &Path, pkg: &Path) -> Result<Vec<PathBuf>> {
    let input = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let main_module = format!("./{OUTPUT_NAME}.js");
    let link_name = format!("./{SPLIT_JS}");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = pkg;
    opts.main_out_path = split_main;
    opts.main_module = &main_module;
    opts.link_name = &link_name;
    let split = wasm_split_cli_support::transform(opts)
        .map_err(|e| anyhow::anyhow!("wasm-split on {}: {e:?}", wasm.display()))?;
    let prefetch: std::collections::BTreeMap<_, _> = split.prefetch_map.iter().collect();
    let manifest = serde_json::to_string_pretty(&prefetch)?;
    std::fs::write(pkg.join("__wasm_split_manifest.json"), manifest)
        .context("writing __wasm_split_manifest.json")?;
    Ok(split.split_modules)
}

/// The chunk loader's name: Leptos' `HydrationScripts` looks for exactly
/// this file when file hashing is off (cargo-leptos renames it when on).
const SPLIT_JS: &str = "__wasm_split.______________________.js";

/// The pinned npm binaryen (`tools/node_modules`), never Debian's.
fn wasm_opt(root: &Path) -> Result<PathBuf> {
    node_tool(root, "wasm-opt")
        .context("Debian's binaryen is deliberately not used because it breaks hydration")
}

/// A build tool pinned in `tools/package.json`.
fn node_tool(root: &Path, name: &str) -> Result<PathBuf> {
    let candidate = root.join("tools/node_modules/.bin").join(name);
    if candidate.exists() {
        return Ok(candidate);
    }
    bail!(
        "{name} not found at {}: run `npm ci --prefix tools` (scripts/setup.sh does it)",
        candidate.display()
    )
}

fn build_server(root: &Path, release: bool) -> Result<()> {
    let t = step("compiling the server");
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "build",
        "--package",
        "server",
        "--package",
        "daemon",
        "--package",
        "test-agent",
    ]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    done("server compile", t);
    Ok(())
}

fn serve(root: &Path, release: bool, args: &[String]) -> Result<()> {
    let bin = target_dir(root)
        .join(if release { "release" } else { "debug" })
        .join("paseo-web");
    let site = target_dir(root).join("site");
    run(Command::new(bin)
        .arg("--site-root")
        .arg(site)
        .args(args)
        .current_dir(root))
}

/// Sizes (raw and `gzip -9`) of what the browser loads for `/` (the main
/// wasm, its JS and the chunk loader), their total (the budget's figure),
/// then each lazily loaded chunk.
fn size(root: &Path) -> Result<()> {
    let pkg = target_dir(root).join("site/pkg");
    let initial = [
        format!("{OUTPUT_NAME}.wasm"),
        format!("{OUTPUT_NAME}.js"),
        SPLIT_JS.to_owned(),
    ];
    let (mut raw_total, mut gz_total) = (0, 0);
    let mut served_total = Some((0, 0));
    for name in &initial {
        let path = pkg.join(name);
        if name == SPLIT_JS && !path.exists() {
            continue;
        }
        let (raw, gz) = sizes(&path)?;
        raw_total += raw;
        gz_total += gz;
        let served = served(&path);
        served_total = served_total
            .zip(served)
            .map(|((g, b), (sg, sb))| (g + sg, b + sb));
        println!(
            "{name}: {raw} bytes raw, {gz} bytes gzip -9{}",
            served_text(served)
        );
    }
    println!(
        "initial load of /: {raw_total} bytes raw, {gz_total} bytes gzip -9{}",
        served_text(served_total)
    );
    let mut chunks: Vec<PathBuf> = std::fs::read_dir(&pkg)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "wasm")
                && p.file_name() != Some(std::ffi::OsStr::new(&initial[0]))
        })
        .collect();
    chunks.sort();
    for path in chunks {
        let (raw, gz) = sizes(&path)?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "lazy chunk {name}: {raw} bytes raw, {gz} bytes gzip -9{}",
            served_text(served(&path))
        );
    }
    Ok(())
}

/// Writes `name.gz` and `name.br` beside every `.wasm`, `.js` and `.css` in
/// `pkg`. The server's static files (`leptos_axum`'s `ServeDir`) send them
/// instead of the file to a browser that accepts the encoding: the bundle
/// crosses the network compressed, never at run time's cost. zopfli writes
/// ordinary gzip, ~4% smaller than `gzip -9`, at the cost of a few seconds
/// here; brotli (quality 11) is smaller still, for browsers that take it.
fn precompress(pkg: &Path) -> Result<()> {
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "wasm" | "js" | "css"));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let gz_path = with_suffix(&path, "gz");
        let mut gz = Vec::new();
        zopfli::compress(
            zopfli::Options::default(),
            zopfli::Format::Gzip,
            bytes.as_slice(),
            &mut gz,
        )
        .with_context(|| format!("compressing {}", path.display()))?;
        std::fs::write(&gz_path, gz).with_context(|| format!("writing {}", gz_path.display()))?;
        let br_path = with_suffix(&path, "br");
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut bytes.as_slice(), &mut br, &params)
            .with_context(|| format!("compressing {}", path.display()))?;
        std::fs::write(&br_path, br).with_context(|| format!("writing {}", br_path.display()))?;
    }
    Ok(())
}

/// `dir/name.ext` → `dir/name.ext.suffix`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The sizes of the precompressed `.gz` and `.br` the server sends for
/// `path` (a release build writes them), if both are there.
fn served(path: &Path) -> Option<(u64, u64)> {
    let len = |suffix| {
        std::fs::metadata(with_suffix(path, suffix))
            .ok()
            .map(|m| m.len())
    };
    len("gz").zip(len("br"))
}

fn served_text(served: Option<(u64, u64)>) -> String {
    served
        .map(|(gz, br)| format!("; served: {gz} bytes gzip (zopfli), {br} bytes brotli"))
        .unwrap_or_default()
}

/// `(raw, gzip -9)` byte counts of one file.
fn sizes(path: &Path) -> Result<(usize, usize)> {
    use std::io::Write;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut gz = Command::new("gzip")
        .arg("-9c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("gzip")?;
    // Feed stdin from a thread: gzip's output fills its pipe before a
    // big input is written, and reading only afterwards deadlocks.
    let mut stdin = gz.stdin.take().context("gzip stdin")?;
    let feeder = std::thread::spawn(move || stdin.write_all(&bytes).map(|()| bytes.len()));
    let out = gz.wait_with_output()?;
    let raw = feeder
        .join()
        .map_err(|_| anyhow::anyhow!("gzip feeder panicked"))??;
    Ok((raw, out.stdout.len()))
}
