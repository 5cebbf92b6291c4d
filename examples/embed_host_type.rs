//! A custom Rust type used from Dana: constructor, methods, getters and setters.
//!
//! Run with `cargo run --example embed_host_type`.

use dana::engine::Host;
use dana::Engine;

#[derive(Clone, Debug)]
struct Account {
    owner: String,
    cents: i64,
}

pub fn main() {
    let mut engine = Engine::new();
    engine
        .register_type::<Account>("Account")
        .constructor(|owner: String| Account { owner, cents: 0 })
        .method("deposit", |a: &mut Account, cents: i64| {
            if cents <= 0 {
                return Err(format!("cannot deposit {cents}"));
            }
            a.cents += cents;
            Ok(a.cents)
        })
        .getter("owner", |a: &Account| a.owner.clone())
        .setter("owner", |a: &mut Account, v: String| a.owner = v)
        .getter("balance", |a: &Account| a.cents as f64 / 100.0)
        .build();

    // Dana builds and uses the value; the host gets the Rust value back.
    let acct: Host<Account> = engine
        .eval(
            "a = Account.new('ada')\na.deposit(1250)\na.deposit(99)\na.owner = a.owner.upper()\na",
        )
        .unwrap();
    assert_eq!(acct.0.cents, 1349);
    assert_eq!(acct.0.owner, "ADA");
    println!("{:?}", acct.0);

    // The host passes a value in; Dana reads its fields and calls its methods.
    engine.register_fn("opening_account", || {
        Host(Account {
            owner: "grace".into(),
            cents: 500,
        })
    });
    let summary: String = engine
        .eval("def describe(a: Account) -> str:\n    return f'{a.owner}: {a.balance:.2f}'\ndescribe(opening_account())")
        .unwrap();
    assert_eq!(summary, "grace: 5.00");
    println!("{summary}");

    // A getter without a setter is read-only; method errors are Dana exceptions.
    let err = engine
        .eval::<()>("a = opening_account()\na.balance = 1.0\na.deposit(1)")
        .unwrap_err();
    assert!(err.to_string().contains("read-only"));
    let err = engine
        .eval::<()>("opening_account().deposit(-1)")
        .unwrap_err();
    assert!(err.to_string().contains("cannot deposit -1"));
    println!("errors: ok");
}
