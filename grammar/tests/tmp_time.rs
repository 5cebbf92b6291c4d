#[test]
fn t() {
    let cases = vec![
        ("plus", format!("x = {}\n", vec!["1"; 100_000].join("+"))),
        ("pow", format!("x = {}\n", vec!["2"; 100_000].join("**"))),
        ("and", format!("x = {}\n", vec!["a"; 100_000].join(" and "))),
        ("lt", format!("x = {}\n", vec!["a"; 10_000].join(" < "))),
        ("attr", format!("x = a{}\n", ".b".repeat(100_000))),
        ("call", format!("x = f{}\n", "()".repeat(100_000))),
        ("idx", format!("x = a{}\n", "[0]".repeat(100_000))),
        ("tern", format!("x = {} 1\n", "a if b else ".repeat(50_000))),
    ];
    for (n, src) in cases {
        let t = std::time::Instant::now();
        let r = dana_grammar::parse_module(&src);
        println!("{n}: {:?} {:?}", t.elapsed(), r.err().map(|e| e.message));
    }
}
