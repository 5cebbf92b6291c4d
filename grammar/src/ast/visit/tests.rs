//! Tests of the AST traversal: a program using every construct, whose every name is reached
//! exactly once, in source order, and whose every statement and expression kind is visited.

use super::*;
use crate::parse_module;

/// Uses every statement and expression kind, every node family and every place an identifier
/// or a type can stand. Its names `n1`, `n2`, … appear in the text in numeric order.
const EVERYTHING: &str = r#""""Module docstring."""
import n1.n2 as n3
from ..n4 import n5 as n6, n7
from n8 import *
n9: n10 = n11
n12 = n13 = n14
n15 += n16
n17, *n18 = n19
n20.n21[n22] = n23[n24:n25:n26]
assert n27, n28
@n29.n30(n31, n32=n33, *n34, **n35)
@n36
sync def n37(n38: list[n39] = n40, *n41, n42: n43 | None, **n44) -> dict[n45, n46]:
    """Docstring."""
    if n47:
        return n48
    elif n49:
        pass
    else:
        raise n50 from n51
    while n52:
        break
    else:
        n53()
    for n54, n55 in n56:
        continue
    else:
        return
def (n57: n58) n59(n60, *, n61) -> n62:
    try:
        n63
    except (n64, n65) as n66:
        n67
    except:
        n68
    else:
        n69
    finally:
        n70
    with n71 as n72, n73:
        n74
def n75(n76) = n77 | n78(n79, $$) as n80 | [n81, n82.n83]
struct n84:
    """Docstring."""
    n85: n86 = n87
    def n88(self) -> n89:
        return n90
    n91: n92
    n93 = n94
interface n95:
    """Docstring."""
    n96(n97: n98) -> n99
    n100
    def n101(self)
agent n102:
    n103: n104 = n105
    @n106
    def n107(self):
        pass
    n108: n109
n110 = [1, 100000000000000000000000, 1.5, "s", True, None, f"a{n111!r:>{n112}}b{n113=}"]
n114 = (n115,) + {n116} - {n117: n118, **n119}
n120 = [n121 for n122 in n123 if n124 if n125 for n126 in n127]
n128 = {n129 for n130 in n131}
n132 = {n133: n134 for n135 in n136}
n137 = lambda n138, n139=n140 :: n141 if n142 else n143
n144 = n145 and n146 or not n147
n148 = -n149 ** ~n150
n151 = n152 < n153 not in n154
n155 = private:n156 + public:n157
n158(n159 for n160 in n161)
def n162():
    global n163
    nonlocal n164
    del n165, n166[n167]
    if (n168 := n169):
        pass
n170 = lambda (n171: n172) n173 :: n174
try:
    n175
except as n176:
    n177
"#;

/// Records every name it meets (expression names, identifiers, type names), the kinds of
/// statements and expressions, and the binding targets.
#[derive(Default)]
struct Everything {
    names: Vec<&'static str>,
    stmt_kinds: Vec<&'static str>,
    expr_kinds: Vec<&'static str>,
    targets: Vec<&'static str>,
    families: Vec<&'static str>,
}

impl Everything {
    fn family(&mut self, f: &'static str) {
        if !self.families.contains(&f) {
            self.families.push(f);
        }
    }
}

