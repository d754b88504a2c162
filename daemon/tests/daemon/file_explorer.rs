//! The file explorer through the real `paseo-daemon` binary: listing,
//! reading text/image/binary files, Paseo's error strings, and every way of
//! escaping the workspace (`..`, absolute paths, symlinks) refused without
//! leaking content.

use std::os::unix::fs::symlink;

use crate::support::*;
use crate::workspace::*;
use serde_json::{Value, json};

const SECRET: &str = "top-secret-outside-the-workspace";

async fn explore(ws: &mut Ws, cwd: &str, path: Option<&str>, mode: &str, id: &str) -> Value {
    let mut message = json!({"type":"file_explorer_request","cwd":cwd,"mode":mode,"requestId":id});
    if let Some(path) = path {
        message["path"] = path.into();
    }
    let (kind, payload) = request(ws, message).await;
    assert_eq!(kind, "file_explorer_response", "{payload}");
    payload
}

/// A workspace with text, image, binary and nested files, and an outside
/// directory holding a secret, linked to from inside.
fn setup() -> (tempfile::TempDir, tempfile::TempDir) {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.txt"), SECRET).expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("README.md"), "hello\nworld\n").expect("write");
    std::fs::write(root.join("logo.png"), b"\x89PNG\r\n\x1a\n").expect("write");
    std::fs::write(root.join("app.bin"), b"\x7fELF\x00\x00\x01").expect("write");
    std::fs::create_dir(root.join("src")).expect("mkdir");
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("write");
    symlink(outside.path().join("secret.txt"), root.join("leak.txt")).expect("symlink");
    symlink(outside.path(), root.join("leak_dir")).expect("symlink");
    (dir, outside)
}

#[tokio::test]
async fn lists_directories_and_reads_text_image_and_binary_files() {
    let (dir, _outside) = setup();
    let cwd = dir.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-files").await;

    let root = explore(&mut ws, &cwd, None, "list", "l1").await;
    assert_eq!(
        (root["path"].clone(), root["error"].clone()),
        (json!("."), Value::Null)
    );
    assert_eq!(root["file"], Value::Null);
    let entries = root["directory"]["entries"].as_array().expect("entries");
    let mut names: Vec<&str> = entries.iter().filter_map(|e| e["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "README.md",
            "app.bin",
            "leak.txt",
            "leak_dir",
            "logo.png",
            "src"
        ]
    );
    let src = entries.iter().find(|e| e["name"] == "src").expect("src");
    assert_eq!(
        (src["kind"].clone(), src["path"].clone()),
        (json!("directory"), json!("src"))
    );
    let readme = entries
        .iter()
        .find(|e| e["name"] == "README.md")
        .expect("readme");
    assert_eq!(
        (readme["kind"].clone(), readme["size"].clone()),
        (json!("file"), json!(12))
    );
    assert!(
        readme["modifiedAt"]
            .as_str()
            .is_some_and(|t| t.len() == 24 && t.ends_with('Z'))
    );
    // The outside target's size is not revealed: the link itself is described.
    let leak = entries
        .iter()
        .find(|e| e["name"] == "leak.txt")
        .expect("leak");
    assert_ne!(leak["size"], json!(SECRET.len()), "{leak}");

    let nested = explore(&mut ws, &cwd, Some("./src/"), "list", "l2").await;
    assert_eq!(nested["path"], "src");
    assert_eq!(nested["directory"]["entries"][0]["path"], "src/main.rs");

    let text = explore(&mut ws, &cwd, Some("README.md"), "file", "f1").await;
    assert_eq!(
        text["file"],
        json!({"path":"README.md","kind":"text","encoding":"utf-8","content":"hello\nworld\n",
               "mimeType":"text/plain","size":12,"modifiedAt":readme["modifiedAt"]})
    );
    assert_eq!(
        (text["directory"].clone(), text["error"].clone()),
        (Value::Null, Value::Null)
    );

    let image = explore(&mut ws, &cwd, Some("logo.png"), "file", "f2").await;
    assert_eq!(image["file"]["kind"], "image");
    assert_eq!(image["file"]["encoding"], "base64");
    assert_eq!(image["file"]["mimeType"], "image/png");
    assert_eq!(image["file"]["content"], "iVBORw0KGgo=");

    let binary = explore(&mut ws, &cwd, Some("app.bin"), "file", "f3").await;
    assert_eq!(binary["file"]["kind"], "binary");
    assert_eq!(binary["file"]["encoding"], "none");
    assert!(binary["file"].get("content").is_none(), "{binary}");
    assert_eq!(binary["file"]["size"], 7);
}

#[tokio::test]
async fn errors_use_paseo_wording() {
    let (dir, _outside) = setup();
    let cwd = dir.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-errors").await;

    let no_cwd = explore(&mut ws, "", None, "list", "e1").await;
    assert_eq!(no_cwd["error"], "cwd is required");
    let missing = explore(&mut ws, &cwd, Some("nope/missing.txt"), "file", "e2").await;
    let error = missing["error"].as_str().expect("error");
    assert!(
        error.starts_with("ENOENT: no such file or directory"),
        "{error}"
    );
    assert!(error.contains("nope/missing.txt"), "{error}");
    assert_eq!(
        (missing["file"].clone(), missing["directory"].clone()),
        (Value::Null, Value::Null)
    );
    let not_dir = explore(&mut ws, &cwd, Some("README.md"), "list", "e3").await;
    assert_eq!(not_dir["error"], "Requested path is not a directory");
    let not_file = explore(&mut ws, &cwd, Some("src"), "file", "e4").await;
    assert_eq!(not_file["error"], "Requested path is not a file");
}

#[tokio::test]
async fn escapes_from_the_workspace_are_refused_without_content() {
    let (dir, outside) = setup();
    let cwd = dir.path().to_string_lossy().into_owned();
    let outside_abs = outside
        .path()
        .join("secret.txt")
        .to_string_lossy()
        .into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-escape").await;

    let attempts: [(&str, &str); 9] = [
        ("../", "list"),
        ("../../../etc", "list"),
        ("src/../../", "list"),
        ("/etc/passwd", "file"),
        ("/etc", "list"),
        (&outside_abs, "file"),
        ("leak.txt", "file"),
        ("leak_dir", "list"),
        ("leak_dir/secret.txt", "file"),
    ];
    for (index, (path, mode)) in attempts.into_iter().enumerate() {
        let id = format!("x{index}");
        let payload = explore(&mut ws, &cwd, Some(path), mode, &id).await;
        assert_eq!(
            payload["error"], "Access outside of workspace is not allowed",
            "{path}: {payload}"
        );
        assert_eq!(payload["file"], Value::Null, "{path}");
        assert_eq!(payload["directory"], Value::Null, "{path}");
        assert_eq!(payload["path"], path, "the requested path is echoed");
        let text = payload.to_string();
        assert!(!text.contains(SECRET) && !text.contains("root:"), "{text}");
    }
}
