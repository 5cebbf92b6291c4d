//! `stats` against numpy and scipy: stats_reference.json holds the numbers that
//! stats_reference.py computed once, with the specs of the samples, which are regenerated here
//! bit for bit. Also the module as Dana code sees it: import, results, errors, signatures.

use dana_interpreter::eval::{Interp, Output};
use dana_stdlib::stats;
use serde_json::Value as Json;

const REFERENCE: &str = include_str!("stats_reference.json");

fn reference() -> Json {
    serde_json::from_str(REFERENCE).expect("stats_reference.json parses")
}

/// Knuth's MMIX LCG, top 53 bits: the generator of stats_reference.py.
fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// A sample: a literal list, or a generator spec (see stats_reference.py).
fn sample(v: &Json) -> Vec<f64> {
    if let Some(items) = v.as_array() {
        return items.iter().map(|x| x.as_f64().expect("number")).collect();
    }
    let num = |k: &str| v[k].as_f64().expect(k);
    let seed = v["seed"].as_u64().expect("seed");
    let n = v["n"].as_u64().expect("n") as usize;
    let (scale, shift, grid) = (num("scale"), num("shift"), num("grid"));
    lcg(seed, n)
        .into_iter()
        .map(|u| {
            let x = u * scale + shift;
            if grid > 0.0 {
                (x * grid).floor() / grid
            } else {
                x
            }
        })
        .collect()
}

#[track_caller]
fn assert_close(got: f64, want: f64, rel: f64, what: &str) {
    let ok = if want == 0.0 {
        got.abs() <= 1e-300
    } else {
        ((got - want) / want).abs() <= rel
    };
    assert!(ok, "{what}: got {got:e}, scipy/numpy {want:e}");
}

#[test]
fn the_generator_matches_the_reference_script() {
    // First values of seed 1, computed by stats_reference.py's lcg().
    let r = reference();
    let first = &r["describe"][3];
    let xs = sample(&first["xs"]);
    assert_eq!(xs.len(), 101);
    assert_close(
        stats::mean(&xs).expect("mean"),
        first["mean"].as_f64().expect("mean"),
        1e-12,
        "mean of the generated sample",
    );
}

#[test]
fn descriptive_statistics_match_numpy() {
    for case in reference()["describe"].as_array().expect("cases") {
        let xs = sample(&case["xs"]);
        let get = |k: &str| case[k].as_f64().expect(k);
        assert_close(stats::mean(&xs).expect("mean"), get("mean"), 1e-12, "mean");
        assert_close(
            stats::median(&xs).expect("median"),
            get("median"),
            1e-12,
            "median",
        );
        assert_close(
            stats::stdev(&xs).expect("stdev"),
            get("stdev"),
            1e-10,
            "stdev",
        );
        assert_close(
            stats::variance(&xs).expect("variance"),
            get("variance"),
            1e-10,
            "variance",
        );
    }
}

#[test]
fn percentiles_match_numpy() {
    for case in reference()["percentile"].as_array().expect("cases") {
        let xs = sample(&case["xs"]);
        let qs = case["q"].as_array().expect("q");
        let want = case["expected"].as_array().expect("expected");
        for (q, w) in qs.iter().zip(want) {
            let q = q.as_f64().expect("q");
            let got = stats::percentile(&xs, q).expect("percentile");
            assert_close(
                got,
                w.as_f64().expect("w"),
                1e-12,
                &format!("percentile {q}"),
            );
        }
    }
}