impl<'ast> Visitor<'ast> for Everything {
    fn visit_module(&mut self, module: &'ast Module) {
        self.family("module");
        walk_module(self, module)
    }
    fn visit_block(&mut self, block: &'ast [Stmt]) {
        self.family("block");
        walk_block(self, block)
    }
    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        self.family("stmt");
        self.stmt_kinds.push(stmt_kind(&stmt.kind));
        walk_stmt(self, stmt)
    }
    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.family("expr");
        self.expr_kinds.push(expr_kind(&expr.kind));
        if let ExprKind::Name { name, .. } = expr.kind {
            self.names.push(name.as_str());
        }
        walk_expr(self, expr)
    }
    fn visit_target(&mut self, target: &'ast Expr) {
        self.family("target");
        let first = match &target.kind {
            ExprKind::Name { name, .. } => name.as_str(),
            ExprKind::Tuple(v) => match &v[0].kind {
                ExprKind::Name { name, .. } => name.as_str(),
                _ => "?",
            },
            _ => expr_kind(&target.kind),
        };
        self.targets.push(first);
        walk_target(self, target)
    }
    fn visit_type(&mut self, ty: &'ast TypeExpr) {
        self.family("type");
        if let TypeExprKind::Name(n) | TypeExprKind::Generic(n, _) = ty.kind {
            self.names.push(n.as_str());
        }
        walk_type(self, ty)
    }
    fn visit_ident(&mut self, ident: &'ast Ident) {
        self.family("ident");
        self.names.push(ident.name.as_str());
    }
    fn visit_function_def(&mut self, def: &'ast FunctionDef) {
        self.family("function_def");
        walk_function_def(self, def)
    }
    fn visit_param(&mut self, param: &'ast Param) {
        self.family("param");
        walk_param(self, param)
    }
    fn visit_decorator(&mut self, decorator: &'ast Decorator) {
        self.family("decorator");
        walk_decorator(self, decorator)
    }
    fn visit_pipeline(&mut self, pipeline: &'ast Pipeline) {
        self.family("pipeline");
        walk_pipeline(self, pipeline)
    }
    fn visit_pipe_stage(&mut self, stage: &'ast PipeStage) {
        self.family("pipe_stage");
        walk_pipe_stage(self, stage)
    }
    fn visit_arg(&mut self, arg: &'ast Arg) {
        self.family("arg");
        walk_arg(self, arg)
    }
    fn visit_lambda(&mut self, lambda: &'ast Lambda) {
        self.family("lambda");
        walk_lambda(self, lambda)
    }
    fn visit_comprehension(&mut self, clause: &'ast Comprehension) {
        self.family("comprehension");
        walk_comprehension(self, clause)
    }
    fn visit_fstring_part(&mut self, part: &'ast FPart) {
        self.family("fstring_part");
        walk_fstring_part(self, part)
    }
    fn visit_except_handler(&mut self, handler: &'ast ExceptHandler) {
        self.family("except_handler");
        walk_except_handler(self, handler)
    }
    fn visit_with_item(&mut self, item: &'ast WithItem) {
        self.family("with_item");
        walk_with_item(self, item)
    }
    fn visit_import_name(&mut self, name: &'ast ImportName) {
        self.family("import_name");
        walk_import_name(self, name)
    }
    fn visit_struct_def(&mut self, def: &'ast StructDef) {
        self.family("struct_def");
        walk_struct_def(self, def)
    }
    fn visit_interface_def(&mut self, def: &'ast InterfaceDef) {
        self.family("interface_def");
        walk_interface_def(self, def)
    }
    fn visit_niche_def(&mut self, def: &'ast NicheDef) {
        self.family("niche_def");
        walk_niche_def(self, def)
    }
    fn visit_field(&mut self, field: &'ast FieldDef) {
        self.family("field");
        walk_field(self, field)
    }
    fn visit_method_sig(&mut self, sig: &'ast MethodSig) {
        self.family("method_sig");
        walk_method_sig(self, sig)
    }
}

/// Every statement kind; the match is exhaustive, so a new kind must be added here (and to
/// [`EVERYTHING`]).
const STMT_KINDS: &[&str] = &[
    "Expr",
    "Assign",
    "TypedAssign",
    "AugAssign",
    "If",
    "While",
    "For",
    "FunctionDef",
    "Return",
    "Pass",
    "Break",
    "Continue",
    "Try",
    "Raise",
    "Assert",
    "Import",
    "FromImport",
    "Struct",
    "Interface",
    "With",
    "Niche",
    "Delete",
    "Global",
    "Nonlocal",
];

