//! Unit tests of the diff parser, on output recorded from real `git diff`.

use super::*;

fn parse(text: &str) -> Vec<ParsedDiffFile> {
    parse_unified_diff(text, DiffLimits::default())
}

fn kinds(hunk: &DiffHunk) -> Vec<(DiffLineType, &str)> {
    hunk.lines
        .iter()
        .map(|line| (line.kind, line.content.as_str()))
        .collect()
}

const MIXED: &str = "\
diff --git a/bin.dat b/bin.dat
index 8352675..1592e5c 100644
Binary files a/bin.dat and b/bin.dat differ
diff --git a/brand.txt b/brand.txt
new file mode 100644
index 0000000..e69de29
diff --git a/keep.txt b/keep.txt
index de98044..7be73ce 100644
--- a/keep.txt
+++ b/keep.txt
@@ -1,3 +1,3 @@
 a
-b
+B
 c
diff --git a/old.txt b/new.txt
similarity index 76%
rename from old.txt
rename to new.txt
index b2f931a..055fb11 100644
--- a/old.txt
+++ b/new.txt
@@ -2,4 +2,4 @@ one
 two
 three
 four
-five
+five!
diff --git a/nonl.txt b/nonl.txt
index 20cbb4d..87cb42f 100644
--- a/nonl.txt
+++ b/nonl.txt
@@ -1 +1,2 @@
-no newline
\\ No newline at end of file
+no newline
+more
\\ No newline at end of file
diff --git a/gone.txt b/sp ace.txt
similarity index 50%
rename from gone.txt
rename to sp ace.txt
index b77b4eb..587be6b 100644
--- a/gone.txt
+++ b/sp ace.txt\t
@@ -1,2 +1 @@
 x
-y
diff --git \"a/ta\\tb.txt\" \"b/ta\\tb.txt\"
new file mode 100644
index 0000000..bca70f3
--- /dev/null
+++ \"b/ta\\tb.txt\"
@@ -0,0 +1 @@
+q
";

#[test]
fn parses_every_file_of_a_mixed_diff() {
    let files = parse(MIXED);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "bin.dat",
            "brand.txt",
            "keep.txt",
            "new.txt",
            "nonl.txt",
            "sp ace.txt",
            "ta\tb.txt"
        ]
    );
}

#[test]
fn binary_files_have_no_hunks() {
    let files = parse(MIXED);
    assert_eq!(files[0].status, Some(DiffFileStatus::Binary));
    assert!(files[0].hunks.is_empty());
    let new_binary = "diff --git a/nb.bin b/nb.bin\nnew file mode 100644\nindex 0000000..d0c3599\nBinary files /dev/null and b/nb.bin differ\n";
    let file = &parse(new_binary)[0];
    assert_eq!(
        (file.path.as_str(), file.is_new, file.status),
        ("nb.bin", true, Some(DiffFileStatus::Binary))
    );
}

#[test]
fn empty_new_file_is_new_with_no_hunks() {
    let file = &parse(MIXED)[1];
    assert!(file.is_new && !file.is_deleted);
    assert_eq!((file.additions, file.deletions), (0, 0));
    assert!(file.hunks.is_empty());
    assert_eq!(file.status, Some(DiffFileStatus::Ok));
}

#[test]
fn modification_has_header_context_and_changes() {
    let file = &parse(MIXED)[2];
    assert_eq!((file.additions, file.deletions), (1, 1));
    let hunk = &file.hunks[0];
    assert_eq!(
        (
            hunk.old_start,
            hunk.old_count,
            hunk.new_start,
            hunk.new_count
        ),
        (1, 3, 1, 3)
    );
    assert_eq!(
        kinds(hunk),
        [
            (DiffLineType::Header, "@@ -1,3 +1,3 @@"),
            (DiffLineType::Context, "a"),
            (DiffLineType::Remove, "b"),
            (DiffLineType::Add, "B"),
            (DiffLineType::Context, "c"),
        ]
    );
}

#[test]
fn renames_take_the_new_path() {
    let files = parse(MIXED);
    assert_eq!(files[3].path, "new.txt");
    assert!(!files[3].is_new && !files[3].is_deleted);
    assert_eq!(files[3].hunks[0].lines[0].content, "@@ -2,4 +2,4 @@ one");
    // A name with a space gets a trailing tab on its `+++` line.
    assert_eq!(files[5].path, "sp ace.txt");
    assert_eq!((files[5].additions, files[5].deletions), (0, 1));
}

#[test]
fn no_newline_markers_are_not_lines() {
    let file = &parse(MIXED)[4];
    assert_eq!((file.additions, file.deletions), (2, 1));
    assert_eq!(
        kinds(&file.hunks[0]),
        [
            (DiffLineType::Header, "@@ -1 +1,2 @@"),
            (DiffLineType::Remove, "no newline"),
            (DiffLineType::Add, "no newline"),
            (DiffLineType::Add, "more"),
        ]
    );
    assert_eq!(file.hunks[0].old_count, 1, "count defaults to 1");
}

#[test]
fn quoted_names_are_unquoted() {
    let file = &parse(MIXED)[6];
    assert_eq!(file.path, "ta\tb.txt");
    assert!(file.is_new);
    assert_eq!(file.hunks[0].old_start, 0);
    assert_eq!(unquote(r#""caf\303\251 \"x\"""#), "café \"x\"");
}

#[test]
fn deletions_are_marked_and_keep_their_path() {
    let text = "diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\nindex b77b4eb..0000000\n--- a/gone.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n";
    let file = &parse(text)[0];
    assert_eq!(file.path, "gone.txt");
    assert!(file.is_deleted && !file.is_new);
    assert_eq!((file.additions, file.deletions), (0, 2));
    assert_eq!(file.hunks[0].lines.len(), 3);
}

#[test]
fn content_that_looks_like_headers_is_still_content() {
    let text = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n--- a/y\n-diff --git a/z b/z\n+++ b/w\n+@@ -9 +9 @@\n";
    let files = parse(text);
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].additions, files[0].deletions), (2, 2));
    assert_eq!(files[0].hunks[0].lines[1].content, "-- a/y");
}

#[test]
fn oversized_files_become_too_large_but_keep_counts() {
    let mut text = String::from("diff --git a/big b/big\n--- a/big\n+++ b/big\n@@ -0,0 +1,50 @@\n");
    for i in 0..50 {
        text.push_str(&format!("+line {i}\n"));
    }
    let limits = DiffLimits {
        max_lines_per_file: 10,
        max_bytes_per_file: 1 << 20,
    };
    let file = &parse_unified_diff(&text, limits)[0];
    assert_eq!(file.status, Some(DiffFileStatus::TooLarge));
    assert!(file.hunks.is_empty());
    assert_eq!(file.additions, 50);
}

#[test]
fn mode_only_change_names_the_file_from_the_diff_git_line() {
    let text = "diff --git a/with space.sh b/with space.sh\nold mode 100644\nnew mode 100755\n";
    let file = &parse(text)[0];
    assert_eq!(file.path, "with space.sh");
    assert!(file.hunks.is_empty());
}

#[test]
fn empty_and_garbage_input_give_no_files() {
    assert!(parse("").is_empty());
    assert!(parse("not a diff\n@@ -1 +1 @@\n").is_empty());
    // Truncated hunk: stops without panicking.
    let files = parse("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n");
    assert_eq!(files[0].hunks[0].lines.len(), 2);
}