#[test]
fn ks_2samp_matches_scipy() {
    for (i, case) in reference()["ks_2samp"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
    {
        let (a, b) = (sample(&case["a"]), sample(&case["b"]));
        let r = stats::ks_2samp(&a, &b).expect("ks_2samp");
        let what = format!("case {i} (n = {}, {})", a.len(), b.len());
        assert_close(
            r.statistic,
            case["statistic"].as_f64().expect("statistic"),
            1e-12,
            &format!("{what} statistic"),
        );
        assert_close(
            r.p_value,
            case["p_value"].as_f64().expect("p_value"),
            1e-6,
            &format!("{what} p-value"),
        );
        // The test is symmetric.
        let s = stats::ks_2samp(&b, &a).expect("ks_2samp");
        assert_close(s.p_value, r.p_value, 1e-9, &format!("{what} swapped"));
    }
}

#[test]
fn kstwo_survival_function_matches_scipy() {
    for case in reference()["kstwo_sf"].as_array().expect("cases") {
        let n = case["n"].as_u64().expect("n");
        let x = case["x"].as_f64().expect("x");
        let want = case["sf"].as_f64().expect("sf");
        let got = stats::kstwo_sf(n, x);
        // Relative 1e-6, or absolute 1e-15 for values that small.
        let ok = (got - want).abs() <= 1e-6 * want.abs() || (got - want).abs() <= 1e-15;
        assert!(ok, "kstwo.sf({x}, {n}): got {got:e}, scipy {want:e}");
    }
}

#[test]
fn psi_matches_numpy() {
    for case in reference()["psi"].as_array().expect("cases") {
        let (e, a) = (sample(&case["expected"]), sample(&case["actual"]));
        let bins = case["bins"].as_u64().expect("bins") as usize;
        let got = stats::psi(&e, &a, bins).expect("psi");
        assert_close(got, case["psi"].as_f64().expect("psi"), 1e-10, "psi");
    }
}

#[test]
fn kl_divergence_matches_scipy() {
    for case in reference()["kl_divergence"].as_array().expect("cases") {
        let (p, q) = (sample(&case["p"]), sample(&case["q"]));
        let got = stats::kl_divergence(&p, &q).expect("kl");
        assert_close(got, case["kl"].as_f64().expect("kl"), 1e-10, "kl");
        if let Some(e) = case.get("scipy_entropy").and_then(Json::as_f64) {
            assert_close(got, e, 1e-10, "scipy.stats.entropy");
        }
    }
}

// ---- through Dana --------------------------------------------------------------------------

fn run(src: &str) -> String {
    let mut it = Interp::new();
    dana_stdlib::install(&mut it);
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(()) => it.take_output().trim_end().to_string(),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}

#[test]
fn dana_programs_use_the_module() {
    assert_eq!(
        run("import stats\nprint(stats.mean([1, 2, 3, 4]), stats.median((3, 1, 2)), stats.variance([2, 4, 4, 4, 5, 5, 7, 9]) * 7)"),
        "2.5 2.0 32.0"
    );
    assert_eq!(
        run("import stats\nprint(stats.percentile([1, 2, 3, 4], 25), stats.percentile(xs=range(11), q=50))"),
        "1.75 5.0"
    );
    assert_eq!(
        run("import stats\nr = stats.ks_2samp([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])\nprint(sorted(r.keys()), r[\"statistic\"], round(r[\"p_value\"], 12))"),
        "['p_value', 'statistic'] 1.0 0.1"
    );
    assert_eq!(
        run("import stats\nprint(stats.psi([1, 2, 3, 4], [1, 2, 3, 4], bins=2), stats.kl_divergence([1, 1], [1, 1]))"),
        "0.0 0.0"
    );
}

#[test]
fn dana_errors_are_value_errors_with_clear_messages() {
    let cases = [
        ("stats.mean([])", "ValueError: mean() xs must not be empty"),
        (
            "stats.median([1.0, float('nan')])",
            "ValueError: median() xs[1] is NaN",
        ),
        (
            "stats.stdev([1])",
            "ValueError: stdev() requires at least two data points",
        ),
        (
            "stats.percentile([1, 2], 150)",
            "ValueError: percentile() q must be in the range [0, 100], not 150",
        ),
        (
            "stats.ks_2samp([1], [])",
            "ValueError: ks_2samp() b must not be empty",
        ),
        (
            "stats.kl_divergence([1, 2], [1])",
            "ValueError: kl_divergence() p and q must have the same length, not 2 and 1",
        ),
        (
            "stats.psi([1], [2], bins=0)",
            "ValueError: psi() bins must be between 1 and 10000, not 0",
        ),
        (
            "stats.mean(['a'])",
            "TypeError: mean() xs[0] must be a number, not str",
        ),
        (
            "stats.mean('abc')",
            "TypeError: mean() xs must be a list or tuple of numbers, not str",
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(run(&format!("import stats\nprint({expr})")), want, "{expr}");
    }
}

#[test]
fn every_function_documents_its_signature() {
    // The first doc line is the signature `help()` shows and the type checker reads.
    for f in [
        "mean",
        "median",
        "stdev",
        "variance",
        "percentile",
        "ks_2samp",
        "psi",
        "kl_divergence",
    ] {
        let out = run(&format!("import stats\nhelp(stats.{f})"));
        let signature = out
            .lines()
            .find(|l| l.starts_with(&format!("{f}(")))
            .unwrap_or_else(|| panic!("no signature in help of {f}: {out}"));
        assert!(signature.contains(") -> "), "{signature}");
    }
}