fn stmt_kind(k: &StmtKind) -> &'static str {
    match k {
        StmtKind::Expr(_) => "Expr",
        StmtKind::Assign { .. } => "Assign",
        StmtKind::TypedAssign { .. } => "TypedAssign",
        StmtKind::AugAssign { .. } => "AugAssign",
        StmtKind::If { .. } => "If",
        StmtKind::While { .. } => "While",
        StmtKind::For { .. } => "For",
        StmtKind::FunctionDef(_) => "FunctionDef",
        StmtKind::Return(_) => "Return",
        StmtKind::Pass => "Pass",
        StmtKind::Break => "Break",
        StmtKind::Continue => "Continue",
        StmtKind::Try { .. } => "Try",
        StmtKind::Raise { .. } => "Raise",
        StmtKind::Assert { .. } => "Assert",
        StmtKind::Import { .. } => "Import",
        StmtKind::FromImport { .. } => "FromImport",
        StmtKind::Struct(_) => "Struct",
        StmtKind::Interface(_) => "Interface",
        StmtKind::With { .. } => "With",
        StmtKind::Niche(_) => "Niche",
        StmtKind::Delete(_) => "Delete",
        StmtKind::Global(_) => "Global",
        StmtKind::Nonlocal(_) => "Nonlocal",
    }
}

/// Every expression kind (exhaustive, as [`STMT_KINDS`]).
const EXPR_KINDS: &[&str] = &[
    "Int",
    "BigInt",
    "Float",
    "Str",
    "Bool",
    "None",
    "FString",
    "Name",
    "Placeholder",
    "List",
    "Tuple",
    "Set",
    "Dict",
    "ListComp",
    "SetComp",
    "DictComp",
    "Lambda",
    "IfExp",
    "And",
    "Or",
    "Not",
    "Unary",
    "Binary",
    "Compare",
    "Call",
    "Attribute",
    "Index",
    "Slice",
    "Starred",
    "NamedExpr",
];

fn expr_kind(k: &ExprKind) -> &'static str {
    match k {
        ExprKind::Int(_) => "Int",
        ExprKind::BigInt(_) => "BigInt",
        ExprKind::Float(_) => "Float",
        ExprKind::Str(_) => "Str",
        ExprKind::Bool(_) => "Bool",
        ExprKind::None => "None",
        ExprKind::FString(_) => "FString",
        ExprKind::Name { .. } => "Name",
        ExprKind::Placeholder => "Placeholder",
        ExprKind::List(_) => "List",
        ExprKind::Tuple(_) => "Tuple",
        ExprKind::Set(_) => "Set",
        ExprKind::Dict(_) => "Dict",
        ExprKind::ListComp { .. } => "ListComp",
        ExprKind::SetComp { .. } => "SetComp",
        ExprKind::DictComp { .. } => "DictComp",
        ExprKind::Lambda(_) => "Lambda",
        ExprKind::IfExp { .. } => "IfExp",
        ExprKind::And(..) => "And",
        ExprKind::Or(..) => "Or",
        ExprKind::Not(_) => "Not",
        ExprKind::Unary(..) => "Unary",
        ExprKind::Binary(..) => "Binary",
        ExprKind::Compare { .. } => "Compare",
        ExprKind::Call { .. } => "Call",
        ExprKind::Attribute { .. } => "Attribute",
        ExprKind::Index { .. } => "Index",
        ExprKind::Slice { .. } => "Slice",
        ExprKind::Starred(_) => "Starred",
        ExprKind::NamedExpr { .. } => "NamedExpr",
    }
}

