//! Unified diffs for `dana fmt --diff`: a longest-common-subsequence line diff between the
//! common head and tail of the two texts, shown in hunks with three lines of context.

use std::fmt::Write;

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Above this many cells the middle is shown as one replacement instead of searched.
const MAX_CELLS: usize = 16_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// The unified diff from `old` to `new`, both named `name` (`a/name`, `b/name`).
pub(crate) fn unified(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Positions in `ops` of changes, grouped into hunks when their context overlaps.
    let changes: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].0 != Op::Same).collect();
    let mut k = 0;
    while k < changes.len() {
        let start = changes[k].saturating_sub(CONTEXT);
        let mut end = changes[k] + 1;
        while k + 1 < changes.len() && changes[k + 1] <= end + 2 * CONTEXT {
            k += 1;
            end = changes[k] + 1;
        }
        let end = (end + CONTEXT).min(ops.len());
        let (mut ai, mut bi) = (ops[start].1, ops[start].2);
        let (mut an, mut bn) = (0, 0);
        let mut body = String::new();
        for &(op, i, j) in &ops[start..end] {
            let (mark, line) = match op {
                Op::Same => (' ', a[i]),
                Op::Del => ('-', a[i]),
                Op::Add => ('+', b[j]),
            };
            let _ = writeln!(body, "{mark}{line}");
            if op != Op::Add {
                an += 1;
            }
            if op != Op::Del {
                bn += 1;
            }
        }
        if an > 0 {
            ai += 1;
        }
        if bn > 0 {
            bi += 1;
        }
        let _ = writeln!(out, "@@ -{ai},{an} +{bi},{bn} @@");
        out.push_str(&body);
        k += 1;
    }
    out
}

/// Each line of the diff: the operation, the line index in `a` and in `b` at that point.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<(Op, usize, usize)> = (0..head).map(|i| (Op::Same, i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n * m <= MAX_CELLS {
        // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if am[i] == bm[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((Op::Same, head + i, head + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
                ops.push((Op::Del, head + i, head + j));
                i += 1;
            } else {
                ops.push((Op::Add, head + i, head + j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..n).map(|i| (Op::Del, head + i, head)));
        ops.extend((0..m).map(|j| (Op::Add, head + n, head + j)));
    }
    let (a0, b0) = (a.len() - tail, b.len() - tail);
    ops.extend((0..tail).map(|t| (Op::Same, a0 + t, b0 + t)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line_in_the_middle() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified("m.na", old, new),
            "--- a/m.na\n+++ b/m.na\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn added_lines_at_the_start() {
        let d = unified("m.na", "x\n", "# c\nx\n");
        assert_eq!(d, "--- a/m.na\n+++ b/m.na\n@@ -1,1 +1,2 @@\n+# c\n x\n");
    }
}
