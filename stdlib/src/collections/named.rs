//! `collections.namedtuple`: a tuple type whose items are also named fields.

use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{collect, repr, Args, DictMap, Key, NativeType, Object, Value};
use std::any::Any;
use std::rc::Rc;

/// `namedtuple(typename, field_names)`.
pub(super) fn namedtuple(it: &mut Interp, args: Args) -> Result<Value, Exc> {
    args.check("namedtuple", 2, 2, &["defaults", "rename", "module"])?;
    let Value::Str(name) = &args.pos[0] else {
        return Err(type_error("namedtuple() typename must be a str"));
    };
    let fields: Vec<String> = match &args.pos[1] {
        Value::Str(s) => s
            .replace(',', " ")
            .split_whitespace()
            .map(String::from)
            .collect(),
        other => collect(it, other)?
            .iter()
            .map(|f| match f {
                Value::Str(s) => Ok(s.to_string()),
                other => Err(type_error(format!(
                    "Type names and field names must be strings, not {}",
                    other.type_name()
                ))),
            })
            .collect::<Result<_, _>>()?,
    };
    for (i, f) in fields.iter().enumerate() {
        let ident = f
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && f.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return Err(value_error(format!(
                "Type names and field names must be valid identifiers: '{f}'"
            )));
        }
        if f.starts_with('_') {
            return Err(value_error(format!(
                "Field names cannot start with an underscore: '{f}'"
            )));
        }
        if fields[..i].contains(f) {
            return Err(value_error(format!(
                "Encountered duplicate field name: '{f}'"
            )));
        }
    }
    let fields = Rc::new(fields);
    let tname = name.to_string();
    let ctor_fields = fields.clone();
    let ty = NativeType::new(
        "__main__",
        name,
        Some(Box::new(move |_it, this, args| {
            let n = ctor_fields.len();
            if args.pos.len() > n {
                return Err(type_error(format!(
                    "{tname}.__new__() takes {} positional arguments but {} were given",
                    n + 1,
                    args.pos.len() + 1
                )));
            }
            let mut vals: Vec<Option<Value>> = (0..n).map(|i| args.pos.get(i).cloned()).collect();
            for (k, v) in args.kw {
                match ctor_fields.iter().position(|f| f == k.as_str()) {
                    Some(i) if vals[i].is_none() => vals[i] = Some(v.clone()),
                    Some(_) => {
                        return Err(type_error(format!(
                            "{tname}.__new__() got multiple values for argument '{k}'"
                        )))
                    }
                    None => {
                        return Err(type_error(format!(
                            "{tname}.__new__() got an unexpected keyword argument '{k}'"
                        )))
                    }
                }
            }
            let missing: Vec<String> = ctor_fields
                .iter()
                .zip(&vals)
                .filter(|(_, v)| v.is_none())
                .map(|(f, _)| format!("'{f}'"))
                .collect();
            if !missing.is_empty() {
                return Err(type_error(format!(
                    "{tname}.__new__() missing {} required positional argument{}: {}",
                    missing.len(),
                    if missing.len() == 1 { "" } else { "s" },
                    join_and(&missing)
                )));
            }
            Ok(Value::object(Named {
                class: this.clone(),
                fields: ctor_fields.clone(),
                tuple: Value::tuple(vals.into_iter().map(Option::unwrap_or_default).collect()),
            }))
        })),
    );
    ty.set_attr_value(
        "_fields",
        Value::tuple(fields.iter().map(|f| Value::str(f.clone())).collect()),
    );
    Ok(Value::object(ty))
}

/// `'a', 'b' and 'c'`, as Python lists missing arguments.
fn join_and(xs: &[String]) -> String {
    match xs {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// An instance of a namedtuple type.
pub(crate) struct Named {
    class: Value,
    fields: Rc<Vec<String>>,
    tuple: Value,
}

impl Named {
    fn items(&self) -> &[Value] {
        match &self.tuple {
            Value::Tuple(t) => t,
            _ => &[],
        }
    }
}

impl Object for Named {
    fn type_name(&self) -> &str {
        self.class
            .downcast::<NativeType>()
            .map_or("namedtuple", |t| t.name.as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn class(&self) -> Option<Value> {
        Some(self.class.clone())
    }
    fn base(&self) -> Option<Value> {
        Some(self.tuple.clone())
    }
    fn repr(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .zip(self.items())
            .map(|(f, v)| format!("{f}={}", repr::repr(v)))
            .collect();
        format!("{}({})", self.type_name(), parts.join(", "))
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Option<Value> {
        if name == "_fields" {
            return Some(Value::tuple(
                self.fields.iter().map(|f| Value::str(f.clone())).collect(),
            ));
        }
        let i = self.fields.iter().position(|f| f == name)?;
        self.items().get(i).cloned()
    }
    fn set_attr(&self, _name: &str, _v: Value) -> Option<Result<(), Exc>> {
        Some(Err(dana_interpreter::error::attribute_error(
            "can't set attribute",
        )))
    }
    fn method_names(&self) -> &[&'static str] {
        &["_asdict", "_replace"]
    }
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        name: &str,
        args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        Some((|| {
            if name == "_asdict" {
                args.check("_asdict", 0, 0, &[])?;
                let mut d = DictMap::default();
                for (f, v) in self.fields.iter().zip(self.items()) {
                    d.insert(Key(Value::str(f.clone())), v.clone());
                }
                return Ok(Value::dict(d));
            }
            if !args.pos.is_empty() {
                return Err(type_error(format!(
                    "_replace() takes 1 positional argument but {} were given",
                    args.pos.len() + 1
                )));
            }
            let mut vals = self.items().to_vec();
            for (k, v) in args.kw {
                match self.fields.iter().position(|f| f == k.as_str()) {
                    Some(i) => vals[i] = v.clone(),
                    None => {
                        return Err(value_error(format!("Got unexpected field names: ['{k}']")))
                    }
                }
            }
            Ok(Value::object(Named {
                class: self.class.clone(),
                fields: self.fields.clone(),
                tuple: Value::tuple(vals),
            }))
        })())
    }
}
