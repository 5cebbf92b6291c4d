use crate::ast;
use crate::SyntaxError;
pub fn parse_module(src: &str) -> Result<ast::Module, SyntaxError> { let _ = src; todo!() }
pub fn parse_expr(src: &str) -> Result<ast::Expr, SyntaxError> { let _ = src; todo!() }
