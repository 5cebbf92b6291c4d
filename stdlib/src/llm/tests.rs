//! `reason()`/`llm()` through the evaluator, with the mock provider given as an explicit
//! configuration (the process environment is never read or changed, so tests run in
//! parallel), and against loopback sockets for the error paths.

use super::*;
use dana_interpreter::eval::Output;
use std::collections::HashMap;

fn mock_config() -> LlmConfig {
    let env: HashMap<&str, &str> = [("DANA_MOCK_LLM", "true")].into();
    LlmConfig::from_sources(&|k| env.get(k).map(|v| v.to_string()), None)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(config: LlmConfig, src: &str) -> String {
    let mut it = Interp::new();
    crate::install(&mut it);
    install_with(&mut it, config);
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(()) => it.take_output(),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}

fn run(src: &str) -> String {
    run_with(mock_config(), src)
}

#[test]
fn typed_reason_gives_values_of_the_type() {
    let out = run("\
n: int = reason(\"how many?\")
f: float = reason(\"how much?\")
b: bool = reason(\"is it?\")
s: str = reason(\"who?\")
so: str | None = reason(\"who else?\")
xs: list[int] = reason(\"which numbers?\")
d: dict[str, float] = reason(\"prices?\")
t: tuple[int, str] = reason(\"pair?\")
o: int | None = reason(\"maybe?\")
print(type(n), type(f), type(b), type(s), type(xs), type(d), type(t), type(o))
print(\"mock answer\" in so)
print(all([type(x) == int for x in xs]), len(xs))
print(all([type(v) == float for v in d.values()]))
print(type(t[0]), type(t[1]))
");
    assert_eq!(
        out,
        "int float bool str list dict tuple int\nTrue\nTrue 3\nTrue\nint str\n"
    );
}

#[test]
fn struct_types_get_structs() {
    let out = run("\
struct Address:
    city: str  # the city name
    zip: str

struct Person:
    \"\"\"A person in the address book.\"\"\"
    name: str  # full name
    age: int  # in years
    email: str = \"\"
    home: Address
    tags: list[str]

p: Person = reason(\"Invent a person\")
print(type(p), type(p.name), type(p.age), type(p.home), type(p.home.city), type(p.tags))
");
    assert_eq!(out, "Person str int Address str list\n");
}

#[test]
fn untyped_and_raw_calls_give_text() {
    let out = run("\
a = reason(\"hello\")
b = llm(\"hi\")
c: any = reason(\"hello\")
print(type(a), type(b), type(c), a == c)
print(\"mock answer\" in b)
");
    assert_eq!(out, "str str str True\nTrue\n");
}

#[test]
fn the_mock_is_deterministic() {
    let src = "\
n: int = reason(\"how many?\")
m: int = reason(\"how many?\")
k: int = reason(\"how many now?\")
print(n == m, llm(\"x\") == llm(\"x\"), llm(\"x\") != llm(\"y\"))
print(n)
";
    let first = run(src);
    assert!(first.starts_with("True True True\n"), "{first}");
    assert_eq!(first, run(src));
}

#[test]
fn only_the_direct_call_sees_the_type() {
    // len() is the call on the right: reason() inside it asks for text, not an int.
    let out = run("\
k: int = len(reason(\"list fruits\"))
print(k > 5)
def wrapper() -> str:
    return reason(\"who?\")
s: str = wrapper()
print(type(s))
");
    assert_eq!(out, "True\nstr\n");
    // A Dana function between the assignment and reason(): reason() asks for text, which
    // is not an int.
    let out = run("\
def ask():
    return reason(\"how many?\")
n: int = ask()
");
    assert!(out.starts_with("TypeError: cannot assign"), "{out}");
    // The expected type is gone after the assignment, also when it failed.
    let out = run("\
try:
    n: int = reason(undefined_name)
except NameError:
    pass
x = reason(\"after\")
print(type(x))
");
    assert_eq!(out, "str\n");
}

#[test]
fn prompts_carry_the_type_and_struct_comments() {
    let mut it = Interp::new();
    let g = it.new_globals("__main__", None);
    let src = "\
struct Point:
    x: int  # horizontal, in pixels
    y: int = 0
";
    assert!(it.run_source("<test>", src, &g).is_ok());
    let call = Call {
        fname: "reason",
        prompt: "Where?".into(),
        model: None,
        temperature: None,
        max_tokens: None,
        system: None,
        json: false,
        schema: None,
    };
    let ann = TypeAnn::Named(Sym::intern("Point"));
    let (msgs, wanted) = reason_messages(&it, &call, Some((&ann, &g)));
    assert_eq!(msgs[0].content, REASON_SYSTEM);
    let user = &msgs[1].content;
    assert!(user.starts_with("Where?\n\n"), "{user}");
    assert!(user.contains("- x: int — horizontal, in pixels"), "{user}");
    assert!(user.contains("- y: int (optional)"), "{user}");
    let schema = dana_llm::schema::find_schema(user).unwrap_or_default();
    assert_eq!(schema["title"], "Point");
    assert_eq!(schema["properties"]["x"]["type"], "integer");
    assert_eq!(
        schema["properties"]["x"]["description"],
        "horizontal, in pixels"
    );
    assert_eq!(schema["required"], json!(["x"]));
    assert_eq!(wanted, Some(schema));
    assert!(
        user.contains("Example answer: {\"x\":42,\"y\":42}"),
        "{user}"
    );

    let ann = TypeAnn::Int;
    let (msgs, _) = reason_messages(
        &it,
        &Call {
            system: Some("S".into()),
            ..call
        },
        Some((&ann, &g)),
    );
    assert_eq!(msgs[0].content, "S");
    assert!(msgs[1].content.contains("single integer"));
}

#[test]
fn recursive_structs_do_not_loop() {
    let out = run("\
struct Node:
    value: int
    next: Node | None = None
n: Node = reason(\"a node\")
print(type(n), type(n.value))
");
    assert_eq!(out, "Node int\n");

    let mut it = Interp::new();
    let g = it.new_globals("__main__", None);
    let src = "struct Tree:\n    kids: list[Tree]\nstruct Forest:\n    trees: list[Tree]\n";
    assert!(it.run_source("<test>", src, &g).is_ok());
    let lookup = |s: Sym| it.lookup_name(&g, s);
    let schema = schema_of(
        &TypeAnn::Named(Sym::intern("Forest")),
        &lookup,
        "",
        &mut Vec::new(),
    );
    assert_eq!(
        schema["properties"]["trees"]["items"]["properties"]["kids"]["items"],
        json!({"$ref": "#/properties/trees/items"})
    );
}

#[test]
fn answers_are_read_leniently() {
    let mut it = Interp::new();
    let g = it.new_globals("__main__", None);
    let show = |it: &Interp, text: &str, ann: TypeAnn| {
        dana_interpreter::value::repr::repr(&convert(it, text, &ann, &g))
    };
    assert_eq!(show(&it, "42", TypeAnn::Int), "42");
    assert_eq!(show(&it, "There are 42 apples.", TypeAnn::Int), "42");
    assert_eq!(show(&it, "```\n-7\n```", TypeAnn::Int), "-7");
    assert_eq!(show(&it, "\"3.5\"", TypeAnn::Float), "3.5");
    assert_eq!(show(&it, "about 2.25 kg", TypeAnn::Float), "2.25");
    assert_eq!(show(&it, "Yes, it is.", TypeAnn::Bool), "True");
    assert_eq!(show(&it, "reasoning... FINAL_ANSWER: 9", TypeAnn::Int), "9");
    assert_eq!(
        show(
            &it,
            "```json\n[1, 2]\n```",
            TypeAnn::List(Some(Box::new(TypeAnn::Int)))
        ),
        "[1, 2]"
    );
    // Not convertible: the text comes back, for the assignment's own TypeError.
    assert_eq!(show(&it, "no idea", TypeAnn::Int), "'no idea'");
    assert_eq!(first_number("v1.2.3"), Some("1.2"));
    assert_eq!(first_number("none"), None);
    it.flush();
}

#[test]
fn argument_errors() {
    let out = |src: &str| run(src);
    assert_eq!(
        out("reason()"),
        "TypeError: reason() missing required argument 'prompt' (pos 1)"
    );
    assert_eq!(
        out("llm(5)"),
        "TypeError: llm() argument 'prompt' must be str, not int"
    );
    assert!(out("reason(\"x\", modle=\"m\")").contains("unexpected keyword argument 'modle'"));
    assert!(out("llm(\"x\", temperature=\"hot\")").starts_with("TypeError"));
    assert!(out("llm(\"x\", temperature=9)").starts_with("ValueError"));
    assert_eq!(
        out("print(reason(\"x\", **{\"system\": \"s\"}) != reason(\"x\"))"),
        "True\n"
    );
    assert_eq!(
        out("print(type(llm(prompt=\"x\", model=\"m\", temperature=0.5, system_prompt=\"s\")))"),
        "str\n"
    );
}

#[test]
fn offline_explains_how_to_configure() {
    let out = run_with(LlmConfig::default(), "n: int = reason(\"how many?\")");
    assert!(out.starts_with("RuntimeError: "), "{out}");
    for word in [
        "DANA_LLM_PROVIDER",
        "DANA_LLM_BASE_URL",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "DANA_MOCK_LLM=true",
    ] {
        assert!(out.contains(word), "{word} missing: {out}");
    }
    // The error can be caught like any other.
    let out = run_with(
        LlmConfig::default(),
        "try:\n    llm(\"x\")\nexcept RuntimeError as e:\n    print(\"caught\")\n",
    );
    assert_eq!(out, "caught\n");
}

fn openai_at(port: u16) -> LlmConfig {
    LlmConfig {
        provider: Provider::OpenAi,
        base_url: Some(format!("http://127.0.0.1:{port}/v1")),
        max_retries: 0,
        read_timeout: Duration::from_millis(300),
        ..LlmConfig::default()
    }
}

#[test]
fn network_failures_are_runtime_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9);
    let out = run_with(openai_at(port), "llm(\"x\")");
    assert!(
        out.starts_with("RuntimeError: could not reach the LLM provider"),
        "{out}"
    );
}

#[test]
fn timeouts_are_timeout_errors() {
    // A listener that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(9);
    let held = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_millis(1500));
        drop(conn);
    });
    let start = Instant::now();
    let out = run_with(openai_at(port), "n: int = reason(\"x\")");
    assert!(out.starts_with("TimeoutError: "), "{out}");
    assert!(start.elapsed() < Duration::from_secs(3));
    let _ = held.join();
}

#[test]
fn unknown_options_are_value_errors() {
    let out = run("\
try:
    reason(\"x\", options={\"colour\": \"red\"})
except ValueError as e:
    print(e.message)
");
    assert!(out.ends_with("reason() got an unknown option 'colour' (options: temperature, max_tokens, system, system_prompt, format, model)\n"), "{out}");
}
