//! `del`: names (unbound afterwards, as in Python), items and slices of lists and dicts, and
//! the refusals with Python's messages (a struct's fields cannot be deleted).

use super::{Frame, Interp};
use crate::error::{attribute_error, type_error, Exc};
use crate::ir::{Place, Target};
use crate::value::{ops, Key, Value};
use dana_grammar::ast::Sym;

impl Interp {
    /// Deletes one `del` target.
    pub(crate) fn delete(&mut self, fr: &mut Frame<'_>, t: &Target) -> Result<(), Exc> {
        match t {
            Target::Name(place, name) => {
                // A global must be bound in the module itself (`del print` does not reach the
                // builtins); a local must be bound in its frame.
                let bound = match place {
                    Place::Global(g) => fr.globals.slots.borrow()[*g as usize].is_some(),
                    _ => self.read_place(fr, *place, *name).is_ok(),
                };
                if !bound {
                    return Err(match place {
                        Place::Global(_) => {
                            crate::error::name_error(format!("name '{name}' is not defined"))
                        }
                        _ => self.read_place(fr, *place, *name).err().unwrap_or_else(|| {
                            crate::error::name_error(format!("name '{name}' is not defined"))
                        }),
                    });
                }
                self.unbind_place(fr, *place);
                Ok(())
            }
            Target::Scoped(..) => Err(type_error("cannot delete a scoped name")),
            Target::Attr(obj, name, span, _) => {
                let o = self.eval(fr, obj)?;
                self.check_del_mutation(&o)
                    .and_then(|_| self.del_attr(&o, *name))
                    .map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Index(obj, idx, span) => {
                let o = self.eval(fr, obj)?;
                let i = self.eval(fr, idx)?;
                self.check_del_mutation(&o)
                    .and_then(|_| ops::del_index(&o, &i))
                    .map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Slice(s, span) => {
                let o = self.eval(fr, &s.value)?;
                let lo = self.eval_opt(fr, &s.lower)?;
                let hi = self.eval_opt(fr, &s.upper)?;
                let st = self.eval_opt(fr, &s.step)?;
                self.check_del_mutation(&o)
                    .and_then(|_| ops::del_slice(&o, &lo, &hi, &st))
                    .map_err(|e| self.locate(e, *span, fr.src))
            }
            Target::Unpack(targets, _, _) => {
                for t in targets {
                    self.delete(fr, t)?;
                }
                Ok(())
            }
        }
    }

    fn check_del_mutation(&self, o: &Value) -> Result<(), Exc> {
        if crate::sandbox::is_contained() {
            crate::sandbox::check_mutation(o)?;
        }
        Ok(())
    }

    /// `del obj.name`: a dict's key (attributes of a dict read its keys); a struct's fields
    /// are fixed.
    fn del_attr(&self, obj: &Value, name: Sym) -> Result<(), Exc> {
        match obj {
            Value::Struct(inst) if inst.ty.field_index(name).is_some() => Err(type_error(format!(
                "cannot delete field '{name}' of '{}': a struct's fields are fixed",
                inst.ty.name
            ))
            .with_help(format!(
                "assign another value instead, e.g. `obj.{name} = None`"
            ))),
            Value::Dict(d) => {
                let removed = d.borrow_mut().shift_remove(&Key(Value::str(name.as_str())));
                match removed {
                    Some(_) => Ok(()),
                    None => Err(self.attr_error(obj, name)),
                }
            }
            Value::Module(g) => Err(type_error(format!(
                "cannot delete {}.{name}: a module's names are read-only from outside it",
                g.name
            ))),
            Value::Struct(_) => Err(self.attr_error(obj, name)),
            other => Err(attribute_error(format!(
                "'{}' object attribute '{name}' cannot be deleted",
                other.type_name()
            ))),
        }
    }
}
