"""A small math-expression grammar parsed to a syntax tree with source positions (never `eval`).

    program := statement ((';' | newline) statement)*       the last statement's value is the output
    statement := name '=' expr | expr                        a name makes a shared node (fan-out)
    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/' | '@') unary)*
    unary   := ('-' | '+') unary | power
    power   := postfix (('**' | '^') unary)?          right-associative; -x**2 = -(x**2)
    postfix := atom ('.T' | '[' expr (',' expr)* ']')*
    atom    := number | name | name '(' [expr (',' expr)*] ')' | '(' expr ')'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backprop_playground.nets.limits import DEFAULT_LIMITS, LimitError, Limits, SpecError


class ExpressionError(SpecError):
    """A syntax error, unknown name, missing value or exceeded limit; `.position` is a 0-based offset."""

    def __init__(self, message: str, position: int | None = None, source: str = ""):
        self.position = position
        self.message = message
        where = f" (at column {position + 1})" if position is not None else ""
        pointer = ""
        if position is not None and source and len(source) <= 200:
            pointer = f"\n  {source}\n  {' ' * position}^"
        super().__init__(f"{message}{where}{pointer}")


@dataclass
class Node:
    """A syntax-tree node: kind 'num' | 'var' | 'call' | 'binop' | 'unary' | 'transpose' | 'index', or
    'let' (value = the name, args = [expr]) and 'program' (args = statements) for several statements."""

    kind: str
    pos: int
    value: float | str | None = None
    args: list[Node] = field(default_factory=list)


_TOKEN = re.compile(
    r"[ \t\r]*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|\.T\b|[-+*/@^(),\[\]=;\n]))"
)


def tokenize(source: str) -> list[tuple[str, str, int]]:
    """Split `source` into (kind, text, position) tokens, ending with ('end', '', len)."""
    tokens, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if not match:
            start = len(source) - len(source[pos:].lstrip())
            raise ExpressionError(f"unexpected character {source[start]!r}", start, source)
        kind = match.lastgroup
        text = match.group(kind)
        tokens.append((kind, ";" if text == "\n" else text, match.start(kind)))
        pos = match.end()
    tokens.append(("end", "", len(source)))
    return tokens


class Parser:
    """Recursive-descent parser over the token list, bounded in depth and node count."""

    def __init__(self, source: str, limits: Limits):
        self.source = source
        self.limits = limits
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    def parse(self) -> Node:
        statements = []
        while True:
            while self.accept(";"):
                pass
            if self.peek()[0] == "end":
                break
            statements.append(self.statement())
            kind, text, pos = self.peek()
            if kind != "end" and text != ";":
                raise self.error(f"unexpected {text!r} after a complete expression", pos)
        if not statements:
            raise self.error("the expression is empty", 0)
        if len(statements) == 1 and statements[0].kind != "let":
            return statements[0]
        return Node("program", 0, None, statements)

    def statement(self) -> Node:
        kind, name, pos = self.peek()
        following = self.tokens[self.i + 1]
        if kind == "name" and following[:2] == ("op", "="):
            self.i += 2
            return self.make("let", pos, name, [self.expr()])
        return self.expr()

    # ---- helpers ----
    def error(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, pos, self.source)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def accept(self, *texts: str) -> tuple[str, str, int] | None:
        token = self.tokens[self.i]
        if token[0] == "op" and token[1] in texts:
            self.i += 1
            return token
        return None

    def expect(self, text: str) -> None:
        if not self.accept(text):
            kind, got, pos = self.peek()
            raise self.error(f"expected {text!r} but found {got!r}" if kind != "end" else
                             f"expected {text!r} but the expression ended", pos)

    def make(self, kind: str, pos: int, value=None, args=None) -> Node:
        self.nodes += 1
        if self.nodes > self.limits.expression_nodes:
            raise over_limit("expression_nodes", self.nodes, self.limits, pos, self.source)
        return Node(kind, pos, value, args or [])

    def nested(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.limits.expression_depth:
            raise over_limit("expression_depth", self.depth, self.limits, pos, self.source)

    # ---- grammar ----
    def expr(self) -> Node:
        left = self.term()
        while token := self.accept("+", "-"):
            left = self.make("binop", token[2], token[1], [left, self.term()])
        return left

    def term(self) -> Node:
        left = self.unary()
        while token := self.accept("*", "/", "@"):
            left = self.make("binop", token[2], token[1], [left, self.unary()])
        return left

    def unary(self) -> Node:
        token = self.accept("-", "+")
        if token is None:
            return self.power()
        self.nested(token[2])
        operand = self.unary()
        self.depth -= 1
        return operand if token[1] == "+" else self.make("unary", token[2], "-", [operand])

    def power(self) -> Node:
        base = self.postfix()
        token = self.accept("**", "^")
        if token is None:
            return base
        self.nested(token[2])
        exponent = self.unary()
        self.depth -= 1
        return self.make("binop", token[2], "**", [base, exponent])

    def postfix(self) -> Node:
        node = self.atom()
        while True:
            if token := self.accept(".T"):
                node = self.make("transpose", token[2], None, [node])
            elif token := self.accept("["):
                self.nested(token[2])
                items = [self.expr()]
                while self.accept(","):
                    items.append(self.expr())
                self.expect("]")
                self.depth -= 1
                node = self.make("index", token[2], None, [node, *items])
            else:
                return node

    def atom(self) -> Node:
        kind, text, pos = self.peek()
        if kind == "num":
            self.i += 1
            return self.make("num", pos, float(text))
        if kind == "name":
            self.i += 1
            if self.accept("("):
                return self.call(text, pos)
            return self.make("var", pos, text)
        if self.accept("("):
            self.nested(pos)
            inner = self.expr()
            self.depth -= 1
            self.expect(")")
            return inner
        if kind == "end":
            raise self.error("the expression ended where a number, name or '(' was expected", pos)
        raise self.error(f"unexpected {text!r}: expected a number, name or '('", pos)

    def call(self, name: str, pos: int) -> Node:
        self.nested(pos)
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.expr())
            while self.accept(","):
                args.append(self.expr())
            self.expect(")")
        self.depth -= 1
        return self.make("call", pos, name, args)


def parse(source: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse `source` to a syntax tree; ExpressionError names what is wrong and where."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > limits.expression_length:
        raise over_limit("expression_length", len(source), limits)
    try:
        tree = Parser(source, limits).parse()
    except RecursionError:  # only with a depth limit configured beyond what the interpreter's stack holds
        raise over_limit("expression_depth", limits.expression_depth + 1, limits, None, source) from None
    deepest = depth(tree)
    if deepest > limits.expression_depth:
        raise over_limit("expression_depth", deepest, limits, None, source)
    return tree


def over_limit(name: str, value: int, limits: Limits, pos: int | None = None,
               source: str = "") -> ExpressionError:
    """An ExpressionError for an exceeded limit, carrying LimitError's `.limit`, `.value`, `.maximum`."""
    cause = LimitError(name, value, getattr(limits, name))
    error = ExpressionError(str(cause), pos, source)
    error.limit, error.value, error.maximum = cause.limit, cause.value, cause.maximum
    return error


def depth(tree: Node) -> int:
    """Height of the tree (a lone number or name has depth 1), computed without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((arg, level + 1) for arg in node.args)
    return deepest


def variables(tree: Node, source: str = "") -> list[str]:
    """Names whose values must be given (not assigned in the program), in order of first appearance;
    ExpressionError when a name is used before its assignment or assigned twice."""
    statements = tree.args if tree.kind == "program" else [tree]
    assigned: dict[str, int] = {}
    used: dict[str, int] = {}
    for statement in statements:
        body = statement.args[0] if statement.kind == "let" else statement
        stack = [body]
        while stack:
            node = stack.pop()
            if node.kind == "var" and node.value not in assigned:
                used.setdefault(node.value, node.pos)
            stack.extend(reversed(node.args))
        if statement.kind == "let":
            name = statement.value
            if name in assigned:
                raise ExpressionError(f"{name!r} is assigned twice", statement.pos, source)
            if name in used:
                raise ExpressionError(f"{name!r} is used before it is assigned", used[name], source)
            assigned[name] = statement.pos
    return list(used)