/// The words `n<digits>` of a text, in order.
fn numbered_words(src: &str) -> Vec<&str> {
    src.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.len() > 1 && w.starts_with('n') && w[1..].bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

fn walk_everything() -> Everything {
    let module = parse_module(EVERYTHING).unwrap();
    let mut v = Everything::default();
    v.visit_module(&module);
    v
}

#[test]
fn every_name_is_reached_once_in_source_order() {
    let expected = numbered_words(EVERYTHING);
    assert_eq!(expected.len(), 177);
    for (i, w) in expected.iter().enumerate() {
        assert_eq!(
            *w,
            format!("n{}", i + 1),
            "the program's names are numbered in order"
        );
    }
    let v = walk_everything();
    let reached: Vec<&str> = v
        .names
        .iter()
        .copied()
        .filter(|n| numbered_words(n).len() == 1 && numbered_words(n)[0] == *n)
        .collect();
    assert_eq!(reached, expected);
}

#[test]
fn every_statement_and_expression_kind_is_reached() {
    let v = walk_everything();
    for k in STMT_KINDS {
        assert!(v.stmt_kinds.contains(k), "statement kind {k} not reached");
    }
    for k in EXPR_KINDS {
        assert!(v.expr_kinds.contains(k), "expression kind {k} not reached");
    }
}

#[test]
fn every_node_family_is_visited() {
    let mut families = walk_everything().families;
    families.sort_unstable();
    let mut all = vec![
        "module",
        "block",
        "stmt",
        "expr",
        "target",
        "type",
        "ident",
        "function_def",
        "param",
        "decorator",
        "pipeline",
        "pipe_stage",
        "arg",
        "lambda",
        "comprehension",
        "fstring_part",
        "except_handler",
        "with_item",
        "import_name",
        "struct_def",
        "interface_def",
        "niche_def",
        "field",
        "method_sig",
    ];
    all.sort_unstable();
    assert_eq!(families, all);
}

#[test]
fn targets_are_the_bound_expressions() {
    let v = walk_everything();
    assert_eq!(
        v.targets,
        [
            "n9", "n12", "n13", "n15", "n17", "Index", "n54", "n72", "n110", "n114", "n120",
            "n122", "n126", "n128", "n130", "n132", "n135", "n137", "n144", "n148", "n151", "n155",
            "n160", "n165", "Index", "n168", "n170"
        ]
    );
}

/// A walker that stops at function and lambda boundaries sees only the names of its own scope.
#[test]
fn an_override_that_does_not_walk_stops_the_descent() {
    #[derive(Default)]
    struct TopLevel(Vec<&'static str>);
    impl<'ast> Visitor<'ast> for TopLevel {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if let ExprKind::Name { name, .. } = e.kind {
                self.0.push(name.as_str());
            }
            walk_expr(self, e)
        }
        fn visit_function_def(&mut self, _: &'ast FunctionDef) {}
        fn visit_lambda(&mut self, _: &'ast Lambda) {}
    }
    let m = parse_module("a = b\ndef f(x=c):\n    d\ng = lambda y :: e\nh(i)\n").unwrap();
    let mut v = TopLevel::default();
    v.visit_module(&m);
    assert_eq!(v.0, ["a", "b", "g", "h", "i"]);
}

/// Walkers can keep references into the tree, and the trait works as a trait object.
#[test]
fn walkers_may_keep_references_and_be_trait_objects() {
    struct Calls<'ast>(Vec<&'ast Expr>);
    impl<'ast> Visitor<'ast> for Calls<'ast> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if matches!(e.kind, ExprKind::Call { .. }) {
                self.0.push(e);
            }
            walk_expr(self, e)
        }
    }
    let m = parse_module("f(g(1))\nx = [h() for _ in y]\n").unwrap();
    let mut calls = Calls(Vec::new());
    let dynamic: &mut dyn Visitor<'_> = &mut calls;
    dynamic.visit_module(&m);
    let spans: Vec<_> = calls
        .0
        .iter()
        .map(|e| &"f(g(1))\nx = [h() for _ in y]\n"[e.span.range()])
        .collect();
    assert_eq!(spans, ["f(g(1))", "g(1)", "h()"]);
}
