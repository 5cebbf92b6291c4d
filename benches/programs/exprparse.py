# exprparse: a tokenizer, a recursive-descent parser building a tree of objects, and an
# evaluator, run over n generated arithmetic expressions with variables. Default n=10_000.
import sys


class Token:
    def __init__(self, kind, text, value=0):
        self.kind = kind
        self.text = text
        self.value = value


class Node:
    def __init__(self, op, value=0, name="", left=None, right=None):
        self.op = op
        self.value = value
        self.name = name
        self.left = left
        self.right = right

    def evaluate(self, env):
        op = self.op
        if op == "num":
            return self.value
        if op == "var":
            return env[self.name]
        if op == "neg":
            return -self.left.evaluate(env)
        a = self.left.evaluate(env)
        b = self.right.evaluate(env)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a // b if b != 0 else 0
        return a % b if b != 0 else 0

    def size(self):
        n = 1
        if self.left is not None:
            n += self.left.size()
        if self.right is not None:
            n += self.right.size()
        return n


def tokenize(src):
    tokens = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == " ":
            i += 1
        elif c.isdigit():
            j = i
            while j < n and src[j].isdigit():
                j += 1
            tokens.append(Token("num", src[i:j], int(src[i:j])))
            i = j
        elif c.isalpha():
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            tokens.append(Token("name", src[i:j]))
            i = j
        else:
            tokens.append(Token("op", c))
            i += 1
    tokens.append(Token("end", ""))
    return tokens


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos]

    def advance(self):
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def expr(self):
        left = self.term()
        while self.peek().text == "+" or self.peek().text == "-":
            op = self.advance().text
            left = Node(op, left=left, right=self.term())
        return left

    def term(self):
        left = self.factor()
        while self.peek().text in ("*", "/", "%"):
            op = self.advance().text
            left = Node(op, left=left, right=self.factor())
        return left

    def factor(self):
        t = self.advance()
        if t.kind == "num":
            return Node("num", value=t.value)
        if t.kind == "name":
            return Node("var", name=t.text)
        if t.text == "-":
            return Node("neg", left=self.factor())
        if t.text == "(":
            inner = self.expr()
            if self.advance().text != ")":
                raise ValueError("expected )")
            return inner
        raise ValueError(f"unexpected {t.text!r}")


def gen(seed, depth):
    seed = (seed * 1103515245 + 12345) % 2147483648
    k = (seed >> 8) % 10
    if depth == 0 or k < 3:
        if k % 2 == 0:
            return (str((seed >> 4) % 1000), seed)
        return (["alpha", "beta", "gamma", "x1", "y_2"][(seed >> 5) % 5], seed)
    if k == 3:
        inner, seed = gen(seed, depth - 1)
        return ("-(" + inner + ")", seed)
    left, seed = gen(seed, depth - 1)
    right, seed = gen(seed, depth - 1)
    op = ["+", "-", "*", "/", "%", "+"][(seed >> 3) % 6]
    return ("(" + left + " " + op + " " + right + ")", seed)


def main(n=10_000):
    env = {"alpha": 3, "beta": -7, "gamma": 11, "x1": 100, "y_2": 5}
    seed = 11
    total = 0
    nodes = 0
    chars = 0
    for i in range(n):
        src, seed = gen(seed, 6)
        chars += len(src)
        tree = Parser(tokenize(src)).expr()
        nodes += tree.size()
        total = (total + tree.evaluate(env)) % 1000000007
    print(f"exprparse {n} {chars} {nodes} {total}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
